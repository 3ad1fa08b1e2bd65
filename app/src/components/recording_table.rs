//! Recordings as a table: one row each, with status and progress.

use dioxus::prelude::*;
use earshot_shared::dto::{Recording, RecordingStatus};

use crate::components::progress_bar::ProgressBar;
use crate::components::status_badge::StatusBadge;
use crate::format;
use crate::route::Route;

/// A table of recordings; `show_project` adds the project column (a project's
/// own page leaves it out).
#[component]
pub fn RecordingTable(recordings: Vec<Recording>, show_project: bool) -> Element {
    rsx! {
        div { class: "table-wrap",
            table { class: "table recording-table",
                thead {
                    tr {
                        th { scope: "col", "Title" }
                        th { scope: "col", "Status" }
                        th { scope: "col", class: "num", "Duration" }
                        th { scope: "col", class: "num col-size", "Size" }
                        if show_project {
                            th { scope: "col", class: "col-project", "Project" }
                        }
                        th { scope: "col", class: "col-imported", "Imported" }
                    }
                }
                tbody {
                    for recording in recordings {
                        RecordingRow { key: "{recording.id}", recording, show_project }
                    }
                }
            }
        }
    }
}

/// One recording: its title (a link to it), status, duration, size, project
/// and when it was imported.
#[component]
pub fn RecordingRow(recording: Recording, show_project: bool) -> Element {
    let Recording {
        id,
        title,
        status,
        progress,
        error,
        project_name,
        file_name,
        size_bytes,
        duration_ms,
        created_at,
        ..
    } = recording;
    rsx! {
        tr {
            td { class: "col-title",
                Link { class: "row-title", to: Route::Recording { id }, "{title}" }
                if file_name != title {
                    span { class: "row-sub", "{file_name}" }
                }
            }
            td { class: "col-status",
                StatusBadge { status }
                if status == RecordingStatus::Processing {
                    div { class: "row-progress",
                        ProgressBar { percent: progress }
                        span { class: "row-sub", "{progress}%" }
                    }
                }
                if let Some(error) = error.filter(|_| status == RecordingStatus::Failed) {
                    span { class: "row-sub row-error", "{error}" }
                }
            }
            td { class: "num", "{format::maybe_clock(duration_ms)}" }
            td { class: "num col-size", "{format::bytes(size_bytes)}" }
            if show_project {
                td { class: "col-project",
                    {project_name.unwrap_or_else(|| "–".to_string())}
                }
            }
            td { class: "col-imported", title: "{format::full_date_time(&created_at)}",
                "{format::when(&created_at)}"
            }
        }
    }
}
