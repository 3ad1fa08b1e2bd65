//! `/projects/:id`: a project and the recordings in it.

use std::rc::Rc;

use dioxus::prelude::*;
use earshot_shared::dto::RecordingFilters;
use earshot_shared::keys;

use crate::app::use_api;
use crate::components::load_state::{EmptyState, LoadError, Loading};
use crate::components::page_header::PageHeader;
use crate::components::recording_table::RecordingTable;
use crate::components::refresh_button::RefreshButton;
use crate::format;
use crate::query::use_query;

/// One project, from `GET /api/projects/{id}`, and its recordings, from
/// `GET /api/recordings?project={id}`.
#[component]
pub fn ProjectPage(id: String) -> Element {
    let api = use_api();
    let project_api = api.clone();
    let project_id = id.clone();
    let project = use_query(keys::projects::detail(&id), move || {
        let (api, id) = (project_api.clone(), project_id.clone());
        async move { api.project(&id).await }
    });
    let filters = RecordingFilters {
        project: Some(id),
        ..Default::default()
    };
    let recordings = use_query(keys::recordings::list(&filters), move || {
        let (api, filters) = (api.clone(), filters.clone());
        async move { api.recordings(&filters).await }
    });
    let busy = project.is_fetching() || recordings.is_fetching();
    let refresh = move |_| {
        project.refetch();
        recordings.refetch();
    };

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
        Some(Ok(project)) => (
            rsx! {
                PageHeader {
                    title: project.name.clone(),
                    subtitle: if project.description.is_empty() {
                        format::count(project.recording_count, "recording", "recordings")
                    } else {
                        project.description.clone()
                    },
                    RefreshButton { busy, onclick: refresh }
                }
            },
            true,
        ),
    };

    let list = match recordings.result().map(|r| r.map(Rc::unwrap_or_clone)) {
        None => rsx! { Loading { label: "Loading its recordings…" } },
        Some(Err(error)) => rsx! {
            LoadError { message: error.to_string(), on_retry: move |_| recordings.refetch() }
        },
        Some(Ok(page)) if page.items.is_empty() => rsx! {
            EmptyState {
                title: "No recordings in this project",
                message: "Recordings put in this project are listed here.",
            }
        },
        Some(Ok(page)) => rsx! { RecordingTable { recordings: page.items, show_project: false } },
    };

    rsx! {
        {header}
        if project_loaded {
            {list}
        }
    }
}
