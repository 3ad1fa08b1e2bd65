//! The search field and its button.

use dioxus::prelude::*;

/// A search field with its button.
///
/// The field is uncontrolled: keystrokes are reported through `on_input` but
/// never written back. A controlled field (`value` bound to a signal) loses
/// characters in the desktop webview when someone types fast, because an
/// older value arrives from the app after a newer keystroke. To put other
/// text in the field, give the component a new `key`: it is created afresh
/// with `initial`.
#[component]
pub fn SearchBox(
    initial: String,
    on_input: EventHandler<String>,
    on_submit: EventHandler<()>,
) -> Element {
    rsx! {
        form {
            class: "search-form",
            role: "search",
            onsubmit: move |event: FormEvent| {
                event.prevent_default();
                on_submit.call(());
            },
            input {
                class: "search-input",
                r#type: "search",
                name: "query",
                placeholder: "Search titles, notes and transcripts",
                "aria-label": "Search",
                initial_value: "{initial}",
                oninput: move |event: FormEvent| on_input.call(event.value()),
            }
            button { class: "button primary", r#type: "submit", "Search" }
        }
    }
}
