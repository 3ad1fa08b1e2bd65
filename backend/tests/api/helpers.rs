//! `spawn_app` and the typed helpers the tests share.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use earshot_backend::{AppState, Config, Server};
use earshot_shared::dto::{
    Conversation, ConversationDetail, ErrorBody, Message as ChatMessage, Project, RecordingDetail,
    RecordingStatus, Role,
};
use earshot_shared::sync::{Action, ClientMessage, Invalidate, Resource, ServerMessage};
use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a test waits for something that should happen at once before it
/// fails (a guard against hangs, not a synchronisation).
pub const PATIENCE: Duration = Duration::from_secs(20);

/// A running server and a client for it.
pub struct TestApp {
    pub address: SocketAddr,
    pub http: reqwest::Client,
    pub state: AppState,
    pub data_dir: PathBuf,
    stored: Stored,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

/// What outlives a server: its data directory and database.
pub struct Stored {
    dir: tempfile::TempDir,
    database_url: Option<String>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts a server with a fresh data directory and a fresh database: a
/// SQLite file in that directory, or, when `EARSHOT_TEST_POSTGRES_URL` names
/// a PostgreSQL server, a new database there.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Config)) -> TestApp {
    let stored = Stored {
        dir: tempfile::tempdir().expect("a temporary directory"),
        database_url: fresh_postgres_database().await,
    };
    stored.start(configure).await
}

/// Whether these tests run against PostgreSQL.
pub fn on_postgres() -> bool {
    postgres_admin_url().is_some()
}

fn postgres_admin_url() -> Option<String> {
    std::env::var(POSTGRES_ENV)
        .ok()
        .filter(|url| !url.is_empty())
}

const POSTGRES_ENV: &str = "EARSHOT_TEST_POSTGRES_URL";

async fn fresh_postgres_database() -> Option<String> {
    use sea_orm::ConnectionTrait;
    let admin_url = postgres_admin_url()?;
    let name = format!("earshot_test_{}", uuid::Uuid::now_v7().simple());
    let admin = sea_orm::Database::connect(&admin_url)
        .await
        .expect("the PostgreSQL server of EARSHOT_TEST_POSTGRES_URL answers");
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("a test database");
    admin.close().await.ok();
    let (server, _) = admin_url
        .rsplit_once('/')
        .expect("EARSHOT_TEST_POSTGRES_URL ends with /<database>");
    Some(format!("{server}/{name}"))
}

impl Stored {
    /// Starts a server on this data directory and database (again).
    pub async fn start(self, configure: impl FnOnce(&mut Config)) -> TestApp {
        start(self, configure).await
    }
}

async fn start(stored: Stored, configure: impl FnOnce(&mut Config)) -> TestApp {
    let data_dir = stored.dir.path().to_path_buf();
    let mut config = Config::embedded(data_dir.clone());
    config.database_url = stored.database_url.clone();
    config.heartbeat_interval = Duration::from_secs(600);
    configure(&mut config);
    let server = Server::build(config).await.expect("the server starts");
    let address = server.local_addr();
    let state = server.state().clone();
    let (shutdown, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server.run_until(async {
        let _ = stopped.await;
    }));
    TestApp {
        address,
        http: reqwest::Client::new(),
        state,
        data_dir,
        stored,
        shutdown: Some(shutdown),
        task: Some(task),
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}/api{}", self.address, path)
    }

    /// Another server on the same database and data directory: a second
    /// replica (meaningful on PostgreSQL, which replicas share). This one
    /// keeps both when it stops.
    pub async fn replica(&self) -> TestApp {
        let stored = Stored {
            dir: tempfile::tempdir().expect("a temporary directory"),
            database_url: self.stored.database_url.clone(),
        };
        let shared = self.data_dir.clone();
        stored.start(|config| config.data_dir = shared).await
    }

