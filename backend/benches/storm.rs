//! The refetch storm: N apps showing the Recordings page and the Dashboard
//! on a 10,000-recording workspace, and how long after a change every one
//! of them holds fresh answers.
//!
//! ```sh
//! cargo bench -p earshot-backend --bench storm                   # N = 100 and 1,000
//! cargo bench -p earshot-backend --bench storm -- 1000 --rounds 60
//! STORM_CLIENTS=100 STORM_CACHE_ENTRIES=0 cargo bench -p earshot-backend --bench storm
//! ```
//!
//! Each simulated app is a real WebSocket client of `/api/ws/sync`
//! (tokio-tungstenite, offering the `earshot` subprotocol, reading its
//! `hello`, answering the server's pings) that first loads what the two
//! pages show, as the app does when they open: `GET /api/recordings` (the
//! default first page: the app's default filters, whose `per_page` is
//! `RecordingFilters::DEFAULT_PER_PAGE`, so no query string) and `GET
//! /api/dashboard/stats`. Then, on every `invalidate` frame, it asks
//! `Invalidate::keys()` which query keys the change stales, as the app's
//! sync client does, and refetches each of the two queries that one of those
//! keys is a prefix of, both at once, each with `If-None-Match` of the ETag
//! it last got for it (none if the server sends none); a change that stales
//! neither costs no request. A `200` brings a new ETag, a `304` keeps the
//! answer it has. As in the app, one task reads the socket (and answers
//! pings at once) while another makes the refetches: a slow refetch does
//! not keep an app silent until the server's heartbeat closes its socket.
//!
//! The apps share HTTP connections as a group: every `--group` apps (50)
//! share one pool (`storm/pool.rs`) that has at most `--group-connections`
//! (4) requests in flight, hence at most that many keep-alive connections:
//! 1,000 apps use 80 connections, not 2,000. A browser would open its own
//! connections per app; one loopback connection per app would only add
//! sockets to the two cores.
//!
//! A round notes t0, makes one change, and takes for every app the time
//! from t0 until it holds fresh answers for everything the change staled
//! (the answers of its refetches have arrived, bodies read); the next round
//! starts 100 ms after every app is done. The rounds take turns between
//! three changes:
//!
//! - `project`: `POST /api/projects` (stales the dashboard, not the list);
//! - `rename shown`: `PATCH /api/recordings/{id}` `{"title": …}` of the
//!   newest recording, which the first page shows (stales both, and both
//!   answers change);
//! - `rename other`: the same for a recording from the middle of the list,
//!   which the first page does not show (stales both; with the result cache
//!   the list's refetch is a `304`).
//!
//! Reported per change and over all rounds: p50/p99/max of that time over
//! every (app, round), the refetches made and their answers, the server's
//! CPU time per change (its process's utime + stime from `/proc`, read
//! before t0 and after the last app is done, so fan-out and refetches), the
//! apps' CPU time (this process) and the rest of the machine's.
//!
//! The server runs in a process of its own, this program started again
//! with `--serve` (see `workload/server.rs` and the reads benchmark's
//! module docs for why), on a fresh copy of the workspace (see
//! `workload/workspace.rs`) for every N. The apps run here on a tokio
//! multi-thread runtime with a worker per core: the machine's 2 cores are
//! shared by the server and every app.
//!
//! Options (arguments, or the environment variable in brackets):
//! - bare numbers or `--clients 100,1000` (`STORM_CLIENTS`): the apps;
//! - `--recordings N` (`STORM_RECORDINGS`, default 10000);
//! - `--rounds R` (`STORM_ROUNDS`, default 30): measured rounds, after 3
//!   warm-up rounds (one of each change);
//! - `--cache-entries N` (`STORM_CACHE_ENTRIES`, default 1024): the
//!   server's result cache (0: off);
//! - `--group G` (`STORM_GROUP`, default 50) and `--group-connections K`
//!   (`STORM_GROUP_CONNECTIONS`, default 4): apps per pool and the pool's
//!   connections;
//! - `--batch B` (`STORM_BATCH`, default 100): sockets connecting at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use earshot_shared::dto::{Page, Recording};
use earshot_shared::keys::{self, QueryKey};
use earshot_shared::sync::{ClientMessage, Invalidate, ServerMessage};
use futures_util::{SinkExt, StreamExt};
use hyper::StatusCode;
use hyper::header::HeaderValue;
use tokio::net::TcpStream;
use tokio::sync::{Notify, mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

#[path = "workload/mod.rs"]
mod workload;

#[path = "storm/pool.rs"]
mod pool;

use pool::Pool;
use workload::server::{EarshotProcess, cpu_time};
use workload::workspace::{self, Workspace};
use workload::{MachineCpu, millis, percentile, print_table, thousands};

/// The subprotocol the apps offer.
const PROTOCOL: &str = "earshot";
/// The Recordings page's query: the default filters.
const LIST: &str = "/api/recordings";
/// The Dashboard's.
const STATS: &str = "/api/dashboard/stats";
/// Pause between rounds, so that rounds do not overlap.
const ROUND_GAP: Duration = Duration::from_millis(100);
/// How long a round may take before the run is given up.
const ROUND_TIMEOUT: Duration = Duration::from_secs(120);
/// How long one app may take to connect and read its hello.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// The apps' WebSocket read buffer (tungstenite's default, 128 KiB, is
/// zero-filled before every read; see the fan-out benchmark).
const READ_BUFFER: usize = 4096;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Change {
    Project,
    RenameShown,
    RenameOther,
}

impl Change {
    const ALL: [Change; 3] = [Change::Project, Change::RenameShown, Change::RenameOther];

    fn name(self) -> &'static str {
        match self {
            Change::Project => "project",
            Change::RenameShown => "rename shown",
            Change::RenameOther => "rename other",
        }
    }

    fn of_round(round: usize) -> Change {
        Change::ALL[round % Change::ALL.len()]
    }
}

