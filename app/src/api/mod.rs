//! A typed client for Earshot's REST API under `/api`.
//!
//! One method per endpoint, each returning the DTO of [`earshot_shared::dto`]
//! or an [`ApiError`]. The same code runs natively (reqwest over hyper) and in
//! the browser (reqwest over `fetch`); nothing here knows about Dioxus.
//!
//! ```ignore
//! let api = ApiClient::new(ServerAddress::new("http://127.0.0.1:8080", None)?);
//! let stats = api.dashboard_stats().await?;
//! println!("{} recordings", stats.by_status.total());
//! ```

mod known;

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use earshot_shared::dto::{
    Conversation, ConversationDetail, DashboardStats, ErrorBody, Health, ImportRecording, Message,
    NewConversation, NewMessage, NewProject, Page, Project, Recording, RecordingDetail,
    RecordingFilters, SearchHistoryEntry, SearchRequest, SearchResponse, UpdateConversation,
    UpdateProject, UpdateRecording,
};
use earshot_shared::sync::POSITION_HEADER;
use reqwest::header::{ETAG, IF_NONE_MATCH};
use reqwest::{Method, RequestBuilder, Response, StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;

use self::known::{Known, KnownAnswers};
use crate::sync::reads::ReadPositions;

/// Why a request failed.
///
/// Cheap to clone and comparable, so it can sit in component state and in a
/// cache entry.
#[derive(Clone, Debug, PartialEq)]
pub enum ApiError {
    /// The server answered with an error status and (usually) a `{code, message}` body.
    Http {
        /// The HTTP status.
        status: StatusCode,
        /// The server's explanation; synthesised from the status when the
        /// body was not an [`ErrorBody`].
        body: ErrorBody,
    },
    /// The server could not be reached, or the connection broke mid-way.
    Network(String),
    /// The server answered successfully with a body this client cannot read
    /// (usually a version mismatch between app and server).
    Decode(String),
}

impl crate::query::QueryError for ApiError {
    fn is_client_error(&self) -> bool {
        ApiError::is_client_error(self)
    }
}

impl ApiError {
    /// `true` for a 4xx answer: the request itself is wrong (not found,
    /// invalid input, unauthorised), so sending it again will not help.
    pub fn is_client_error(&self) -> bool {
        matches!(self, ApiError::Http { status, .. } if status.is_client_error())
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            ApiError::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether the server said the thing asked for does not exist (404):
    /// deleted, here or elsewhere.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// The server's stable error code (such as `not_found`), when it gave one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Http { body, .. } => Some(&body.code),
            _ => None,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Http { body, .. } => f.write_str(&body.message),
            ApiError::Network(cause) => write!(f, "Could not reach the server: {cause}."),
            ApiError::Decode(cause) => {
                write!(
                    f,
                    "The server sent an answer this app cannot read ({cause})."
                )
            }
        }
    }
}

impl std::error::Error for ApiError {}

/// A base URL that cannot address a server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidBaseUrl(pub String);

impl fmt::Display for InvalidBaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a server address (expected http://host:port)",
            self.0
        )
    }
}

impl std::error::Error for InvalidBaseUrl {}

/// Where the server is and how to authenticate: what the app is launched with.
///
/// Checked once when it is made, so an [`ApiClient`] built from it cannot
/// fail to form a URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerAddress {
    base_url: Arc<Url>,
    token: Option<Arc<str>>,
}

impl ServerAddress {
    /// The server at `base_url` (such as `http://127.0.0.1:8080`, possibly with
    /// a path prefix), with a bearer `token` when it requires one. An empty
    /// token counts as none.
    pub fn new(base_url: &str, token: Option<String>) -> Result<Self, InvalidBaseUrl> {
        let invalid = || InvalidBaseUrl(base_url.to_string());
        let url = Url::parse(base_url.trim()).map_err(|_| invalid())?;
        if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
            return Err(invalid());
        }
        Ok(ServerAddress {
            base_url: Arc::new(url),
            token: token.filter(|t| !t.is_empty()).map(Arc::from),
        })
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.base_url.as_str().trim_end_matches('/')
    }

    /// The bearer token, if any.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The live sync socket's URL: `ws://…/api/ws/sync` (`wss://` over TLS).
    pub fn sync_url(&self) -> String {
        let base = self.base_url();
        let rest = base
            .strip_prefix("https://")
            .map(|rest| format!("wss://{rest}"))
            .or_else(|| {
                base.strip_prefix("http://")
                    .map(|rest| format!("ws://{rest}"))
            })
            .unwrap_or_else(|| base.to_string());
        format!("{rest}/api/ws/sync")
    }
}

