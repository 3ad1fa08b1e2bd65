//! `/api/ws/sync`: one socket per client.
//!
//! On connect the server sends `hello {epoch, seq}` and starts forwarding
//! every later invalidation. A client that was connected before asks for what
//! it missed, up to the hello's seq, with `?epoch=&seq=` on the URL (the
//! replay then precedes any live frame) or with a `resume {epoch, seq}` frame.
//! A resume frame is honoured only as the client's first frame and before any
//! live frame went out, since a replay after live frames would deliver older
//! seqs after newer ones; otherwise, or for a second resume, the answer is
//! `resync` (`late_resume`). A socket that falls behind the live stream gets
//! `resync`; one that stays silent for two heartbeat intervals is closed, and
//! one that does not take a frame within an interval is let go.
//!
//! Live frames are written by writer shards ([`super::fanout`]); the socket's
//! own task reads, answers and pings through the same outlet.

use std::future::poll_fn;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, close_code};
use axum::response::Response;
use earshot_shared::sync::{ClientMessage, ResyncReason, ServerMessage};
use futures_util::{Sink, SinkExt, Stream, TryStreamExt};
use serde::Deserialize;
use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior};

use super::fanout::{Fanout, Socket, text};
use super::hub::{Hub, Replay};
use crate::error::{Query, WebSocketUpgrade};
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

/// Read buffer per socket.
const READ_BUFFER: usize = 4 * 1024;

/// The subprotocol Earshot's sync socket speaks. Clients offer it (a client
/// that offers subprotocols fails the handshake unless the server picks one).
pub const PROTOCOL: &str = "earshot";

/// Upgrades the request to a sync socket.
pub async fn upgrade(
    State(state): State<AppState>,
    Query(params): Query<ResumeParams>,
    WebSocketUpgrade(ws): WebSocketUpgrade,
) -> Response {
    let session = Session {
        hub: state.hub.clone(),
        fanout: state.fanout.clone(),
        heartbeat: state.config.heartbeat_interval,
        shutdown: state.shutdown.clone(),
        resume: params.epoch.zip(params.seq),
    };
    ws.max_message_size(MAX_CLIENT_FRAME)
        // Client frames are tiny; tungstenite's default 128 KiB read buffer
        // is zeroed before every read and would be most of an idle socket's
        // memory and of the fan-out's CPU time.
        .read_buffer_size(READ_BUFFER)
        .protocols([PROTOCOL])
        .on_upgrade(move |socket| serve(socket, session))
}

/// What one socket needs.
struct Session {
    hub: Arc<Hub>,
    /// The writer shards that deliver live frames.
    fanout: Arc<Fanout>,
    /// The ping interval; also how long the socket may take no frame.
    heartbeat: Duration,
    shutdown: watch::Receiver<bool>,
    /// A resume point given on the URL.
    resume: Option<(String, u64)>,
}