#[derive(Clone, Debug)]
struct Options {
    clients: Vec<usize>,
    recordings: usize,
    rounds: usize,
    cache_entries: usize,
    group: usize,
    group_connections: usize,
    batch: usize,
}

impl Options {
    fn parse() -> anyhow::Result<Options> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let number = |name: &str, default: usize| -> anyhow::Result<usize> {
            env(name).map_or(Ok(default), |v| {
                v.trim()
                    .replace('_', "")
                    .parse()
                    .with_context(|| format!("{name}={v}"))
            })
        };
        let mut options = Options {
            clients: match env("STORM_CLIENTS") {
                Some(list) => workload::parse_counts(&list, "apps")?,
                None => vec![100, 1_000],
            },
            recordings: number("STORM_RECORDINGS", 10_000)?,
            rounds: number("STORM_ROUNDS", 30)?,
            cache_entries: number("STORM_CACHE_ENTRIES", 1024)?,
            group: number("STORM_GROUP", 50)?,
            group_connections: number("STORM_GROUP_CONNECTIONS", 4)?,
            batch: number("STORM_BATCH", 100)?,
        };
        let mut positional = Vec::new();
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut value = |name: &str| -> anyhow::Result<usize> {
                let v = args
                    .next()
                    .with_context(|| format!("{name} needs a value"))?;
                v.replace('_', "")
                    .parse()
                    .with_context(|| format!("{name} {v}"))
            };
            match arg.as_str() {
                // cargo bench passes `--bench` to every bench program.
                "--bench" => {}
                "--clients" => {
                    let list = args.next().context("--clients needs a value")?;
                    positional.extend(workload::parse_counts(&list, "apps")?);
                }
                "--recordings" => options.recordings = value("--recordings")?,
                "--rounds" => options.rounds = value("--rounds")?,
                "--cache-entries" => options.cache_entries = value("--cache-entries")?,
                "--group" => options.group = value("--group")?,
                "--group-connections" => {
                    options.group_connections = value("--group-connections")?;
                }
                "--batch" => options.batch = value("--batch")?,
                "-h" | "--help" => {
                    println!(
                        "usage: storm [N…] [--clients N,N] [--recordings N] [--rounds R] \
                         [--cache-entries N] [--group G] [--group-connections K] [--batch B]"
                    );
                    std::process::exit(0);
                }
                other if other.starts_with(|c: char| c.is_ascii_digit()) => {
                    positional.extend(workload::parse_counts(other, "apps")?);
                }
                other => bail!("unknown argument {other:?} (try --help)"),
            }
        }
        if !positional.is_empty() {
            options.clients = positional;
        }
        ensure!(options.rounds > 0, "--rounds must be at least 1");
        ensure!(
            options.group > 0 && options.group_connections > 0 && options.batch > 0,
            "--group, --group-connections and --batch must be at least 1"
        );
        ensure!(
            options.clients.iter().all(|&n| n > 0),
            "N must be at least 1"
        );
        Ok(options)
    }
}

