//! The answers of the API's reads, kept per query key.
//!
//! Every change makes every open client refetch what it shows, so N clients
//! showing the same page ask the same question N times within milliseconds.
//! [`ResultCache`] answers them with one computation:
//!
//! - **One entry per [`QueryKey`]**, the same keys the app's query cache
//!   uses (`recordings/list/{…}`, `dashboard/stats`, …). A `GET` whose answer
//!   is a key's data goes through [`ResultCache::answer`].
//! - **Single-flight.** While a key's answer is being computed, other
//!   requests for it wait for that computation instead of starting their
//!   own. The computation runs in a task of its own, so a client that goes
//!   away does not leave the others waiting for nothing.
//! - **Dropped at commit by the clients' own map.** [`crate::sync::Hub`]
//!   calls [`ResultCache::invalidate`] with [`Invalidate::keys`] of every
//!   change it publishes — local commits and those relayed from other
//!   replicas alike — before the change's seq becomes visible. A
//!   computation that a change overtakes is not kept (its waiters still get
//!   it: they asked before the change was published).
//! - **ETags.** Each answer carries a strong `ETag`, a hash of its body: the
//!   same data has the same tag whichever replica computed it and however
//!   often it was recomputed. A request whose `If-None-Match` names it gets
//!   `304 Not Modified` and no body.
//!
//! ## Why the `earshot-position` of a cached answer holds
//!
//! A response's position is the hub's seq when the request arrived
//! (`routes::stamp_position`). The hub drops the entries a change stales
//! *before* it makes the change's seq visible, so when a request that read
//! seq `S` finds an entry (or a computation under way), no change up to `S`
//! that could alter its answer has been published since the entry's
//! computation began: the answer includes every change up to `S`.
//!
//! [`Invalidate::keys`]: earshot_shared::sync::Invalidate::keys

use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use earshot_shared::keys::QueryKey;
use futures_util::FutureExt;
use serde::Serialize;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::error::{ApiError, ApiResult};

/// Entries kept by default.
pub const DEFAULT_ENTRIES: usize = 1024;
/// The most body bytes kept, all entries together.
const MAX_BYTES: usize = 64 * 1024 * 1024;

/// One computed answer: a JSON body and its tag.
#[derive(Debug)]
pub struct Answer {
    body: Bytes,
    etag: HeaderValue,
}

impl Answer {
    /// Serialises `value` and tags it.
    pub fn of<T: Serialize>(value: &T) -> ApiResult<Answer> {
        let body = serde_json::to_vec(value)
            .map_err(|err| ApiError::Internal(anyhow::Error::new(err).context("serialise")))?;
        Ok(Answer::from_body(Bytes::from(body)))
    }

    fn from_body(body: Bytes) -> Answer {
        let hash = xxhash_rust::xxh3::xxh3_128(&body);
        let etag = HeaderValue::from_str(&format!("\"{hash:032x}\""))
            .expect("a quoted hex string is a header value");
        Answer { body, etag }
    }

    /// The strong entity tag, quoted.
    pub fn etag(&self) -> &HeaderValue {
        &self.etag
    }

    /// The JSON body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// `200` with the body, or `304` when `request` already holds it.
    pub fn respond(&self, request: &HeaderMap) -> Response {
        let mut headers = HeaderMap::new();
        headers.insert(ETAG, self.etag.clone());
        // A cache must ask again before reusing the answer (the change that
        // stales it reaches clients over the sync socket, not HTTP), and only
        // the client's own may keep it: it may be behind a token.
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
        if matches_etag(request, &self.etag) {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        (headers, self.body.clone()).into_response()
    }
}

/// Whether the request's `If-None-Match` names `etag` (or is `*`).
fn matches_etag(request: &HeaderMap, etag: &HeaderValue) -> bool {
    let etag = etag.as_bytes();
    request
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag).as_bytes() == etag)
}

