//! Background processing of recordings.
//!
//! A recording's row is its job: `queued` → `processing` (progress %) →
//! `ready` | `failed`. The [`Processor`] runs at most `workers` jobs at once;
//! each decodes the stored file with [`analyze::analyze`] on a blocking
//! thread and writes progress at most every [`PROGRESS_INTERVAL`], every
//! write broadcast after it commits (`progress` for a percentage,
//! `status_changed` for a new status). Because the state
//! lives in the database, a restart re-queues whatever was queued or
//! interrupted ([`Processor::requeue_unfinished`]). Replicas sharing
//! PostgreSQL share the jobs: a claim is one conditional update, the row
//! names the replica processing it, and only a gone replica's jobs are
//! re-queued by the others.
//!
//! The writes that move a job along (claiming it, recording its result) are
//! retried with backoff when the database refuses them; if recording the
//! result still fails, the job is marked `failed` as a last resort rather
//! than left `processing` until the next start.

pub mod analyze;
mod progress;

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use earshot_shared::dto::RecordingStatus;
use earshot_shared::sync::{Action, Resource};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, DatabaseBackend, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use tokio::sync::watch;

use crate::db::Tx;
use crate::db::entities::recording;
use crate::jobs::{Jobs, lock};
use crate::storage::Storage;
use crate::sync::Hub;
use analyze::{Analysis, AnalyzeError};

/// Shortest time between two progress writes of one recording (≤ 4 per second).
pub const PROGRESS_INTERVAL: Duration = Duration::from_millis(250);

/// How often, on PostgreSQL, the jobs of replicas that are gone are looked
/// for (see [`Processor::requeue_unfinished`]).
pub const SWEEP_EVERY: Duration = Duration::from_secs(15);

/// How many times a write that moves a job along is tried.
const WRITE_ATTEMPTS: u32 = 4;
/// The wait before the first retry of such a write; it doubles each time.
const WRITE_BACKOFF: Duration = Duration::from_millis(100);

/// What a job needs.
#[derive(Clone, Debug)]
struct Context {
    db: DatabaseConnection,
    hub: Arc<Hub>,
    storage: Storage,
    running: Arc<Mutex<HashMap<String, Arc<AtomicBool>>>>,
    stopped: watch::Receiver<bool>,
}

/// The job runner. See the [module docs](self).
#[derive(Debug)]
pub struct Processor {
    jobs: Arc<Jobs>,
    context: Context,
    sweeper: Option<tokio::task::JoinHandle<()>>,
}

impl Processor {
    /// Starts the runner with `workers` concurrent jobs.
    pub fn start(db: DatabaseConnection, hub: Arc<Hub>, storage: Storage, workers: usize) -> Self {
        let (stop, stopped) = watch::channel(false);
        let context = Context {
            db,
            hub,
            storage,
            running: Arc::default(),
            stopped,
        };
        let job_context = context.clone();
        let jobs = Arc::new(Jobs::start("processing", workers, stop, move |id| {
            let context = job_context.clone();
            async move { run(&context, &id).await }
        }));
        let sweeper = (context.db.get_database_backend() == DatabaseBackend::Postgres)
            .then(|| tokio::spawn(sweep(context.clone(), jobs.clone())));
        Processor {
            jobs,
            context,
            sweeper,
        }
    }

    /// Queues a recording whose row is already `queued` and committed.
    pub fn enqueue(&self, recording_id: String) {
        // After shutdown, the row stays queued for the next start.
        self.jobs.enqueue(recording_id);
    }

    /// Stops the job of a recording, if one runs (e.g. it was deleted).
    pub fn cancel(&self, recording_id: &str) {
        if let Some(flag) = lock(&self.context.running).get(recording_id) {
            flag.store(true, Ordering::Relaxed);
        }
    }

    /// Queues here the jobs whose replica is gone, oldest first: those
    /// still queued, and those interrupted while processing. Returns how
    /// many were queued.
    ///
    /// On SQLite that is every unfinished job (one server has the file). On
    /// PostgreSQL it is the jobs whose replica no longer holds a session
    /// (see [`crate::db::SESSION_NAME`]), so that a replica's start leaves
    /// the running replicas' jobs alone; and the same is looked for every
    /// [`SWEEP_EVERY`] afterwards, so that a replica that stopped or crashed
    /// leaves its jobs to the others.
    pub async fn requeue_unfinished(&self) -> anyhow::Result<usize> {
        let ids = take_over_stranded(&self.context).await?;
        let count = ids.len();
        for id in ids {
            self.enqueue(id);
        }
        Ok(count)
    }

