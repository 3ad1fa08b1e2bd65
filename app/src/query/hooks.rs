//! Dioxus hooks over the cache core: [`QueryClientProvider`],
//! [`use_query_client`], [`use_query`] and [`use_mutation`].
//!
//! A hook instance observes one key and remembers which of its fields (data,
//! error, status, fetching) the component read while rendering; when the
//! cache changes, the component re-renders only if one of those fields
//! changed (TanStack's "tracked properties"). A background refetch that
//! brings equal data re-renders nothing that reads only the data. No signal
//! is written from the cache's tasks, which run outside the component.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::time::Duration;

use dioxus::core::{Runtime as DioxusCore, ScopeId, schedule_update};
use dioxus::prelude::*;
use earshot_shared::QueryKey;
use web_time::Instant;

use super::cache::{Fetcher, QueryClient, QueryError, QueryState, QueryStatus, Subscription};
use super::mutation::Mutation;
use super::options::QueryOptions;
use super::runtime::{LocalFuture, Runtime};
use crate::platform;

/// The cache's [`Runtime`] inside a Dioxus app: fetches run as root-scope
/// tasks (so they outlive the component that started them), timers come from
/// the platform.
struct DioxusRuntime {
    core: Rc<DioxusCore>,
}

impl Runtime for DioxusRuntime {
    fn spawn(&self, future: LocalFuture<()>) {
        self.core.spawn(ScopeId::ROOT, future);
    }

    fn sleep(&self, duration: Duration) -> LocalFuture<()> {
        platform::sleep(duration)
    }

    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// The cache's runtime in the current Dioxus app (root-scope tasks and the
/// platform's timers), for other parts of the app that run beside the cache.
pub fn dioxus_runtime() -> Rc<dyn Runtime> {
    Rc::new(DioxusRuntime {
        core: DioxusCore::current(),
    })
}

/// Creates the app's one [`QueryClient`] and provides it to every component
/// below. Stale subscribed queries refetch when the window regains focus.
#[component]
pub fn QueryClientProvider(
    /// Defaults for every query.
    #[props(default)]
    options: QueryOptions,
    children: Element,
) -> Element {
    let client = use_context_provider(|| {
        QueryClient::new(
            DioxusRuntime {
                core: DioxusCore::current(),
            },
            options,
        )
    });
    platform::use_window_focus(move || client.on_focus());
    children
}

/// The app's [`QueryClient`].
pub fn use_query_client() -> QueryClient {
    use_context::<QueryClient>()
}

/// The fields of a query a component can read, as bits.
struct Fields;

impl Fields {
    const DATA: u8 = 1;
    const ERROR: u8 = 2;
    const STATUS: u8 = 4;
    const FETCHING: u8 = 8;
}

struct Observer<T: 'static, E: 'static> {
    client: QueryClient,
    key: RefCell<Option<QueryKey>>,
    subscription: RefCell<Option<Subscription>>,
    seen: RefCell<QueryState<T, E>>,
    /// The fields read since the component last rendered.
    read: Cell<u8>,
    /// Marks the component for a new render.
    rerender: Arc<dyn Fn() + Send + Sync>,
}

impl<T, E> Observer<T, E>
where
    T: PartialEq + 'static,
    E: QueryError + PartialEq,
{
    /// Follows `key` from now on (`None`: disabled, nothing to fetch).
    fn observe(
        self: &Rc<Self>,
        key: Option<QueryKey>,
        options: QueryOptions,
        fetcher: Fetcher<T, E>,
    ) {
        if *self.key.borrow() == key {
            return;
        }
        // Unsubscribe before subscribing, so an entry moved away from is
        // released even when the new key is the same entry's prefix.
        self.subscription.borrow_mut().take();
        *self.key.borrow_mut() = key.clone();
        if let Some(key) = &key {
            let weak: Weak<Self> = Rc::downgrade(self);
            let listener = Rc::new(move || {
                if let Some(observer) = weak.upgrade() {
                    observer.sync();
                }
            });
            let subscription = self.client.subscribe(key, options, fetcher, listener);
            *self.subscription.borrow_mut() = Some(subscription);
        }
        // Called while the component renders: it reads the new state now,
        // so no signal is written here.
        *self.seen.borrow_mut() = self.current();
    }

    fn current(&self) -> QueryState<T, E> {
        match &*self.key.borrow() {
            Some(key) => self.client.state(key),
            None => QueryState {
                data: None,
                error: None,
                status: QueryStatus::Pending,
                is_fetching: false,
                is_stale: false,
            },
        }
    }

    /// Takes the cache's current state and re-renders the component if a
    /// field it read changed. Equal data (by value) is not a change.
    fn sync(&self) {
        let new = self.current();
        let mut seen = self.seen.borrow_mut();
        let data_changed = match (&seen.data, &new.data) {
            (Some(old), Some(new)) => !Rc::ptr_eq(old, new) && **old != **new,
            (None, None) => false,
            _ => true,
        };
        let mut changed = 0;
        if data_changed {
            changed |= Fields::DATA;
        }
        if seen.error != new.error {
            changed |= Fields::ERROR;
        }
        if seen.status != new.status || seen.is_stale != new.is_stale {
            changed |= Fields::STATUS;
        }
        if seen.is_fetching != new.is_fetching {
            changed |= Fields::FETCHING;
        }
        if data_changed {
            *seen = new;
        } else {
            // Keep the old Rc: it is equal, and readers keep their identity.
            let data = seen.data.clone();
            *seen = QueryState { data, ..new };
        }
        drop(seen);
        if changed & self.read.get() != 0 {
            (self.rerender)();
        }
    }

    fn reading(&self, field: u8) {
        self.read.set(self.read.get() | field);
    }
}

/// A query as a component sees it. Reading a field subscribes the
/// component to changes of that field only. `Copy`, like a signal, so event
/// handlers can hold it.
pub struct UseQuery<T: 'static, E: 'static> {
    observer: CopyValue<Rc<Observer<T, E>>>,
}

impl<T, E> Clone for UseQuery<T, E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T, E> Copy for UseQuery<T, E> {}

impl<T, E> fmt::Debug for UseQuery<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UseQuery")
            .field("key", &*self.observer.read().key.borrow())
            .finish_non_exhaustive()
    }
}

