//! Request and response bodies of the REST API under `/api`.
//!
//! Times are UTC and serialise as RFC 3339; ids are opaque strings.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use crate::keys::Params;

/// The body of every error response: a stable machine-readable `code` and a
/// sentence for people.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable identifier such as `not_found` or `invalid_body`.
    pub code: String,
    /// What went wrong, in words a user can act on.
    pub message: String,
}

/// One page of a longer list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// How many items match, across all pages.
    pub total: u64,
    /// This page's number, from 1.
    pub page: u32,
    /// The page size.
    pub per_page: u32,
    /// Where the next page starts, for lists that take a cursor (the
    /// recordings' `after`): absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// How many pages there are (at least 1).
    pub fn page_count(&self) -> u32 {
        let per_page = u64::from(self.per_page.max(1));
        u32::try_from(self.total.div_ceil(per_page).max(1)).unwrap_or(u32::MAX)
    }
}

/// `GET /api/health`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// Always `ok` when the server answers.
    pub status: String,
    /// The server's version.
    pub version: String,
}

// ---------------------------------------------------------------- recordings

/// Where a recording is in its processing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordingStatus {
    /// Waiting for a worker.
    Queued,
    /// Being decoded and measured (see [`Recording::progress`]).
    Processing,
    /// Processed; its measurements are set.
    Ready,
    /// Processing failed (see [`Recording::error`]).
    Failed,
}

impl RecordingStatus {
    /// Every status, in processing order.
    pub const ALL: [RecordingStatus; 4] = [
        RecordingStatus::Queued,
        RecordingStatus::Processing,
        RecordingStatus::Ready,
        RecordingStatus::Failed,
    ];

    /// The wire name (`queued`, `processing`, `ready`, `failed`).
    pub fn as_str(self) -> &'static str {
        match self {
            RecordingStatus::Queued => "queued",
            RecordingStatus::Processing => "processing",
            RecordingStatus::Ready => "ready",
            RecordingStatus::Failed => "failed",
        }
    }
}

impl fmt::Display for RecordingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing an unknown enum name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownName {
    /// What kind of name was expected.
    pub what: &'static str,
    /// The name given.
    pub name: String,
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} `{}`", self.what, self.name)
    }
}

impl std::error::Error for UnknownName {}

impl FromStr for RecordingStatus {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RecordingStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownName {
                what: "status",
                name: s.to_string(),
            })
    }
}

/// A recording as lists show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recording {
    /// Identifier.
    pub id: String,
    /// Title shown everywhere (defaults to the file name).
    pub title: String,
    /// Processing status.
    pub status: RecordingStatus,
    /// Processing progress in percent, 0–100.
    pub progress: u8,
    /// Why processing failed, when it did.
    pub error: Option<String>,
    /// The project it belongs to, if any.
    pub project_id: Option<String>,
    /// That project's name.
    pub project_name: Option<String>,
    /// The name of the imported file.
    pub file_name: String,
    /// Size of the stored file in bytes.
    pub size_bytes: u64,
    /// Container format, e.g. `wav` (known once ready).
    pub format: Option<String>,
    /// Duration in milliseconds (known once ready).
    pub duration_ms: Option<u64>,
    /// Sample rate in Hz (known once ready).
    pub sample_rate: Option<u32>,
    /// Number of channels (known once ready).
    pub channels: Option<u16>,
    /// Peak level in dBFS (known once ready).
    pub peak_dbfs: Option<f32>,
    /// RMS level in dBFS (known once ready).
    pub rms_dbfs: Option<f32>,
    /// Whether a transcript is attached.
    pub has_transcript: bool,
    /// When it was imported.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A recording with everything the detail page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordingDetail {
    /// The summary fields.
    #[serde(flatten)]
    pub recording: Recording,
    /// Free-form notes.
    pub notes: String,
    /// Transcript text (empty when none).
    pub transcript: String,
    /// Waveform overview: peak amplitude (0–1) of evenly spaced slices.
    pub waveform: Vec<f32>,
}

/// Order of a recordings list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordingSort {
    /// Most recently imported first.
    #[default]
    Newest,
    /// Least recently imported first.
    Oldest,
    /// By title, A to Z.
    Title,
    /// Longest first.
    Duration,
}

impl RecordingSort {
    /// Every sort order.
    pub const ALL: [RecordingSort; 4] = [
        RecordingSort::Newest,
        RecordingSort::Oldest,
        RecordingSort::Title,
        RecordingSort::Duration,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordingSort::Newest => "newest",
            RecordingSort::Oldest => "oldest",
            RecordingSort::Title => "title",
            RecordingSort::Duration => "duration",
        }
    }
}

impl FromStr for RecordingSort {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RecordingSort::ALL
            .into_iter()
            .find(|sort| sort.as_str() == s)
            .ok_or_else(|| UnknownName {
                what: "sort",
                name: s.to_string(),
            })
    }
}

