//! The web build in a real browser: Debian's Chromium, headless, driven
//! over WebDriver (chromedriver on a loopback port) against the bundle that
//! `scripts/build-web` wrote, served by a real server with a fresh database
//! and a token.
//!
//! Each browser context is a Chromium of its own with a fresh profile. A
//! change made in one (by clicks and keystrokes, as a user would) must show
//! up in the other without a reload: the tests mark each page when it loads
//! and check the mark is still there. Waiting is done in the page by a
//! `MutationObserver`, which also stamps the moment the text appeared.
//!
//! Every page carries a few instruments (see `e2e/browser.rs`): the moment of
//! the user's last action, each sync frame's arrival and each request's
//! timing. From them the tests report the change-to-other-client latency
//! and the path of each change: request, frame, refetch, render.
//!
//! Adding a case: navigate both contexts with [`Browser::goto`], then
//! [`change_in`] with the text to wait for and what the user does in the
//! acting context ([`Browser::click`], [`Browser::fill`]); for a change
//! from outside the browsers (an API call, a server stopping), [`both_see`].

mod e2e;
#[path = "support/proxy.rs"]
mod proxy;

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use e2e::browser::{Browser, DESKTOP, Driver, PHONE, Timeline, bundle_dir};
use e2e::{screenshot_dir, workspace_dir};
use earshot_app::{ApiClient, ServerAddress};
use earshot_backend::{Config, Server};
use earshot_shared::dto::{NewProject, RecordingFilters};
use proxy::Proxy;
use serde_json::json;
use tokio::sync::oneshot;

const TOKEN: &str = "e2e-token-0123456789abcdef";
/// How many renames the latency run makes, unless `EARSHOT_LATENCY_PROBES`
/// says otherwise.
const PROBES: usize = 40;

// ------------------------------------------------------------------ server

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

/// `actor` makes a change (by clicks and keystrokes in `act`); `watcher`
/// must come to show `text` (or, with `present` false, no longer show it)
/// without a reload, and `actor` shows it too, at once (optimistically), when
/// it is new text. Returns how the change travelled.
async fn change_in<T>(
    actor: &Browser,
    watcher: &Browser,
    text: &str,
    present: bool,
    act: impl Future<Output = T>,
) -> Sample {
    watcher.arm(text, present).await;
    if present {
        actor.arm(text, true).await;
    }
    act.await;
    let shown = watcher.seen().await;
    if present {
        actor.seen().await;
    }
    actor.assert_not_reloaded().await;
    watcher.assert_not_reloaded().await;
    let acted = actor.last_action().await;
    let sent = actor.timeline(acted).await;
    let received = watcher.timeline(acted).await;
    Sample::new(text, acted, shown, &sent, &received)
}

/// The path of one change, in milliseconds after the user's last action
/// (the Enter or click that made it).
struct Sample {
    /// The text watched for.
    what: String,
    /// Until the other context showed it.
    total: f64,
    /// When the acting context sent its request and had the answer, the
    /// other received the sync frame, sent its refetch, had the answer
    /// arrive and read it; `None` when a step was not seen.
    path: Option<Route>,
}

/// How a change travelled: see [`Sample::path`].
struct Route {
    times: [f64; 6],
    /// The request's and the refetch's paths.
    urls: [String; 2],
}

impl Sample {
    fn new(what: &str, acted: f64, shown: f64, sent: &Timeline, received: &Timeline) -> Sample {
        let path = (|| {
            let (request_url, request, answer) = sent.fetches.first()?;
            let frame = *received.frames.first()?;
            // Of the answers the frame caused, the last one read before
            // the change showed brought it.
            let (refetch_url, read) = received
                .reads
                .iter()
                .filter(|(_, t)| *t >= frame && *t <= shown)
                .max_by(|x, y| x.1.total_cmp(&y.1))?;
            let (_, refetch, refetched) = received
                .fetches
                .iter()
                .find(|f| &f.0 == refetch_url && f.1 >= frame && f.2 <= *read)?;
            Some(Route {
                times: [*request, *answer, frame, *refetch, *refetched, *read].map(|t| t - acted),
                urls: [request_url, refetch_url].map(|url| {
                    let path = url.splitn(4, '/').nth(3).unwrap_or_default();
                    format!("/{path}")
                }),
            })
        })();
        Sample {
            what: what.to_string(),
            total: shown - acted,
            path,
        }
    }
}

const PATH_STEPS: [&str; 6] = [
    "request sent",
    "answered",
    "frame at the other",
    "its refetch sent",
    "answered",
    "read",
];

