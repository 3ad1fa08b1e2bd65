//! Live sync fan-out: how long after a mutation every socket of
//! `/api/ws/sync` has its `invalidate` frame, and what an idle socket costs.
//!
//! ```sh
//! cargo bench -p earshot-backend --bench fanout                  # N = 100, 1,000, 10,000
//! cargo bench -p earshot-backend --bench fanout -- 1000 --rounds 50
//! FANOUT_SIZES=100,1000 FANOUT_ROUNDS=20 cargo bench -p earshot-backend --bench fanout
//! ```
//!
//! Options (arguments, or the environment variable in brackets):
//! - bare numbers, or `--sizes 100,1000` (`FANOUT_SIZES`): the socket counts;
//! - `--rounds R` (`FANOUT_ROUNDS`, default 20): measured mutations per size,
//!   after 2 warm-up mutations that are not counted;
//! - `--batch B` (`FANOUT_BATCH`, default 100): clients connecting at once.
//!   The server's listener has tokio's default backlog of 128: a larger batch
//!   overflows it and the dropped SYNs are retried after 1 s (the output
//!   counts the overflows);
//! - `--same-runtime` (`FANOUT_RUNTIME=same`): run the clients on the
//!   server's tokio runtime instead of a second one;
//! - `--heartbeat S` (`FANOUT_HEARTBEAT`, default 15, the server's default):
//!   the server's ping interval; clients answer every ping with a pong;
//! - `--client-read-buffer BYTES` (`FANOUT_CLIENT_READ_BUFFER`, default
//!   4096): the clients' tungstenite read buffer. Tungstenite's default,
//!   128 KiB, is zero-filled before every read: 10,000 such clients would
//!   spend the fan-out clearing buffers and measure the client library rather
//!   than the server. The server keeps its own (axum's) settings.
//!
//! - `--split` (`FANOUT_SPLIT=1`): run every size in two processes (see
//!   below), not only those that do not fit in one.
//! - `--floor` (`FANOUT_FLOOR=1`): measure the same clients against the
//!   least a server could do instead of Earshot's (see `fanout/floor.rs`):
//!   the frame encoded once, written by one plain thread per CPU.
//!
//! Each size runs in a fresh child process (this program started again with
//! `--child N`), so that one size's memory, kept by the allocator, does not
//! hide the next one's. The child starts a real server
//! (`Server::build(Config::embedded(tempdir))`, SQLite in a temporary
//! directory, bound to 127.0.0.1:0) on a multi-thread tokio runtime, opens N
//! tokio-tungstenite clients offering the `earshot` subprotocol, each reading
//! its `hello`, and then, once per round, notes t0, creates one project with
//! `POST /api/projects` and takes for every socket the time from t0 until
//! that socket's client task has read the `invalidate` frame with the
//! round's seq. Every client task reads all the time; the next round starts
//! 100 ms after every socket had the previous frame.
//!
//! Memory per idle socket is (VmRSS after the N hellos − VmRSS before
//! connecting) / N: clients and server share the process, so it is the
//! client's and the server's side of a socket together.
//!
//! In one process each socket takes two file descriptors (both ends), so the
//! program raises `RLIMIT_NOFILE` to what the largest size needs (beyond the
//! hard limit only when privileged). A size that still does not fit runs in
//! two processes, and the output says so: the server alone in one (this
//! program with `--serve`), the clients and the HTTP driver in the other;
//! latencies are still taken in one process, and the memory is then split
//! into the server's share and the clients'.

use std::io::BufRead;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use earshot_backend::{Config, Server};
use earshot_shared::sync::{Action, ClientMessage, Resource, ServerMessage};
use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::net::TcpStream;
use tokio::runtime::Runtime;
use tokio::sync::{Notify, oneshot};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

#[path = "fanout/floor.rs"]
mod floor;

/// The subprotocol the clients offer (the server selects it).
const PROTOCOL: &str = "earshot";
/// Mutations per size before the measured ones, with every socket open.
const WARMUP_ROUNDS: usize = 2;
/// Pause before each round, so that rounds do not overlap.
const ROUND_GAP: Duration = Duration::from_millis(100);
/// How long a round may take before the run is given up.
const ROUND_TIMEOUT: Duration = Duration::from_secs(60);
/// How long one client may take to connect and read its hello.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// File descriptors besides the sockets' (database, runtime, stdio…).
const FD_MARGIN: u64 = 512;
/// The marker of the line a child prints its result on.
const ROW_MARKER: &str = "FANOUT_ROW ";
/// The marker of the line the server process prints its address on.
const ADDRESS_MARKER: &str = "FANOUT_ADDRESS ";

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

