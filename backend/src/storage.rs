//! Where imported audio files live: `<data_dir>/recordings/<id>.<ext>`.
//!
//! Incoming files are written to `recordings/.incoming/` first and moved into
//! place only once they are complete and look like audio, so a failed or
//! refused upload leaves nothing behind.

use std::path::{Path, PathBuf};

use tokio::fs;
use tokio::io::AsyncWriteExt;

use crate::error::{ApiError, ApiResult};
use crate::processing::analyze::looks_like_audio;

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
    /// what an interrupted upload left behind.
    pub async fn open(data_dir: &Path) -> std::io::Result<Self> {
        let incoming = data_dir.join(Self::INCOMING);
        if fs::try_exists(&incoming).await? {
            fs::remove_dir_all(&incoming).await?;
        }
        fs::create_dir_all(&incoming).await?;
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

    /// Copies a local file in (import by path).
    pub async fn copy_in(&self, source: &Path, limit: u64) -> ApiResult<Incoming> {
        let meta = fs::metadata(source).await.map_err(|_| {
            ApiError::bad_request(
                "invalid_path",
                format!("Cannot read `{}`.", source.display()),
            )
        })?;
        if !meta.is_file() {
            return Err(ApiError::bad_request(
                "invalid_path",
                format!("`{}` is not a file.", source.display()),
            ));
        }
        if meta.len() > limit {
            return Err(too_large(limit));
        }
        let mut head = vec![0; 64];
        let mut file = fs::File::open(source).await?;
        let read = tokio::io::AsyncReadExt::read(&mut file, &mut head).await?;
        head.truncate(read);
        check_audio(&head)?;
        drop(file);
        let IncomingWriter {
            file, mut incoming, ..
        } = self.begin_incoming().await?;
        drop(file);
        fs::copy(source, &incoming.path).await?;
        incoming.size = meta.len();
        Ok(incoming)
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
    const HEAD: usize = 64;

    /// Appends a chunk; fails once more than `limit` bytes came in.
    pub async fn write(&mut self, chunk: &[u8], limit: u64) -> ApiResult<()> {
        self.incoming.size += chunk.len() as u64;
        if self.incoming.size > limit {
            return Err(too_large(limit));
        }
        if self.head.len() < Self::HEAD {
            let take = (Self::HEAD - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        self.file.write_all(chunk).await?;
        Ok(())
    }

    /// Flushes the file and checks that it looks like audio.
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

/// The extension to store a file under, from its name; `bin` when unknown.
pub fn extension_of(file_name: &str) -> String {
    Path::new(file_name)
        .extension()
        .and_then(|ext| ext.to_str())
        .filter(|ext| ext.len() <= 8 && ext.chars().all(|c| c.is_ascii_alphanumeric()))
        .map(|ext| ext.to_ascii_lowercase())
        .unwrap_or_else(|| "bin".to_string())
}
