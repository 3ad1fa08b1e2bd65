//! Who may talk to the API: the Origin allow-list, the Host check and the
//! token.
//!
//! Any web page in the user's browser can send requests to a server on
//! localhost and open WebSockets to it (cross-site WebSocket hijacking), and
//! a DNS-rebinding page can even pose as the same origin. So:
//!
//! - a request that carries an `Origin` (browsers always send one on
//!   WebSockets and on cross-origin or non-GET requests) is refused unless
//!   the origin is the server's own or one configured with
//!   `--allow-origin`;
//! - without a token (a server on loopback for its own user), the `Host`
//!   must be a loopback name, which defeats DNS rebinding;
//! - with a token (required on any non-loopback address, and used by the
//!   desktop app's embedded backend with a fresh one per launch), every
//!   request but `/api/health` must present it: `Authorization: Bearer …`,
//!   or on a WebSocket, whose headers browsers cannot set, the subprotocol
//!   `earshot.token.…` — never the URL, which ends up in logs.

use std::net::SocketAddr;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// The subprotocol prefix that carries the token on a WebSocket.
pub const TOKEN_PROTOCOL_PREFIX: &str = "earshot.token.";

/// The access rules of one server.
#[derive(Clone, Debug)]
pub struct Access {
    token: Option<String>,
    allowed_origins: Vec<String>,
}

impl Access {
    /// Rules for a server with this token and these extra web origins.
    pub fn new(token: Option<String>, allowed_origins: Vec<String>) -> Self {
        Access {
            token: token.filter(|t| !t.is_empty()),
            allowed_origins: allowed_origins
                .into_iter()
                .map(|o| o.trim_end_matches('/').to_ascii_lowercase())
                .collect(),
        }
    }

    /// Refuses to serve a non-loopback address without a token.
    pub fn check_bind(&self, bind: SocketAddr) -> anyhow::Result<()> {
        if self.token.is_none() && !bind.ip().is_loopback() {
            anyhow::bail!(
                "{bind} is reachable from the network: set a token (--token or EARSHOT_TOKEN) \
                 so that only clients that know it get in"
            );
        }
        Ok(())
    }

    /// Checks one request's headers; `public` routes need no token.
    pub fn check(&self, headers: &HeaderMap, public: bool) -> Result<(), ApiError> {
        if let Some(origin) = headers.get(header::ORIGIN)
            && !self.origin_allowed(origin, headers.get(header::HOST))
        {
            return Err(ApiError::Forbidden(
                "Requests from this web page's origin are not allowed.".to_string(),
            ));
        }
        match &self.token {
            None => {
                let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
                if !host.is_some_and(is_loopback_host) {
                    return Err(ApiError::Forbidden(
                        "This server answers only to localhost.".to_string(),
                    ));
                }
            }
            Some(token) if !public => {
                if !presented_tokens(headers).any(|given| same(given, token)) {
                    return Err(ApiError::Unauthorized);
                }
            }
            Some(_) => {}
        }
        Ok(())
    }

    fn origin_allowed(&self, origin: &HeaderValue, host: Option<&HeaderValue>) -> bool {
        let Ok(origin) = origin.to_str() else {
            return false;
        };
        let origin = origin.trim_end_matches('/').to_ascii_lowercase();
        if self.allowed_origins.contains(&origin) {
            return true;
        }
        // The server's own origin: the page was served by this server.
        let authority = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"));
        match (authority, host.and_then(|h| h.to_str().ok())) {
            (Some(authority), Some(host)) => authority == host.to_ascii_lowercase(),
            _ => false,
        }
    }
}

/// The middleware that applies [`Access::check`] to every API request.
pub async fn guard(State(access): State<Access>, request: Request, next: Next) -> Response {
    let public = request.uri().path().ends_with("/health");
    match access.check(request.headers(), public) {
        Ok(()) => next.run(request).await,
        Err(error) => error.into_response(),
    }
}

/// The tokens a request presents: a bearer token, and on a WebSocket the
/// token subprotocol.
fn presented_tokens(headers: &HeaderMap) -> impl Iterator<Item = &str> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let protocols = headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|p| p.trim().strip_prefix(TOKEN_PROTOCOL_PREFIX));
    bearer.into_iter().chain(protocols)
}

fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Compares in time that does not depend on where the first difference is.
fn same(given: &str, expected: &str) -> bool {
    let (given, expected) = (given.as_bytes(), expected.as_bytes());
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
}

/// A fresh random token (for the embedded backend, one per launch).
pub fn new_token() -> String {
    // Two v4 UUIDs: 244 random bits from the operating system's generator.
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn a_foreign_origin_is_refused_and_the_own_or_a_listed_one_allowed() {
        let access = Access::new(None, vec!["https://app.example".into()]);
        let own = headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080"),
        ]);
        assert!(access.check(&own, false).is_ok());
        let listed = headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "https://App.example/"),
        ]);
        assert!(access.check(&listed, false).is_ok());
        let foreign = headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "https://evil.example"),
        ]);
        assert!(matches!(
            access.check(&foreign, false),
            Err(ApiError::Forbidden(_))
        ));
        let none = headers(&[("host", "localhost:8080")]);
        assert!(
            access.check(&none, false).is_ok(),
            "native clients send no Origin"
        );
    }

    #[test]
    fn without_a_token_only_loopback_hosts_are_served() {
        let access = Access::new(None, vec![]);
        for host in ["127.0.0.1:8080", "localhost", "[::1]:9000", "LOCALHOST:1"] {
            assert!(
                access.check(&headers(&[("host", host)]), false).is_ok(),
                "{host}"
            );
        }
        for host in [
            "evil.example:8080",
            "192.168.1.4:8080",
            "127.0.0.1.evil.example",
        ] {
            assert!(
                access.check(&headers(&[("host", host)]), false).is_err(),
                "{host}"
            );
        }
        assert!(
            access.check(&HeaderMap::new(), false).is_err(),
            "no Host at all"
        );
    }

    #[test]
    fn with_a_token_every_request_but_public_ones_must_present_it() {
        let access = Access::new(Some("s3cret".into()), vec![]);
        let host = ("host", "0.0.0.0:8080");
        assert!(matches!(
            access.check(&headers(&[host]), false),
            Err(ApiError::Unauthorized)
        ));
        assert!(
            access.check(&headers(&[host]), true).is_ok(),
            "health is public"
        );
        let bearer = headers(&[host, ("authorization", "Bearer s3cret")]);
        assert!(access.check(&bearer, false).is_ok());
        let wrong = headers(&[host, ("authorization", "Bearer s3cre")]);
        assert!(access.check(&wrong, false).is_err());
        let protocol = headers(&[
            host,
            ("sec-websocket-protocol", "earshot, earshot.token.s3cret"),
        ]);
        assert!(access.check(&protocol, false).is_ok());
    }

    #[test]
    fn a_network_address_needs_a_token() {
        let open = Access::new(None, vec![]);
        assert!(open.check_bind("127.0.0.1:0".parse().unwrap()).is_ok());
        assert!(open.check_bind("[::1]:0".parse().unwrap()).is_ok());
        assert!(open.check_bind("0.0.0.0:8080".parse().unwrap()).is_err());
        let guarded = Access::new(Some("t".into()), vec![]);
        assert!(guarded.check_bind("0.0.0.0:8080".parse().unwrap()).is_ok());
    }

    #[test]
    fn tokens_are_long_and_fresh() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
    }
}
