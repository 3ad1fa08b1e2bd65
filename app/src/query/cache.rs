//! The cache core: entries, fetches, invalidation, optimistic layers.
//!
//! Plain Rust, no UI framework. One [`QueryClient`] holds one entry per
//! [`QueryKey`]; subscribers are callbacks that the client calls whenever
//! what they would see changed. All of it runs on one thread (the UI
//! thread), so the state is a `RefCell` that is never borrowed across an
//! `await` or any of the app's code: listeners, fetchers, optimistic changes
//! and `set_queries_data` updates all run with no borrow held, and may call
//! the client.
//!
//! How an entry's data is formed: the *base* is the last data the server
//! gave (or [`QueryClient::set_query_data`] wrote); on top of it lie the
//! *optimistic layers* of pending mutations, each a function from the data
//! to the data with that mutation's change. What subscribers see is the base
//! with every layer applied, so a failed mutation is rolled back by removing
//! its layer alone, and a refetch while mutations are pending shows the new
//! server data with their changes still on top.

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::rc::{Rc, Weak};
use std::time::Duration;

use earshot_shared::QueryKey;
use futures_util::future::{AbortHandle, Abortable};
use web_time::Instant;

use super::options::QueryOptions;
use super::runtime::{LocalFuture, Runtime};

/// An error a fetcher can fail with.
pub trait QueryError: Clone + fmt::Display + 'static {
    /// A 4xx answer: retrying cannot help.
    fn is_client_error(&self) -> bool;
}

/// Produces a query's data.
pub type Fetcher<T, E> = Rc<dyn Fn() -> LocalFuture<Result<T, E>>>;

/// Where a query's data stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryStatus {
    /// No data yet (loading, or not started).
    Pending,
    /// Data is there (possibly with the error of a later background refetch).
    Success,
    /// The first load failed; no data.
    Error,
}

/// What a subscriber sees of one query.
#[derive(Debug)]
pub struct QueryState<T, E> {
    /// The data: the server's, with pending optimistic changes applied.
    pub data: Option<Rc<T>>,
    /// The error of the latest fetch, if it failed.
    pub error: Option<E>,
    /// Pending, success or error.
    pub status: QueryStatus,
    /// Whether a fetch is in flight (first load or background refetch).
    pub is_fetching: bool,
    /// Whether the data is stale (invalidated, or older than the stale time).
    pub is_stale: bool,
}

impl<T, E: Clone> Clone for QueryState<T, E> {
    fn clone(&self) -> Self {
        QueryState {
            data: self.data.clone(),
            error: self.error.clone(),
            status: self.status,
            is_fetching: self.is_fetching,
            is_stale: self.is_stale,
        }
    }
}

/// One entry as the cache inspector shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct EntryInfo {
    /// The key.
    pub key: QueryKey,
    /// Pending, success or error.
    pub status: QueryStatus,
    /// Whether a fetch is in flight.
    pub is_fetching: bool,
    /// Whether the data is stale.
    pub is_stale: bool,
    /// Time since the data was last written.
    pub age: Option<Duration>,
    /// How many subscribers it has.
    pub subscribers: usize,
    /// How many fetches it has started.
    pub fetch_count: u64,
    /// How many optimistic layers lie on its data.
    pub optimistic_layers: usize,
}

type AnyData = Rc<dyn Any>;
type Listener = Rc<dyn Fn()>;
/// A mutation's change, on data of whatever type the entry holds (`None`
/// when the type is not the one the change is for).
type Change = Rc<dyn Fn(&dyn Any) -> Option<AnyData>>;
/// Compares two data of one entry's type.
type SameFn = fn(&dyn Any, &dyn Any) -> bool;
type AnyFetcher = Rc<dyn Fn() -> LocalFuture<Result<AnyData, AnyError>>>;

/// A fetcher's error with what the cache needs to know of it.
#[derive(Clone)]
struct AnyError {
    value: Rc<dyn Any>,
    client_error: bool,
}

/// Identifies a mutation's optimistic layers.
pub type MutationId = u64;

struct Layer {
    mutation: MutationId,
    apply: Change,
    /// Set when the mutation succeeded: the fetch counter at that moment.
    /// The layer goes once a fetch started after it has landed.
    settled_at: Option<u64>,
}

