//! Read throughput and latency at 10,000 and 100,000 recordings, against a
//! seed-style FastAPI peer reading the same database.
//!
//! ```sh
//! cargo bench -p earshot-backend --bench reads                    # 10,000 and 100,000
//! cargo bench -p earshot-backend --bench reads -- 10000 --duration 10
//! READS_SIZES=10000 READS_MODES=uncached cargo bench -p earshot-backend --bench reads
//! ```
//!
//! For every size it measures, with a closed-loop load (C keep-alive
//! connections, each sending its next request as soon as the previous answer
//! is in; a warm-up, then a measured window):
//!
//! | endpoint | request |
//! |---|---|
//! | `list` | `GET /api/recordings?per_page=50` |
//! | `detail` | `GET /api/recordings/{id}` (the recording in the middle, by id) |
//! | `stats` | `GET /api/dashboard/stats` |
//! | `search-rare` | `POST /api/search` `{"query": <a word in very few transcripts>}` |
//! | `search` | `POST /api/search` `{"query": <a word most transcripts contain>}` |
//!
//! each in up to three modes:
//!
//! - `uncached`: the server's result cache off (`result_cache_entries` 0),
//!   plain requests;
//! - `cached`: the cache on (`--cache-entries`, 1,024 by default, the
//!   server's default), plain requests;
//! - `revalidated`: the cache on, every request with `If-None-Match` of the
//!   answer's `ETag`, so the answer is a `304` without a body. Only where the
//!   answer carries an `ETag`; a search is a `POST` (it also saves the query
//!   to the history), so it is not revalidated.
//!
//! and the seed-style peer's list (`peer/app.py`: FastAPI + sqlite3 under
//! uvicorn, `SELECT * … ORDER BY created_at DESC LIMIT ? OFFSET ?` and a
//! `COUNT(*)`, the same `per_page=50`) on the same SQLite file, read-only,
//! while an Earshot server is up and idle on it, with the same generator,
//! and prints Earshot's list against the peer's.
//!
//! Order: a server with the cache on, on a fresh copy of the workspace: the
//! peer, then every endpoint cached and revalidated; then a server with the
//! cache off, on another fresh copy: every endpoint uncached. Endpoints go in
//! the order of the table above but with `search` (the common word) last.
//!
//! For each (endpoint, mode): requests per second, p50/p99/max latency
//! (from sending the request to having the whole body; over the requests
//! whose answer was complete within the window), answers by status
//! (2xx, 304, any other: an unexpected status is reported with its body),
//! connection errors and timeouts (30 s), the server's CPU time per request
//! (its process's utime + stime over the window, from `/proc`), the load
//! generator's share of a core, and what the rest of the machine used
//! meanwhile (all cores' busy time minus server and generator), with the
//! load average: the machine has 2 cores, shared by the server and the
//! generator, and anything else running takes from both.
//!
//! **The server** runs in a process of its own: this program started again
//! with `--serve` (see `workload/server.rs`), which builds the server as
//! `earshot-server` does (`Config::embedded` and the command line's
//! defaults, a tokio multi-thread runtime with a worker per core), in the
//! `bench` profile (release, thin LTO, one codegen unit), on 127.0.0.1 and a
//! free port, with its data directory a copy of the workspace. A process of
//! its own, so that its CPU time is its alone and the generator's threads
//! do not share its runtime; this program rather than
//! `target/release/earshot-server`, because a program that `cargo bench`
//! runs cannot build that binary (cargo holds the build directory's lock
//! while the benchmark runs) and one built earlier may be stale, and because
//! the server is then exactly the code this benchmark was built with.
//!
//! **The load generator** (`reads/load.rs`) is hyper's bare HTTP/1.1 client
//! connection on a current-thread tokio runtime: one thread, at most one
//! core, and its own CPU time is printed. The peer is measured by the same
//! generator in the same run.
//!
//! **The workspaces** are made by the workspace generator
//! (`backend/examples/make_workspace/generate.rs`) the first time a size is
//! asked for and kept under `target/bench-workspaces/` (see
//! `workload/workspace.rs`); every size runs on a fresh copy.
//!
//! Options (arguments, or the environment variable in brackets):
//! - bare numbers or `--sizes 10000,100000` (`READS_SIZES`): recordings;
//! - `--connections C` (`READS_CONNECTIONS`, default 32): concurrent
//!   keep-alive connections;
//! - `--duration S` (`READS_DURATION`, default 5) and `--warmup S`
//!   (`READS_WARMUP`, default 1): seconds measured and seconds before;
//! - `--modes uncached,cached,revalidated` (`READS_MODES`);
//! - `--endpoints list,detail,stats,search-rare,search` (`READS_ENDPOINTS`);
//! - `--cache-entries N` (`READS_CACHE_ENTRIES`, default 1024): the cache
//!   size of the cached and revalidated modes;
//! - `--common-word W`, `--rare-word W` (`READS_COMMON_WORD`,
//!   `READS_RARE_WORD`): the searched words (4 letters or more); by
//!   default the word in the most of the first 400 transcripts, and of the
//!   40 words in the fewest of them, the one the full-text index finds in
//!   the fewest recordings;
//! - `--no-peer` (`READS_PEER=0`): skip the peer; `--peer-workers W`
//!   (`READS_PEER_WORKERS`, default 1, as the seed runs): uvicorn processes.
//!
//! The peer's first run makes a virtualenv under `target/bench-peer/` and
//! installs FastAPI and uvicorn into it from PyPI (`peer/requirements.txt`,
//! pinned); it needs `python3` with `venv`.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use hyper::StatusCode;
use sea_orm::{ConnectionTrait, Database, Statement};

