//! `/chats/:id`: one conversation's messages, oldest first.

use dioxus::prelude::*;
use earshot_shared::dto::{Message, Role};

use crate::app::use_api;
use crate::components::load_state::{EmptyState, LoadError, Loading};
use crate::components::page_header::PageHeader;
use crate::components::refresh_button::RefreshButton;
use crate::format;

/// One conversation, from `GET /api/conversations/{id}`.
#[component]
pub fn ConversationPage(id: String) -> Element {
    let api = use_api();
    let mut conversation = use_resource(use_reactive!(|id| {
        let api = api.clone();
        async move { api.conversation(&id).await }
    }));
    let busy = *conversation.state().read() == UseResourceState::Pending;

    match conversation() {
        None => rsx! { Loading { label: "Loading the conversation…" } },
        Some(Err(error)) => rsx! {
            PageHeader { title: "Conversation" }
            LoadError { message: error.to_string(), on_retry: move |_| conversation.restart() }
        },
        Some(Ok(detail)) => rsx! {
            PageHeader {
                title: detail.conversation.title.clone(),
                subtitle: format::count(detail.conversation.message_count, "message", "messages"),
                RefreshButton { busy, onclick: move |_| conversation.restart() }
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
