//! A thin horizontal progress bar.

use dioxus::prelude::*;

/// Progress from 0 to 100 percent, with the number for screen readers.
#[component]
pub fn ProgressBar(percent: u8) -> Element {
    let percent = percent.min(100);
    rsx! {
        div {
            class: "progress",
            role: "progressbar",
            aria_valuemin: "0",
            aria_valuemax: "100",
            aria_valuenow: "{percent}",
            div { class: "progress-fill", style: "width: {percent}%" }
        }
    }
}