#[path = "workload/mod.rs"]
mod workload;

#[path = "reads/load.rs"]
mod load;
#[path = "reads/peer.rs"]
mod peer;

use load::{Load, Outcome, Probe};
use workload::server::EarshotProcess;
use workload::workspace::{self, Workspace};
use workload::{millis, print_table, thousands};

/// How many transcripts the searched words are chosen from.
const WORD_SAMPLE: u32 = 400;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Uncached,
    Cached,
    Revalidated,
}

impl Mode {
    const ALL: [Mode; 3] = [Mode::Uncached, Mode::Cached, Mode::Revalidated];

    fn name(self) -> &'static str {
        match self {
            Mode::Uncached => "uncached",
            Mode::Cached => "cached",
            Mode::Revalidated => "revalidated",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Endpoint {
    List,
    Detail,
    Stats,
    Search,
    SearchRare,
}

impl Endpoint {
    /// In the order they are measured.
    const ALL: [Endpoint; 5] = [
        Endpoint::List,
        Endpoint::Detail,
        Endpoint::Stats,
        Endpoint::SearchRare,
        Endpoint::Search,
    ];

    fn name(self) -> &'static str {
        match self {
            Endpoint::List => "list",
            Endpoint::Detail => "detail",
            Endpoint::Stats => "stats",
            Endpoint::Search => "search",
            Endpoint::SearchRare => "search-rare",
        }
    }
}

/// The list as both servers are asked for it.
const LIST: &str = "/api/recordings?per_page=50";

#[derive(Clone, Debug)]
struct Options {
    sizes: Vec<usize>,
    load: Load,
    modes: Vec<Mode>,
    endpoints: Vec<Endpoint>,
    cache_entries: usize,
    common_word: Option<String>,
    rare_word: Option<String>,
    peer: bool,
    peer_workers: usize,
}

impl Options {
    fn parse() -> anyhow::Result<Options> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let seconds = |v: String| -> anyhow::Result<Duration> {
            Ok(Duration::from_secs_f64(v.trim().parse()?))
        };
        let mut options = Options {
            sizes: match env("READS_SIZES") {
                Some(list) => workload::parse_counts(&list, "recordings")?,
                None => vec![10_000, 100_000],
            },
            load: Load {
                connections: env("READS_CONNECTIONS").map_or(Ok(32), |v| v.trim().parse())?,
                duration: env("READS_DURATION").map_or(Ok(Duration::from_secs(5)), seconds)?,
                warmup: env("READS_WARMUP").map_or(Ok(Duration::from_secs(1)), seconds)?,
            },
            modes: match env("READS_MODES") {
                Some(list) => parse_list(&list, &Mode::ALL, Mode::name)?,
                None => Mode::ALL.to_vec(),
            },
            endpoints: match env("READS_ENDPOINTS") {
                Some(list) => parse_list(&list, &Endpoint::ALL, Endpoint::name)?,
                None => Endpoint::ALL.to_vec(),
            },
            cache_entries: env("READS_CACHE_ENTRIES").map_or(Ok(1024), |v| v.trim().parse())?,
            common_word: env("READS_COMMON_WORD"),
            rare_word: env("READS_RARE_WORD"),
            peer: env("READS_PEER").is_none_or(|v| v.trim() != "0"),
            peer_workers: env("READS_PEER_WORKERS").map_or(Ok(1), |v| v.trim().parse())?,
        };
        let mut positional = Vec::new();
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut value =
                |name: &str| args.next().with_context(|| format!("{name} needs a value"));
            match arg.as_str() {
                // cargo bench passes `--bench` to every bench program.
                "--bench" => {}
                "--sizes" => {
                    positional.extend(workload::parse_counts(&value("--sizes")?, "recordings")?)
                }
                "--connections" => options.load.connections = value("--connections")?.parse()?,
                "--duration" => options.load.duration = seconds(value("--duration")?)?,
                "--warmup" => options.load.warmup = seconds(value("--warmup")?)?,
                "--modes" => {
                    options.modes = parse_list(&value("--modes")?, &Mode::ALL, Mode::name)?;
                }
                "--endpoints" => {
                    options.endpoints =
                        parse_list(&value("--endpoints")?, &Endpoint::ALL, Endpoint::name)?;
                }
                "--cache-entries" => options.cache_entries = value("--cache-entries")?.parse()?,
                "--common-word" => options.common_word = Some(value("--common-word")?),
                "--rare-word" => options.rare_word = Some(value("--rare-word")?),
                "--no-peer" => options.peer = false,
                "--peer-workers" => options.peer_workers = value("--peer-workers")?.parse()?,
                "-h" | "--help" => {
                    println!(
                        "usage: reads [N…] [--sizes N,N] [--connections C] [--duration S] \
                         [--warmup S] [--modes uncached,cached,revalidated] \
                         [--endpoints list,detail,stats,search-rare,search] \
                         [--cache-entries N] [--common-word W] [--rare-word W] [--no-peer] \
                         [--peer-workers W]"
                    );
                    std::process::exit(0);
                }
                other if other.starts_with(|c: char| c.is_ascii_digit()) => {
                    positional.extend(workload::parse_counts(other, "recordings")?);
                }
                other => bail!("unknown argument {other:?} (try --help)"),
            }
        }
        if !positional.is_empty() {
            options.sizes = positional;
        }
        ensure!(
            options.load.connections > 0,
            "--connections must be at least 1"
        );
        ensure!(
            options.peer_workers > 0,
            "--peer-workers must be at least 1"
        );
        ensure!(
            !options.load.duration.is_zero(),
            "--duration must be more than 0"
        );
        Ok(options)
    }
}

