//! The contract both sides of Earshot agree on.
//!
//! The UI (`app`) and the server (`backend`) both depend on this crate, and it
//! compiles for `wasm32` as well as native targets, so it holds only plain data
//! and pure functions:
//!
//! - [`keys`]: hierarchical query keys (`recordings/list/{…}`, `projects/detail/…`)
//!   with prefix matching and canonical filters — the cache's addressing scheme.
//! - [`sync`]: the wire protocol of `/api/ws/sync` (server and client messages)
//!   and [`sync::Invalidate::keys`], the one mapping from a change to the query
//!   keys it makes stale.
//! - [`dto`]: the request and response bodies of the REST API, the paginated
//!   [`dto::Page`] and the error body [`dto::ErrorBody`].
//! - [`transcript`]: transcripts cut into timed passages — what the
//!   assistant quotes and cites, and what the recording's page marks when a
//!   citation is followed.
//!
//! Data flows one way: the backend commits a change and publishes an
//! [`sync::Invalidate`]; the client maps it to keys with
//! [`sync::Invalidate::keys`] and refetches what it shows.

pub mod dto;
pub mod keys;
pub mod sync;
pub mod transcript;

pub use keys::QueryKey;