/// Filters, order and page of `GET /api/recordings` — also the query string.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RecordingFilters {
    /// Only recordings with this status.
    pub status: Option<RecordingStatus>,
    /// Only recordings of this project id, or `none` for unassigned ones.
    pub project: Option<String>,
    /// Only recordings whose title, file name or notes contain this text.
    pub text: Option<String>,
    /// Order.
    pub sort: RecordingSort,
    /// Page number, from 1.
    pub page: u32,
    /// Page size, 1 to [`RecordingFilters::MAX_PER_PAGE`].
    pub per_page: u32,
    /// A keyset cursor: the page that follows the row it names (a page's
    /// [`Page::next`]), in the same order. Deep pages cost as little as the
    /// first, and rows added meanwhile do not shift them. `page` must then
    /// be 1.
    pub after: Option<String>,
}

impl Default for RecordingFilters {
    fn default() -> Self {
        RecordingFilters {
            status: None,
            project: None,
            text: None,
            sort: RecordingSort::default(),
            page: 1,
            per_page: Self::DEFAULT_PER_PAGE,
            after: None,
        }
    }
}

impl RecordingFilters {
    /// Page size when none is given.
    pub const DEFAULT_PER_PAGE: u32 = 25;
    /// Largest page size accepted.
    pub const MAX_PER_PAGE: u32 = 200;
    /// The `project` value that selects recordings without a project.
    pub const UNASSIGNED: &'static str = "none";

    /// The filters as canonical parameters: the query key segment and the
    /// query string. Defaults and blank text are left out, so equal filters
    /// always give equal parameters.
    pub fn to_params(&self) -> Params {
        let defaults = RecordingFilters::default();
        let page = self.page.to_string();
        let per_page = self.per_page.to_string();
        Params::from_pairs([
            (
                "status",
                self.status.map(RecordingStatus::as_str).unwrap_or(""),
            ),
            (
                "project",
                self.project.as_deref().map(str::trim).unwrap_or(""),
            ),
            ("text", self.text.as_deref().map(str::trim).unwrap_or("")),
            (
                "sort",
                if self.sort == defaults.sort {
                    ""
                } else {
                    self.sort.as_str()
                },
            ),
            (
                "page",
                if self.page == defaults.page {
                    ""
                } else {
                    &page
                },
            ),
            (
                "per_page",
                if self.per_page == defaults.per_page {
                    ""
                } else {
                    &per_page
                },
            ),
            ("after", self.after.as_deref().map(str::trim).unwrap_or("")),
        ])
    }
}

/// `POST /api/recordings/import` (local mode only): import a file by path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportRecording {
    /// Absolute path of an audio file on the server's machine.
    pub path: String,
    /// Title (defaults to the file name).
    #[serde(default)]
    pub title: Option<String>,
    /// Project to put it in.
    #[serde(default)]
    pub project_id: Option<String>,
}

/// `PATCH /api/recordings/{id}`: fields to change; absent fields stay.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateRecording {
    /// New title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// New notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// New transcript.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript: Option<String>,
    /// `Some(Some(id))` moves it to a project, `Some(None)` (JSON `null`)
    /// removes it from its project.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub project_id: Option<Option<String>>,
}

/// Tells a field given as `null` (`Some(None)`) from an absent one (`None`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

// ------------------------------------------------------------------ projects

/// A project with its recording count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    /// Identifier.
    pub id: String,
    /// Name, unique among projects.
    pub name: String,
    /// Description (may be empty).
    pub description: String,
    /// How many recordings it holds.
    pub recording_count: u64,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// `POST /api/projects`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewProject {
    /// Name (1–200 characters, unique).
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
}

/// `PATCH /api/projects/{id}`: fields to change; absent fields stay.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateProject {
    /// New name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

// ------------------------------------------------------------- conversations

/// A conversation as the list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    /// Identifier.
    pub id: String,
    /// Title.
    pub title: String,
    /// How many messages it holds.
    pub message_count: u64,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed (a new message counts).
    pub updated_at: DateTime<Utc>,
}

/// A conversation with its messages, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationDetail {
    /// The summary fields.
    #[serde(flatten)]
    pub conversation: Conversation,
    /// Messages, oldest first.
    pub messages: Vec<Message>,
}

/// Who wrote a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The user.
    User,
    /// Earshot's reply.
    Assistant,
}

impl Role {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

/// How long after a user's message its reply is expected, in seconds: the
/// app shows that a reply is coming for this long, and the server gives a
/// language model less than this, so that a reply (its own, offline, if the
/// model is too slow) arrives within it.
pub const REPLY_WINDOW_SECS: u64 = 120;

/// One message of a conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Identifier.
    pub id: String,
    /// The conversation it belongs to.
    pub conversation_id: String,
    /// Who wrote it.
    pub role: Role,
    /// Its text.
    pub content: String,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

/// `POST /api/conversations`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewConversation {
    /// Title (defaults to "New conversation").
    #[serde(default)]
    pub title: Option<String>,
}