/// A comma-separated list of names out of `all`.
fn parse_list<T: Copy>(
    list: &str,
    all: &[T],
    name: fn(T) -> &'static str,
) -> anyhow::Result<Vec<T>> {
    list.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            all.iter()
                .copied()
                .find(|&item| name(item) == s.trim())
                .with_context(|| {
                    let names: Vec<_> = all.iter().map(|&i| name(i)).collect();
                    format!("{s:?} is none of {}", names.join(", "))
                })
        })
        .collect()
}

fn main() -> anyhow::Result<()> {
    if let Some(served) = workload::server::serve_if_asked() {
        return served;
    }
    let options = Options::parse()?;
    let target_dir = workload::target_dir();
    println!(
        "Reads: {} connections (closed loop, keep-alive), {} s warm-up + {} s measured \
         per (endpoint, mode); {} cores shared by the server, the load generator (1 thread) \
         and anything else running",
        options.load.connections,
        options.load.warmup.as_secs_f64(),
        options.load.duration.as_secs_f64(),
        workload::cores(),
    );
    println!(
        "server: this program with --serve (Server::build as earshot-server, bench profile); \
         cached/revalidated with result_cache_entries = {}, uncached with 0",
        options.cache_entries
    );
    let python = if options.peer {
        Some(peer::python(&target_dir)?)
    } else {
        None
    };
    println!();

    let mut comparisons = Vec::new();
    for &size in &options.sizes {
        let template = workspace::template(&target_dir, size)?;
        let facts = Facts::read(&template.join("earshot.db"), &options)?;
        println!("## {} recordings", thousands(size as u64));
        println!();
        facts.print();
        let cells = measure_size(&template, &facts, &options, python.as_deref())?;
        println!();
        print_cells(&cells);
        println!();
        comparisons.extend(
            cells
                .iter()
                .filter(|c| c.endpoint == "list" && c.server == "Earshot")
                .filter_map(|c| {
                    let peer = cells.iter().find(|p| p.server == "peer")?;
                    Some((size, c.clone(), peer.clone()))
                }),
        );
    }
    if !comparisons.is_empty() {
        println!("## The list, Earshot against the seed-style peer (same run, same database)");
        println!();
        let rows: Vec<Vec<String>> = comparisons
            .iter()
            .filter_map(|(size, earshot, peer)| {
                let (e, p) = (earshot.outcome.as_ref().ok()?, peer.outcome.as_ref().ok()?);
                Some(vec![
                    thousands(*size as u64),
                    earshot.mode.to_string(),
                    format!("{:.0}", e.per_second()),
                    format!("{:.0}", p.per_second()),
                    format!(
                        "{:.1}×",
                        e.per_second() / p.per_second().max(f64::MIN_POSITIVE)
                    ),
                    millis(workload::percentile(&e.latencies, 0.5)),
                    millis(workload::percentile(&p.latencies, 0.5)),
                    millis(workload::percentile(&e.latencies, 0.99)),
                    millis(workload::percentile(&p.latencies, 0.99)),
                ])
            })
            .collect();
        print_table(
            &[
                "recordings",
                "Earshot mode",
                "Earshot req/s",
                "peer req/s",
                "Earshot/peer",
                "Earshot p50",
                "peer p50",
                "Earshot p99",
                "peer p99",
            ],
            &rows,
        );
        println!();
    }
    println!(
        "latency: from sending a request to having its whole answer; p50/p99/max over the \
         requests whose answer was complete within the window. server CPU/req: the server processes' \
         utime+stime over the window / requests. generator: its thread's CPU time / window. \
         rest: what everything else on the machine used meanwhile, in cores. errors: failed \
         connections, broken connections and timeouts over the whole run."
    );
    Ok(())
}

