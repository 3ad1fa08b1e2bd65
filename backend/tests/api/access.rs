//! Who may call the API: foreign origins, foreign hosts and missing tokens
//! are refused, over HTTP and on the sync socket.

use earshot_backend::{Config, Server};
use reqwest::StatusCode;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use crate::helpers::{expect_error, spawn_app, spawn_app_with};

/// Opens the sync socket with extra headers; returns the HTTP status of a
/// refused handshake, or 101 when it was accepted.
async fn open_socket(address: std::net::SocketAddr, headers: &[(&'static str, &str)]) -> u16 {
    let mut request = format!("ws://{address}/api/ws/sync")
        .into_client_request()
        .unwrap();
    for (name, value) in headers {
        request
            .headers_mut()
            .insert(*name, HeaderValue::from_str(value).unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((_, response)) => response.status().as_u16(),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("unexpected handshake failure: {other}"),
    }
}

#[tokio::test]
async fn a_foreign_origin_is_refused_on_the_socket_and_the_api() {
    let app = spawn_app().await;
    assert_eq!(
        open_socket(app.address, &[("origin", "https://evil.example")]).await,
        403
    );
    let response = app
        .http
        .post(app.url("/projects"))
        .header("origin", "https://evil.example")
        .json(&serde_json::json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    assert!(
        app.get::<Vec<earshot_shared::dto::Project>>("/projects")
            .await
            .is_empty()
    );

    // The server's own origin (a page it served) is welcome.
    let own = format!("http://{}", app.address);
    assert_eq!(open_socket(app.address, &[("origin", &own)]).await, 101);
}

#[tokio::test]
async fn a_configured_web_origin_is_allowed_with_cors() {
    let app =
        spawn_app_with(|config| config.allowed_origins = vec!["https://earshot.example".into()])
            .await;
    assert_eq!(
        open_socket(app.address, &[("origin", "https://earshot.example")]).await,
        101
    );
    let preflight = app
        .http
        .request(reqwest::Method::OPTIONS, app.url("/projects"))
        .header("origin", "https://earshot.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "https://earshot.example"
    );
}

#[tokio::test]
async fn without_a_token_a_foreign_host_is_refused() {
    // A DNS-rebinding page reaches the loopback server under its own name.
    let app = spawn_app().await;
    let response = app
        .http
        .get(app.url("/projects"))
        .header("host", "evil.example")
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn with_a_token_requests_without_it_are_refused() {
    let app = spawn_app_with(|config| config.token = Some("s3cret-token".into())).await;
    let response = app.http.get(app.url("/projects")).send().await.unwrap();
    expect_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let wrong = app
        .http
        .get(app.url("/projects"))
        .bearer_auth("not-it")
        .send()
        .await
        .unwrap();
    expect_error(wrong, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let right = app
        .http
        .get(app.url("/projects"))
        .bearer_auth("s3cret-token")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), StatusCode::OK);
    let health = app.http.get(app.url("/health")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK, "health stays public");

    assert_eq!(open_socket(app.address, &[]).await, 401);
    assert_eq!(
        open_socket(
            app.address,
            &[(
                "sec-websocket-protocol",
                "earshot, earshot.token.s3cret-token"
            )]
        )
        .await,
        101
    );
}

#[tokio::test]
async fn a_network_address_without_a_token_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::embedded(dir.path().to_path_buf());
    config.bind = "0.0.0.0:0".parse().unwrap();
    let error = Server::build(config).await.unwrap_err();
    assert!(error.to_string().contains("token"), "{error}");
}