#[derive(Clone, Debug)]
struct Options {
    sizes: Vec<usize>,
    rounds: usize,
    batch: usize,
    same_runtime: bool,
    heartbeat_secs: u64,
    client_read_buffer: usize,
    split: bool,
    /// Measure against the floor server instead of Earshot's.
    floor: bool,
    /// Set in a child: the one size it measures.
    child: Option<usize>,
    /// Set in the server process of a two-process run.
    serve: bool,
}

impl Options {
    fn parse() -> anyhow::Result<Options> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let mut options = Options {
            sizes: match env("FANOUT_SIZES") {
                Some(list) => parse_sizes(&list)?,
                None => vec![100, 1_000, 10_000],
            },
            rounds: env("FANOUT_ROUNDS").map_or(Ok(20), |v| v.trim().parse())?,
            batch: env("FANOUT_BATCH").map_or(Ok(100), |v| v.trim().parse())?,
            same_runtime: env("FANOUT_RUNTIME").is_some_and(|v| v.trim() == "same"),
            heartbeat_secs: env("FANOUT_HEARTBEAT").map_or(Ok(15), |v| v.trim().parse())?,
            client_read_buffer: env("FANOUT_CLIENT_READ_BUFFER")
                .map_or(Ok(4096), |v| v.trim().parse())?,
            split: env("FANOUT_SPLIT").is_some_and(|v| v.trim() == "1"),
            floor: env("FANOUT_FLOOR").is_some_and(|v| v.trim() == "1"),
            child: None,
            serve: false,
        };
        let mut positional = Vec::new();
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut value =
                |name: &str| args.next().with_context(|| format!("{name} needs a value"));
            match arg.as_str() {
                // cargo bench passes `--bench` to every bench program.
                "--bench" => {}
                "--sizes" => positional.extend(parse_sizes(&value("--sizes")?)?),
                "--rounds" => options.rounds = value("--rounds")?.parse()?,
                "--batch" => options.batch = value("--batch")?.parse()?,
                "--heartbeat" => options.heartbeat_secs = value("--heartbeat")?.parse()?,
                "--client-read-buffer" => {
                    options.client_read_buffer = value("--client-read-buffer")?.parse()?;
                }
                "--same-runtime" => options.same_runtime = true,
                "--split" => options.split = true,
                "--floor" => options.floor = true,
                "--child" => options.child = Some(value("--child")?.parse()?),
                "--serve" => options.serve = true,
                "-h" | "--help" => {
                    println!(
                        "usage: fanout [N…] [--sizes N,N] [--rounds R] [--batch B] \
                         [--same-runtime] [--heartbeat SECS] [--client-read-buffer BYTES] \
                         [--split] [--floor]"
                    );
                    std::process::exit(0);
                }
                other if other.starts_with(|c: char| c.is_ascii_digit()) => {
                    positional.extend(parse_sizes(other)?);
                }
                other => bail!("unknown argument {other:?} (try --help)"),
            }
        }
        if !positional.is_empty() {
            options.sizes = positional;
        }
        ensure!(options.rounds > 0, "--rounds must be at least 1");
        ensure!(options.batch > 0, "--batch must be at least 1");
        ensure!(options.heartbeat_secs > 0, "--heartbeat must be at least 1");
        ensure!(
            options.sizes.iter().all(|&n| n > 0),
            "socket counts must be at least 1"
        );
        Ok(options)
    }

    /// The arguments that hand these options to a child measuring `n`.
    fn child_args(&self, n: usize, mode: Mode) -> Vec<String> {
        let mut args = vec![
            "--child".to_string(),
            n.to_string(),
            "--rounds".to_string(),
            self.rounds.to_string(),
            "--batch".to_string(),
            self.batch.to_string(),
            "--heartbeat".to_string(),
            self.heartbeat_secs.to_string(),
            "--client-read-buffer".to_string(),
            self.client_read_buffer.to_string(),
        ];
        if self.same_runtime {
            args.push("--same-runtime".to_string());
        }
        if mode == Mode::TwoProcesses {
            args.push("--split".to_string());
        }
        if self.floor {
            args.push("--floor".to_string());
        }
        args
    }
}

/// `100,1000` or `10_000`: a comma-separated list of counts.
fn parse_sizes(list: &str) -> anyhow::Result<Vec<usize>> {
    list.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            s.trim()
                .replace('_', "")
                .parse()
                .with_context(|| format!("{s:?} is not a socket count"))
        })
        .collect()
}

