//! Live sync: the app's one connection to `/api/ws/sync`.
//!
//! - [`tracker`]: what a client makes of the frames (which keys to
//!   invalidate; whether it is in step with the server's sequence).
//! - [`backoff`]: reconnect delays with exponential backoff and full jitter.
//! - [`connection`]: the loop that connects, resumes, applies frames to the
//!   query cache and reconnects, reporting a [`ConnectionState`].
//! - [`reads`]: where the data read before the first connection stands in
//!   the server's sequence, so that connecting refetches only what changed.
//! - [`provider`]: the Dioxus side — [`SyncProvider`] at the root and
//!   [`use_connection`] for the indicator.

pub mod backoff;
pub mod connection;
pub mod provider;
pub mod reads;
pub mod tracker;

pub use connection::{ConnectionState, SyncOptions};
pub use provider::{SyncProvider, use_connection};
