//! The page-test harness: a real server on an ephemeral port (a SQLite file
//! in a temporary folder), a counting proxy in front of it, and the app's
//! root mounted in a headless `VirtualDom` that talks to the server through
//! the proxy — over real HTTP and the real sync socket.
//!
//! - [`spawn_server`] starts the server; [`TestServer::api`] is another
//!   client of it (its requests are not counted), with helpers to import
//!   the audio fixtures and create projects.
//! - [`TestServer::mount`] mounts the app at a path, as a [`Page`]: wait on
//!   its HTML, its path, or until it is live and idle; click what a user
//!   would; read the requests it made; reach its query cache.
//!
//! ```ignore
//! let server = spawn_server().await;
//! let mut page = server.mount("/projects");
//! page.wait_for_text("No projects yet").await;
//! server.create_project("Field notes").await; // another client, not counted
//! page.wait_for_text("Field notes").await;
//! ```

use std::any::Any;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dioxus::core::{
    AttributeValue, DynamicNode, ElementId, Event, NoOpMutations, ScopeId, TemplateAttribute,
    TemplateNode, VNode,
};
use dioxus::history::{History, MemoryHistory};
use dioxus::html::geometry::Coordinates;
use dioxus::html::input_data::MouseButton;
use dioxus::html::{
    Modifiers, PlatformEventData, SerializedHtmlEventConverter, SerializedMouseData,
};
use dioxus::prelude::*;
use earshot_app::query::QueryClient;
use earshot_app::query::cache::InspectorSubscription;
use earshot_app::{ApiClient, App, ServerAddress, UploadRecording};
use earshot_backend::{Config, Server};
use earshot_shared::dto::{NewProject, Recording, RecordingFilters, RecordingStatus};
use futures_channel::mpsc::UnboundedReceiver;
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// A hang guard, not a synchronisation: every wait below ends as soon as
/// its condition holds; this only bounds how long a broken test hangs.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// The fixture every imported recording is made of (1.5 s of 440 Hz).
const TONE: &[u8] = include_bytes!("../../../assets/fixtures/tone.wav");
/// A `RIFF…WAVE` file with a bogus format chunk: its processing fails.
const NOT_AUDIO: &[u8] = include_bytes!("../../../assets/fixtures/not-audio.wav");

/// A running server, and a client of its own that plays "another window":
/// it talks to the server directly, so its requests are not counted.
pub struct TestServer {
    /// Another client of the same server (not the app under test).
    pub api: ApiClient,
    /// Every request the app sent, in order.
    pub requests: RequestLog,
    proxy: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _dir: tempfile::TempDir,
}

/// Starts a server with a fresh database on port 0, and a counting proxy in
/// front of it for the app.
pub async fn spawn_server() -> TestServer {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let server = Server::build(Config::embedded(dir.path().to_path_buf()))
        .await
        .expect("the server starts");
    let address = server.local_addr();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server.run_until(async {
        let _ = stopped.await;
    }));
    let requests = RequestLog::default();
    let proxy = counting_proxy(address, requests.clone()).await;
    let direct = ServerAddress::new(&format!("http://{address}"), None).expect("a valid address");
    TestServer {
        api: ApiClient::new(direct),
        requests,
        proxy,
        stop: Some(stop),
        task: Some(task),
        _dir: dir,
    }
}

impl TestServer {
    /// Mounts the whole app (providers, sync connection, router, shell) at
    /// `path`, talking to this server through the counting proxy.
    pub fn mount(&self, path: &str) -> Page {
        let address =
            ServerAddress::new(&format!("http://{}", self.proxy), None).expect("a valid address");
        let history = Rc::new(MemoryHistory::with_initial_path(path));
        let mut dom = VirtualDom::new(App)
            .with_root_context(address)
            .with_root_context(history.clone() as Rc<dyn History>);
        dom.rebuild_in_place();
        let mut page = Page {
            dom,
            history,
            mounted_at: self.requests.mark(),
            requests: self.requests.clone(),
            cache_changed: None,
        };
        // A fetch that brings what the page already shows re-renders
        // nothing (the hooks compare), so renders alone cannot tell when
        // the cache has settled; its inspector hook can.
        let (changed, cache_changed) = futures_channel::mpsc::unbounded();
        let subscription = page.query_client().inspect(Rc::new(move || {
            let _ = changed.unbounded_send(());
        }));
        page.cache_changed = Some((subscription, cache_changed));
        page
    }

    /// Uploads the tone fixture as a recording titled `title`.
    pub async fn import(&self, title: &str) -> Recording {
        self.upload(title, "tone.wav", TONE).await
    }

