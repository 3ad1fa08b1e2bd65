//! A card of a list of named things (projects, conversations): the name as
//! a link, a line under it, Rename in place and Delete that asks first.
//! A card that exists only optimistically shows what is happening instead
//! and offers nothing to do yet.

use dioxus::prelude::*;

use crate::components::inline_edit::{ConfirmButton, RenameButton, RenameForm};
use crate::mutations::changes::is_pending;
use crate::route::Route;

/// See the [module docs](self).
#[component]
pub fn ListCard(
    /// The thing's id (`data-id` of the card).
    id: String,
    /// Its name.
    name: String,
    /// Where the name leads.
    to: Route,
    /// The line under the name, if any.
    sub: Option<String>,
    /// What the rename field is called, e.g. "Project name".
    name_label: String,
    /// What a card that is being created says, e.g. "Creating…".
    pending_note: String,
    /// What Delete asks.
    delete_question: String,
    /// Called with the id and the new name.
    on_rename: EventHandler<(String, String)>,
    /// Called with the id, once the user confirmed.
    on_delete: EventHandler<String>,
    /// Shown before the buttons (a count).
    children: Element,
) -> Element {
    let mut renaming = use_signal(|| false);
    let pending = is_pending(&id);
    let rename_id = id.clone();
    let delete_id = id.clone();
    rsx! {
        li {
            class: if pending { "card list-card pending" } else { "card list-card" },
            "data-id": "{id}",
            div { class: "list-card-text",
                if renaming() {
                    RenameForm {
                        initial: name.clone(),
                        label: name_label,
                        on_save: move |new: String| {
                            renaming.set(false);
                            on_rename.call((rename_id.clone(), new));
                        },
                        on_cancel: move |_| renaming.set(false),
                    }
                } else if pending {
                    span { class: "row-title", "{name}" }
                    span { class: "row-sub", "{pending_note}" }
                } else {
                    Link { class: "row-title", to, "{name}" }
                    if let Some(sub) = sub {
                        span { class: "row-sub", "{sub}" }
                    }
                }
            }
            div { class: "row-actions",
                {children}
                if !pending && !renaming() {
                    RenameButton { small: true, onclick: move |_| renaming.set(true) }
                    ConfirmButton {
                        label: "Delete",
                        question: delete_question,
                        on_confirm: move |_| on_delete.call(delete_id.clone()),
                    }
                }
            }
        }
    }
}