/// What the measurements need to know about the workspace.
struct Facts {
    recordings: u64,
    /// The recording in the middle, by id.
    detail_id: Option<String>,
    /// The searched words and how many recordings each matches.
    common: Option<(String, Option<u64>)>,
    rare: Option<(String, Option<u64>)>,
}

impl Facts {
    fn read(database: &Path, options: &Options) -> anyhow::Result<Facts> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        rt.block_on(async {
            let url = format!("sqlite://{}?mode=ro", database.display());
            let db = Database::connect(&url).await?;
            let one = async |sql: &str, values: Vec<sea_orm::Value>| {
                let statement =
                    Statement::from_sql_and_values(db.get_database_backend(), sql, values);
                db.query_one_raw(statement).await
            };
            let recordings: i64 = one("SELECT COUNT(*) AS n FROM recordings", vec![])
                .await?
                .context("a count")?
                .try_get("", "n")?;
            let detail_id = match one(
                "SELECT id FROM recordings ORDER BY id LIMIT 1 OFFSET ?",
                vec![(recordings / 2).into()],
            )
            .await?
            {
                Some(row) => Some(row.try_get::<String>("", "id")?),
                None => None,
            };
            let matches = async |word: &str| -> Option<u64> {
                let row = one(
                    "SELECT COUNT(*) AS n FROM recordings_fts WHERE recordings_fts MATCH ?",
                    vec![format!("\"{word}\"").into()],
                )
                .await
                .ok()??;
                row.try_get::<i64>("", "n").ok().map(|n| n as u64)
            };
            // Document frequencies over a sample of transcripts.
            let statement = Statement::from_sql_and_values(
                db.get_database_backend(),
                "SELECT transcript FROM recordings ORDER BY id LIMIT ?",
                vec![WORD_SAMPLE.into()],
            );
            let mut frequency = std::collections::HashMap::<String, u32>::new();
            for row in db.query_all_raw(statement).await? {
                let transcript: String = row.try_get("", "transcript")?;
                let mut words: Vec<String> = transcript
                    .split(|c: char| !c.is_alphabetic())
                    .filter(|w| w.chars().count() >= 4)
                    .map(str::to_lowercase)
                    .collect();
                words.sort();
                words.dedup();
                for word in words {
                    *frequency.entry(word).or_default() += 1;
                }
            }
            let mut by_frequency: Vec<(String, u32)> = frequency.into_iter().collect();
            by_frequency.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let common_word = options
                .common_word
                .clone()
                .or_else(|| by_frequency.first().map(|(w, _)| w.clone()));
            let rare_word = match &options.rare_word {
                Some(word) => Some(word.clone()),
                None => {
                    // The least frequent words of the sample, checked
                    // against the whole index.
                    let mut best: Option<(String, u64)> = None;
                    for (word, _) in by_frequency.iter().rev().take(40) {
                        if let Some(n) = matches(word).await.filter(|&n| n > 0)
                            && best.as_ref().is_none_or(|(_, b)| n < *b)
                        {
                            best = Some((word.clone(), n));
                        }
                    }
                    best.map(|(w, _)| w)
                }
            };
            let mut facts = Facts {
                recordings: recordings as u64,
                detail_id,
                common: None,
                rare: None,
            };
            if let Some(word) = common_word {
                facts.common = Some((word.clone(), matches(&word).await));
            }
            if let Some(word) = rare_word {
                facts.rare = Some((word.clone(), matches(&word).await));
            }
            db.close().await?;
            anyhow::Ok(facts)
        })
    }

    fn print(&self) {
        let word = |w: &Option<(String, Option<u64>)>| match w {
            Some((word, Some(n))) => format!("{word:?} (in {} recordings)", thousands(*n)),
            Some((word, None)) => format!("{word:?}"),
            None => "none (no transcripts)".to_string(),
        };
        println!(
            "{} recordings in the database; detail: {}; common word {}; rare word {}",
            thousands(self.recordings),
            self.detail_id.as_deref().unwrap_or("none"),
            word(&self.common),
            word(&self.rare),
        );
    }

    /// The request for `endpoint`, or why there is none.
    fn probe(&self, endpoint: Endpoint) -> Result<Probe, String> {
        let search = |word: &Option<(String, Option<u64>)>| match word {
            Some((word, _)) => Ok(Probe::post_json(
                "/api/search",
                &serde_json::json!({ "query": word }),
            )),
            None => Err("no word to search for".to_string()),
        };
        match endpoint {
            Endpoint::List => Ok(Probe::get(LIST)),
            Endpoint::Detail => match &self.detail_id {
                Some(id) => Ok(Probe::get(format!("/api/recordings/{id}"))),
                None => Err("no recording".to_string()),
            },
            Endpoint::Stats => Ok(Probe::get("/api/dashboard/stats")),
            Endpoint::Search => search(&self.common),
            Endpoint::SearchRare => search(&self.rare),
        }
    }
}