struct InFlight {
    id: u64,
    /// The entry's generation when the fetch started.
    generation: u64,
    abort: AbortHandle,
    /// An invalidation arrived while this fetch ran.
    invalidated: bool,
}

struct Entry {
    base: Option<AnyData>,
    /// `base` with the layers applied: what subscribers see.
    view: Option<AnyData>,
    layers: Vec<Layer>,
    /// Bumped by every write of `base`.
    generation: u64,
    /// Bumped by every change of `base` or `layers`: a view computed from an
    /// older version is not stored.
    version: u64,
    updated_at: Option<Instant>,
    error: Option<AnyError>,
    invalidated: bool,
    fetch: Option<InFlight>,
    fetcher: Option<AnyFetcher>,
    /// Compares two data of this entry's type; set by typed calls.
    same: Option<SameFn>,
    options: QueryOptions,
    listeners: HashMap<u64, Listener>,
    /// Bumped by every (un)subscription, so a pending gc timer can tell it
    /// is outdated.
    gc_token: u64,
    fetch_count: u64,
}

impl Entry {
    fn new(options: QueryOptions) -> Self {
        Entry {
            base: None,
            view: None,
            layers: Vec::new(),
            generation: 0,
            version: 0,
            updated_at: None,
            error: None,
            invalidated: false,
            fetch: None,
            fetcher: None,
            same: None,
            options,
            listeners: HashMap::new(),
            gc_token: 0,
            fetch_count: 0,
        }
    }

    fn status(&self) -> QueryStatus {
        match (&self.view, &self.error) {
            (Some(_), _) => QueryStatus::Success,
            (None, Some(_)) => QueryStatus::Error,
            (None, None) => QueryStatus::Pending,
        }
    }

    fn is_stale(&self, now: Instant) -> bool {
        self.invalidated
            || self
                .updated_at
                .is_none_or(|at| now.saturating_duration_since(at) >= self.options.stale_time)
    }

    /// What computing the view needs, taken so that the layers (the app's
    /// closures) run while the cache is not borrowed.
    fn view_inputs(&self) -> ViewInputs {
        ViewInputs {
            base: self.base.clone(),
            layers: self.layers.iter().map(|l| l.apply.clone()).collect(),
            version: self.version,
        }
    }
}

struct ViewInputs {
    base: Option<AnyData>,
    layers: Vec<Change>,
    version: u64,
}

impl ViewInputs {
    fn compute(self) -> Option<AnyData> {
        let mut view = self.base;
        for apply in &self.layers {
            if let Some(current) = &view
                && let Some(next) = apply(current.as_ref())
            {
                view = Some(next);
            }
        }
        view
    }
}

struct State {
    entries: HashMap<QueryKey, Entry>,
    next_id: u64,
    /// Counts fetch starts across the cache (orders fetches against settles).
    fetch_clock: u64,
    /// Pending mutations per key prefix they affect.
    pending_mutations: HashMap<QueryKey, usize>,
    /// Prefixes whose mutations settled while a mutation on an overlapping
    /// prefix was still pending: invalidated once that one settles too.
    deferred_invalidations: Vec<QueryKey>,
    inspectors: HashMap<u64, Listener>,
    /// An inspector notification is scheduled.
    inspection_due: bool,
}

struct Inner {
    state: RefCell<State>,
    runtime: Box<dyn Runtime>,
    defaults: QueryOptions,
}

