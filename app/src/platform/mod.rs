//! Everything that differs between the desktop app, the web build and the
//! mobile preview, chosen at compile time by the crate's features.
//!
//! Each platform module exposes `launch(options)`, which finds (or starts) the
//! server, puts its [`ServerAddress`](crate::api::ServerAddress) into the root
//! context and runs the Dioxus app until it ends. Pages and components never
//! `#[cfg]`; when they need something platform-specific, it is added here.
//!
//! - `desktop`: starts the embedded backend (unless `--server` is given),
//!   shared on the network with `--share`, and opens the window; stops the
//!   backend when the window closes.
//! - `mobile`: a phone-sized window on a running server.
//! - `web`: the browser build; the server is the page's origin, the token
//!   comes from the link's fragment (or is asked for when the server
//!   refuses the page).
//! - `window`: the window settings desktop and mobile share.
//! - `timer`: sleeping (tokio natively, `setTimeout` in the browser).
//! - `focus`: noticing that the window or page regained focus.
//! - `socket`: a WebSocket of text frames (tokio-tungstenite or the browser's).
//! - `network`: noticing that the network came back (the browser's `online`).
//! - `logging`: log output of the native builds.
//! - `storage`: small UI state kept across restarts (a JSON file natively,
//!   `localStorage` in the browser).
//!
//! When several platform features are enabled, desktop wins over mobile, and
//! both over web.

#[cfg(feature = "desktop")]
mod desktop;
#[cfg(feature = "desktop")]
pub use desktop::launch;

#[cfg(all(feature = "mobile", not(feature = "desktop")))]
mod mobile;
#[cfg(all(feature = "mobile", not(feature = "desktop")))]
pub use mobile::launch;

#[cfg(all(feature = "web", not(any(feature = "desktop", feature = "mobile"))))]
mod web;
#[cfg(all(feature = "web", not(any(feature = "desktop", feature = "mobile"))))]
pub use web::launch;

#[cfg(any(feature = "desktop", feature = "mobile"))]
mod logging;
#[cfg(any(feature = "desktop", feature = "mobile"))]
mod window;

mod focus;
mod network;
pub mod socket;
pub mod storage;
mod timer;
pub use focus::use_window_focus;
pub use network::{http_client, use_online};
pub use timer::sleep;

#[cfg(not(any(feature = "desktop", feature = "mobile", feature = "web")))]
compile_error!("enable one of the features `desktop`, `web` or `mobile`");
