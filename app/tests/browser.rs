//! The web build in a real browser: Debian's Chromium, headless, driven
//! over WebDriver (chromedriver on a loopback port) against the bundle that
//! `scripts/build-web` wrote, served by a real server with a fresh database
//! and a token.
//!
//! Each browser context is a Chromium of its own with a fresh profile. A
//! change made elsewhere must show up in the pages without a reload: the
//! tests mark each page when it loads and check the mark is still there.
//! Waiting is done in the page by a `MutationObserver`, which also stamps
//! the moment the text appeared; that stamp against the moment the change
//! was sent is the change-to-other-client latency the tests print.
//!
//! Adding a case: navigate both contexts with [`Browser::goto`], then
//! [`both_see`] with the text to wait for and the change (an API call, or a
//! click or keystrokes in one context through [`Browser::type_into`] and
//! friends).

mod e2e;

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use e2e::{PATIENCE, Process, on_path, screenshot_dir, workspace_dir};
use earshot_app::{ApiClient, ServerAddress, UploadRecording};
use earshot_backend::{Config, Server};
use earshot_shared::dto::{
    NewConversation, NewMessage, NewProject, RecordingFilters, SearchRequest, UpdateProject,
    UpdateRecording,
};
use serde_json::{Value, json};
use tokio::sync::oneshot;

const TONE: &[u8] = include_bytes!("../../assets/fixtures/tone.wav");
const TOKEN: &str = "e2e-token-0123456789abcdef";
/// A regular desktop browser window, and a phone.
const DESKTOP: (u32, u32) = (1200, 800);
const PHONE: (u32, u32) = (390, 844);

// ------------------------------------------------------------------ server

