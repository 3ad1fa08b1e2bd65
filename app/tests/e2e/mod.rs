//! What the real-window and real-browser tests share: child processes that
//! are stopped when the test ends, their output as it arrives, waiting on a
//! condition until a deadline, and where screenshots go.
//!
//! These tests drive programs outside the test process (Xvfb, the app's
//! binary, chromedriver, Chromium), so they are `#[ignore]`d by default
//! and run by `scripts/test` once the web bundle is built:
//!
//! ```sh
//! cargo test -p earshot-app --test window --test browser -- --ignored
//! ```

#![allow(
    dead_code,
    reason = "each test binary uses its own part of this module"
)]

pub mod browser;

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// A hang guard, not a synchronisation: every wait ends as soon as its
/// condition holds; this only bounds how long a broken test hangs.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// How often a polled condition (a screenshot, a page's text) is checked.
pub const POLL: Duration = Duration::from_millis(50);

/// Checks `condition` every [`POLL`] until it returns `Some`, for at most
/// `patience`; panics with `what` if it never does.
pub fn wait_until<T>(
    what: &str,
    patience: Duration,
    mut condition: impl FnMut() -> Option<T>,
) -> T {
    let deadline = Instant::now() + patience;
    loop {
        if let Some(value) = condition() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(POLL);
    }
}

/// Where screenshots are written: `EARSHOT_SCREENSHOT_DIR`, or
/// `target/screenshots` of the workspace.
pub fn screenshot_dir() -> PathBuf {
    let dir = std::env::var_os("EARSHOT_SCREENSHOT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_dir().join("target/screenshots"));
    std::fs::create_dir_all(&dir).expect("the screenshot folder");
    dir
}

/// The workspace's root folder.
pub fn workspace_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("app/ is in the workspace")
        .to_path_buf()
}

/// Whether `program` is on `PATH`.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Lines a child process wrote, collected as they arrive.
#[derive(Clone, Default)]
pub struct Output(Arc<(Mutex<Vec<String>>, Condvar)>);

impl Output {
    /// Collects `stream` line by line on a thread of its own; with `echo`,
    /// each line also goes to this test's stderr (shown when it fails).
    pub fn collect(stream: impl Read + Send + 'static, label: &'static str) -> Output {
        let output = Output::default();
        let lines = output.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines() {
                let Ok(line) = line else { break };
                eprintln!("[{label}] {line}");
                let (all, arrived) = &*lines.0;
                all.lock().unwrap().push(line);
                arrived.notify_all();
            }
        });
        output
    }

    /// Waits for the first line `pick` accepts and returns what it made of it.
    pub fn wait_for<T>(&self, what: &str, mut pick: impl FnMut(&str) -> Option<T>) -> T {
        self.wait_for_from(0, what, &mut pick).1
    }

    /// Like [`Output::wait_for`], looking only at lines from index `from` on;
    /// also returns the index after the line that matched.
    pub fn wait_for_from<T>(
        &self,
        from: usize,
        what: &str,
        mut pick: impl FnMut(&str) -> Option<T>,
    ) -> (usize, T) {
        let (all, arrived) = &*self.0;
        let deadline = Instant::now() + PATIENCE;
        let mut lines = all.lock().unwrap();
        let mut next = from;
        loop {
            while next < lines.len() {
                next += 1;
                if let Some(found) = pick(&lines[next - 1]) {
                    return (next, found);
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "timed out waiting for {what}");
            lines = arrived.wait_timeout(lines, left).unwrap().0;
        }
    }

    /// How many lines have arrived so far.
    pub fn len(&self) -> usize {
        self.0.0.lock().unwrap().len()
    }

    /// Everything so far, one string.
    pub fn text(&self) -> String {
        self.0.0.lock().unwrap().join("\n")
    }
}

/// A child process that is killed when dropped (unless it was stopped),
/// with every process it started: it leads a process group of its own, so
/// a failing test leaves no browser or window behind.
pub struct Process {
    child: Child,
    name: &'static str,
    /// Its standard output, if it was piped.
    pub stdout: Output,
    /// Its standard error, if it was piped.
    pub stderr: Output,
}

impl Process {
    /// Starts `command` with its output piped and collected.
    pub fn spawn(name: &'static str, mut command: Command) -> Process {
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        let mut child = command
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {name}: {error}"));
        let stdout = Output::collect(child.stdout.take().unwrap(), name);
        let stderr = Output::collect(child.stderr.take().unwrap(), name);
        Process {
            child,
            name,
            stdout,
            stderr,
        }
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Asks it to stop (SIGTERM, as a desktop session's logout would) and
    /// waits for it to exit; returns whether it exited successfully.
    pub fn terminate(&mut self) -> bool {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let status = wait_until(&format!("{} to exit", self.name), PATIENCE, || {
            self.child.try_wait().ok().flatten()
        });
        status.success()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // The group outlives its leader if the leader exited first.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.wait();
    }
}
