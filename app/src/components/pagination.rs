//! Moving between the pages of a long list.

use dioxus::prelude::*;

/// "Previous", "Page n of m", "Next"; nothing when everything fits on one page.
#[component]
pub fn Pagination(page: u32, page_count: u32, on_page: EventHandler<u32>) -> Element {
    if page_count <= 1 && page <= 1 {
        return rsx! {};
    }
    rsx! {
        nav { class: "pagination", aria_label: "Pages",
            button {
                class: "button small",
                r#type: "button",
                disabled: page <= 1,
                "data-action": "previous-page",
                onclick: move |_| on_page.call(page.saturating_sub(1).max(1)),
                "← Previous"
            }
            span { class: "pagination-label", "Page {page} of {page_count.max(page)}" }
            button {
                class: "button small",
                r#type: "button",
                disabled: page >= page_count,
                "data-action": "next-page",
                onclick: move |_| on_page.call(page + 1),
                "Next →"
            }
        }
    }
}
