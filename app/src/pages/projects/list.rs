//! `/projects`: every project with its recording count; create, rename and
//! delete, each shown at once and rolled back if the server refuses.

use std::rc::Rc;

use dioxus::prelude::*;
use earshot_shared::dto::{NewProject, Project};
use earshot_shared::keys;

use crate::app::use_api;
use crate::components::inline_edit::RenameForm;
use crate::components::list_card::ListCard;
use crate::components::load_state::{EmptyState, ListSkeleton, LoadError};
use crate::components::page_header::PageHeader;
use crate::components::refresh_button::RefreshButton;
use crate::format;
use crate::mutations::changes::pending_id;
use crate::mutations::{use_create_project, use_delete_project, use_rename_project};
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
    let create = use_create_project();
    let rename = use_rename_project();
    let delete = use_delete_project();
    let mut creating = use_signal(|| false);
    let busy = projects.is_fetching();

    let on_rename = use_callback(move |(id, name): (String, String)| rename.mutate((id, name)));
    let on_delete = use_callback(move |id: String| delete.mutate(id));
    let on_create = move |name: String| {
        creating.set(false);
        create.mutate((
            pending_id(),
            NewProject {
                name,
                description: String::new(),
            },
        ));
    };

    let body = match projects.result().map(|r| r.map(Rc::unwrap_or_clone)) {
        None => rsx! { ListSkeleton { rows: 4 } },
        Some(Err(error)) => rsx! {
            LoadError { message: error.to_string(), on_retry: move |_| projects.refetch() }
        },
        Some(Ok(list)) if list.is_empty() && !creating() => rsx! {
            EmptyState {
                title: "No projects yet",
                message: "Projects group recordings that belong together.",
                button {
                    class: "button primary",
                    "data-action": "new-project",
                    onclick: move |_| creating.set(true),
                    "Create your first project"
                }
            }
        },
        Some(Ok(list)) => rsx! {
            ul { class: "card-list",
                for project in list {
                    ProjectItem {
                        key: "{project.id}",
                        project,
                        on_rename,
                        on_delete,
                    }
                }
            }
        },
    };

    rsx! {
        PageHeader { title: "Projects",
            RefreshButton { busy, onclick: move |_| projects.refetch() }
            if !creating() {
                button {
                    class: "button primary",
                    "data-action": "new-project",
                    onclick: move |_| creating.set(true),
                    "New project"
                }
            }
        }
        if creating() {
            div { class: "card panel new-item",
                h2 { class: "panel-title", "New project" }
                RenameForm {
                    initial: "",
                    label: "Project name",
                    on_save: on_create,
                    on_cancel: move |_| creating.set(false),
                }
            }
        }
        {body}
    }
}

/// A project's name (a link to it), description and recording count, with
/// Rename and Delete.
#[component]
fn ProjectItem(
    project: Project,
    on_rename: EventHandler<(String, String)>,
    on_delete: EventHandler<String>,
) -> Element {
    let description = project.description.clone();
    rsx! {
        ListCard {
            id: project.id.clone(),
            name: project.name.clone(),
            to: Route::Project { id: project.id.clone() },
            sub: (!description.is_empty()).then_some(description),
            name_label: "Project name",
            pending_note: "Creating…",
            delete_question: "Delete “{project.name}”? Its recordings are kept.",
            on_rename,
            on_delete,
            span { class: "count-pill",
                {format::count(project.recording_count, "recording", "recordings")}
            }
        }
    }
}