    /// Uploads a file that is not audio: its processing fails.
    pub async fn import_broken(&self, title: &str) -> Recording {
        self.upload(title, "not-audio.wav", NOT_AUDIO).await
    }

    async fn upload(&self, title: &str, file_name: &str, bytes: &[u8]) -> Recording {
        self.api
            .upload_recording(UploadRecording {
                file_name: file_name.to_string(),
                bytes: bytes.to_vec(),
                title: Some(title.to_string()),
                ..Default::default()
            })
            .await
            .expect("the upload is accepted")
            .recording
    }

    /// Creates a project named `name`.
    pub async fn create_project(&self, name: &str) -> earshot_shared::dto::Project {
        self.api
            .create_project(&NewProject {
                name: name.to_string(),
                description: String::new(),
            })
            .await
            .expect("the project is created")
    }

    /// Waits until no recording is queued or processing any more.
    ///
    /// Asks the server again each time a processing job reports progress —
    /// the same live notifications the app follows — so it never sleeps.
    pub async fn wait_until_processed(&self) {
        let mut changes = self.sync_messages().await;
        tokio::time::timeout(PATIENCE, async {
            loop {
                let busy = [RecordingStatus::Queued, RecordingStatus::Processing];
                let mut pending = 0;
                for status in busy {
                    let filters = RecordingFilters {
                        status: Some(status),
                        ..Default::default()
                    };
                    pending += self.api.recordings(&filters).await.unwrap().total;
                }
                if pending == 0 {
                    return;
                }
                changes.recv().await.expect("the sync socket stays open");
            }
        })
        .await
        .expect("every recording is processed in time");
    }

    /// The server's live notifications, as a channel of raw frames.
    async fn sync_messages(&self) -> tokio::sync::mpsc::UnboundedReceiver<String> {
        let url = self.api.address().sync_url();
        let (mut socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("the sync socket opens");
        let (frames, received) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(Ok(frame)) = socket.next().await {
                if let tokio_tungstenite::tungstenite::Message::Text(text) = frame
                    && frames.send(text.to_string()).is_err()
                {
                    return;
                }
            }
        });
        received
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // The test's runtime ends with the test and takes the task with it.
        drop(self.task.take());
    }
}

/// The app mounted at some route, rendered to HTML on demand.
pub struct Page {
    dom: VirtualDom,
    history: Rc<MemoryHistory>,
    requests: RequestLog,
    /// Where the log stood when this page was mounted.
    mounted_at: usize,
    cache_changed: Option<(InspectorSubscription, UnboundedReceiver<()>)>,
}

impl Page {
    /// The page as HTML (dioxus-ssr), as it stands after the last render.
    pub fn html(&self) -> String {
        dioxus_ssr::render(&self.dom)
    }

    /// The router's current path.
    pub fn path(&self) -> String {
        self.history.current_route()
    }

    /// Runs the app until something happens: a component needs rendering
    /// (then renders it) or the cache changed. `false` once `deadline` passed.
    async fn step(&mut self, deadline: tokio::time::Instant) -> bool {
        let Some((_, cache_changed)) = &mut self.cache_changed else {
            unreachable!("set when mounted")
        };
        let happened = {
            let work = std::pin::pin!(self.dom.wait_for_work());
            let event = futures_util::future::select(work, cache_changed.next());
            tokio::time::timeout_at(deadline, event).await.is_ok()
        };
        self.dom.render_immediate(&mut NoOpMutations);
        happened
    }

