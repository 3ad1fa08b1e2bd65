//! The page-test harness: a real server on an ephemeral port (a SQLite file
//! in a temporary folder), a counting proxy in front of it, and the app's
//! root mounted in a headless `VirtualDom` that talks to the server through
//! the proxy — over real HTTP and the real sync socket.
//!
//! - [`spawn_server`] starts the server; [`TestServer::api`] is another
//!   client of it (its requests are not counted), with helpers to import
//!   the audio fixtures and create projects.
//! - [`TestServer::hold`] keeps the app's requests of one kind at the proxy,
//!   unsent, until released: what a page shows meanwhile is what it shows
//!   before the server answers.
//! - [`TestServer::mount`] mounts the app at a path, as a [`Page`]: wait on
//!   its HTML, its path, or until it is live and idle; click, type and
//!   choose what a user would; read its toasts and the requests it made;
//!   reach its query cache.
//!
//! Saved preferences (the recordings list's filters) go through the app's
//! own storage module. Nothing here names a data directory for it, so it
//! keeps them in memory, per thread: each test (its own thread, its runtime
//! on that thread) starts with none and never touches the user's files, and
//! a page mounted again in the same test finds what the previous one saved,
//! as the app does after a restart.
//!
//! ```ignore
//! let server = spawn_server().await;
//! let mut page = server.mount("/projects");
//! page.wait_for_text("No projects yet").await;
//! server.create_project("Field notes").await; // another client, not counted
//! page.wait_for_text("Field notes").await;
//! ```

pub mod proxy;

use std::any::Any;
use std::rc::Rc;
use std::time::Duration;

use dioxus::core::{
    AttributeValue, DynamicNode, ElementId, Event, NoOpMutations, ScopeId, TemplateAttribute,
    TemplateNode, VNode,
};
use dioxus::history::{History, MemoryHistory};
use dioxus::html::geometry::Coordinates;
use dioxus::html::input_data::MouseButton;
use dioxus::html::{
    Modifiers, PlatformEventData, SerializedFormData, SerializedHtmlEventConverter,
    SerializedMouseData,
};
use dioxus::prelude::*;
use earshot_app::query::QueryClient;
use earshot_app::query::cache::InspectorSubscription;
use earshot_app::{ApiClient, App, ServerAddress, UploadRecording};
use earshot_backend::{Config, Server};
use earshot_shared::dto::{NewProject, Recording, RecordingFilters, RecordingStatus};
use futures_channel::mpsc::UnboundedReceiver;
use futures_util::StreamExt;
use tokio::sync::{oneshot, watch};

