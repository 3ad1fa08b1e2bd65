//! Choosing audio files to import: a button that opens the file picker (a
//! native dialog in the desktop app), and a drop zone for files dragged in.

use dioxus::html::{FileData, HasFileData};
use dioxus::prelude::*;

use crate::format;
use crate::mutations::uploads::{ACCEPTED, Upload, UploadState};

/// "Import recordings": picks one or more audio files.
#[component]
pub fn ImportButton(
    /// Called with the chosen files.
    on_files: EventHandler<Vec<FileData>>,
    /// The text on the button.
    #[props(default = "Import recordings".to_string())]
    label: String,
) -> Element {
    // A label around a hidden input: the label is what people see and
    // click; the input opens the picker (the desktop shell answers that
    // click with its native dialog).
    rsx! {
        label { class: "button primary import-button", "data-action": "import",
            input {
                class: "visually-hidden",
                r#type: "file",
                multiple: true,
                accept: ACCEPTED,
                onchange: move |event: FormEvent| {
                    let files = event.files();
                    if !files.is_empty() {
                        on_files.call(files);
                    }
                },
            }
            "{label}"
        }
    }
}

/// Wraps its children in an area that takes dropped files, outlined while
/// files are dragged over it.
#[component]
pub fn DropZone(on_files: EventHandler<Vec<FileData>>, children: Element) -> Element {
    let mut over = use_signal(|| false);
    rsx! {
        div {
            class: if over() { "drop-zone over" } else { "drop-zone" },
            ondragover: move |event: DragEvent| {
                // Without this the window opens the file instead.
                event.prevent_default();
                if !over() {
                    over.set(true);
                }
            },
            ondragleave: move |_| over.set(false),
            ondrop: move |event: DragEvent| {
                event.prevent_default();
                over.set(false);
                let files = event.files();
                if !files.is_empty() {
                    on_files.call(files);
                }
            },
            {children}
            if over() {
                div { class: "drop-hint", aria_hidden: "true", "Drop audio files to import them" }
            }
        }
    }
}

/// The files being imported, one row each, until they show up as recordings.
#[component]
pub fn PendingUploads(uploads: Vec<Upload>) -> Element {
    if uploads.is_empty() {
        return rsx! {};
    }
    rsx! {
        ul { class: "card upload-list", aria_label: "Imports under way",
            for upload in uploads {
                li { key: "{upload.id}", class: "upload-row", "data-state": "uploading",
                    span { class: "spinner", aria_hidden: "true" }
                    span { class: "row-title", "{upload.file_name}" }
                    span { class: "row-sub", "{format::bytes(upload.size)}" }
                    span { class: "row-sub upload-state",
                        match upload.state {
                            UploadState::Waiting => "Waiting…",
                            UploadState::Reading => "Reading…",
                            UploadState::Sending => "Uploading…",
                        }
                    }
                    div { class: "progress indeterminate", role: "progressbar", aria_label: "Uploading",
                        div { class: "progress-fill" }
                    }
                }
            }
        }
    }
}