/// The web bundle: `EARSHOT_WEB_DIR`, or `dist/` of the workspace.
fn bundle_dir() -> PathBuf {
    let dir = std::env::var_os("EARSHOT_WEB_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_dir().join("dist"));
    assert!(
        dir.join("index.html").is_file(),
        "no web bundle in {}: build it with scripts/build-web",
        dir.display()
    );
    dir
}

/// A server running in this process on a data folder that outlives it.
struct Served {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl Served {
    /// Starts a server on `data_dir`, listening on `bind`, with the token
    /// and the web bundle.
    async fn start(data_dir: &Path, bind: SocketAddr) -> Served {
        let mut config = Config::embedded(data_dir.to_path_buf());
        config.bind = bind;
        config.token = Some(TOKEN.to_string());
        config.web_dir = Some(bundle_dir());
        let server = Server::build(config).await.expect("the server starts");
        let addr = server.local_addr();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run_until(async {
            let _ = stopped.await;
        }));
        Served {
            addr,
            stop: Some(stop),
            task: Some(task),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Another client of the server (not a browser).
    fn api(&self) -> ApiClient {
        ApiClient::new(ServerAddress::new(&self.url(""), Some(TOKEN.to_string())).unwrap())
    }

    /// Stops it and waits until it has.
    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.task
            .take()
            .unwrap()
            .await
            .unwrap()
            .expect("a clean stop");
    }
}

// --------------------------------------------------------------- webdriver

/// chromedriver on a loopback port of its choosing.
struct Driver {
    url: String,
    _process: Process,
}

impl Driver {
    fn start() -> Driver {
        for program in ["chromedriver", "chromium"] {
            assert!(on_path(program), "{program} is not installed");
        }
        let mut command = std::process::Command::new("chromedriver");
        command.args(["--port=0", "--allowed-ips=127.0.0.1"]);
        let process = Process::spawn("chromedriver", command);
        let port: u16 = process.stdout.wait_for("chromedriver's port", |line| {
            line.split("started successfully on port ")
                .nth(1)?
                .trim_end_matches('.')
                .parse()
                .ok()
        });
        Driver {
            url: format!("http://127.0.0.1:{port}"),
            _process: process,
        }
    }
}

/// One browser context: a headless Chromium with a fresh profile.
struct Browser {
    http: reqwest::Client,
    session: String,
    /// What [`Browser::arm`] last watched for, for failure messages.
    watching: std::sync::Mutex<String>,
    _profile: tempfile::TempDir,
}

impl Browser {
    async fn open(driver: &Driver, (width, height): (u32, u32)) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let args = [
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            format!("--user-data-dir={}", profile.path().display()),
            format!("--window-size={width},{height}"),
        ];
        let capabilities = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": "/usr/bin/chromium",
                    "args": args,
                    // Headless windows are at least 500 px wide: a phone's
                    // viewport has to be emulated.
                    "mobileEmulation": { "deviceMetrics": {
                        "width": width, "height": height, "pixelRatio": 1.0,
                    }},
                },
                "timeouts": { "script": PATIENCE.as_millis() as u64, "pageLoad": 30_000 },
            }}
        });
        let http = reqwest::Client::new();
        let created = webdriver(
            http.post(format!("{}/session", driver.url))
                .json(&capabilities),
        )
        .await;
        let id = created["sessionId"].as_str().expect("a session id");
        Browser {
            http,
            session: format!("{}/session/{id}", driver.url),
            watching: Default::default(),
            _profile: profile,
        }
    }

    /// Loads `url` and waits until the app shows `ready`; marks the page so
    /// that a later reload would be noticed.
    async fn goto(&self, url: &str, ready: &str) {
        webdriver(
            self.http
                .post(format!("{}/url", self.session))
                .json(&json!({ "url": url })),
        )
        .await;
        self.arm(ready, true).await;
        self.seen().await;
        self.execute("window.__earshotPage = true;", json!([]))
            .await;
    }

    /// Asserts the page was not reloaded since [`Browser::goto`].
    async fn assert_not_reloaded(&self) {
        let marked = self
            .execute("return window.__earshotPage === true;", json!([]))
            .await;
        assert_eq!(marked, json!(true), "the page was reloaded");
    }

    async fn execute(&self, script: &str, args: Value) -> Value {
        webdriver(
            self.http
                .post(format!("{}/execute/sync", self.session))
                .json(&json!({ "script": script, "args": args })),
        )
        .await
    }

    /// Starts watching for `text` to be (or, with `present` false, no
    /// longer be) on the page; [`Browser::seen`] waits for it.
    async fn arm(&self, text: &str, present: bool) {
        *self.watching.lock().unwrap() = if present {
            format!("“{text}” to show")
        } else {
            format!("“{text}” to go")
        };
        self.execute(
            r#"
            const [text, present] = arguments;
            window.__earshotSeen = new Promise((resolve) => {
              let observer = null;
              const check = () => {
                const shown = !!document.body && document.body.innerText.includes(text);
                if (shown !== present) return;
                if (observer) observer.disconnect();
                resolve(performance.timeOrigin + performance.now());
              };
              observer = new MutationObserver(check);
              observer.observe(document, { subtree: true, childList: true, characterData: true });
              check();
            });
            "#,
            json!([text, present]),
        )
        .await;
    }

    /// Waits for what [`Browser::arm`] watches; returns when it happened,
    /// in milliseconds since the Unix epoch.
    async fn seen(&self) -> f64 {
        let what = format!("waiting for {}", self.watching.lock().unwrap());
        webdriver_for(
            &what,
            self.http
                .post(format!("{}/execute/async", self.session))
                .json(&json!({
                    "script": "const done = arguments[arguments.length - 1]; window.__earshotSeen.then(done);",
                    "args": [],
                })),
        )
        .await
        .as_f64()
        .expect("a time stamp")
    }

    /// Waits until `text` is on the page.
    async fn wait_for_text(&self, text: &str) {
        self.arm(text, true).await;
        self.seen().await;
    }

    /// Types `text` into the element `css` selects (`\u{E007}` is Enter).
    async fn type_into(&self, css: &str, text: &str) {
        let found = webdriver(
            self.http
                .post(format!("{}/element", self.session))
                .json(&json!({ "using": "css selector", "value": css })),
        )
        .await;
        let element = found
            .as_object()
            .and_then(|object| object.values().next())
            .and_then(Value::as_str)
            .expect("an element reference")
            .to_string();
        webdriver(
            self.http
                .post(format!("{}/element/{element}/value", self.session))
                .json(&json!({ "text": text })),
        )
        .await;
    }

    /// A PNG of the viewport.
    async fn screenshot(&self, path: &Path) {
        let encoded = webdriver(self.http.get(format!("{}/screenshot", self.session))).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().expect("base64"))
            .unwrap();
        std::fs::write(path, png).unwrap();
    }

    async fn quit(self) {
        let _ = self.http.delete(&self.session).send().await;
    }
}

/// Sends a WebDriver command; returns its `value`, panics on an error.
async fn webdriver(request: reqwest::RequestBuilder) -> Value {
    webdriver_for("a WebDriver command", request).await
}

