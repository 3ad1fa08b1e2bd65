//! `/chats/:id`: one conversation's messages, oldest first.

use std::rc::Rc;

use dioxus::prelude::*;
use earshot_shared::dto::{Message, Role};
use earshot_shared::keys;

use crate::app::use_api;
use crate::components::load_state::{EmptyState, LoadError, Loading};
use crate::components::page_header::PageHeader;
use crate::components::refresh_button::RefreshButton;
use crate::format;
use crate::query::use_query;

/// One conversation, from `GET /api/conversations/{id}`.
#[component]
pub fn ConversationPage(id: String) -> Element {
    let api = use_api();
    let fetched_id = id.clone();
    let conversation = use_query(keys::conversations::detail(&id), move || {
        let id = fetched_id.clone();
        let api = api.clone();
        async move { api.conversation(&id).await }
    });
    let busy = conversation.is_fetching();

    match conversation.result().map(|r| r.map(Rc::unwrap_or_clone)) {
        None => rsx! { Loading { label: "Loading the conversation…" } },
        Some(Err(error)) => rsx! {
            PageHeader { title: "Conversation" }
            LoadError { message: error.to_string(), on_retry: move |_| conversation.refetch() }
        },
        Some(Ok(detail)) => rsx! {
            PageHeader {
                title: detail.conversation.title.clone(),
                subtitle: format::count(detail.conversation.message_count, "message", "messages"),
                RefreshButton { busy, onclick: move |_| conversation.refetch() }
            }
            if detail.messages.is_empty() {
                EmptyState {
                    title: "No messages yet",
                    message: "Messages of this conversation appear here.",
                }
            } else {
                ol { class: "messages",
                    for message in detail.messages {
                        MessageBubble { key: "{message.id}", message }
                    }
                }
            }
        },
    }
}

/// One message: the user's on the right, Earshot's on the left.
#[component]
fn MessageBubble(message: Message) -> Element {
    let (class, author) = match message.role {
        Role::User => ("message from-user", "You"),
        Role::Assistant => ("message from-assistant", "Earshot"),
    };
    rsx! {
        li { class,
            div { class: "message-meta",
                span { class: "message-author", "{author}" }
                span { title: "{format::full_date_time(&message.created_at)}",
                    "{format::when(&message.created_at)}"
                }
            }
            p { class: "message-text", "{message.content}" }
        }
    }
}
