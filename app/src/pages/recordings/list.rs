//! `/recordings`: every recording, filtered, sorted and paged — the
//! filters are remembered across restarts — with import (button or drop),
//! and rename, move and delete on each row.

use std::cell::Cell;
use std::rc::Rc;

use dioxus::html::FileData;
use dioxus::prelude::*;
use earshot_shared::dto::{Project, RecordingFilters};
use earshot_shared::keys;

use crate::app::use_api;
use crate::components::import_button::{DropZone, ImportButton, PendingUploads};
use crate::components::load_state::{EmptyState, LoadError, TableSkeleton};
use crate::components::page_header::PageHeader;
use crate::components::pagination::Pagination;
use crate::components::recording_filters::RecordingFilterBar;
use crate::components::recording_table::RecordingTable;
use crate::components::refresh_button::RefreshButton;
use crate::format;
use crate::mutations::uploads::use_uploads;
use crate::mutations::use_recording_row_actions;
use crate::preferences;
use crate::query::use_query;

/// The recordings matching the saved filters, one page at a time, from
/// `GET /api/recordings?…`.
#[component]
pub fn RecordingsPage() -> Element {
    let api = use_api();
    let projects_api = api.clone();
    let mut filters = use_signal(preferences::load_recording_filters);
    // Re-creates the filter bar (and so empties its text field) when the
    // filters are cleared.
    let mut bar_generation = use_signal(|| 0u32);
    let dropped_stale = use_hook(|| Rc::new(Cell::new(false)));
    let current = filters();
    let fetched = current.clone();
    let page = use_query(keys::recordings::list(&current), move || {
        let (api, filters) = (api.clone(), fetched.clone());
        async move { api.recordings(&filters).await }
    });
    let projects = use_query(keys::projects::list(), move || {
        let api = projects_api.clone();
        async move { api.projects().await }
    });
    let uploads = use_uploads();
    let pending = uploads.pending();
    let busy = page.is_fetching();

    let mut set_filters = move |new: RecordingFilters| {
        if new.text.is_none() && filters.peek().text.is_some() {
            bar_generation += 1;
        }
        preferences::save_recording_filters(&new);
        filters.set(new);
    };
    let import = {
        let uploads = uploads.clone();
        move |files: Vec<FileData>| uploads.start(files)
    };
    let actions = use_recording_row_actions();
    let project_list: Vec<Project> = projects.data().map(|p| (*p).clone()).unwrap_or_default();
    // A saved filter on a project that no longer exists (deleted since, or
    // another workspace's) would show an empty list with no way to tell why.
    let stale = projects.data().is_some() && stale_project_filter(&current, &project_list);
    if stale && !dropped_stale.get() {
        let mut cleared = current.clone();
        cleared.project = None;
        cleared.page = 1;
        // Not while rendering: it writes the filters.
        spawn(async move { set_filters(cleared) });
    }
    dropped_stale.set(stale);
    let filtering = current.status.is_some() || current.project.is_some() || current.text.is_some();

    let (subtitle, body) = match page.result().map(|r| r.map(Rc::unwrap_or_clone)) {
        None => (None, rsx! { TableSkeleton { rows: 6 } }),
        Some(Err(error)) => (
            None,
            rsx! { LoadError { message: error.to_string(), on_retry: move |_| page.refetch() } },
        ),
        Some(Ok(list)) if list.items.is_empty() && list.page > 1 => (
            None,
            rsx! {
                EmptyState {
                    title: "Nothing on page {list.page}",
                    message: "The list is shorter now than when you were last here.",
                    button {
                        class: "button",
                        onclick: move |_| {
                            let mut first = filters.peek().clone();
                            first.page = 1;
                            set_filters(first);
                        },
                        "Go to the first page"
                    }
                }
            },
        ),
        Some(Ok(list)) if list.items.is_empty() && filtering => (
            None,
            rsx! {
                EmptyState {
                    title: "No recordings match",
                    message: "No recording matches these filters.",
                    button {
                        class: "button",
                        "data-action": "clear-filters",
                        onclick: move |_| {
                            let mut cleared = filters.peek().clone();
                            cleared.status = None;
                            cleared.project = None;
                            cleared.text = None;
                            cleared.page = 1;
                            set_filters(cleared);
                        },
                        "Clear filters"
                    }
                }
            },
        ),
        Some(Ok(list)) if list.items.is_empty() && pending.is_empty() => (
            None,
            rsx! {
                EmptyState {
                    title: "Import your first recording",
                    message: "Choose audio files (WAV, MP3, FLAC or Ogg Vorbis) or drop them here, \
                              with a .txt transcript of the same name if you have one. \
                              They are processed in the background; progress shows here.",
                    ImportButton { on_files: import.clone(), label: "Import your first recording" }
                }
            },
        ),
        Some(Ok(list)) => {
            let subtitle = if filtering {
                let verb = if list.total == 1 { "matches" } else { "match" };
                format!(
                    "{} {verb}",
                    format::count(list.total, "recording", "recordings")
                )
            } else {
                format::count(list.total, "recording", "recordings")
            };
            let page_count = list.page_count();
            let page_number = list.page;
            (
                Some(subtitle),
                rsx! {
                    if !list.items.is_empty() {
                        RecordingTable {
                            recordings: list.items,
                            show_project: true,
                            projects: project_list.clone(),
                            actions,
                        }
                    }
                    Pagination {
                        page: page_number,
                        page_count,
                        on_page: move |number: u32| {
                            let mut next = filters.peek().clone();
                            next.page = number;
                            set_filters(next);
                        },
                    }
                },
            )
        }
    };

    rsx! {
        DropZone { on_files: import.clone(),
            div { class: "page-stack",
                PageHeader { title: "Recordings", subtitle,
                    RefreshButton { busy, onclick: move |_| page.refetch() }
                    ImportButton { on_files: import.clone() }
                }
                for generation in [bar_generation()] {
                    RecordingFilterBar {
                        key: "{generation}",
                        filters: current.clone(),
                        projects: project_list.clone(),
                        on_change: set_filters,
                    }
                }
                PendingUploads { uploads: pending.clone() }
                {body}
            }
        }
    }
}

/// Whether `filters` select a project that is not in `projects`.
fn stale_project_filter(filters: &RecordingFilters, projects: &[Project]) -> bool {
    filters.project.as_deref().is_some_and(|project| {
        project != RecordingFilters::UNASSIGNED && !projects.iter().any(|p| p.id == project)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mutations::changes::pending_project;

    #[test]
    fn only_a_filter_on_an_unknown_project_is_stale() {
        let projects = vec![pending_project("p1".into(), "Interviews", "")];
        let on = |project: Option<&str>| RecordingFilters {
            project: project.map(str::to_string),
            ..Default::default()
        };
        assert!(stale_project_filter(&on(Some("gone")), &projects));
        assert!(!stale_project_filter(&on(Some("p1")), &projects));
        assert!(!stale_project_filter(
            &on(Some(RecordingFilters::UNASSIGNED)),
            &projects
        ));
        assert!(!stale_project_filter(&on(None), &[]));
    }
}
