//! One headless Chromium per browser context, driven over WebDriver
//! (chromedriver on a loopback port) from Rust: open a page, click, type,
//! wait in the page for what it shows, take screenshots, and read the
//! timings the page's instruments kept.

use std::path::{Path, PathBuf};

use base64::Engine;
use serde_json::{Value, json};

use super::{PATIENCE, Process, on_path, workspace_dir};

/// The web bundle: `EARSHOT_WEB_DIR`, or `dist/` of the workspace.
pub fn bundle_dir() -> PathBuf {
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

/// A regular desktop browser window, and a phone.
pub const DESKTOP: (u32, u32) = (1200, 800);
pub const PHONE: (u32, u32) = (390, 844);

/// Run in every page before the app: stamps the user's last action (a
/// click, Enter, a submitted form, files chosen), each sync frame's arrival
/// (a listener added ahead of the app's own) and the moment the app has
/// each answer's body in hand, in milliseconds since the Unix epoch; keeps
/// every request's timing.
const INSTRUMENTS: &str = r#"
(() => {
  const now = () => performance.timeOrigin + performance.now();
  window.__earshotActed = null;
  const acted = () => { window.__earshotActed = now(); };
  document.addEventListener('click', acted, true);
  document.addEventListener('submit', acted, true);
  document.addEventListener('change', (e) => { if (e.target.type === 'file') acted(); }, true);
  document.addEventListener('keydown', (e) => { if (e.key === 'Enter') acted(); }, true);
  window.__earshotFrames = [];
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => window.__earshotFrames.push(now()));
    }
  };
  performance.setResourceTimingBufferSize(100000);
  window.__earshotReads = [];
  const arrayBuffer = Response.prototype.arrayBuffer;
  Response.prototype.arrayBuffer = function () {
    const url = this.url;
    return arrayBuffer.call(this).then((body) => {
      window.__earshotReads.push([url, now()]);
      return body;
    });
  };
})();
"#;

// --------------------------------------------------------------- webdriver

/// chromedriver on a loopback port of its choosing.
pub struct Driver {
    url: String,
    _process: Process,
}