/// One measurement.
#[derive(Clone)]
struct Cell {
    server: &'static str,
    endpoint: &'static str,
    mode: &'static str,
    /// The answer's size, as the first request got it.
    answer: String,
    outcome: Result<std::sync::Arc<Outcome>, String>,
}

fn measure_size(
    template: &Path,
    facts: &Facts,
    options: &Options,
    python: Option<&Path>,
) -> anyhow::Result<Vec<Cell>> {
    let mut cells = Vec::new();
    let modes = &options.modes;
    // Each server gets a fresh copy of the workspace. The peer goes first,
    // and the searches for a common word last: in the runs behind
    // docs/benchmarks.md, the reads measured after those searches were
    // slower (see there).
    let cached = modes.contains(&Mode::Cached) || modes.contains(&Mode::Revalidated);
    if cached || python.is_some() {
        let workspace = Workspace::copy_of(template)?;
        let server = EarshotProcess::start(workspace.path(), options.cache_entries)?;
        if let Some(python) = python {
            // While that server is up and idle: the database is the same
            // file, its WAL included.
            let peer = peer::Peer::start(python, &workspace.database(), options.peer_workers)?;
            let probe = Probe::get(LIST);
            let (answer, outcome) = match check(peer.address, &probe) {
                Ok(answer) => (
                    answer,
                    load::run(peer.address, &probe, options.load, &peer.pids())
                        .map(std::sync::Arc::new)
                        .map_err(|e| e.to_string()),
                ),
                Err(err) => (String::new(), Err(err.to_string())),
            };
            eprintln!("peer list: {}", summary(&outcome));
            cells.push(Cell {
                server: "peer",
                endpoint: "list",
                mode: "uncached",
                answer,
                outcome,
            });
            peer.stop();
        }
        for &endpoint in &options.endpoints {
            for mode in [Mode::Cached, Mode::Revalidated] {
                if modes.contains(&mode) {
                    cells.push(measure(&server, facts, endpoint, mode, options));
                }
            }
        }
        server.stop()?;
    }
    if modes.contains(&Mode::Uncached) {
        let workspace = Workspace::copy_of(template)?;
        let server = EarshotProcess::start(workspace.path(), 0)?;
        for &endpoint in &options.endpoints {
            cells.push(measure(&server, facts, endpoint, Mode::Uncached, options));
        }
        server.stop()?;
    }
    Ok(cells)
}

