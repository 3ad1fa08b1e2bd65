//! The cache inspector: a panel listing every cache entry with its status,
//! age, subscribers and fetch count. `Ctrl+`` (backquote) shows and hides it.

use std::rc::Rc;

use dioxus::prelude::*;
use earshot_shared::QueryKey;

use super::cache::{EntryInfo, QueryStatus};
use super::hooks::use_query_client;

/// The keyboard shortcut, as shown to users.
pub const SHORTCUT: &str = "Ctrl+`";

/// Listens for the shortcut and shows the panel when it is on.
#[component]
pub fn CacheInspector() -> Element {
    let mut open = use_signal(|| false);
    use_future(move || async move {
        let mut keys = document::eval(
            "document.addEventListener('keydown', (event) => {
                if (event.ctrlKey && event.key === '`') {
                    event.preventDefault();
                    dioxus.send(true);
                }
            });",
        );
        while keys.recv::<bool>().await.is_ok() {
            open.toggle();
        }
    });
    if !open() {
        return rsx! {};
    }
    rsx! {
        InspectorPanel { on_close: move |_| open.set(false) }
    }
}

/// The panel itself: re-reads the cache whenever it changes.
#[component]
pub(crate) fn InspectorPanel(on_close: EventHandler<()>) -> Element {
    let client = use_query_client();
    let version = use_signal(|| 0u64);
    let listener_client = client.clone();
    let _subscription = use_hook(move || {
        Rc::new(listener_client.inspect(Rc::new(move || {
            let mut version = version;
            *version.write() += 1;
        })))
    });
    version.read();
    let entries = client.entries();
    let fetching = entries.iter().filter(|e| e.is_fetching).count();
    let count = match entries.len() {
        1 => "1 entry".to_string(),
        n => format!("{n} entries"),
    };
    let invalidate_client = client.clone();
    rsx! {
        aside { class: "inspector", role: "dialog", aria_label: "Query cache inspector",
            header { class: "inspector-header",
                strong { "Query cache" }
                span { class: "muted", " {count} · {fetching} fetching · {SHORTCUT} to close" }
                div { class: "inspector-actions",
                    button {
                        class: "button",
                        onclick: move |_| invalidate_client.invalidate(&QueryKey::root()),
                        "Invalidate all"
                    }
                    button { class: "button", onclick: move |_| on_close.call(()), "Close" }
                }
            }
            table { class: "inspector-table",
                thead {
                    tr {
                        th { "Key" }
                        th { "Status" }
                        th { "Age" }
                        th { "Subscribers" }
                        th { "Fetches" }
                        th { "Optimistic" }
                    }
                }
                tbody {
                    for entry in entries {
                        InspectorRow { key: "{entry.key}", entry: entry.clone() }
                    }
                }
            }
        }
    }
}

#[component]
fn InspectorRow(entry: EntryInfo) -> Element {
    let status = describe(&entry);
    let age = entry
        .age
        .map(|age| format!("{:.1} s", age.as_secs_f64()))
        .unwrap_or_else(|| "–".to_string());
    rsx! {
        tr {
            td { code { "{entry.key}" } }
            td { "{status}" }
            td { "{age}" }
            td { "{entry.subscribers}" }
            td { "{entry.fetch_count}" }
            td { "{entry.optimistic_layers}" }
        }
    }
}

/// "success · stale · fetching" and the like.
fn describe(entry: &EntryInfo) -> String {
    let mut parts = vec![match entry.status {
        QueryStatus::Pending => "pending",
        QueryStatus::Success => "success",
        QueryStatus::Error => "error",
    }];
    if entry.is_stale {
        parts.push("stale");
    }
    if entry.is_fetching {
        parts.push("fetching");
    }
    parts.join(" · ")
}
