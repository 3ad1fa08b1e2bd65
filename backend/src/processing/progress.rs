//! Throttled progress reporting.

use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

/// Awaits `work` while reporting its progress (a fraction in `progress`) as a
/// percentage through `report`, at most once per `interval` and only when the
/// percentage grew. 100 % is never reported here: finishing is the caller's
/// write. Report failures are logged and do not stop the work.
pub async fn report_while<W, R, F>(
    work: W,
    progress: watch::Receiver<f32>,
    interval: Duration,
    mut report: R,
) -> W::Output
where
    W: Future,
    R: FnMut(u8) -> F,
    F: Future<Output = anyhow::Result<()>>,
{
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut reported = 0u8;
    tokio::pin!(work);
    loop {
        tokio::select! {
            output = &mut work => return output,
            _ = ticker.tick() => {
                let percent = to_percent(*progress.borrow());
                if percent > reported {
                    reported = percent;
                    if let Err(err) = report(percent).await {
                        tracing::warn!(error = ?err, "could not record progress");
                    }
                }
            }
        }
    }
}

fn to_percent(fraction: f32) -> u8 {
    // Clamped to 99: the job is not done until its result is written.
    (fraction.clamp(0.0, 1.0) * 100.0).floor().min(99.0) as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use tokio::time::{Instant, sleep};

    #[tokio::test(start_paused = true)]
    async fn reports_at_most_once_per_interval() {
        let (tx, rx) = watch::channel(0.0);
        // Progress advances every 10 ms for 2 s.
        let work = async move {
            for step in 1..=200 {
                sleep(Duration::from_millis(10)).await;
                tx.send_replace(step as f32 / 200.0);
            }
        };
        let reports = RefCell::new(Vec::new());
        let start = Instant::now();
        report_while(work, rx, Duration::from_millis(250), |percent| {
            reports.borrow_mut().push((start.elapsed(), percent));
            async { Ok(()) }
        })
        .await;
        let reports = reports.into_inner();
        assert!(reports.len() <= 9, "{} reports in 2 s", reports.len());
        assert!(reports.len() >= 7, "progress was reported: {reports:?}");
        for pair in reports.windows(2) {
            assert!(pair[1].0 - pair[0].0 >= Duration::from_millis(250));
            assert!(pair[1].1 > pair[0].1);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn unchanged_progress_is_not_reported_again() {
        let (tx, rx) = watch::channel(0.5);
        let work = async move {
            sleep(Duration::from_secs(3)).await;
            drop(tx);
        };
        let mut count = 0;
        report_while(work, rx, Duration::from_millis(250), |_| {
            count += 1;
            async { Ok(()) }
        })
        .await;
        assert_eq!(count, 1);
    }

    #[test]
    fn percent_is_clamped_below_completion() {
        assert_eq!(to_percent(1.0), 99);
        assert_eq!(to_percent(-1.0), 0);
        assert_eq!(to_percent(0.456), 45);
    }
}