/// A recording file to upload with [`ApiClient::upload_recording`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UploadRecording {
    /// The file's name, e.g. `interview.wav`.
    pub file_name: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Title (the server defaults it to the file name).
    pub title: Option<String>,
    /// Project to put it in.
    pub project_id: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// A transcript to attach.
    pub transcript: Option<String>,
}

/// How long a request may take, answer included, before it fails: a saving
/// or loading state never hangs on a server that stopped answering.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How long an upload of `bytes` may take: [`REQUEST_TIMEOUT`] plus a
/// second per megabyte, as slow a link as an upload is allowed to crawl at.
pub fn upload_timeout(bytes: usize) -> Duration {
    REQUEST_TIMEOUT + Duration::from_secs((bytes / 1_000_000) as u64)
}

/// A client of one Earshot server. Cloning is cheap (a few reference counts).
#[derive(Clone, Debug)]
pub struct ApiClient {
    address: ServerAddress,
    http: reqwest::Client,
    /// Every response's position, for the sync client's first connection.
    reads: Rc<ReadPositions>,
    /// The last tagged answer of each read, for `If-None-Match`.
    known: Rc<RefCell<KnownAnswers>>,
}

impl PartialEq for ApiClient {
    /// Two clients are equal when they talk to the same server as the same user.
    fn eq(&self, other: &Self) -> bool {
        self.address == other.address
    }
}

impl ApiClient {
    /// A client of the server at `address`.
    pub fn new(address: ServerAddress) -> Self {
        ApiClient {
            address,
            http: crate::platform::http_client(),
            reads: Rc::new(ReadPositions::new()),
            known: Rc::default(),
        }
    }

    /// Where this client's reads stand in the server's change sequence.
    pub fn reads(&self) -> Rc<ReadPositions> {
        self.reads.clone()
    }

    /// The server this client talks to.
    pub fn address(&self) -> &ServerAddress {
        &self.address
    }

    // -------------------------------------------------------------- queries
    // (the writes are in the `impl` block after this one)

    /// `GET /api/health`.
    pub async fn health(&self) -> Result<Health, ApiError> {
        self.get(&["health"]).await
    }

    /// `GET /api/dashboard/stats`.
    pub async fn dashboard_stats(&self) -> Result<DashboardStats, ApiError> {
        self.get(&["dashboard", "stats"]).await
    }

    /// `GET /api/recordings?…`: one filtered, sorted page of recordings.
    pub async fn recordings(
        &self,
        filters: &RecordingFilters,
    ) -> Result<Page<Recording>, ApiError> {
        let mut url = self.url(&["recordings"]);
        let params = filters.to_params();
        if !params.is_empty() {
            url.query_pairs_mut().extend_pairs(params.iter());
        }
        self.read(url).await
    }

    /// `GET /api/recordings/{id}`.
    pub async fn recording(&self, id: &str) -> Result<RecordingDetail, ApiError> {
        self.get(&["recordings", id]).await
    }

    /// `GET /api/projects`.
    pub async fn projects(&self) -> Result<Vec<Project>, ApiError> {
        self.get(&["projects"]).await
    }

    /// `GET /api/projects/{id}`.
    pub async fn project(&self, id: &str) -> Result<Project, ApiError> {
        self.get(&["projects", id]).await
    }

    /// `GET /api/conversations`.
    pub async fn conversations(&self) -> Result<Vec<Conversation>, ApiError> {
        self.get(&["conversations"]).await
    }

    /// `GET /api/conversations/{id}`: the conversation with its messages.
    pub async fn conversation(&self, id: &str) -> Result<ConversationDetail, ApiError> {
        self.get(&["conversations", id]).await
    }

