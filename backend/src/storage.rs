//! Where imported audio files live: `<data_dir>/recordings/<id>.<ext>`.
//!
//! Incoming files are written to `recordings/.incoming/` first and moved into
//! place only once they are complete and look like audio, so a failed or
//! refused upload leaves nothing behind. A file is moved into place before
//! its row commits; a crash in between leaves a file without a row, which
//! [`Storage::remove_strays`] clears at a later start.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::fs;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::error::{ApiError, ApiResult};
use crate::processing::analyze::looks_like_audio;

/// How old a file without a recording must be to count as a stray.
pub const STRAY_AFTER: Duration = Duration::from_secs(60 * 60);

/// Whether `id` is a UUIDv7 made less than `age` ago.
fn made_within(id: &str, age: Duration) -> bool {
    let Some(made) = uuid::Uuid::parse_str(id)
        .ok()
        .and_then(|id| id.get_timestamp())
    else {
        return false;
    };
    let (secs, nanos) = made.to_unix();
    let made = std::time::UNIX_EPOCH + Duration::new(secs, nanos);
    match std::time::SystemTime::now().duration_since(made) {
        Ok(elapsed) => elapsed < age,
        // Made "in the future" (clocks apart): not old either.
        Err(_) => true,
    }
}

/// The file store. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Storage {
    data_dir: PathBuf,
}

/// A complete incoming file, not yet in its final place. Dropping it deletes it.
#[derive(Debug)]
pub struct Incoming {
    path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
}

