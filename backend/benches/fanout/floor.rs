//! The floor: the least a server could do for the same clients.
//!
//! A stand-in for Earshot's server that speaks just enough of its protocol
//! for the benchmark — the `/api/ws/sync` handshake and hello, and
//! `POST /api/projects` answered with `201` — and fans out as cheaply as
//! anything can: the `invalidate` frame is encoded once, and one thread per
//! CPU writes those same bytes to its share of the sockets with plain
//! blocking `write` calls. No database, no tasks, no WebSocket library on the
//! send path. The clients, the driver and the measurement are the
//! benchmark's own, unchanged, so the difference between a `--floor` run and
//! a normal one is what Earshot's server adds; the floor itself is the
//! kernel's loopback TCP path plus the clients.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use anyhow::Context;
use earshot_shared::sync::{Action, Invalidate, Resource, ServerMessage};
use futures_util::SinkExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::HeaderValue;

use super::PROTOCOL;

/// What a writer thread is told.
enum Command {
    /// Take this socket into the share.
    Add(std::net::TcpStream),
    /// Write these bytes to every socket of the share.
    Frame(Arc<[u8]>),
}

/// The floor server, accepting on a loopback port until its runtime stops.
pub struct FloorServer {
    address: SocketAddr,
}

impl FloorServer {
    /// Binds 127.0.0.1:0 and serves on the current tokio runtime, with one
    /// writer thread per CPU.
    pub async fn start() -> anyhow::Result<FloorServer> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        let writers: Vec<mpsc::Sender<Command>> = (0..cpus)
            .map(|i| {
                let (sender, commands) = mpsc::channel();
                std::thread::Builder::new()
                    .name(format!("floor-writer-{i}"))
                    .spawn(move || write_frames(commands))
                    .map(|_| sender)
            })
            .collect::<Result<_, _>>()?;
        let shared = Arc::new(Floor {
            writers,
            seq: AtomicU64::new(0),
            next_writer: AtomicU64::new(0),
        });
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let shared = shared.clone();
                tokio::spawn(async move {
                    if let Err(err) = shared.serve(stream).await {
                        eprintln!("floor server: {err:#}");
                    }
                });
            }
        });
        Ok(FloorServer { address })
    }

    /// Where it listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }
}

struct Floor {
    writers: Vec<mpsc::Sender<Command>>,
    seq: AtomicU64,
    next_writer: AtomicU64,
}

impl Floor {
    /// One connection: a sync socket (`GET`) or the driver's `POST`s.
    async fn serve(&self, stream: TcpStream) -> anyhow::Result<()> {
        stream.set_nodelay(true)?;
        let mut method = [0u8; 4];
        let peeked = stream.peek(&mut method).await?;
        if &method[..peeked] == b"GET " {
            self.accept_socket(stream).await
        } else {
            self.answer_posts(stream).await
        }
    }

    /// Completes the WebSocket handshake, sends the hello and hands the raw
    /// socket to a writer thread.
    async fn accept_socket(&self, stream: TcpStream) -> anyhow::Result<()> {
        let mut socket = tokio_tungstenite::accept_hdr_async(stream, select_protocol).await?;
        let hello = ServerMessage::Hello {
            epoch: "floor".to_string(),
            seq: self.seq.load(Ordering::SeqCst),
        };
        socket
            .send(Message::text(serde_json::to_string(&hello)?))
            .await?;
        let stream = socket.into_inner().into_std()?;
        stream.set_nonblocking(false)?;
        let writer = self.next_writer.fetch_add(1, Ordering::Relaxed) as usize % self.writers.len();
        self.writers[writer]
            .send(Command::Add(stream))
            .context("a writer thread is gone")
    }

    /// Reads requests on a keep-alive connection; each one publishes a frame
    /// and is answered `201 Created`, as Earshot answers a new project.
    async fn answer_posts(&self, mut stream: TcpStream) -> anyhow::Result<()> {
        let mut buffer = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let Some(head_end) = find(&buffer, b"\r\n\r\n") else {
                let read = stream.read(&mut chunk).await?;
                if read == 0 {
                    return Ok(());
                }
                buffer.extend_from_slice(&chunk[..read]);
                continue;
            };
            let head = String::from_utf8_lossy(&buffer[..head_end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .map_or(Ok(0), |value| value.trim().parse())?;
            let request_end = head_end + 4 + length;
            while buffer.len() < request_end {
                let read = stream.read(&mut chunk).await?;
                anyhow::ensure!(read > 0, "the driver closed mid-request");
                buffer.extend_from_slice(&chunk[..read]);
            }
            buffer.drain(..request_end);
            self.publish()?;
            stream
                .write_all(b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\n{}")
                .await?;
        }
    }

    /// Encodes the next `invalidate` frame once and hands it to every writer.
    fn publish(&self) -> anyhow::Result<()> {
        let seq = self.seq.fetch_add(1, Ordering::SeqCst) + 1;
        let mut change = Invalidate::new(Resource::Projects, Action::Created, seq.to_string());
        change.seq = seq;
        let payload = serde_json::to_vec(&ServerMessage::Invalidate(change))?;
        let frame: Arc<[u8]> = ws_text_frame(&payload).into();
        for writer in &self.writers {
            writer
                .send(Command::Frame(frame.clone()))
                .context("a writer thread is gone")?;
        }
        Ok(())
    }
}

/// Selects the `earshot` subprotocol the clients offer.
#[allow(
    clippy::result_large_err,
    reason = "the callback's signature is tungstenite's"
)]
fn select_protocol(_: &Request, mut response: Response) -> Result<Response, ErrorResponse> {
    response
        .headers_mut()
        .insert("sec-websocket-protocol", HeaderValue::from_static(PROTOCOL));
    Ok(response)
}

/// A writer thread: owns its sockets and writes every frame to each in turn.
fn write_frames(commands: mpsc::Receiver<Command>) {
    let mut sockets = Vec::new();
    for command in commands {
        match command {
            Command::Add(socket) => sockets.push(socket),
            Command::Frame(frame) => {
                // A socket that fails is the client's problem; the benchmark
                // notices the missing frame.
                for socket in &mut sockets {
                    let _ = socket.write_all(&frame);
                }
            }
        }
    }
}

/// An unmasked, final text frame (server to client) carrying `payload`.
fn ws_text_frame(payload: &[u8]) -> Vec<u8> {
    let mut frame = vec![0x81];
    match payload.len() {
        len @ 0..=125 => frame.push(len as u8),
        len @ 126..=0xFFFF => {
            frame.push(126);
            frame.extend_from_slice(&(len as u16).to_be_bytes());
        }
        len => {
            frame.push(127);
            frame.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    frame.extend_from_slice(payload);
    frame
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}
