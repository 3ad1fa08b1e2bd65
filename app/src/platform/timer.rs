//! Sleeping without blocking the UI thread.

use std::time::Duration;

use crate::query::LocalFuture;

/// Resolves after `duration` (tokio's timer on native builds).
#[cfg(any(feature = "desktop", feature = "mobile"))]
pub fn sleep(duration: Duration) -> LocalFuture<()> {
    Box::pin(tokio::time::sleep(duration))
}

/// Resolves after `duration` (the browser's `setTimeout`).
#[cfg(all(feature = "web", not(any(feature = "desktop", feature = "mobile"))))]
pub fn sleep(duration: Duration) -> LocalFuture<()> {
    let millis = u32::try_from(duration.as_millis()).unwrap_or(u32::MAX);
    Box::pin(gloo_timers::future::TimeoutFuture::new(millis))
}