/// Runs one socket until it closes. Live frames are written by the socket's
/// shard (see [`super::fanout`]); this task reads, answers, pings, drains
/// what the socket could not take at once, and closes.
async fn serve<S, E>(socket: S, session: Session)
where
    S: Stream<Item = Result<Message, E>> + Sink<Message> + Send + 'static,
{
    let Session {
        hub,
        fanout,
        heartbeat,
        mut shutdown,
        resume: resume_from_url,
    } = session;
    let socket: Socket = Box::pin(socket.sink_map_err(|_| ()).map_err(|_| ()));
    // Registered once: waiting anew on every turn of the loop would take the
    // lock that every socket's shutdown waiter shares, once per wake-up.
    let stopping = shutdown.wait_for(|down| *down);
    tokio::pin!(stopping);
    // Frames published from here on reach the socket through its shard, which
    // fills in those it passed on before the socket joined.
    let position = hub.seq();
    let mut greeting = vec![text(&ServerMessage::Hello {
        epoch: hub.epoch().to_string(),
        seq: position,
    })];
    // Whether a resume frame may still be honoured.
    let mut may_resume = resume_from_url.is_none();
    if let Some((epoch, seq)) = resume_from_url {
        greeting.extend(resume(&hub, &epoch, seq, position));
    }
    let task = poll_fn(|cx| Poll::Ready(cx.waker().clone())).await;
    // The greeting goes out first: the shard queues live frames behind it.
    let outlet = fanout.join(socket, position, greeting, task);

    let silence_limit = heartbeat * 2;
    let silence = tokio::time::sleep(silence_limit);
    tokio::pin!(silence);
    let mut ticker = tokio::time::interval_at(Instant::now() + heartbeat, heartbeat);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    // Whether the socket has messages it did not take yet, and since when it
    // took none.
    let mut backlogged = false;
    let stalled = tokio::time::sleep(heartbeat);
    tokio::pin!(stalled);
    let close = loop {
        tokio::select! {
            biased;
            _ = &mut stopping => break Some((close_code::AWAY, "server shutting down".to_string())),
            pumped = outlet.pump(backlogged) => match pumped {
                Ok(now) => {
                    if now {
                        stalled.as_mut().reset(Instant::now() + heartbeat);
                    }
                    backlogged = now;
                }
                Err(()) => return,
            },
            // A client that does not read must not hold its queue forever.
            () = &mut stalled, if backlogged => return,
            // Not while backlogged: the answers would pile up unread.
            incoming = outlet.next_message(), if !backlogged => {
                silence.as_mut().reset(Instant::now() + silence_limit);
                match incoming {
                    Some(Ok(Message::Text(body))) => {
                        let first = std::mem::replace(&mut may_resume, false);
                        match serde_json::from_str::<ClientMessage>(body.as_str()) {
                            Ok(ClientMessage::Resume { epoch, seq }) if first => {
                                if !outlet.send_before_live(|| resume(&hub, &epoch, seq, position)) {
                                    outlet.send(late_resume());
                                }
                            }
                            Ok(ClientMessage::Resume { .. }) => outlet.send(late_resume()),
                            Ok(ClientMessage::Ping) => outlet.send(text(&ServerMessage::Pong)),
                            Ok(ClientMessage::Pong) => {}
                            Err(err) => break Some((close_code::PROTOCOL, format!("bad frame: {err}"))),
                        }
                    }
                    Some(Ok(Message::Binary(_))) => break Some((close_code::UNSUPPORTED, "text frames only".to_string())),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                    Some(Ok(Message::Close(_))) | Some(Err(())) | None => break None,
                }
            },
            () = &mut silence => break Some((CLOSE_HEARTBEAT_TIMEOUT, "heartbeat timeout".to_string())),
            _ = ticker.tick() => outlet.send(text(&ServerMessage::Ping)),
        }
    };
    if let Some((code, reason)) = close {
        outlet.close(CloseFrame {
            code,
            reason: Utf8Bytes::from(reason),
        });
        // A client that does not read must not hold the task.
        let _ = tokio::time::timeout(heartbeat, outlet.flushed()).await;
    }
    // Dropping `outlet` closes the socket and takes it off its shard.
}

fn late_resume() -> Message {
    text(&ServerMessage::Resync {
        reason: ResyncReason::LateResume,
    })
}