/// What a computation's waiters learn when it ends.
#[derive(Clone, Debug)]
enum Outcome {
    /// Its answer.
    Answer(Arc<Answer>),
    /// A failure every waiter shares: the thing is gone, or the server is
    /// busy (a thousand waiters retrying at once would only make it busier).
    Failed(Shared),
    /// Another failure: each waiter computes on its own, to get the real
    /// error.
    Unknown,
}

/// The failures a computation's waiters take over as they are.
#[derive(Clone, Copy, Debug)]
enum Shared {
    NotFound(&'static str),
    Busy,
}

impl Outcome {
    fn of(outcome: &ApiResult<Arc<Answer>>) -> Outcome {
        match outcome {
            Ok(answer) => Outcome::Answer(answer.clone()),
            Err(ApiError::NotFound(what)) => Outcome::Failed(Shared::NotFound(what)),
            Err(ApiError::Busy) => Outcome::Failed(Shared::Busy),
            Err(_) => Outcome::Unknown,
        }
    }
}

#[derive(Debug)]
struct Flight {
    done: watch::Sender<Option<Outcome>>,
}

#[derive(Debug)]
enum Slot {
    Ready {
        answer: Arc<Answer>,
        used: u64,
        expires: Option<Instant>,
    },
    Computing(Arc<Flight>),
}

#[derive(Debug, Default)]
struct Inner {
    slots: HashMap<QueryKey, Slot>,
    /// Body bytes of the ready entries.
    bytes: usize,
    /// Advances on every use: the least recently used entry goes first.
    clock: u64,
}

impl Inner {
    fn remove(&mut self, key: &QueryKey) {
        if let Some(Slot::Ready { answer, .. }) = self.slots.remove(key) {
            self.bytes -= answer.body.len();
        }
    }

    /// Drops the least recently used ready entries until there is room.
    fn make_room(&mut self, entries: usize, bytes: usize) {
        while self.slots.len() > entries || self.bytes > bytes {
            let oldest = self
                .slots
                .iter()
                .filter_map(|(key, slot)| match slot {
                    Slot::Ready { used, .. } => Some((*used, key)),
                    Slot::Computing(_) => None,
                })
                .min_by_key(|(used, _)| *used)
                .map(|(_, key)| key.clone());
            match oldest {
                Some(key) => self.remove(&key),
                None => break,
            }
        }
    }
}

/// See the [module docs](self). Cheap to clone: clones share the entries.
#[derive(Clone, Debug)]
pub struct ResultCache(Arc<Entries>);

#[derive(Debug)]
struct Entries {
    inner: Mutex<Inner>,
    entries: usize,
    computed: AtomicU64,
    not_modified: AtomicU64,
}

/// What the cache has done since the server started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Answers computed (each once, however many requests shared it).
    pub computed: u64,
    /// Requests answered `304 Not Modified`.
    pub not_modified: u64,
}

/// How long an answer may be kept, besides until a change stales it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lifetime {
    /// Until a change stales it.
    UntilChanged,
    /// At most this long (for answers that depend on the time of day).
    AtMost(Duration),
}

/// What a request does about a key it found no answer for.
enum Next {
    /// Waits for the computation under way.
    Wait(watch::Receiver<Option<Outcome>>),
    /// Computes, for itself and whoever comes meanwhile.
    Lead(Arc<Flight>),
}

impl ResultCache {
    /// A cache of at most `entries` answers; 0 keeps none (every request
    /// computes its own, still tagged).
    pub fn new(entries: usize) -> Self {
        ResultCache(Arc::new(Entries {
            inner: Mutex::new(Inner::default()),
            entries,
            computed: AtomicU64::new(0),
            not_modified: AtomicU64::new(0),
        }))
    }

