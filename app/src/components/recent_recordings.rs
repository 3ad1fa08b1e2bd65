//! The dashboard's short list of the latest imports.

use dioxus::prelude::*;
use earshot_shared::dto::Recording;

use crate::components::status_badge::StatusBadge;
use crate::format;
use crate::route::Route;

/// The latest recordings: title, duration and project, status on the right.
#[component]
pub fn RecentRecordings(recordings: Vec<Recording>) -> Element {
    rsx! {
        ul { class: "recent-list",
            for recording in recordings {
                RecentRecordingItem { key: "{recording.id}", recording }
            }
        }
    }
}

/// One line of [`RecentRecordings`].
#[component]
fn RecentRecordingItem(recording: Recording) -> Element {
    let mut meta = vec![format::maybe_clock(recording.duration_ms)];
    if let Some(project) = &recording.project_name {
        meta.push(project.clone());
    }
    meta.push(format::when(&recording.created_at));
    let meta = meta.join(" · ");
    rsx! {
        li { class: "recent-item",
            div { class: "recent-text",
                Link {
                    class: "row-title",
                    to: Route::Recording { id: recording.id.clone() },
                    "{recording.title}"
                }
                span { class: "row-sub", "{meta}" }
            }
            StatusBadge { status: recording.status }
        }
    }
}
