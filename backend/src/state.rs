//! The state every handler shares.

use std::sync::Arc;

use sea_orm::DatabaseConnection;
use tokio::sync::watch;

use crate::assistant::Assistant;
use crate::config::Config;
use crate::db::Tx;
use crate::error::ApiResult;
use crate::processing::Processor;
use crate::storage::Storage;
use crate::sync::{Fanout, Hub, Relay};

/// Handles to the database, the hub, the file store and the job runners.
/// Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The database pool.
    pub db: DatabaseConnection,
    /// The invalidation hub.
    pub hub: Arc<Hub>,
    /// The writer shards that deliver the hub's frames to the sockets.
    pub fanout: Arc<Fanout>,
    /// What other replicas commit, for this one's hub (PostgreSQL only).
    pub relay: Option<Arc<Relay>>,
    /// The audio file store.
    pub storage: Storage,
    /// The recording processor.
    pub processor: Arc<Processor>,
    /// The assistant that replies in conversations.
    pub assistant: Arc<Assistant>,
    /// The configuration the server started with.
    pub config: Arc<Config>,
    /// Turns `true` when the server shuts down (sockets close on it).
    pub shutdown: watch::Receiver<bool>,
    /// The mutating requests under way, which shutdown lets finish.
    pub mutations: Mutations,
}

impl AppState {
    /// Begins a transaction whose changes are published when it commits.
    pub async fn begin(&self) -> ApiResult<Tx> {
        Ok(Tx::begin(&self.db, self.hub.clone()).await?)
    }
}

/// Counts the mutating requests that are running, whether or not their client
/// still waits for them, so that shutdown can let them finish.
#[derive(Clone, Debug)]
pub struct Mutations(Arc<watch::Sender<usize>>);

/// Counts one mutation until dropped.
#[derive(Debug)]
pub struct MutationGuard(Arc<watch::Sender<usize>>);

impl Mutations {
    /// A counter at zero.
    pub fn new() -> Self {
        Mutations(Arc::new(watch::Sender::new(0)))
    }

    /// Counts a mutation until the guard is dropped.
    pub fn start(&self) -> MutationGuard {
        self.0.send_modify(|running| *running += 1);
        MutationGuard(self.0.clone())
    }

    /// Resolves once no mutation runs.
    pub async fn settled(&self) {
        let mut running = self.0.subscribe();
        // The sender lives in `self`, so waiting cannot fail.
        let _ = running.wait_for(|running| *running == 0).await;
    }
}

impl Default for Mutations {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for MutationGuard {
    fn drop(&mut self) {
        self.0.send_modify(|running| *running -= 1);
    }
}
