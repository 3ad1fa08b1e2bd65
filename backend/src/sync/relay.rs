//! Changes committed by other replicas, for this one's sockets.
//!
//! Several servers can share one PostgreSQL database. Each commit that
//! changes something also writes one row to the `sync_outbox` table, in the
//! same transaction, naming the changes and the replica that made them (its
//! hub's epoch), and sends `NOTIFY earshot_sync`, which PostgreSQL delivers
//! only once the transaction commits ([`crate::db::Tx::commit`]). The
//! [`Relay`] of every replica listens on that channel; on each wake-up it
//! reads the rows after the last one it read and publishes the other
//! replicas' changes to its own hub, which numbers them in its own sequence.
//!
//! The outbox, not the notification, is the record. A notification says
//! only "read again", so one that is lost (the listening connection broke
//! and came back) costs nothing: the next read finds every row since the
//! last. Rows are read in `id` order, and the writer takes an advisory lock
//! for the rest of its transaction before it takes its `id`, so ids become
//! visible in the order they were taken: a row with a lower id can never
//! appear after a higher one was read.
//!
//! Rows older than [`KEPT_FOR`] are deleted now and then; a replica away
//! for longer has restarted anyway (a new epoch, so its clients resync).
//!
//! SQLite has no such table and no relay: it is one server's file.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use earshot_shared::sync::{Action, Invalidate, Resource};
use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::jobs::lock;
use crate::sync::Hub;

/// The notification channel.
pub const CHANNEL: &str = "earshot_sync";
/// The advisory lock a writer holds from taking its outbox id to its commit.
pub const OUTBOX_LOCK: i64 = 0x0065_6172_7368_6f74; // "earshot"
/// How long a writer waits for [`OUTBOX_LOCK`] before its write fails.
pub const OUTBOX_LOCK_TIMEOUT: Duration = Duration::from_secs(10);
/// The advisory lock replicas hold while they bring the schema up to date.
pub const MIGRATION_LOCK: i64 = OUTBOX_LOCK + 1;
/// How long outbox rows are kept.
pub const KEPT_FOR: Duration = Duration::from_secs(60 * 60);
/// How often old rows are deleted.
const PRUNE_EVERY: Duration = Duration::from_secs(10 * 60);
/// The wait before listening again after the database refused.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// See the [module docs](self).
#[derive(Debug)]
pub struct Relay {
    stop: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Relay {
    /// Starts relaying the other replicas' changes to `hub`: on PostgreSQL,
    /// once listening (so that nothing committed from then on is missed);
    /// `None` on SQLite.
    pub async fn start(db: &DatabaseConnection, hub: Arc<Hub>) -> anyhow::Result<Option<Relay>> {
        if db.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(None);
        }
        let mut listener = PgListener::connect_with(db.get_postgres_connection_pool()).await?;
        listener.listen(CHANNEL).await?;
        let last = newest(db).await?;
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(relay(db.clone(), hub, listener, last, stopped));
        Ok(Some(Relay {
            stop,
            task: Mutex::new(Some(task)),
        }))
    }

    /// Stops listening and gives the connection back.
    pub async fn shutdown(&self) {
        let _ = self.stop.send(true);
        let task = lock(&self.task).take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

/// The outbox row a writer adds to its transaction (PostgreSQL only), and
/// the notification that wakes the other replicas when it commits.
pub async fn record(
    tx: &impl ConnectionTrait,
    origin: &str,
    changes: &[Invalidate],
) -> Result<(), sea_orm::DbErr> {
    let changes = serde_json::to_string(changes).expect("changes always serialise");
    // Bounded: a replica stuck between taking the lock and committing must
    // not hold up every write of every replica for good.
    tx.execute_unprepared(&format!(
        "SET LOCAL lock_timeout = '{}s'",
        OUTBOX_LOCK_TIMEOUT.as_secs()
    ))
    .await?;
    tx.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({OUTBOX_LOCK})"))
        .await?;
    tx.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "INSERT INTO sync_outbox (origin, changes) VALUES ($1, $2)",
        [origin.into(), changes.into()],
    ))
    .await?;
    tx.execute_unprepared(&format!("NOTIFY {CHANNEL}")).await?;
    Ok(())
}

