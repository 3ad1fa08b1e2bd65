//! What the cache needs from its surroundings: spawning local futures,
//! sleeping, and the time. The cache is single-threaded (it lives on the UI
//! thread), so its futures need not be `Send`.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use web_time::Instant;

/// A boxed future that runs on the UI thread.
pub type LocalFuture<T> = Pin<Box<dyn Future<Output = T>>>;

/// The executor and clock the cache runs on.
///
/// The app implements it over Dioxus's scheduler; tests implement it over a
/// tokio `LocalSet` with paused time, which makes every timing rule of the
/// cache testable without real waiting.
pub trait Runtime {
    /// Runs `future` to completion in the background. Futures spawned here
    /// belong to the cache, not to the component that caused them.
    fn spawn(&self, future: LocalFuture<()>);
    /// Resolves after `duration`.
    fn sleep(&self, duration: Duration) -> LocalFuture<()>;
    /// The current time.
    fn now(&self) -> Instant;
}

/// A [`Runtime`] over a tokio `LocalSet` (`spawn_local`) and tokio's clock,
/// which tests can pause and advance. Use it inside `LocalSet::run_until`.
#[cfg(any(feature = "desktop", feature = "mobile"))]
#[derive(Debug, Default)]
pub struct TokioLocalRuntime;

#[cfg(any(feature = "desktop", feature = "mobile"))]
impl Runtime for TokioLocalRuntime {
    fn spawn(&self, future: LocalFuture<()>) {
        tokio::task::spawn_local(future);
    }

    fn sleep(&self, duration: Duration) -> LocalFuture<()> {
        Box::pin(tokio::time::sleep(duration))
    }

    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }
}