/// The query cache. Cheap to clone; clones share the cache.
///
/// ```
/// use std::rc::Rc;
/// use std::time::Duration;
///
/// use earshot_app::query::runtime::TokioLocalRuntime;
/// use earshot_app::query::{QueryClient, QueryError, QueryOptions};
/// use earshot_shared::keys;
///
/// #[derive(Clone, Debug, PartialEq)]
/// struct Offline;
/// impl std::fmt::Display for Offline {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         f.write_str("offline")
///     }
/// }
/// impl QueryError for Offline {
///     fn is_client_error(&self) -> bool {
///         false
///     }
/// }
///
/// # let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
/// # runtime.block_on(tokio::task::LocalSet::new().run_until(async {
/// let client = QueryClient::new(TokioLocalRuntime, QueryOptions::default());
/// let key = keys::dashboard::stats();
/// let fetches = Rc::new(std::cell::Cell::new(0));
/// let counter = fetches.clone();
/// let _subscription = client.subscribe(
///     &key,
///     client.defaults(),
///     Rc::new(move || {
///         counter.set(counter.get() + 1);
///         Box::pin(async { Ok::<_, Offline>(42) })
///     }),
///     Rc::new(|| println!("the dashboard's data changed")),
/// );
/// tokio::time::sleep(Duration::from_millis(1)).await;
/// assert_eq!(client.get_query_data::<i32>(&key).as_deref(), Some(&42));
///
/// // A change on the server: every key under `dashboard` refetches.
/// client.invalidate(&keys::dashboard::stats());
/// tokio::time::sleep(Duration::from_millis(1)).await;
/// assert_eq!(fetches.get(), 2);
/// # }));
/// ```
#[derive(Clone)]
pub struct QueryClient {
    inner: Rc<Inner>,
}

impl fmt::Debug for QueryClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.inner.state.borrow();
        f.debug_struct("QueryClient")
            .field("entries", &state.entries.len())
            .finish()
    }
}

/// A live subscription to one key; dropping it unsubscribes.
#[must_use = "dropping a subscription unsubscribes at once"]
pub struct Subscription {
    client: Weak<Inner>,
    key: QueryKey,
    id: u64,
}

impl fmt::Debug for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Subscription({})", self.key)
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(inner) = self.client.upgrade() {
            QueryClient { inner }.unsubscribe(&self.key, self.id);
        }
    }
}

/// A live subscription to the whole cache (for the inspector).
#[must_use = "dropping it unsubscribes at once"]
pub struct InspectorSubscription {
    client: Weak<Inner>,
    id: u64,
}

impl fmt::Debug for InspectorSubscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InspectorSubscription")
    }
}

impl Drop for InspectorSubscription {
    fn drop(&mut self) {
        if let Some(inner) = self.client.upgrade() {
            inner.state.borrow_mut().inspectors.remove(&self.id);
        }
    }
}

fn same_as<T: PartialEq + 'static>(a: &dyn Any, b: &dyn Any) -> bool {
    match (a.downcast_ref::<T>(), b.downcast_ref::<T>()) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

fn erase<T: 'static, E: QueryError>(fetcher: Fetcher<T, E>) -> AnyFetcher {
    Rc::new(move || {
        let future = fetcher();
        Box::pin(async move {
            match future.await {
                Ok(data) => Ok(Rc::new(data) as AnyData),
                Err(error) => Err(AnyError {
                    client_error: error.is_client_error(),
                    value: Rc::new(error),
                }),
            }
        })
    })
}

impl QueryClient {
    /// A cache running on `runtime`, with `defaults` for queries that do not
    /// say otherwise.
    pub fn new(runtime: impl Runtime + 'static, defaults: QueryOptions) -> Self {
        QueryClient {
            inner: Rc::new(Inner {
                state: RefCell::new(State {
                    entries: HashMap::new(),
                    next_id: 0,
                    fetch_clock: 0,
                    pending_mutations: HashMap::new(),
                    deferred_invalidations: Vec::new(),
                    inspectors: HashMap::new(),
                    inspection_due: false,
                }),
                runtime: Box::new(runtime),
                defaults,
            }),
        }
    }

    /// The options queries get unless they say otherwise.
    pub fn defaults(&self) -> QueryOptions {
        self.inner.defaults
    }

