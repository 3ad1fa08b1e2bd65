//! Importing audio files: each chosen or dropped file is read and uploaded
//! (`POST /api/recordings`, multipart) on its own, with a row on the
//! recordings page while it is under way and a toast if the server refuses
//! it. The new recording then arrives like any other change: live.
//!
//! The rows live at the app's root, not in the page: an upload goes on (and
//! its row comes back) when the user looks at another page meanwhile.
//!
//! At most [`AT_ONCE`] files are read and sent at the same time; the others
//! wait their turn in order (their rows say so). A file is read into memory
//! whole before it is sent, so this also bounds the memory imports take.

use std::collections::VecDeque;

use dioxus::html::FileData;
use dioxus::prelude::*;
use earshot_shared::keys;

use crate::api::{ApiClient, UploadRecording};
use crate::app::use_api;
use crate::components::toasts::{Toasts, use_toasts};
use crate::query::{QueryClient, use_query_client};

/// What the file picker accepts: audio, and the extensions the server
/// decodes (some systems give no type for `.flac` or `.ogg`). Upper case
/// too: the desktop's native dialog matches extensions case-sensitively.
/// Text files are transcripts: one chosen with an audio file of the same name
/// (`interview.txt` with `interview.mp3`) is uploaded as its transcript.
pub const ACCEPTED: &str =
    "audio/*,.wav,.mp3,.flac,.ogg,.oga,.WAV,.MP3,.FLAC,.OGG,.OGA,text/plain,.txt,.TXT";

/// How many files are read and uploaded at the same time.
pub const AT_ONCE: usize = 3;

/// Where an upload stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UploadState {
    /// Waiting for other uploads to finish.
    Waiting,
    /// Reading the file.
    Reading,
    /// Sending it.
    Sending,
}

/// One file on its way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upload {
    /// Unique while the app runs.
    pub id: u64,
    /// The file's name.
    pub file_name: String,
    /// Its size in bytes.
    pub size: u64,
    /// Reading or sending.
    pub state: UploadState,
}

/// Work that runs at most `limit` at a time, the rest waiting in order.
#[derive(Debug)]
struct Turns<T> {
    limit: usize,
    running: usize,
    waiting: VecDeque<T>,
}

impl<T> Turns<T> {
    fn new(limit: usize) -> Self {
        Turns {
            limit: limit.max(1),
            running: 0,
            waiting: VecDeque::new(),
        }
    }

    /// Adds work at the back of the line.
    fn push(&mut self, work: T) {
        self.waiting.push_back(work);
    }

    /// The next work to start, if there is a free turn (it is then running).
    fn next(&mut self) -> Option<T> {
        if self.running >= self.limit {
            return None;
        }
        let work = self.waiting.pop_front()?;
        self.running += 1;
        Some(work)
    }

    /// Marks one running work finished, freeing its turn.
    fn finished(&mut self) {
        self.running = self.running.saturating_sub(1);
    }
}

/// The uploads under way, shared by the whole app.
#[derive(Clone, Copy, PartialEq)]
pub struct UploadList {
    list: Signal<Vec<Upload>>,
    next: Signal<u64>,
    turns: Signal<Turns<(u64, Chosen)>>,
}

impl UploadList {
    /// A list owned by the root scope (uploads outlive the page that began them).
    pub fn new_at_root() -> Self {
        UploadList {
            list: Signal::new_in_scope(Vec::new(), ScopeId::ROOT),
            next: Signal::new_in_scope(0, ScopeId::ROOT),
            turns: Signal::new_in_scope(Turns::new(AT_ONCE), ScopeId::ROOT),
        }
    }

    fn add(&self, file_name: String, size: u64) -> u64 {
        let (mut list, mut next) = (self.list, self.next);
        let id = {
            let mut next = next.write();
            *next += 1;
            *next
        };
        list.write().push(Upload {
            id,
            file_name,
            size,
            state: UploadState::Waiting,
        });
        id
    }

    fn set_state(&self, id: u64, state: UploadState) {
        let mut list = self.list;
        if let Some(upload) = list.write().iter_mut().find(|u| u.id == id) {
            upload.state = state;
        }
    }

    fn remove(&self, id: u64) {
        let mut list = self.list;
        list.write().retain(|u| u.id != id);
    }
}

/// An audio file and the transcript chosen with it, if any.
struct Chosen {
    audio: FileData,
    transcript: Option<FileData>,
}

/// Pairs each transcript (`.txt`) among `names` with the audio file of the
/// same name: returns, for every audio file, its index and its transcript's,
/// and the indices of the transcripts without one.
fn pair_transcripts(names: &[String]) -> (Vec<(usize, Option<usize>)>, Vec<usize>) {
    fn split(name: &str) -> (String, bool) {
        match name.rsplit_once('.') {
            Some((stem, extension)) => (stem.to_lowercase(), extension.eq_ignore_ascii_case("txt")),
            None => (name.to_lowercase(), false),
        }
    }
    let mut transcripts: Vec<(String, usize)> = Vec::new();
    let mut audio = Vec::new();
    for (index, name) in names.iter().enumerate() {
        match split(name) {
            (stem, true) => transcripts.push((stem, index)),
            (stem, false) => audio.push((stem, index)),
        }
    }
    let paired = audio
        .into_iter()
        .map(|(stem, index)| {
            let transcript = transcripts
                .iter()
                .position(|(text_stem, _)| *text_stem == stem)
                .map(|found| transcripts.remove(found).1);
            (index, transcript)
        })
        .collect();
    (
        paired,
        transcripts.into_iter().map(|(_, index)| index).collect(),
    )
}

