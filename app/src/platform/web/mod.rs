//! The web build: the app runs in a browser tab and talks to the server that
//! served it, at the page's origin.

use anyhow::anyhow;
use dioxus::prelude::*;

use crate::api::ServerAddress;
use crate::app::App;
use crate::cli::Options;

/// Runs the app in the page. There are no command-line options in a browser;
/// `options` is honoured should a host ever pass them.
pub fn launch(options: Options) -> anyhow::Result<()> {
    let server = match options.server {
        Some(server) => server,
        None => page_origin().ok_or_else(|| anyhow!("the page has no origin"))?,
    };
    let address = ServerAddress::new(&server, options.token)?;
    LaunchBuilder::web().with_context(address).launch(App);
    Ok(())
}

/// `https://host:port` of the current page.
fn page_origin() -> Option<String> {
    web_sys::window()?.location().origin().ok()
}
