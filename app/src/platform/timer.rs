//! Sleeping without blocking the UI thread.

use std::time::Duration;

use crate::query::LocalFuture;

/// Resolves after `duration` (tokio's timer on native builds).
#[cfg(any(feature = "desktop", feature = "mobile"))]
pub fn sleep(duration: Duration) -> LocalFuture<()> {
    Box::pin(tokio::time::sleep(duration))
}

/// Resolves after `duration` (the browser's `setTimeout`, whose delay is a
/// signed 32-bit count of milliseconds: longer waits are made of several).
#[cfg(all(feature = "web", not(any(feature = "desktop", feature = "mobile"))))]
pub fn sleep(duration: Duration) -> LocalFuture<()> {
    const LONGEST: u128 = i32::MAX as u128;
    Box::pin(async move {
        let mut left = duration.as_millis();
        while left > 0 {
            let step = left.min(LONGEST);
            gloo_timers::future::TimeoutFuture::new(step as u32).await;
            left -= step;
        }
    })
}
