//! Inline SVG icons, drawn on a 20×20 grid with `currentColor` strokes so
//! they follow the text colour in light and dark mode.

use dioxus::prelude::*;

use crate::route::Section;

/// The icon of a navigation section.
#[component]
pub fn SectionIcon(section: Section) -> Element {
    let shape = match section {
        Section::Dashboard => rsx! {
            rect { x: "3", y: "3", width: "6", height: "6", rx: "1.5" }
            rect { x: "11", y: "3", width: "6", height: "6", rx: "1.5" }
            rect { x: "3", y: "11", width: "6", height: "6", rx: "1.5" }
            rect { x: "11", y: "11", width: "6", height: "6", rx: "1.5" }
        },
        Section::Recordings => rsx! {
            path { d: "M2.5 8.5v3M5.5 5.5v9M8.5 2.5v15M11.5 6v8M14.5 4v12M17.5 8v4" }
        },
        Section::Projects => rsx! {
            path { d: "M2.5 5.5a1.5 1.5 0 0 1 1.5-1.5h3.2l1.8 2h7a1.5 1.5 0 0 1 1.5 1.5v7a1.5 1.5 0 0 1-1.5 1.5H4a1.5 1.5 0 0 1-1.5-1.5z" }
        },
        Section::Chats => rsx! {
            path { d: "M4 4h12a1.5 1.5 0 0 1 1.5 1.5v7.5a1.5 1.5 0 0 1-1.5 1.5H8.5L5 17.5v-3H4a1.5 1.5 0 0 1-1.5-1.5V5.5A1.5 1.5 0 0 1 4 4z" }
        },
        Section::Search => rsx! {
            circle { cx: "8.5", cy: "8.5", r: "5.5" }
            path { d: "M12.5 12.5l5 5" }
        },
    };
    rsx! {
        svg {
            class: "icon",
            view_box: "0 0 20 20",
            fill: "none",
            stroke: "currentColor",
            stroke_width: "1.6",
            stroke_linecap: "round",
            stroke_linejoin: "round",
            "aria-hidden": "true",
            {shape}
        }
    }
}

/// A circular arrow, for refresh buttons.
#[component]
pub fn RefreshIcon() -> Element {
    rsx! {
        svg {
            class: "icon",
            view_box: "0 0 20 20",
            fill: "none",
            stroke: "currentColor",
            stroke_width: "1.6",
            stroke_linecap: "round",
            stroke_linejoin: "round",
            "aria-hidden": "true",
            path { d: "M16 10a6 6 0 1 1-1.76-4.24" }
            path { d: "M14.5 2.75v3.25h-3.25" }
        }
    }
}

/// Earshot's mark: three bars of a level meter in a rounded square.
#[component]
pub fn BrandMark() -> Element {
    rsx! {
        svg {
            class: "brand-mark",
            view_box: "0 0 24 24",
            "aria-hidden": "true",
            rect { class: "brand-mark-tile", x: "0", y: "0", width: "24", height: "24", rx: "6" }
            path {
                class: "brand-mark-bars",
                d: "M7.5 10v4M12 6.5v11M16.5 9v6",
                fill: "none",
                stroke_width: "2.2",
                stroke_linecap: "round",
            }
        }
    }
}
