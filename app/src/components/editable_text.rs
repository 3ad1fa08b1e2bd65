//! A panel of long text (notes, a transcript) that can be edited in place.

use dioxus::prelude::*;

/// Where the latest save stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaveState {
    /// Nothing saved since the page opened.
    Idle,
    /// Waiting for the server.
    Saving,
    /// The server took it.
    Saved,
    /// The server refused it (a toast says why; the text is back as it was,
    /// and the editor opens again with the edit in it).
    Failed,
}

impl SaveState {
    /// What the panel says about it, if anything.
    pub fn label(self) -> Option<&'static str> {
        match self {
            SaveState::Idle => None,
            SaveState::Saving => Some("Saving…"),
            SaveState::Saved => Some("Saved"),
            SaveState::Failed => Some("Not saved"),
        }
    }
}

/// Whether the editor opens again, with the unsaved edit, now that the save
/// stands at `state`; `saving_here` says a save from this panel is awaited.
fn reopens(state: SaveState, saving_here: bool) -> bool {
    saving_here && state == SaveState::Failed
}

/// A titled panel showing `view` (the text as read), with an Edit button
/// that swaps it for a text area holding `text`, and Save / Cancel. When a
/// save fails, the editor opens again holding the edit, so nothing typed is
/// lost.
#[component]
pub fn EditableText(
    /// The panel's title, e.g. "Notes".
    title: String,
    /// The text to edit.
    text: String,
    /// The latest save's state.
    state: SaveState,
    /// Called with the new text on Save (only when it changed).
    on_save: EventHandler<String>,
    /// The text as read.
    view: Element,
) -> Element {
    let mut editing = use_signal(|| false);
    let mut draft = use_signal(String::new);
    let mut saving_here = use_signal(|| false);
    use_effect(use_reactive!(|state| {
        if reopens(state, *saving_here.peek()) && !*editing.peek() {
            editing.set(true);
        }
        if state != SaveState::Saving {
            saving_here.set(false);
        }
    }));
    let slug = title.to_lowercase();
    rsx! {
        section { class: "card panel editable", "data-field": "{slug}",
            div { class: "panel-heading",
                h2 { class: "panel-title", "{title}" }
                div { class: "panel-tools",
                    if let Some(label) = state.label() {
                        span { class: "save-state save-{label_class(state)}", role: "status", "{label}" }
                    }
                    if !editing() {
                        button {
                            class: "button small subtle",
                            r#type: "button",
                            "data-action": "edit",
                            onclick: {
                                let text = text.clone();
                                move |_| {
                                    draft.set(text.clone());
                                    editing.set(true);
                                }
                            },
                            "Edit"
                        }
                    }
                }
            }
            if editing() {
                form {
                    class: "editor",
                    onsubmit: {
                        let text = text.clone();
                        move |event: FormEvent| {
                            event.prevent_default();
                            editing.set(false);
                            let new = draft.peek().clone();
                            if new != text {
                                saving_here.set(true);
                                on_save.call(new);
                            }
                        }
                    },
                    textarea {
                        class: "text-area",
                        "aria-label": "{title}",
                        rows: "10",
                        // Uncontrolled (see `SearchBox`): filled once, with
                        // the text, or an edit whose save failed.
                        initial_value: "{draft.peek()}",
                        onmounted: move |event: MountedEvent| async move {
                            let _ = event.data().set_focus(true).await;
                        },
                        oninput: move |event: FormEvent| draft.set(event.value()),
                    }
                    div { class: "editor-actions",
                        button { class: "button small primary", r#type: "submit", "data-action": "save", "Save" }
                        button {
                            class: "button small",
                            r#type: "button",
                            onclick: move |_| editing.set(false),
                            "Cancel"
                        }
                    }
                }
            } else {
                {view}
            }
        }
    }
}

fn label_class(state: SaveState) -> &'static str {
    match state {
        SaveState::Idle => "idle",
        SaveState::Saving => "saving",
        SaveState::Saved => "saved",
        SaveState::Failed => "failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_failed_save_from_the_panel_reopens_its_editor() {
        assert!(reopens(SaveState::Failed, true));
        assert!(!reopens(SaveState::Failed, false));
        assert!(!reopens(SaveState::Saved, true));
        assert!(!reopens(SaveState::Saving, true));
    }
}