impl<T, E> UseQuery<T, E>
where
    T: PartialEq + 'static,
    E: QueryError + PartialEq,
{
    fn observer(&self) -> Rc<Observer<T, E>> {
        self.observer.read().clone()
    }

    /// The data (kept through background refetches and their errors).
    pub fn data(&self) -> Option<Rc<T>> {
        self.observer().reading(Fields::DATA);
        self.observer().seen.borrow().data.clone()
    }

    /// The latest fetch's error, if it failed.
    pub fn error(&self) -> Option<E> {
        self.observer().reading(Fields::ERROR);
        self.observer().seen.borrow().error.clone()
    }

    /// Pending, success or error.
    pub fn status(&self) -> QueryStatus {
        self.observer().reading(Fields::STATUS);
        self.observer().seen.borrow().status
    }

    /// Whether a fetch is in flight.
    pub fn is_fetching(&self) -> bool {
        self.observer().reading(Fields::FETCHING);
        self.observer().seen.borrow().is_fetching
    }

    /// Whether the first load is under way (no data, no error, fetching or
    /// about to).
    pub fn is_loading(&self) -> bool {
        self.status() == QueryStatus::Pending && self.observer().key.borrow().is_some()
    }

    /// What the query has come to, in the shape of `use_resource`'s value:
    /// `None` while the first load runs, then the data — or the error when
    /// there is no data to show (a failed background refetch keeps the data;
    /// see [`UseQuery::error`]).
    pub fn result(&self) -> Option<Result<Rc<T>, E>> {
        match (self.data(), self.error()) {
            (Some(data), _) => Some(Ok(data)),
            (None, Some(error)) => Some(Err(error)),
            (None, None) => None,
        }
    }

    /// Fetches again now (deduplicated with a fetch in flight).
    pub fn refetch(&self) {
        if let Some(key) = &*self.observer().key.borrow() {
            self.observer().client.refetch(key);
        }
    }
}

/// Reads `key` through the cache, fetching it with `fetcher` when needed.
///
/// ```ignore
/// let api = use_api();
/// let stats = use_query(keys::dashboard::stats(), move || {
///     let api = api.clone();
///     async move { api.dashboard_stats().await }
/// });
/// match stats.data() { Some(stats) => …, None if stats.is_loading() => …, … }
/// ```
pub fn use_query<T, E, F, Fut>(key: QueryKey, fetcher: F) -> UseQuery<T, E>
where
    T: PartialEq + 'static,
    E: QueryError + PartialEq,
    F: Fn() -> Fut + 'static,
    Fut: Future<Output = Result<T, E>> + 'static,
{
    use_query_with(Some(key), None, fetcher)
}