fn main() -> anyhow::Result<()> {
    if let Some(served) = workload::server::serve_if_asked() {
        return served;
    }
    let options = Options::parse()?;
    let largest = options.clients.iter().copied().max().unwrap_or(0) as u64;
    if let Some(why) = workload::raise_fd_limit(largest * 2 + 1024) {
        println!("{why}");
    }
    let target_dir = workload::target_dir();
    let warmup = Change::ALL.len();
    println!(
        "Refetch storm: {} recordings; {} measured rounds (+{warmup} warm-up), the changes \
         taking turns: {}",
        thousands(options.recordings as u64),
        options.rounds,
        Change::ALL.map(Change::name).join(", "),
    );
    println!(
        "every app: Recordings page ({LIST}) and Dashboard ({STATS}) open, refetching what \
         Invalidate::keys() stales, with If-None-Match; {} apps per pool of at most {} \
         connections",
        options.group, options.group_connections
    );
    println!(
        "server: this program with --serve (Server::build as earshot-server, bench profile), \
         result_cache_entries = {}; {} cores shared by the server and the apps (tokio \
         multi-thread runtime)",
        options.cache_entries,
        workload::cores(),
    );
    println!();
    let template = workspace::template(&target_dir, options.recordings)?;
    let mut results = Vec::new();
    for &n in &options.clients {
        let workspace = Workspace::copy_of(&template)?;
        let size = std::fs::metadata(workspace.database()).map_or(0, |m| m.len());
        eprintln!("N = {n}: database {:.1} MB", size as f64 / 1e6);
        let server = EarshotProcess::start(workspace.path(), options.cache_entries)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .thread_name("apps")
            .enable_all()
            .build()?;
        let result = runtime.block_on(storm(&server, n, &options));
        runtime.shutdown_timeout(Duration::from_secs(1));
        server.stop()?;
        drop(workspace);
        match result {
            Ok(result) => results.push(result),
            Err(err) => {
                eprintln!("N = {n}: {err:#}");
                println!("N = {n}: failed: {err:#}");
            }
        }
    }
    print_results(&results);
    Ok(())
}

/// What the apps and the driver share.
struct Shared {
    apps: usize,
    rounds: usize,
    /// Rounds before the measured ones.
    warmup: usize,
    /// Nanoseconds since `base` at which app `i` held fresh answers for
    /// round `r`, at `r * apps + i`.
    done: Vec<AtomicU64>,
    /// How many apps are done with each round.
    counts: Vec<AtomicUsize>,
    round_done: Notify,
    base: Instant,
    /// The measured rounds' refetches by answer, per change: 200, 304,
    /// other, errors.
    answers: [[AtomicU64; 4]; 3],
    resyncs: AtomicUsize,
    unexpected: AtomicUsize,
    closed: AtomicUsize,
    first_error: std::sync::Mutex<Option<String>>,
}

const OK: usize = 0;
const NOT_MODIFIED: usize = 1;
const OTHER: usize = 2;
const ERROR: usize = 3;

