//! `/recordings/:id`: one recording, its measurements, notes and transcript.

use std::rc::Rc;

use dioxus::prelude::*;
use earshot_shared::dto::{Recording, RecordingDetail, RecordingStatus};
use earshot_shared::keys;

use crate::app::use_api;
use crate::components::load_state::{LoadError, Loading};
use crate::components::page_header::PageHeader;
use crate::components::progress_bar::ProgressBar;
use crate::components::refresh_button::RefreshButton;
use crate::components::status_badge::StatusBadge;
use crate::components::waveform::WaveformOverview;
use crate::format;
use crate::query::use_query;
use crate::route::Route;

/// One recording, from `GET /api/recordings/{id}`.
#[component]
pub fn RecordingPage(id: String) -> Element {
    let api = use_api();
    // `use_reactive` re-runs the fetch when the route gives another id.
    let fetched_id = id.clone();
    let detail = use_query(keys::recordings::detail(&id), move || {
        let id = fetched_id.clone();
        let api = api.clone();
        async move { api.recording(&id).await }
    });
    let busy = detail.is_fetching();

    match detail.result().map(|r| r.map(Rc::unwrap_or_clone)) {
        None => rsx! { Loading { label: "Loading the recording…" } },
        Some(Err(error)) => rsx! {
            PageHeader { title: "Recording" }
            LoadError { message: error.to_string(), on_retry: move |_| detail.refetch() }
        },
        Some(Ok(recording)) => rsx! {
            PageHeader {
                title: recording.recording.title.clone(),
                subtitle: recording.recording.file_name.clone(),
                RefreshButton { busy, onclick: move |_| detail.refetch() }
            }
            RecordingOverview { detail: recording }
        },
    }
}

/// Status, waveform, measurements, notes and transcript of a recording.
#[component]
fn RecordingOverview(detail: RecordingDetail) -> Element {
    let RecordingDetail {
        recording,
        notes,
        transcript,
        waveform,
    } = detail;
    rsx! {
        section { class: "card panel",
            div { class: "detail-status",
                StatusBadge { status: recording.status }
                if recording.status == RecordingStatus::Processing {
                    ProgressBar { percent: recording.progress }
                    span { class: "row-sub", "{recording.progress}%" }
                }
            }
            if let (RecordingStatus::Failed, Some(error)) = (recording.status, &recording.error) {
                p { class: "detail-error", "{error}" }
            }
            if !waveform.is_empty() {
                WaveformOverview { peaks: waveform }
            }
            RecordingFacts { recording }
        }
        section { class: "card panel",
            h2 { class: "panel-title", "Notes" }
            if notes.trim().is_empty() {
                p { class: "muted", "No notes." }
            } else {
                p { class: "prose", "{notes}" }
            }
        }
        section { class: "card panel",
            h2 { class: "panel-title", "Transcript" }
            if transcript.trim().is_empty() {
                p { class: "muted", "No transcript." }
            } else {
                p { class: "prose", "{transcript}" }
            }
        }
    }
}

/// The measured and stored facts of a recording, as a definition list.
#[component]
fn RecordingFacts(recording: Recording) -> Element {
    let unknown = || "–".to_string();
    let facts = [
        ("Duration", format::maybe_clock(recording.duration_ms)),
        (
            "Format",
            recording
                .format
                .clone()
                .map(|f| f.to_uppercase())
                .unwrap_or_else(unknown),
        ),
        (
            "Sample rate",
            recording
                .sample_rate
                .map(format::sample_rate)
                .unwrap_or_else(unknown),
        ),
        (
            "Channels",
            recording
                .channels
                .map(|n| n.to_string())
                .unwrap_or_else(unknown),
        ),
        (
            "Peak",
            recording
                .peak_dbfs
                .map(format::dbfs)
                .unwrap_or_else(unknown),
        ),
        (
            "RMS",
            recording.rms_dbfs.map(format::dbfs).unwrap_or_else(unknown),
        ),
        ("Size", format::bytes(recording.size_bytes)),
        ("Imported", format::full_date_time(&recording.created_at)),
    ];
    rsx! {
        dl { class: "facts",
            for (label, value) in facts {
                div { key: "{label}", class: "fact",
                    dt { "{label}" }
                    dd { "{value}" }
                }
            }
            div { class: "fact",
                dt { "Project" }
                dd {
                    match (recording.project_id, recording.project_name) {
                        (Some(id), Some(name)) => rsx! {
                            Link { to: Route::Project { id }, "{name}" }
                        },
                        _ => rsx! { "None" },
                    }
                }
            }
        }
    }
}
