//! Server configuration.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// Everything the server needs to know to start. Build it with
/// [`Config::embedded`] or from the `earshot-server` command line.
#[derive(Clone, Debug)]
pub struct Config {
    /// Address to listen on (port 0 picks a free port).
    pub bind: SocketAddr,
    /// Database URL; `None` means the SQLite file `earshot.db` in `data_dir`.
    pub database_url: Option<String>,
    /// Where the database (by default) and the imported audio files live.
    pub data_dir: PathBuf,
    /// Largest accepted upload, in bytes.
    pub max_upload_bytes: u64,
    /// How many recordings are processed at the same time.
    pub workers: usize,
    /// Whether `POST /api/recordings/import` may read files by path from the
    /// server's disk (only sensible when the server is the user's own app).
    pub allow_path_import: bool,
    /// How many invalidations are kept for clients that resume.
    pub history_capacity: usize,
    /// How many invalidations a socket may fall behind before it is resynced.
    pub socket_queue: usize,
    /// How often sockets are pinged; a socket silent for two intervals is closed.
    pub heartbeat_interval: Duration,
    /// A built web bundle to serve at `/`, if any.
    pub web_dir: Option<PathBuf>,
}

impl Config {
    /// Default largest upload: 512 MiB.
    pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 512 * 1024 * 1024;

    /// The configuration of the backend embedded in the desktop app: loopback
    /// only, a free port, SQLite in `data_dir`, import by path allowed.
    pub fn embedded(data_dir: PathBuf) -> Self {
        Config {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            database_url: None,
            data_dir,
            max_upload_bytes: Self::DEFAULT_MAX_UPLOAD_BYTES,
            workers: 2,
            allow_path_import: true,
            history_capacity: 1024,
            socket_queue: 256,
            heartbeat_interval: Duration::from_secs(15),
            web_dir: None,
        }
    }

    /// The database URL in effect.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("earshot.db").display()
            ),
        }
    }
}

/// The user's data directory for Earshot (e.g. `~/.local/share/earshot`).
pub fn default_data_dir() -> PathBuf {
    directories::ProjectDirs::from("", "", "earshot")
        .map(|dirs| dirs.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from("earshot-data"))
}