async fn relay(
    db: DatabaseConnection,
    hub: Arc<Hub>,
    mut listener: PgListener,
    mut last: i64,
    mut stopped: watch::Receiver<bool>,
) {
    let mut prune = tokio::time::interval(PRUNE_EVERY);
    loop {
        let woken = tokio::select! {
            biased;
            _ = stopped.wait_for(|stop| *stop) => break,
            woken = listener.try_recv() => Some(woken),
            _ = prune.tick() => None,
        };
        let Some(woken) = woken else {
            if let Err(err) = prune_old(&db).await {
                tracing::warn!(error = %err, "cannot delete old outbox rows");
            }
            continue;
        };
        // A notification, or a connection that broke and was made again
        // (rows may have come meanwhile): read either way.
        if let Err(err) = woken {
            tracing::warn!(error = %err, "the other replicas' changes cannot be heard; retrying");
            if stopped_while_waiting(&mut stopped).await {
                break;
            }
        }
        // Read until a read succeeds: the next notification may be long in
        // coming, and what was missed must not wait for it.
        loop {
            match publish_since(&db, &hub, last).await {
                Ok(newest) => {
                    last = newest;
                    break;
                }
                Err(err) => {
                    tracing::warn!(error = %err, "cannot read the other replicas' changes; retrying");
                    if stopped_while_waiting(&mut stopped).await {
                        return;
                    }
                }
            }
        }
    }
}

/// Waits [`RETRY_AFTER`]; returns whether the relay was stopped meanwhile.
async fn stopped_while_waiting(stopped: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        _ = stopped.wait_for(|stop| *stop) => true,
        _ = tokio::time::sleep(RETRY_AFTER) => false,
    }
}

/// Publishes the other replicas' changes in the rows after `last`; returns
/// the id of the newest row read.
async fn publish_since(db: &DatabaseConnection, hub: &Hub, last: i64) -> anyhow::Result<i64> {
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT id, origin, changes FROM sync_outbox WHERE id > $1 ORDER BY id",
            [last.into()],
        ))
        .await?;
    let mut newest = last;
    for row in rows {
        let id: i64 = row.try_get("", "id")?;
        let origin: String = row.try_get("", "origin")?;
        newest = id;
        if origin == hub.epoch() {
            continue;
        }
        let changes: String = row.try_get("", "changes")?;
        match serde_json::from_str::<Vec<Invalidate>>(&changes) {
            Ok(changes) => {
                for change in changes {
                    hub.publish(change);
                }
            }
            // A newer replica's format: what it changed is unknown, so
            // everything may have.
            Err(err) => {
                tracing::warn!(error = %err, id, "an outbox row this replica cannot read");
                for resource in [
                    Resource::Recordings,
                    Resource::Projects,
                    Resource::Conversations,
                    Resource::SearchHistory,
                ] {
                    hub.publish(Invalidate::new(resource, Action::Updated, None));
                }
            }
        }
    }
    Ok(newest)
}

/// The id of the newest outbox row (0 when there is none).
async fn newest(db: &DatabaseConnection) -> anyhow::Result<i64> {
    let row = db
        .query_one_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            "SELECT COALESCE(MAX(id), 0) AS newest FROM sync_outbox",
        ))
        .await?
        .expect("an aggregate returns a row");
    Ok(row.try_get("", "newest")?)
}

async fn prune_old(db: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    db.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "DELETE FROM sync_outbox WHERE created_at < now() - make_interval(secs => $1)",
        [(KEPT_FOR.as_secs() as f64).into()],
    ))
    .await?;
    Ok(())
}
