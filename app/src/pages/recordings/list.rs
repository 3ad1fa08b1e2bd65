//! `/recordings`: the first page of recordings, newest first.

use std::rc::Rc;

use dioxus::prelude::*;
use earshot_shared::dto::RecordingFilters;
use earshot_shared::keys;

use crate::app::use_api;
use crate::components::load_state::{EmptyState, LoadError, Loading};
use crate::components::page_header::PageHeader;
use crate::components::recording_table::RecordingTable;
use crate::components::refresh_button::RefreshButton;
use crate::query::use_query;

/// Every recording (the first page), with status, progress and duration.
#[component]
pub fn RecordingsPage() -> Element {
    let api = use_api();
    let page = use_query(
        keys::recordings::list(&RecordingFilters::default()),
        move || {
            let api = api.clone();
            async move { api.recordings(&RecordingFilters::default()).await }
        },
    );
    let busy = page.is_fetching();

    let (subtitle, body) = match page.result().map(|r| r.map(Rc::unwrap_or_clone)) {
        None => (None, rsx! { Loading { label: "Loading recordings…" } }),
        Some(Err(error)) => (
            None,
            rsx! { LoadError { message: error.to_string(), on_retry: move |_| page.refetch() } },
        ),
        Some(Ok(page)) if page.items.is_empty() => (
            None,
            rsx! {
                EmptyState {
                    title: "No recordings yet",
                    message: "Recordings you import appear here, with their processing progress.",
                }
            },
        ),
        Some(Ok(page)) => {
            let shown = page.items.len();
            let subtitle = if page.total as usize > shown {
                format!("Showing the newest {shown} of {}", page.total)
            } else {
                crate::format::count(page.total, "recording", "recordings")
            };
            (
                Some(subtitle),
                rsx! { RecordingTable { recordings: page.items, show_project: true } },
            )
        }
    };

    rsx! {
        PageHeader { title: "Recordings", subtitle,
            RefreshButton { busy, onclick: move |_| page.refetch() }
        }
        {body}
    }
}
