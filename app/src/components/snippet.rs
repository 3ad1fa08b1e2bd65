//! A search result's passage with the matched words marked.

use dioxus::prelude::*;
use earshot_shared::dto::SnippetPart;

/// The snippet's parts in order; `hit` parts are wrapped in `<mark>`.
#[component]
pub fn HighlightedSnippet(parts: Vec<SnippetPart>) -> Element {
    rsx! {
        p { class: "snippet",
            for part in parts {
                if part.hit {
                    mark { "{part.text}" }
                } else {
                    "{part.text}"
                }
            }
        }
    }
}
