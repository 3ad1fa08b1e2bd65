//! `make-workspace`: creates a large Earshot workspace, for benchmarks and
//! for trying the app on a library of realistic size.
//!
//! ```sh
//! cargo run --release -p earshot-backend --example make-workspace -- \
//!     --recordings 10000 --data-dir /tmp/earshot-big
//! cargo run --release -p earshot-backend --bin earshot-server -- --data-dir /tmp/earshot-big
//! cargo run -p earshot-app -- --data-dir /tmp/earshot-big          # or the desktop app
//! ```
//!
//! The database is the data directory's `earshot.db` (SQLite), as the server
//! and the app use it, or any other with `--db` (`postgres://…`; the server
//! then needs the same `--db`). The migrations run first, as at a server's
//! start. A workspace that already holds recordings, projects or
//! conversations is refused. With `--pending N`, N more recordings are left
//! `queued` with a short WAV each, which the server processes when it
//! starts. The same `--seed` and `--now` always give the same workspace.
//!
//! What it generates is described in `generate.rs`. It writes the database
//! directly, so no server should be running on the workspace meanwhile.

mod generate;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::Parser;
use earshot_backend::Config;

/// Creates a large Earshot workspace with generated content.
#[derive(Debug, Parser)]
#[command(name = "make-workspace")]
struct Cli {
    /// Recordings to generate (the pending ones included).
    #[arg(long, default_value_t = 10_000)]
    recordings: usize,
    /// The workspace's data directory (created if missing).
    #[arg(long)]
    data_dir: PathBuf,
    /// Database URL; default: earshot.db in the data directory.
    #[arg(long = "db")]
    database_url: Option<String>,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Of the recordings, how many are left queued (each with a WAV file)
    /// for the server to process.
    #[arg(long, default_value_t = 0)]
    pending: usize,
    /// Projects; default: one per 200 recordings, at least 50.
    #[arg(long)]
    projects: Option<usize>,
    /// Conversations; default: one per 50 recordings, at least 20.
    #[arg(long)]
    conversations: Option<usize>,
    /// Entries of search history.
    #[arg(long, default_value_t = 40)]
    searches: usize,
    /// The time to generate "at" (RFC 3339, e.g. 2026-01-15T12:00:00Z);
    /// default: now. Timestamps fall before it.
    #[arg(long)]
    now: Option<DateTime<Utc>>,
    /// Print only the summary.
    #[arg(long)]
    quiet: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // The message and its causes, without a backtrace: the usual
            // failures (a workspace that is not empty, a database that
            // cannot be reached) are the user's to fix.
            eprintln!("make-workspace: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let started = Instant::now();
    tokio::fs::create_dir_all(&cli.data_dir)
        .await
        .with_context(|| format!("cannot create {}", cli.data_dir.display()))?;
    let mut config = Config::embedded(cli.data_dir.clone());
    config.database_url = cli.database_url.clone();
    let url = config.database_url();

    // Named like a server's hub epoch, so that on PostgreSQL the queued rows
    // are taken over by the next server as a stopped replica's would be.
    let epoch = uuid::Uuid::now_v7().simple().to_string();
    let db = earshot_backend::db::connect(&url, &epoch)
        .await
        .with_context(|| format!("cannot open the database {}", shown(&url)))?;

    let mut options = generate::Options::for_recordings(cli.recordings);
    options.pending = cli.pending;
    options.searches = cli.searches;
    options.seed = cli.seed;
    options.worker = epoch;
    options.progress = !cli.quiet;
    if let Some(projects) = cli.projects {
        options.projects = projects;
    }
    if let Some(conversations) = cli.conversations {
        options.conversations = conversations;
    }
    if let Some(now) = cli.now {
        options.now = now;
    }
    if !cli.quiet {
        eprintln!(
            "generating {} recordings ({} pending), {} projects, {} conversations into {} (seed {})",
            options.recordings,
            options.pending,
            options.projects,
            options.conversations,
            shown(&url),
            options.seed
        );
    }

    let summary = generate::generate(&db, &cli.data_dir, &options).await?;
    let size = generate::database_size(&db).await?;
    db.close().await.context("cannot close the database")?;

    println!("{summary}");
    if let Some(size) = size {
        println!("database       {:.1} MB", size as f64 / 1e6);
    }
    println!(
        "total          {:.1} s (with migrations)",
        started.elapsed().as_secs_f64()
    );
    let db_flag = match &cli.database_url {
        Some(url) => format!(" --db {}", shown(url)),
        None => String::new(),
    };
    println!(
        "\nOpen it with: cargo run --release -p earshot-backend --bin earshot-server -- --data-dir {}{db_flag}",
        cli.data_dir.display()
    );
    Ok(())
}

/// A database URL fit to print: without its password.
fn shown(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}
