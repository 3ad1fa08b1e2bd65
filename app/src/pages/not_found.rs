//! The page for paths the app does not know.

use dioxus::prelude::*;

use crate::components::load_state::EmptyState;
use crate::route::Route;

/// Any unknown path: says so and offers the way back.
#[component]
pub fn NotFoundPage(segments: Vec<String>) -> Element {
    let path = format!("/{}", segments.join("/"));
    rsx! {
        EmptyState {
            title: "Nothing here",
            message: "There is no page at {path}.",
            Link { class: "button", to: Route::Dashboard {}, "Back to the dashboard" }
        }
    }
}
