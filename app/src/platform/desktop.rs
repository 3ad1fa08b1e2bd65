//! The desktop app: a native window, and the backend embedded in the same
//! process unless `--server` points elsewhere.
//!
//! The embedded backend runs on its own thread with its own multi-thread
//! tokio runtime, apart from the runtime Dioxus drives the window with, so
//! neither can starve or outlive the other by accident.
//!
//! Closing the window: Dioxus 0.7's desktop launch never returns (tao's event
//! loop ends in `std::process::exit`), so code after `launch()` would never
//! run. Instead the window's custom event handler stops the backend when the
//! event loop reports `LoopDestroyed`, which tao sends once, right before it
//! exits the process. A [`Drop`] guard on [`EmbeddedBackend`] covers the paths
//! that unwind instead (a panic before the window opens).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::mpsc;
use std::thread::JoinHandle;

use anyhow::{Context, anyhow};
use dioxus::desktop::tao::event::Event;
use dioxus::prelude::*;
use tokio::sync::oneshot;

use crate::api::ServerAddress;
use crate::app::App;
use crate::cli::Options;
use crate::platform::window;

/// Runs the desktop app until its window closes.
pub fn launch(options: Options) -> anyhow::Result<()> {
    super::logging::init();
    super::storage::set_dir(
        options
            .data_dir
            .clone()
            .unwrap_or_else(earshot_backend::default_data_dir),
    );
    let (address, mut backend) = match options.server {
        Some(server) => (ServerAddress::new(&server, options.token)?, None),
        None => {
            let backend = EmbeddedBackend::start(options.data_dir)?;
            tracing::info!("embedded backend listening on {}", backend.base_url);
            let address = ServerAddress::new(&backend.base_url, Some(backend.token.clone()))?;
            (address, Some(backend))
        }
    };

    let config =
        window::config(options.mobile_preview).with_custom_event_handler(move |event, _target| {
            if let Event::LoopDestroyed = event
                && let Some(backend) = backend.take()
            {
                backend.shutdown();
            }
        });

    LaunchBuilder::desktop()
        .with_cfg(config)
        .with_context(address)
        .launch(App);
    // Not reached on the platforms tao supports today (see the module docs);
    // should a later version return, the handler above has already run or the
    // backend is dropped with it.
    Ok(())
}

/// The Earshot backend running inside this process, on loopback and a free port.
///
/// ```ignore
/// let backend = EmbeddedBackend::start(None)?; // the user's data directory
/// println!("listening on {}", backend.base_url);
/// backend.shutdown(); // stops accepting, finishes requests, joins the thread
/// ```
pub struct EmbeddedBackend {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    /// The token of this launch: even on loopback, other programs of the
    /// machine (and web pages in its browsers) cannot use the backend
    /// without it.
    pub token: String,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<anyhow::Result<()>>>,
}

impl EmbeddedBackend {
    /// Starts the backend with its data in `data_dir` (by default the user's
    /// data directory) and returns once it is listening.
    pub fn start(data_dir: Option<PathBuf>) -> anyhow::Result<EmbeddedBackend> {
        let data_dir = data_dir.unwrap_or_else(earshot_backend::default_data_dir);
        let token = earshot_backend::access::new_token();
        let mut config = earshot_backend::Config::embedded(data_dir);
        config.token = Some(token.clone());
        // The same variables as `earshot-server`: a language model is opt-in.
        config.llm = earshot_backend::config::LlmConfig::from_env();
        let (ready_tx, ready_rx) = mpsc::channel::<anyhow::Result<SocketAddr>>();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();

        let thread = std::thread::Builder::new()
            .name("earshot-backend".into())
            .spawn(move || -> anyhow::Result<()> {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .enable_all()
                    .thread_name("earshot-backend-worker")
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(error) => {
                        let _ = ready_tx.send(Err(anyhow!(error).context("creating its runtime")));
                        return Ok(());
                    }
                };
                runtime.block_on(async move {
                    let server = match earshot_backend::Server::build(config).await {
                        Ok(server) => server,
                        Err(error) => {
                            let _ = ready_tx.send(Err(error));
                            return Ok(());
                        }
                    };
                    let _ = ready_tx.send(Ok(server.local_addr()));
                    // A dropped sender (the app went away without calling
                    // `shutdown`) stops the server as well.
                    server
                        .run_until(async move {
                            let _ = stop_rx.await;
                        })
                        .await
                })
            })
            .context("spawning the backend thread")?;

        match ready_rx.recv() {
            Ok(Ok(addr)) => Ok(EmbeddedBackend {
                base_url: format!("http://{addr}"),
                token,
                stop: Some(stop_tx),
                thread: Some(thread),
            }),
            Ok(Err(error)) => {
                let _ = thread.join();
                Err(error.context("starting the embedded backend"))
            }
            Err(_) => {
                // The thread ended without a word: it panicked.
                let _ = thread.join();
                Err(anyhow!("the embedded backend stopped while starting"))
            }
        }
    }

    /// Stops the backend: signals it, waits for in-flight requests to finish
    /// and for its thread to end.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            match thread.join() {
                Ok(Ok(())) => tracing::info!("embedded backend stopped"),
                Ok(Err(error)) => tracing::error!("embedded backend failed: {error:#}"),
                Err(_) => tracing::error!("embedded backend panicked"),
            }
        }
    }
}

impl Drop for EmbeddedBackend {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}
