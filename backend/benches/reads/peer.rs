//! The seed-style peer (`backend/benches/peer/app.py`): FastAPI under
//! uvicorn, in a virtualenv under `target/bench-peer/`.
//!
//! The virtualenv is made with the machine's `python3 -m venv` and filled
//! with `pip install -r backend/benches/peer/requirements.txt` (pinned
//! versions, from PyPI) the first time, and again whenever that file
//! changes; a copy of the file inside the virtualenv records what it holds.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{Context, bail, ensure};

/// Where the peer's files are.
fn peer_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/peer")
}

/// The virtualenv's python, installed first if needed.
pub fn python(target_dir: &Path) -> anyhow::Result<PathBuf> {
    let venv = target_dir.join("bench-peer/venv");
    let python = venv.join("bin/python");
    let requirements = peer_dir().join("requirements.txt");
    let wanted = std::fs::read_to_string(&requirements)
        .with_context(|| format!("cannot read {}", requirements.display()))?;
    let stamp = venv.join("earshot-requirements.txt");
    if python.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(&wanted) {
        return Ok(python);
    }
    eprintln!(
        "peer: installing FastAPI and uvicorn into {} (pip, from {})",
        venv.display(),
        requirements.display()
    );
    let _ = std::fs::remove_dir_all(&venv);
    let status = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .context("cannot run python3 (the peer needs Python 3.9 or later with venv)")?;
    ensure!(status.success(), "python3 -m venv failed ({status})");
    let status = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(&requirements)
        .stdout(Stdio::null())
        .status()?;
    ensure!(status.success(), "pip install failed ({status})");
    std::fs::write(&stamp, wanted)?;
    Ok(python)
}

/// The peer, running.
pub struct Peer {
    child: Child,
    pub address: SocketAddr,
}

impl Peer {
    /// Starts uvicorn with `workers` processes on a free port, serving
    /// `database` read-only, and waits until it listens.
    pub fn start(python: &Path, database: &Path, workers: usize) -> anyhow::Result<Peer> {
        // With several workers uvicorn binds before forking and logs the
        // port it was given, so it is given a free one rather than 0.
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let mut child = Command::new(python)
            .args(["-m", "uvicorn", "app:app", "--app-dir"])
            .arg(peer_dir())
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .arg("--no-access-log")
            .args(["--log-level", "info", "--workers", &workers.to_string()])
            .env("PEER_DB", database)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .context("cannot start uvicorn")?;
        // uvicorn says on its log (stderr) where it listens, and each
        // worker says when it has started (with several workers the address
        // comes first, before they listen).
        let mut lines = BufReader::new(child.stderr.take().expect("piped")).lines();
        let mut address = None;
        let mut started = 0;
        let mut log = Vec::new();
        for line in lines.by_ref() {
            let line = line?;
            if let Some(at) = line.find("running on http://") {
                let rest = &line[at + "running on http://".len()..];
                address = Some(rest.split_whitespace().next().unwrap_or("").parse()?);
            }
            if line.contains("Application startup complete") {
                started += 1;
            }
            if address.is_some() && started >= workers {
                break;
            }
            log.push(line);
        }
        let Some(address) = address else {
            let status = child.wait()?;
            bail!("uvicorn did not start ({status}):\n{}", log.join("\n"));
        };
        // Keep reading its log, or it would block once the pipe is full.
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if line.contains("ERROR") || line.contains("Traceback") {
                    eprintln!("peer: {line}");
                }
            }
        });
        Ok(Peer { child, address })
    }

    /// The processes whose CPU time is the peer's: uvicorn and its worker
    /// processes, if any.
    pub fn pids(&self) -> Vec<u32> {
        let pid = self.child.id();
        let mut pids = vec![pid];
        if let Ok(children) = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")) {
            pids.extend(
                children
                    .split_whitespace()
                    .filter_map(|p| p.parse::<u32>().ok()),
            );
        }
        pids
    }

    /// Stops uvicorn and waits for it.
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        // SIGTERM is uvicorn's way to shut down; `Child::kill` sends
        // SIGKILL, which would leave its worker processes behind.
        if let Some(pid) = rustix::process::Pid::from_raw(self.child.id() as i32) {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        }
        let _ = self.child.wait();
    }
}
