//! The closed-loop load generator: C keep-alive HTTP/1.1 connections, each
//! sending its next request as soon as the previous answer's body is in,
//! on one thread.
//!
//! Every connection is hyper's bare client connection (no pool, no
//! redirects, no decompression) driven by a current-thread tokio runtime
//! on a thread of its own, so the generator takes at most one of the
//! machine's cores and reports how much of it it took. A run is a
//! warm-up, then the measured window: a request counts, with its whole
//! latency, when its answer is complete within the window.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{CONTENT_TYPE, ETAG, HOST, HeaderValue, IF_NONE_MATCH};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::workload::MachineCpu;
use crate::workload::server::cpu_time;

/// How long one answer may take before the request counts as an error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// One request, sent again and again.
#[derive(Clone, Debug)]
pub struct Probe {
    pub method: Method,
    /// Path and query, e.g. `/api/recordings?per_page=50`.
    pub path: String,
    /// A JSON body (POST), or empty.
    pub body: Bytes,
    /// Sent as `If-None-Match` when set.
    pub if_none_match: Option<HeaderValue>,
}

impl Probe {
    pub fn get(path: impl Into<String>) -> Probe {
        Probe {
            method: Method::GET,
            path: path.into(),
            body: Bytes::new(),
            if_none_match: None,
        }
    }

    pub fn post_json(path: impl Into<String>, body: &serde_json::Value) -> Probe {
        Probe {
            method: Method::POST,
            path: path.into(),
            body: Bytes::from(body.to_string()),
            if_none_match: None,
        }
    }

    fn request(&self, host: &HeaderValue) -> Request<Full<Bytes>> {
        let mut request = Request::builder()
            .method(self.method.clone())
            .uri(self.path.as_str())
            .header(HOST, host.clone());
        if !self.body.is_empty() {
            request = request.header(CONTENT_TYPE, "application/json");
        }
        if let Some(tag) = &self.if_none_match {
            request = request.header(IF_NONE_MATCH, tag.clone());
        }
        request
            .body(Full::new(self.body.clone()))
            .expect("a valid request")
    }
}

/// How hard and how long.
#[derive(Clone, Copy, Debug)]
pub struct Load {
    pub connections: usize,
    pub warmup: Duration,
    pub duration: Duration,
}

/// What one answer was.
pub struct Answer {
    pub status: StatusCode,
    pub etag: Option<HeaderValue>,
    pub body: Bytes,
}

/// Sends `probe` once on a fresh connection (to learn its ETag, or check
/// that it works).
pub fn once(address: SocketAddr, probe: &Probe) -> anyhow::Result<Answer> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let stream = TcpStream::connect(address).await?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(connection);
        let response = sender.send_request(probe.request(&host(address))).await?;
        let status = response.status();
        let etag = response.headers().get(ETAG).cloned();
        let body = response.into_body().collect().await?.to_bytes();
        Ok(Answer { status, etag, body })
    })
}

/// What a run measured.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Requests whose answer was complete inside the window.
    pub requests: u64,
    /// Of which 2xx, 304, and any other status.
    pub ok: u64,
    pub not_modified: u64,
    pub other_status: u64,
    /// The first unexpected status and the start of its body.
    pub other_example: Option<String>,
    /// Connection failures, broken connections and timeouts (whole run).
    pub errors: u64,
    pub error_example: Option<String>,
    /// Latencies of the counted requests, sorted, in nanoseconds.
    pub latencies: Vec<u64>,
    /// Bytes of body received in the window.
    pub body_bytes: u64,
    pub window: Duration,
    /// CPU time in the window: the server's processes, this generator's
    /// thread, the whole machine (summed over cores).
    pub server_cpu: Duration,
    pub generator_cpu: Duration,
    pub machine_busy: Duration,
    /// The 1-minute load average as the window began.
    pub load_average: Option<f64>,
}

impl Outcome {
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.window.as_secs_f64()
    }

    /// The server's CPU time per request.
    pub fn server_cpu_per_request(&self) -> Duration {
        self.server_cpu
            .checked_div(self.requests.max(1) as u32)
            .unwrap_or_default()
    }
}

#[derive(Default)]
struct Tally {
    requests: u64,
    ok: u64,
    not_modified: u64,
    other_status: u64,
    other_example: Option<String>,
    errors: u64,
    error_example: Option<String>,
    latencies: Vec<u64>,
    body_bytes: u64,
}

impl Tally {
    fn error(&mut self, what: impl std::fmt::Display) {
        self.errors += 1;
        if self.error_example.is_none() {
            self.error_example = Some(what.to_string());
        }
    }
}

/// When the window opens and closes.
struct Window {
    from: Instant,
    until: Instant,
}