fn main() -> anyhow::Result<()> {
    let options = Options::parse()?;
    match (options.serve, options.child) {
        (true, _) => serve(&options),
        (false, Some(n)) => child(n, &options),
        (false, None) => parent(&options),
    }
}

// ---------------------------------------------------------------------------
// The parent: one child per size, then the table.

/// Where the server runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Mode {
    /// Server and clients in one process.
    OneProcess,
    /// The server in a process of its own.
    TwoProcesses,
}

impl Mode {
    fn fds_needed(self, sockets: usize) -> u64 {
        match self {
            Mode::OneProcess => 2 * sockets as u64 + FD_MARGIN,
            Mode::TwoProcesses => sockets as u64 + FD_MARGIN,
        }
    }
}

fn parent(options: &Options) -> anyhow::Result<()> {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let largest = options.sizes.iter().copied().max().unwrap_or(0);
    let (limit, raise_error) = raise_fd_limit(Mode::OneProcess.fds_needed(largest));
    println!(
        "Live sync fan-out: {} measured rounds (+{WARMUP_ROUNDS} warm-up) per size, \
         one POST /api/projects per round",
        options.rounds
    );
    if options.floor {
        println!(
            "FLOOR: against the floor server (frame encoded once, written by one thread \
             per CPU), not Earshot's"
        );
    }
    println!(
        "{cpus} CPUs; 1 process: server on a tokio multi-thread runtime ({cpus} workers), \
         clients and driver {}",
        if options.same_runtime {
            "on the same runtime".to_string()
        } else {
            format!("on a second one ({cpus} workers)")
        },
    );
    println!(
        "2 processes: the server alone ({cpus} workers); clients and driver in another \
         ({cpus} workers)"
    );
    println!(
        "client read buffer {} B; server heartbeat {} s (clients answer pings); \
         RLIMIT_NOFILE {}",
        options.client_read_buffer,
        options.heartbeat_secs,
        limit.describe()
    );
    if let Some(err) = &raise_error {
        println!("{err}");
    }
    println!();

    let exe = std::env::current_exe().context("cannot find this program")?;
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    for &n in &options.sizes {
        let fits = |mode: Mode| limit.soft >= mode.fds_needed(n);
        let mode = if !options.split && fits(Mode::OneProcess) {
            Mode::OneProcess
        } else if fits(Mode::TwoProcesses) {
            if !options.split {
                notes.push(format!(
                    "N = {}: ran in 2 processes: in one it needs about {} file descriptors \
                     (2 per socket), RLIMIT_NOFILE is {}{}",
                    thousands(n as u64),
                    Mode::OneProcess.fds_needed(n),
                    limit.describe(),
                    if raise_error.is_some() {
                        " and cannot be raised here"
                    } else {
                        ""
                    }
                ));
            }
            Mode::TwoProcesses
        } else {
            let why = format!(
                "skipped: needs about {} file descriptors even in 2 processes, \
                 RLIMIT_NOFILE is {}",
                Mode::TwoProcesses.fds_needed(n),
                limit.describe()
            );
            eprintln!("N = {n}: {why}");
            rows.push((n, Err(why)));
            continue;
        };
        eprintln!("N = {n}: starting ({mode:?})");
        let mut process = Command::new(&exe)
            .args(options.child_args(n, mode))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("cannot start a child")?;
        let stdout = process.stdout.take().expect("piped");
        let mut row = None;
        for line in std::io::BufReader::new(stdout).lines() {
            let line = line?;
            match line.strip_prefix(ROW_MARKER) {
                Some(json) => row = Some(serde_json::from_str::<Row>(json)?),
                None => println!("{line}"),
            }
        }
        let status = process.wait()?;
        rows.push((
            n,
            row.ok_or_else(|| format!("the child failed ({status}); see its message above")),
        ));
    }

    println!();
    print_table(&rows);
    for note in notes {
        println!("{note}");
    }
    println!();
    println!(
        "latency: from just before the POST is sent until a socket's client task has read the \
         frame; p50/p99/max over every (socket, round) pair; first p50: median over rounds of \
         the earliest socket; HTTP: the POST's own latency, response body read."
    );
    println!(
        "RSS/socket: (VmRSS after N idle sockets - before) / N, the client's AND the server's \
         side of each socket; server share: the server process's part (2 processes only)."
    );
    Ok(())
}