    /// Runs the app, rendering as it goes, until `done` holds; fails after
    /// [`PATIENCE`] with the page as it was.
    pub async fn wait_until(&mut self, what: &str, done: impl Fn(&Page) -> bool) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            self.dom.render_immediate(&mut NoOpMutations);
            if done(self) {
                return;
            }
            if !self.step(deadline).await {
                panic!(
                    "timed out waiting until {what}; at {}, the page is:\n{}",
                    self.path(),
                    self.html()
                );
            }
        }
    }

    /// Runs the app until `text` appears on the page.
    pub async fn wait_for_text(&mut self, text: &str) {
        self.wait_until(&format!("{text:?} shows"), |page| {
            page.html().contains(text)
        })
        .await;
    }

    /// Runs the app until it is connected to the live sync socket (the
    /// indicator steps aside) and no query is fetching: from here on, what
    /// the page shows is what it fetched, and any later request has a cause.
    pub async fn wait_until_settled(&mut self) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            self.dom.render_immediate(&mut NoOpMutations);
            let live = !self.html().contains("connection-dot");
            let client = self.query_client();
            let idle = client.entries().iter().all(|entry| !entry.is_fetching);
            if live && idle {
                return;
            }
            if !self.step(deadline).await {
                panic!(
                    "timed out waiting for the page to settle; entries: {:#?}\nthe page is:\n{}",
                    client.entries(),
                    self.html()
                );
            }
        }
    }

    /// Runs the app for `duration` of the runtime's clock (virtual when the
    /// clock is paused), rendering whatever becomes dirty.
    pub async fn run_for(&mut self, duration: Duration) {
        let until = tokio::time::Instant::now() + duration;
        while self.step(until).await {}
    }

    /// Clicks the one element with a click handler whose text contains
    /// `label` (a button, a link), as the user would.
    ///
    /// The event goes through the app's runtime to the element's listener,
    /// so handlers run exactly as they do in the window; only the mouse
    /// data is made up: a plain left click at the origin.
    pub fn click(&mut self, label: &str) {
        let mut clickables = Vec::new();
        clickables_in(
            &self.dom,
            self.dom.base_scope().root_node(),
            &mut clickables,
        );
        let matching: Vec<&(String, ElementId)> = clickables
            .iter()
            .filter(|(text, _)| text.contains(label))
            .collect();
        let [(_, element)] = matching[..] else {
            let texts: Vec<&String> = clickables.iter().map(|(text, _)| text).collect();
            panic!("not exactly one clickable {label:?} among {texts:?}");
        };
        dioxus::html::set_event_converter(Box::new(SerializedHtmlEventConverter));
        let left_click = SerializedMouseData::new(
            Some(MouseButton::Primary),
            Default::default(),
            Coordinates::new(
                Default::default(),
                Default::default(),
                Default::default(),
                Default::default(),
            ),
            Modifiers::empty(),
        );
        let data = PlatformEventData::new(Box::new(left_click));
        let event = Event::new(Rc::new(data) as Rc<dyn Any>, true);
        self.dom.runtime().handle_event("click", event, *element);
    }

    /// The app's query cache, as its pages use it.
    pub fn query_client(&self) -> QueryClient {
        self.context::<QueryClient>()
    }

    /// The app's API client (through the counting proxy).
    pub fn api(&self) -> ApiClient {
        self.context::<ApiClient>()
    }

    /// Runs `f` inside the app's runtime (to start a mutation as a handler
    /// would).
    pub fn in_runtime<O>(&self, f: impl FnOnce() -> O) -> O {
        self.dom.in_runtime(f)
    }

    /// Every request of the server's log (this page's, and those of any
    /// page mounted before it).
    pub fn requests(&self) -> &RequestLog {
        &self.requests
    }

    /// Everything the app requested since this page was mounted.
    pub fn requests_since_mount(&self) -> Vec<String> {
        self.requests.since(self.mounted_at)
    }

    /// A context some mounted component provides. Scopes are numbered as
    /// they are created; the providers sit near the root, so a short scan
    /// finds them.
    fn context<T: Clone + Any>(&self) -> T {
        let runtime = self.dom.runtime();
        let found = self.dom.in_runtime(|| {
            (0..256)
                .map(ScopeId)
                .filter(|&id| self.dom.get_scope(id).is_some())
                .find_map(|id| runtime.consume_context::<T>(id))
        });
        found.unwrap_or_else(|| panic!("no mounted scope sees a {}", std::any::type_name::<T>()))
    }
}

/// Adds to `found` every element of `vnode` (and of the components and
/// fragments inside it) that listens for clicks, with its text.
fn clickables_in(dom: &VirtualDom, vnode: &VNode, found: &mut Vec<(String, ElementId)>) {
    fn walk(
        dom: &VirtualDom,
        vnode: &VNode,
        node: &TemplateNode,
        found: &mut Vec<(String, ElementId)>,
    ) {
        match node {
            TemplateNode::Element {
                attrs, children, ..
            } => {
                for attr in attrs.iter() {
                    let TemplateAttribute::Dynamic { id } = attr else {
                        continue;
                    };
                    let listens = vnode.dynamic_attrs[*id].iter().any(|attribute| {
                        attribute.name == "onclick"
                            && matches!(attribute.value, AttributeValue::Listener(_))
                    });
                    if let (true, Some(element)) =
                        (listens, vnode.mounted_dynamic_attribute(*id, dom))
                    {
                        let mut text = String::new();
                        for child in children.iter() {
                            text_in(dom, vnode, child, &mut text);
                        }
                        found.push((text, element));
                    }
                }
                for child in children.iter() {
                    walk(dom, vnode, child, found);
                }
            }
            TemplateNode::Text { .. } => {}
            TemplateNode::Dynamic { id } => match &vnode.dynamic_nodes[*id] {
                DynamicNode::Component(component) => {
                    if let Some(scope) = component.mounted_scope(*id, vnode, dom) {
                        clickables_in(dom, scope.root_node(), found);
                    }
                }
                DynamicNode::Fragment(nodes) => {
                    for node in nodes {
                        clickables_in(dom, node, found);
                    }
                }
                DynamicNode::Text(_) | DynamicNode::Placeholder(_) => {}
            },
        }
    }
    for root in vnode.template.roots.iter() {
        walk(dom, vnode, root, found);
    }
}

