//! The server under measurement, in a process of its own.
//!
//! The benchmark program starts itself again with `--serve DATA_DIR
//! CACHE_ENTRIES` ([`EarshotProcess::start`]); that process
//! ([`serve_if_asked`]) builds the server exactly as `earshot-server` does
//! (`Config::embedded` with the command line's defaults: no path import,
//! 2 processing workers, a 15 s heartbeat), on a tokio multi-thread runtime
//! with one worker per core, listens on 127.0.0.1 on a free port, prints
//! the address on its first line and serves until its standard input
//! closes. Its CPU time is then its own: [`cpu_time`] reads it from
//! `/proc/<pid>/stat`.

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};
use earshot_backend::{Config, Server};

/// The argument that makes the program serve instead of measuring.
const SERVE: &str = "--serve";
/// The marker of the line the server process prints its address on.
const ADDRESS_MARKER: &str = "EARSHOT_ADDRESS ";

/// An Earshot server running in a child process.
pub struct EarshotProcess {
    child: Child,
    /// Where it listens.
    pub address: SocketAddr,
}

impl EarshotProcess {
    /// Starts the server on `data_dir` with a result cache of
    /// `cache_entries` answers (0: off), and waits until it listens.
    pub fn start(data_dir: &Path, cache_entries: usize) -> anyhow::Result<EarshotProcess> {
        let mut child = Command::new(std::env::current_exe().context("cannot find this program")?)
            .arg(SERVE)
            .arg(data_dir)
            .arg(cache_entries.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("cannot start the server process")?;
        let mut first = String::new();
        std::io::BufReader::new(child.stdout.take().expect("piped")).read_line(&mut first)?;
        let Some(address) = first.trim().strip_prefix(ADDRESS_MARKER) else {
            let status = child.wait()?;
            bail!("the server process did not start ({status}); see its message above");
        };
        Ok(EarshotProcess {
            address: address.parse()?,
            child,
        })
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops the server (it finishes what is under way) and waits for it.
    pub fn stop(mut self) -> anyhow::Result<()> {
        // Closing its stdin stops it.
        drop(self.child.stdin.take());
        let status = self.child.wait()?;
        if !status.success() {
            bail!("the server process ended with {status}");
        }
        Ok(())
    }
}

/// In the server process (the program was started with `--serve DATA_DIR
/// CACHE_ENTRIES`): serves, and returns the outcome for `main` to exit with.
/// `None` in the measuring process.
pub fn serve_if_asked() -> Option<anyhow::Result<()>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let at = args.iter().position(|a| a == SERVE)?;
    Some((|| {
        let data_dir = PathBuf::from(args.get(at + 1).context("--serve needs a data dir")?);
        let cache_entries = args
            .get(at + 2)
            .context("--serve needs a cache size")?
            .parse()?;
        serve(data_dir, cache_entries)
    })())
}

fn serve(data_dir: PathBuf, cache_entries: usize) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    // A sync socket per client, and the database's and runtime's own.
    super::raise_fd_limit(16_384);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let mut config = Config::embedded(data_dir);
        // What `earshot-server` sets that the embedded backend does not.
        config.allow_path_import = false;
        config.heartbeat_interval = Duration::from_secs(15);
        config.result_cache_entries = cache_entries;
        let server = Server::build(config).await?;
        println!("{ADDRESS_MARKER}{}", server.local_addr());
        let (closed, stdin_closed) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
            let _ = closed.send(());
        });
        server
            .run_until(async {
                let _ = stdin_closed.await;
            })
            .await
    })?;
    rt.shutdown_timeout(Duration::from_secs(1));
    Ok(())
}

/// A process's CPU time so far (user + system), from `/proc/<pid>/stat`;
/// `pid` `None` is the calling thread (`/proc/thread-self/stat`).
pub fn cpu_time(pid: Option<u32>) -> Option<Duration> {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/stat"),
        None => "/proc/thread-self/stat".to_string(),
    };
    let stat = std::fs::read_to_string(path).ok()?;
    // Fields after the command name, which is in parentheses and may hold
    // spaces: state is field 3, utime 14 and stime 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    let per_second = rustix::param::clock_ticks_per_second();
    Some(Duration::from_nanos(ticks * 1_000_000_000 / per_second))
}
