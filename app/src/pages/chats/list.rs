//! `/chats`: every conversation, most recently active first (the server's order).

use std::rc::Rc;

use dioxus::prelude::*;
use earshot_shared::dto::Conversation;
use earshot_shared::keys;

use crate::app::use_api;
use crate::components::load_state::{EmptyState, LoadError, Loading};
use crate::components::page_header::PageHeader;
use crate::components::refresh_button::RefreshButton;
use crate::format;
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
    let busy = conversations.is_fetching();

    let body = match conversations.result().map(|r| r.map(Rc::unwrap_or_clone)) {
        None => rsx! { Loading { label: "Loading conversations…" } },
        Some(Err(error)) => rsx! {
            LoadError { message: error.to_string(), on_retry: move |_| conversations.refetch() }
        },
        Some(Ok(list)) if list.is_empty() => rsx! {
            EmptyState {
                title: "No conversations yet",
                message: "Conversations about your recordings are listed here.",
            }
        },
        Some(Ok(list)) => rsx! {
            ul { class: "card-list",
                for conversation in list {
                    ConversationItem { key: "{conversation.id}", conversation }
                }
            }
        },
    };

    rsx! {
        PageHeader { title: "Chats",
            RefreshButton { busy, onclick: move |_| conversations.refetch() }
        }
        {body}
    }
}

/// A conversation's title (a link to it), message count and last activity.
#[component]
fn ConversationItem(conversation: Conversation) -> Element {
    let meta = format!(
        "{} · {}",
        format::count(conversation.message_count, "message", "messages"),
        format::when(&conversation.updated_at)
    );
    rsx! {
        li { class: "card list-card",
            div { class: "list-card-text",
                Link {
                    class: "row-title",
                    to: Route::Conversation { id: conversation.id.clone() },
                    "{conversation.title}"
                }
                span { class: "row-sub", "{meta}" }
            }
        }
    }
}
