//! What the read and refetch-storm benchmarks share: the server in a
//! process of its own ([`server`]), the large workspaces they run on
//! ([`workspace`]), and the machine's figures and the tables they print.

pub mod server;
pub mod workspace;

use std::path::{Path, PathBuf};
use std::time::Duration;

/// `10000,100_000`: a comma-separated list of counts of `what`.
pub fn parse_counts(list: &str, what: &str) -> anyhow::Result<Vec<usize>> {
    use anyhow::Context as _;
    list.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            s.trim()
                .replace('_', "")
                .parse()
                .with_context(|| format!("{s:?} is not a number of {what}"))
        })
        .collect()
}

/// The target directory this program was built in (it lives in
/// `<target>/release/deps/`).
pub fn target_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.parent()?.to_path_buf()))
        .filter(|dir| dir.join("CACHEDIR.TAG").exists())
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

/// Raises the soft limit on open files to `needed`, or as far as the hard
/// limit allows (past it only when privileged); says why when it falls
/// short.
pub fn raise_fd_limit(needed: u64) -> Option<String> {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let current = getrlimit(Resource::Nofile);
    if current.current.is_none_or(|soft| soft >= needed) {
        return None;
    }
    let wanted = Rlimit {
        current: Some(needed),
        maximum: current.maximum.map(|hard| hard.max(needed)),
    };
    let err = setrlimit(Resource::Nofile, wanted).err()?;
    let _ = setrlimit(
        Resource::Nofile,
        Rlimit {
            current: current.maximum,
            maximum: current.maximum,
        },
    );
    Some(format!(
        "cannot raise RLIMIT_NOFILE to {needed}: {err} (now {:?})",
        getrlimit(Resource::Nofile).current
    ))
}

/// The nearest-rank percentile of sorted values (0 when there are none).
pub fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Nanoseconds as milliseconds.
pub fn millis(ns: u64) -> String {
    format!("{:.2} ms", ns as f64 / 1e6)
}

/// `12345` as `12,345`.
pub fn thousands(n: u64) -> String {
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

/// Prints a Markdown table, columns right-aligned to their widest cell.
pub fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut lines = vec![header.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
    lines.extend(rows.iter().cloned());
    let widths: Vec<usize> = (0..header.len())
        .map(|col| {
            lines
                .iter()
                .map(|l| l.get(col).map_or(0, |c| c.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    for (i, line) in lines.iter().enumerate() {
        let cells: Vec<String> = widths
            .iter()
            .enumerate()
            .map(|(col, &w)| format!("{:>w$}", line.get(col).map_or("", String::as_str)))
            .collect();
        println!("| {} |", cells.join(" | "));
        if i == 0 {
            let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
            println!("|-{}-|", rule.join("-|-"));
        }
    }
}

/// The whole machine's CPU time so far, from the first line of
/// `/proc/stat`: the time its cores were busy (all but idle and iowait).
#[derive(Clone, Copy, Debug, Default)]
pub struct MachineCpu {
    busy_ticks: u64,
}

impl MachineCpu {
    /// Reads the counters now (zero when they cannot be read).
    pub fn now() -> MachineCpu {
        let Ok(stat) = std::fs::read_to_string("/proc/stat") else {
            return MachineCpu::default();
        };
        let values: Vec<u64> = stat
            .lines()
            .next()
            .unwrap_or("")
            .split_whitespace()
            .skip(1)
            .filter_map(|v| v.parse().ok())
            .collect();
        let total: u64 = values.iter().take(8).sum();
        let idle = values.get(3).copied().unwrap_or(0) + values.get(4).copied().unwrap_or(0);
        MachineCpu {
            busy_ticks: total.saturating_sub(idle),
        }
    }

    /// CPU time the whole machine spent busy since `earlier`, summed over
    /// its cores.
    pub fn busy_since(&self, earlier: &MachineCpu) -> Duration {
        let ticks = self.busy_ticks.saturating_sub(earlier.busy_ticks);
        Duration::from_nanos(ticks * 1_000_000_000 / rustix::param::clock_ticks_per_second())
    }
}

/// The 1-minute load average.
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// How many cores the machine has.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
