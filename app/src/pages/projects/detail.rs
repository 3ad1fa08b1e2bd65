//! `/projects/:id`: a project and the recordings in it; rename and delete
//! the project, rename, move and delete its recordings.

use std::rc::Rc;

use dioxus::prelude::*;
use earshot_shared::dto::{Project, RecordingFilters};
use earshot_shared::keys;

use crate::app::use_api;
use crate::components::inline_edit::{ConfirmButton, RenameButton, RenameForm};
use crate::components::load_state::{EmptyState, LoadError, Loading, TableSkeleton};
use crate::components::page_header::PageHeader;
use crate::components::recording_table::RecordingTable;
use crate::components::refresh_button::RefreshButton;
use crate::format;
use crate::mutations::{use_delete_project, use_recording_row_actions, use_rename_project};
use crate::pages::gone::use_leave_when_gone;
use crate::preferences;
use crate::query::use_query;
use crate::route::Route;

/// One project, from `GET /api/projects/{id}`, and its recordings, from
/// `GET /api/recordings?project={id}`.
#[component]
pub fn ProjectPage(id: String) -> Element {
    rsx! { ProjectView { key: "{id}", id } }
}

#[component]
fn ProjectView(id: String) -> Element {
    let api = use_api();
    let project_api = api.clone();
    let projects_api = api.clone();
    let project_id = id.clone();
    let project = use_query(keys::projects::detail(&id), move || {
        let (api, id) = (project_api.clone(), project_id.clone());
        async move { api.project(&id).await }
    });
    let filters = RecordingFilters {
        project: Some(id.clone()),
        ..Default::default()
    };
    let everything = filters.clone();
    let all_of_it = move || everything.clone();
    let recordings = use_query(keys::recordings::list(&filters), move || {
        let (api, filters) = (api.clone(), filters.clone());
        async move { api.recordings(&filters).await }
    });
    let projects = use_query(keys::projects::list(), move || {
        let api = projects_api.clone();
        async move { api.projects().await }
    });
    let rename = use_rename_project();
    let delete = use_delete_project();
    let mut renaming = use_signal(|| false);
    let busy = project.is_fetching() || recordings.is_fetching();
    let refresh = move |_| {
        project.refetch();
        recordings.refetch();
    };

    let gone = project.data().is_some() && project.error().is_some_and(|e| e.is_not_found());
    use_leave_when_gone(gone, Route::Projects {}, "This project was deleted");

    // The recordings are shown only under a project that loaded: for a
    // missing project, its (empty) list would say nothing useful.
    let (header, project_loaded) = match project.result().map(|r| r.map(Rc::unwrap_or_clone)) {
        None => (rsx! { Loading { label: "Loading the project…" } }, false),
        Some(Err(error)) => (
            rsx! {
                PageHeader { title: "Project" }
                LoadError { message: error.to_string(), on_retry: move |_| project.refetch() }
            },
            false,
        ),
        Some(Ok(loaded)) if renaming() => (
            rsx! {
                div { class: "page-header",
                    RenameForm {
                        initial: loaded.name.clone(),
                        label: "Project name",
                        on_save: {
                            let id = id.clone();
                            move |name: String| {
                                renaming.set(false);
                                rename.mutate((id.clone(), name));
                            }
                        },
                        on_cancel: move |_| renaming.set(false),
                    }
                }
            },
            true,
        ),
        Some(Ok(loaded)) => (
            rsx! {
                PageHeader {
                    title: loaded.name.clone(),
                    subtitle: if loaded.description.is_empty() {
                        format::count(loaded.recording_count, "recording", "recordings")
                    } else {
                        loaded.description.clone()
                    },
                    RefreshButton { busy, onclick: refresh }
                    RenameButton { small: false, onclick: move |_| renaming.set(true) }
                    ConfirmButton {
                        label: "Delete",
                        question: "Delete this project? Its recordings are kept.",
                        on_confirm: {
                            let id = id.clone();
                            move |_| {
                                delete.mutate(id.clone());
                                navigator().push(Route::Projects {});
                            }
                        },
                    }
                }
            },
            true,
        ),
    };

    let project_list: Vec<Project> = projects.data().map(|p| (*p).clone()).unwrap_or_default();
    let actions = use_recording_row_actions();

    let list = match recordings.result().map(|r| r.map(Rc::unwrap_or_clone)) {
        None => rsx! { TableSkeleton { rows: 3 } },
        Some(Err(error)) => rsx! {
            LoadError { message: error.to_string(), on_retry: move |_| recordings.refetch() }
        },
        Some(Ok(page)) if page.items.is_empty() => rsx! {
            EmptyState {
                title: "No recordings in this project",
                message: "Move recordings here from the Recordings page, with the project select on each row.",
                Link { class: "button", to: Route::Recordings {}, "Go to Recordings" }
            }
        },
        Some(Ok(page)) => rsx! {
            RecordingTable {
                recordings: page.items,
                show_project: true,
                projects: project_list,
                actions,
            }
            if page.total > u64::from(page.per_page) {
                p { class: "muted",
                    "Showing the newest {page.per_page} of {page.total}. "
                    Link {
                        to: Route::Recordings {},
                        // The Recordings page opens on the saved filters:
                        // this project's, newest first, from the first page.
                        onclick: move |_| preferences::save_recording_filters(&all_of_it()),
                        "See them all on the Recordings page"
                    }
                }
            }
        },
    };

    rsx! {
        {header}
        if project_loaded {
            {list}
        }
    }
}
