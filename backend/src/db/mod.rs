//! The database: connection set-up, migrations and entities.
//!
//! SQLite is the default (one file in the data directory, WAL journal,
//! foreign keys on); any URL SeaORM accepts works, PostgreSQL included.

pub mod entities;
pub mod migration;

use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use sea_orm_migration::MigratorTrait;

/// How many connections the server keeps, and how long a request waits for
/// one before it is told the server is busy (`503` with `Retry-After`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pool {
    /// Connections. SeaORM would give SQLite a single connection, which
    /// makes every request wait for whatever write or processing step holds
    /// it; in WAL mode readers do not block the writer, so SQLite gets a
    /// pool too.
    pub size: u32,
    /// The longest wait for a connection.
    pub acquire_timeout: Duration,
}

impl Default for Pool {
    fn default() -> Self {
        Pool {
            size: 10,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

/// How a replica's PostgreSQL sessions are named: this, a space and its
/// hub's epoch. While a replica runs it holds at least one session (its
/// relay's), so the names in `pg_stat_activity` say which replicas are
/// alive (see [`crate::processing::Processor::requeue_unfinished`]).
pub const SESSION_NAME: &str = "earshot";

/// Connects to `url` and brings the schema up to date; on PostgreSQL the
/// sessions are named after `epoch` (see [`SESSION_NAME`]).
pub async fn connect(url: &str, epoch: &str) -> anyhow::Result<DatabaseConnection> {
    connect_with(url, epoch, Pool::default()).await
}

/// [`connect`] with a pool of its own size and patience.
pub async fn connect_with(
    url: &str,
    epoch: &str,
    pool: Pool,
) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url);
    let session = format!("{SESSION_NAME} {epoch}");
    options
        .sqlx_logging(false)
        .max_connections(pool.size.max(1))
        .acquire_timeout(pool.acquire_timeout)
        .map_sqlx_postgres_opts(move |opts| opts.application_name(&session))
        .map_sqlx_sqlite_opts(|opts| {
            opts.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
        });
    let db = Database::connect(options).await?;
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        // Replicas starting together take turns: one brings the schema up
        // to date, the others then find nothing to do.
        use sea_orm::sqlx;
        let lock = crate::sync::relay::MIGRATION_LOCK;
        let mut turn = db.get_postgres_connection_pool().acquire().await?;
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(lock)
            .execute(&mut *turn)
            .await?;
        let migrated = migration::Migrator::up(&db, None).await;
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(lock)
            .execute(&mut *turn)
            .await?;
        migrated?;
    } else {
        migration::Migrator::up(&db, None).await?;
    }
    Ok(db)
}

/// A new identifier: a UUID v7, so ids sort by creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A transaction that publishes its changes once, and only if, it commits.
///
/// Services record what they change with [`Tx::changed`] next to the write;
/// [`Tx::commit`] commits and then hands the changes to the hub. A `Tx` that
/// is dropped or fails to commit rolls back and publishes nothing, so no
/// client ever hears of a write that did not happen.
pub struct Tx {
    inner: sea_orm::DatabaseTransaction,
    hub: std::sync::Arc<crate::sync::Hub>,
    changes: Vec<earshot_shared::sync::Invalidate>,
}

impl Tx {
    /// Begins a transaction on `db` whose changes go to `hub`.
    ///
    /// On SQLite the transaction takes the write lock up front (`BEGIN
    /// IMMEDIATE`): a deferred transaction that reads and then writes cannot
    /// wait for a busy database — SQLite fails its upgrade to a writer at once
    /// with `SQLITE_BUSY` — whereas `BEGIN IMMEDIATE` waits for the busy
    /// timeout. PostgreSQL ignores the mode.
    pub async fn begin(
        db: &DatabaseConnection,
        hub: std::sync::Arc<crate::sync::Hub>,
    ) -> Result<Self, sea_orm::DbErr> {
        use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        Ok(Tx {
            inner: db.begin_with_options(options).await?,
            hub,
            changes: Vec::new(),
        })
    }

    /// The replica this transaction runs on (its hub's epoch).
    pub fn replica(&self) -> &str {
        self.hub.epoch()
    }

    /// Records a change to publish after commit.
    pub fn changed(
        &mut self,
        resource: earshot_shared::sync::Resource,
        action: earshot_shared::sync::Action,
        id: impl Into<String>,
    ) {
        self.changes.push(earshot_shared::sync::Invalidate::new(
            resource,
            action,
            Some(id.into()),
        ));
    }

    /// Records a change to every item of `resource` (no single id).
    pub fn changed_all(
        &mut self,
        resource: earshot_shared::sync::Resource,
        action: earshot_shared::sync::Action,
    ) {
        self.changes.push(earshot_shared::sync::Invalidate::new(
            resource, action, None,
        ));
    }

    /// Commits, then publishes the recorded changes in order (and, on
    /// PostgreSQL, records them for the other replicas in the same commit:
    /// see [`crate::sync::relay`]).
    pub async fn commit(self) -> Result<(), sea_orm::DbErr> {
        if self.changes.is_empty() {
            return self.inner.commit().await;
        }
        // A transaction waiting here holds no lock that the one committing
        // needs: on SQLite only one write transaction exists at a time, and a
        // PostgreSQL COMMIT waits for no other transaction.
        let _turn = self.hub.commit_turn().await;
        // Other replicas on the same PostgreSQL database hear of it too.
        if sea_orm::ConnectionTrait::get_database_backend(&self.inner)
            == sea_orm::DatabaseBackend::Postgres
        {
            crate::sync::relay::record(&self.inner, self.hub.epoch(), &self.changes).await?;
        }
        self.inner.commit().await?;
        for change in self.changes {
            self.hub.publish(change);
        }
        Ok(())
    }
}

impl std::ops::Deref for Tx {
    type Target = sea_orm::DatabaseTransaction;

    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl std::fmt::Debug for Tx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tx")
            .field("changes", &self.changes)
            .finish()
    }
}