    /// The answer for `key`: kept, being computed (then waited for), or
    /// computed now by `compute`.
    pub async fn answer<F>(
        &self,
        key: QueryKey,
        lifetime: Lifetime,
        compute: F,
    ) -> ApiResult<Arc<Answer>>
    where
        F: Future<Output = ApiResult<Answer>> + Send + 'static,
    {
        if self.0.entries == 0 {
            self.0.computed.fetch_add(1, Ordering::Relaxed);
            return compute.await.map(Arc::new);
        }
        let next = {
            let mut inner = self.lock();
            inner.clock += 1;
            let now = inner.clock;
            match inner.slots.get_mut(&key) {
                Some(Slot::Ready {
                    answer,
                    used,
                    expires,
                }) if expires.is_none_or(|at| at > Instant::now()) => {
                    *used = now;
                    return Ok(answer.clone());
                }
                Some(Slot::Computing(flight)) => Next::Wait(flight.done.subscribe()),
                _ => {
                    let flight = Arc::new(Flight {
                        done: watch::Sender::new(None),
                    });
                    inner.remove(&key);
                    inner
                        .slots
                        .insert(key.clone(), Slot::Computing(flight.clone()));
                    Next::Lead(flight)
                }
            }
        };
        match next {
            Next::Wait(mut waiting) => {
                let outcome = match waiting.wait_for(Option::is_some).await {
                    Ok(outcome) => outcome.clone().unwrap_or(Outcome::Unknown),
                    // Unreachable: the computation's task sends before it
                    // drops the sender. Computing alone is the safe answer.
                    Err(_) => Outcome::Unknown,
                };
                match outcome {
                    Outcome::Answer(answer) => Ok(answer),
                    Outcome::Failed(Shared::NotFound(what)) => Err(ApiError::NotFound(what)),
                    Outcome::Failed(Shared::Busy) => Err(ApiError::Busy),
                    Outcome::Unknown => {
                        self.0.computed.fetch_add(1, Ordering::Relaxed);
                        compute.await.map(Arc::new)
                    }
                }
            }
            Next::Lead(flight) => {
                // In a task of its own, which also keeps and announces the
                // answer: the waiters depend on it, not on this request's
                // client staying.
                self.0.computed.fetch_add(1, Ordering::Relaxed);
                let cache = self.clone();
                let task = tokio::spawn(async move {
                    // Caught, so that a panic still settles the flight: its
                    // waiters and the requests after them would wait forever.
                    let outcome = match AssertUnwindSafe(compute).catch_unwind().await {
                        Ok(outcome) => outcome.map(Arc::new),
                        Err(_) => Err(ApiError::Internal(anyhow::anyhow!(
                            "computing an answer panicked"
                        ))),
                    };
                    cache.settle(key, lifetime, &flight, &outcome);
                    outcome
                });
                task.await.unwrap_or_else(|err| {
                    Err(ApiError::Internal(
                        anyhow::Error::new(err).context("computing an answer failed"),
                    ))
                })
            }
        }
    }

    /// Keeps the outcome of `flight` if no change overtook it, and hands it
    /// to its waiters.
    fn settle(
        &self,
        key: QueryKey,
        lifetime: Lifetime,
        flight: &Arc<Flight>,
        outcome: &ApiResult<Arc<Answer>>,
    ) {
        {
            let mut inner = self.lock();
            let ours = matches!(
                inner.slots.get(&key),
                Some(Slot::Computing(current)) if Arc::ptr_eq(current, flight)
            );
            // A computation a change overtook has lost its slot: not kept.
            if ours {
                inner.slots.remove(&key);
                if let Ok(answer) = outcome {
                    inner.clock += 1;
                    let used = inner.clock;
                    inner.bytes += answer.body.len();
                    let expires = match lifetime {
                        Lifetime::UntilChanged => None,
                        Lifetime::AtMost(duration) => Some(Instant::now() + duration),
                    };
                    inner.slots.insert(
                        key,
                        Slot::Ready {
                            answer: answer.clone(),
                            used,
                            expires,
                        },
                    );
                    inner.make_room(self.0.entries, MAX_BYTES);
                }
            }
        }
        flight.done.send_replace(Some(Outcome::of(outcome)));
    }

