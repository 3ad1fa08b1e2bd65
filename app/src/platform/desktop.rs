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
//!
//! Sharing (`--share`): the embedded backend listens on a network address
//! instead of loopback, with this launch's token (the window uses the same
//! one), serves the web bundle when there is one, and the link to open —
//! with the token in its fragment, which browsers never send to a server —
//! is printed on standard output, not logged.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
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
            let share = options.share.map(|bind| Share {
                bind,
                web_dir: options.web_dir.or_else(find_web_bundle),
            });
            let backend = EmbeddedBackend::start(options.data_dir, share.clone())?;
            tracing::info!("embedded backend listening on {}", backend.base_url);
            if let Some(share) = &share {
                announce(share, &backend);
            }
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

/// How the embedded backend is shared on the network.
#[derive(Clone, Debug)]
pub struct Share {
    /// Where it listens (e.g. `0.0.0.0:8080`).
    pub bind: SocketAddr,
    /// The web bundle it serves to browsers, if one was found.
    pub web_dir: Option<PathBuf>,
}

/// The web bundle beside the program or in the current directory: `dist/`
/// as `scripts/build-web` writes it, in the first of `./dist`, `<exe
/// dir>/dist` and the workspace's `dist` seen from `target/<profile>/`.
fn find_web_bundle() -> Option<PathBuf> {
    let exe_dir = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf));
    let mut candidates = vec![PathBuf::from("dist")];
    if let Some(dir) = exe_dir {
        candidates.push(dir.join("dist"));
        candidates.push(dir.join("../../dist"));
    }
    candidates
        .into_iter()
        .find(|dir| dir.join("index.html").is_file())
        .and_then(|dir| dir.canonicalize().ok())
}

/// Prints the link to open and the mobile preview's command line.
///
/// On standard output, not in the log: the token is in them. The line that
/// starts with `Open in a browser: ` is stable, for scripts and tests.
fn announce(share: &Share, backend: &EmbeddedBackend) {
    let port = backend.addr.port();
    let host = match backend.addr.ip() {
        ip if ip.is_unspecified() => lan_address().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        ip => ip,
    };
    let base = match host {
        IpAddr::V6(v6) => format!("http://[{v6}]:{port}"),
        IpAddr::V4(v4) => format!("http://{v4}:{port}"),
    };
    let token = &backend.token;
    tracing::info!(
        "sharing this workspace on {base} (the link with its token is on standard output)"
    );
    let mut out = format!("Sharing this workspace on {base}\n");
    match &share.web_dir {
        Some(dir) => {
            out += &format!("Open in a browser: {base}/#token={token}\n");
            tracing::info!("serving the web app from {}", dir.display());
        }
        None => {
            out += "No web bundle to serve (build one with scripts/build-web, or pass --web-dir): \
                         browsers cannot open the app, mobile previews can.\n"
        }
    }
    out += &format!("Mobile preview: earshot --mobile-preview --server {base} --token {token}\n");
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
}

/// `addr`, with an unspecified IP (every interface) replaced by loopback.
fn reachable_locally(addr: SocketAddr) -> SocketAddr {
    let ip = match addr.ip() {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, addr.port())
}

/// This machine's address on its local network: the source address of a
/// route to a documentation-only address (connecting a UDP socket sends
/// nothing).
fn lan_address() -> Option<IpAddr> {
    let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    socket.connect((Ipv4Addr::new(192, 0, 2, 1), 9)).ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_unspecified()).then_some(ip)
}

/// The Earshot backend running inside this process, on loopback and a free
/// port, or shared on a network address.
///
/// ```ignore
/// let backend = EmbeddedBackend::start(None, None)?; // the user's data directory, loopback
/// println!("listening on {}", backend.base_url);
/// backend.shutdown(); // stops accepting, finishes requests, joins the thread
/// ```
pub struct EmbeddedBackend {
    /// `http://127.0.0.1:<port>`: how the window reaches it, shared or not.
    pub base_url: String,
    /// The address it listens on.
    pub addr: SocketAddr,
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
    /// Shared on the network when `share` says so.
    pub fn start(
        data_dir: Option<PathBuf>,
        share: Option<Share>,
    ) -> anyhow::Result<EmbeddedBackend> {
        let data_dir = data_dir.unwrap_or_else(earshot_backend::default_data_dir);
        let token = earshot_backend::access::new_token();
        let mut config = earshot_backend::Config::embedded(data_dir);
        config.token = Some(token.clone());
        if let Some(share) = share {
            config.bind = share.bind;
            config.web_dir = share.web_dir;
            // Whoever has the link could otherwise make the app read files
            // from this computer's disk; shared clients upload instead.
            config.allow_path_import = false;
        }
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
                // The window stays on loopback even when sharing.
                base_url: format!("http://{}", reachable_locally(addr)),
                addr,
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