/// Appends the text of `node` (a node of `vnode`'s template) to `text`.
fn text_in(dom: &VirtualDom, vnode: &VNode, node: &TemplateNode, text: &mut String) {
    match node {
        TemplateNode::Element { children, .. } => {
            for child in children.iter() {
                text_in(dom, vnode, child, text);
            }
        }
        TemplateNode::Text { text: static_text } => text.push_str(static_text),
        TemplateNode::Dynamic { id } => {
            let mut nodes_text = |nodes: &[VNode]| {
                for node in nodes {
                    for root in node.template.roots.iter() {
                        text_in(dom, node, root, text);
                    }
                }
            };
            match &vnode.dynamic_nodes[*id] {
                DynamicNode::Text(dynamic) => text.push_str(&dynamic.value),
                DynamicNode::Component(component) => {
                    if let Some(scope) = component.mounted_scope(*id, vnode, dom) {
                        nodes_text(std::slice::from_ref(scope.root_node()));
                    }
                }
                DynamicNode::Fragment(nodes) => nodes_text(nodes),
                DynamicNode::Placeholder(_) => {}
            }
        }
    }
}

/// The requests that went through the proxy, as `METHOD /path?query`.
#[derive(Clone, Default)]
pub struct RequestLog(Arc<Mutex<Vec<String>>>);

impl RequestLog {
    /// A bookmark: [`RequestLog::since`] lists what came after it.
    pub fn mark(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    /// The requests made after `mark`.
    pub fn since(&self, mark: usize) -> Vec<String> {
        self.0.lock().unwrap()[mark..].to_vec()
    }

    fn push(&self, request: String) {
        self.0.lock().unwrap().push(request);
    }
}

/// A TCP proxy to `target` that notes the request line of every HTTP/1.1
/// request passing through it. After a connection upgrades (the sync
/// socket), its bytes are relayed without being read.
async fn counting_proxy(target: SocketAddr, log: RequestLog) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(target).await else {
                    return;
                };
                let (mut from_client, mut to_client) = client.into_split();
                let (mut from_server, mut to_server) = server.into_split();
                let answers = tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut from_server, &mut to_client).await;
                    let _ = to_client.shutdown().await;
                });
                let mut reader = RequestReader::default();
                let mut buffer = vec![0; 16 * 1024];
                loop {
                    let n = match from_client.read(&mut buffer).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    reader.feed(&buffer[..n], &log);
                    if to_server.write_all(&buffer[..n]).await.is_err() {
                        break;
                    }
                }
                let _ = to_server.shutdown().await;
                let _ = answers.await;
            });
        }
    });
    address
}

/// Finds request lines in one connection's client-to-server bytes.
#[derive(Default)]
struct RequestReader {
    head: Vec<u8>,
    body_left: usize,
    relay_only: bool,
}

impl RequestReader {
    fn feed(&mut self, bytes: &[u8], log: &RequestLog) {
        let mut pending = bytes.to_vec();
        while !self.relay_only && !pending.is_empty() {
            if self.body_left > 0 {
                let skipped = self.body_left.min(pending.len());
                self.body_left -= skipped;
                pending.drain(..skipped);
                continue;
            }
            self.head.append(&mut pending);
            let Some(end) = self.head.windows(4).position(|w| w == b"\r\n\r\n") else {
                return;
            };
            pending = self.head.split_off(end + 4);
            let head = String::from_utf8_lossy(&self.head).into_owned();
            self.head.clear();
            self.read_head(&head, log);
        }
    }

    fn read_head(&mut self, head: &str, log: &RequestLog) {
        let mut lines = head.split("\r\n");
        let mut request_line = lines.next().unwrap_or_default().split(' ');
        let method = request_line.next().unwrap_or_default();
        let target = request_line.next().unwrap_or_default();
        log.push(format!("{method} {target}"));
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => self.body_left = value.trim().parse().unwrap_or(0),
                // After an upgrade the bytes are the socket's frames; a
                // chunked body's end cannot be found without reading it (the
                // app sends none). Either way, stop reading rather than
                // miscount.
                "upgrade" | "transfer-encoding" => self.relay_only = true,
                _ => {}
            }
        }
    }
}