    /// Cancels running jobs and waits for them to stop. Interrupted jobs stay
    /// `processing` in the database and are re-queued at the next start.
    pub async fn shutdown(&self) {
        if let Some(sweeper) = &self.sweeper {
            sweeper.abort();
        }
        self.jobs.stop();
        for flag in lock(&self.context.running).values() {
            flag.store(true, Ordering::Relaxed);
        }
        self.jobs.stopped().await;
    }
}

/// Takes over the jobs, queued or processing, of replicas that are gone
/// (see [`Processor::requeue_unfinished`]): marks them `queued` by this
/// replica; returns their ids, oldest first.
async fn take_over_stranded(context: &Context) -> anyhow::Result<Vec<String>> {
    let mut tx = Tx::begin(&context.db, context.hub.clone()).await?;
    let me = context.hub.epoch().to_string();
    let unfinished = [RecordingStatus::Queued, RecordingStatus::Processing].map(|s| s.as_str());
    let mut stranded = Condition::all().add(recording::Column::Status.is_in(unfinished));
    if context.db.get_database_backend() == DatabaseBackend::Postgres {
        stranded = stranded.add(Expr::cust_with_values(
            "(worker IS NULL OR worker NOT IN \
             (SELECT substr(application_name, $1) FROM pg_stat_activity \
              WHERE application_name LIKE $2))",
            [
                i32::try_from(crate::db::SESSION_NAME.len() + 2)
                    .expect("a short name")
                    .into(),
                sea_orm::Value::from(format!("{} %", crate::db::SESSION_NAME)),
            ],
        ));
    }
    let seen: Vec<(String, String)> = recording::Entity::find()
        .select_only()
        .column(recording::Column::Id)
        .column(recording::Column::Status)
        .filter(stranded.clone())
        .into_tuple()
        .all(&*tx)
        .await?;
    if seen.is_empty() {
        return Ok(Vec::new());
    }
    // The same condition again: a row another replica took over since it
    // was read (on PostgreSQL the update reads each row anew) stays theirs.
    recording::Entity::update_many()
        .col_expr(
            recording::Column::Status,
            Expr::value(RecordingStatus::Queued.as_str()),
        )
        .col_expr(recording::Column::Progress, Expr::value(0))
        .col_expr(recording::Column::Worker, Expr::value(me.clone()))
        .filter(recording::Column::Id.is_in(seen.iter().map(|(id, _)| id.clone())))
        .filter(stranded)
        .exec(&*tx)
        .await?;
    let taken: Vec<String> = recording::Entity::find()
        .select_only()
        .column(recording::Column::Id)
        .filter(recording::Column::Id.is_in(seen.iter().map(|(id, _)| id.clone())))
        .filter(recording::Column::Worker.eq(me))
        .filter(recording::Column::Status.eq(RecordingStatus::Queued.as_str()))
        .order_by_asc(recording::Column::CreatedAt)
        .into_tuple()
        .all(&*tx)
        .await?;
    for (id, status) in seen {
        // A queued row only changes hands: nothing a client shows changed.
        if status == RecordingStatus::Processing.as_str() && taken.contains(&id) {
            tx.changed(Resource::Recordings, Action::StatusChanged, id);
        }
    }
    tx.commit().await?;
    Ok(taken)
}

/// On PostgreSQL: every [`SWEEP_EVERY`], queues here the jobs of replicas
/// that are gone. The take-over is one conditional update; should two
/// replicas queue one job all the same, only one claims it.
async fn sweep(context: Context, jobs: Arc<Jobs>) {
    let mut stopped = context.stopped.clone();
    let mut every = tokio::time::interval(SWEEP_EVERY);
    every.tick().await; // the first tick is now: the start has just looked
    loop {
        let stopping = tokio::select! {
            _ = stopped.wait_for(|stop| *stop) => true,
            _ = every.tick() => false,
        };
        if stopping {
            break;
        }
        match take_over_stranded(&context).await {
            Ok(ids) => {
                if !ids.is_empty() {
                    tracing::info!(count = ids.len(), "resuming jobs of a replica that is gone");
                }
                for id in ids {
                    jobs.enqueue(id);
                }
            }
            Err(err) => tracing::warn!(error = %err, "cannot look for stranded jobs"),
        }
    }
}

