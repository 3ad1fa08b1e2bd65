//! The mobile build: a phone-sized window on a running Earshot server (the
//! desktop app's backend or `earshot-server`); it embeds no backend.

use anyhow::Context;
use dioxus::prelude::*;

use crate::api::ServerAddress;
use crate::app::App;
use crate::cli::Options;
use crate::platform::window;

/// Where the mobile build looks for a server when not told: `earshot-server`
/// on this machine.
const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";

/// Runs the mobile app until its window closes.
pub fn launch(options: Options) -> anyhow::Result<()> {
    super::logging::init();
    if options.share.is_some() {
        anyhow::bail!(
            "the mobile build has no built-in server to share: use the desktop app's --share"
        );
    }
    let data_dir = options.data_dir.clone().or_else(|| {
        directories::ProjectDirs::from("", "", "earshot").map(|dirs| dirs.data_dir().to_path_buf())
    });
    if let Some(dir) = data_dir {
        super::storage::set_dir(dir);
    }
    let server = options.server.as_deref().unwrap_or(DEFAULT_SERVER);
    let address = ServerAddress::new(server, options.token).context("--server")?;
    // Without a phone to run on, the mobile build is always a preview.
    let config = window::config(true);
    LaunchBuilder::mobile()
        .with_cfg(config)
        .with_context(address)
        .launch(App);
    Ok(())
}
