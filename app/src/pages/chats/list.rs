//! `/chats`: every conversation, most recently active first (the server's
//! order); start, rename and delete conversations.

use std::rc::Rc;

use dioxus::prelude::*;
use earshot_shared::dto::Conversation;
use earshot_shared::keys;

use crate::app::use_api;
use crate::components::inline_edit::RenameForm;
use crate::components::list_card::ListCard;
use crate::components::load_state::{EmptyState, ListSkeleton, LoadError};
use crate::components::page_header::PageHeader;
use crate::components::refresh_button::RefreshButton;
use crate::format;
use crate::mutations::changes::pending_id;
use crate::mutations::{use_create_conversation, use_delete_conversation, use_rename_conversation};
use crate::query::use_query;
use crate::route::Route;

/// Every conversation, from `GET /api/conversations`.
#[component]
pub fn ChatsPage() -> Element {
    let api = use_api();
    let conversations = use_query(keys::conversations::list(), move || {
        let api = api.clone();
        async move { api.conversations().await }
    });
    let create = use_create_conversation();
    let rename = use_rename_conversation();
    let delete = use_delete_conversation();
    let mut creating = use_signal(|| false);
    let busy = conversations.is_fetching();

    let on_rename = use_callback(move |(id, title): (String, String)| rename.mutate((id, title)));
    let on_delete = use_callback(move |id: String| delete.mutate(id));
    let on_create = move |title: String| {
        creating.set(false);
        create.mutate((pending_id(), title));
    };

    let body = match conversations.result().map(|r| r.map(Rc::unwrap_or_clone)) {
        None => rsx! { ListSkeleton { rows: 4 } },
        Some(Err(error)) => rsx! {
            LoadError { message: error.to_string(), on_retry: move |_| conversations.refetch() }
        },
        Some(Ok(list)) if list.is_empty() && !creating() => rsx! {
            EmptyState {
                title: "No conversations yet",
                message: "Ask about your recordings: what was decided, who said what, where a topic came up.",
                button {
                    class: "button primary",
                    "data-action": "new-conversation",
                    onclick: move |_| creating.set(true),
                    "Start a conversation"
                }
            }
        },
        Some(Ok(list)) => rsx! {
            ul { class: "card-list",
                for conversation in list {
                    ConversationItem { key: "{conversation.id}", conversation, on_rename, on_delete }
                }
            }
        },
    };

    rsx! {
        PageHeader { title: "Chats",
            RefreshButton { busy, onclick: move |_| conversations.refetch() }
            if !creating() {
                button {
                    class: "button primary",
                    "data-action": "new-conversation",
                    onclick: move |_| creating.set(true),
                    "New conversation"
                }
            }
        }
        if creating() {
            div { class: "card panel new-item",
                h2 { class: "panel-title", "New conversation" }
                RenameForm {
                    initial: "",
                    label: "Title",
                    on_save: on_create,
                    on_cancel: move |_| creating.set(false),
                }
            }
        }
        {body}
    }
}

/// A conversation's title (a link to it), message count and last activity,
/// with Rename and Delete.
#[component]
fn ConversationItem(
    conversation: Conversation,
    on_rename: EventHandler<(String, String)>,
    on_delete: EventHandler<String>,
) -> Element {
    let meta = format!(
        "{} · {}",
        format::count(conversation.message_count, "message", "messages"),
        format::when(&conversation.updated_at)
    );
    rsx! {
        ListCard {
            id: conversation.id.clone(),
            name: conversation.title.clone(),
            to: Route::Conversation { id: conversation.id.clone() },
            sub: meta,
            name_label: "Title",
            pending_note: "Starting…",
            delete_question: "Delete “{conversation.title}”?",
            on_rename,
            on_delete,
        }
    }
}
