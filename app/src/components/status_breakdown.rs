//! How many recordings are in each processing status.

use dioxus::prelude::*;
use earshot_shared::dto::{RecordingStatus, StatusCounts};

use crate::components::status_badge::StatusBadge;

/// The count of one status.
pub fn count_of(counts: &StatusCounts, status: RecordingStatus) -> u64 {
    match status {
        RecordingStatus::Queued => counts.queued,
        RecordingStatus::Processing => counts.processing,
        RecordingStatus::Ready => counts.ready,
        RecordingStatus::Failed => counts.failed,
    }
}

/// A stacked bar of the statuses with a legend of badges and counts.
#[component]
pub fn StatusBreakdown(counts: StatusCounts) -> Element {
    let total = counts.total().max(1) as f64;
    rsx! {
        div { class: "status-breakdown",
            div { class: "stacked-bar", aria_hidden: "true",
                for status in RecordingStatus::ALL {
                    if count_of(&counts, status) > 0 {
                        div {
                            key: "{status}",
                            class: "stacked-bar-part part-{status}",
                            style: "width: {count_of(&counts, status) as f64 / total * 100.0}%",
                        }
                    }
                }
            }
            ul { class: "status-legend",
                for status in RecordingStatus::ALL {
                    li {
                        key: "{status}",
                        class: if count_of(&counts, status) == 0 { "empty" },
                        StatusBadge { status }
                        span { class: "status-count", "{count_of(&counts, status)}" }
                    }
                }
            }
        }
    }
}
