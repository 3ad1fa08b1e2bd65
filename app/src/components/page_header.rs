//! The top of a page: its title, an optional line under it, and its actions.

use dioxus::prelude::*;

/// A page's title with its actions (buttons) on the right.
#[component]
pub fn PageHeader(title: String, subtitle: Option<String>, children: Element) -> Element {
    rsx! {
        header { class: "page-header",
            div { class: "page-titles",
                h1 { "{title}" }
                if let Some(subtitle) = subtitle {
                    p { class: "page-subtitle", "{subtitle}" }
                }
            }
            div { class: "page-actions", {children} }
        }
    }
}
