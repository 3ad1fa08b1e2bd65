//! One figure of the dashboard.

use dioxus::prelude::*;

/// A label, a large value and an optional line of detail.
#[component]
pub fn StatCard(label: String, value: String, detail: Option<String>) -> Element {
    rsx! {
        div { class: "card stat-card",
            p { class: "stat-label", "{label}" }
            p { class: "stat-value", "{value}" }
            if let Some(detail) = detail {
                p { class: "stat-detail", "{detail}" }
            }
        }
    }
}