/// Sends `probe` once and says what came back; an error unless a 200.
fn check(address: std::net::SocketAddr, probe: &Probe) -> anyhow::Result<String> {
    let answer = load::once(address, probe)?;
    if answer.status != StatusCode::OK {
        bail!(
            "{} {} answered {}: {}",
            probe.method,
            probe.path,
            answer.status,
            String::from_utf8_lossy(&answer.body[..answer.body.len().min(300)])
        );
    }
    Ok(format!("{:.1} KB", answer.body.len() as f64 / 1000.0))
}

fn measure(
    server: &EarshotProcess,
    facts: &Facts,
    endpoint: Endpoint,
    mode: Mode,
    options: &Options,
) -> Cell {
    let mut cell = Cell {
        server: "Earshot",
        endpoint: endpoint.name(),
        mode: mode.name(),
        answer: String::new(),
        outcome: Err(String::new()),
    };
    let result = (|| -> Result<Outcome, String> {
        let mut probe = facts.probe(endpoint)?;
        let first = load::once(server.address, &probe).map_err(|e| e.to_string())?;
        if first.status != StatusCode::OK {
            return Err(format!(
                "answered {}: {}",
                first.status,
                String::from_utf8_lossy(&first.body[..first.body.len().min(300)])
            ));
        }
        cell.answer = format!("{:.1} KB", first.body.len() as f64 / 1000.0);
        if mode == Mode::Revalidated {
            if probe.method != hyper::Method::GET {
                return Err("not a GET".to_string());
            }
            probe.if_none_match = Some(first.etag.ok_or("no ETag in the answer")?);
        }
        load::run(server.address, &probe, options.load, &[server.pid()]).map_err(|e| e.to_string())
    })();
    cell.outcome = result.map(std::sync::Arc::new);
    eprintln!(
        "{} {}: {}",
        cell.endpoint,
        cell.mode,
        summary(&cell.outcome)
    );
    cell
}