    /// `POST /api/search`: run a search (the server saves it to the history).
    pub async fn search(&self, request: &SearchRequest) -> Result<SearchResponse, ApiError> {
        self.send_json(Method::POST, &["search"], request).await
    }

    /// `GET /api/search/history`.
    pub async fn search_history(&self) -> Result<Vec<SearchHistoryEntry>, ApiError> {
        self.get(&["search", "history"]).await
    }

    // ------------------------------------------------------------- plumbing

    /// `{base}/api/{segments…}`, each segment percent-encoded (ids are opaque).
    fn url(&self, segments: &[&str]) -> Url {
        let mut url = Url::clone(&self.address.base_url);
        url.set_query(None);
        url.set_fragment(None);
        if let Ok(mut path) = url.path_segments_mut() {
            // `ServerAddress::new` refused cannot-be-a-base URLs, so this always runs.
            path.pop_if_empty().push("api").extend(segments);
        }
        url
    }

    async fn get<T: DeserializeOwned>(&self, segments: &[&str]) -> Result<T, ApiError> {
        self.read(self.url(segments)).await
    }

    /// `GET url`, conditional on the answer kept for it: a `304` decodes
    /// the kept body again (see [`known`]).
    async fn read<T: DeserializeOwned>(&self, url: Url) -> Result<T, ApiError> {
        let key = url.to_string();
        let kept = self.known.borrow_mut().get(&key);
        let mut request = self.http.get(url);
        if let Some(kept) = &kept {
            request = request.header(IF_NONE_MATCH, kept.etag.clone());
        }
        let response = self.send(request.timeout(REQUEST_TIMEOUT)).await?;
        let body = match (response.status(), kept) {
            (StatusCode::NOT_MODIFIED, Some(kept)) => kept.body,
            (StatusCode::NOT_MODIFIED, None) => {
                return Err(ApiError::Decode(
                    "an answer to a request that asked for none".to_string(),
                ));
            }
            _ => {
                let etag = response.headers().get(ETAG).cloned();
                let body = response.bytes().await.map_err(network_error)?;
                let mut known = self.known.borrow_mut();
                match etag {
                    Some(etag) => known.keep(
                        key,
                        Known {
                            etag,
                            body: body.clone(),
                        },
                    ),
                    None => known.forget(&key),
                }
                body
            }
        };
        serde_json::from_slice(&body).map_err(|error| ApiError::Decode(error.to_string()))
    }

    async fn send_json<B, T>(
        &self,
        method: Method,
        segments: &[&str],
        body: &B,
    ) -> Result<T, ApiError>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        let request = self.http.request(method, self.url(segments)).json(body);
        self.json(request).await
    }

    async fn delete(&self, segments: &[&str]) -> Result<(), ApiError> {
        let request = self.http.delete(self.url(segments));
        self.send(request.timeout(REQUEST_TIMEOUT)).await?;
        Ok(())
    }

    async fn json<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<T, ApiError> {
        self.json_within(request, REQUEST_TIMEOUT).await
    }

    /// [`Self::json`] with a time limit of its own.
    async fn json_within<T: DeserializeOwned>(
        &self,
        request: RequestBuilder,
        timeout: Duration,
    ) -> Result<T, ApiError> {
        let response = self.send(request.timeout(timeout)).await?;
        let bytes = response.bytes().await.map_err(network_error)?;
        serde_json::from_slice(&bytes).map_err(|error| ApiError::Decode(error.to_string()))
    }

    /// Sends the request with the token and turns error statuses into [`ApiError::Http`].
    async fn send(&self, request: RequestBuilder) -> Result<Response, ApiError> {
        let request = match &self.address.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        };
        let ticket = self.reads.ticket();
        let response = request.send().await.map_err(network_error)?;
        let position = response
            .headers()
            .get(POSITION_HEADER)
            .and_then(|value| value.to_str().ok()?.parse().ok());
        self.reads.record(ticket, position);
        let status = response.status();
        if status.is_success() || status == StatusCode::NOT_MODIFIED {
            return Ok(response);
        }
        // A body that cannot be read is still an HTTP error, not a network one:
        // the status is what matters for retries.
        let bytes = response.bytes().await.unwrap_or_default();
        Err(ApiError::Http {
            status,
            body: error_body(status, &bytes),
        })
    }
}