fn print_table(rows: &[(usize, Result<Row, String>)]) {
    let header = [
        "sockets",
        "processes",
        "samples",
        "p50",
        "p99",
        "max",
        "first p50",
        "HTTP p50",
        "HTTP max",
        "RSS/socket",
        "server share",
        "connect all",
    ];
    let mut lines = vec![header.map(str::to_string).to_vec()];
    let mut failures = Vec::new();
    for (n, row) in rows {
        match row {
            Ok(row) => lines.push(vec![
                thousands(row.sockets as u64),
                match row.mode {
                    Mode::OneProcess => "1".to_string(),
                    Mode::TwoProcesses => "2".to_string(),
                },
                thousands(row.samples as u64),
                millis(row.p50_ns),
                millis(row.p99_ns),
                millis(row.max_ns),
                millis(row.first_p50_ns),
                millis(row.http_p50_ns),
                millis(row.http_max_ns),
                kib_per_socket(row.total_rss_growth_kib(), row.sockets),
                match row.server_rss_kib {
                    Some((before, after)) => {
                        kib_per_socket(after.saturating_sub(before), row.sockets)
                    }
                    None => "n/a".to_string(),
                },
                format!("{:.1} s", row.connect_ns as f64 / 1e9),
            ]),
            Err(why) => {
                let mut line = vec![thousands(*n as u64)];
                line.extend(std::iter::repeat_n("-".to_string(), header.len() - 1));
                lines.push(line);
                failures.push(format!("N = {n}: {why}"));
            }
        }
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|col| lines.iter().map(|l| l[col].len()).max().unwrap_or(0))
        .collect();
    for (i, line) in lines.iter().enumerate() {
        let cells: Vec<String> = line
            .iter()
            .zip(&widths)
            .map(|(cell, &w)| format!("{cell:>w$}"))
            .collect();
        println!("| {} |", cells.join(" | "));
        if i == 0 {
            let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
            println!("|-{}-|", rule.join("-|-"));
        }
    }
    for failure in failures {
        println!("{failure}");
    }
    let loads: Vec<String> = rows
        .iter()
        .filter_map(|(n, row)| {
            let load = row.as_ref().ok()?.load_average?;
            Some(format!("{load:.2} at N = {}", thousands(*n as u64)))
        })
        .collect();
    if !loads.is_empty() {
        println!(
            "load average (1 min, whole machine) as the rounds began: {}",
            loads.join(", ")
        );
    }
    for (_, row) in rows {
        let Ok(row) = row else { continue };
        if row.resyncs > 0 || row.connect_retries > 0 {
            println!(
                "N = {}: {} resync frames, {} connection retries",
                thousands(row.sockets as u64),
                row.resyncs,
                row.connect_retries
            );
        }
        if let Some(overflows) = row.listen_overflows.filter(|&o| o > 0) {
            println!(
                "N = {}: the listen queue overflowed {overflows} times while connecting \
                 (system-wide count); each dropped SYN is retried after 1 s",
                thousands(row.sockets as u64)
            );
        }
    }
}

fn kib_per_socket(kib: u64, sockets: usize) -> String {
    format!("{:.1} KiB", kib as f64 / sockets as f64)
}