impl Drop for Incoming {
    fn drop(&mut self) {
        // An empty path means the file was kept.
        if !self.path.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl Storage {
    const DIR: &'static str = "recordings";
    const INCOMING: &'static str = "recordings/.incoming";

    /// Opens the store under `data_dir`, creating its folders and clearing
    /// what interrupted uploads left behind: incoming files more than
    /// [`STRAY_AFTER`] old (a younger one may be an upload another replica
    /// sharing this folder is receiving now).
    pub async fn open(data_dir: &Path) -> std::io::Result<Self> {
        let incoming = data_dir.join(Self::INCOMING);
        fs::create_dir_all(&incoming).await?;
        let mut entries = fs::read_dir(&incoming).await?;
        while let Some(entry) = entries.next_entry().await? {
            let name = entry.file_name();
            if name.to_str().is_some_and(|id| made_within(id, STRAY_AFTER)) {
                continue;
            }
            let path = entry.path();
            if entry.file_type().await?.is_dir() {
                fs::remove_dir_all(&path).await?;
            } else {
                fs::remove_file(&path).await?;
            }
        }
        Ok(Storage {
            data_dir: data_dir.to_path_buf(),
        })
    }

    /// The absolute path of a stored file from its relative path.
    pub fn absolute(&self, stored_path: &str) -> PathBuf {
        self.data_dir.join(stored_path)
    }

    /// Starts receiving a file.
    pub async fn begin_incoming(&self) -> std::io::Result<IncomingWriter> {
        let path = self
            .data_dir
            .join(Self::INCOMING)
            .join(uuid::Uuid::now_v7().simple().to_string());
        let file = fs::File::create(&path).await?;
        Ok(IncomingWriter {
            file,
            incoming: Incoming { path, size: 0 },
            head: Vec::new(),
        })
    }

    /// Copies a local file in (import by path). A source that cannot be
    /// read is the caller's mistake (400), not the server's.
    pub async fn copy_in(&self, source: &Path, limit: u64) -> ApiResult<Incoming> {
        let unreadable = |err: std::io::Error| {
            ApiError::bad_request(
                "invalid_path",
                format!("Cannot read `{}`: {err}.", source.display()),
            )
        };
        let meta = fs::metadata(source).await.map_err(unreadable)?;
        if !meta.is_file() {
            return Err(ApiError::bad_request(
                "invalid_path",
                format!("`{}` is not a file.", source.display()),
            ));
        }
        if meta.len() > limit {
            return Err(too_large(limit));
        }
        // The size checked above may change while copying; the copy itself
        // stops one byte past the limit.
        let mut file = fs::File::open(source)
            .await
            .map_err(unreadable)?
            .take(limit.saturating_add(1));
        let mut writer = self.begin_incoming().await?;
        let mut buffer = vec![0; 64 * 1024];
        loop {
            let read = file.read(&mut buffer).await.map_err(unreadable)?;
            if read == 0 {
                break;
            }
            writer.write(&buffer[..read], limit).await?;
        }
        writer.finish().await
    }

    /// Deletes the stored files that belong to no recording (`known` holds
    /// every recording id) and were made more than [`STRAY_AFTER`] ago.
    /// Call it at start-up, before any request runs.
    ///
    /// A younger file may be an upload whose row another replica sharing
    /// this data directory is about to commit. Its age is its id's: ids are
    /// UUIDv7s, which begin with the time they were made.
    pub async fn remove_strays(&self, known: &HashSet<String>) -> std::io::Result<usize> {
        let mut removed = 0;
        let mut entries = fs::read_dir(self.data_dir.join(Self::DIR)).await?;
        while let Some(entry) = entries.next_entry().await? {
            if !entry.file_type().await?.is_file() {
                continue; // `.incoming`, or something that is not ours
            }
            let path = entry.path();
            let id = path.file_stem().and_then(|stem| stem.to_str());
            if id.is_some_and(|id| known.contains(id) || made_within(id, STRAY_AFTER)) {
                continue;
            }
            tracing::info!(path = %path.display(), "removing a file that belongs to no recording");
            fs::remove_file(&path).await?;
            removed += 1;
        }
        Ok(removed)
    }

    /// Moves a complete incoming file to its final place; returns the stored
    /// path relative to the data directory.
    pub async fn keep(
        &self,
        mut incoming: Incoming,
        id: &str,
        ext: &str,
    ) -> std::io::Result<String> {
        let relative = format!("{}/{id}.{ext}", Self::DIR);
        fs::rename(&incoming.path, self.data_dir.join(&relative)).await?;
        incoming.path = PathBuf::new();
        Ok(relative)
    }

    /// Deletes a stored file; a file already gone is not an error.
    pub async fn remove(&self, stored_path: &str) {
        match fs::remove_file(self.absolute(stored_path)).await {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => {
                tracing::warn!(%stored_path, error = %err, "could not delete a stored file")
            }
        }
    }
}

/// Writes an incoming upload chunk by chunk, enforcing the size limit.
#[derive(Debug)]
pub struct IncomingWriter {
    file: fs::File,
    incoming: Incoming,
    head: Vec<u8>,
}

impl IncomingWriter {
    /// Enough bytes to tell every accepted format by its magic bytes.
    const HEAD: usize = 12;

    /// Appends a chunk; fails as soon as the first bytes do not look like
    /// audio, or once more than `limit` bytes came in.
    pub async fn write(&mut self, chunk: &[u8], limit: u64) -> ApiResult<()> {
        if self.head.len() < Self::HEAD {
            let take = (Self::HEAD - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
            if self.head.len() == Self::HEAD {
                check_audio(&self.head)?;
            }
        }
        self.incoming.size += chunk.len() as u64;
        if self.incoming.size > limit {
            return Err(too_large(limit));
        }
        self.file.write_all(chunk).await?;
        Ok(())
    }

    /// Flushes the file and checks that it looks like audio (for a file
    /// shorter than the head that [`IncomingWriter::write`] checks).
    pub async fn finish(mut self) -> ApiResult<Incoming> {
        self.file.flush().await?;
        self.file.sync_all().await?;
        if self.incoming.size == 0 {
            return Err(ApiError::bad_request(
                "invalid_upload",
                "The uploaded file is empty.",
            ));
        }
        check_audio(&self.head)?;
        Ok(self.incoming)
    }
}

fn check_audio(head: &[u8]) -> ApiResult<()> {
    if looks_like_audio(head) {
        Ok(())
    } else {
        Err(ApiError::NotAudio(
            "This file is not audio Earshot can read (WAV, MP3, FLAC or Ogg Vorbis).".to_string(),
        ))
    }
}

fn too_large(limit: u64) -> ApiError {
    ApiError::TooLarge(format!(
        "The file is larger than this server accepts ({} MiB).",
        limit / (1024 * 1024)
    ))
}

/// The text file beside an imported audio file (`talk.wav` → `talk.txt`),
/// if there is one that fits in `max_chars` characters. One that does not, or
/// that is not UTF-8 text, is left out with a warning: it comes along as a
/// convenience and must not make the import fail.
pub async fn sidecar_text(audio: &Path, max_chars: usize) -> Option<String> {
    let path = audio.with_extension("txt");
    match read_sidecar(&path, max_chars).await {
        Ok(text) => text,
        Err(problem) => {
            tracing::warn!(path = %path.display(), %problem, "leaving out the transcript beside an imported file");
            None
        }
    }
}

async fn read_sidecar(path: &Path, max_chars: usize) -> Result<Option<String>, String> {
    let meta = match fs::metadata(path).await {
        Ok(meta) => meta,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err.to_string()),
    };
    if !meta.is_file() {
        return Ok(None);
    }
    // No UTF-8 character is longer than 4 bytes.
    let max_bytes = max_chars as u64 * 4;
    if meta.len() > max_bytes {
        return Err(format!("it is larger than {max_bytes} bytes"));
    }
    let mut bytes = Vec::new();
    fs::File::open(path)
        .await
        .map_err(|err| err.to_string())?
        .take(max_bytes + 1)
        .read_to_end(&mut bytes)
        .await
        .map_err(|err| err.to_string())?;
    let text = String::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_string())?;
    if text.chars().count() > max_chars {
        return Err(format!("it is longer than {max_chars} characters"));
    }
    Ok(Some(text))
}

/// The extension to store a file under, from its name; `bin` when unknown.
pub fn extension_of(file_name: &str) -> String {
    Path::new(file_name)
        .extension()
        .and_then(|ext| ext.to_str())
        .filter(|ext| ext.len() <= 8 && ext.chars().all(|c| c.is_ascii_alphanumeric()))
        .map(|ext| ext.to_ascii_lowercase())
        .unwrap_or_else(|| "bin".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A UUIDv7, as ids are made, of `ago` before now.
    fn id_made(ago: Duration) -> String {
        let since = (std::time::SystemTime::now() - ago)
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap();
        let at = uuid::Timestamp::from_unix(uuid::NoContext, since.as_secs(), since.subsec_nanos());
        uuid::Uuid::new_v7(at).simple().to_string()
    }

    #[tokio::test]
    async fn opening_clears_only_incoming_files_older_than_an_hour() {
        let dir = tempfile::tempdir().unwrap();
        let incoming = dir.path().join(Storage::INCOMING);
        std::fs::create_dir_all(&incoming).unwrap();
        let old = incoming.join(id_made(STRAY_AFTER * 2));
        let fresh = incoming.join(id_made(Duration::ZERO));
        let odd = incoming.join("not-an-id");
        for path in [&old, &fresh, &odd] {
            std::fs::write(path, b"RIFF").unwrap();
        }

        Storage::open(dir.path()).await.unwrap();

        assert!(!old.exists(), "an interrupted upload's leftover is cleared");
        assert!(!odd.exists(), "so is anything that is not an upload");
        assert!(fresh.exists(), "another replica may be receiving this one");
    }

    #[test]
    fn an_id_made_just_now_is_young_and_an_old_or_odd_one_is_not() {
        assert!(made_within(&id_made(Duration::ZERO), STRAY_AFTER));
        assert!(!made_within(&id_made(STRAY_AFTER * 2), STRAY_AFTER));
        assert!(!made_within("not-an-id", STRAY_AFTER));
    }
}
