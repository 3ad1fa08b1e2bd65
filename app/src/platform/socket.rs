//! A WebSocket of text frames: tokio-tungstenite on native builds, the
//! browser's WebSocket (through gloo-net) in the web build. The sync client
//! sees only [`Socket`].
//!
//! The token, when there is one, travels as a second WebSocket subprotocol
//! (`earshot.token.<token>`) beside `earshot`: browsers cannot set headers
//! on a WebSocket, and a token in the URL would end up in logs.

use futures_util::{SinkExt, StreamExt};

/// The subprotocol every Earshot sync socket speaks.
pub const PROTOCOL: &str = "earshot";
/// The prefix of the subprotocol that carries the token.
pub const TOKEN_PROTOCOL_PREFIX: &str = "earshot.token.";

fn protocols(token: Option<&str>) -> Vec<String> {
    let mut protocols = vec![PROTOCOL.to_string()];
    if let Some(token) = token {
        protocols.push(format!("{TOKEN_PROTOCOL_PREFIX}{token}"));
    }
    protocols
}

#[cfg(any(feature = "desktop", feature = "mobile"))]
mod imp {
    use super::*;
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::http::HeaderValue;

    type Stream = tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >;

    /// An open socket.
    pub struct Socket(Stream);

    impl std::fmt::Debug for Socket {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Socket")
        }
    }

    /// Opens a socket to `url` (`ws://` or `wss://`).
    pub async fn connect(url: &str, token: Option<&str>) -> Result<Socket, String> {
        let mut request = url.into_client_request().map_err(|e| e.to_string())?;
        let protocols = protocols(token).join(", ");
        request.headers_mut().insert(
            "sec-websocket-protocol",
            HeaderValue::from_str(&protocols).map_err(|e| e.to_string())?,
        );
        let (stream, _) = tokio_tungstenite::connect_async(request)
            .await
            .map_err(|e| e.to_string())?;
        Ok(Socket(stream))
    }

    impl Socket {
        /// The next text frame; `None` once the socket is closed or broken.
        pub async fn recv(&mut self) -> Option<String> {
            loop {
                match self.0.next().await? {
                    Ok(Message::Text(text)) => return Some(text.to_string()),
                    Ok(Message::Close(_)) | Err(_) => return None,
                    Ok(_) => continue, // pings are answered by tungstenite
                }
            }
        }

        /// Sends a text frame.
        pub async fn send(&mut self, text: String) -> Result<(), String> {
            self.0
                .send(Message::Text(text.into()))
                .await
                .map_err(|e| e.to_string())
        }
    }
}

#[cfg(all(feature = "web", not(any(feature = "desktop", feature = "mobile"))))]
mod imp {
    use super::*;
    use gloo_net::websocket::Message;
    use gloo_net::websocket::futures::WebSocket;

    /// An open socket.
    pub struct Socket(WebSocket);

    impl std::fmt::Debug for Socket {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Socket")
        }
    }

    /// Opens a socket to `url` (`ws://` or `wss://`).
    pub async fn connect(url: &str, token: Option<&str>) -> Result<Socket, String> {
        let socket =
            WebSocket::open_with_protocols(url, &protocols(token)).map_err(|e| e.to_string())?;
        Ok(Socket(socket))
    }

    impl Socket {
        /// The next text frame; `None` once the socket is closed or broken.
        pub async fn recv(&mut self) -> Option<String> {
            loop {
                match self.0.next().await? {
                    Ok(Message::Text(text)) => return Some(text),
                    Ok(Message::Bytes(_)) => continue,
                    Err(_) => return None,
                }
            }
        }

        /// Sends a text frame.
        pub async fn send(&mut self, text: String) -> Result<(), String> {
            self.0
                .send(Message::Text(text))
                .await
                .map_err(|e| e.to_string())
        }
    }
}

pub use imp::{Socket, connect};