impl Shared {
    fn new(apps: usize, rounds: usize, warmup: usize) -> Shared {
        Shared {
            apps,
            rounds,
            warmup,
            done: (0..apps * rounds)
                .map(|_| AtomicU64::new(u64::MAX))
                .collect(),
            counts: (0..rounds).map(|_| AtomicUsize::new(0)).collect(),
            round_done: Notify::new(),
            base: Instant::now(),
            answers: Default::default(),
            resyncs: AtomicUsize::new(0),
            unexpected: AtomicUsize::new(0),
            closed: AtomicUsize::new(0),
            first_error: std::sync::Mutex::new(None),
        }
    }

    fn nanos(&self, at: Instant) -> u64 {
        at.duration_since(self.base).as_nanos() as u64
    }

    fn record(&self, app: usize, round: usize, at: Instant) {
        if round >= self.rounds {
            self.unexpected.fetch_add(1, Ordering::Relaxed);
            return;
        }
        self.done[round * self.apps + app].store(self.nanos(at), Ordering::Relaxed);
        if self.counts[round].fetch_add(1, Ordering::AcqRel) + 1 == self.apps {
            self.round_done.notify_one();
        }
    }

    fn answer(&self, round: usize, answer: usize, error: Option<String>) {
        if let Some(error) = error {
            self.first_error
                .lock()
                .expect("not poisoned")
                .get_or_insert(error);
        }
        if round >= self.warmup {
            let change = Change::of_round(round) as usize;
            self.answers[change][answer].fetch_add(1, Ordering::Relaxed);
        }
    }

    async fn wait_round(&self, round: usize) {
        loop {
            let notified = self.round_done.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.counts[round].load(Ordering::Acquire) >= self.apps {
                return;
            }
            notified.await;
        }
    }
}

/// What one N measured.
struct StormResult {
    apps: usize,
    pools: usize,
    /// The pools' connections at most.
    connections: usize,
    /// Per change, then all: latencies (sorted, ns) and CPU time.
    per_change: Vec<ChangeResult>,
    all: Vec<u64>,
    rounds: usize,
    server_cpu: Duration,
    apps_cpu: Duration,
    machine_busy: Duration,
    measured: Duration,
    mutation_p50: u64,
    load_average: Option<f64>,
    connect: Duration,
    resyncs: usize,
    first_error: Option<String>,
}

struct ChangeResult {
    change: Change,
    rounds: usize,
    latencies: Vec<u64>,
    server_cpu: Duration,
    answers: [u64; 4],
}

