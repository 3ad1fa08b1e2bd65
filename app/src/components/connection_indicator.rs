//! The connection indicator: out of the way while live; "Reconnecting…" with
//! the attempt, a countdown and "Retry now" when the connection is lost;
//! "Offline" after a long failure.

use std::time::Duration;

use dioxus::prelude::*;
use web_time::Instant;

use crate::platform;
use crate::sync::{ConnectionState, use_connection};

/// Shows the sync connection's state; renders nothing while live.
#[component]
pub fn ConnectionIndicator() -> Element {
    let connection = use_connection();
    let state = connection.state();
    // A clock for the countdown, ticking only while there is one to show.
    let mut now = use_signal(Instant::now);
    use_future(move || async move {
        loop {
            platform::sleep(Duration::from_millis(500)).await;
            if connection.is_waiting() {
                now.set(Instant::now());
            }
        }
    });
    let (class, text, retry) = match state {
        ConnectionState::Live => return rsx! {},
        ConnectionState::Connecting => ("connecting", "Connecting…".to_string(), false),
        ConnectionState::Reconnecting { attempt, retry_at } => (
            "reconnecting",
            format!(
                "Reconnecting… (attempt {attempt}, retry in {} s)",
                seconds_until(retry_at, now())
            ),
            true,
        ),
        ConnectionState::Offline { retry_at, .. } => (
            "offline",
            format!("Offline — retrying in {} s", seconds_until(retry_at, now())),
            true,
        ),
    };
    rsx! {
        div { class: "connection {class}", role: "status", aria_live: "polite",
            span { class: "connection-dot" }
            span { class: "connection-text", "{text}" }
            if retry {
                button {
                    class: "button small",
                    onclick: move |_| connection.retry_now(),
                    "Retry now"
                }
            }
        }
    }
}

/// Whole seconds left until `at`, rounded up.
fn seconds_until(at: Instant, now: Instant) -> u64 {
    at.saturating_duration_since(now).as_millis().div_ceil(1000) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countdown_rounds_up_and_stops_at_zero() {
        let now = Instant::now();
        assert_eq!(seconds_until(now + Duration::from_millis(1_200), now), 2);
        assert_eq!(seconds_until(now + Duration::from_secs(3), now), 3);
        assert_eq!(seconds_until(now, now + Duration::from_secs(1)), 0);
    }
}
