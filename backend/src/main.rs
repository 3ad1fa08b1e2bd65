//! `earshot-server`: Earshot's backend as a standalone server, for the web
//! build and for desktop apps that join a shared workspace.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use earshot_backend::config::LlmConfig;
use earshot_backend::{Config, Server, default_data_dir};
use tracing_subscriber::EnvFilter;

/// Earshot's server: REST API under /api, live sync at /api/ws/sync.
#[derive(Debug, Parser)]
#[command(name = "earshot-server", version, about)]
struct Cli {
    /// Address to listen on.
    #[arg(long, env = "EARSHOT_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Database URL (SQLite or PostgreSQL); default: earshot.db in the data directory.
    #[arg(long = "db", env = "DATABASE_URL")]
    database_url: Option<String>,
    /// Where the database and the imported audio live.
    #[arg(long, env = "EARSHOT_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Largest accepted upload, in MiB.
    #[arg(long, env = "EARSHOT_MAX_UPLOAD_MB", default_value_t = 512)]
    max_upload_mb: u64,
    /// Recordings processed at the same time.
    #[arg(long, env = "EARSHOT_WORKERS", default_value_t = 2)]
    workers: usize,
    /// Allow importing files by path from this machine's disk.
    #[arg(long, env = "EARSHOT_ALLOW_PATH_IMPORT")]
    allow_path_import: bool,
    /// A built web bundle to serve at `/`.
    #[arg(long, env = "EARSHOT_WEB_DIR")]
    web_dir: Option<PathBuf>,
    /// The token clients must present; required unless --bind is a loopback address.
    #[arg(long, env = "EARSHOT_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// A web origin (besides this server's own) allowed to use the API, e.g.
    /// https://earshot.example; repeatable.
    #[arg(
        long = "allow-origin",
        env = "EARSHOT_ALLOWED_ORIGINS",
        value_delimiter = ','
    )]
    allowed_origins: Vec<String>,
    /// Assistant replies worked on at the same time.
    #[arg(long, env = "EARSHOT_ASSISTANT_WORKERS", default_value_t = 2)]
    assistant_workers: usize,
    /// Base URL of an OpenAI-compatible API that writes the assistant's
    /// replies, e.g. http://127.0.0.1:8080/v1; without it replies are
    /// composed offline from the matching passages.
    #[arg(long, env = "EARSHOT_LLM_URL", requires = "llm_model")]
    llm_url: Option<String>,
    /// The model to ask that API for.
    #[arg(long, env = "EARSHOT_LLM_MODEL", requires = "llm_url")]
    llm_model: Option<String>,
    /// The API key for that API, if it needs one.
    #[arg(long, env = "EARSHOT_LLM_API_KEY", hide_env_values = true)]
    llm_api_key: Option<String>,
    /// Read answers kept in memory, each until a change stales it; 0 turns
    /// the cache off.
    #[arg(long, env = "EARSHOT_RESULT_CACHE_ENTRIES", default_value_t = earshot_backend::results::DEFAULT_ENTRIES)]
    result_cache_entries: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn")),
        )
        .init();
    let cli = Cli::parse();
    let mut config = Config::embedded(cli.data_dir.unwrap_or_else(default_data_dir));
    config.bind = cli.bind;
    config.database_url = cli.database_url;
    config.max_upload_bytes = cli.max_upload_mb.saturating_mul(1024 * 1024);
    config.workers = cli.workers.max(1);
    config.allow_path_import = cli.allow_path_import;
    config.web_dir = cli.web_dir;
    config.token = cli.token;
    config.allowed_origins = cli.allowed_origins;
    config.heartbeat_interval = Duration::from_secs(15);
    config.assistant_workers = cli.assistant_workers.max(1);
    config.result_cache_entries = cli.result_cache_entries;
    config.llm = match (cli.llm_url, cli.llm_model) {
        (Some(url), Some(model)) => Some(LlmConfig {
            url,
            model,
            api_key: cli.llm_api_key,
        }),
        _ => None,
    };

    let server = Server::build(config).await?;
    tracing::info!(address = %server.local_addr(), "earshot-server listening");
    server.run_until(shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