    /// Stops the server and waits until it has shut down; keeps the data.
    pub async fn stop(mut self) -> Stored {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            task.await
                .expect("the server task")
                .expect("a clean shutdown");
        }
        self.stored
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> T {
        let response = self.http.get(self.url(path)).send().await.unwrap();
        expect_json(response, StatusCode::OK).await
    }

    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &impl Serialize,
    ) -> reqwest::Response {
        self.http
            .request(method, self.url(path))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn delete(&self, path: &str) -> reqwest::Response {
        self.http.delete(self.url(path)).send().await.unwrap()
    }

    pub async fn create_project(&self, name: &str) -> Project {
        let response = self
            .send_json(
                reqwest::Method::POST,
                "/projects",
                &serde_json::json!({ "name": name }),
            )
            .await;
        expect_json(response, StatusCode::CREATED).await
    }

    pub async fn upload(&self, file_name: &str, bytes: Vec<u8>) -> reqwest::Response {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string());
        let form = reqwest::multipart::Form::new().part("file", part);
        self.http
            .post(self.url("/recordings"))
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    /// Uploads `bytes` as `file_name` with text fields (`title`,
    /// `transcript`, …).
    pub async fn upload_with(
        &self,
        file_name: &str,
        bytes: Vec<u8>,
        fields: &[(&str, &str)],
    ) -> RecordingDetail {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string());
        let mut form = reqwest::multipart::Form::new().part("file", part);
        for (name, value) in fields {
            form = form.text(name.to_string(), value.to_string());
        }
        let response = self
            .http
            .post(self.url("/recordings"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        expect_json(response, StatusCode::CREATED).await
    }

    pub async fn create_conversation(&self) -> Conversation {
        let response = self
            .send_json(
                reqwest::Method::POST,
                "/conversations",
                &serde_json::json!({}),
            )
            .await;
        expect_json(response, StatusCode::CREATED).await
    }

    /// Posts the user's message; returns it as created.
    pub async fn ask(&self, conversation_id: &str, question: &str) -> ChatMessage {
        let response = self
            .send_json(
                reqwest::Method::POST,
                &format!("/conversations/{conversation_id}/messages"),
                &serde_json::json!({ "content": question }),
            )
            .await;
        expect_json(response, StatusCode::CREATED).await
    }

    /// Waits, through the sync socket, until the conversation's latest
    /// message is the assistant's; returns the conversation then.
    pub async fn replied(
        &self,
        sync: &mut SyncClient,
        conversation_id: &str,
    ) -> ConversationDetail {
        loop {
            let detail: ConversationDetail =
                self.get(&format!("/conversations/{conversation_id}")).await;
            if detail.messages.last().map(|m| m.role) == Some(Role::Assistant) {
                return detail;
            }
            sync.next_invalidate_where(|inv| {
                inv.action == Action::MessageCreated && inv.id.as_deref() == Some(conversation_id)
            })
            .await;
        }
    }

    pub async fn upload_fixture(&self, name: &str) -> RecordingDetail {
        let response = self
            .upload(name, std::fs::read(fixture(name)).unwrap())
            .await;
        expect_json(response, StatusCode::CREATED).await
    }

    pub async fn import(&self, path: &Path) -> reqwest::Response {
        self.send_json(
            reqwest::Method::POST,
            "/recordings/import",
            &serde_json::json!({ "path": path }),
        )
        .await
    }

    /// Waits, through the sync socket, until the recording is ready or failed.
    pub async fn processed(&self, sync: &mut SyncClient, id: &str) -> RecordingDetail {
        loop {
            let recording: RecordingDetail = self.get(&format!("/recordings/{id}")).await;
            if matches!(
                recording.recording.status,
                RecordingStatus::Ready | RecordingStatus::Failed
            ) {
                return recording;
            }
            sync.next_invalidate_where(|inv| {
                inv.action == Action::StatusChanged && inv.id.as_deref() == Some(id)
            })
            .await;
        }
    }

    pub async fn connect_sync(&self) -> SyncClient {
        self.connect_sync_at("").await
    }

    /// Connects with a query string such as `?epoch=…&seq=…`.
    pub async fn connect_sync_at(&self, query: &str) -> SyncClient {
        let url = format!("ws://{}/api/ws/sync{query}", self.address);
        let (socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        let mut client = SyncClient {
            socket,
            epoch: String::new(),
            seq: 0,
        };
        match client.next().await {
            ServerMessage::Hello { epoch, seq } => {
                client.epoch = epoch;
                client.seq = seq;
            }
            other => panic!("expected hello, got {other:?}"),
        }
        client
    }
}

pub async fn expect_json<T: DeserializeOwned>(
    response: reqwest::Response,
    status: StatusCode,
) -> T {
    let got = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(got, status, "body: {text}");
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("{err}: {text}"))
}

/// Asserts the status and the `{code, message}` body of an error response.
pub async fn expect_error(
    response: reqwest::Response,
    status: StatusCode,
    code: &str,
) -> ErrorBody {
    let body: ErrorBody = expect_json(response, status).await;
    assert_eq!(body.code, code, "{body:?}");
    assert!(!body.message.is_empty());
    body
}

/// Writes a 16-bit PCM WAV file of silence.
pub fn write_silent_wav(path: &Path, sample_rate: u32, channels: u16, seconds: u32) {
    std::fs::write(path, silent_wav(sample_rate, channels, seconds)).unwrap();
}

/// A 16-bit PCM WAV file of silence.
pub fn silent_wav(sample_rate: u32, channels: u16, seconds: u32) -> Vec<u8> {
    let block_align = channels * 2;
    let data_len = sample_rate * seconds * u32::from(block_align);
    let mut bytes = Vec::with_capacity(44 + data_len as usize);
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(36 + data_len).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes()); // PCM
    bytes.extend_from_slice(&channels.to_le_bytes());
    bytes.extend_from_slice(&sample_rate.to_le_bytes());
    bytes.extend_from_slice(&(sample_rate * u32::from(block_align)).to_le_bytes());
    bytes.extend_from_slice(&block_align.to_le_bytes());
    bytes.extend_from_slice(&16u16.to_le_bytes());
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&data_len.to_le_bytes());
    bytes.resize(44 + data_len as usize, 0);
    bytes
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../assets/fixtures")
        .join(name)
}

