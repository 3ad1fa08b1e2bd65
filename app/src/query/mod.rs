//! The query cache: Earshot's equivalent of React Query, built for live
//! invalidation.
//!
//! - [`cache`]: the framework-free core — one entry per [`QueryKey`], one
//!   fetch in flight per key, stale-while-revalidate, prefix invalidation
//!   that never takes an answer begun before it as fresh, generation
//!   counters, retries, garbage collection, and per-mutation optimistic
//!   layers.
//! - [`mutation`]: mutations over the core: optimistic changes kept per
//!   mutation, rolled back alone, invalidation when the last concurrent
//!   mutation on a key settles.
//! - [`options`]: stale time, gc time, focus/reconnect refetch, retries.
//! - [`runtime`]: what the core needs from its host (spawn, sleep, clock).
//! - [`hooks`]: the Dioxus adapter — [`QueryClientProvider`], [`use_query`],
//!   [`use_mutation`], [`use_query_client`].
//! - [`inspector`]: the cache inspector panel (the app's devtools).
//!
//! Data flows page → hook → [`QueryClient`] → fetcher (the API client); and
//! back: a sync message → [`QueryClient::invalidate`] → refetch → hook →
//! page.
//!
//! [`QueryKey`]: earshot_shared::QueryKey

#![warn(missing_docs)]

pub mod cache;
pub mod hooks;
pub mod inspector;
pub mod mutation;
pub mod options;
pub mod runtime;

pub use cache::{QueryClient, QueryError, QueryStatus};
pub use hooks::{QueryClientProvider, use_mutation, use_query, use_query_client, use_query_with};
pub use mutation::Mutation;
pub use options::QueryOptions;
pub use runtime::LocalFuture;

#[cfg(test)]
mod tests;
