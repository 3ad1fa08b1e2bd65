//! Earshot's backend: the REST API, the live sync hub and recording
//! processing, over SeaORM.
//!
//! It runs embedded in the desktop app or as the `earshot-server` binary;
//! both build a [`Server`] from a [`Config`] and run it until a shutdown
//! future resolves.
//!
//! - [`config`]: what the server needs to start.
//! - [`access`]: who may call the API (Origin allow-list, Host check, token).
//! - [`routes`]: the axum router — thin handlers under `/api`; a request
//!   that may write runs to its end even if its client goes away.
//! - [`services`]: the database work behind each route; every mutation runs
//!   in a [`db::Tx`] that publishes its changes only after it commits.
//! - [`sync`]: the [`sync::Hub`] that numbers invalidations, the writer
//!   shards that fan them out, and the `/api/ws/sync` socket.
//! - [`processing`]: the background jobs that decode and measure recordings.
//! - [`assistant`]: the background replies to the user's messages in
//!   conversations: passages retrieved from the recordings, quoted and cited
//!   (or handed to an optional OpenAI-compatible endpoint).
//! - [`results`]: the answers of the reads, computed once per query key
//!   at a time, kept until a change stales them, tagged for `304`s.
//! - [`storage`]: the imported audio files on disk.
//! - [`state`]: what every handler shares.
//! - [`db`]: connection, migrations, entities.
//! - [`error`]: the one API error type and its HTTP mapping.
//!
//! A request flows route → service → db (a read through the hub's
//! [`results::ResultCache`]); a committed change flows `Tx::commit` → hub,
//! which drops the answers it stales → every socket. A posted message also flows on to the
//! assistant, whose reply is committed and published the same way.

pub mod access;
pub mod assistant;
pub mod config;
pub mod db;
pub mod error;
pub mod jobs;
pub mod processing;
pub mod results;
pub mod routes;
pub mod services;
pub mod state;
pub mod storage;
pub mod sync;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use config::{Config, default_data_dir};
pub use state::AppState;

/// How long in-flight requests, and then the jobs, may take to finish once
/// the server is asked to stop.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// How many connections may wait to be accepted: enough for every client
/// of a restarted server to reconnect at once (the default, 128, drops the
/// rest, which then wait a second to retry).
const LISTEN_BACKLOG: u32 = 4096;

fn listen(address: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if address.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(LISTEN_BACKLOG)
}

/// A server that is bound and migrated, ready to [`run_until`](Server::run_until).
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    state: AppState,
    shutdown: watch::Sender<bool>,
}

impl Server {
    /// Prepares the data directory, connects to the database, runs the
    /// migrations, removes stored files that belong to no recording,
    /// re-queues unfinished jobs and owed replies, and binds `config.bind`.
    pub async fn build(config: Config) -> anyhow::Result<Server> {
        access::Access::new(config.token.clone(), Vec::new()).check_bind(config.bind)?;
        let listener =
            listen(config.bind).with_context(|| format!("cannot listen on {}", config.bind))?;
        Self::build_with_listener(config, listener).await
    }