fn millis(ns: u64) -> String {
    format!("{:.2} ms", ns as f64 / 1e6)
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

// ---------------------------------------------------------------------------
// File descriptors.

struct FdLimit {
    soft: u64,
    hard: Option<u64>,
}

impl FdLimit {
    fn describe(&self) -> String {
        match self.hard {
            Some(hard) => format!("{} (hard {hard})", self.soft),
            None => format!("{} (hard unlimited)", self.soft),
        }
    }
}

/// Raises the soft limit on open files to `needed`, or as far as the hard
/// limit allows; past the hard limit only when privileged
/// (`CAP_SYS_RESOURCE`). Returns the limit in force and why it could not be
/// raised to `needed`.
fn raise_fd_limit(needed: u64) -> (FdLimit, Option<String>) {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let current = getrlimit(Resource::Nofile);
    let soft = current.current.unwrap_or(u64::MAX);
    let mut error = None;
    if soft < needed {
        let fits = current.maximum.is_none_or(|hard| hard >= needed);
        let wanted = if fits {
            Rlimit {
                current: Some(needed),
                maximum: current.maximum,
            }
        } else {
            Rlimit {
                current: Some(needed),
                maximum: Some(needed),
            }
        };
        if let Err(err) = setrlimit(Resource::Nofile, wanted) {
            // Unprivileged: take what the hard limit allows.
            let _ = setrlimit(
                Resource::Nofile,
                Rlimit {
                    current: current.maximum,
                    maximum: current.maximum,
                },
            );
            error = Some(format!(
                "cannot raise RLIMIT_NOFILE to {needed}: {err} (raising the hard limit needs \
                 CAP_SYS_RESOURCE; outside a container, `sudo prlimit --nofile={needed}:{needed} \
                 --pid $$` before the run does it)"
            ));
        }
    }
    let now = getrlimit(Resource::Nofile);
    let limit = FdLimit {
        soft: now.current.unwrap_or(u64::MAX),
        hard: now.maximum,
    };
    (limit, error)
}

// ---------------------------------------------------------------------------
// The child: one size.

/// What a child measured, in nanoseconds and KiB.
#[derive(Debug, Serialize, Deserialize)]
struct Row {
    sockets: usize,
    mode: Mode,
    samples: usize,
    p50_ns: u64,
    p99_ns: u64,
    max_ns: u64,
    first_p50_ns: u64,
    http_p50_ns: u64,
    http_max_ns: u64,
    /// This process's VmRSS before the sockets and with them.
    rss_kib: (u64, u64),
    /// The server process's, in a two-process run.
    server_rss_kib: Option<(u64, u64)>,
    connect_ns: u64,
    resyncs: usize,
    connect_retries: usize,
    /// How often a listen queue overflowed while the sockets connected
    /// (system-wide counter), when known.
    listen_overflows: Option<u64>,
    /// The system's 1-minute load average when the rounds began: other work
    /// on the machine competes for the same cores.
    load_average: Option<f64>,
}

impl Row {
    /// How much the sockets added to the resident memory, both sides.
    fn total_rss_growth_kib(&self) -> u64 {
        let growth = |(before, after): (u64, u64)| after.saturating_sub(before);
        growth(self.rss_kib) + self.server_rss_kib.map_or(0, growth)
    }
}

fn server_config(dir: &std::path::Path, options: &Options) -> Config {
    let mut config = Config::embedded(dir.to_path_buf());
    // One frame per round: a queue of 1,024 never lags.
    config.socket_queue = 1024;
    config.heartbeat_interval = Duration::from_secs(options.heartbeat_secs);
    config
}

fn multi_thread(name: &str) -> std::io::Result<Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .thread_name(name)
        .enable_all()
        .build()
}

fn child(n: usize, options: &Options) -> anyhow::Result<()> {
    let mode = if options.split {
        Mode::TwoProcesses
    } else {
        Mode::OneProcess
    };
    let (limit, _) = raise_fd_limit(mode.fds_needed(n));
    ensure!(
        limit.soft >= mode.fds_needed(n),
        "{n} sockets need about {} file descriptors; RLIMIT_NOFILE is {}",
        mode.fds_needed(n),
        limit.describe()
    );
    let row = match mode {
        Mode::OneProcess => one_process(n, options),
        Mode::TwoProcesses => two_processes(n, options),
    }?;
    println!("{ROW_MARKER}{}", serde_json::to_string(&row)?);
    Ok(())
}

fn one_process(n: usize, options: &Options) -> anyhow::Result<Row> {
    let server_rt = multi_thread("server")?;
    let client_rt = if options.same_runtime {
        None
    } else {
        Some(multi_thread("clients")?)
    };
    let server = Running::start(&server_rt, options)?;
    let clients: &Runtime = client_rt.as_ref().unwrap_or(&server_rt);
    let row = clients.block_on(measure(server.address, n, options, None));
    server.stop(&server_rt);
    if let Some(rt) = client_rt {
        rt.shutdown_timeout(Duration::from_secs(1));
    }
    server_rt.shutdown_timeout(Duration::from_secs(1));
    row
}

/// The server under measurement, running on a runtime: Earshot's (a real
/// server with its database in a temporary directory) or the floor.
struct Running {
    address: std::net::SocketAddr,
    /// Stops Earshot's server and the task that runs it; `None` for the
    /// floor, which stops with its runtime.
    earshot: Option<(
        oneshot::Sender<()>,
        tokio::task::JoinHandle<anyhow::Result<()>>,
    )>,
    _dir: Option<tempfile::TempDir>,
}

impl Running {
    fn start(rt: &Runtime, options: &Options) -> anyhow::Result<Running> {
        if options.floor {
            let server = rt.block_on(floor::FloorServer::start())?;
            return Ok(Running {
                address: server.local_addr(),
                earshot: None,
                _dir: None,
            });
        }
        let dir = tempfile::tempdir()?;
        let server = rt.block_on(Server::build(server_config(dir.path(), options)))?;
        let address = server.local_addr();
        let (stop, stopped) = oneshot::channel::<()>();
        let served = rt.spawn(server.run_until(async {
            let _ = stopped.await;
        }));
        Ok(Running {
            address,
            earshot: Some((stop, served)),
            _dir: Some(dir),
        })
    }