/// The writes, called by the mutations of [`crate::mutations`].
impl ApiClient {
    /// `PATCH /api/recordings/{id}`.
    pub async fn update_recording(
        &self,
        id: &str,
        changes: &UpdateRecording,
    ) -> Result<RecordingDetail, ApiError> {
        self.send_json(Method::PATCH, &["recordings", id], changes)
            .await
    }

    /// `DELETE /api/recordings/{id}`.
    pub async fn delete_recording(&self, id: &str) -> Result<(), ApiError> {
        self.delete(&["recordings", id]).await
    }

    /// `POST /api/recordings` (multipart): upload a file as a new recording.
    pub async fn upload_recording(
        &self,
        upload: UploadRecording,
    ) -> Result<RecordingDetail, ApiError> {
        let UploadRecording {
            file_name,
            bytes,
            title,
            project_id,
            notes,
            transcript,
        } = upload;
        let timeout = upload_timeout(bytes.len());
        let mut form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(file_name),
        );
        for (name, value) in [
            ("title", title),
            ("project_id", project_id),
            ("notes", notes),
            ("transcript", transcript),
        ] {
            if let Some(value) = value {
                form = form.text(name, value);
            }
        }
        let request = self.http.post(self.url(&["recordings"])).multipart(form);
        self.json_within(request, timeout).await
    }

    /// `POST /api/recordings/import`: import a file by its path on the
    /// server's machine (only the embedded backend allows it).
    pub async fn import_recording(
        &self,
        import: &ImportRecording,
    ) -> Result<RecordingDetail, ApiError> {
        self.send_json(Method::POST, &["recordings", "import"], import)
            .await
    }

    /// `POST /api/projects`.
    pub async fn create_project(&self, project: &NewProject) -> Result<Project, ApiError> {
        self.send_json(Method::POST, &["projects"], project).await
    }

    /// `PATCH /api/projects/{id}`.
    pub async fn update_project(
        &self,
        id: &str,
        changes: &UpdateProject,
    ) -> Result<Project, ApiError> {
        self.send_json(Method::PATCH, &["projects", id], changes)
            .await
    }

    /// `DELETE /api/projects/{id}`.
    pub async fn delete_project(&self, id: &str) -> Result<(), ApiError> {
        self.delete(&["projects", id]).await
    }

    /// `POST /api/conversations`.
    pub async fn create_conversation(
        &self,
        conversation: &NewConversation,
    ) -> Result<Conversation, ApiError> {
        self.send_json(Method::POST, &["conversations"], conversation)
            .await
    }

    /// `PATCH /api/conversations/{id}`.
    pub async fn update_conversation(
        &self,
        id: &str,
        changes: &UpdateConversation,
    ) -> Result<Conversation, ApiError> {
        self.send_json(Method::PATCH, &["conversations", id], changes)
            .await
    }

    /// `DELETE /api/conversations/{id}`.
    pub async fn delete_conversation(&self, id: &str) -> Result<(), ApiError> {
        self.delete(&["conversations", id]).await
    }

    /// `POST /api/conversations/{id}/messages`.
    pub async fn send_message(
        &self,
        conversation_id: &str,
        message: &NewMessage,
    ) -> Result<Message, ApiError> {
        self.send_json(
            Method::POST,
            &["conversations", conversation_id, "messages"],
            message,
        )
        .await
    }

    /// `DELETE /api/search/history/{id}`.
    pub async fn delete_search_history_entry(&self, id: &str) -> Result<(), ApiError> {
        self.delete(&["search", "history", id]).await
    }

    /// `DELETE /api/search/history`: forget every saved search.
    pub async fn clear_search_history(&self) -> Result<(), ApiError> {
        self.delete(&["search", "history"]).await
    }
}

fn network_error(error: reqwest::Error) -> ApiError {
    if error.is_timeout() {
        return ApiError::Network("The server took too long to answer.".to_string());
    }
    // reqwest's own message names the URL and a layer ("error sending
    // request"); the innermost cause says what happened ("Connection refused").
    let mut cause: &dyn std::error::Error = &error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    ApiError::Network(cause.to_string())
}

