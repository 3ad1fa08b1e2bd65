//! A bounded runner of background jobs, each named by an id (a recording's,
//! a conversation's): ids arrive on a queue, at most `workers` jobs run at
//! once, and once stopped no new job starts while the running ones are
//! waited for. The job itself decides what stopping means to it (it holds
//! the stop flag's receiver, from the channel whose sender the runner got).
//!
//! The queue lives in memory only. Durability is the jobs' own: each kind
//! of job finds its unfinished work in the database at the next start (the
//! recording's row, the conversation's unanswered question).

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::{JoinError, JoinHandle, JoinSet};

/// See the [module docs](self).
#[derive(Debug)]
pub struct Jobs {
    queue: mpsc::UnboundedSender<String>,
    stop: watch::Sender<bool>,
    dispatcher: Mutex<Option<JoinHandle<()>>>,
}

impl Jobs {
    /// Starts running `job` for each queued id, `workers` (at least one) at
    /// a time, until `stop` says so. `what` names the jobs in the log.
    pub fn start<J, F>(
        what: &'static str,
        workers: usize,
        stop: watch::Sender<bool>,
        job: J,
    ) -> Jobs
    where
        J: Fn(String) -> F + Send + 'static,
        F: Future<Output = ()> + Send + 'static,
    {
        let (queue, receiver) = mpsc::unbounded_channel();
        let dispatcher = tokio::spawn(dispatch(
            what,
            receiver,
            workers.max(1),
            stop.subscribe(),
            job,
        ));
        Jobs {
            queue,
            stop,
            dispatcher: Mutex::new(Some(dispatcher)),
        }
    }

    /// Queues a job for `id`. After a stop it is not run; its work is found
    /// again at the next start.
    pub fn enqueue(&self, id: String) {
        let _ = self.queue.send(id);
    }

    /// Starts no further job from now on.
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }

    /// Waits until the jobs under way have ended, after [`Jobs::stop`].
    pub async fn stopped(&self) {
        let dispatcher = lock(&self.dispatcher).take();
        if let Some(dispatcher) = dispatcher {
            let _ = dispatcher.await;
        }
    }
}

/// Locks `mutex`, even if a thread panicked holding it: the sets and maps
/// the jobs share stay usable (at worst an entry is stale).
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poison| poison.into_inner())
}

async fn dispatch<J, F>(
    what: &'static str,
    mut queue: mpsc::UnboundedReceiver<String>,
    workers: usize,
    mut stopped: watch::Receiver<bool>,
    job: J,
) where
    J: Fn(String) -> F,
    F: Future<Output = ()> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(workers));
    let mut running = JoinSet::new();
    // Both waits look at the stop flag first, so that once it is set no
    // further job starts, even with work ready.
    loop {
        let permit = tokio::select! {
            biased;
            _ = stopped.wait_for(|stop| *stop) => break,
            permit = permits.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
        };
        let id = tokio::select! {
            biased;
            _ = stopped.wait_for(|stop| *stop) => break,
            id = queue.recv() => match id {
                Some(id) => id,
                None => break,
            },
        };
        let work = job(id);
        running.spawn(async move {
            work.await;
            drop(permit);
        });
        // Reap finished jobs so the set does not grow.
        while let Some(ended) = running.try_join_next() {
            report_panic(what, ended);
        }
    }
    while let Some(ended) = running.join_next().await {
        report_panic(what, ended);
    }
}

/// Logs a job that panicked. Its work stays unfinished in the database and
/// is found again at the next start.
fn report_panic(what: &str, ended: Result<(), JoinError>) {
    if let Err(err) = ended
        && err.is_panic()
    {
        tracing::error!(job = what, error = %err, "a background job panicked");
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use tokio::sync::Notify;

    use super::*;

    /// Jobs that wait until released, counting how many run at once.
    struct Gate {
        running: AtomicUsize,
        most: AtomicUsize,
        done: AtomicUsize,
        release: Notify,
        changed: Notify,
    }

    fn gated(workers: usize) -> (Jobs, Arc<Gate>) {
        let gate = Arc::new(Gate {
            running: AtomicUsize::new(0),
            most: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            release: Notify::new(),
            changed: Notify::new(),
        });
        let (stop, _) = watch::channel(false);
        let shared = gate.clone();
        let jobs = Jobs::start("test", workers, stop, move |_id| {
            let gate = shared.clone();
            async move {
                let now = gate.running.fetch_add(1, Ordering::SeqCst) + 1;
                gate.most.fetch_max(now, Ordering::SeqCst);
                gate.changed.notify_waiters();
                gate.release.notified().await;
                gate.running.fetch_sub(1, Ordering::SeqCst);
                gate.done.fetch_add(1, Ordering::SeqCst);
                gate.changed.notify_waiters();
            }
        });
        (jobs, gate)
    }

    async fn until(gate: &Gate, condition: impl Fn(&Gate) -> bool) {
        loop {
            let changed = gate.changed.notified();
            if condition(gate) {
                return;
            }
            changed.await;
        }
    }

    #[tokio::test]
    async fn no_more_than_the_workers_run_at_once_and_every_job_runs() {
        let (jobs, gate) = gated(2);
        for id in 0..5 {
            jobs.enqueue(id.to_string());
        }
        until(&gate, |g| g.running.load(Ordering::SeqCst) == 2).await;
        while gate.done.load(Ordering::SeqCst) < 5 {
            gate.release.notify_waiters();
            tokio::task::yield_now().await;
        }
        assert_eq!(gate.most.load(Ordering::SeqCst), 2);
        jobs.stop();
        jobs.stopped().await;
    }

    #[tokio::test]
    async fn a_stop_starts_nothing_more_and_waits_for_the_jobs_under_way() {
        let (jobs, gate) = gated(1);
        jobs.enqueue("first".into());
        until(&gate, |g| g.running.load(Ordering::SeqCst) == 1).await;
        jobs.enqueue("second".into());
        jobs.stop();
        let stopped = jobs.stopped();
        tokio::pin!(stopped);
        // Still waiting for the first job.
        tokio::select! {
            biased;
            _ = &mut stopped => panic!("stopped with a job under way"),
            _ = tokio::task::yield_now() => {}
        }
        gate.release.notify_waiters();
        stopped.await;
        assert_eq!(gate.done.load(Ordering::SeqCst), 1, "the second never ran");
    }
}
