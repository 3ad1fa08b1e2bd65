//! Log output of the native builds: to stderr, filtered by `RUST_LOG`
//! (default: info, with the app and backend at debug in debug builds).
//!
//! Set up before Dioxus launches, so the embedded backend's start is logged
//! too; Dioxus then sees a subscriber in place and keeps it.

use tracing_subscriber::EnvFilter;

/// Installs the subscriber, unless one is already installed.
pub fn init() {
    let default = if cfg!(debug_assertions) {
        "info,earshot=debug,earshot_app=debug,earshot_backend=debug"
    } else {
        "info"
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