/// The server's `{code, message}`, or one made from the status when the body
/// is something else (a proxy's HTML page, an empty 404).
fn error_body(status: StatusCode, bytes: &[u8]) -> ErrorBody {
    if let Ok(body) = serde_json::from_slice::<ErrorBody>(bytes) {
        return body;
    }
    let reason = status.canonical_reason().unwrap_or("Error");
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    ErrorBody {
        code: format!("http_{}", status.as_u16()),
        message: if text.is_empty() || text.len() > 200 || text.starts_with('<') {
            format!("The server answered {} {reason}.", status.as_u16())
        } else {
            text.to_string()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(base: &str) -> ApiClient {
        ApiClient::new(ServerAddress::new(base, None).unwrap())
    }

    #[tokio::test(start_paused = true)]
    async fn a_server_that_never_answers_fails_the_request_in_time() {
        // Connections are accepted (by the system) and never answered.
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let api = client(&format!("http://{}", silent.local_addr().unwrap()));

        let error = api.dashboard_stats().await.unwrap_err();

        assert!(
            matches!(&error, ApiError::Network(message) if message.contains("too long")),
            "{error:?}"
        );
    }

    #[test]
    fn an_upload_gets_more_time_the_larger_it_is() {
        assert_eq!(upload_timeout(0), REQUEST_TIMEOUT);
        assert_eq!(
            upload_timeout(512_000_000),
            REQUEST_TIMEOUT + Duration::from_secs(512)
        );
    }

    #[test]
    fn urls_are_built_under_api_with_encoded_ids() {
        let api = client("http://127.0.0.1:8080");
        assert_eq!(
            api.url(&["recordings", "a b/c"]).as_str(),
            "http://127.0.0.1:8080/api/recordings/a%20b%2Fc"
        );
    }

    #[test]
    fn a_base_path_prefix_is_kept() {
        let api = client("https://example.test/earshot/");
        assert_eq!(
            api.url(&["health"]).as_str(),
            "https://example.test/earshot/api/health"
        );
        assert_eq!(api.address().base_url(), "https://example.test/earshot");
    }

    #[test]
    fn the_sync_url_swaps_the_scheme_and_keeps_the_prefix() {
        let plain = ServerAddress::new("http://127.0.0.1:8080", None).unwrap();
        assert_eq!(plain.sync_url(), "ws://127.0.0.1:8080/api/ws/sync");
        let tls = ServerAddress::new("https://example.test/earshot/", None).unwrap();
        assert_eq!(tls.sync_url(), "wss://example.test/earshot/api/ws/sync");
    }

    #[test]
    fn only_http_urls_are_accepted() {
        assert!(ServerAddress::new("ftp://host", None).is_err());
        assert!(ServerAddress::new("not a url", None).is_err());
        assert!(ServerAddress::new("mailto:someone@example.test", None).is_err());
        assert!(ServerAddress::new(" http://localhost:8080 ", None).is_ok());
    }

    #[test]
    fn an_empty_token_counts_as_none() {
        let address = ServerAddress::new("http://localhost:1", Some(String::new())).unwrap();
        assert_eq!(address.token(), None);
    }

    #[test]
    fn the_servers_error_body_is_kept() {
        let body = error_body(
            StatusCode::NOT_FOUND,
            br#"{"code":"not_found","message":"No such recording."}"#,
        );
        assert_eq!(body.code, "not_found");
        assert_eq!(body.message, "No such recording.");
    }

    #[test]
    fn other_error_bodies_become_a_sentence_from_the_status() {
        let body = error_body(StatusCode::BAD_GATEWAY, b"<html>oops</html>");
        assert_eq!(body.code, "http_502");
        assert_eq!(body.message, "The server answered 502 Bad Gateway.");
    }

    #[test]
    fn only_4xx_answers_are_client_errors() {
        let http = |status| ApiError::Http {
            status,
            body: error_body(status, b""),
        };
        assert!(http(StatusCode::NOT_FOUND).is_client_error());
        assert!(http(StatusCode::UNPROCESSABLE_ENTITY).is_client_error());
        assert!(!http(StatusCode::INTERNAL_SERVER_ERROR).is_client_error());
        assert!(!ApiError::Network("refused".into()).is_client_error());
        assert!(!ApiError::Decode("eof".into()).is_client_error());
    }
}
