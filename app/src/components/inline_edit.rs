//! Editing a name where it stands: the text, or a field with Save and
//! Cancel in its place.

use dioxus::prelude::*;

/// A one-line field that saves on Enter (or Save) and cancels on Escape (or
/// Cancel). Blank text or unchanged text is not saved, just closed.
///
/// Uncontrolled, like the search box: `initial` fills it once, keystrokes
/// are not written back (a controlled field drops characters in the
/// desktop webview when typing fast).
#[component]
pub fn RenameForm(
    /// What the field holds at first.
    initial: String,
    /// Its accessible name, e.g. "Project name".
    label: String,
    /// Called with the new text when it is non-blank and changed.
    on_save: EventHandler<String>,
    /// Called when the edit ends without a change.
    on_cancel: EventHandler<()>,
) -> Element {
    let mut text = use_signal(|| initial.clone());
    let original = initial.clone();
    let submit = move || {
        let new = text.peek().trim().to_string();
        if new.is_empty() || new == original.trim() {
            on_cancel.call(());
        } else {
            on_save.call(new);
        }
    };
    rsx! {
        form {
            class: "rename-form",
            onsubmit: move |event: FormEvent| {
                event.prevent_default();
                submit();
            },
            input {
                class: "text-input",
                r#type: "text",
                "aria-label": "{label}",
                initial_value: "{initial}",
                autofocus: true,
                onmounted: move |event: MountedEvent| async move {
                    let _ = event.data().set_focus(true).await;
                },
                oninput: move |event: FormEvent| text.set(event.value()),
                onkeydown: move |event: KeyboardEvent| {
                    if event.key() == Key::Escape {
                        on_cancel.call(());
                    }
                },
            }
            button { class: "button small primary", r#type: "submit", "Save" }
            button {
                class: "button small",
                r#type: "button",
                onclick: move |_| on_cancel.call(()),
                "Cancel"
            }
        }
    }
}

/// The button that puts a [`RenameForm`] in place of a name; `small` in
/// rows and cards, full size in a page's header.
#[component]
pub fn RenameButton(small: bool, onclick: EventHandler<()>) -> Element {
    rsx! {
        button {
            class: if small { "button small subtle" } else { "button subtle" },
            r#type: "button",
            "data-action": "rename",
            onclick: move |_| onclick.call(()),
            "Rename"
        }
    }
}

/// A button that asks again before acting: "Delete" turns into "Delete?"
/// with Yes and No, so one stray click destroys nothing.
#[component]
pub fn ConfirmButton(
    /// The button's text, e.g. "Delete".
    label: String,
    /// The question, e.g. "Delete this recording?".
    question: String,
    /// Called once the user confirmed.
    on_confirm: EventHandler<()>,
) -> Element {
    let mut asking = use_signal(|| false);
    if asking() {
        rsx! {
            span { class: "confirm", role: "group", aria_label: "{question}",
                span { class: "confirm-question", "{question}" }
                button {
                    class: "button small danger",
                    r#type: "button",
                    "data-action": "confirm",
                    onclick: move |_| {
                        asking.set(false);
                        on_confirm.call(());
                    },
                    "Yes, {label.to_lowercase()}"
                }
                button {
                    class: "button small",
                    r#type: "button",
                    onclick: move |_| asking.set(false),
                    "No"
                }
            }
        }
    } else {
        rsx! {
            button {
                class: "button small subtle danger-text",
                r#type: "button",
                "data-action": "delete",
                onclick: move |_| asking.set(true),
                "{label}"
            }
        }
    }
}
