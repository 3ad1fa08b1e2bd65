//! The Dioxus side of live sync: [`SyncProvider`] owns the app's one
//! connection and shares its state; [`use_connection`] reads it.

use std::cell::RefCell;
use std::rc::Rc;

use dioxus::prelude::*;
use futures_channel::mpsc;

use super::connection::{self, ConnectionState, SyncOptions};
use crate::api::ServerAddress;
use crate::app::use_api;
use crate::platform;
use crate::query::hooks::{dioxus_runtime, use_query_client};

/// The connection as components see it.
#[derive(Clone, Copy)]
pub struct Connection {
    state: Signal<ConnectionState>,
    retry: Signal<Option<Rc<mpsc::UnboundedSender<()>>>>,
}

impl Connection {
    /// The current state (subscribes the component).
    pub fn state(&self) -> ConnectionState {
        self.state.read().clone()
    }

    /// Whether it waits to reconnect (without subscribing the caller).
    pub fn is_waiting(&self) -> bool {
        matches!(
            *self.state.peek(),
            ConnectionState::Reconnecting { .. } | ConnectionState::Offline { .. }
        )
    }

    /// Skips the wait before the next attempt.
    pub fn retry_now(&self) {
        if let Some(retry) = &*self.retry.peek() {
            let _ = retry.unbounded_send(());
        }
    }
}

/// The app's connection.
pub fn use_connection() -> Connection {
    use_context::<Connection>()
}

/// Connects the app to the server's sync socket for as long as it runs
/// (the seed's `DataSyncProvider`), feeding what arrives to the query cache.
/// On the web, the browser's `online` event retries at once.
#[component]
pub fn SyncProvider(children: Element) -> Element {
    let address = use_context::<ServerAddress>();
    let api = use_api();
    let client = use_query_client();
    // Owned by the root: the connection task, which outlives any one
    // component, writes it.
    let state = use_hook(|| Signal::new_in_scope(ConnectionState::Connecting, ScopeId::ROOT));
    let (sender, receiver) = use_hook(|| {
        let (sender, receiver) = mpsc::unbounded();
        (Rc::new(sender), Rc::new(RefCell::new(Some(receiver))))
    });
    let retry = use_signal(|| Some(sender));
    let connection = use_context_provider(|| Connection { state, retry });
    use_hook(move || {
        let receiver = receiver
            .borrow_mut()
            .take()
            .expect("the connection starts once");
        let mut options = SyncOptions::new(address.sync_url(), address.token().map(str::to_string));
        options.reads = Some(api.reads());
        let on_state = move |new: ConnectionState| {
            let mut state = state;
            if *state.peek() != new {
                state.set(new);
            }
        };
        // The connection belongs to the app, not to this component's scope.
        dioxus::core::spawn_forever(connection::run(
            options,
            client,
            dioxus_runtime(),
            on_state,
            receiver,
        ));
    });
    platform::use_online(move || connection.retry_now());
    children
}
