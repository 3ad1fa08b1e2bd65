//! `/chats/:id`: one conversation's messages, oldest first, and the box to
//! write the next one. A sent message shows at once; the reply arrives live.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use dioxus::core::Task;
use dioxus::html::{ScrollBehavior, ScrollLogicalPosition, ScrollToOptions};
use dioxus::prelude::*;
use earshot_shared::dto::{Message, REPLY_WINDOW_SECS, Role};
use earshot_shared::keys;

use crate::app::use_api;
use crate::components::inline_edit::{ConfirmButton, RenameButton, RenameForm};
use crate::components::load_state::{EmptyState, LoadError, Loading};
use crate::components::message_text::MessageText;
use crate::components::page_header::PageHeader;
use crate::components::refresh_button::RefreshButton;
use crate::format;
use crate::mutations::changes::{is_pending, pending_id};
use crate::mutations::{use_delete_conversation, use_rename_conversation, use_send_message};
use crate::pages::gone::use_leave_when_gone;
use crate::platform;
use crate::query::use_query;
use crate::route::Route;
use web_time::Instant;

/// How long after the user's message a reply is still expected.
const REPLY_WINDOW: Duration = Duration::from_secs(REPLY_WINDOW_SECS);

/// One conversation, from `GET /api/conversations/{id}`.
#[component]
pub fn ConversationPage(id: String) -> Element {
    rsx! { ConversationView { key: "{id}", id } }
}

/// For how much longer the hint "Earshot is replying…" belongs under
/// `messages`, if at all: while the last one is the user's and recent enough
/// for a reply to be on its way.
///
/// `now` is this device's clock and the message's time the server's; they
/// may disagree, so the wait is also bounded by `shown_for`, how long this
/// page has shown that message: a clock behind the server's cannot keep the
/// hint up for longer than the window (one ahead of it can only shorten it).
pub fn reply_expected_for(
    messages: &[Message],
    now: DateTime<Utc>,
    shown_for: Duration,
) -> Option<Duration> {
    let last = messages.last().filter(|last| last.role == Role::User)?;
    if is_pending(&last.id) {
        // The reply cannot have started; the page updates when it is sent.
        return Some(REPLY_WINDOW);
    }
    let age = (now - last.created_at).to_std().unwrap_or(Duration::ZERO);
    let left = REPLY_WINDOW
        .checked_sub(age.max(shown_for))
        .filter(|left| !left.is_zero())?;
    Some(left)
}

/// The message box after sending `failed` failed while it held `draft`: the
/// failed text comes back without losing what was written since, which
/// follows it.
pub fn restored_draft(failed: &str, draft: &str) -> String {
    if draft.trim().is_empty() {
        failed.to_string()
    } else if draft.contains(failed) {
        draft.to_string()
    } else {
        format!("{failed}\n\n{draft}")
    }
}

/// When this page started showing its latest message, and the re-render
/// scheduled for when the reply stops being expected.
#[derive(Default)]
struct ReplyWatch {
    /// The latest message's id and when it was first shown.
    shown: Option<(String, Instant)>,
    /// The scheduled re-render and when it fires.
    timer: Option<(Task, Instant)>,
}

impl ReplyWatch {
    /// How long the latest message of `messages` has been shown.
    fn shown_for(&mut self, messages: &[Message]) -> Duration {
        let now = Instant::now();
        let Some(last) = messages.last() else {
            self.shown = None;
            return Duration::ZERO;
        };
        match &self.shown {
            Some((id, since)) if *id == last.id => now.saturating_duration_since(*since),
            _ => {
                self.shown = Some((last.id.clone(), now));
                Duration::ZERO
            }
        }
    }

    /// Makes sure the page renders again once `left` has passed: the hint's
    /// end is a moment nothing else would re-render at. It only re-renders;
    /// nothing is fetched.
    fn rerender_after(&mut self, left: Option<Duration>, mut tick: Signal<u64>) {
        let now = Instant::now();
        let Some(left) = left else {
            if let Some((task, _)) = self.timer.take() {
                task.cancel();
            }
            return;
        };
        // A little late rather than early, so that the hint is gone then.
        let at = now + left + Duration::from_millis(50);
        let scheduled = self
            .timer
            .as_ref()
            .is_some_and(|(_, fires)| *fires > now && *fires <= at);
        if !scheduled {
            if let Some((task, _)) = self.timer.take() {
                task.cancel();
            }
            let task = spawn(async move {
                platform::sleep(at - now).await;
                tick += 1;
            });
            self.timer = Some((task, at));
        }
    }
}

