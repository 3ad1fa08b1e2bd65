//! The recordings list's filters: text, status, project, and the order.

use dioxus::prelude::*;
use earshot_shared::dto::{Project, RecordingFilters, RecordingSort, RecordingStatus};

use crate::components::status_badge::status_label;

/// The label people read for a sort order.
pub fn sort_label(sort: RecordingSort) -> &'static str {
    match sort {
        RecordingSort::Newest => "Newest first",
        RecordingSort::Oldest => "Oldest first",
        RecordingSort::Title => "Title A–Z",
        RecordingSort::Duration => "Longest first",
    }
}

/// Text, status, project and sort controls. Every change calls `on_change`
/// with the new filters, back on page 1 (the old page may not exist in the
/// new list).
#[component]
pub fn RecordingFilterBar(
    filters: RecordingFilters,
    projects: Vec<Project>,
    on_change: EventHandler<RecordingFilters>,
) -> Element {
    let base = filters.clone();
    let change = move |edit: Box<dyn FnOnce(&mut RecordingFilters)>| {
        let mut next = base.clone();
        edit(&mut next);
        next.page = 1;
        on_change.call(next);
    };
    let status = filters.status.map(RecordingStatus::as_str).unwrap_or("");
    let project = filters.project.clone().unwrap_or_default();
    let active = filters.status.is_some() || filters.project.is_some() || filters.text.is_some();
    let change_text = change.clone();
    let change_status = change.clone();
    let change_project = change.clone();
    let change_sort = change.clone();
    let clear = change;
    rsx! {
        form {
            class: "filter-bar",
            role: "search",
            aria_label: "Filter recordings",
            onsubmit: move |event: FormEvent| event.prevent_default(),
            input {
                class: "text-input filter-text",
                r#type: "search",
                name: "text",
                placeholder: "Filter by title, file or notes",
                "aria-label": "Filter by text",
                // Uncontrolled (see `SearchBox`); the key of the bar resets it.
                initial_value: "{filters.text.clone().unwrap_or_default()}",
                onchange: move |event: FormEvent| {
                    let text = Some(event.value()).filter(|t| !t.trim().is_empty());
                    change_text(Box::new(move |f| f.text = text));
                },
            }
            select {
                class: "select",
                "aria-label": "Status",
                onchange: move |event: FormEvent| {
                    let status = event.value().parse::<RecordingStatus>().ok();
                    change_status(Box::new(move |f| f.status = status));
                },
                option { value: "", selected: status.is_empty(), "Any status" }
                for s in RecordingStatus::ALL {
                    option { key: "{s}", value: s.as_str(), selected: s.as_str() == status, {status_label(s)} }
                }
            }
            select {
                class: "select",
                "aria-label": "Project",
                onchange: move |event: FormEvent| {
                    let project = Some(event.value()).filter(|p| !p.is_empty());
                    change_project(Box::new(move |f| f.project = project));
                },
                option { value: "", selected: project.is_empty(), "Any project" }
                option {
                    value: RecordingFilters::UNASSIGNED,
                    selected: project == RecordingFilters::UNASSIGNED,
                    "No project"
                }
                for p in projects.iter() {
                    option { key: "{p.id}", value: "{p.id}", selected: p.id == project, "{p.name}" }
                }
            }
            select {
                class: "select",
                "aria-label": "Order",
                onchange: move |event: FormEvent| {
                    let sort = event.value().parse::<RecordingSort>().unwrap_or_default();
                    change_sort(Box::new(move |f| f.sort = sort));
                },
                for s in RecordingSort::ALL {
                    option { key: "{s.as_str()}", value: s.as_str(), selected: s == filters.sort, {sort_label(s)} }
                }
            }
            if active {
                button {
                    class: "button small subtle",
                    r#type: "button",
                    "data-action": "clear-filters",
                    onclick: move |_| {
                        clear(Box::new(|f| {
                            f.status = None;
                            f.project = None;
                            f.text = None;
                        }))
                    },
                    "Clear filters"
                }
            }
        }
    }
}