impl Driver {
    pub fn start() -> Driver {
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
pub struct Browser {
    http: reqwest::Client,
    session: String,
    /// What [`Browser::arm`] last watched for, for failure messages.
    watching: std::sync::Mutex<String>,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn open(driver: &Driver, (width, height): (u32, u32)) -> Browser {
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
        let browser = Browser {
            http,
            session: format!("{}/session/{id}", driver.url),
            watching: Default::default(),
            _profile: profile,
        };
        browser
            .cdp(
                "Page.addScriptToEvaluateOnNewDocument",
                json!({ "source": INSTRUMENTS }),
            )
            .await;
        browser
    }

    /// Sends a Chrome DevTools Protocol command.
    pub async fn cdp(&self, command: &str, params: Value) -> Value {
        webdriver(
            self.http
                .post(format!("{}/goog/cdp/execute", self.session))
                .json(&json!({ "cmd": command, "params": params })),
        )
        .await
    }

    /// When the user last pressed Enter, clicked or submitted a form.
    pub async fn last_action(&self) -> f64 {
        self.execute("return window.__earshotActed;", json!([]))
            .await
            .as_f64()
            .expect("an action on the page")
    }

    /// What the page received and requested since `since`.
    pub async fn timeline(&self, since: f64) -> Timeline {
        let timeline = self
            .execute(
                "const [since] = arguments;
                 const origin = performance.timeOrigin;
                 return {
                   frames: window.__earshotFrames.filter((t) => t >= since),
                   reads: window.__earshotReads.filter(([, t]) => t >= since),
                   fetches: performance.getEntriesByType('resource')
                     .filter((e) => e.initiatorType === 'fetch' && origin + e.startTime >= since)
                     .map((e) => [e.name, origin + e.startTime, origin + e.responseEnd]),
                 };",
                json!([since]),
            )
            .await;
        serde_json::from_value(timeline).expect("a timeline")
    }

    /// Loads `url` and waits until the app shows `ready`; marks the page so
    /// that a later reload would be noticed.
    pub async fn goto(&self, url: &str, ready: &str) {
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
    pub async fn assert_not_reloaded(&self) {
        let marked = self
            .execute("return window.__earshotPage === true;", json!([]))
            .await;
        assert_eq!(marked, json!(true), "the page was reloaded");
    }

    pub async fn execute(&self, script: &str, args: Value) -> Value {
        webdriver(
            self.http
                .post(format!("{}/execute/sync", self.session))
                .json(&json!({ "script": script, "args": args })),
        )
        .await
    }

    /// Starts watching for `text` to be (or, with `present` false, no
    /// longer be) on the page, toasts aside; [`Browser::seen`] waits for it.
    pub async fn arm(&self, text: &str, present: bool) {
        let what = if present {
            format!("“{text}” to show")
        } else {
            format!("“{text}” to go")
        };
        self.arm_until(
            &what,
            "pageText().includes(args[0]) === args[1]",
            json!([text, present]),
        )
        .await;
    }

    /// Starts watching for `condition`, a JavaScript expression over
    /// `args` and `pageText()` (the page's text without its toasts), to
    /// hold; [`Browser::seen`] waits for it. The page is checked after
    /// every change to it, so a state that shows for one frame is seen.
    pub async fn arm_until(&self, what: &str, condition: &str, args: Value) {
        *self.watching.lock().unwrap() = what.to_string();
        let script = format!(
            r#"
            const args = arguments[0];
            const pageText = () => {{
              const shell = document.querySelector('.shell');
              if (!shell) return document.body ? document.body.innerText : '';
              return [...shell.children]
                .filter((part) => !part.classList.contains('toast-stack'))
                .map((part) => part.innerText)
                .join('\n');
            }};
            window.__earshotSeen = new Promise((resolve) => {{
              let observer = null;
              const check = () => {{
                if (!document.body || !({condition})) return;
                if (observer) observer.disconnect();
                resolve(performance.timeOrigin + performance.now());
              }};
              observer = new MutationObserver(check);
              observer.observe(document, {{ subtree: true, childList: true, characterData: true, attributes: true }});
              check();
            }});
            "#
        );
        self.execute(&script, json!([args])).await;
    }

    /// Waits for what [`Browser::arm`] watches; returns when it happened,
    /// in milliseconds since the Unix epoch.
    pub async fn seen(&self) -> f64 {
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
    pub async fn wait_for_text(&self, text: &str) {
        self.arm(text, true).await;
        self.seen().await;
    }

    /// Types `text` into the element `css` selects (`\u{E007}` is Enter).
    pub async fn type_into(&self, css: &str, text: &str) {
        let found = webdriver(
            self.http
                .post(format!("{}/element", self.session))
                .json(&json!({ "using": "css selector", "value": css })),
        )
        .await;
        let element = element_reference(&found).expect("an element reference");
        webdriver(
            self.http
                .post(format!("{}/element/{element}/value", self.session))
                .json(&json!({ "text": text })),
        )
        .await;
    }

    /// Clicks the one button or link whose text (or accessible name) is
    /// `label`; with `within`, among those of the row or card (`data-id`)
    /// whose text holds `within`. A real click: WebDriver scrolls to it
    /// and checks nothing covers it.
    pub async fn click(&self, label: &str, within: Option<&str>) {
        let found = self
            .execute(
                r#"
                const [label, within] = arguments;
                const scopes = within === null
                  ? [document]
                  : [...document.querySelectorAll('[data-id]')]
                      .filter((row) => row.innerText.includes(within));
                const matches = new Set();
                const names = [];
                for (const scope of scopes) {
                  for (const element of scope.querySelectorAll('button, a')) {
                    const text = element.innerText.trim();
                    const name = element.getAttribute('aria-label');
                    names.push(name || text);
                    if (text === label || name === label) matches.add(element);
                  }
                }
                return matches.size === 1 ? [...matches][0] : names;
                "#,
                json!([label, within]),
            )
            .await;
        let Some(element) = element_reference(&found) else {
            panic!("not exactly one button “{label}” (within {within:?}) among {found}");
        };
        webdriver(
            self.http
                .post(format!("{}/element/{element}/click", self.session))
                .json(&json!({})),
        )
        .await;
    }

    /// Replaces what the field labelled `label` holds with `text`, typed
    /// (`\u{E007}` is Enter).
    pub async fn fill(&self, label: &str, text: &str) {
        let css = format!("input[aria-label=\"{label}\"], textarea[aria-label=\"{label}\"]");
        // Control+A selects what is there; the text replaces it.
        self.type_into(&css, &format!("\u{E009}a\u{E000}{text}"))
            .await;
    }

    /// A PNG of the viewport, once what is animating in (a toast) has
    /// arrived.
    pub async fn screenshot(&self, path: &Path) {
        webdriver_for(
            "animations to finish",
            self.http
                .post(format!("{}/execute/async", self.session))
                .json(&json!({
                    "script": "const done = arguments[arguments.length - 1];
                               const ending = document.getAnimations()
                                 .filter((a) => a.effect.getComputedTiming().iterations !== Infinity);
                               Promise.all(ending.map((a) => a.finished)).then(() => done(), () => done());",
                    "args": [],
                })),
        )
        .await;
        let encoded = webdriver(self.http.get(format!("{}/screenshot", self.session))).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().expect("base64"))
            .unwrap();
        std::fs::write(path, png).unwrap();
    }

    pub async fn quit(self) {
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

/// The id in a WebDriver element reference (`{"element-6066-…": id}`).
fn element_reference(value: &Value) -> Option<String> {
    let object = value.as_object()?;
    let [(_, id)] = object.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    id.as_str().map(str::to_string)
}

/// What a page did after some moment: the sync frames it received and the
/// requests it made, in its own clock (milliseconds since the Unix epoch).
#[derive(serde::Deserialize)]
pub struct Timeline {
    pub frames: Vec<f64>,
    /// Each request's URL, when it was sent and when its answer arrived.
    pub fetches: Vec<(String, f64, f64)>,
    /// Each answer's URL and when the app had its body.
    pub reads: Vec<(String, f64)>,
}