    /// Drops every answer (and forgets every computation under way) whose
    /// key starts with one of `prefixes`.
    pub fn invalidate(&self, prefixes: &[QueryKey]) {
        if prefixes.is_empty() {
            return;
        }
        let mut inner = self.lock();
        let stale: Vec<QueryKey> = inner
            .slots
            .keys()
            .filter(|key| prefixes.iter().any(|prefix| key.starts_with(prefix)))
            .cloned()
            .collect();
        for key in stale {
            inner.remove(&key);
        }
    }

    /// `answer` as the response to a request with `headers`: see
    /// [`Answer::respond`]. Counts the `304`s.
    pub fn respond(&self, answer: &Answer, headers: &HeaderMap) -> Response {
        let response = answer.respond(headers);
        if response.status() == StatusCode::NOT_MODIFIED {
            self.0.not_modified.fetch_add(1, Ordering::Relaxed);
        }
        response
    }

    /// What the cache has done so far.
    pub fn stats(&self) -> Stats {
        Stats {
            computed: self.0.computed.load(Ordering::Relaxed),
            not_modified: self.0.not_modified.load(Ordering::Relaxed),
        }
    }

    /// How many answers are kept or being computed.
    pub fn len(&self) -> usize {
        self.lock().slots.len()
    }

    /// `true` when nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every update leaves the map and the byte count consistent between
        // statements that cannot panic.
        self.0
            .inner
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use earshot_shared::keys;
    use earshot_shared::sync::{Action, Invalidate, Resource};
    use tokio::sync::Semaphore;

    use super::*;
    use crate::sync::Hub;