/// Like [`webdriver`], naming `what` it was for when it fails.
async fn webdriver_for(what: &str, request: reqwest::RequestBuilder) -> Value {
    let response = request.send().await.expect("chromedriver answers");
    let status = response.status();
    let body: Value = response.json().await.expect("a JSON answer");
    assert!(
        status.is_success(),
        "{what} failed: {}",
        body["value"]["message"]
    );
    body["value"].clone()
}

fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        * 1000.0
}

/// Makes `change` and waits until every browser in `browsers` shows `text`
/// (or, with `present` false, no longer does), without a reload. Returns
/// the time each took from the change being sent, in milliseconds.
async fn both_see<T>(
    browsers: &[&Browser],
    text: &str,
    present: bool,
    change: impl Future<Output = T>,
) -> Vec<f64> {
    for browser in browsers {
        browser.arm(text, present).await;
    }
    let sent = now_ms();
    change.await;
    let mut latencies = Vec::new();
    for browser in browsers {
        latencies.push(browser.seen().await - sent);
        browser.assert_not_reloaded().await;
    }
    latencies
}

/// Opens two contexts at the app's root, the token in the link's fragment.
async fn two_contexts(driver: &Driver, server: &Served) -> (Browser, Browser) {
    let (a, b) = tokio::join!(
        Browser::open(driver, DESKTOP),
        Browser::open(driver, DESKTOP)
    );
    for browser in [&a, &b] {
        browser
            .goto(&server.url(&format!("/#token={TOKEN}")), "Dashboard")
            .await;
    }
    (a, b)
}

/// Percentile `p` (0–100) of `samples`, nearest rank.
fn percentile(samples: &[f64], p: f64) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank - 1]
}

// ------------------------------------------------------------------- tests

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium, chromedriver and a web bundle; scripts/test runs it"]
async fn every_resource_changed_elsewhere_shows_in_both_contexts_without_a_reload() {
    let data = tempfile::tempdir().unwrap();
    let server = Served::start(data.path(), "127.0.0.1:0".parse().unwrap()).await;
    let api = server.api();
    let driver = Driver::start();
    let (a, b) = two_contexts(&driver, &server).await;
    let both = [&a, &b];
    let mut latencies = Vec::new();

    // Projects: create, rename, delete.
    for browser in both {
        browser
            .goto(&server.url("/projects"), "No projects yet")
            .await;
    }
    let name = |name: &str| NewProject {
        name: name.into(),
        description: String::new(),
    };
    let mut project = None;
    latencies.extend(
        both_see(&both, "Field notes", true, async {
            project = Some(api.create_project(&name("Field notes")).await.unwrap());
        })
        .await,
    );
    let project = project.unwrap();
    let rename = |to: &str| UpdateProject {
        name: Some(to.into()),
        description: None,
    };
    latencies.extend(
        both_see(&both, "Tour diary", true, async {
            api.update_project(&project.id, &rename("Tour diary"))
                .await
                .unwrap();
        })
        .await,
    );
    a.screenshot(&screenshot_dir().join("web-projects.png"))
        .await;
    latencies.extend(
        both_see(&both, "Tour diary", false, async {
            api.delete_project(&project.id).await.unwrap();
        })
        .await,
    );

    // Recordings: import (upload), rename, delete.
    for browser in both {
        browser.goto(&server.url("/recordings"), "Recordings").await;
    }
    let mut recording = None;
    latencies.extend(
        both_see(&both, "Morning interview", true, async {
            let upload = UploadRecording {
                file_name: "tone.wav".into(),
                bytes: TONE.to_vec(),
                title: Some("Morning interview".into()),
                ..Default::default()
            };
            recording = Some(api.upload_recording(upload).await.unwrap().recording);
        })
        .await,
    );
    let recording = recording.unwrap();
    latencies.extend(
        both_see(&both, "Evening interview", true, async {
            let changes = UpdateRecording {
                title: Some("Evening interview".into()),
                ..Default::default()
            };
            api.update_recording(&recording.id, &changes).await.unwrap();
        })
        .await,
    );
    latencies.extend(
        both_see(&both, "Evening interview", false, async {
            api.delete_recording(&recording.id).await.unwrap();
        })
        .await,
    );

    // Conversations: create, a message, delete.
    for browser in both {
        browser
            .goto(&server.url("/chats"), "No conversations yet")
            .await;
    }
    let mut conversation = None;
    latencies.extend(
        both_see(&both, "Tour planning", true, async {
            let new = NewConversation {
                title: Some("Tour planning".into()),
            };
            conversation = Some(api.create_conversation(&new).await.unwrap());
        })
        .await,
    );
    let conversation = conversation.unwrap();
    for browser in both {
        browser
            .goto(
                &server.url(&format!("/chats/{}", conversation.id)),
                "Tour planning",
            )
            .await;
    }
    latencies.extend(
        both_see(&both, "When is the bus booked?", true, async {
            let message = NewMessage {
                content: "When is the bus booked?".into(),
            };
            api.send_message(&conversation.id, &message).await.unwrap();
        })
        .await,
    );
    for browser in both {
        browser.goto(&server.url("/chats"), "Tour planning").await;
    }
    latencies.extend(
        both_see(&both, "Tour planning", false, async {
            api.delete_conversation(&conversation.id).await.unwrap();
        })
        .await,
    );

    // Search history: a search through the API, then one typed in a page.
    for browser in both {
        browser
            .goto(&server.url("/search"), "Recent searches")
            .await;
    }
    latencies.extend(
        both_see(&both, "budget", true, async {
            let request = SearchRequest {
                query: "budget".into(),
                limit: None,
            };
            api.search(&request).await.unwrap();
        })
        .await,
    );
    let typed = both_see(
        &[&b],
        "rehearsal",
        true,
        a.type_into("input.search-input", "rehearsal\u{E007}"),
    )
    .await;
    latencies.extend(typed);
    let history = api.search_history().await.unwrap();
    // "rehearsal" stays in the typing context's own results; "budget" was
    // only ever in the history.
    latencies.extend(
        both_see(&both, "budget", false, async {
            for entry in &history {
                api.delete_search_history_entry(&entry.id).await.unwrap();
            }
        })
        .await,
    );
    b.arm("rehearsal", false).await;
    b.seen().await;

    // Latency: a run of renames of one project, seen from the projects page.
    for browser in both {
        browser
            .goto(&server.url("/projects"), "No projects yet")
            .await;
    }
    let probe = api.create_project(&name("Probe 0")).await.unwrap();
    for browser in both {
        browser.wait_for_text("Probe 0").await;
    }
    for i in 1..=40 {
        let to = format!("Probe {i}");
        latencies.extend(
            both_see(&both, &to, true, async {
                api.update_project(&probe.id, &rename(&to)).await.unwrap();
            })
            .await,
        );
    }
    let report = format!(
        "change-to-other-client latency over {} changes: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        latencies.len(),
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0),
        percentile(&latencies, 100.0),
    );
    eprintln!("{report}");
    std::fs::write(screenshot_dir().join("latency.txt"), format!("{report}\n")).unwrap();

    a.quit().await;
    b.quit().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium, chromedriver and a web bundle; scripts/test runs it"]