/// The latency figures, the median path, and the slowest samples' paths.
fn latency_report(samples: &[Sample]) -> String {
    let totals: Vec<f64> = samples.iter().map(|s| s.total).collect();
    let describe = |times: &[f64; 6], shown: f64| {
        let steps: Vec<String> = PATH_STEPS
            .iter()
            .zip(times)
            .map(|(step, t)| format!("{step} {t:.1}"))
            .collect();
        format!("{}, shown {shown:.1}", steps.join(", "))
    };
    let paths: Vec<&[f64; 6]> = samples
        .iter()
        .filter_map(|s| s.path.as_ref().map(|p| &p.times))
        .collect();
    let median_path: [f64; 6] =
        std::array::from_fn(|i| percentile(&paths.iter().map(|p| p[i]).collect::<Vec<_>>(), 50.0));
    let mut report = format!(
        "change-to-other-client latency over {} changes made in one browser: \
         p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms\n\
         median path (ms after the action): {}\n\
         slowest:\n",
        samples.len(),
        percentile(&totals, 50.0),
        percentile(&totals, 99.0),
        percentile(&totals, 100.0),
        describe(&median_path, percentile(&totals, 50.0)),
    );
    let mut slowest: Vec<&Sample> = samples.iter().collect();
    slowest.sort_by(|x, y| y.total.total_cmp(&x.total));
    for sample in slowest.iter().take(5) {
        let path = match &sample.path {
            Some(path) => format!(
                "{} ({} then {})",
                describe(&path.times, sample.total),
                path.urls[0],
                path.urls[1]
            ),
            None => format!("shown {:.1} (steps not seen)", sample.total),
        };
        report.push_str(&format!("  “{}”: {path}\n", sample.what));
    }
    report
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
async fn every_resource_changed_in_one_context_shows_in_the_other_without_a_reload() {
    let data = tempfile::tempdir().unwrap();
    let server = Served::start(data.path(), "127.0.0.1:0".parse().unwrap()).await;
    let driver = Driver::start();
    let (a, b) = two_contexts(&driver, &server).await;
    let mut samples = Vec::new();

    // Projects: create, rename, delete, all by hand in A.
    for browser in [&a, &b] {
        browser
            .goto(&server.url("/projects"), "No projects yet")
            .await;
    }
    samples.push(
        change_in(&a, &b, "Field notes", true, async {
            a.click("New project", None).await;
            a.fill("Project name", "Field notes\u{E007}").await;
        })
        .await,
    );
    samples.push(
        change_in(&a, &b, "Tour diary", true, async {
            a.click("Rename", Some("Field notes")).await;
            a.fill("Project name", "Tour diary\u{E007}").await;
        })
        .await,
    );
    a.screenshot(&screenshot_dir().join("web-projects.png"))
        .await;
    samples.push(
        change_in(&a, &b, "Tour diary", false, async {
            a.click("Delete", Some("Tour diary")).await;
            a.click("Yes, delete", Some("Tour diary")).await;
        })
        .await,
    );

    // Recordings: import through the file picker, rename, delete.
    for browser in [&a, &b] {
        browser
            .goto(&server.url("/recordings"), "Import your first recording")
            .await;
    }
    let file = workspace_dir().join("assets/fixtures/demo/studio-notes.mp3");
    change_in(&a, &b, "studio-notes", true, async {
        a.type_into("input[type=file]", &file.display().to_string())
            .await;
    })
    .await;
    samples.push(
        change_in(&a, &b, "Studio notes, take 2", true, async {
            a.click("Rename", Some("studio-notes")).await;
            a.fill("Title", "Studio notes, take 2\u{E007}").await;
        })
        .await,
    );
    samples.push(
        change_in(&a, &b, "Studio notes, take 2", false, async {
            a.click("Delete", Some("Studio notes, take 2")).await;
            a.click("Yes, delete", Some("Studio notes, take 2")).await;
        })
        .await,
    );

    // Conversations: start one, send a message (the reply comes from the
    // server's assistant, live in both), delete it.
    for browser in [&a, &b] {
        browser
            .goto(&server.url("/chats"), "No conversations yet")
            .await;
    }
    samples.push(
        change_in(&a, &b, "Tour planning", true, async {
            a.click("New conversation", None).await;
            a.fill("Title", "Tour planning\u{E007}").await;
        })
        .await,
    );
    let conversations = server.api().conversations().await.unwrap();
    let [conversation] = &conversations[..] else {
        panic!("one conversation: {conversations:?}");
    };
    for browser in [&a, &b] {
        browser
            .goto(
                &server.url(&format!("/chats/{}", conversation.id)),
                "No messages yet",
            )
            .await;
    }
    samples.push(
        change_in(&a, &b, "When is the bus booked?", true, async {
            a.fill("Message", "When is the bus booked?\u{E007}").await;
        })
        .await,
    );
    for browser in [&a, &b] {
        browser
            .wait_for_text("There are no recordings in Earshot yet")
            .await;
    }
    for browser in [&a, &b] {
        browser.goto(&server.url("/chats"), "Tour planning").await;
    }
    samples.push(
        change_in(&a, &b, "Tour planning", false, async {
            a.click("Delete", Some("Tour planning")).await;
            a.click("Yes, delete", Some("Tour planning")).await;
        })
        .await,
    );

    // Search history: two searches typed in A, one forgotten, then all.
    for browser in [&a, &b] {
        browser
            .goto(&server.url("/search"), "Recent searches")
            .await;
    }
    for query in ["rehearsal", "budget"] {
        samples.push(
            change_in(&a, &b, query, true, async {
                a.fill("Search", &format!("{query}\u{E007}")).await;
            })
            .await,
        );
    }
    samples.push(
        change_in(&a, &b, "rehearsal", false, async {
            a.click("Forget “rehearsal”", None).await;
        })
        .await,
    );
    samples.push(
        change_in(&a, &b, "budget", false, async {
            a.click("Clear all", None).await;
            a.click("Yes, clear all", None).await;
        })
        .await,
    );

    // Latency: a run of renames of one project in A, seen in B
    // (`EARSHOT_LATENCY_PROBES` of them, for a benchmark run).
    for browser in [&a, &b] {
        browser
            .goto(&server.url("/projects"), "No projects yet")
            .await;
    }
    change_in(&a, &b, "Probe 0", true, async {
        a.click("New project", None).await;
        a.fill("Project name", "Probe 0\u{E007}").await;
    })
    .await;
    let probes = std::env::var("EARSHOT_LATENCY_PROBES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(PROBES);
    for i in 1..=probes {
        let (from, to) = (format!("Probe {}", i - 1), format!("Probe {i}"));
        samples.push(
            change_in(&a, &b, &to, true, async {
                a.click("Rename", Some(&from)).await;
                a.fill("Project name", &format!("{to}\u{E007}")).await;
            })
            .await,
        );
    }

    let report = latency_report(&samples);
    eprintln!("{report}");
    std::fs::write(screenshot_dir().join("latency.txt"), report).unwrap();

    a.quit().await;
    b.quit().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium, chromedriver and a web bundle; scripts/test runs it"]
async fn a_change_the_server_refuses_shows_at_once_then_rolls_back_with_an_error_toast() {
    let data = tempfile::tempdir().unwrap();
    let server = Served::start(data.path(), "127.0.0.1:0".parse().unwrap()).await;
    let api = server.api();
    let mut beta = None;
    for name in ["Alpha", "Beta", "Gamma"] {
        let new = NewProject {
            name: name.into(),
            description: String::new(),
        };
        let project = api.create_project(&new).await.unwrap();
        if name == "Beta" {
            beta = Some(project);
        }
    }
    let beta = beta.unwrap();
    // The page talks to the server through a proxy that can hold a
    // request: what it shows before the server answers is then certain.
    let proxy = Proxy::start(server.addr).await;
    let driver = Driver::start();
    let browser = Browser::open(&driver, DESKTOP).await;
    browser
        .goto(
            &format!("http://{}/projects#token={TOKEN}", proxy.addr),
            "Gamma",
        )
        .await;
    let rename = proxy.hold("PATCH /api/projects/");
    let row = format!("document.querySelector('[data-id=\"{}\"]')", beta.id);

    // "Gamma" is taken: the server will answer 409 Conflict. The new name
    // shows at once, while the request waits at the proxy.
    browser
        .arm_until(
            "Beta's row to show the new name",
            &format!("{row}.innerText.includes('Gamma')"),
            json!([]),
        )
        .await;
    browser.click("Rename", Some("Beta")).await;
    browser.fill("Project name", "Gamma\u{E007}").await;
    browser.seen().await;
    assert_eq!(api.project(&beta.id).await.unwrap().name, "Beta");

    // The refusal: the old name comes back, with an error toast.
    browser
        .arm_until(
            "Beta's old name back and an error toast",
            &format!(
                "{row}.innerText.includes('Beta') && !{row}.innerText.includes('Gamma') \
                 && document.querySelector('.toast[data-kind=\"error\"]') !== null"
            ),
            json!([]),
        )
        .await;
    rename.release();
    browser.seen().await;
    let toast = browser
        .execute(
            "const toast = document.querySelector('.toast[data-kind=\"error\"]');
             return [toast.dataset.code, toast.getAttribute('role'),
                     toast.querySelector('.toast-message').innerText];",
            json!([]),
        )
        .await;
    let [code, role, message] = serde_json::from_value::<[String; 3]>(toast).unwrap();
    assert_eq!((code.as_str(), role.as_str()), ("conflict", "alert"));
    assert!(
        message.starts_with("Couldn’t rename the project"),
        "{message}"
    );
    browser
        .screenshot(&screenshot_dir().join("web-rollback.png"))
        .await;
    browser.assert_not_reloaded().await;

    browser.quit().await;
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
