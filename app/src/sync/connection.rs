//! The connection loop: connect, resume, apply what arrives to the query
//! cache, notice a silent connection, and reconnect with backoff — forever.

use std::rc::Rc;
use std::time::Duration;

use earshot_shared::QueryKey;
use earshot_shared::sync::{ClientMessage, ServerMessage};
use futures_channel::mpsc;
use futures_util::StreamExt;
use futures_util::future::{Either, select};
use web_time::Instant;

use super::backoff::Backoff;
use super::reads::ReadPositions;
use super::tracker::{Effect, Tracker};
use crate::platform::socket;
use crate::query::QueryClient;
use crate::query::runtime::Runtime;

/// Where the connection stands, as the indicator shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnectionState {
    /// The first connection is being made.
    Connecting,
    /// Connected and in step with the server.
    Live,
    /// The connection was lost; attempt `attempt` is due at `retry_at`.
    Reconnecting {
        /// How many attempts failed in a row.
        attempt: u32,
        /// When the next attempt starts.
        retry_at: Instant,
    },
    /// Many attempts in a row failed; still retrying at `retry_at`.
    Offline {
        /// How many attempts failed in a row.
        attempt: u32,
        /// When the next attempt starts.
        retry_at: Instant,
    },
}

/// How the connection behaves.
#[derive(Clone, Debug)]
pub struct SyncOptions {
    /// The server's `/api/ws/sync` URL (`ws://…` or `wss://…`).
    pub url: String,
    /// The token, when the server needs one.
    pub token: Option<String>,
    /// A connection that delivers no frame for this long is taken as dead
    /// (the server pings every 15 s).
    pub silence_limit: Duration,
    /// After this many failed attempts in a row the state is `Offline`.
    pub offline_after: u32,
    /// Seeds the reconnect jitter.
    pub seed: u64,
    /// The reconnect schedule's base and cap.
    pub backoff_base: Duration,
    /// See `backoff_base`.
    pub backoff_cap: Duration,
    /// Where the data read before the first hello stands: when it is
    /// current, that hello invalidates nothing. Without it, the first hello
    /// invalidates everything.
    pub reads: Option<Rc<ReadPositions>>,
}

impl SyncOptions {
    /// The usual behaviour for the sync socket at `url`.
    pub fn new(url: String, token: Option<String>) -> Self {
        SyncOptions {
            url,
            token,
            silence_limit: Duration::from_secs(15 + 10),
            offline_after: 5,
            seed: web_time::SystemTime::now()
                .duration_since(web_time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64),
            backoff_base: Duration::from_secs(1),
            backoff_cap: Duration::from_secs(30),
            reads: None,
        }
    }
}

/// Keeps the app connected until the future is dropped. `on_state` hears of
/// every state change; a message on `retry_now` skips the current wait.
pub async fn run(
    options: SyncOptions,
    client: QueryClient,
    runtime: Rc<dyn Runtime>,
    on_state: impl Fn(ConnectionState),
    mut retry_now: mpsc::UnboundedReceiver<()>,
) {
    let mut tracker = Tracker::new();
    let mut backoff = Backoff::with(options.backoff_base, options.backoff_cap, options.seed);
    let mut ever_live = false;
    on_state(ConnectionState::Connecting);
    loop {
        tracker.connecting();
        let url = resume_url(&options.url, tracker.resume_point());
        let connect = Box::pin(socket::connect(&url, options.token.as_deref()));
        // A connection attempt that hangs counts as failed.
        if let Either::Left((Ok(mut socket), _)) =
            select(connect, runtime.sleep(options.silence_limit)).await
        {
            let connection = Connection {
                options: &options,
                client: &client,
                runtime: &*runtime,
                on_state: &on_state,
            };
            if connection
                .serve(&mut socket, &mut tracker, &mut backoff, ever_live)
                .await
            {
                ever_live = true;
            }
        }

        // Presses of "retry now" (or `online` events) while connected must
        // not cut this wait short.
        while retry_now.try_recv().is_ok() {}
        let delay = backoff.next_delay();
        let attempt = backoff.attempt();
        let retry_at = runtime.now() + delay;
        on_state(if attempt > options.offline_after {
            ConnectionState::Offline { attempt, retry_at }
        } else {
            ConnectionState::Reconnecting { attempt, retry_at }
        });
        let wait = runtime.sleep(delay);
        let skip = retry_now.next();
        if let Either::Right((None, _)) = select(wait, skip).await {
            return; // the app is gone
        }
    }
}

/// What serving one connection needs.
struct Connection<'a, F> {
    options: &'a SyncOptions,
    client: &'a QueryClient,
    runtime: &'a dyn Runtime,
    on_state: &'a F,
}

impl<F: Fn(ConnectionState)> Connection<'_, F> {
    /// Reads one connection until it ends or falls silent; returns whether
    /// it got in step with the server.
    async fn serve(
        &self,
        socket: &mut socket::Socket,
        tracker: &mut Tracker,
        backoff: &mut Backoff,
        reconnected: bool,
    ) -> bool {
        let mut live = false;
        loop {
            let silence = self.runtime.sleep(self.options.silence_limit);
            let frame = match select(Box::pin(socket.recv()), silence).await {
                Either::Left((Some(frame), _)) => frame,
                // Closed, broken, or silent for too long (half-open).
                Either::Left((None, _)) | Either::Right(_) => return live,
            };
            let Ok(message) = serde_json::from_str::<ServerMessage>(&frame) else {
                tracing::warn!("ignoring a sync frame this client does not understand");
                continue;
            };
            match tracker.on_message(message) {
                Effect::None => {}
                Effect::Invalidate(keys) => {
                    for key in &keys {
                        self.client.invalidate(key);
                    }
                }
                Effect::InvalidateAll => self.client.invalidate(&QueryKey::root()),
                Effect::FirstHello(position) => {
                    let current = self.options.reads.as_ref().is_some_and(|reads| {
                        let client = self.client.clone();
                        reads.settle(position, move || client.invalidate(&QueryKey::root()))
                    });
                    if !current {
                        self.client.invalidate(&QueryKey::root());
                    }
                }
                Effect::Reply(reply) => {
                    if socket.send(to_text(&reply)).await.is_err() {
                        return live;
                    }
                }
            }
            if !live && tracker.in_sync() {
                // In step again: the next loss starts the schedule afresh,
                // and stale queries that were not invalidated refetch too.
                live = true;
                backoff.reset();
                if reconnected {
                    self.client.on_reconnect();
                }
                (self.on_state)(ConnectionState::Live);
            }
        }
    }
}

fn to_text(message: &ClientMessage) -> String {
    serde_json::to_string(message).expect("client messages always serialise")
}

/// The socket URL with the resume point as query parameters, so the server
/// replays what was missed before any live frame.
pub fn resume_url(url: &str, resume: Option<(&str, u64)>) -> String {
    match resume {
        None => url.to_string(),
        Some((epoch, seq)) => {
            let separator = if url.contains('?') { '&' } else { '?' };
            // An epoch is hexadecimal; nothing to escape.
            format!("{url}{separator}epoch={epoch}&seq={seq}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resume_point_goes_on_the_url() {
        assert_eq!(resume_url("ws://h/api/ws/sync", None), "ws://h/api/ws/sync");
        assert_eq!(
            resume_url("ws://h/api/ws/sync", Some(("e1", 7))),
            "ws://h/api/ws/sync?epoch=e1&seq=7"
        );
    }
}
