//! `/recordings/:id`: one recording — its measurements, notes and
//! transcript — and its edits: title, project, notes, transcript, delete.
//! `/recordings/:id/at?t=…&q=…` is the same page with a passage of the
//! transcript marked (a cited time, or a search's words).

use std::rc::Rc;

use dioxus::prelude::*;
use earshot_shared::dto::{Project, Recording, RecordingDetail, RecordingStatus, UpdateRecording};
use earshot_shared::keys;

use crate::app::use_api;
use crate::components::editable_text::{EditableText, SaveState};
use crate::components::inline_edit::{ConfirmButton, RenameButton, RenameForm};
use crate::components::load_state::{LoadError, Loading};
use crate::components::page_header::PageHeader;
use crate::components::progress_bar::ProgressBar;
use crate::components::project_select::ProjectSelect;
use crate::components::refresh_button::RefreshButton;
use crate::components::status_badge::StatusBadge;
use crate::components::transcript::{
    TranscriptView, passage_at_time, passage_matching, query_words,
};
use crate::components::waveform::WaveformOverview;
use crate::format;
use crate::mutations::{ApiMutation, use_delete_recording, use_update_recording};
use crate::pages::gone::use_leave_when_gone;
use crate::query::hooks::MutationStatus;
use crate::query::use_query;
use crate::route::Route;

/// One recording, from `GET /api/recordings/{id}`.
#[component]
pub fn RecordingPage(id: String) -> Element {
    rsx! { RecordingView { key: "{id}", id, at: None, find: None } }
}

/// One recording with the passage said at `t` seconds, or holding the
/// words of `q`, marked and scrolled to.
#[component]
pub fn RecordingAtPage(id: String, t: Option<u32>, q: Option<String>) -> Element {
    rsx! { RecordingView { key: "{id}", id, at: t, find: q } }
}

/// What a save looks like on the page.
fn save_state<R>(mutation: &ApiMutation<(String, UpdateRecording), R>) -> SaveState {
    match mutation.status() {
        _ if mutation.is_pending() => SaveState::Saving,
        MutationStatus::Idle => SaveState::Idle,
        MutationStatus::Pending => SaveState::Saving,
        MutationStatus::Success => SaveState::Saved,
        MutationStatus::Error(_) => SaveState::Failed,
    }
}

