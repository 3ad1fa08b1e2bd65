//! The web build: the app runs in a browser tab and talks to the server that
//! served it, at the page's origin, unless the build was told another:
//! `EARSHOT_SERVER` set when compiling (as under `dx serve`, whose own server
//! serves only the page) names the server the page talks to instead.
//!
//! - `token`: the access token a link brings in its fragment
//!   (`/#token=…`), kept in the browser's storage.
//! - `token_gate`: asks for the token when the server wants one the page
//!   does not have, then mounts the app.

mod token;
mod token_gate;

use anyhow::anyhow;
use dioxus::prelude::*;

use crate::api::ServerAddress;
use crate::cli::Options;

/// The server named when the build was made, if any.
const BUILT_FOR: Option<&str> = option_env!("EARSHOT_SERVER");

/// Runs the app in the page. There are no command-line options in a browser;
/// `options` is honoured should a host ever pass them.
pub fn launch(options: Options) -> anyhow::Result<()> {
    let server = match options.server.or_else(|| BUILT_FOR.map(String::from)) {
        Some(server) => server,
        None => page_origin().ok_or_else(|| anyhow!("the page has no origin"))?,
    };
    let token = options.token.or_else(token::from_page);
    let address = ServerAddress::new(&server, token)?;
    LaunchBuilder::web()
        .with_context(address)
        .launch(token_gate::TokenGate);
    Ok(())
}

/// `https://host:port` of the current page.
fn page_origin() -> Option<String> {
    web_sys::window()?.location().origin().ok()
}