    /// Subscribes `listener` to `key`: it is called whenever what
    /// [`QueryClient::state`] returns for the key changed. Fetches when there
    /// is no data yet or the data is stale, unless a fetch is in flight.
    ///
    /// The fetch starts on the runtime's next turn, not inside this call:
    /// subscribing happens while a component renders, and starting a fetch
    /// notifies the key's other subscribers, which must not happen mid-render.
    pub fn subscribe<T, E>(
        &self,
        key: &QueryKey,
        options: QueryOptions,
        fetcher: Fetcher<T, E>,
        listener: Rc<dyn Fn()>,
    ) -> Subscription
    where
        T: PartialEq + 'static,
        E: QueryError,
    {
        let id = {
            let mut state = self.inner.state.borrow_mut();
            state.next_id += 1;
            let id = state.next_id;
            let entry = state
                .entries
                .entry(key.clone())
                .or_insert_with(|| Entry::new(options));
            entry.options = options;
            entry.fetcher = Some(erase(fetcher));
            entry.same = Some(same_as::<T>);
            entry.listeners.insert(id, listener);
            entry.gc_token += 1;
            id
        };
        let client = Rc::downgrade(&self.inner);
        let fetched = key.clone();
        self.inner.runtime.spawn(Box::pin(async move {
            if let Some(inner) = client.upgrade() {
                QueryClient { inner }.fetch_if_needed(&fetched);
            }
        }));
        self.notify_inspectors();
        Subscription {
            client: Rc::downgrade(&self.inner),
            key: key.clone(),
            id,
        }
    }

    fn unsubscribe(&self, key: &QueryKey, id: u64) {
        let gc = {
            let mut state = self.inner.state.borrow_mut();
            let Some(entry) = state.entries.get_mut(key) else {
                return;
            };
            entry.listeners.remove(&id);
            entry.gc_token += 1;
            entry
                .listeners
                .is_empty()
                .then_some((entry.gc_token, entry.options.gc_time))
        };
        if let Some((token, gc_time)) = gc {
            self.schedule_gc(key.clone(), token, gc_time);
        }
        self.notify_inspectors();
    }

    fn schedule_gc(&self, key: QueryKey, token: u64, gc_time: Duration) {
        let client = Rc::downgrade(&self.inner);
        let sleep = self.inner.runtime.sleep(gc_time);
        self.inner.runtime.spawn(Box::pin(async move {
            sleep.await;
            let Some(inner) = client.upgrade() else {
                return;
            };
            let removed = {
                let mut state = inner.state.borrow_mut();
                let unused = state
                    .entries
                    .get(&key)
                    .is_some_and(|e| e.gc_token == token && e.listeners.is_empty());
                unused.then(|| state.entries.remove(&key)).flatten()
            };
            if let Some(entry) = removed {
                if let Some(fetch) = entry.fetch {
                    fetch.abort.abort();
                }
                QueryClient { inner }.notify_inspectors();
            }
        }));
    }