/// Runs `probe` under `load` against `address`; `server_pids` are the
/// processes whose CPU time counts as the server's.
pub fn run(
    address: SocketAddr,
    probe: &Probe,
    load: Load,
    server_pids: &[u32],
) -> anyhow::Result<Outcome> {
    let probe = probe.clone();
    let pids = server_pids.to_vec();
    std::thread::Builder::new()
        .name("load".to_string())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(drive(address, probe, load, pids))
        })?
        .join()
        .map_err(|_| anyhow::anyhow!("the load generator panicked"))?
}

async fn drive(
    address: SocketAddr,
    probe: Probe,
    load: Load,
    pids: Vec<u32>,
) -> anyhow::Result<Outcome> {
    let start = Instant::now();
    let window = Arc::new(Window {
        from: start + load.warmup,
        until: start + load.warmup + load.duration,
    });
    let probe = Arc::new(probe);
    let host = host(address);
    let tasks: Vec<_> = (0..load.connections)
        .map(|_| {
            tokio::spawn(connection(
                address,
                probe.clone(),
                host.clone(),
                window.clone(),
            ))
        })
        .collect();

    let server_cpu = || -> Duration { pids.iter().filter_map(|&p| cpu_time(Some(p))).sum() };
    tokio::time::sleep_until(window.from.into()).await;
    let load_average = crate::workload::load_average();
    let (server_before, generator_before, machine_before) =
        (server_cpu(), cpu_time(None), MachineCpu::now());
    tokio::time::sleep_until(window.until.into()).await;
    let (server_after, generator_after, machine_after) =
        (server_cpu(), cpu_time(None), MachineCpu::now());

    let mut outcome = Outcome {
        window: load.duration,
        server_cpu: server_after.saturating_sub(server_before),
        generator_cpu: generator_after
            .zip(generator_before)
            .map_or(Duration::ZERO, |(a, b)| a.saturating_sub(b)),
        machine_busy: machine_after.busy_since(&machine_before),
        load_average,
        ..Outcome::default()
    };
    for task in tasks {
        let tally = task.await.context("a connection task failed")?;
        outcome.requests += tally.requests;
        outcome.ok += tally.ok;
        outcome.not_modified += tally.not_modified;
        outcome.other_status += tally.other_status;
        outcome.other_example = outcome.other_example.or(tally.other_example);
        outcome.errors += tally.errors;
        outcome.error_example = outcome.error_example.or(tally.error_example);
        outcome.latencies.extend(tally.latencies);
        outcome.body_bytes += tally.body_bytes;
    }
    outcome.latencies.sort_unstable();
    Ok(outcome)
}

fn host(address: SocketAddr) -> HeaderValue {
    HeaderValue::from_str(&address.to_string()).expect("an address is a valid header")
}

/// One connection's loop: (re)connects, then sends the probe, reads the
/// whole answer, and again, until the window closes.
async fn connection(
    address: SocketAddr,
    probe: Arc<Probe>,
    host: HeaderValue,
    window: Arc<Window>,
) -> Tally {
    let mut tally = Tally::default();
    while Instant::now() < window.until {
        let connected = async {
            let stream = TcpStream::connect(address).await?;
            stream.set_nodelay(true)?;
            anyhow::Ok(hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?)
        };
        let (mut sender, conn) = match connected.await {
            Ok(connected) => connected,
            Err(err) => {
                tally.error(format!("connect: {err}"));
                // Not a wait for an event: a pause before trying again, so
                // that a refused connection does not spin.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let driver = tokio::spawn(conn);
        while Instant::now() < window.until {
            let sent = Instant::now();
            let exchange = async {
                sender.ready().await?;
                let response = sender.send_request(probe.request(&host)).await?;
                let status = response.status();
                let mut body = response.into_body();
                let mut bytes = 0;
                let mut start = Vec::new();
                while let Some(frame) = body.frame().await {
                    if let Ok(data) = frame?.into_data() {
                        bytes += data.len();
                        if !status.is_success() && status != StatusCode::NOT_MODIFIED {
                            start.extend_from_slice(&data[..data.len().min(200)]);
                        }
                    }
                }
                anyhow::Ok((status, bytes, start))
            };
            match tokio::time::timeout(REQUEST_TIMEOUT, exchange).await {
                Ok(Ok((status, bytes, start))) => {
                    let done = Instant::now();
                    if done < window.from || done > window.until {
                        continue;
                    }
                    tally.requests += 1;
                    tally.body_bytes += bytes as u64;
                    tally.latencies.push((done - sent).as_nanos() as u64);
                    if status.is_success() {
                        tally.ok += 1;
                    } else if status == StatusCode::NOT_MODIFIED {
                        tally.not_modified += 1;
                    } else {
                        tally.other_status += 1;
                        if tally.other_example.is_none() {
                            tally.other_example =
                                Some(format!("{status} {}", String::from_utf8_lossy(&start)));
                        }
                    }
                }
                Ok(Err(err)) => {
                    tally.error(err);
                    break;
                }
                Err(_) => {
                    tally.error(format!("no answer within {REQUEST_TIMEOUT:?}"));
                    break;
                }
            }
        }
        driver.abort();
    }
    tally
}
