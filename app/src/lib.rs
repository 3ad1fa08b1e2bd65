//! Earshot's user interface, one codebase for three ways of running:
//! a desktop window with the backend embedded in the same process (the
//! default), a web build served by `earshot-server`, and a phone-sized
//! preview of the mobile layout.
//!
//! Modules, from the outside in:
//!
//! - [`cli`]: the command line (`--server`, `--token`, `--data-dir`,
//!   `--mobile-preview`) and its `EARSHOT_*` variables.
//! - [`platform`]: everything that differs between desktop, web and mobile,
//!   behind `#[cfg]`: starting the embedded backend, the window, finding the
//!   server. It launches Dioxus with a [`api::ServerAddress`] in context.
//! - [`app`]: the root component; turns that address into an [`api::ApiClient`]
//!   in context and renders the router.
//! - [`route`]: the URLs and the navigation sections.
//! - [`pages`]: one module per page; a page owns its fetching and its writes.
//! - [`mutations`]: the writes as hooks — optimistic changes, rollback with
//!   an error toast, the keys each write makes stale — and file uploads.
//! - [`components`]: what pages are made of (layout, cards, chart, badges);
//!   components take data and callbacks and never fetch.
//! - [`api`]: the typed REST client (same code on native and wasm).
//! - [`format`]: durations, sizes, dates and levels as they read on screen.
//! - [`preferences`]: what the app remembers between runs (the recordings
//!   list's filters), kept through the platform's storage.
//! - [`query`]: the query cache — a framework-free core and Dioxus hooks
//!   over it; pages read and write the server's data through it.
//!
//! Data flows one way: page → [`query::use_query`] → [`query::QueryClient`]
//! → [`api::ApiClient`] → HTTP → backend; and back: a change on the server →
//! sync message → [`query::QueryClient::invalidate`] → refetch → the page.

mod api;
mod app;
mod cli;
mod components;
mod format;
mod mutations;
mod pages;
mod platform;
mod preferences;
pub mod query;
mod route;
pub mod sync;

use std::process::ExitCode;

use cli::{Command, USAGE};

// What it takes to mount the app somewhere other than a platform launcher:
// the root component, the address it expects in the root context, and the
// client its pages fetch with. The page tests mount it in a headless
// `VirtualDom` against a server of their own.
pub use api::{ApiClient, ApiError, ServerAddress, UploadRecording};
pub use app::App;

/// Runs the app as the command line asks (the `earshot` binary's `main`).
pub fn run() -> ExitCode {
    match Command::from_env() {
        Ok(Command::Help) => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Ok(Command::Run(options)) => match platform::launch(options) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("earshot: {error:#}");
                ExitCode::FAILURE
            }
        },
        Err(error) => {
            eprintln!("earshot: {error}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
