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
    /// The token every request must present (see [`crate::access`]);
    /// required when `bind` is not a loopback address.
    pub token: Option<String>,
    /// Web origins besides the server's own that may call the API (CORS and
    /// the WebSocket Origin check), e.g. `https://earshot.example`.
    pub allowed_origins: Vec<String>,
    /// How many assistant replies are worked on at the same time.
    pub assistant_workers: usize,
    /// The wait before a failed reply is tried again (it doubles for each
    /// further attempt; after the last one the assistant says it failed).
    pub reply_retry_backoff: Duration,
    /// An OpenAI-compatible endpoint that writes the assistant's replies;
    /// `None` answers offline, from the retrieved passages alone.
    pub llm: Option<LlmConfig>,
    /// How many read answers are kept (see [`crate::results`]); 0 keeps
    /// none, so every request computes its own.
    pub result_cache_entries: usize,
    /// The database connections, and how long a request waits for one.
    pub pool: crate::db::Pool,
}

/// An OpenAI-compatible chat completions endpoint (llama.cpp's server,
/// Ollama, vLLM, OpenAI…). The passages retrieved for a question are sent to
/// it, so configure only an endpoint you trust with your transcripts.
#[derive(Clone, PartialEq, Eq)]
pub struct LlmConfig {
    /// Base URL, e.g. `http://127.0.0.1:8080/v1`; requests go to
    /// `{url}/chat/completions`.
    pub url: String,
    /// The model to ask for.
    pub model: String,
    /// Sent as `Authorization: Bearer …` when set.
    pub api_key: Option<String>,
}

impl LlmConfig {
    /// Reads `EARSHOT_LLM_URL`, `EARSHOT_LLM_MODEL` and
    /// `EARSHOT_LLM_API_KEY` (the same variables as `earshot-server`'s
    /// flags); `None` unless both the URL and the model are set.
    pub fn from_env() -> Option<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Some(LlmConfig {
            url: var("EARSHOT_LLM_URL")?,
            model: var("EARSHOT_LLM_MODEL")?,
            api_key: var("EARSHOT_LLM_API_KEY"),
        })
    }
}

impl std::fmt::Debug for LlmConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key stays out of logs.
        f.debug_struct("LlmConfig")
            .field("url", &redacted(&self.url))
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "…"))
            .finish()
    }
}

/// `url` fit for a log: without a user name, password, query or fragment
/// (where keys tend to be put); text that is not a URL is not shown at all.
pub(crate) fn redacted(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut url) => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.set_query(None);
            url.set_fragment(None);
            url.to_string()
        }
        Err(_) => "(not a URL)".to_string(),
    }
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
            token: None,
            allowed_origins: Vec::new(),
            assistant_workers: 2,
            reply_retry_backoff: Duration::from_secs(2),
            llm: None,
            result_cache_entries: crate::results::DEFAULT_ENTRIES,
            pool: crate::db::Pool::default(),
        }
    }

    /// The database URL in effect.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => sqlite_url(&self.data_dir.join("earshot.db")),
        }
    }
}

/// The URL of the SQLite file at `path`, created if missing. The URL's parser
/// percent-decodes the path and cuts it at `?`, so `%`, `?` and `#` in a
/// folder name are percent-encoded.
fn sqlite_url(path: &std::path::Path) -> String {
    let mut encoded = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => encoded.push_str("%25"),
            '?' => encoded.push_str("%3F"),
            '#' => encoded.push_str("%23"),
            c => encoded.push(c),
        }
    }
    format!("sqlite://{encoded}?mode=rwc")
}

/// The user's data directory for Earshot (e.g. `~/.local/share/earshot`).
pub fn default_data_dir() -> PathBuf {
    directories::ProjectDirs::from("", "", "earshot")
        .map(|dirs| dirs.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from("earshot-data"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_database_is_earshot_db_in_the_data_dir() {
        let config = Config::embedded(PathBuf::from("/home/ann/.local/share/earshot"));
        assert_eq!(
            config.database_url(),
            "sqlite:///home/ann/.local/share/earshot/earshot.db?mode=rwc"
        );
    }

    #[test]
    fn url_characters_in_the_data_dir_are_percent_encoded() {
        let config = Config::embedded(PathBuf::from("/data/100% sure?#1"));
        assert_eq!(
            config.database_url(),
            "sqlite:///data/100%25 sure%3F%231/earshot.db?mode=rwc"
        );
    }
}