/// `PATCH /api/conversations/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateConversation {
    /// New title.
    pub title: String,
}

/// `POST /api/conversations/{id}/messages`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    /// The message text (1–10,000 characters).
    pub content: String,
}

// -------------------------------------------------------------------- search

/// `POST /api/search`: run a search and save it to the history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchRequest {
    /// Words to look for; every word must match (the last one as a prefix).
    pub query: String,
    /// Most results to return (default 20, at most 100).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Which text of a recording matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchField {
    /// The title.
    Title,
    /// The notes.
    Notes,
    /// The transcript.
    Transcript,
}

/// A piece of a snippet; `hit` pieces are the matched words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnippetPart {
    /// The text.
    pub text: String,
    /// Whether this text matched the query.
    pub hit: bool,
}

/// One ranked search result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchResult {
    /// The recording that matched.
    pub recording_id: String,
    /// Its title.
    pub title: String,
    /// The field the snippet comes from.
    pub field: SearchField,
    /// The matching passage, hits marked.
    pub snippet: Vec<SnippetPart>,
    /// Relevance; higher is better.
    pub score: f64,
}

/// The answer to a [`SearchRequest`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchResponse {
    /// The query as run.
    pub query: String,
    /// Results, best first.
    pub results: Vec<SearchResult>,
}

/// A saved search.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHistoryEntry {
    /// Identifier.
    pub id: String,
    /// The query text.
    pub query: String,
    /// How many results it had.
    pub result_count: u64,
    /// When it ran.
    pub created_at: DateTime<Utc>,
}

// ----------------------------------------------------------------- dashboard

/// Recordings per processing status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCounts {
    /// Waiting.
    pub queued: u64,
    /// Being processed.
    pub processing: u64,
    /// Processed.
    pub ready: u64,
    /// Failed.
    pub failed: u64,
}

impl StatusCounts {
    /// All recordings.
    pub fn total(&self) -> u64 {
        self.queued + self.processing + self.ready + self.failed
    }
}

/// Recordings imported on one day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCount {
    /// The day (UTC).
    pub date: NaiveDate,
    /// Recordings imported that day.
    pub count: u64,
}

/// `GET /api/dashboard/stats`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DashboardStats {
    /// Recordings per status.
    pub by_status: StatusCounts,
    /// Total duration of ready recordings, in milliseconds.
    pub total_duration_ms: u64,
    /// Number of projects.
    pub project_count: u64,
    /// Number of conversations.
    pub conversation_count: u64,
    /// The five most recent recordings. Their `progress` is 0 while they
    /// are queued or processing (100 once ready): the dashboard shows their
    /// status, and a progress tick does not stale it (see
    /// [`crate::sync::Invalidate::keys`]).
    pub recent: Vec<Recording>,
    /// Imports per day over the last 14 days, oldest first, today last.
    pub per_day: Vec<DayCount>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_recording_tells_null_from_absent() {
        let absent: UpdateRecording = serde_json::from_str(r#"{"title":"x"}"#).unwrap();
        assert_eq!(absent.project_id, None);
        let null: UpdateRecording = serde_json::from_str(r#"{"project_id":null}"#).unwrap();
        assert_eq!(null.project_id, Some(None));
        let set: UpdateRecording = serde_json::from_str(r#"{"project_id":"p1"}"#).unwrap();
        assert_eq!(set.project_id, Some(Some("p1".into())));
    }

    #[test]
    fn unknown_fields_are_refused() {
        assert!(serde_json::from_str::<NewProject>(r#"{"name":"a","colour":"red"}"#).is_err());
    }

    #[test]
    fn page_count_rounds_up_and_is_at_least_one() {
        let page = |total| Page::<()> {
            items: vec![],
            total,
            page: 1,
            per_page: 10,
            next: None,
        };
        assert_eq!(page(0).page_count(), 1);
        assert_eq!(page(10).page_count(), 1);
        assert_eq!(page(11).page_count(), 2);
    }

    #[test]
    fn statuses_parse_from_their_wire_names() {
        for status in RecordingStatus::ALL {
            assert_eq!(status.as_str().parse::<RecordingStatus>().unwrap(), status);
            assert_eq!(
                serde_json::to_string(&status).unwrap(),
                format!("\"{status}\"")
            );
        }
        assert!("done".parse::<RecordingStatus>().is_err());
    }

    #[test]
    fn filters_params_are_the_query_string() {
        let filters = RecordingFilters {
            status: Some(RecordingStatus::Failed),
            sort: RecordingSort::Title,
            page: 3,
            ..Default::default()
        };
        let params = filters.to_params();
        assert_eq!(params.to_string(), "{page=3,sort=title,status=failed}");
    }
}