async fn a_stopped_server_shows_reconnecting_and_its_return_brings_what_changed_meanwhile() {
    let data = tempfile::tempdir().unwrap();
    let server = Served::start(data.path(), "127.0.0.1:0".parse().unwrap()).await;
    let port = server.addr;
    let driver = Driver::start();
    let (a, b) = two_contexts(&driver, &server).await;
    for browser in [&a, &b] {
        browser
            .goto(&server.url("/projects"), "No projects yet")
            .await;
    }

    both_see(&[&a, &b], "Reconnecting", true, server.stop()).await;
    a.screenshot(&screenshot_dir().join("web-reconnecting.png"))
        .await;

    // Meanwhile, another server on the same workspace takes a change.
    let other = Served::start(data.path(), "127.0.0.1:0".parse().unwrap()).await;
    other
        .api()
        .create_project(&NewProject {
            name: "Made while you were away".into(),
            description: String::new(),
        })
        .await
        .unwrap();
    other.stop().await;

    // The server comes back on the same port: the indicator clears and the
    // change shows, in both, without a reload.
    let mut back = None;
    both_see(&[&a, &b], "Made while you were away", true, async {
        back = Some(Served::start(data.path(), port).await);
    })
    .await;
    for browser in [&a, &b] {
        browser.arm("Reconnecting", false).await;
        browser.seen().await;
    }
    a.quit().await;
    b.quit().await;
    back.unwrap().stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium, chromedriver and a web bundle; scripts/test runs it"]
async fn the_token_comes_from_the_link_and_is_asked_for_when_missing() {
    let data = tempfile::tempdir().unwrap();
    let server = Served::start(data.path(), "127.0.0.1:0".parse().unwrap()).await;
    let driver = Driver::start();
    let (linked, bare) = tokio::join!(
        Browser::open(&driver, DESKTOP),
        Browser::open(&driver, DESKTOP)
    );

    // From the link: stored, and gone from the address bar.
    linked
        .goto(
            &server.url(&format!("/#token={TOKEN}")),
            "Import your first recording",
        )
        .await;
    let kept = linked
        .execute(
            "return [location.href, localStorage.getItem('earshot.token')];",
            json!([]),
        )
        .await;
    assert_eq!(kept, json!([server.url("/"), TOKEN]));

    // Without it: asked for, a wrong one refused, the right one let in.
    bare.goto(&server.url("/"), "Access token").await;
    bare.screenshot(&screenshot_dir().join("web-token-prompt.png"))
        .await;
    bare.arm("That token was not accepted.", true).await;
    bare.type_into("input[name=token]", "wrong\u{E007}").await;
    bare.seen().await;
    bare.arm("Import your first recording", true).await;
    bare.type_into("input[name=token]", &format!("{TOKEN}\u{E007}"))
        .await;
    bare.seen().await;

    linked.quit().await;
    bare.quit().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium, chromedriver and a web bundle; scripts/test runs it"]
async fn a_phone_sized_viewport_gets_the_mobile_layout_with_bottom_tabs() {
    let data = tempfile::tempdir().unwrap();
    let server = Served::start(data.path(), "127.0.0.1:0".parse().unwrap()).await;
    server
        .api()
        .create_project(&NewProject {
            name: "Field notes".into(),
            description: String::new(),
        })
        .await
        .unwrap();
    let driver = Driver::start();
    let phone = Browser::open(&driver, PHONE).await;
    phone
        .goto(
            &server.url(&format!("/#token={TOKEN}")),
            "Import your first recording",
        )
        .await;

    let layout = phone
        .execute(
            "const nav = document.querySelector('.shell-nav').getBoundingClientRect();
             return [innerWidth, innerHeight, nav.left, nav.top, nav.right, nav.bottom];",
            json!([]),
        )
        .await;
    let [width, height, left, top, right, bottom] =
        serde_json::from_value::<[f64; 6]>(layout).unwrap();
    assert!(width <= PHONE.0 as f64, "a phone-wide viewport: {width}");
    assert!(
        left <= 0.5 && (right - width).abs() <= 0.5,
        "the tabs span the width"
    );
    assert!(
        (bottom - height).abs() <= 0.5 && top > height / 2.0,
        "the tabs sit at the bottom: {top}–{bottom} of {height}"
    );
    phone
        .screenshot(&screenshot_dir().join("web-mobile.png"))
        .await;

    phone.quit().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium, chromedriver and a web bundle; scripts/test runs it"]
async fn files_chosen_in_the_import_picker_are_uploaded_with_their_transcripts() {
    let data = tempfile::tempdir().unwrap();
    let server = Served::start(data.path(), "127.0.0.1:0".parse().unwrap()).await;
    let driver = Driver::start();
    let browser = Browser::open(&driver, DESKTOP).await;
    browser
        .goto(
            &server.url(&format!("/recordings#token={TOKEN}")),
            "Import your first recording",
        )
        .await;
    let demo = workspace_dir().join("assets/fixtures/demo");
    let chosen: Vec<String> = ["band-meeting.mp3", "band-meeting.txt", "interview-maya.ogg"]
        .iter()
        .map(|name| demo.join(name).display().to_string())
        .collect();

    // What the file picker hands the page when these three are chosen.
    browser
        .type_into("input[type=file]", &chosen.join("\n"))
        .await;

    browser.wait_for_text("interview-maya.ogg").await;
    // An upload's row moves from waiting to reading to uploading and goes
    // once the server has answered.
    for state in ["Waiting…", "Reading…", "Uploading…"] {
        browser.arm(state, false).await;
        browser.seen().await;
    }
    let listed = server
        .api()
        .recordings(&RecordingFilters::default())
        .await
        .unwrap();
    let mut imported: Vec<(String, bool)> = listed
        .items
        .iter()
        .map(|r| (r.title.clone(), r.has_transcript))
        .collect();
    imported.sort();
    assert_eq!(
        imported,
        vec![
            ("band-meeting".to_string(), true),
            ("interview-maya".to_string(), false),
        ],
        "the transcript went with the audio file of its name, and was not imported itself"
    );

    browser.quit().await;
    server.stop().await;
}
