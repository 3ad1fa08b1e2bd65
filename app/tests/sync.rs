//! The app's sync client against a real server: a real WebSocket on a real
//! port, through a TCP proxy the tests can cut to pull the network from
//! under the client. Queries fetch over real HTTP with the app's API client.

use std::cell::RefCell;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use earshot_app::query::runtime::TokioLocalRuntime;
use earshot_app::query::{QueryClient, QueryOptions};
use earshot_app::sync::connection;
use earshot_app::sync::{ConnectionState, SyncOptions};
use earshot_app::{ApiClient, ApiError, ServerAddress};
use earshot_backend::{Config, Server};
use earshot_shared::dto::Project;
use earshot_shared::{QueryKey, keys};
use futures_channel::mpsc;
use futures_util::StreamExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::LocalSet;

/// A hang guard, not a synchronisation: everything below waits on events.
const PATIENCE: Duration = Duration::from_secs(30);

/// A running server that can be stopped and started again on its port.
struct Backend {
    address: SocketAddr,
    dir: tempfile::TempDir,
    history: usize,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl Backend {
    async fn start(history: usize) -> Backend {
        let dir = tempfile::tempdir().unwrap();
        let mut backend = Backend {
            address: "127.0.0.1:0".parse().unwrap(),
            dir,
            history,
            stop: None,
            task: None,
        };
        backend.run().await;
        backend
    }

    async fn run(&mut self) {
        let mut config = Config::embedded(self.dir.path().to_path_buf());
        config.bind = self.address;
        config.history_capacity = self.history;
        let server = Server::build(config).await.expect("the server starts");
        self.address = server.local_addr();
        let (stop, stopped) = oneshot::channel::<()>();
        self.stop = Some(stop);
        self.task = Some(tokio::spawn(server.run_until(async {
            let _ = stopped.await;
        })));
    }

    async fn shut_down(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}/api{path}", self.address)
    }