fn resume(hub: &Hub, epoch: &str, seq: u64, until: u64) -> Vec<Message> {
    match hub.replay(epoch, seq, until) {
        Replay::Frames(frames) => frames.into_iter().map(Message::Text).collect(),
        Replay::Resync(reason) => vec![text(&ServerMessage::Resync { reason })],
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use tokio::sync::mpsc;

    use super::*;

    const HEARTBEAT: Duration = Duration::from_secs(10);

    fn session(hub: Arc<Hub>, shutdown: watch::Receiver<bool>) -> Session {
        Session {
            fanout: Arc::new(Fanout::start(hub.clone(), 1, 8)),
            hub,
            heartbeat: HEARTBEAT,
            shutdown,
            resume: None,
        }
    }

    /// A socket made of a separate sink and stream, as the server sees it.
    struct Duplex<Si, St> {
        sink: Pin<Box<Si>>,
        stream: Pin<Box<St>>,
    }

    fn duplex<Si, St>(sink: Si, stream: St) -> Duplex<Si, St> {
        Duplex {
            sink: Box::pin(sink),
            stream: Box::pin(stream),
        }
    }

    impl<Si, St: Stream> Stream for Duplex<Si, St> {
        type Item = St::Item;

        fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<St::Item>> {
            self.stream.as_mut().poll_next(cx)
        }
    }

    impl<Si: Sink<Message>, St> Sink<Message> for Duplex<Si, St> {
        type Error = Si::Error;

        fn poll_ready(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
        ) -> Poll<Result<(), Si::Error>> {
            self.sink.as_mut().poll_ready(cx)
        }

        fn start_send(mut self: Pin<&mut Self>, item: Message) -> Result<(), Si::Error> {
            self.sink.as_mut().start_send(item)
        }

        fn poll_flush(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
        ) -> Poll<Result<(), Si::Error>> {
            self.sink.as_mut().poll_flush(cx)
        }

        fn poll_close(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
        ) -> Poll<Result<(), Si::Error>> {
            self.sink.as_mut().poll_close(cx)
        }
    }

    /// The client's end of an in-memory socket.
    struct Client {
        to_server: mpsc::UnboundedSender<Result<Message, Infallible>>,
        from_server: mpsc::UnboundedReceiver<Message>,
        _shutdown: watch::Sender<bool>,
    }

    fn connect(hub: Arc<Hub>) -> Client {
        let (to_server, incoming) = mpsc::unbounded_channel();
        let (outgoing, from_server) = mpsc::unbounded_channel();
        let sink = futures_util::sink::unfold(outgoing, |outgoing, message: Message| async move {
            outgoing.send(message).map_err(|_| "the client is gone")?;
            Ok::<_, &str>(outgoing)
        });
        let stream = futures_util::stream::unfold(incoming, |mut incoming| async move {
            incoming.recv().await.map(|message| (message, incoming))
        });
        let (shutdown, stopping) = watch::channel(false);
        tokio::spawn(serve(duplex(sink, stream), session(hub, stopping)));
        Client {
            to_server,
            from_server,
            _shutdown: shutdown,
        }
    }

    impl Client {
        fn say(&self, message: &ClientMessage) {
            let text = serde_json::to_string(message).unwrap();
            self.to_server.send(Ok(Message::Text(text.into()))).unwrap();
        }

        async fn hear(&mut self) -> Message {
            self.from_server.recv().await.expect("the socket is open")
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_client_is_closed_two_intervals_after_the_last_frame_it_sent() {
        let mut client = connect(Arc::new(Hub::new(8, 8)));
        let began = Instant::now();
        assert!(matches!(client.hear().await, Message::Text(_)), "hello");

        // Half-way between two pings, so that ticks and the deadline differ.
        tokio::time::sleep(HEARTBEAT * 3 / 2).await;
        client.say(&ClientMessage::Pong);
        let close = loop {
            match client.hear().await {
                Message::Close(frame) => break frame.expect("a close code"),
                Message::Text(_) => continue, // pings
                other => panic!("unexpected {other:?}"),
            }
        };

        assert_eq!(close.code, CLOSE_HEARTBEAT_TIMEOUT);
        assert_eq!(began.elapsed(), HEARTBEAT * 3 / 2 + HEARTBEAT * 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_client_that_takes_no_frame_for_an_interval_is_let_go() {
        // Takes the hello, then nothing more.
        let sink = futures_util::sink::unfold(0, |sent, _: Message| async move {
            if sent > 0 {
                std::future::pending::<()>().await;
            }
            Ok::<_, Infallible>(sent + 1)
        });
        let stream = futures_util::stream::pending::<Result<Message, Infallible>>();
        let (_shutdown, stopping) = watch::channel(false);
        let began = Instant::now();

        let served = tokio::time::timeout(
            HEARTBEAT * 10,
            serve(
                duplex(sink, stream),
                session(Arc::new(Hub::new(8, 8)), stopping),
            ),
        )
        .await;

        assert!(served.is_ok(), "the socket task still waits on its client");
        // The first ping goes out after an interval and may take another.
        assert_eq!(began.elapsed(), HEARTBEAT * 2);
    }
}
