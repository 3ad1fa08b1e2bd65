//! A recording's processing status as a coloured pill.

use dioxus::prelude::*;
use earshot_shared::dto::RecordingStatus;

/// The label people read for a status.
pub fn status_label(status: RecordingStatus) -> &'static str {
    match status {
        RecordingStatus::Queued => "Queued",
        RecordingStatus::Processing => "Processing",
        RecordingStatus::Ready => "Ready",
        RecordingStatus::Failed => "Failed",
    }
}

/// Queued (grey), Processing (blue), Ready (green) or Failed (red).
#[component]
pub fn StatusBadge(status: RecordingStatus) -> Element {
    rsx! {
        span { class: "badge badge-{status}", "{status_label(status)}" }
    }
}