    /// Like [`Server::build`] with a listener the caller bound.
    pub async fn build_with_listener(
        config: Config,
        listener: TcpListener,
    ) -> anyhow::Result<Server> {
        access::Access::new(config.token.clone(), Vec::new()).check_bind(listener.local_addr()?)?;
        tokio::fs::create_dir_all(&config.data_dir)
            .await
            .with_context(|| format!("cannot create {}", config.data_dir.display()))?;
        let hub = Arc::new(
            sync::Hub::new(config.history_capacity, config.socket_queue)
                .with_results(results::ResultCache::new(config.result_cache_entries)),
        );
        let db = db::connect_with(&config.database_url(), hub.epoch(), config.pool)
            .await
            .context("cannot open the database")?;
        let storage = storage::Storage::open(&config.data_dir)
            .await
            .context("cannot prepare the recordings folder")?;
        let recorded = services::recordings::ids(&db)
            .await
            .context("cannot list the recordings")?;
        storage
            .remove_strays(&recorded)
            .await
            .context("cannot tidy the recordings folder")?;
        // Listening before anything else can commit: no other replica's
        // change from now on is missed.
        let relay = sync::Relay::start(&db, hub.clone())
            .await
            .context("cannot listen for the other replicas' changes")?
            .map(Arc::new);
        let processor = Arc::new(processing::Processor::start(
            db.clone(),
            hub.clone(),
            storage.clone(),
            config.workers,
        ));
        let requeued = processor.requeue_unfinished().await?;
        if requeued > 0 {
            tracing::info!(requeued, "resuming unfinished processing");
        }
        let assistant = Arc::new(
            assistant::Assistant::start(
                db.clone(),
                hub.clone(),
                config.assistant_workers,
                config.reply_retry_backoff,
                config.llm.as_ref(),
            )
            .context("cannot start the assistant")?,
        );
        let owed = assistant.answer_pending().await?;
        if owed > 0 {
            tracing::info!(owed, "answering the messages still waiting for a reply");
        }
        // One writer shard per worker: each writes its share of the sockets
        // in a loop, on its own core.
        let shards = tokio::runtime::Handle::current().metrics().num_workers();
        let fanout = Arc::new(sync::Fanout::start(
            hub.clone(),
            shards,
            config.socket_queue,
        ));
        let (shutdown, shutdown_rx) = watch::channel(false);
        let state = AppState {
            db,
            hub,
            fanout,
            relay,
            storage,
            processor,
            assistant,
            config: Arc::new(config),
            shutdown: shutdown_rx,
            mutations: state::Mutations::new(),
        };
        Ok(Server {
            listener,
            state,
            shutdown,
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// The shared state (for tests and embedding).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, then closes sockets, finishes
    /// in-flight requests, stops the jobs and closes the database.
    ///
    /// In-flight requests (and mutations whose client left) get
    /// [`SHUTDOWN_GRACE`] after the signal; the jobs get as long again. What
    /// has not finished by then is dropped: a write that did not commit rolls
    /// back, and an interrupted job or reply is taken up at the next start.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Server {
            listener,
            state,
            shutdown: stop,
        } = self;
        let app = routes::router(state.clone());
        let signal = async move {
            shutdown.await;
            let _ = stop.send(true);
        };
        let mut stopping = state.shutdown.clone();
        let signalled = async move {
            if stopping.wait_for(|stop| *stop).await.is_err() {
                // Dropped without a signal: the server is not stopping.
                std::future::pending::<()>().await;
            }
        };
        let requests = async {
            axum::serve(listener, app)
                .with_graceful_shutdown(signal)
                .await
                .context("server error")?;
            state.mutations.settled().await;
            anyhow::Ok(())
        };
        match within_grace_after(signalled, SHUTDOWN_GRACE, requests).await {
            Some(served) => served?,
            None => tracing::warn!(
                grace = ?SHUTDOWN_GRACE,
                "requests still running at shutdown are dropped"
            ),
        }
        let jobs = async {
            tokio::join!(state.processor.shutdown(), state.assistant.shutdown());
        };
        if tokio::time::timeout(SHUTDOWN_GRACE, jobs).await.is_err() {
            tracing::warn!(grace = ?SHUTDOWN_GRACE, "background jobs did not stop in time");
        }
        if let Some(relay) = &state.relay {
            relay.shutdown().await;
        }
        state
            .db
            .close()
            .await
            .context("cannot close the database")?;
        Ok(())
    }
}

/// Runs `work` to its end, unless it is still running `grace` after `start`
/// resolves; then gives up on it and returns `None`.
async fn within_grace_after<T>(
    start: impl Future<Output = ()>,
    grace: Duration,
    work: impl Future<Output = T>,
) -> Option<T> {
    let deadline = async {
        start.await;
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        biased;
        done = work => Some(done),
        () = deadline => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::oneshot;
    use tokio::time::Instant;

    #[tokio::test(start_paused = true)]
    async fn work_that_outlasts_the_grace_is_given_up_exactly_then() {
        let (signal, signalled) = oneshot::channel::<()>();
        let began = Instant::now();
        let stuck = std::future::pending::<()>();
        let outcome = tokio::join!(
            within_grace_after(
                async {
                    let _ = signalled.await;
                },
                Duration::from_secs(10),
                stuck,
            ),
            async {
                tokio::time::sleep(Duration::from_secs(3)).await;
                signal.send(()).unwrap();
            },
        )
        .0;
        assert_eq!(outcome, None);
        assert_eq!(began.elapsed(), Duration::from_secs(13));
    }

    #[tokio::test(start_paused = true)]
    async fn work_that_ends_in_time_is_waited_for() {
        let work = async {
            tokio::time::sleep(Duration::from_secs(9)).await;
            "done"
        };
        let outcome = within_grace_after(async {}, Duration::from_secs(10), work).await;
        assert_eq!(outcome, Some("done"));
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_signal_there_is_no_deadline() {
        let work = async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            "done"
        };
        let never = std::future::pending::<()>();
        let outcome = within_grace_after(never, Duration::from_secs(10), work).await;
        assert_eq!(outcome, Some("done"));
    }
}
