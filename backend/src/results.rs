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
        // Any cache must ask again before reusing the answer: the change
        // that stales it reaches clients over the sync socket, not HTTP.
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
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

/// What a computation's waiters learn when it ends: its answer, or that it
/// failed (each waiter then computes on its own, so that it gets the real
/// error).
type Outcome = Option<Arc<Answer>>;

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
pub struct ResultCache(Arc<Shared>);

#[derive(Debug)]
struct Shared {
    inner: Mutex<Inner>,
    entries: usize,
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
        ResultCache(Arc::new(Shared {
            inner: Mutex::new(Inner::default()),
            entries,
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
                    Ok(outcome) => outcome.clone().flatten(),
                    // Unreachable: the computation's task sends before it
                    // drops the sender. Computing alone is the safe answer.
                    Err(_) => None,
                };
                match outcome {
                    Some(answer) => Ok(answer),
                    None => compute.await.map(Arc::new),
                }
            }
            Next::Lead(flight) => {
                // In a task of its own, which also keeps and announces the
                // answer: the waiters depend on it, not on this request's
                // client staying.
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
        flight
            .done
            .send_replace(Some(outcome.as_ref().ok().cloned()));
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