fn summary(outcome: &Result<std::sync::Arc<Outcome>, String>) -> String {
    match outcome {
        Ok(o) => format!(
            "{:.0} req/s, p50 {}, p99 {}",
            o.per_second(),
            millis(workload::percentile(&o.latencies, 0.5)),
            millis(workload::percentile(&o.latencies, 0.99))
        ),
        Err(why) => format!("not measured: {why}"),
    }
}

fn print_cells(cells: &[Cell]) {
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    for cell in cells {
        let mut row = vec![
            cell.server.to_string(),
            cell.endpoint.to_string(),
            cell.mode.to_string(),
            cell.answer.clone(),
        ];
        match &cell.outcome {
            Ok(o) => {
                let window = o.window.as_secs_f64();
                let rest = o
                    .machine_busy
                    .saturating_sub(o.server_cpu + o.generator_cpu)
                    .as_secs_f64()
                    / window;
                let latency = |p: f64| match o.latencies.is_empty() {
                    true => "-".to_string(),
                    false => millis(workload::percentile(&o.latencies, p)),
                };
                if o.latencies.is_empty() {
                    notes.push(format!(
                        "{} {} {}: no answer was complete within the {:.0} s window (try a \
                         longer --duration)",
                        cell.server,
                        cell.endpoint,
                        cell.mode,
                        o.window.as_secs_f64()
                    ));
                }
                row.extend([
                    format!("{:.1}", o.per_second()),
                    latency(0.5),
                    latency(0.99),
                    latency(1.0),
                    thousands(o.ok),
                    thousands(o.not_modified),
                    thousands(o.other_status),
                    thousands(o.errors),
                    match o.requests {
                        0 => "-".to_string(),
                        _ => format!("{:.0} µs", o.server_cpu_per_request().as_secs_f64() * 1e6),
                    },
                    format!("{:.0}%", o.generator_cpu.as_secs_f64() / window * 100.0),
                    format!("{rest:.2}"),
                    o.load_average
                        .map_or("?".to_string(), |l| format!("{l:.2}")),
                ]);
                if let Some(example) = &o.other_example {
                    notes.push(format!(
                        "{} {} {}: unexpected answer, e.g. {example}",
                        cell.server, cell.endpoint, cell.mode
                    ));
                }
                if let Some(example) = &o.error_example {
                    notes.push(format!(
                        "{} {} {}: {} errors, e.g. {example}",
                        cell.server, cell.endpoint, cell.mode, o.errors
                    ));
                }
            }
            Err(why) => {
                row.extend(std::iter::repeat_n("-".to_string(), 12));
                notes.push(format!(
                    "{} {} {}: not measured: {why}",
                    cell.server, cell.endpoint, cell.mode
                ));
            }
        }
        rows.push(row);
    }
    print_table(
        &[
            "server",
            "endpoint",
            "mode",
            "answer",
            "req/s",
            "p50",
            "p99",
            "max",
            "2xx",
            "304",
            "other",
            "errors",
            "server CPU/req",
            "generator",
            "rest",
            "load avg",
        ],
        &rows,
    );
    for note in notes {
        println!("{note}");
    }
}
