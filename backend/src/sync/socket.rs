//! `/api/ws/sync`: one socket per client.
//!
//! On connect the server sends `hello {epoch, seq}` and starts forwarding
//! every later invalidation. A client that was connected before sends
//! `resume {epoch, seq}` (as its first frame, or as `?epoch=&seq=` on the URL
//! so the replay precedes any live frame); it gets the frames it missed up to
//! the hello's seq, or `resync`. A socket that falls behind the live stream
//! gets `resync`; one that stays silent for two heartbeat intervals is closed.

use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade, close_code};
use axum::response::Response;
use earshot_shared::sync::{ClientMessage, ResyncReason, ServerMessage};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{Instant, MissedTickBehavior};

use super::hub::{Hub, Replay};
use crate::error::Query;
use crate::state::AppState;

/// Close code for a client that stopped answering heartbeats.
pub const CLOSE_HEARTBEAT_TIMEOUT: u16 = 4000;
const MAX_CLIENT_FRAME: usize = 16 * 1024;

/// An optional resume point given on the URL.
#[derive(Debug, Default, Deserialize)]
pub struct ResumeParams {
    epoch: Option<String>,
    seq: Option<u64>,
}

/// Upgrades the request to a sync socket.
pub async fn upgrade(
    State(state): State<AppState>,
    Query(params): Query<ResumeParams>,
    ws: WebSocketUpgrade,
) -> Response {
    ws.max_message_size(MAX_CLIENT_FRAME)
        .on_upgrade(move |socket| serve(socket, state, params))
}

#[tracing::instrument(skip_all)]
async fn serve(socket: WebSocket, state: AppState, params: ResumeParams) {
    let hub = state.hub.clone();
    let heartbeat = state.config.heartbeat_interval;
    let mut shutdown = state.shutdown.clone();
    let mut subscription = hub.subscribe();
    let (mut sink, mut stream) = socket.split();
    let hello = ServerMessage::Hello {
        epoch: subscription.epoch.clone(),
        seq: subscription.seq,
    };
    if sink.send(text(&hello)).await.is_err() {
        return;
    }
    if let (Some(epoch), Some(seq)) = (params.epoch, params.seq) {
        for message in resume(&hub, &epoch, seq, subscription.seq) {
            if sink.send(message).await.is_err() {
                return;
            }
        }
    }

    let mut last_heard = Instant::now();
    let mut ticker = tokio::time::interval_at(Instant::now() + heartbeat, heartbeat);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let close = loop {
        let outgoing: Vec<Message> = tokio::select! {
            frame = subscription.receiver.recv() => match frame {
                Ok(frame) => vec![Message::Text(frame.text)],
                Err(RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, "socket lagged; sending resync");
                    vec![text(&ServerMessage::Resync { reason: ResyncReason::Lagged })]
                }
                Err(RecvError::Closed) => break None,
            },
            incoming = stream.next() => {
                last_heard = Instant::now();
                match incoming {
                    Some(Ok(Message::Text(body))) => match serde_json::from_str::<ClientMessage>(body.as_str()) {
                        Ok(ClientMessage::Resume { epoch, seq }) => resume(&hub, &epoch, seq, subscription.seq),
                        Ok(ClientMessage::Ping) => vec![text(&ServerMessage::Pong)],
                        Ok(ClientMessage::Pong) => Vec::new(),
                        Err(err) => break Some((close_code::PROTOCOL, format!("bad frame: {err}"))),
                    },
                    Some(Ok(Message::Binary(_))) => break Some((close_code::UNSUPPORTED, "text frames only".to_string())),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => Vec::new(),
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break None,
                }
            },
            _ = ticker.tick() => {
                if last_heard.elapsed() > heartbeat * 2 + Duration::from_secs(1) {
                    break Some((CLOSE_HEARTBEAT_TIMEOUT, "heartbeat timeout".to_string()));
                }
                vec![text(&ServerMessage::Ping)]
            },
            _ = shutdown.wait_for(|down| *down) => break Some((close_code::AWAY, "server shutting down".to_string())),
        };
        for message in outgoing {
            if sink.send(message).await.is_err() {
                return;
            }
        }
    };
    if let Some((code, reason)) = close {
        let _ = sink
            .send(Message::Close(Some(CloseFrame {
                code,
                reason: Utf8Bytes::from(reason),
            })))
            .await;
    }
}

fn resume(hub: &Hub, epoch: &str, seq: u64, until: u64) -> Vec<Message> {
    match hub.replay(epoch, seq, until) {
        Replay::Frames(frames) => frames.into_iter().map(Message::Text).collect(),
        Replay::Resync(reason) => vec![text(&ServerMessage::Resync { reason })],
    }
}

fn text(message: &ServerMessage) -> Message {
    Message::Text(Utf8Bytes::from(
        serde_json::to_string(message).expect("server messages always serialise"),
    ))
}
