//! The large workspaces the benchmarks run on.
//!
//! A workspace of N recordings is made once by the workspace generator
//! (`backend/examples/make_workspace/generate.rs`, the code behind
//! `cargo run --release -p earshot-backend --example make-workspace`) into
//! `target/bench-workspaces/<N>-<key>/`, where `<key>` is a hash of the
//! generator's and the migrations' source: a changed generator or schema
//! makes a new one. Every run works on a copy ([`Workspace::copy_of`]): the
//! database files are copied, the audio files hard-linked (the server only
//! reads them), so runs that write (searches save their query, the storm
//! renames recordings) leave the template as it was.

use std::path::{Path, PathBuf};

use anyhow::Context;

#[path = "../../examples/make_workspace/generate.rs"]
mod generate;

/// The template workspace of `recordings` recordings, made first if
/// missing.
pub fn template(target_dir: &Path, recordings: usize) -> anyhow::Result<PathBuf> {
    let key = fnv1a(&[
        include_str!("../../examples/make_workspace/generate.rs"),
        include_str!("../../src/db/migration.rs"),
    ]);
    let dir = target_dir
        .join("bench-workspaces")
        .join(format!("{recordings}-{key:016x}"));
    let generated = dir.join(GENERATED);
    if let Ok(summary) = std::fs::read_to_string(&generated) {
        eprintln!(
            "workspace of {recordings} recordings: {} (made earlier)",
            dir.display()
        );
        return Ok(dir).inspect(|_| eprintln!("{summary}"));
    }
    eprintln!(
        "workspace of {recordings} recordings: generating into {}",
        dir.display()
    );
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let summary = rt.block_on(async {
        let url = earshot_backend::Config::embedded(dir.clone()).database_url();
        let db = earshot_backend::db::connect(&url, "bench").await?;
        let mut options = generate::Options::for_recordings(recordings);
        options.progress = true;
        let summary = generate::generate(&db, &dir, &options).await?;
        db.close().await?;
        anyhow::Ok(summary)
    })?;
    eprintln!("{summary}");
    std::fs::write(&generated, summary.to_string())?;
    Ok(dir)
}

/// FNV-1a over `parts`: a key that changes when any of them does.
fn fnv1a(parts: &[&str]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    for byte in parts.iter().flat_map(|p| p.bytes()) {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// A copy of a template, deleted when dropped.
pub struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    /// Copies `template` (next to it, so that hard links work).
    pub fn copy_of(template: &Path) -> anyhow::Result<Workspace> {
        let parent = template.parent().context("a template has a parent")?;
        let dir = tempfile::Builder::new().prefix("run-").tempdir_in(parent)?;
        copy_tree(template, dir.path())?;
        Ok(Workspace { dir })
    }

    /// The data directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The SQLite database in it.
    pub fn database(&self) -> PathBuf {
        self.dir.path().join("earshot.db")
    }
}

fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type()?.is_dir() {
            copy_tree(&source, &target)?;
        } else if name == GENERATED {
            continue;
        } else if name.starts_with("earshot.db") || std::fs::hard_link(&source, &target).is_err() {
            std::fs::copy(&source, &target)
                .with_context(|| format!("cannot copy {}", source.display()))?;
        }
    }
    Ok(())
}

/// The file a finished template holds: what the generator said.
const GENERATED: &str = "GENERATED";