async fn storm(
    server: &EarshotProcess,
    n: usize,
    options: &Options,
) -> anyhow::Result<StormResult> {
    let address = server.address;
    let warmup = Change::ALL.len();
    let rounds = warmup + options.rounds;
    let shared = Arc::new(Shared::new(n, rounds, warmup));
    let pools: Vec<Arc<Pool>> = (0..n.div_ceil(options.group))
        .map(|_| Arc::new(Pool::new(address, options.group_connections)))
        .collect();
    let http = reqwest::Client::new();
    let base = format!("http://{address}");

    // Which recordings the renames change: the newest (on the first page)
    // and one from the middle of the list (not on it).
    let first: Page<Recording> = http
        .get(format!("{base}{LIST}"))
        .send()
        .await?
        .json()
        .await?;
    let shown = first
        .items
        .first()
        .context("the workspace has no recordings")?
        .id
        .clone();
    let middle_page = (first.total / 2 / u64::from(first.per_page)).max(2);
    let middle: Page<Recording> = http
        .get(format!("{base}{LIST}?page={middle_page}"))
        .send()
        .await?
        .json()
        .await?;
    let other = middle.items.first().context("a middle page")?.id.clone();
    ensure!(
        !first.items.iter().any(|r| r.id == other),
        "the middle recording is on the first page"
    );

    let connecting = Instant::now();
    let sync = format!("ws://{address}/api/ws/sync");
    let mut hello_seq = None;
    for start in (0..n).step_by(options.batch) {
        let mut hellos = Vec::new();
        for app in start..(start + options.batch).min(n) {
            let (ready, hello) = oneshot::channel();
            tokio::spawn(run_app(
                app,
                sync.clone(),
                pools[app / options.group].clone(),
                shared.clone(),
                ready,
            ));
            hellos.push(hello);
        }
        for hello in hellos {
            let seq = hello
                .await
                .context("an app ended before its hello")?
                .map_err(anyhow::Error::msg)?;
            ensure!(
                *hello_seq.get_or_insert(seq) == seq,
                "hellos disagree on the seq"
            );
        }
    }
    let connect = connecting.elapsed();
    eprintln!(
        "N = {n}: {n} apps connected and loaded their pages in {:.1} s",
        connect.as_secs_f64()
    );

    let mut per_change: Vec<ChangeResult> = Change::ALL
        .iter()
        .map(|&change| ChangeResult {
            change,
            rounds: 0,
            latencies: Vec::new(),
            server_cpu: Duration::ZERO,
            answers: [0; 4],
        })
        .collect();
    let mut mutation_times = Vec::new();
    let mut server_cpu = Duration::ZERO;
    let mut t0s = Vec::with_capacity(rounds);
    let load_average = workload::load_average();
    let (mut apps_cpu, mut machine_busy, mut measured) =
        (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    for round in 0..rounds {
        tokio::time::sleep(ROUND_GAP).await;
        let change = Change::of_round(round);
        let server_before = cpu_time(Some(server.pid())).unwrap_or_default();
        let apps_before = cpu_time(Some(std::process::id())).unwrap_or_default();
        let machine_before = MachineCpu::now();
        let t0 = Instant::now();
        let request = match change {
            Change::Project => http
                .post(format!("{base}/api/projects"))
                .json(&serde_json::json!({ "name": format!("storm {n} #{round}") })),
            Change::RenameShown | Change::RenameOther => {
                let id = if change == Change::RenameShown {
                    &shown
                } else {
                    &other
                };
                http.patch(format!("{base}/api/recordings/{id}"))
                    .json(&serde_json::json!({ "title": format!("storm {n} #{round}") }))
            }
        };
        let response = request.send().await?;
        let status = response.status();
        let body = response.text().await?;
        let mutation = t0.elapsed();
        ensure!(status.is_success(), "{}: {status} {body}", change.name());
        if tokio::time::timeout(ROUND_TIMEOUT, shared.wait_round(round))
            .await
            .is_err()
        {
            bail!(
                "round {round} ({}): only {} of {n} apps done after {ROUND_TIMEOUT:?} \
                 ({} resyncs, {} closed; first error: {:?})",
                change.name(),
                shared.counts[round].load(Ordering::Acquire),
                shared.resyncs.load(Ordering::Relaxed),
                shared.closed.load(Ordering::Relaxed),
                shared.first_error.lock().expect("not poisoned"),
            );
        }
        let elapsed = t0.elapsed();
        let server_spent = cpu_time(Some(server.pid()))
            .unwrap_or_default()
            .saturating_sub(server_before);
        t0s.push(shared.nanos(t0));
        if round >= warmup {
            let result = &mut per_change[change as usize];
            result.rounds += 1;
            result.server_cpu += server_spent;
            server_cpu += server_spent;
            apps_cpu += cpu_time(Some(std::process::id()))
                .unwrap_or_default()
                .saturating_sub(apps_before);
            machine_busy += MachineCpu::now().busy_since(&machine_before);
            measured += elapsed;
            mutation_times.push(mutation.as_nanos() as u64);
        }
    }
    ensure!(
        shared.unexpected.load(Ordering::Relaxed) == 0,
        "apps read frames that no round made"
    );

    let mut all = Vec::new();
    for (round, &t0) in t0s.iter().enumerate().skip(warmup) {
        let result = &mut per_change[Change::of_round(round) as usize];
        for app in 0..n {
            let at = shared.done[round * n + app].load(Ordering::Relaxed);
            result.latencies.push(at.saturating_sub(t0));
        }
    }
    for result in &mut per_change {
        result.latencies.sort_unstable();
        all.extend_from_slice(&result.latencies);
        for (i, count) in result.answers.iter_mut().enumerate() {
            *count = shared.answers[result.change as usize][i].load(Ordering::Relaxed);
        }
    }
    all.sort_unstable();
    mutation_times.sort_unstable();
    Ok(StormResult {
        apps: n,
        pools: pools.len(),
        connections: pools.len() * options.group_connections,
        per_change,
        all,
        rounds: options.rounds,
        server_cpu,
        apps_cpu,
        machine_busy,
        measured,
        mutation_p50: percentile(&mutation_times, 0.5),
        load_average,
        connect,
        resyncs: shared.resyncs.load(Ordering::Relaxed),
        first_error: shared.first_error.lock().expect("not poisoned").clone(),
    })
}

/// The two queries an app shows, with the ETag it last got for each.
struct Shown {
    list_key: QueryKey,
    stats_key: QueryKey,
    list_etag: Option<HeaderValue>,
    stats_etag: Option<HeaderValue>,
}

/// One app: connects, loads its two pages, then refetches what each
/// `invalidate` stales and reports when it holds fresh answers.
async fn run_app(
    app: usize,
    url: String,
    pool: Arc<Pool>,
    shared: Arc<Shared>,
    ready: oneshot::Sender<Result<u64, String>>,
) {
    let (mut socket, hello_seq) = match connect(&url).await {
        Ok(connected) => connected,
        Err(err) => {
            let _ = ready.send(Err(format!("app {app}: {err}")));
            return;
        }
    };
    let mut shown = Shown {
        list_key: keys::recordings::list(&Default::default()),
        stats_key: keys::dashboard::stats(),
        list_etag: None,
        stats_etag: None,
    };
    // The pages open: their first fetches.
    let loaded = tokio::try_join!(pool.get(LIST, None), pool.get(STATS, None));
    match loaded {
        Ok((list, stats)) if list.status == StatusCode::OK && stats.status == StatusCode::OK => {
            shown.list_etag = list.etag;
            shown.stats_etag = stats.etag;
        }
        Ok((list, stats)) => {
            let _ = ready.send(Err(format!(
                "app {app}: the pages answered {} and {}",
                list.status, stats.status
            )));
            return;
        }
        Err(err) => {
            let _ = ready.send(Err(format!("app {app}: loading the pages: {err}")));
            return;
        }
    }
    let _ = ready.send(Ok(hello_seq));
    // As in the app, the socket is read by one task and the refetches are
    // made by another: a slow refetch does not keep the app from reading
    // frames and answering the server's pings.
    let (changes, mut to_refetch) = mpsc::unbounded_channel::<Invalidate>();
    let refetcher = {
        let shared = shared.clone();
        tokio::spawn(async move {
            while let Some(change) = to_refetch.recv().await {
                let round = change.seq.saturating_sub(hello_seq + 1) as usize;
                refetch(&change, round, &mut shown, &pool, &shared).await;
                shared.record(app, round, Instant::now());
            }
        })
    };
    let pong = serde_json::to_string(&ClientMessage::Pong).expect("a pong serialises");
    while let Some(Ok(frame)) = socket.next().await {
        let Message::Text(text) = frame else {
            if frame.is_close() {
                break;
            }
            continue;
        };
        match serde_json::from_str::<ServerMessage>(text.as_str()) {
            Ok(ServerMessage::Invalidate(change)) => {
                let _ = changes.send(change);
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
    drop(changes);
    let _ = refetcher.await;
}

/// Refetches, at once, each shown query that `change` stales.
async fn refetch(
    change: &Invalidate,
    round: usize,
    shown: &mut Shown,
    pool: &Pool,
    shared: &Shared,
) {
    let stale = change.keys();
    let stales = |key: &QueryKey| stale.iter().any(|prefix| key.starts_with(prefix));
    let fetch = async |wanted: bool, path: &str, etag: &mut Option<HeaderValue>| {
        if !wanted {
            return;
        }
        match pool.get(path, etag.as_ref()).await {
            Ok(answer) if answer.status == StatusCode::OK => {
                *etag = answer.etag;
                shared.answer(round, OK, None);
            }
            Ok(answer) if answer.status == StatusCode::NOT_MODIFIED => {
                shared.answer(round, NOT_MODIFIED, None);
            }
            Ok(answer) => {
                shared.answer(round, OTHER, Some(format!("GET {path}: {}", answer.status)));
            }
            Err(err) => shared.answer(round, ERROR, Some(format!("GET {path}: {err}"))),
        }
    };
    let (list, stats) = (stales(&shown.list_key), stales(&shown.stats_key));
    tokio::join!(
        fetch(list, LIST, &mut shown.list_etag),
        fetch(stats, STATS, &mut shown.stats_etag),
    );
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Opens a socket offering the `earshot` subprotocol and reads its hello.
async fn connect(url: &str) -> Result<(Socket, u64), String> {
    let mut request = url.into_client_request().map_err(|e| e.to_string())?;
    request
        .headers_mut()
        .insert("sec-websocket-protocol", HeaderValue::from_static(PROTOCOL));
    let handshake = tokio_tungstenite::connect_async_with_config(
        request,
        Some(WebSocketConfig::default().read_buffer_size(READ_BUFFER)),
        true,
    );
    let (mut socket, _) = tokio::time::timeout(CONNECT_TIMEOUT, handshake)
        .await
        .map_err(|_| "the handshake timed out".to_string())?
        .map_err(|e| e.to_string())?;
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

fn print_results(results: &[StormResult]) {
    if results.is_empty() {
        return;
    }
    println!();
    let mut rows = Vec::new();
    for result in results {
        let mut line =
            |change: &str, latencies: &[u64], rounds: usize, cpu: Duration, answers: [u64; 4]| {
                rows.push(vec![
                    thousands(result.apps as u64),
                    change.to_string(),
                    thousands(rounds as u64),
                    millis(percentile(latencies, 0.5)),
                    millis(percentile(latencies, 0.99)),
                    millis(latencies.last().copied().unwrap_or(0)),
                    thousands(answers[OK]),
                    thousands(answers[NOT_MODIFIED]),
                    thousands(answers[OTHER] + answers[ERROR]),
                    format!("{:.1} ms", cpu.as_secs_f64() * 1e3 / rounds.max(1) as f64),
                ]);
            };
        let mut total = [0; 4];
        for change in &result.per_change {
            line(
                change.change.name(),
                &change.latencies,
                change.rounds,
                change.server_cpu,
                change.answers,
            );
            for (t, a) in total.iter_mut().zip(change.answers) {
                *t += a;
            }
        }
        line("all", &result.all, result.rounds, result.server_cpu, total);
    }
    print_table(
        &[
            "apps",
            "change",
            "rounds",
            "p50",
            "p99",
            "max",
            "200",
            "304",
            "failed",
            "server CPU/change",
        ],
        &rows,
    );
    println!();
    for result in results {
        let measured = result.measured.as_secs_f64().max(f64::MIN_POSITIVE);
        println!(
            "N = {}: {} pools ({} connections at most); apps connected and loaded in {:.1} s; \
             the change's own request p50 {}; during the measured rounds ({:.1} s in all) the \
             server used {:.2} cores, the apps {:.2}, the rest of the machine {:.2}; load \
             average {} as the rounds began{}{}",
            thousands(result.apps as u64),
            result.pools,
            result.connections,
            result.connect.as_secs_f64(),
            millis(result.mutation_p50),
            measured,
            result.server_cpu.as_secs_f64() / measured,
            result.apps_cpu.as_secs_f64() / measured,
            result
                .machine_busy
                .saturating_sub(result.server_cpu + result.apps_cpu)
                .as_secs_f64()
                / measured,
            result
                .load_average
                .map_or("?".to_string(), |l| format!("{l:.2}")),
            if result.resyncs > 0 {
                format!("; {} resync frames", result.resyncs)
            } else {
                String::new()
            },
            match &result.first_error {
                Some(error) => format!("; first failed refetch: {error}"),
                None => String::new(),
            },
        );
    }
    println!(
        "latency: from just before the change's request is sent until an app has the answers \
         of every refetch the change caused (bodies read); p50/p99/max over every (app, \
         round). 200/304/failed: the refetches' answers. server CPU/change: the server \
         process's utime+stime from before t0 until the last app was done, per round."
    );
}