/// Runs one job: claims the row, analyses the file, records the outcome.
#[tracing::instrument(skip(context))]
async fn run(context: &Context, id: &str) {
    if let Err(err) = process(context, id).await {
        tracing::error!(recording = %id, error = ?err, "processing could not record its outcome");
        // Anything but leaving the row `processing` until the next start.
        let reason = "Earshot could not save the result of processing this recording.";
        if let Err(err) = finish_failed(context, id, reason).await {
            tracing::error!(recording = %id, error = ?err, "could not mark the recording failed either");
        }
    }
}

async fn process(context: &Context, id: &str) -> anyhow::Result<()> {
    // A claim that keeps failing leaves the row `queued`: it is one
    // transaction. The next start queues it again.
    let Some(stored_path) = retrying("claim", || claim(context, id)).await? else {
        return Ok(()); // deleted, or already handled
    };
    let cancel = Arc::new(AtomicBool::new(false));
    lock(&context.running).insert(id.to_string(), cancel.clone());
    // Checked after registering the job, so that a shutdown either sees the
    // job's flag or is seen here: no decode starts once shutdown began. The
    // row stays `processing` and is re-queued at the next start.
    if *context.stopped.borrow() {
        lock(&context.running).remove(id);
        return Ok(());
    }

    let (progress_tx, progress_rx) = watch::channel(0.0_f32);
    let path = context.storage.absolute(&stored_path);
    let cancel_flag = cancel.clone();
    let analysis = tokio::task::spawn_blocking(move || {
        analyze::analyze(&path, &mut |fraction| {
            progress_tx.send_replace(fraction);
            !cancel_flag.load(Ordering::Relaxed)
        })
    });
    let outcome = progress::report_while(analysis, progress_rx, PROGRESS_INTERVAL, |percent| {
        write_progress(context, id, percent)
    })
    .await;
    lock(&context.running).remove(id);

    match outcome {
        Ok(Ok(analysis)) => retrying("finish", || finish_ready(context, id, &analysis)).await,
        Ok(Err(AnalyzeError::Cancelled)) => Ok(()),
        Ok(Err(err)) => {
            let reason = err.to_string();
            retrying("finish", || finish_failed(context, id, &reason)).await
        }
        Err(join_error) => {
            let reason = format!("processing crashed: {join_error}");
            retrying("finish", || finish_failed(context, id, &reason)).await
        }
    }
}

/// Runs `write` until it succeeds, at most [`WRITE_ATTEMPTS`] times, waiting
/// [`WRITE_BACKOFF`], then twice as long, and so on between attempts (a
/// database that is busy or briefly unreachable often recovers).
pub(crate) async fn retrying<T, F>(what: &str, mut write: impl FnMut() -> F) -> anyhow::Result<T>
where
    F: Future<Output = anyhow::Result<T>>,
{
    let mut backoff = WRITE_BACKOFF;
    let mut attempt = 1;
    loop {
        match write().await {
            Ok(done) => return Ok(done),
            Err(err) if attempt < WRITE_ATTEMPTS => {
                tracing::warn!(error = ?err, attempt, "{what} failed; retrying");
                tokio::time::sleep(backoff).await;
                backoff *= 2;
                attempt += 1;
            }
            Err(err) => return Err(err.context(format!("{what} failed {attempt} times"))),
        }
    }
}

/// Moves a queued recording to `processing`; returns its stored path, or
/// `None` when it is no longer queued.
async fn claim(context: &Context, id: &str) -> anyhow::Result<Option<String>> {
    let mut tx = Tx::begin(&context.db, context.hub.clone()).await?;
    let claimed = recording::Entity::update_many()
        .col_expr(
            recording::Column::Status,
            Expr::value(RecordingStatus::Processing.as_str()),
        )
        .col_expr(recording::Column::Progress, Expr::value(0))
        .col_expr(recording::Column::UpdatedAt, Expr::value(Utc::now()))
        .col_expr(
            recording::Column::Worker,
            Expr::value(context.hub.epoch().to_string()),
        )
        .filter(recording::Column::Id.eq(id))
        .filter(recording::Column::Status.eq(RecordingStatus::Queued.as_str()))
        .exec(&*tx)
        .await?;
    if claimed.rows_affected == 0 {
        return Ok(None);
    }
    let stored_path: Option<String> = recording::Entity::find_by_id(id)
        .select_only()
        .column(recording::Column::StoredPath)
        .into_tuple()
        .one(&*tx)
        .await?;
    tx.changed(Resource::Recordings, Action::StatusChanged, id);
    tx.commit().await?;
    Ok(stored_path)
}