#[component]
fn RecordingView(id: String, at: Option<u32>, find: Option<String>) -> Element {
    let api = use_api();
    let projects_api = api.clone();
    let fetched_id = id.clone();
    let detail = use_query(keys::recordings::detail(&id), move || {
        let (id, api) = (fetched_id.clone(), api.clone());
        async move { api.recording(&id).await }
    });
    let projects = use_query(keys::projects::list(), move || {
        let api = projects_api.clone();
        async move { api.projects().await }
    });
    // One mutation per field, so each shows its own saving state.
    let rename = use_update_recording();
    let move_to = use_update_recording();
    let notes = use_update_recording();
    let transcript = use_update_recording();
    let delete = use_delete_recording();
    let mut renaming = use_signal(|| false);
    let busy = detail.is_fetching();

    let gone = detail.data().is_some() && detail.error().is_some_and(|e| e.is_not_found());
    use_leave_when_gone(gone, Route::Recordings {}, "This recording was deleted");

    let data = match detail.result().map(|r| r.map(Rc::unwrap_or_clone)) {
        None => return rsx! { Loading { label: "Loading the recording…" } },
        Some(Err(error)) if error.is_not_found() => {
            return rsx! {
                PageHeader { title: "Recording" }
                LoadError {
                    message: "There is no such recording; it may have been deleted.",
                    on_retry: move |_| detail.refetch(),
                }
                Link { class: "button", to: Route::Recordings {}, "Back to recordings" }
            };
        }
        Some(Err(error)) => {
            return rsx! {
                PageHeader { title: "Recording" }
                LoadError { message: error.to_string(), on_retry: move |_| detail.refetch() }
            };
        }
        Some(Ok(data)) => data,
    };
    let project_list: Vec<Project> = projects.data().map(|p| (*p).clone()).unwrap_or_default();
    let RecordingDetail {
        recording,
        notes: notes_text,
        transcript: transcript_text,
        waveform,
    } = data;

    let words = find.as_deref().map(query_words).unwrap_or_default();
    let marked = match at {
        Some(t) => passage_at_time(&transcript_text, t, recording.duration_ms),
        None => passage_matching(&transcript_text, &words),
    };

    let title = recording.title.clone();
    let edit = move |mutation: ApiMutation<(String, UpdateRecording), RecordingDetail>,
                     changes: UpdateRecording| {
        mutation.mutate((id.clone(), changes));
    };
    let (edit_title, edit_project, edit_notes, edit_transcript) =
        (edit.clone(), edit.clone(), edit.clone(), edit);
    let (rename_m, move_m, notes_m, transcript_m) = (
        rename.clone(),
        move_to.clone(),
        notes.clone(),
        transcript.clone(),
    );
    let recording_id = recording.id.clone();

    rsx! {
        if renaming() {
            div { class: "page-header",
                RenameForm {
                    initial: title.clone(),
                    label: "Title",
                    on_save: move |new: String| {
                        renaming.set(false);
                        edit_title(rename_m.clone(), UpdateRecording { title: Some(new), ..Default::default() });
                    },
                    on_cancel: move |_| renaming.set(false),
                }
            }
        } else {
            PageHeader {
                title: title.clone(),
                subtitle: recording.file_name.clone(),
                if save_state(&rename) == SaveState::Saving {
                    span { class: "save-state save-saving", role: "status", "Saving…" }
                }
                RenameButton { small: false, onclick: move |_| renaming.set(true) }
                RefreshButton { busy, onclick: move |_| detail.refetch() }
                ConfirmButton {
                    label: "Delete",
                    question: "Delete this recording and its file?",
                    on_confirm: move |_| {
                        delete.mutate(recording_id.clone());
                        navigator().push(Route::Recordings {});
                    },
                }
            }
        }
        RecordingOverview {
            recording: recording.clone(),
            waveform,
            projects: project_list,
            project_state: save_state(&move_to),
            on_move: move |project: Option<String>| {
                edit_project(move_m.clone(), UpdateRecording { project_id: Some(project), ..Default::default() });
            },
        }
        EditableText {
            title: "Notes",
            text: notes_text.clone(),
            state: save_state(&notes),
            on_save: move |text: String| {
                edit_notes(notes_m.clone(), UpdateRecording { notes: Some(text), ..Default::default() });
            },
            view: rsx! {
                if notes_text.trim().is_empty() {
                    p { class: "muted", "No notes." }
                } else {
                    p { class: "prose", "{notes_text}" }
                }
            },
        }
        EditableText {
            title: "Transcript",
            text: transcript_text.clone(),
            state: save_state(&transcript),
            on_save: move |text: String| {
                edit_transcript(transcript_m.clone(), UpdateRecording { transcript: Some(text), ..Default::default() });
            },
            view: rsx! {
                if transcript_text.trim().is_empty() {
                    p { class: "muted", "No transcript." }
                } else {
                    TranscriptView { text: transcript_text.clone(), marked, words }
                }
            },
        }
    }
}

/// Status, waveform and measurements of a recording, with its project as a
/// select.
#[component]
fn RecordingOverview(
    recording: Recording,
    waveform: Vec<f32>,
    projects: Vec<Project>,
    project_state: SaveState,
    on_move: EventHandler<Option<String>>,
) -> Element {
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
            RecordingFacts { recording, projects, project_state, on_move }
        }
    }
}

/// The measured and stored facts of a recording, as a definition list.
#[component]
fn RecordingFacts(
    recording: Recording,
    projects: Vec<Project>,
    project_state: SaveState,
    on_move: EventHandler<Option<String>>,
) -> Element {
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
            div { class: "fact fact-project",
                dt { "Project" }
                dd {
                    ProjectSelect {
                        current: recording.project_id.clone(),
                        current_name: recording.project_name.clone(),
                        projects,
                        label: "Project",
                        on_move,
                    }
                    if let Some(label) = project_state.label() {
                        span { class: "save-state", "{label}" }
                    }
                    if let (Some(id), Some(name)) = (recording.project_id.clone(), recording.project_name.clone()) {
                        Link { class: "fact-link", to: Route::Project { id }, "Open “{name}”" }
                    }
                }
            }
        }
    }
}
