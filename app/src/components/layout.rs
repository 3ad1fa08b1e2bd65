//! The shell around every page: a sidebar on wide windows, a top bar and a
//! bottom tab bar on narrow ones. It is one markup; `style.css` rearranges it
//! below 640 px.

use dioxus::prelude::*;

use crate::components::connection_indicator::ConnectionIndicator;
use crate::components::icons::{BrandMark, SectionIcon};
use crate::components::toasts::ToastStack;
use crate::route::{Route, Section};

/// The navigation, the app's name, the current page in its [`Outlet`], and
/// the toasts.
#[component]
pub fn AppShell() -> Element {
    let current = use_route::<Route>().section();
    rsx! {
        div { class: "shell",
            header { class: "shell-header",
                Link { class: "brand", to: Route::Dashboard {},
                    BrandMark {}
                    span { class: "brand-name", "Earshot" }
                }
                div { class: "connection-slot", ConnectionIndicator {} }
            }
            nav { class: "shell-nav", aria_label: "Sections",
                for section in Section::ALL {
                    SectionLink {
                        key: "{section.label()}",
                        section,
                        active: current == Some(section),
                    }
                }
            }
            main { class: "shell-main",
                div { class: "page", Outlet::<Route> {} }
            }
            ToastStack {}
        }
    }
}

/// One navigation entry: icon and label, highlighted when its section is open.
#[component]
fn SectionLink(section: Section, active: bool) -> Element {
    let class = if active {
        "nav-link active"
    } else {
        "nav-link"
    };
    rsx! {
        Link { class: class.to_string(), to: section.route(),
            SectionIcon { section }
            span { class: "nav-label", "{section.label()}" }
        }
    }
}
