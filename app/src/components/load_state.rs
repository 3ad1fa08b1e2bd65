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

/// Grey placeholder rows in the shape of a table, while it loads.
#[component]
pub fn TableSkeleton(rows: u8) -> Element {
    rsx! {
        div { class: "table-wrap skeleton", role: "status", aria_label: "Loading",
            for i in 0..rows {
                div { key: "{i}", class: "skeleton-row",
                    span { class: "skeleton-block wide" }
                    span { class: "skeleton-block" }
                    span { class: "skeleton-block narrow" }
                }
            }
        }
    }
}

/// Grey placeholder cards, while a list of cards loads.
#[component]
pub fn ListSkeleton(rows: u8) -> Element {
    rsx! {
        ul { class: "card-list skeleton", role: "status", aria_label: "Loading",
            for i in 0..rows {
                li { key: "{i}", class: "card list-card skeleton-row",
                    span { class: "skeleton-block wide" }
                    span { class: "skeleton-block narrow" }
                }
            }
        }
    }
}
