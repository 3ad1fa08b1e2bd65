//! The manual refresh, until live updates make it unnecessary.

use dioxus::prelude::*;

use crate::components::icons::RefreshIcon;

/// "Refresh", spinning and disabled while a refresh runs.
#[component]
pub fn RefreshButton(busy: bool, onclick: EventHandler<()>) -> Element {
    rsx! {
        button {
            class: if busy { "button subtle busy" } else { "button subtle" },
            disabled: busy,
            aria_busy: busy,
            title: "Refresh",
            onclick: move |_| onclick.call(()),
            RefreshIcon {}
            // Hidden on phones, where the icon stands alone.
            span { class: "refresh-label", if busy { "Refreshing…" } else { "Refresh" } }
        }
    }
}