#[component]
fn ConversationView(id: String) -> Element {
    let api = use_api();
    let fetched_id = id.clone();
    let conversation = use_query(keys::conversations::detail(&id), move || {
        let id = fetched_id.clone();
        let api = api.clone();
        async move { api.conversation(&id).await }
    });
    // What the message box holds, read in handlers only; a new generation
    // re-creates the box with `draft` in it (emptied after sending, the
    // text put back if sending failed).
    let mut draft = use_signal(String::new);
    let mut box_generation = use_signal(|| 0u32);
    let send = use_send_message(move |text| {
        let (mut draft, mut box_generation) = (draft, box_generation);
        // The page may have been left meanwhile.
        if let Ok(mut current) = draft.try_write() {
            *current = restored_draft(&text, &current);
        }
        if let Ok(mut generation) = box_generation.try_write() {
            *generation += 1;
        }
    });
    let rename = use_rename_conversation();
    let delete = use_delete_conversation();
    let reply_watch = use_hook(|| Rc::new(RefCell::new(ReplyWatch::default())));
    let tick = use_signal(|| 0u64);
    let mut renaming = use_signal(|| false);
    let busy = conversation.is_fetching();

    let gone =
        conversation.data().is_some() && conversation.error().is_some_and(|e| e.is_not_found());
    use_leave_when_gone(gone, Route::Chats {}, "This conversation was deleted");

    let conversation_id = id.clone();
    let submit = move || {
        let text = draft.peek().trim().to_string();
        if text.is_empty() {
            return;
        }
        draft.set(String::new());
        box_generation += 1;
        send.mutate((conversation_id.clone(), pending_id(), text));
    };

    let detail = match conversation.result().map(|r| r.map(Rc::unwrap_or_clone)) {
        None => return rsx! { Loading { label: "Loading the conversation…" } },
        Some(Err(error)) => {
            return rsx! {
                PageHeader { title: "Conversation" }
                LoadError { message: error.to_string(), on_retry: move |_| conversation.refetch() }
            };
        }
        Some(Ok(detail)) => detail,
    };
    let _ = tick();
    let waiting = {
        let mut watch = reply_watch.borrow_mut();
        let shown_for = watch.shown_for(&detail.messages);
        let left = reply_expected_for(&detail.messages, Utc::now(), shown_for);
        watch.rerender_after(left, tick);
        left.is_some()
    };
    let last = detail.messages.len().saturating_sub(1);
    let title = detail.conversation.title.clone();

    rsx! {
        if renaming() {
            div { class: "page-header",
                RenameForm {
                    initial: title.clone(),
                    label: "Title",
                    on_save: {
                        let id = id.clone();
                        move |new: String| {
                            renaming.set(false);
                            rename.mutate((id.clone(), new));
                        }
                    },
                    on_cancel: move |_| renaming.set(false),
                }
            }
        } else {
            PageHeader {
                title: title.clone(),
                subtitle: format::count(detail.conversation.message_count, "message", "messages"),
                RefreshButton { busy, onclick: move |_| conversation.refetch() }
                RenameButton { small: false, onclick: move |_| renaming.set(true) }
                ConfirmButton {
                    label: "Delete",
                    question: "Delete this conversation?",
                    on_confirm: {
                        let id = id.clone();
                        move |_| {
                            delete.mutate(id.clone());
                            navigator().push(Route::Chats {});
                        }
                    },
                }
            }
        }
        if detail.messages.is_empty() {
            EmptyState {
                title: "No messages yet",
                message: "Ask about your recordings below; answers cite the passages they come from.",
            }
        } else {
            ol { class: "messages", aria_live: "polite",
                for (i, message) in detail.messages.into_iter().enumerate() {
                    MessageBubble { key: "{message.id}", message, latest: i == last }
                }
            }
        }
        if waiting {
            p { class: "typing-hint", role: "status",
                span { class: "typing-dots", aria_hidden: "true", span {} span {} span {} }
                "Earshot is replying…"
            }
        }
        for generation in [box_generation()] {
            form {
                key: "{generation}",
                class: "composer",
                onsubmit: {
                    let mut submit = submit.clone();
                    move |event: FormEvent| {
                        event.prevent_default();
                        submit();
                    }
                },
                textarea {
                    class: "text-area composer-input",
                    name: "message",
                    rows: "2",
                    placeholder: "Ask about your recordings…",
                    "aria-label": "Message",
                    // Uncontrolled (see `SearchBox`).
                    initial_value: "{draft.peek()}",
                    onmounted: move |event: MountedEvent| async move {
                        if generation > 0 {
                            let _ = event.data().set_focus(true).await;
                        }
                    },
                    oninput: move |event: FormEvent| draft.set(event.value()),
                    onkeydown: {
                        let mut submit = submit.clone();
                        move |event: KeyboardEvent| {
                            // Enter sends; Shift+Enter starts a new line. An
                            // Enter that ends an input method's composition
                            // (Japanese, Chinese…) only confirms the text.
                            if event.key() == Key::Enter
                                && !event.modifiers().shift()
                                && !event.is_composing()
                            {
                                event.prevent_default();
                                submit();
                            }
                        }
                    },
                }
                button { class: "button primary", r#type: "submit", "data-action": "send", "Send" }
            }
        }
    }
}

/// One message: the user's on the right, Earshot's on the left, with the
/// recordings it cites as links. The latest scrolls into view.
#[component]
fn MessageBubble(message: Message, latest: bool) -> Element {
    let pending = is_pending(&message.id);
    let (class, author) = match (message.role, pending) {
        (Role::User, true) => ("message from-user pending", "You"),
        (Role::User, false) => ("message from-user", "You"),
        (Role::Assistant, _) => ("message from-assistant", "Earshot"),
    };
    rsx! {
        li {
            class,
            "data-role": message.role.as_str(),
            onmounted: move |event: MountedEvent| async move {
                if latest {
                    let options = ScrollToOptions {
                        behavior: ScrollBehavior::Smooth,
                        vertical: ScrollLogicalPosition::Nearest,
                        horizontal: ScrollLogicalPosition::Nearest,
                    };
                    let _ = event.data().scroll_to_with_options(options).await;
                }
            },
            div { class: "message-meta",
                span { class: "message-author", "{author}" }
                if pending {
                    span { "Sending…" }
                } else {
                    span { title: "{format::full_date_time(&message.created_at)}",
                        "{format::when(&message.created_at)}"
                    }
                }
            }
            MessageText { content: message.content }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mutations::changes::pending_message;
    use chrono::Duration as ChronoDuration;

    fn message(id: &str, role: Role, minutes_ago: i64) -> Message {
        Message {
            id: id.into(),
            conversation_id: "c1".into(),
            role,
            content: "x".into(),
            created_at: Utc::now() - ChronoDuration::minutes(minutes_ago),
        }
    }

    #[test]
    fn a_reply_is_awaited_only_after_a_recent_user_message() {
        let now = Utc::now();
        let fresh = Duration::ZERO;
        assert_eq!(reply_expected_for(&[], now, fresh), None);
        let left = reply_expected_for(&[message("1", Role::User, 0)], now, fresh);
        assert!(
            left.is_some_and(|left| left > Duration::from_secs(100)),
            "{left:?}"
        );
        let answered = [
            message("1", Role::User, 0),
            message("2", Role::Assistant, 0),
        ];
        assert_eq!(reply_expected_for(&answered, now, fresh), None);
        assert_eq!(
            reply_expected_for(&[message("1", Role::User, 10)], now, fresh),
            None
        );
        let sending = pending_message(pending_id(), "c1", "hi");
        assert_eq!(
            reply_expected_for(&[sending], now + ChronoDuration::minutes(10), fresh),
            Some(REPLY_WINDOW)
        );
    }

    #[test]
    fn a_failed_message_comes_back_without_replacing_a_newer_draft() {
        assert_eq!(restored_draft("first", ""), "first");
        assert_eq!(restored_draft("first", "  \n"), "first");
        assert_eq!(restored_draft("first", "second"), "first\n\nsecond");
        assert_eq!(
            restored_draft("first", "first, then more"),
            "first, then more"
        );
    }

    #[test]
    fn the_wait_ends_when_the_window_does_even_with_a_clock_behind_the_servers() {
        let now = Utc::now();
        let one_minute = Duration::from_secs(60);
        let at = |minutes_ago: i64| Message {
            created_at: now - ChronoDuration::minutes(minutes_ago),
            ..message("1", Role::User, 0)
        };
        assert_eq!(
            reply_expected_for(&[at(1)], now, Duration::ZERO),
            Some(REPLY_WINDOW - one_minute)
        );
        // Sent "in ten minutes" by this device's clock.
        let ahead = [at(-10)];
        assert_eq!(
            reply_expected_for(&ahead, now, one_minute),
            Some(REPLY_WINDOW - one_minute)
        );
        assert_eq!(reply_expected_for(&ahead, now, REPLY_WINDOW), None);
    }
}
