//! Recordings as a table: one row each, with status and progress, and the
//! row's actions (rename, move to a project, delete).

use dioxus::prelude::*;
use earshot_shared::dto::{Project, Recording, RecordingStatus};

use crate::components::inline_edit::{ConfirmButton, RenameButton, RenameForm};
use crate::components::progress_bar::ProgressBar;
use crate::components::project_select::ProjectSelect;
use crate::components::status_badge::StatusBadge;
use crate::format;
use crate::route::Route;

/// What a row can ask its page to do.
#[derive(Clone, Copy, PartialEq)]
pub struct RowActions {
    /// Rename: `(id, new title)`.
    pub on_rename: EventHandler<(String, String)>,
    /// Move: `(id, project id or None to unassign)`.
    pub on_move: EventHandler<(String, Option<String>)>,
    /// Delete (after the user confirmed): the id.
    pub on_delete: EventHandler<String>,
}

/// A table of recordings; `show_project` adds the project column (a project's
/// own page leaves it out). `projects` fill the move-to select.
#[component]
pub fn RecordingTable(
    recordings: Vec<Recording>,
    show_project: bool,
    #[props(default)] projects: Vec<Project>,
    actions: Option<RowActions>,
) -> Element {
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
                        if actions.is_some() {
                            th { scope: "col", class: "col-actions",
                                span { class: "visually-hidden", "Actions" }
                            }
                        }
                    }
                }
                tbody {
                    for recording in recordings {
                        RecordingRow {
                            key: "{recording.id}",
                            recording,
                            show_project,
                            projects: projects.clone(),
                            actions,
                        }
                    }
                }
            }
        }
    }
}

/// One recording: its title (a link to it), status, duration, size, project
/// and when it was imported; with `actions`, rename, move and delete.
#[component]
pub fn RecordingRow(
    recording: Recording,
    show_project: bool,
    #[props(default)] projects: Vec<Project>,
    actions: Option<RowActions>,
) -> Element {
    let mut renaming = use_signal(|| false);
    let Recording {
        id,
        title,
        status,
        progress,
        error,
        project_id,
        project_name,
        file_name,
        size_bytes,
        duration_ms,
        created_at,
        ..
    } = recording;
    let project_cell = match actions {
        Some(actions) => {
            let id = id.clone();
            rsx! {
                ProjectSelect {
                    current: project_id.clone(),
                    current_name: project_name.clone(),
                    projects: projects.clone(),
                    label: "Project of {title}",
                    on_move: move |project: Option<String>| {
                        actions.on_move.call((id.clone(), project));
                    },
                }
            }
        }
        None => rsx! {
            {project_name.clone().unwrap_or_else(|| "–".to_string())}
        },
    };
    rsx! {
        tr { "data-id": "{id}",
            td { class: "col-title",
                if let (true, Some(actions)) = (renaming(), actions) {
                    RenameForm {
                        initial: title.clone(),
                        label: "Title",
                        on_save: {
                            let id = id.clone();
                            move |new: String| {
                                renaming.set(false);
                                actions.on_rename.call((id.clone(), new));
                            }
                        },
                        on_cancel: move |_| renaming.set(false),
                    }
                } else {
                    Link { class: "row-title", to: Route::Recording { id: id.clone() }, "{title}" }
                    if file_name != title {
                        span { class: "row-sub", "{file_name}" }
                    }
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
                td { class: "col-project", {project_cell} }
            }
            td { class: "col-imported", title: "{format::full_date_time(&created_at)}",
                "{format::when(&created_at)}"
            }
            if let Some(actions) = actions {
                td { class: "col-actions",
                    div { class: "row-actions",
                        if !renaming() {
                            RenameButton { small: true, onclick: move |_| renaming.set(true) }
                        }
                        ConfirmButton {
                            label: "Delete",
                            question: "Delete “{title}”?",
                            on_confirm: {
                                let id = id.clone();
                                move |_| actions.on_delete.call(id.clone())
                            },
                        }
                    }
                }
            }
        }
    }
}