    async fn create_project(&self, name: &str) {
        let response = reqwest::Client::new()
            .post(self.url("/projects"))
            .json(&serde_json::json!({ "name": name }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
    }
}

/// A TCP proxy between the client and the server that can be cut.
struct Proxy {
    address: SocketAddr,
    open: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Proxy {
    async fn to(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = Proxy {
            address: listener.local_addr().unwrap(),
            open: Arc::new(AtomicBool::new(true)),
            links: Arc::default(),
        };
        let (open, links) = (proxy.open.clone(), proxy.links.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !open.load(Ordering::SeqCst) {
                    continue; // refused: dropped at once
                }
                let link = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                links.lock().unwrap().push(link.abort_handle());
            }
        });
        proxy
    }

    /// Pulls the network: open connections break, new ones are refused.
    fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    fn restore(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}

/// The client side: a query cache with two subscribed queries that fetch
/// over HTTP and count their fetches, and the sync loop feeding it.
struct App {
    client: QueryClient,
    fetches: Rc<RefCell<HashMap<String, u32>>>,
    states: mpsc::UnboundedReceiver<ConnectionState>,
    changed: mpsc::UnboundedReceiver<()>,
    /// "Retry now" is never pressed here; kept so the loop keeps running.
    _retry: mpsc::UnboundedSender<()>,
    _subscriptions: Vec<earshot_app::query::cache::Subscription>,
    _inspection: earshot_app::query::cache::InspectorSubscription,
}

impl App {
    /// Queries fetch from the server directly; the socket goes to
    /// `socket_address` (the server or a proxy in front of it).
    fn start(backend: &Backend, socket_address: SocketAddr) -> App {
        let client = QueryClient::new(TokioLocalRuntime, QueryOptions::default());
        let api = ApiClient::new(
            ServerAddress::new(&format!("http://{}", backend.address), None).unwrap(),
        );
        let fetches: Rc<RefCell<HashMap<String, u32>>> = Rc::default();
        let projects = subscribe(&client, keys::projects::list(), &fetches, {
            let api = api.clone();
            move || {
                let api = api.clone();
                async move { api.projects().await }
            }
        });
        let conversations = subscribe(&client, keys::conversations::list(), &fetches, {
            let api = api.clone();
            move || {
                let api = api.clone();
                async move { api.conversations().await }
            }
        });
        let (changes, changed) = mpsc::unbounded();
        let inspection = client.inspect(Rc::new(move || {
            let _ = changes.unbounded_send(());
        }));
        let (state_tx, states) = mpsc::unbounded();
        let (retry, retry_rx) = mpsc::unbounded();
        let mut options = SyncOptions::new(format!("ws://{socket_address}/api/ws/sync"), None);
        options.backoff_base = Duration::from_millis(20);
        options.backoff_cap = Duration::from_millis(200);
        options.reads = Some(api.reads());
        tokio::task::spawn_local(connection::run(
            options,
            client.clone(),
            Rc::new(TokioLocalRuntime),
            move |state| {
                let _ = state_tx.unbounded_send(state);
            },
            retry_rx,
        ));
        App {
            client,
            fetches,
            states,
            changed,
            _retry: retry,
            _subscriptions: vec![projects, conversations],
            _inspection: inspection,
        }
    }

    fn fetches(&self, what: &str) -> u32 {
        self.fetches.borrow().get(what).copied().unwrap_or(0)
    }

    async fn wait_for_state(
        &mut self,
        wanted: impl Fn(&ConnectionState) -> bool,
    ) -> ConnectionState {
        loop {
            let state = tokio::time::timeout(PATIENCE, self.states.next())
                .await
                .expect("the state changes in time")
                .expect("the loop runs");
            if wanted(&state) {
                return state;
            }
        }
    }

    /// Waits until no fetch is in flight and `done` holds.
    async fn settle(&mut self, done: impl Fn(&QueryClient) -> bool) {
        loop {
            let idle = self.client.entries().iter().all(|e| !e.is_fetching);
            if idle && done(&self.client) {
                return;
            }
            if tokio::time::timeout(PATIENCE, self.changed.next())
                .await
                .is_err()
            {
                panic!(
                    "the cache did not settle: {:#?}, projects {:?}",
                    self.client.entries(),
                    self.project_names()
                );
            }
        }
    }

    /// Waits until every query has loaded.
    async fn settle_loaded(&mut self) {
        self.settle(|client| {
            client
                .entries()
                .iter()
                .all(|e| e.status == earshot_app::query::QueryStatus::Success)
        })
        .await;
    }

    /// Waits until the cached project list holds `count` projects.
    async fn settle_with_projects(&mut self, count: usize) {
        self.settle(|client| {
            client
                .get_query_data::<Vec<Project>>(&keys::projects::list())
                .is_some_and(|list| list.len() == count)
        })
        .await;
    }

    /// Waits until `what` was fetched `count` times and nothing is in flight.
    async fn settle_after_fetch(&mut self, what: &str, count: u32) {
        loop {
            let idle = self.client.entries().iter().all(|e| !e.is_fetching);
            if idle && self.fetches(what) >= count {
                assert_eq!(self.fetches(what), count, "{what}");
                return;
            }
            tokio::time::timeout(PATIENCE, self.changed.next())
                .await
                .expect("the fetch happens in time");
        }
    }

    fn project_names(&self) -> Vec<String> {
        self.client
            .get_query_data::<Vec<Project>>(&keys::projects::list())
            .map(|list| list.iter().map(|p| p.name.clone()).collect())
            .unwrap_or_default()
    }
}

fn subscribe<T, Fut>(
    client: &QueryClient,
    key: QueryKey,
    fetches: &Rc<RefCell<HashMap<String, u32>>>,
    fetch: impl Fn() -> Fut + 'static,
) -> earshot_app::query::cache::Subscription
where
    T: PartialEq + 'static,
    Fut: Future<Output = Result<T, ApiError>> + 'static,
{
    let counts = fetches.clone();
    let name = key.to_string();
    client.subscribe(
        &key,
        client.defaults(),
        Rc::new(move || {
            *counts.borrow_mut().entry(name.clone()).or_default() += 1;
            Box::pin(fetch())
        }),
        Rc::new(|| {}),
    )
}

fn live(state: &ConnectionState) -> bool {
    *state == ConnectionState::Live
}

fn reconnecting(state: &ConnectionState) -> bool {
    matches!(state, ConnectionState::Reconnecting { .. })
}

async fn local(body: impl Future<Output = ()>) {
    LocalSet::new().run_until(body).await
}

#[tokio::test]
async fn a_change_made_elsewhere_reaches_the_cache() {
    local(async {
        let backend = Backend::start(1024).await;
        let mut app = App::start(&backend, backend.address);
        app.wait_for_state(live).await;
        backend.create_project("From another client").await;
        app.settle_with_projects(1).await;
        assert_eq!(app.project_names(), vec!["From another client"]);
    })
    .await;
}

#[tokio::test]
async fn data_read_before_the_first_connection_is_not_fetched_again_when_nothing_changed() {
    local(async {
        let backend = Backend::start(1024).await;
        let proxy = Proxy::to(backend.address).await;
        proxy.cut();
        let mut app = App::start(&backend, proxy.address);
        app.settle_loaded().await;

        proxy.restore();
        app.wait_for_state(live).await;
        app.settle_loaded().await;

        assert_eq!(app.fetches("projects/list"), 1);
        assert_eq!(app.fetches("conversations/list"), 1);
    })
    .await;
}

#[tokio::test]
async fn a_change_between_the_first_reads_and_the_first_connection_is_fetched() {
    local(async {
        let backend = Backend::start(1024).await;
        let proxy = Proxy::to(backend.address).await;
        proxy.cut();
        let mut app = App::start(&backend, proxy.address);
        app.settle_loaded().await;
        backend
            .create_project("Made before the socket was up")
            .await;

        proxy.restore();
        app.wait_for_state(live).await;
        app.settle_with_projects(1).await;

        assert_eq!(app.project_names(), vec!["Made before the socket was up"]);
        assert_eq!(app.fetches("projects/list"), 2);
    })
    .await;
}

#[tokio::test]
async fn missed_changes_are_replayed_and_only_their_keys_refetch_once() {
    local(async {
        let backend = Backend::start(1024).await;
        let proxy = Proxy::to(backend.address).await;
        let mut app = App::start(&backend, proxy.address);
        app.wait_for_state(live).await;
        app.settle_loaded().await;

        proxy.cut();
        app.wait_for_state(reconnecting).await;
        for name in ["one", "two", "three"] {
            backend.create_project(name).await;
        }
        let (projects_before, conversations_before) = (
            app.fetches("projects/list"),
            app.fetches("conversations/list"),
        );

        proxy.restore();
        app.wait_for_state(live).await;
        app.settle_with_projects(3).await;
        assert_eq!(
            app.fetches("projects/list"),
            projects_before + 1,
            "three replayed changes, one refetch"
        );
        assert_eq!(
            app.fetches("conversations/list"),
            conversations_before,
            "keys the replay did not name are left alone"
        );
    })
    .await;
}

#[tokio::test]
async fn changes_beyond_the_history_make_everything_refetch() {
    local(async {
        let backend = Backend::start(2).await;
        let proxy = Proxy::to(backend.address).await;
        let mut app = App::start(&backend, proxy.address);
        app.wait_for_state(live).await;
        app.settle_loaded().await;

        proxy.cut();
        app.wait_for_state(reconnecting).await;
        for name in ["a", "b", "c", "d", "e"] {
            backend.create_project(name).await;
        }
        let conversations_before = app.fetches("conversations/list");
        proxy.restore();
        app.wait_for_state(live).await;
        app.settle_with_projects(5).await;
        assert_eq!(
            app.fetches("conversations/list"),
            conversations_before + 1,
            "a resync refetches everything"
        );
    })
    .await;
}

#[tokio::test]
async fn a_restarted_server_is_found_again_and_the_cache_converges() {
    local(async {
        let mut backend = Backend::start(1024).await;
        let mut app = App::start(&backend, backend.address);
        app.wait_for_state(live).await;
        backend.create_project("before").await;
        app.settle_with_projects(1).await;

        backend.shut_down().await;
        let first = app.wait_for_state(reconnecting).await;
        let ConnectionState::Reconnecting { attempt, .. } = first else {
            unreachable!()
        };
        assert_eq!(attempt, 1);
        // It keeps trying, the attempts counting up, while the server is down.
        let later = app
            .wait_for_state(
                |s| matches!(s, ConnectionState::Reconnecting { attempt, .. } if *attempt >= 3),
            )
            .await;
        assert!(reconnecting(&later));

        backend.run().await; // same port, same data, a new epoch
        backend.create_project("while it was away").await;
        app.wait_for_state(live).await;
        app.settle_with_projects(2).await;
        let mut names = app.project_names();
        names.sort();
        assert_eq!(names, vec!["before", "while it was away"]);
        backend.shut_down().await;
    })
    .await;
}

/// Picks the `earshot` subprotocol the client offers.
#[allow(
    clippy::result_large_err,
    reason = "the signature of tungstenite's handshake callback"
)]
fn select_protocol(
    _: &tokio_tungstenite::tungstenite::handshake::server::Request,
    mut response: tokio_tungstenite::tungstenite::handshake::server::Response,
) -> Result<
    tokio_tungstenite::tungstenite::handshake::server::Response,
    tokio_tungstenite::tungstenite::handshake::server::ErrorResponse,
