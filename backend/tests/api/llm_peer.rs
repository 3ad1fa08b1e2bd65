//! A small OpenAI-compatible server for the tests: it serves
//! `POST /v1/chat/completions` on 127.0.0.1, records every request, and
//! answers once it is let go (or fails, if told to).

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};

use crate::helpers::PATIENCE;

/// A request the peer received.
#[derive(Debug)]
pub struct Received {
    pub authorization: Option<String>,
    pub body: Value,
}

/// How the peer answers.
#[derive(Clone, Debug)]
pub enum Behaviour {
    /// A completion with this content, once [`LlmPeer::let_go`] is called.
    Answer(String),
    /// 500 at once.
    Fail,
}

#[derive(Clone)]
struct PeerState {
    behaviour: Behaviour,
    received: mpsc::UnboundedSender<Received>,
    go: watch::Receiver<bool>,
}

pub struct LlmPeer {
    /// The base URL to configure, `http://127.0.0.1:<port>/v1`.
    pub url: String,
    received: mpsc::UnboundedReceiver<Received>,
    go: watch::Sender<bool>,
}

impl LlmPeer {
    pub async fn start(behaviour: Behaviour) -> LlmPeer {
        let (received_tx, received) = mpsc::unbounded_channel();
        let (go, go_rx) = watch::channel(false);
        let app = Router::new()
            .route("/v1/chat/completions", post(complete))
            .with_state(PeerState {
                behaviour,
                received: received_tx,
                go: go_rx,
            });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/v1", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        LlmPeer { url, received, go }
    }

    /// Lets every waiting and later request be answered.
    pub fn let_go(&self) {
        self.go.send_replace(true);
    }

    /// The next request the peer received.
    pub async fn next_request(&mut self) -> Received {
        tokio::time::timeout(PATIENCE, self.received.recv())
            .await
            .expect("a request to the language model in time")
            .expect("the peer runs")
    }
}

async fn complete(State(peer): State<PeerState>, headers: HeaderMap, body: String) -> Response {
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let _ = peer.received.send(Received {
        authorization,
        body,
    });
    match peer.behaviour {
        Behaviour::Fail => (
            StatusCode::INTERNAL_SERVER_ERROR,
            axum::Json(json!({"error": {"message": "model not loaded"}})),
        )
            .into_response(),
        Behaviour::Answer(content) => {
            let mut go = peer.go.clone();
            let _ = go.wait_for(|go| *go).await;
            axum::Json(json!({
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "choices": [{
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop"
                }]
            }))
            .into_response()
        }
    }
}