    /// A computation that counts its runs and waits for a permit of `gate`
    /// before answering `value`.
    fn gated(
        runs: &Arc<AtomicUsize>,
        gate: &Arc<Semaphore>,
        value: &'static str,
    ) -> impl Future<Output = ApiResult<Answer>> + Send + 'static {
        let runs = runs.clone();
        let gate = gate.clone();
        async move {
            runs.fetch_add(1, Ordering::SeqCst);
            gate.acquire().await.expect("open").forget();
            Answer::of(&value)
        }
    }

    async fn ready(value: &'static str) -> ApiResult<Answer> {
        Answer::of(&value)
    }

    /// Lets every task spawned so far run until it waits.
    async fn settle() {
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
    }

    fn body(answer: &Answer) -> String {
        String::from_utf8(answer.body().to_vec()).unwrap()
    }

    #[tokio::test]
    async fn concurrent_requests_for_a_key_share_one_computation() {
        let cache = ResultCache::new(8);
        let (runs, gate) = (Arc::new(AtomicUsize::new(0)), Arc::new(Semaphore::new(0)));
        let requests: Vec<_> = (0..10)
            .map(|_| {
                let cache = cache.clone();
                let compute = gated(&runs, &gate, "stats");
                tokio::spawn(async move {
                    cache
                        .answer(keys::dashboard::stats(), Lifetime::UntilChanged, compute)
                        .await
                })
            })
            .collect();
        settle().await;
        gate.add_permits(1);
        let mut answers = Vec::new();
        for request in requests {
            answers.push(request.await.unwrap().unwrap());
        }

        assert_eq!(runs.load(Ordering::SeqCst), 1, "one computation");
        assert_eq!(cache.stats().computed, 1);
        assert!(answers.iter().all(|a| Arc::ptr_eq(a, &answers[0])));
        let kept = cache
            .answer(
                keys::dashboard::stats(),
                Lifetime::UntilChanged,
                ready("other"),
            )
            .await
            .unwrap();
        assert!(Arc::ptr_eq(&kept, &answers[0]), "kept until a change");
    }

    #[tokio::test]
    async fn a_change_drops_the_answers_its_keys_prefix_and_no_other() {
        let cache = ResultCache::new(8);
        let list = keys::recordings::list(&Default::default());
        let detail = keys::recordings::detail("r1");
        let projects = keys::projects::list();
        for key in [&list, &detail, &projects] {
            cache
                .answer(key.clone(), Lifetime::UntilChanged, ready("old"))
                .await
                .unwrap();
        }
        cache.invalidate(
            &Invalidate::new(Resource::Recordings, Action::Progress, Some("r1".into())).keys(),
        );

        for (key, want) in [
            (&list, "\"new\""),
            (&detail, "\"new\""),
            (&projects, "\"old\""),
        ] {
            let answer = cache
                .answer(key.clone(), Lifetime::UntilChanged, ready("new"))
                .await
                .unwrap();
            assert_eq!(body(&answer), want, "{key}");
        }
    }

    #[tokio::test]
    async fn a_computation_a_change_overtakes_answers_its_waiters_but_is_not_kept() {
        let cache = ResultCache::new(8);
        let (runs, gate) = (Arc::new(AtomicUsize::new(0)), Arc::new(Semaphore::new(0)));
        let key = keys::projects::list();
        let early = {
            let (cache, key) = (cache.clone(), key.clone());
            let compute = gated(&runs, &gate, "before");
            tokio::spawn(async move { cache.answer(key, Lifetime::UntilChanged, compute).await })
        };
        settle().await;

        cache.invalidate(&[keys::projects::all()]);
        // Asked after the change: it must not join the overtaken computation.
        let late = {
            let (cache, key) = (cache.clone(), key.clone());
            let compute = gated(&runs, &gate, "after");
            tokio::spawn(async move { cache.answer(key, Lifetime::UntilChanged, compute).await })
        };
        settle().await;
        assert_eq!(
            runs.load(Ordering::SeqCst),
            2,
            "the late request computes anew"
        );
        gate.add_permits(2);

        assert_eq!(body(&early.await.unwrap().unwrap()), "\"before\"");
        assert_eq!(body(&late.await.unwrap().unwrap()), "\"after\"");
        let kept = cache
            .answer(key, Lifetime::UntilChanged, ready("again"))
            .await
            .unwrap();
        assert_eq!(
            body(&kept),
            "\"after\"",
            "only the computation after the change is kept"
        );
    }

    /// The `earshot-position` guarantee: a request that reads seq `S` gets an
    /// answer that includes every change up to `S`, even when a change
    /// commits while the answer it would share is being computed.
    #[tokio::test]
    async fn a_request_after_a_published_change_never_gets_an_answer_from_before_it() {
        let cache = ResultCache::new(8);
        let hub = Hub::new(8, 8).with_results(cache.clone());
        let (runs, gate) = (Arc::new(AtomicUsize::new(0)), Arc::new(Semaphore::new(0)));
        let key = keys::dashboard::stats();
        // The database as the computation reads it.
        let table = Arc::new(Mutex::new("one project"));
        let read = |table: &Arc<Mutex<&'static str>>| {
            let (runs, gate, table) = (runs.clone(), gate.clone(), table.clone());
            async move {
                runs.fetch_add(1, Ordering::SeqCst);
                let seen = *table.lock().unwrap();
                gate.acquire().await.expect("open").forget();
                Answer::of(&seen)
            }
        };
        let before = {
            let (cache, key, compute) = (cache.clone(), key.clone(), read(&table));
            tokio::spawn(async move { cache.answer(key, Lifetime::UntilChanged, compute).await })
        };
        settle().await;

        // A change commits while that computation runs, then is published.
        *table.lock().unwrap() = "two projects";
        hub.publish(Invalidate::new(
            Resource::Projects,
            Action::Created,
            Some("p2".into()),
        ));
        let position = hub.seq();
        let after = {
            let (cache, key, compute) = (cache.clone(), key.clone(), read(&table));
            tokio::spawn(async move { cache.answer(key, Lifetime::UntilChanged, compute).await })
        };
        settle().await;
        gate.add_permits(2);

        assert_eq!(position, 1);
        assert_eq!(body(&before.await.unwrap().unwrap()), "\"one project\"");
        assert_eq!(
            body(&after.await.unwrap().unwrap()),
            "\"two projects\"",
            "an answer stamped with seq 1 includes change 1"
        );
    }

    #[tokio::test]
    async fn a_computation_outlives_the_request_that_started_it() {
        let cache = ResultCache::new(8);
        let (runs, gate) = (Arc::new(AtomicUsize::new(0)), Arc::new(Semaphore::new(0)));
        let key = keys::conversations::list();
        let leader = {
            let (cache, key) = (cache.clone(), key.clone());
            let compute = gated(&runs, &gate, "list");
            tokio::spawn(async move { cache.answer(key, Lifetime::UntilChanged, compute).await })
        };
        settle().await;
        let waiter = {
            let (cache, key) = (cache.clone(), key.clone());
            tokio::spawn(async move { cache.answer(key, Lifetime::UntilChanged, ready("x")).await })
        };
        settle().await;
        // The first client goes away.
        leader.abort();
        gate.add_permits(1);

        assert_eq!(body(&waiter.await.unwrap().unwrap()), "\"list\"");
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failed_computation_is_not_kept_and_its_waiters_compute_their_own() {
        let cache = ResultCache::new(8);
        let gate = Arc::new(Semaphore::new(0));
        let key = keys::projects::detail("p1");
        let failing = {
            let (cache, key, gate) = (cache.clone(), key.clone(), gate.clone());
            tokio::spawn(async move {
                let compute = async move {
                    gate.acquire().await.expect("open").forget();
                    Err(ApiError::Unsupported("a failure of its own".into()))
                };
                cache.answer(key, Lifetime::UntilChanged, compute).await
            })
        };
        settle().await;
        let waiter = {
            let (cache, key) = (cache.clone(), key.clone());
            tokio::spawn(async move {
                cache
                    .answer(key, Lifetime::UntilChanged, ready("own"))
                    .await
            })
        };
        settle().await;
        gate.add_permits(1);

        assert!(matches!(
            failing.await.unwrap(),
            Err(ApiError::Unsupported(_))
        ));
        assert_eq!(body(&waiter.await.unwrap().unwrap()), "\"own\"");
        assert!(cache.is_empty(), "no failure kept");
    }

    #[tokio::test]
    async fn waiters_share_a_busy_or_not_found_outcome_instead_of_piling_on() {
        for (failure, shared) in [
            (ApiError::Busy, "busy"),
            (ApiError::NotFound("project"), "not found"),
        ] {
            let cache = ResultCache::new(8);
            let (runs, gate) = (Arc::new(AtomicUsize::new(0)), Arc::new(Semaphore::new(0)));
            let key = keys::projects::detail("p1");
            let leader = {
                let (cache, key, gate, runs) =
                    (cache.clone(), key.clone(), gate.clone(), runs.clone());
                tokio::spawn(async move {
                    let compute = async move {
                        runs.fetch_add(1, Ordering::SeqCst);
                        gate.acquire().await.expect("open").forget();
                        Err(failure)
                    };
                    cache.answer(key, Lifetime::UntilChanged, compute).await
                })
            };
            settle().await;
            let waiters: Vec<_> = (0..5)
                .map(|_| {
                    let (cache, key) = (cache.clone(), key.clone());
                    let compute = gated(&runs, &gate, "never");
                    tokio::spawn(
                        async move { cache.answer(key, Lifetime::UntilChanged, compute).await },
                    )
                })
                .collect();
            settle().await;
            gate.add_permits(1);

            assert!(leader.await.unwrap().is_err());
            for waiter in waiters {
                let error = waiter.await.unwrap().unwrap_err();
                assert_eq!(
                    matches!(error, ApiError::Busy),
                    shared == "busy",
                    "{shared}: {error:?}"
                );
            }
            assert_eq!(runs.load(Ordering::SeqCst), 1, "{shared}: one computation");
            assert!(cache.is_empty(), "{shared}: nothing kept");
        }
    }

    #[tokio::test]
    async fn a_panicking_computation_still_releases_its_waiters() {
        let cache = ResultCache::new(8);
        let key = keys::search::history();
        let compute = async {
            if true {
                panic!("a bug");
            }
            Answer::of(&"never")
        };
        let outcome = cache
            .answer(key.clone(), Lifetime::UntilChanged, compute)
            .await;
        assert!(matches!(outcome, Err(ApiError::Internal(_))));
        let next = cache
            .answer(key, Lifetime::UntilChanged, ready("fine"))
            .await
            .unwrap();
        assert_eq!(body(&next), "\"fine\"");
    }

    #[tokio::test(start_paused = true)]
    async fn an_answer_with_a_lifetime_is_computed_again_after_it() {
        let cache = ResultCache::new(8);
        let key = keys::dashboard::stats();
        let lifetime = Lifetime::AtMost(Duration::from_secs(60));
        cache
            .answer(key.clone(), lifetime, ready("today"))
            .await
            .unwrap();
        tokio::time::advance(Duration::from_secs(59)).await;
        let kept = cache
            .answer(key.clone(), lifetime, ready("x"))
            .await
            .unwrap();
        assert_eq!(body(&kept), "\"today\"");
        tokio::time::advance(Duration::from_secs(2)).await;
        let fresh = cache
            .answer(key, lifetime, ready("tomorrow"))
            .await
            .unwrap();
        assert_eq!(body(&fresh), "\"tomorrow\"");
    }

    #[tokio::test]
    async fn the_least_recently_used_answer_goes_first() {
        let cache = ResultCache::new(2);
        let (a, b, c) = (
            keys::projects::list(),
            keys::conversations::list(),
            keys::search::history(),
        );
        cache
            .answer(a.clone(), Lifetime::UntilChanged, ready("a"))
            .await
            .unwrap();
        cache
            .answer(b.clone(), Lifetime::UntilChanged, ready("b"))
            .await
            .unwrap();
        // `a` is used again, so `b` is the oldest when `c` comes.
        cache
            .answer(a.clone(), Lifetime::UntilChanged, ready("x"))
            .await
            .unwrap();
        cache
            .answer(c, Lifetime::UntilChanged, ready("c"))
            .await
            .unwrap();

        assert_eq!(cache.len(), 2);
        let a_now = cache
            .answer(a, Lifetime::UntilChanged, ready("x"))
            .await
            .unwrap();
        assert_eq!(body(&a_now), "\"a\"");
        let b_now = cache
            .answer(b, Lifetime::UntilChanged, ready("b2"))
            .await
            .unwrap();
        assert_eq!(body(&b_now), "\"b2\"", "evicted, computed again");
    }

    #[tokio::test]
    async fn with_no_entries_every_request_computes_its_own() {
        let cache = ResultCache::new(0);
        let key = keys::projects::list();
        cache
            .answer(key.clone(), Lifetime::UntilChanged, ready("a"))
            .await
            .unwrap();
        let second = cache
            .answer(key, Lifetime::UntilChanged, ready("b"))
            .await
            .unwrap();
        assert_eq!(body(&second), "\"b\"");
        assert!(cache.is_empty());
    }

    #[test]
    fn equal_bodies_have_equal_tags_and_if_none_match_is_read_as_http_says() {
        let one = Answer::of(&vec![1, 2, 3]).unwrap();
        let same = Answer::of(&vec![1, 2, 3]).unwrap();
        let other = Answer::of(&vec![1, 2]).unwrap();
        assert_eq!(one.etag(), same.etag());
        assert_ne!(one.etag(), other.etag());

        let tag = one.etag().to_str().unwrap().to_string();
        let request = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(IF_NONE_MATCH, HeaderValue::from_str(value).unwrap());
            headers
        };
        for (header, modified) in [
            (tag.clone(), false),
            (format!("W/{tag}"), false),
            (format!("\"abc\", {tag}"), false),
            ("*".to_string(), false),
            ("\"abc\"".to_string(), true),
            (tag.trim_matches('"').to_string(), true),
        ] {
            let response = one.respond(&request(&header));
            let want = if modified {
                StatusCode::OK
            } else {
                StatusCode::NOT_MODIFIED
            };
            assert_eq!(response.status(), want, "If-None-Match: {header}");
            assert_eq!(response.headers()[ETAG], one.etag().clone());
        }
        assert_eq!(one.respond(&HeaderMap::new()).status(), StatusCode::OK);
    }
}