> {
    response.headers_mut().insert(
        "sec-websocket-protocol",
        tokio_tungstenite::tungstenite::http::HeaderValue::from_static("earshot"),
    );
    Ok(response)
}

/// A scripted sync peer: accepts one client and sends it whatever frames
/// the test pushes.
async fn scripted_peer() -> (SocketAddr, mpsc::UnboundedSender<String>) {
    use futures_util::SinkExt;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (frames, mut to_send) = mpsc::unbounded::<String>();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut socket = tokio_tungstenite::accept_hdr_async(stream, select_protocol)
            .await
            .unwrap();
        while let Some(frame) = to_send.next().await {
            socket.send(frame.into()).await.unwrap();
        }
    });
    (address, frames)
}

fn invalidate(seq: u64, resource: &str) -> String {
    format!(
        r#"{{"type":"invalidate","seq":{seq},"resource":"{resource}","action":"created","id":"x"}}"#
    )
}

#[tokio::test]
async fn a_gap_in_the_sequence_invalidates_everything() {
    local(async {
        let backend = Backend::start(1024).await;
        let (peer, frames) = scripted_peer().await;
        let mut app = App::start(&backend, peer);
        frames
            .unbounded_send(r#"{"type":"hello","epoch":"e1","seq":0}"#.to_string())
            .unwrap();
        app.wait_for_state(live).await;
        app.settle_loaded().await;
        let conversations = app.fetches("conversations/list");

        // In sequence: only the named resource refetches.
        let projects = app.fetches("projects/list");
        frames.unbounded_send(invalidate(1, "projects")).unwrap();
        app.settle_after_fetch("projects/list", projects + 1).await;
        assert_eq!(app.fetches("conversations/list"), conversations);

        // 2, 3 and 4 never arrive: everything refetches.
        frames.unbounded_send(invalidate(5, "projects")).unwrap();
        app.settle_after_fetch("conversations/list", conversations + 1)
            .await;
        assert_eq!(app.fetches("projects/list"), projects + 2);
    })
    .await;
}

#[tokio::test]
async fn a_read_of_an_unchanged_answer_is_a_304_and_gives_the_same_data() {
    local(async {
        let dir = tempfile::tempdir().unwrap();
        let server = Server::build(Config::embedded(dir.path().to_path_buf()))
            .await
            .unwrap();
        let (address, state) = (server.local_addr(), server.state().clone());
        tokio::spawn(server.run_until(std::future::pending()));
        let backend = Backend {
            address,
            dir,
            history: 0,
            stop: None,
            task: None,
        };
        backend.create_project("Alpha").await;
        let api = ApiClient::new(ServerAddress::new(&format!("http://{address}"), None).unwrap());

        let first = api.projects().await.unwrap();
        let again = api.projects().await.unwrap();
        assert_eq!(again, first);
        assert_eq!(state.hub.results().stats().not_modified, 1);

        backend.create_project("Beta").await;
        let changed = api.projects().await.unwrap();
        assert_eq!(changed.len(), 2, "a changed answer comes whole");
        assert_eq!(state.hub.results().stats().not_modified, 1);
    })
    .await;
}