    /// What a subscriber of `key` sees now.
    pub fn state<T: 'static, E: QueryError>(&self, key: &QueryKey) -> QueryState<T, E> {
        let now = self.inner.runtime.now();
        let state = self.inner.state.borrow();
        match state.entries.get(key) {
            None => QueryState {
                data: None,
                error: None,
                status: QueryStatus::Pending,
                is_fetching: false,
                is_stale: true,
            },
            Some(entry) => QueryState {
                data: entry.view.clone().and_then(|d| d.downcast::<T>().ok()),
                error: entry
                    .error
                    .as_ref()
                    .and_then(|e| e.value.downcast_ref::<E>().cloned()),
                status: entry.status(),
                is_fetching: entry.fetch.is_some(),
                is_stale: entry.is_stale(now),
            },
        }
    }

    /// The data of `key` (with optimistic changes), if any.
    pub fn get_query_data<T: 'static>(&self, key: &QueryKey) -> Option<Rc<T>> {
        let state = self.inner.state.borrow();
        state
            .entries
            .get(key)?
            .view
            .clone()
            .and_then(|d| d.downcast::<T>().ok())
    }

    /// Writes the data of `key` as if the server had sent it: fresh, and
    /// newer than any fetch in flight (whose answer will be dropped).
    pub fn set_query_data<T: PartialEq + 'static>(&self, key: &QueryKey, data: T) {
        {
            let now = self.inner.runtime.now();
            let mut state = self.inner.state.borrow_mut();
            let defaults = self.inner.defaults;
            let entry = state
                .entries
                .entry(key.clone())
                .or_insert_with(|| Entry::new(defaults));
            entry.same = Some(same_as::<T>);
            write_base(entry, Rc::new(data), now);
        };
        let changed = self.refresh_view(key);
        self.after_change(key, changed);
    }

    /// Rewrites the data of every entry under `prefix` that holds a `T`.
    /// `update` runs while the cache is not borrowed, so it may read it.
    pub fn set_queries_data<T: PartialEq + 'static>(
        &self,
        prefix: &QueryKey,
        update: impl Fn(&T) -> T,
    ) {
        let now = self.inner.runtime.now();
        let current: Vec<(QueryKey, AnyData, u64)> = {
            let state = self.inner.state.borrow();
            state
                .entries
                .iter()
                .filter(|(key, _)| key.starts_with(prefix))
                .filter_map(|(key, e)| {
                    let base = e.base.clone().filter(|b| b.is::<T>())?;
                    Some((key.clone(), base, e.generation))
                })
                .collect()
        };
        for (key, base, generation) in current {
            let Some(old) = base.downcast_ref::<T>() else {
                continue;
            };
            let new: AnyData = Rc::new(update(old));
            let written = {
                let mut state = self.inner.state.borrow_mut();
                state
                    .entries
                    .get_mut(&key)
                    .filter(|e| e.generation == generation)
                    .map(|entry| write_base(entry, new, now))
                    .is_some()
            };
            if written {
                let changed = self.refresh_view(&key);
                self.after_change(&key, changed);
            }
        }
    }

    /// Marks every entry under `prefix` stale and refetches those with
    /// subscribers; the others refetch when next subscribed. An entry whose
    /// fetch is in flight refetches once that fetch ends (its answer does not
    /// count as fresh).
    pub fn invalidate(&self, prefix: &QueryKey) {
        self.invalidate_where(|key| key.starts_with(prefix));
    }

    /// Like [`QueryClient::invalidate`] for exactly one key.
    pub fn invalidate_exact(&self, key: &QueryKey) {
        self.invalidate_where(|k| k == key);
    }

    fn invalidate_where(&self, matches: impl Fn(&QueryKey) -> bool) {
        let to_fetch: Vec<QueryKey> = {
            let mut state = self.inner.state.borrow_mut();
            state
                .entries
                .iter_mut()
                .filter(|(key, _)| matches(key))
                .filter_map(|(key, entry)| {
                    entry.invalidated = true;
                    match &mut entry.fetch {
                        Some(fetch) => {
                            fetch.invalidated = true;
                            None
                        }
                        None => (!entry.listeners.is_empty()).then(|| key.clone()),
                    }
                })
                .collect()
        };
        for key in &to_fetch {
            self.start_fetch(key);
        }
        self.notify_inspectors();
    }

    /// Refetches `key` now (deduplicated with a fetch in flight).
    pub fn refetch(&self, key: &QueryKey) {
        let idle = {
            let state = self.inner.state.borrow();
            state
                .entries
                .get(key)
                .is_some_and(|e| e.fetch.is_none() && e.fetcher.is_some())
        };
        if idle {
            self.start_fetch(key);
        }
    }

    /// Drops the fetches in flight under `prefix`: their answers are never
    /// applied and the entries go back to what they showed before (data
    /// kept, not fetching). An entry that was invalidated stays stale.
    pub fn cancel_queries(&self, prefix: &QueryKey) {
        let mut refetch = Vec::new();
        let cancelled = self.change_entries(
            |key| key.starts_with(prefix),
            |key, entry| {
                let Some(fetch) = entry.fetch.take() else {
                    return false;
                };
                fetch.abort.abort();
                if fetch.invalidated {
                    // The invalidation still asks for a fetch that starts
                    // after it.
                    entry.invalidated = true;
                    if !entry.listeners.is_empty() {
                        refetch.push(key.clone());
                    }
                }
                true
            },
        );
        for key in &cancelled {
            self.after_change(key, true);
        }
        for key in &refetch {
            self.start_fetch(key);
        }
    }

    /// Refetches stale subscribed queries that refetch on focus.
    pub fn on_focus(&self) {
        self.refetch_stale_where(|options| options.refetch_on_focus);
    }

    /// Refetches stale subscribed queries that refetch on reconnect.
    pub fn on_reconnect(&self) {
        self.refetch_stale_where(|options| options.refetch_on_reconnect);
    }

    fn refetch_stale_where(&self, wanted: impl Fn(&QueryOptions) -> bool) {
        let now = self.inner.runtime.now();
        let keys: Vec<QueryKey> = {
            let state = self.inner.state.borrow();
            state
                .entries
                .iter()
                .filter(|(_, e)| {
                    !e.listeners.is_empty()
                        && e.fetch.is_none()
                        && wanted(&e.options)
                        && e.is_stale(now)
                })
                .map(|(key, _)| key.clone())
                .collect()
        };
        for key in &keys {
            self.start_fetch(key);
        }
    }

    /// Every entry, for the inspector, sorted by key.
    pub fn entries(&self) -> Vec<EntryInfo> {
        let now = self.inner.runtime.now();
        let state = self.inner.state.borrow();
        let mut infos: Vec<EntryInfo> = state
            .entries
            .iter()
            .map(|(key, e)| EntryInfo {
                key: key.clone(),
                status: e.status(),
                is_fetching: e.fetch.is_some(),
                is_stale: e.is_stale(now),
                age: e.updated_at.map(|at| now.saturating_duration_since(at)),
                subscribers: e.listeners.len(),
                fetch_count: e.fetch_count,
                optimistic_layers: e.layers.len(),
            })
            .collect();
        infos.sort_by(|a, b| a.key.cmp(&b.key));
        infos
    }

    /// Calls `listener` after any change in the cache (for the inspector).
    pub fn inspect(&self, listener: Rc<dyn Fn()>) -> InspectorSubscription {
        let mut state = self.inner.state.borrow_mut();
        state.next_id += 1;
        let id = state.next_id;
        state.inspectors.insert(id, listener);
        InspectorSubscription {
            client: Rc::downgrade(&self.inner),
            id,
        }
    }

    // ------------------------------------------------------------ mutations

    /// Lays an optimistic change of `mutation` on every entry under `prefix`
    /// holding a `T`. `update` must be idempotent: it is applied again on
    /// every newer server data until the mutation's outcome is known.
    pub fn add_layer<T: 'static>(
        &self,
        mutation: MutationId,
        prefix: &QueryKey,
        update: impl Fn(&T) -> T + 'static,
    ) {
        let apply: Change =
            Rc::new(move |data| Some(Rc::new(update(data.downcast_ref::<T>()?)) as AnyData));
        let layered = self.change_entries(
            |key| key.starts_with(prefix),
            |_, entry| {
                if !entry.base.as_ref().is_some_and(|b| b.is::<T>()) {
                    return false;
                }
                entry.layers.push(Layer {
                    mutation,
                    apply: apply.clone(),
                    settled_at: None,
                });
                entry.version += 1;
                true
            },
        );
        self.refresh_and_notify(layered);
    }

    /// Removes the layers of a failed mutation (its rollback).
    pub fn remove_layers(&self, mutation: MutationId) {
        let rolled_back = self.change_entries(
            |_| true,
            |_, entry| {
                let before = entry.layers.len();
                entry.layers.retain(|l| l.mutation != mutation);
                if entry.layers.len() == before {
                    return false;
                }
                entry.version += 1;
                true
            },
        );
        self.refresh_and_notify(rolled_back);
    }

    /// Keeps the layers of a successful mutation until data fetched after
    /// this moment replaces them (so the change never flickers away).
    pub fn settle_layers(&self, mutation: MutationId) {
        let mut state = self.inner.state.borrow_mut();
        let clock = state.fetch_clock;
        for entry in state.entries.values_mut() {
            for layer in entry.layers.iter_mut().filter(|l| l.mutation == mutation) {
                layer.settled_at = Some(clock);
            }
        }
    }

    /// Records that a mutation affecting `prefixes` started.
    pub fn mutation_started(&self, prefixes: &[QueryKey]) {
        let mut state = self.inner.state.borrow_mut();
        for prefix in prefixes {
            *state.pending_mutations.entry(prefix.clone()).or_insert(0) += 1;
        }
    }

    /// Records that a mutation affecting `prefixes` ended, and invalidates
    /// each prefix no pending mutation affects any more — neither the same
    /// prefix nor one above or below it.
    pub fn mutation_settled(&self, prefixes: &[QueryKey]) {
        let ready: Vec<QueryKey> = {
            let mut state = self.inner.state.borrow_mut();
            for prefix in prefixes {
                let Some(count) = state.pending_mutations.get_mut(prefix) else {
                    continue;
                };
                *count = count.saturating_sub(1);
                if *count == 0 {
                    state.pending_mutations.remove(prefix);
                    state.deferred_invalidations.push(prefix.clone());
                }
            }
            let State {
                pending_mutations,
                deferred_invalidations,
                ..
            } = &mut *state;
            let overlaps = |prefix: &QueryKey| {
                pending_mutations
                    .keys()
                    .any(|p| p.starts_with(prefix) || prefix.starts_with(p))
            };
            let (ready, still_deferred): (Vec<QueryKey>, Vec<QueryKey>) =
                deferred_invalidations.drain(..).partition(|p| !overlaps(p));
            *deferred_invalidations = still_deferred;
            // One invalidation per key: a prefix under another ready one is
            // covered by it.
            let covered = |p: &QueryKey| ready.iter().any(|q| q != p && p.starts_with(q));
            let mut ready: Vec<QueryKey> = ready.iter().filter(|p| !covered(p)).cloned().collect();
            ready.sort();
            ready.dedup();
            ready
        };
        for prefix in &ready {
            self.invalidate(prefix);
        }
    }

    /// A new mutation id.
    pub fn next_mutation_id(&self) -> MutationId {
        let mut state = self.inner.state.borrow_mut();
        state.next_id += 1;
        state.next_id
    }

    // ------------------------------------------------------------- fetching

    fn fetch_if_needed(&self, key: &QueryKey) {
        let now = self.inner.runtime.now();
        let needed = {
            let state = self.inner.state.borrow();
            state
                .entries
                .get(key)
                .is_some_and(|e| e.fetch.is_none() && e.fetcher.is_some() && e.is_stale(now))
        };
        if needed {
            self.start_fetch(key);
        }
    }

    fn start_fetch(&self, key: &QueryKey) {
        let (abort, registration) = AbortHandle::new_pair();
        let started = {
            let mut state = self.inner.state.borrow_mut();
            state.next_id += 1;
            state.fetch_clock += 1;
            let (id, clock) = (state.next_id, state.fetch_clock);
            state.entries.get_mut(key).and_then(|entry| {
                let fetcher = entry.fetcher.clone()?;
                entry.fetch = Some(InFlight {
                    id,
                    generation: entry.generation,
                    abort,
                    invalidated: false,
                });
                entry.fetch_count += 1;
                Some((id, clock, fetcher, entry.options))
            })
        };
        let Some((id, clock, fetcher, options)) = started else {
            return;
        };
        let client = Rc::downgrade(&self.inner);
        let attempts = Abortable::new(retrying(client.clone(), fetcher, options), registration);
        let fetched_key = key.clone();
        self.inner.runtime.spawn(Box::pin(async move {
            let Ok(result) = attempts.await else {
                return; // cancelled: cancel_queries already restored the entry
            };
            if let Some(inner) = client.upgrade() {
                QueryClient { inner }.finish_fetch(&fetched_key, id, clock, result);
            }
        }));
        self.after_change(key, true);
    }

    fn finish_fetch(
        &self,
        key: &QueryKey,
        id: u64,
        started_at: u64,
        result: Result<AnyData, AnyError>,
    ) {
        let now = self.inner.runtime.now();
        let again = {
            let mut state = self.inner.state.borrow_mut();
            let Some(entry) = state.entries.get_mut(key) else {
                return;
            };
            let Some(fetch) = entry.fetch.take_if(|f| f.id == id) else {
                return; // a fetch that was cancelled and replaced
            };
            match result {
                Ok(data) => {
                    entry.error = None;
                    if fetch.generation == entry.generation {
                        write_base(entry, data, now);
                        // Successful mutations' layers are replaced by data
                        // fetched after they settled.
                        entry
                            .layers
                            .retain(|l| l.settled_at.is_none_or(|settled| settled >= started_at));
                        entry.version += 1;
                    }
                    // else: data was written after this fetch started; its
                    // answer is older and must not overwrite it.
                }
                Err(error) => entry.error = Some(error),
            }
            if fetch.invalidated {
                entry.invalidated = true;
            }
            fetch.invalidated && !entry.listeners.is_empty()
        };
        self.refresh_view(key);
        if again {
            self.start_fetch(key);
        }
        // The fetching flag went off: always a change for subscribers.
        self.after_change(key, true);
    }

    /// Applies `change` to every entry whose key `matches`; returns the keys
    /// of the entries where it returned `true`.
    fn change_entries(
        &self,
        matches: impl Fn(&QueryKey) -> bool,
        mut change: impl FnMut(&QueryKey, &mut Entry) -> bool,
    ) -> Vec<QueryKey> {
        let changed: Vec<QueryKey> = {
            let mut state = self.inner.state.borrow_mut();
            state
                .entries
                .iter_mut()
                .filter(|(key, _)| matches(key))
                .filter_map(|(key, entry)| change(key, entry).then(|| key.clone()))
                .collect()
        };
        changed
    }

    /// Recomputes the view of `key` with no borrow held while the layers
    /// run; returns whether subscribers would see a change. A view computed
    /// from inputs that changed meanwhile is dropped: the change that
    /// overtook it computed its own.
    fn refresh_view(&self, key: &QueryKey) -> bool {
        let Some(inputs) = self
            .inner
            .state
            .borrow()
            .entries
            .get(key)
            .map(Entry::view_inputs)
        else {
            return false;
        };
        let version = inputs.version;
        let view = inputs.compute();
        let mut state = self.inner.state.borrow_mut();
        let Some(entry) = state.entries.get_mut(key).filter(|e| e.version == version) else {
            return false;
        };
        let changed = match (&entry.view, &view, entry.same) {
            (Some(old), Some(new), Some(same)) => !same(old.as_ref(), new.as_ref()),
            (None, None, _) => false,
            _ => true,
        };
        entry.view = view;
        changed
    }

    /// Recomputes the views of `keys` and notifies where they changed.
    fn refresh_and_notify(&self, keys: Vec<QueryKey>) {
        for key in keys {
            let changed = self.refresh_view(&key);
            self.after_change(&key, changed);
        }
    }

    fn after_change(&self, key: &QueryKey, notify_subscribers: bool) {
        if notify_subscribers {
            let listeners: Vec<Listener> = {
                let state = self.inner.state.borrow();
                state
                    .entries
                    .get(key)
                    .map(|e| e.listeners.values().cloned().collect())
                    .unwrap_or_default()
            };
            for listener in listeners {
                listener();
            }
        }
        self.notify_inspectors();
    }

    /// Tells the inspectors that something changed, once per runtime turn
    /// however many changes there were, and never from inside a change.
    fn notify_inspectors(&self) {
        {
            let mut state = self.inner.state.borrow_mut();
            if state.inspectors.is_empty() || state.inspection_due {
                return;
            }
            state.inspection_due = true;
        }
        let client = Rc::downgrade(&self.inner);
        self.inner.runtime.spawn(Box::pin(async move {
            let Some(inner) = client.upgrade() else {
                return;
            };
            let inspectors: Vec<Listener> = {
                let mut state = inner.state.borrow_mut();
                state.inspection_due = false;
                state.inspectors.values().cloned().collect()
            };
            for inspector in inspectors {
                inspector();
            }
        }));
    }
}

fn write_base(entry: &mut Entry, data: AnyData, now: Instant) {
    entry.base = Some(data);
    entry.generation += 1;
    entry.version += 1;
    entry.updated_at = Some(now);
    entry.invalidated = false;
    entry.error = None;
}

/// Runs `fetcher`, retrying with exponential backoff, never for client errors.
async fn retrying(
    client: Weak<Inner>,
    fetcher: AnyFetcher,
    options: QueryOptions,
) -> Result<AnyData, AnyError> {
    let mut attempt = 0;
    loop {
        match fetcher().await {
            Ok(data) => return Ok(data),
            Err(error) => {
                if error.client_error || attempt >= options.retry {
                    return Err(error);
                }
                let Some(inner) = client.upgrade() else {
                    return Err(error);
                };
                let sleep = inner.runtime.sleep(options.retry_delay_for(attempt));
                drop(inner);
                sleep.await;
                attempt += 1;
            }
        }
    }
}
