//! `/projects`: every project with its recording count.

use std::rc::Rc;

use dioxus::prelude::*;
use earshot_shared::dto::Project;
use earshot_shared::keys;

use crate::app::use_api;
use crate::components::load_state::{EmptyState, LoadError, Loading};
use crate::components::page_header::PageHeader;
use crate::components::refresh_button::RefreshButton;
use crate::format;
use crate::query::use_query;
use crate::route::Route;

/// Every project, from `GET /api/projects`.
#[component]
pub fn ProjectsPage() -> Element {
    let api = use_api();
    let projects = use_query(keys::projects::list(), move || {
        let api = api.clone();
        async move { api.projects().await }
    });
    let busy = projects.is_fetching();

    let body = match projects.result().map(|r| r.map(Rc::unwrap_or_clone)) {
        None => rsx! { Loading { label: "Loading projects…" } },
        Some(Err(error)) => rsx! {
            LoadError { message: error.to_string(), on_retry: move |_| projects.refetch() }
        },
        Some(Ok(list)) if list.is_empty() => rsx! {
            EmptyState {
                title: "No projects yet",
                message: "Projects group recordings that belong together.",
            }
        },
        Some(Ok(list)) => rsx! {
            ul { class: "card-list",
                for project in list {
                    ProjectItem { key: "{project.id}", project }
                }
            }
        },
    };

    rsx! {
        PageHeader { title: "Projects",
            RefreshButton { busy, onclick: move |_| projects.refetch() }
        }
        {body}
    }
}

/// A project's name (a link to it), description and recording count.
#[component]
fn ProjectItem(project: Project) -> Element {
    rsx! {
        li { class: "card list-card",
            div { class: "list-card-text",
                Link {
                    class: "row-title",
                    to: Route::Project { id: project.id.clone() },
                    "{project.name}"
                }
                if !project.description.is_empty() {
                    span { class: "row-sub", "{project.description}" }
                }
            }
            span { class: "count-pill",
                {format::count(project.recording_count, "recording", "recordings")}
            }
        }
    }
}