    fn stop(self, rt: &Runtime) {
        if let Some((stop, served)) = self.earshot {
            let _ = stop.send(());
            rt.block_on(async {
                let _ = tokio::time::timeout(Duration::from_secs(15), served).await;
            });
        }
    }
}

/// Starts the server in a process of its own (`--serve`) and measures
/// from this one.
fn two_processes(n: usize, options: &Options) -> anyhow::Result<Row> {
    let mut server = Command::new(std::env::current_exe()?)
        .args([
            "--serve".to_string(),
            "--child".to_string(),
            n.to_string(),
            "--heartbeat".to_string(),
            options.heartbeat_secs.to_string(),
        ])
        .args(options.floor.then_some("--floor"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("cannot start the server process")?;
    let mut first = String::new();
    std::io::BufReader::new(server.stdout.take().expect("piped")).read_line(&mut first)?;
    let address = first
        .trim()
        .strip_prefix(ADDRESS_MARKER)
        .context("the server process did not start")?
        .parse()?;
    let clients = multi_thread("clients")?;
    let row = clients.block_on(measure(address, n, options, Some(server.id())));
    // Closing its stdin stops the server.
    drop(server.stdin.take());
    clients.shutdown_timeout(Duration::from_secs(1));
    server.wait()?;
    row
}

/// The server process of a two-process run (`--serve --child N`): serves
/// until stdin closes.
fn serve(options: &Options) -> anyhow::Result<()> {
    raise_fd_limit(Mode::TwoProcesses.fds_needed(options.child.unwrap_or(0)));
    let rt = multi_thread("server")?;
    let server = Running::start(&rt, options)?;
    println!("{ADDRESS_MARKER}{}", server.address);
    let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
    server.stop(&rt);
    rt.shutdown_timeout(Duration::from_secs(1));
    Ok(())
}

/// What the clients and the driver share.
struct Shared {
    sockets: usize,
    rounds: usize,
    /// Nanoseconds since `base` at which socket `i` read round `r`'s frame,
    /// at `r * sockets + i`; `u64::MAX` until then.
    received: Vec<AtomicU64>,
    /// How many sockets have read each round's frame.
    counts: Vec<AtomicUsize>,
    /// Woken when a round's count reaches `sockets`.
    round_done: Notify,
    base: Instant,
    resyncs: AtomicUsize,
    unexpected: AtomicUsize,
    closed: AtomicUsize,
}

impl Shared {
    fn new(sockets: usize, rounds: usize) -> Shared {
        Shared {
            sockets,
            rounds,
            received: (0..sockets * rounds)
                .map(|_| AtomicU64::new(u64::MAX))
                .collect(),
            counts: (0..rounds).map(|_| AtomicUsize::new(0)).collect(),
            round_done: Notify::new(),
            base: Instant::now(),
            resyncs: AtomicUsize::new(0),
            unexpected: AtomicUsize::new(0),
            closed: AtomicUsize::new(0),
        }
    }

    fn nanos(&self, at: Instant) -> u64 {
        at.duration_since(self.base).as_nanos() as u64
    }

    /// Socket `socket` read round `round`'s frame at `at`.
    fn record(&self, socket: usize, round: usize, at: Instant) {
        if round >= self.rounds {
            self.unexpected.fetch_add(1, Ordering::Relaxed);
            return;
        }
        self.received[round * self.sockets + socket].store(self.nanos(at), Ordering::Relaxed);
        if self.counts[round].fetch_add(1, Ordering::AcqRel) + 1 == self.sockets {
            self.round_done.notify_one();
        }
    }

    async fn wait_round(&self, round: usize) {
        loop {
            let notified = self.round_done.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.counts[round].load(Ordering::Acquire) >= self.sockets {
                return;
            }
            notified.await;
        }
    }
}

/// Opens the sockets and runs the rounds against the server at `address`;
/// `server_pid` is the server's process when it is not this one.
async fn measure(
    address: std::net::SocketAddr,
    n: usize,
    options: &Options,
    server_pid: Option<u32>,
) -> anyhow::Result<Row> {
    let server_rss = || server_pid.map(|pid| rss_kib(&format!("/proc/{pid}/status")));
    let http = reqwest::Client::new();
    let projects = format!("http://{address}/api/projects");
    let sync = format!("ws://{address}/api/ws/sync");
    let mut names = 0;
    let mut create = async |http: &reqwest::Client| -> anyhow::Result<Duration> {
        names += 1;
        let started = Instant::now();
        let response = http
            .post(&projects)
            .json(&serde_json::json!({ "name": format!("fanout {n} #{names}") }))
            .send()
            .await?;
        let status = response.status();
        let body = response.text().await?;
        let took = started.elapsed();
        ensure!(
            status.as_u16() == 201,
            "POST /api/projects: {status} {body}"
        );
        Ok(took)
    };
    // Warms the HTTP connection and the database before anything is measured.
    for _ in 0..3 {
        create(&http).await?;
    }

    let rounds = WARMUP_ROUNDS + options.rounds;
    let shared = Arc::new(Shared::new(n, rounds));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss_before = rss_kib("/proc/self/status")?;
    let server_rss_before = server_rss().transpose()?;

    let retries = Arc::new(AtomicUsize::new(0));
    let overflows_before = listen_overflows();
    let connecting = Instant::now();
    let mut hello_seq = None;
    for start in (0..n).step_by(options.batch) {
        let mut hellos = Vec::new();
        for socket in start..(start + options.batch).min(n) {
            let (ready, hello) = oneshot::channel();
            tokio::spawn(client(
                socket,
                sync.clone(),
                shared.clone(),
                retries.clone(),
                options.client_read_buffer,
                ready,
            ));
            hellos.push(hello);
        }
        for hello in hellos {
            let seq = hello
                .await
                .context("a client task ended before its hello")?
                .map_err(anyhow::Error::msg)?;
            ensure!(
                *hello_seq.get_or_insert(seq) == seq,
                "hellos disagree on the seq"
            );
        }
        if (start / options.batch) % 10 == 9 {
            eprintln!("N = {n}: {} sockets open", start + options.batch);
        }
    }
    let connect_time = connecting.elapsed();
    let overflows = overflows_before
        .zip(listen_overflows())
        .map(|(before, after)| after.saturating_sub(before));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_after = rss_kib("/proc/self/status")?;
    let server_rss_after = server_rss().transpose()?;
    eprintln!(
        "N = {n}: {n} sockets open in {:.1} s; VmRSS {rss_before} -> {rss_after} KiB{}",
        connect_time.as_secs_f64(),
        match (server_rss_before, server_rss_after) {
            (Some(before), Some(after)) => format!(", server process {before} -> {after} KiB"),
            _ => String::new(),
        }
    );

    let load_average = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next()?.parse().ok());
    let mut t0s = Vec::with_capacity(rounds);
    let mut http_times = Vec::with_capacity(rounds);
    for round in 0..rounds {
        tokio::time::sleep(ROUND_GAP).await;
        let t0 = Instant::now();
        let took = create(&http).await?;
        if tokio::time::timeout(ROUND_TIMEOUT, shared.wait_round(round))
            .await
            .is_err()
        {
            bail!(
                "round {round}: only {} of {n} sockets had the frame after {ROUND_TIMEOUT:?} \
                 ({} resyncs, {} closed)",
                shared.counts[round].load(Ordering::Acquire),
                shared.resyncs.load(Ordering::Relaxed),
                shared.closed.load(Ordering::Relaxed),
            );
        }
        t0s.push(shared.nanos(t0));
        http_times.push(took.as_nanos() as u64);
    }
    ensure!(
        shared.unexpected.load(Ordering::Relaxed) == 0,
        "sockets read frames that no round made"
    );

    let mut samples = Vec::with_capacity(n * options.rounds);
    let mut firsts = Vec::with_capacity(options.rounds);
    for (round, &t0) in t0s.iter().enumerate().skip(WARMUP_ROUNDS) {
        let mut first = u64::MAX;
        for socket in 0..n {
            let at = shared.received[round * n + socket].load(Ordering::Relaxed);
            let latency = at.saturating_sub(t0);
            first = first.min(latency);
            samples.push(latency);
        }
        firsts.push(first);
    }
    samples.sort_unstable();
    firsts.sort_unstable();
    let mut http_measured = http_times[WARMUP_ROUNDS..].to_vec();
    http_measured.sort_unstable();
    Ok(Row {
        sockets: n,
        mode: if server_pid.is_some() {
            Mode::TwoProcesses
        } else {
            Mode::OneProcess
        },
        samples: samples.len(),
        p50_ns: percentile(&samples, 0.50),
        p99_ns: percentile(&samples, 0.99),
        max_ns: *samples.last().expect("samples"),
        first_p50_ns: percentile(&firsts, 0.50),
        http_p50_ns: percentile(&http_measured, 0.50),
        http_max_ns: *http_measured.last().expect("rounds"),
        rss_kib: (rss_before, rss_after),
        server_rss_kib: server_rss_before.zip(server_rss_after),
        connect_ns: connect_time.as_nanos() as u64,
        resyncs: shared.resyncs.load(Ordering::Relaxed),
        connect_retries: retries.load(Ordering::Relaxed),
        listen_overflows: overflows,
        load_average,
    })
}

/// The nearest-rank percentile of sorted values.
fn percentile(sorted: &[u64], p: f64) -> u64 {
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// One client: connects, reports its hello's seq, then reads until the
/// socket closes, noting when each round's frame arrives and answering pings.
async fn client(
    index: usize,
    url: String,
    shared: Arc<Shared>,
    retries: Arc<AtomicUsize>,
    read_buffer: usize,
    ready: oneshot::Sender<Result<u64, String>>,
) {
    let mut attempt = 0;
    let (mut socket, hello_seq) = loop {
        match connect(&url, read_buffer).await {
            Ok(connected) => break connected,
            Err(_) if attempt < 3 => {
                attempt += 1;
                retries.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100 * attempt)).await;
            }
            Err(err) => {
                let _ = ready.send(Err(format!("socket {index}: {err}")));
                return;
            }
        }
    };
    let _ = ready.send(Ok(hello_seq));
    let pong = serde_json::to_string(&ClientMessage::Pong).expect("a pong serialises");
    while let Some(Ok(frame)) = socket.next().await {
        let at = Instant::now();
        let Message::Text(text) = frame else {
            if frame.is_close() {
                break;
            }
            continue;
        };
        match serde_json::from_str::<ServerMessage>(text.as_str()) {
            Ok(ServerMessage::Invalidate(inv))
                if inv.resource == Resource::Projects && inv.action == Action::Created =>
            {
                let round = inv.seq.saturating_sub(hello_seq + 1) as usize;
                shared.record(index, round, at);
            }
            Ok(ServerMessage::Ping) => {
                if socket.send(Message::text(pong.clone())).await.is_err() {
                    break;
                }
            }
            Ok(ServerMessage::Resync { .. }) => {
                shared.resyncs.fetch_add(1, Ordering::Relaxed);
            }
            _ => {
                shared.unexpected.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    shared.closed.fetch_add(1, Ordering::Relaxed);
}

/// Opens a socket offering the `earshot` subprotocol and reads its hello.
async fn connect(url: &str, read_buffer: usize) -> Result<(Socket, u64), String> {
    let mut request = url.into_client_request().map_err(|e| e.to_string())?;
    request
        .headers_mut()
        .insert("sec-websocket-protocol", HeaderValue::from_static(PROTOCOL));
    let handshake = tokio_tungstenite::connect_async_with_config(
        request,
        Some(WebSocketConfig::default().read_buffer_size(read_buffer)),
        true,
    );
    let (mut socket, response) = tokio::time::timeout(CONNECT_TIMEOUT, handshake)
        .await
        .map_err(|_| "the handshake timed out".to_string())?
        .map_err(|e| e.to_string())?;
    let selected = response.headers().get("sec-websocket-protocol");
    if selected.is_none_or(|p| p.as_bytes() != PROTOCOL.as_bytes()) {
        return Err(format!("the server selected {selected:?}"));
    }
    loop {
        let frame = tokio::time::timeout(CONNECT_TIMEOUT, socket.next())
            .await
            .map_err(|_| "no hello in time".to_string())?
            .ok_or("closed before the hello")?
            .map_err(|e| e.to_string())?;
        if let Message::Text(text) = frame {
            return match serde_json::from_str::<ServerMessage>(text.as_str()) {
                Ok(ServerMessage::Hello { seq, .. }) => Ok((socket, seq)),
                other => Err(format!("expected a hello, got {other:?}")),
            };
        }
    }
}

/// The system's count of listen queue overflows (`TcpExt: ListenOverflows`
/// in /proc/net/netstat): each one is a SYN dropped and retried a second
/// later.
fn listen_overflows() -> Option<u64> {
    let netstat = std::fs::read_to_string("/proc/net/netstat").ok()?;
    let mut tcp_ext = netstat.lines().filter(|l| l.starts_with("TcpExt:"));
    let (names, values) = (tcp_ext.next()?, tcp_ext.next()?);
    let column = names
        .split_whitespace()
        .position(|n| n == "ListenOverflows")?;
    values.split_whitespace().nth(column)?.parse().ok()
}

/// A process's resident set size, from its /proc/…/status.
fn rss_kib(status_file: &str) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(status_file)?;
    let line = status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .with_context(|| format!("no VmRSS in {status_file}"))?;
    line.split_whitespace()
        .nth(1)
        .context("a VmRSS value")?
        .parse()
        .context("a VmRSS number")
}