use proxy::Proxy;
pub use proxy::{Hold, RequestLog};

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
    proxy: Proxy,
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
    let proxy = Proxy::start(address).await;
    let direct = ServerAddress::new(&format!("http://{address}"), None).expect("a valid address");
    TestServer {
        api: ApiClient::new(direct),
        requests: proxy.requests.clone(),
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
        let address = ServerAddress::new(&format!("http://{}", self.proxy.addr), None)
            .expect("a valid address");
        let history = Rc::new(MemoryHistory::with_initial_path(path));
        let mut dom = VirtualDom::new(App)
            .with_root_context(address)
            .with_root_context(history.clone() as Rc<dyn History>);
        dom.rebuild_in_place();
        let mut page = Page {
            dom,
            history,
            mounted_at: self.requests.mark(),
            requests_changed: self.requests.subscribe(),
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

    /// Keeps every request of the app whose line (`METHOD /path?query`)
    /// starts with `prefix` at the proxy, unsent to the server, until the
    /// returned [`Hold`] is released (or dropped). The request is logged
    /// when it reaches the proxy, as usual.
    pub fn hold(&self, prefix: &str) -> Hold {
        self.proxy.hold(prefix)
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
    requests_changed: watch::Receiver<()>,
    cache_changed: Option<(InspectorSubscription, UnboundedReceiver<()>)>,
}

/// A toast on the page, as its markup says it: `kind` and `code` are its
/// `data-kind` and `data-code`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShownToast {
    /// `success`, `error` or `info`.
    pub kind: String,
    /// The server's error code (`conflict`, `not_found`), or empty.
    pub code: String,
    /// What it says.
    pub message: String,
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
    /// (then renders it), the cache changed, or a request went out. `false`
    /// once `deadline` passed.
    async fn step(&mut self, deadline: tokio::time::Instant) -> bool {
        let Some((_, cache_changed)) = &mut self.cache_changed else {
            unreachable!("set when mounted")
        };
        let requests_changed = &mut self.requests_changed;
        let dom = &mut self.dom;
        let event = async {
            tokio::select! {
                () = dom.wait_for_work() => {}
                _ = cache_changed.next() => {}
                _ = requests_changed.changed() => {}
            }
        };
        let happened = tokio::time::timeout_at(deadline, event).await.is_ok();
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

    /// Clicks the one button or link whose text contains `label`, as the
    /// user would: an element with a click handler gets a left click; a
    /// submit button submits its form.
    ///
    /// The event goes through the app's runtime to the element's listener,
    /// so handlers run exactly as they do in the window; only the event's
    /// data is made up: a plain left click at the origin, an empty form.
    pub fn click(&mut self, label: &str) {
        self.click_where(label, None);
    }

    /// [`Page::click`] among the buttons of the row (or card) whose
    /// `data-id` is `id`, for labels every row has ("Delete", "Rename").
    pub fn click_in(&mut self, id: &str, label: &str) {
        self.click_where(label, Some(id));
    }

    fn click_where(&mut self, label: &str, row: Option<&str>) {
        let elements = self.rendered_elements();
        let clickables: Vec<(usize, Action)> = (0..elements.len())
            .filter(|&i| row.is_none_or(|id| elements.is_within(i, id)))
            .filter_map(|i| elements.action(i).map(|action| (i, action)))
            .collect();
        let matching: Vec<&(usize, Action)> = clickables
            .iter()
            .filter(|(i, _)| elements.0[*i].text.contains(label))
            .collect();
        let [&(_, action)] = matching[..] else {
            let texts: Vec<&str> = clickables
                .iter()
                .map(|(i, _)| elements.0[*i].text.as_str())
                .collect();
            panic!("not exactly one clickable {label:?} (in {row:?}) among {texts:?}");
        };
        match action {
            Action::Click(element) => {
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
                self.dispatch("click", Box::new(left_click), element);
            }
            Action::Submit(form) => {
                let data = SerializedFormData::new(String::new(), Vec::new());
                self.dispatch("submit", Box::new(data), form);
            }
        }
    }

    /// Types `text` into the field (an `input` or `textarea`) whose
    /// accessible name is `label`, and leaves it: the field gets an `input`
    /// event, then a `change` event, with `text` as its value.
    pub fn fill(&mut self, label: &str, text: &str) {
        let element = self.field(&["input", "textarea"], label);
        self.set_value(element, text);
    }

    /// Chooses the option reading `option` in the select whose accessible
    /// name is `label`: the select gets `input` and `change` events with
    /// that option's value.
    pub fn choose(&mut self, label: &str, option: &str) {
        let elements = self.rendered_elements();
        let select = elements.field(&["select"], label);
        let options: Vec<usize> = (0..elements.len())
            .filter(|&i| {
                elements.0[i].tag == "option" && elements.ancestors(i).any(|a| a == select)
            })
            .collect();
        let Some(&chosen) = options
            .iter()
            .find(|&&i| elements.0[i].text.trim() == option)
        else {
            let texts: Vec<&str> = options
                .iter()
                .map(|&i| elements.0[i].text.as_str())
                .collect();
            panic!("no option {option:?} in {label:?} among {texts:?}");
        };
        let value = elements.0[chosen]
            .attribute("value")
            .unwrap_or(option)
            .to_string();
        let element = elements.0[select]
            .id
            .unwrap_or_else(|| panic!("the select {label:?} listens to nothing"));
        self.set_value(element, &value);
    }

    /// The toasts on the page, oldest first, as of the last render.
    pub fn toasts(&self) -> Vec<ShownToast> {
        let elements = self.elements();
        (0..elements.len())
            .filter_map(|i| {
                let kind = elements.0[i].attribute("data-kind")?;
                let message = (0..elements.len())
                    .find(|&m| {
                        elements.0[m].has_class("toast-message")
                            && elements.ancestors(m).any(|a| a == i)
                    })
                    .map(|m| elements.0[m].text.clone())
                    .unwrap_or_default();
                Some(ShownToast {
                    kind: kind.to_string(),
                    code: elements.0[i]
                        .attribute("data-code")
                        .unwrap_or_default()
                        .to_string(),
                    message,
                })
            })
            .collect()
    }

    fn field(&mut self, tags: &[&str], label: &str) -> ElementId {
        let elements = self.rendered_elements();
        let field = elements.field(tags, label);
        elements.0[field]
            .id
            .unwrap_or_else(|| panic!("the field {label:?} listens to nothing"))
    }

    fn set_value(&mut self, element: ElementId, value: &str) {
        for name in ["input", "change"] {
            let data = SerializedFormData::new(value.to_string(), Vec::new());
            self.dispatch(name, Box::new(data), element);
        }
    }

    fn dispatch(&mut self, name: &str, data: Box<dyn Any>, element: ElementId) {
        dioxus::html::set_event_converter(Box::new(SerializedHtmlEventConverter));
        let data = PlatformEventData::new(data);
        let event = Event::new(Rc::new(data) as Rc<dyn Any>, true);
        self.dom.runtime().handle_event(name, event, element);
    }

    /// The page's elements, after rendering what is pending (what the
    /// last event changed): what the user sees before acting again.
    fn rendered_elements(&mut self) -> Elements {
        self.dom.render_immediate(&mut NoOpMutations);
        self.elements()
    }

    /// The page's elements as of the last render.
    fn elements(&self) -> Elements {
        let mut found = Vec::new();
        collect(
            &self.dom,
            self.dom.base_scope().root_node(),
            None,
            &mut found,
        );
        Elements(found)
    }

    /// The app's query cache, as its pages use it.
    pub fn query_client(&self) -> QueryClient {
        self.context::<QueryClient>()
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

/// An element of the page as the harness sees it.
struct FoundElement {
    tag: &'static str,
    /// Its attributes with a text, number or boolean value.
    attributes: Vec<(&'static str, String)>,
    /// The events it listens to (`click`, `submit`, …).
    listeners: Vec<&'static str>,
    /// Set when it has dynamic attributes, which events need.
    id: Option<ElementId>,
    /// Its text, as a user reads it.
    text: String,
    /// The index of its parent element.
    parent: Option<usize>,
}

impl FoundElement {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, value)| value.as_str())
    }

    fn has_class(&self, class: &str) -> bool {
        self.attribute("class")
            .is_some_and(|classes| classes.split_whitespace().any(|c| c == class))
    }

    fn listens(&self, event: &str) -> bool {
        self.listeners.contains(&event)
    }
}

/// What clicking an element does.
#[derive(Clone, Copy)]
enum Action {
    /// Sends it a click.
    Click(ElementId),
    /// Submits this form (the element is a submit button in it).
    Submit(ElementId),
}

/// The elements of a page, parents before their children.
struct Elements(Vec<FoundElement>);

impl Elements {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn ancestors(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(self.0[i].parent, |&p| self.0[p].parent)
    }

    /// Whether element `i` is, or is inside, the element with `data-id`.
    fn is_within(&self, i: usize, id: &str) -> bool {
        std::iter::once(i)
            .chain(self.ancestors(i))
            .any(|e| self.0[e].attribute("data-id") == Some(id))
    }

    /// What a click on element `i` does, if anything.
    fn action(&self, i: usize) -> Option<Action> {
        let element = &self.0[i];
        if element.listens("click") {
            return element.id.map(Action::Click);
        }
        if element.tag == "button" && element.attribute("type") == Some("submit") {
            let form = self
                .ancestors(i)
                .find(|&a| self.0[a].tag == "form" && self.0[a].listens("submit"))?;
            return self.0[form].id.map(Action::Submit);
        }
        None
    }

    /// The one element with one of `tags` whose `aria-label` is `label`.
    fn field(&self, tags: &[&str], label: &str) -> usize {
        let fields: Vec<usize> = (0..self.len())
            .filter(|&i| tags.contains(&self.0[i].tag))
            .collect();
        let matching: Vec<usize> = fields
            .iter()
            .copied()
            .filter(|&i| self.0[i].attribute("aria-label") == Some(label))
            .collect();
        let [field] = matching[..] else {
            let labels: Vec<Option<&str>> = fields
                .iter()
                .map(|&i| self.0[i].attribute("aria-label"))
                .collect();
            panic!("not exactly one {tags:?} labelled {label:?} among {labels:?}");
        };
        field
    }
}

/// Adds every element of `vnode` (and of the components and fragments
/// inside it) to `found`, under `parent`.
fn collect(dom: &VirtualDom, vnode: &VNode, parent: Option<usize>, found: &mut Vec<FoundElement>) {
    for root in vnode.template.roots.iter() {
        collect_node(dom, vnode, root, parent, found);
    }
}

fn collect_node(
    dom: &VirtualDom,
    vnode: &VNode,
    node: &TemplateNode,
    parent: Option<usize>,
    found: &mut Vec<FoundElement>,
) {
    match node {
        TemplateNode::Element {
            tag,
            attrs,
            children,
            ..
        } => {
            let mut element = FoundElement {
                tag,
                attributes: Vec::new(),
                listeners: Vec::new(),
                id: None,
                text: String::new(),
                parent,
            };
            for attr in attrs.iter() {
                match attr {
                    TemplateAttribute::Static { name, value, .. } => {
                        element.attributes.push((name, value.to_string()));
                    }
                    TemplateAttribute::Dynamic { id } => {
                        element.id = element.id.or(vnode.mounted_dynamic_attribute(*id, dom));
                        for attribute in vnode.dynamic_attrs[*id].iter() {
                            let value = match &attribute.value {
                                AttributeValue::Listener(_) => {
                                    let event = attribute.name.trim_start_matches("on");
                                    element.listeners.push(event);
                                    continue;
                                }
                                AttributeValue::Text(text) => text.clone(),
                                AttributeValue::Bool(value) => value.to_string(),
                                AttributeValue::Int(value) => value.to_string(),
                                AttributeValue::Float(value) => value.to_string(),
                                AttributeValue::Any(_) | AttributeValue::None => continue,
                            };
                            element.attributes.push((attribute.name, value));
                        }
                    }
                }
            }
            for child in children.iter() {
                text_in(dom, vnode, child, &mut element.text);
            }
            let index = found.len();
            found.push(element);
            for child in children.iter() {
                collect_node(dom, vnode, child, Some(index), found);
            }
        }
        TemplateNode::Text { .. } => {}
        TemplateNode::Dynamic { id } => match &vnode.dynamic_nodes[*id] {
            DynamicNode::Component(component) => {
                if let Some(scope) = component.mounted_scope(*id, vnode, dom) {
                    collect(dom, scope.root_node(), parent, found);
                }
            }
            DynamicNode::Fragment(nodes) => {
                for node in nodes {
                    collect(dom, node, parent, found);
                }
            }
            DynamicNode::Text(_) | DynamicNode::Placeholder(_) => {}
        },
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