async fn write_progress(context: &Context, id: &str, percent: u8) -> anyhow::Result<()> {
    let update = recording::Entity::update_many()
        .col_expr(recording::Column::Progress, Expr::value(i32::from(percent)));
    update_processing(context, id, update, Action::Progress).await
}

/// Applies `update` to the recording if it is still `processing` (not
/// deleted, not finished by someone else) and announces the change.
async fn update_processing(
    context: &Context,
    id: &str,
    update: sea_orm::UpdateMany<recording::Entity>,
    action: Action,
) -> anyhow::Result<()> {
    let mut tx = Tx::begin(&context.db, context.hub.clone()).await?;
    let updated = update
        .filter(recording::Column::Id.eq(id))
        .filter(recording::Column::Status.eq(RecordingStatus::Processing.as_str()))
        .filter(recording::Column::Worker.eq(context.hub.epoch()))
        .exec(&*tx)
        .await?;
    if updated.rows_affected > 0 {
        tx.changed(Resource::Recordings, action, id);
    } else if let Some(flag) = lock(&context.running).get(id) {
        // The job is no longer this replica's (deleted, perhaps through
        // another replica, or taken over): stop working on it.
        flag.store(true, Ordering::Relaxed);
    }
    tx.commit().await?;
    Ok(())
}

async fn finish_ready(context: &Context, id: &str, analysis: &Analysis) -> anyhow::Result<()> {
    let waveform = serde_json::to_string(&analysis.waveform)?;
    let update = recording::Entity::update_many()
        .col_expr(
            recording::Column::Status,
            Expr::value(RecordingStatus::Ready.as_str()),
        )
        .col_expr(recording::Column::Progress, Expr::value(100))
        .col_expr(
            recording::Column::Error,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            recording::Column::Format,
            Expr::value(analysis.format.clone()),
        )
        .col_expr(
            recording::Column::DurationMs,
            Expr::value(i64::try_from(analysis.duration_ms).unwrap_or(i64::MAX)),
        )
        .col_expr(
            recording::Column::SampleRate,
            Expr::value(analysis.sample_rate as i32),
        )
        .col_expr(
            recording::Column::Channels,
            Expr::value(i32::from(analysis.channels)),
        )
        .col_expr(recording::Column::PeakDbfs, Expr::value(analysis.peak_dbfs))
        .col_expr(recording::Column::RmsDbfs, Expr::value(analysis.rms_dbfs))
        .col_expr(recording::Column::Waveform, Expr::value(waveform))
        .col_expr(recording::Column::UpdatedAt, Expr::value(Utc::now()));
    update_processing(context, id, update, Action::StatusChanged).await
}

async fn finish_failed(context: &Context, id: &str, reason: &str) -> anyhow::Result<()> {
    let update = recording::Entity::update_many()
        .col_expr(
            recording::Column::Status,
            Expr::value(RecordingStatus::Failed.as_str()),
        )
        .col_expr(recording::Column::Error, Expr::value(reason))
        .col_expr(recording::Column::UpdatedAt, Expr::value(Utc::now()));
    update_processing(context, id, update, Action::StatusChanged).await
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use tokio::time::Instant;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_refused_write_is_retried_after_growing_waits() {
        let attempts = Cell::new(0);
        let began = Instant::now();
        let written = retrying("write", || {
            attempts.set(attempts.get() + 1);
            let attempt = attempts.get();
            async move {
                anyhow::ensure!(attempt == 3, "database is locked");
                Ok(attempt)
            }
        })
        .await;
        assert_eq!(written.unwrap(), 3);
        assert_eq!(began.elapsed(), WRITE_BACKOFF + WRITE_BACKOFF * 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_write_that_keeps_failing_is_given_up_after_the_last_attempt() {
        let attempts = Cell::new(0);
        let began = Instant::now();
        let written: anyhow::Result<()> = retrying("write", || {
            attempts.set(attempts.get() + 1);
            async { anyhow::bail!("database is locked") }
        })
        .await;
        assert!(written.is_err());
        assert_eq!(attempts.get(), WRITE_ATTEMPTS);
        assert_eq!(began.elapsed(), WRITE_BACKOFF * (1 + 2 + 4));
    }
}
