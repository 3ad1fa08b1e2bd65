//! The state every handler shares.

use std::sync::Arc;

use sea_orm::DatabaseConnection;
use tokio::sync::watch;

use crate::config::Config;
use crate::db::Tx;
use crate::error::ApiResult;
use crate::processing::Processor;
use crate::storage::Storage;
use crate::sync::Hub;

/// Handles to the database, the hub, the file store and the job runner.
/// Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The database pool.
    pub db: DatabaseConnection,
    /// The invalidation hub.
    pub hub: Arc<Hub>,
    /// The audio file store.
    pub storage: Storage,
    /// The recording processor.
    pub processor: Arc<Processor>,
    /// The configuration the server started with.
    pub config: Arc<Config>,
    /// Turns `true` when the server shuts down (sockets close on it).
    pub shutdown: watch::Receiver<bool>,
}

impl AppState {
    /// Begins a transaction whose changes are published when it commits.
    pub async fn begin(&self) -> ApiResult<Tx> {
        Ok(Tx::begin(&self.db, self.hub.clone()).await?)
    }
}
