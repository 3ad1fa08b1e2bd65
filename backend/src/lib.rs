//! Earshot's backend: the REST API, the live sync hub and recording
//! processing, over SeaORM.
//!
//! It runs embedded in the desktop app or as the `earshot-server` binary;
//! both build a [`Server`] from a [`Config`] and run it until a shutdown
//! future resolves.
//!
//! - [`config`]: what the server needs to start.
//! - [`routes`]: the axum router — thin handlers under `/api`.
//! - [`services`]: the database work behind each route; every mutation runs
//!   in a [`db::Tx`] that publishes its changes only after it commits.
//! - [`sync`]: the [`sync::Hub`] that numbers and fans out invalidations, and
//!   the `/api/ws/sync` socket.
//! - [`processing`]: the background jobs that decode and measure recordings.
//! - [`storage`]: the imported audio files on disk.
//! - [`db`]: connection, migrations, entities.
//! - [`error`]: the one API error type and its HTTP mapping.
//!
//! A request flows route → service → db; a committed change flows
//! `Tx::commit` → hub → every socket.

pub mod config;
pub mod db;
pub mod error;
pub mod processing;
pub mod routes;
pub mod services;
pub mod state;
pub mod storage;
pub mod sync;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use config::{Config, default_data_dir};
pub use state::AppState;

/// A server that is bound and migrated, ready to [`run_until`](Server::run_until).
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    state: AppState,
    shutdown: watch::Sender<bool>,
}

impl Server {
    /// Prepares the data directory, connects to the database, runs the
    /// migrations, re-queues unfinished jobs and binds `config.bind`.
    pub async fn build(config: Config) -> anyhow::Result<Server> {
        let listener = TcpListener::bind(config.bind)
            .await
            .with_context(|| format!("cannot listen on {}", config.bind))?;
        Self::build_with_listener(config, listener).await
    }

    /// Like [`Server::build`] with a listener the caller bound.
    pub async fn build_with_listener(
        config: Config,
        listener: TcpListener,
    ) -> anyhow::Result<Server> {
        tokio::fs::create_dir_all(&config.data_dir)
            .await
            .with_context(|| format!("cannot create {}", config.data_dir.display()))?;
        let db = db::connect(&config.database_url())
            .await
            .context("cannot open the database")?;
        let storage = storage::Storage::open(&config.data_dir)
            .await
            .context("cannot prepare the recordings folder")?;
        let hub = Arc::new(sync::Hub::new(config.history_capacity, config.socket_queue));
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
        let (shutdown, shutdown_rx) = watch::channel(false);
        let state = AppState {
            db,
            hub,
            storage,
            processor,
            config: Arc::new(config),
            shutdown: shutdown_rx,
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
        axum::serve(listener, app)
            .with_graceful_shutdown(signal)
            .await
            .context("server error")?;
        state.processor.shutdown().await;
        state
            .db
            .close()
            .await
            .context("cannot close the database")?;
        Ok(())
    }
}