/// A real WebSocket client of `/api/ws/sync`.
pub struct SyncClient {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// The epoch of the hello.
    pub epoch: String,
    /// The hello's seq, then the seq of the last invalidate read.
    pub seq: u64,
}

impl SyncClient {
    /// The next server message (heartbeat pings included).
    pub async fn next(&mut self) -> ServerMessage {
        loop {
            let frame = tokio::time::timeout(PATIENCE, self.socket.next())
                .await
                .expect("a sync message in time")
                .expect("the socket stays open")
                .expect("a valid frame");
            match frame {
                Message::Text(text) => return serde_json::from_str(text.as_str()).unwrap(),
                Message::Ping(_) | Message::Pong(_) => continue,
                other => panic!("unexpected frame {other:?}"),
            }
        }
    }

    /// The next invalidate; asserts it is numbered right after the previous one.
    pub async fn next_invalidate(&mut self) -> Invalidate {
        match self.next().await {
            ServerMessage::Invalidate(inv) => {
                assert_eq!(inv.seq, self.seq + 1, "seqs are consecutive: {inv:?}");
                self.seq = inv.seq;
                inv
            }
            other => panic!("expected an invalidate, got {other:?}"),
        }
    }

    /// Reads invalidates until one matches (all of them consecutive).
    pub async fn next_invalidate_where(
        &mut self,
        matches: impl Fn(&Invalidate) -> bool,
    ) -> Invalidate {
        loop {
            let inv = self.next_invalidate().await;
            if matches(&inv) {
                return inv;
            }
        }
    }

    /// Asserts the next invalidate is exactly this change.
    pub async fn expect(
        &mut self,
        resource: Resource,
        action: Action,
        id: Option<&str>,
    ) -> Invalidate {
        let inv = self.next_invalidate().await;
        assert_eq!(
            (inv.resource, inv.action, inv.id.as_deref()),
            (resource, action, id),
            "{inv:?}"
        );
        inv
    }

    /// Like [`SyncClient::expect`], passing over the `status_changed` and
    /// `progress` frames that processing publishes in between.
    pub async fn expect_besides_progress(
        &mut self,
        resource: Resource,
        action: Action,
        id: Option<&str>,
    ) -> Invalidate {
        let inv = self
            .next_invalidate_where(|inv| {
                !matches!(inv.action, Action::StatusChanged | Action::Progress)
            })
            .await;
        assert_eq!(
            (inv.resource, inv.action, inv.id.as_deref()),
            (resource, action, id),
            "{inv:?}"
        );
        inv
    }

    /// Reads past every other frame, answering nothing, until the server
    /// closes the socket; returns the close code.
    pub async fn close_code(&mut self) -> u16 {
        loop {
            let frame = tokio::time::timeout(PATIENCE, self.socket.next())
                .await
                .expect("a close frame in time")
                .expect("a close frame before the end of the stream")
                .expect("a valid frame");
            if let Message::Close(frame) = frame {
                return frame.expect("a close code").code.into();
            }
        }
    }

    pub async fn send(&mut self, message: &ClientMessage) {
        let text = serde_json::to_string(message).unwrap();
        self.socket.send(Message::Text(text.into())).await.unwrap();
    }
}
