//! A counting, holding HTTP proxy for tests: every request passing through
//! it is logged as `METHOD /path?query`, and requests of one kind can be
//! held, unsent to the server, until the test releases them. What a client
//! shows meanwhile is what it shows before the server answers, not a race
//! won by chance.
//!
//! The sync socket passes through too: after a connection upgrades, its
//! bytes are relayed without being read.

#![allow(
    dead_code,
    reason = "each test binary uses its own part of this module"
)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A proxy on a loopback port in front of one server.
pub struct Proxy {
    /// Where clients connect.
    pub addr: SocketAddr,
    /// Every request that went through, in order.
    pub requests: RequestLog,
    holds: Holds,
}

impl Proxy {
    /// Starts a proxy to `target` on an ephemeral loopback port. It runs
    /// as long as the test's runtime does.
    pub async fn start(target: SocketAddr) -> Proxy {
        let requests = RequestLog::default();
        let holds = Holds::default();
        let addr = counting_proxy(target, requests.clone(), holds.clone()).await;
        Proxy {
            addr,
            requests,
            holds,
        }
    }

    /// Keeps every request whose line (`METHOD /path?query`) starts with
    /// `prefix` at the proxy, unsent to the server, until the returned
    /// [`Hold`] is released (or dropped). The request is logged when it
    /// reaches the proxy, as usual.
    pub fn hold(&self, prefix: &str) -> Hold {
        let (release, released) = watch::channel(false);
        self.holds
            .0
            .lock()
            .unwrap()
            .push((prefix.to_string(), released));
        Hold { release }
    }
}

/// Requests held at the proxy: [`Proxy::hold`].
pub struct Hold {
    release: watch::Sender<bool>,
}

impl Hold {
    /// Lets the held requests, and any later ones it would hold, through.
    pub fn release(self) {
        drop(self);
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        self.release.send_replace(true);
    }
}

/// The requests that went through the proxy, as `METHOD /path?query`.
#[derive(Clone)]
pub struct RequestLog(Arc<Mutex<Vec<String>>>, Arc<watch::Sender<()>>);

impl Default for RequestLog {
    fn default() -> Self {
        RequestLog(Arc::default(), Arc::new(watch::Sender::new(())))
    }
}

impl RequestLog {
    /// A bookmark: [`RequestLog::since`] lists what came after it.
    pub fn mark(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    /// The requests made after `mark`.
    pub fn since(&self, mark: usize) -> Vec<String> {
        self.0.lock().unwrap()[mark..].to_vec()
    }

    fn push(&self, request: String) {
        self.0.lock().unwrap().push(request);
        self.1.send_replace(());
    }

    /// Tells of every request from now on.
    pub fn subscribe(&self) -> watch::Receiver<()> {
        self.1.subscribe()
    }
}

/// A prefix of request lines to hold, and whether it was released.
type HeldPrefix = (String, watch::Receiver<bool>);

/// The requests to hold at the proxy.
#[derive(Clone, Default)]
struct Holds(Arc<Mutex<Vec<HeldPrefix>>>);

impl Holds {
    /// Waits until no unreleased hold matches any of `requests`.
    async fn wait_for(&self, requests: &[String]) {
        let held: Vec<watch::Receiver<bool>> = self
            .0
            .lock()
            .unwrap()
            .iter()
            .filter(|(prefix, _)| requests.iter().any(|r| r.starts_with(prefix.as_str())))
            .map(|(_, released)| released.clone())
            .collect();
        for mut released in held {
            let _ = released.wait_for(|released| *released).await;
        }
    }
}

/// A TCP proxy to `target` that notes the request line of every HTTP/1.1
/// request passing through it, and keeps a request that `holds` match until
/// they are released. After a connection upgrades (the sync socket), its
/// bytes are relayed without being read.
async fn counting_proxy(target: SocketAddr, log: RequestLog, holds: Holds) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let (log, holds) = (log.clone(), holds.clone());
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(target).await else {
                    return;
                };
                let (mut from_client, mut to_client) = client.into_split();
                let (mut from_server, mut to_server) = server.into_split();
                let answers = tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut from_server, &mut to_client).await;
                    let _ = to_client.shutdown().await;
                });
                let mut reader = RequestReader::default();
                let mut buffer = vec![0; 16 * 1024];
                loop {
                    let n = match from_client.read(&mut buffer).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    let requests = reader.feed(&buffer[..n], &log);
                    holds.wait_for(&requests).await;
                    if to_server.write_all(&buffer[..n]).await.is_err() {
                        break;
                    }
                }
                let _ = to_server.shutdown().await;
                let _ = answers.await;
            });
        }
    });
    address
}

/// Finds request lines in one connection's client-to-server bytes.
#[derive(Default)]
struct RequestReader {
    head: Vec<u8>,
    body_left: usize,
    relay_only: bool,
}

impl RequestReader {
    /// Reads `bytes`, logs the requests that begin in them and returns
    /// their lines.
    fn feed(&mut self, bytes: &[u8], log: &RequestLog) -> Vec<String> {
        let mut lines = Vec::new();
        let mut pending = bytes.to_vec();
        while !self.relay_only && !pending.is_empty() {
            if self.body_left > 0 {
                let skipped = self.body_left.min(pending.len());
                self.body_left -= skipped;
                pending.drain(..skipped);
                continue;
            }
            self.head.append(&mut pending);
            let Some(end) = self.head.windows(4).position(|w| w == b"\r\n\r\n") else {
                return lines;
            };
            pending = self.head.split_off(end + 4);
            let head = String::from_utf8_lossy(&self.head).into_owned();
            self.head.clear();
            let line = self.read_head(&head);
            log.push(line.clone());
            lines.push(line);
        }
        lines
    }

    /// Notes what the head says about the bytes after it; returns its
    /// request line.
    fn read_head(&mut self, head: &str) -> String {
        let mut lines = head.split("\r\n");
        let mut request_line = lines.next().unwrap_or_default().split(' ');
        let method = request_line.next().unwrap_or_default();
        let target = request_line.next().unwrap_or_default();
        for header in lines {
            let Some((name, value)) = header.split_once(':') else {
                continue;
            };
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => self.body_left = value.trim().parse().unwrap_or(0),
                // After an upgrade the bytes are the socket's frames; a
                // chunked body's end cannot be found without reading it (the
                // app sends none). Either way, stop reading rather than
                // miscount.
                "upgrade" | "transfer-encoding" => self.relay_only = true,
                _ => {}
            }
        }
        format!("{method} {target}")
    }
}
