//! Mounting the app only once the server accepts the page: a server that
//! wants a token the page does not have (or refuses the one it has) gets a
//! small screen that asks for it, instead of an app whose every request and
//! socket fails with 401.

use dioxus::prelude::*;
use reqwest::StatusCode;

use super::token;
use crate::api::{ApiClient, ApiError, ServerAddress};
use crate::app::{App, STYLE};

/// What the server said to the page's credentials.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Access {
    /// Asking.
    Checking,
    /// 401: a token is needed; `rejected` when the page had one and it was refused.
    Refused { rejected: bool },
    /// Anything else: the app takes over (and shows errors of its own, such
    /// as an unreachable server).
    Granted,
}

/// The root of the web build: checks the [`ServerAddress`] in context with
/// one authenticated request, then mounts [`App`] with it, or with the token
/// the user enters.
#[component]
pub fn TokenGate() -> Element {
    let launched = use_context::<ServerAddress>();
    let mut address = use_signal(|| launched);
    let mut access = use_signal(|| Access::Checking);
    use_effect(move || {
        let address = address();
        access.set(Access::Checking);
        spawn(async move {
            let has_token = address.token().is_some();
            // The cheapest request that needs the token.
            let outcome = ApiClient::new(address).projects().await;
            access.set(match outcome {
                Err(ApiError::Http { status, .. }) if status == StatusCode::UNAUTHORIZED => {
                    if has_token {
                        token::forget();
                    }
                    Access::Refused {
                        rejected: has_token,
                    }
                }
                _ => Access::Granted,
            });
        });
    });

    match access() {
        Access::Checking => rsx! {
            document::Title { "Earshot" }
        },
        Access::Granted => rsx! {
            Authorised { address: address() }
        },
        Access::Refused { rejected } => rsx! {
            TokenPrompt {
                rejected,
                on_token: move |entered: String| {
                    token::store(&entered);
                    let base = address.peek().base_url().to_string();
                    if let Ok(with_token) = ServerAddress::new(&base, Some(entered)) {
                        address.set(with_token);
                    }
                },
            }
        },
    }
}

/// The app, with `address` in context in place of the one it was launched with.
#[component]
fn Authorised(address: ServerAddress) -> Element {
    use_context_provider(|| address);
    rsx! {
        App {}
    }
}

/// "This server needs its access token": a password field and a button.
#[component]
fn TokenPrompt(rejected: bool, on_token: EventHandler<String>) -> Element {
    let mut draft = use_signal(String::new);
    rsx! {
        document::Title { "Earshot — access token" }
        document::Style { "{STYLE}" }
        main { class: "token-prompt", style: "max-width: 440px; margin: 12vh auto; padding: 0 16px;",
            div { class: "state",
                h1 { class: "state-title", "Access token" }
                p { class: "state-message",
                    "This Earshot server needs its access token. It is part of the link the desktop app or the server printed: the text after "
                    code { "#token=" }
                    "."
                }
                if rejected {
                    p { class: "state-message", role: "alert", "That token was not accepted." }
                }
                form {
                    class: "search-form",
                    style: "width: 100%;",
                    onsubmit: move |event: FormEvent| {
                        event.prevent_default();
                        let entered = draft.peek().trim().to_string();
                        if !entered.is_empty() {
                            on_token.call(entered);
                        }
                    },
                    input {
                        class: "search-input",
                        r#type: "password",
                        name: "token",
                        aria_label: "Access token",
                        autocomplete: "off",
                        autofocus: true,
                        value: "{draft}",
                        oninput: move |event: FormEvent| draft.set(event.value()),
                    }
                    button { class: "button primary", r#type: "submit", "Open" }
                }
            }
        }
    }
}