/// [`use_query`] with options, and with an optional key: `None` disables the
/// query (a dependent query whose input is not known yet).
pub fn use_query_with<T, E, F, Fut>(
    key: Option<QueryKey>,
    options: Option<QueryOptions>,
    fetcher: F,
) -> UseQuery<T, E>
where
    T: PartialEq + 'static,
    E: QueryError + PartialEq,
    F: Fn() -> Fut + 'static,
    Fut: Future<Output = Result<T, E>> + 'static,
{
    let client = use_query_client();
    let observer = use_hook(|| {
        Rc::new(Observer {
            client: client.clone(),
            key: RefCell::new(None),
            subscription: RefCell::new(None),
            seen: RefCell::new(QueryState {
                data: None,
                error: None,
                status: QueryStatus::Pending,
                is_fetching: false,
                is_stale: false,
            }),
            read: Cell::new(0),
            rerender: schedule_update(),
        })
    });
    // A new render: what it reads decides what re-renders it next.
    observer.read.set(0);
    let options = options.unwrap_or_else(|| client.defaults());
    let fetcher: Fetcher<T, E> = Rc::new(move || Box::pin(fetcher()));
    observer.observe(key, options, fetcher);
    let dropped = observer.clone();
    use_drop(move || {
        dropped.subscription.borrow_mut().take();
    });
    let observer = use_hook(|| CopyValue::new(observer));
    UseQuery { observer }
}

/// Where a mutation stands.
#[derive(Clone, Debug, PartialEq)]
pub enum MutationStatus<E> {
    /// Not run yet.
    Idle,
    /// Waiting for the server.
    Pending,
    /// The last run succeeded.
    Success,
    /// The last run failed.
    Error(E),
}

/// A mutation as a component holds it.
pub struct UseMutation<V: 'static, R: 'static, E: 'static, C: 'static> {
    mutation: Rc<RefCell<Mutation<V, R, E, C>>>,
    status: Signal<MutationStatus<E>>,
    pending: Signal<usize>,
    client: QueryClient,
}

impl<V, R, E, C> Clone for UseMutation<V, R, E, C> {
    fn clone(&self) -> Self {
        UseMutation {
            mutation: self.mutation.clone(),
            status: self.status,
            pending: self.pending,
            client: self.client.clone(),
        }
    }
}

impl<V, R, E, C> fmt::Debug for UseMutation<V, R, E, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UseMutation").finish_non_exhaustive()
    }
}

impl<V, R, E, C> UseMutation<V, R, E, C>
where
    V: Clone + 'static,
    R: 'static,
    E: Clone + 'static,
    C: Default + 'static,
{
    /// Runs the mutation with `vars` in the background. The run belongs to
    /// the cache: it completes (and rolls back or settles) even if the
    /// component unmounts.
    pub fn mutate(&self, vars: V) {
        let this = self.clone();
        let mut status = self.status;
        let mut pending = self.pending;
        *pending.write() += 1;
        status.set(MutationStatus::Pending);
        let (done, outcome) = futures_channel::oneshot::channel();
        dioxus::core::spawn_forever(async move {
            let mutation = this.mutation.borrow().clone();
            let result = this.client.mutate(&mutation, vars).await;
            let _ = done.send(result.err());
        });
        // Told in the component's own scope: if it is gone (a delete that
        // navigates away), so is this task, and there is no one to tell.
        spawn(async move {
            let outcome = outcome.await;
            // Counted down whatever the outcome, even none (the run was
            // dropped without a word): a count left up would show the
            // mutation pending for ever.
            let left = {
                let mut pending = pending.write();
                *pending = pending.saturating_sub(1);
                *pending
            };
            match outcome {
                Ok(Some(error)) => status.set(MutationStatus::Error(error)),
                Ok(None) if left == 0 => status.set(MutationStatus::Success),
                Err(_) if left == 0 && matches!(*status.peek(), MutationStatus::Pending) => {
                    status.set(MutationStatus::Idle);
                }
                Ok(None) | Err(_) => {}
            }
        });
    }

    /// Idle, pending, success or error (of the latest run).
    pub fn status(&self) -> MutationStatus<E> {
        self.status.read().clone()
    }

    /// Whether any run is waiting for the server.
    pub fn is_pending(&self) -> bool {
        *self.pending.read() > 0
    }
}

/// Holds a [`Mutation`] for a component; `make` runs on every render so the
/// callbacks see the component's current values.
pub fn use_mutation<V, R, E, C>(
    make: impl FnOnce() -> Mutation<V, R, E, C>,
) -> UseMutation<V, R, E, C>
where
    V: Clone + 'static,
    R: 'static,
    E: Clone + 'static,
    C: Default + 'static,
{
    let client = use_query_client();
    let status = use_signal(|| MutationStatus::Idle);
    let pending = use_signal(|| 0usize);
    let mutation = make();
    let cell = use_hook(|| Rc::new(RefCell::new(mutation.clone())));
    *cell.borrow_mut() = mutation;
    UseMutation {
        mutation: cell,
        status,
        pending,
        client,
    }
}