/// Starts uploads and lists them.
#[derive(Clone)]
pub struct Uploads {
    list: UploadList,
    api: ApiClient,
    client: QueryClient,
    toasts: Toasts,
}

impl Uploads {
    /// The uploads under way (subscribes the caller).
    pub fn pending(&self) -> Vec<Upload> {
        self.list.list.read().clone()
    }

    /// Uploads every audio file, each on its own (with the transcript of
    /// the same name, if one was chosen too): one refused file does not stop
    /// the others. Files beyond [`AT_ONCE`] wait for their turn.
    pub fn start(&self, files: Vec<FileData>) {
        let names: Vec<String> = files.iter().map(FileData::name).collect();
        let (paired, unpaired) = pair_transcripts(&names);
        for index in unpaired {
            self.toasts.error(format!(
                "“{}” was not imported: a transcript goes with the audio file of the same \
                 name, chosen together with it",
                names[index]
            ));
        }
        let mut files: Vec<Option<FileData>> = files.into_iter().map(Some).collect();
        let mut turns = self.list.turns;
        for (audio, transcript) in paired {
            let Some(audio) = files[audio].take() else {
                continue;
            };
            let transcript = transcript.and_then(|index| files[index].take());
            let id = self.list.add(audio.name(), audio.size());
            turns.write().push((id, Chosen { audio, transcript }));
        }
        self.start_next();
    }

    /// Starts the waiting uploads that have a turn.
    fn start_next(&self) {
        let mut turns = self.list.turns;
        loop {
            let Some((id, chosen)) = turns.write().next() else {
                return;
            };
            let this = self.clone();
            // Owned by the app: leaving the page does not cancel the upload.
            dioxus::core::spawn_forever(async move {
                this.upload(id, chosen).await;
                turns.write().finished();
                this.start_next();
            });
        }
    }

    async fn upload(&self, id: u64, chosen: Chosen) {
        self.list.set_state(id, UploadState::Reading);
        let Chosen {
            audio: file,
            transcript,
        } = chosen;
        let file_name = file.name();
        let transcript = match transcript {
            None => None,
            Some(text) => match text.read_bytes().await {
                Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
                Err(error) => {
                    self.list.remove(id);
                    self.toasts
                        .error(format!("Couldn’t read “{}”: {error}", text.name()));
                    return;
                }
            },
        };
        let bytes = match file.read_bytes().await {
            // Without a copy when the bytes are not shared (the usual case).
            Ok(bytes) => Vec::from(bytes),
            Err(error) => {
                self.list.remove(id);
                self.toasts
                    .error(format!("Couldn’t read “{file_name}”: {error}"));
                return;
            }
        };
        self.list.set_state(id, UploadState::Sending);
        // Not a cache mutation: it changes no cached data optimistically, and
        // a mutation's variables are cloned, which would copy the whole file.
        let result = self
            .api
            .upload_recording(UploadRecording {
                file_name: file_name.clone(),
                bytes,
                transcript,
                ..Default::default()
            })
            .await;
        for key in [
            keys::recordings::all(),
            keys::projects::all(),
            keys::dashboard::stats(),
        ] {
            self.client.invalidate(&key);
        }
        self.list.remove(id);
        if let Err(error) = result {
            self.toasts
                .api_error(&format!("Couldn’t import “{file_name}”"), &error);
        }
    }
}

/// The app's uploads (their list is provided at the root, see
/// [`UploadList::new_at_root`]).
pub fn use_uploads() -> Uploads {
    Uploads {
        list: use_context::<UploadList>(),
        api: use_api(),
        client: use_query_client(),
        toasts: use_toasts(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|name| name.to_string()).collect()
    }

    #[test]
    fn a_transcript_goes_with_the_audio_file_of_the_same_name() {
        let chosen = names(&[
            "band-meeting.TXT",
            "band-meeting.mp3",
            "interview.ogg",
            "stray.txt",
            "Studio.Notes.mp3",
            "studio.notes.txt",
        ]);

        let (paired, unpaired) = pair_transcripts(&chosen);

        assert_eq!(paired, vec![(1, Some(0)), (2, None), (4, Some(5))]);
        assert_eq!(unpaired, vec![3]);
    }

    #[test]
    fn one_transcript_goes_with_one_audio_file() {
        let (paired, unpaired) = pair_transcripts(&names(&["a.wav", "a.mp3", "a.txt"]));
        assert_eq!(paired, vec![(0, Some(2)), (1, None)]);
        assert!(unpaired.is_empty());
    }

    #[test]
    fn only_so_many_uploads_run_at_once_and_the_rest_wait_in_order() {
        let mut turns = Turns::new(2);
        for file in 1..=4 {
            turns.push(file);
        }
        assert_eq!(turns.next(), Some(1));
        assert_eq!(turns.next(), Some(2));
        assert_eq!(turns.next(), None, "both turns are taken");

        turns.finished();
        assert_eq!(turns.next(), Some(3));
        assert_eq!(turns.next(), None);
        turns.finished();
        turns.finished();
        assert_eq!(turns.next(), Some(4));
        turns.finished();
        assert_eq!(turns.next(), None, "nothing left");
        assert_eq!(turns.running, 0);
    }
}
