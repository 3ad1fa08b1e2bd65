//! What a page shows instead of its content: while loading, after an error,
//! and when there is nothing yet.

use dioxus::prelude::*;

/// A quiet spinner with a line saying what is loading.
#[component]
pub fn Loading(label: String) -> Element {
    rsx! {
        div { class: "state state-loading", role: "status",
            span { class: "spinner", aria_hidden: "true" }
            span { "{label}" }
        }
    }
}

/// What went wrong, and a button to try again.
#[component]
pub fn LoadError(message: String, on_retry: EventHandler<()>) -> Element {
    rsx! {
        div { class: "state state-error", role: "alert",
            p { class: "state-title", "Couldn’t load this" }
            p { class: "state-message", "{message}" }
            button { class: "button", onclick: move |_| on_retry.call(()), "Retry" }
        }
    }
}

/// Nothing here yet: a title, a sentence, and an optional way forward (children).
#[component]
pub fn EmptyState(title: String, message: String, children: Element) -> Element {
    rsx! {
        div { class: "state state-empty",
            p { class: "state-title", "{title}" }
            p { class: "state-message", "{message}" }
            {children}
        }
    }
}
