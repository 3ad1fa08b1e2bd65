//! The desktop app in a real window, under a virtual X server (Xvfb): it
//! starts on a workspace that already holds data and shows it. It follows a
//! change made through its shared HTTP API, and one made by hand in a
//! browser (headless Chromium) that opened its shared link. It feeds a
//! mobile preview window, which follows the browser's next change too. It
//! shuts its backend down cleanly when asked to stop.
//!
//! The observables are the app's own: its log (the embedded backend logs
//! every request it serves, so a refetch is visible) and screenshots of the
//! screen (`import` from ImageMagick), compared pixel by pixel.

mod e2e;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use e2e::browser::{Browser, DESKTOP, Driver, bundle_dir};
use e2e::{PATIENCE, Process, on_path, screenshot_dir, wait_until};
use earshot_app::{ApiClient, ServerAddress, UploadRecording};
use earshot_backend::{Config, Server};
use earshot_shared::dto::{NewProject, RecordingFilters, RecordingStatus, UpdateRecording};

const TONE: &[u8] = include_bytes!("../../assets/fixtures/tone.wav");

/// The virtual screen: room for the regular 1200×800 window.
const SCREEN: (u32, u32) = (1280, 900);
/// The mobile preview's window.
const PHONE: (u32, u32) = (390, 844);
/// How long the screen must stay the same to count as settled.
const STILL: Duration = Duration::from_secs(1);
/// Pixels that may change without the screen counting as changed: more
/// than a pulsing status dot (36), less than any word of text.
const NOISE: usize = 64;

/// A virtual X server on a display number it picks itself.
struct Display {
    number: u32,
    _xvfb: Process,
}

impl Display {
    fn start() -> Display {
        let mut command = Command::new("Xvfb");
        command.args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            &format!("{}x{}x24", SCREEN.0, SCREEN.1),
            "-nolisten",
            "tcp",
        ]);
        let xvfb = Process::spawn("Xvfb", command);
        let number = xvfb
            .stdout
            .wait_for("Xvfb's display number", |line| line.trim().parse().ok());
        Display {
            number,
            _xvfb: xvfb,
        }
    }

    fn name(&self) -> String {
        format!(":{}", self.number)
    }

    /// The top-left `width`×`height` of the screen as raw RGB bytes.
    fn capture(&self, (width, height): (u32, u32)) -> Vec<u8> {
        let output = Command::new("import")
            .args(["-display", &self.name(), "-window", "root", "-crop"])
            .arg(format!("{width}x{height}+0+0"))
            .args(["-depth", "8", "rgb:-"])
            .output()
            .expect("ImageMagick's import runs");
        assert!(output.status.success(), "import failed");
        output.stdout
    }

    /// Waits until the region shows something (not a flat colour) other
    /// than `unlike`, that has not changed for [`STILL`]: a first frame
    /// without its stylesheet, or one between two renders, does not last.
    /// Changes of up to [`NOISE`] pixels do not count: an animated status
    /// dot pulses for ever.
    fn settled(&self, size: (u32, u32), what: &str, unlike: Option<&[u8]>) -> Vec<u8> {
        let mut last: Option<(Vec<u8>, Instant)> = None;
        wait_until(what, PATIENCE, || {
            let now = self.capture(size);
            match &last {
                Some((frame, since)) if differing_pixels(frame, &now) <= NOISE => {
                    let fresh = unlike.is_none_or(|before| differing_pixels(before, &now) > NOISE);
                    (since.elapsed() >= STILL && fresh && colours(&now) > 64).then_some(now)
                }
                _ => {
                    last = Some((now, Instant::now()));
                    None
                }
            }
        })
    }
}

/// How many pixels differ between two captures of the same size.
fn differing_pixels(a: &[u8], b: &[u8]) -> usize {
    a.chunks_exact(3)
        .zip(b.chunks_exact(3))
        .filter(|(a, b)| a != b)
        .count()
}

/// Writes a capture of `width`×`height` as a PNG.
fn save((width, height): (u32, u32), rgb: &[u8], path: &Path) {
    use std::io::Write;
    let mut convert = Command::new("convert")
        .args([
            "-size",
            &format!("{width}x{height}"),
            "-depth",
            "8",
            "rgb:-",
        ])
        .arg(path)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("ImageMagick's convert runs");
    convert.stdin.take().unwrap().write_all(rgb).unwrap();
    assert!(convert.wait().unwrap().success(), "convert failed");
}

/// How many different colours the pixels have (a blank or flat screen has
/// one or two; text brings hundreds of anti-aliased shades).
fn colours(rgb: &[u8]) -> usize {
    rgb.chunks_exact(3)
        .collect::<std::collections::HashSet<_>>()
        .len()
}

/// Fills a fresh workspace in `data_dir` through the backend itself: a
/// project and two processed recordings.
fn seed(data_dir: &Path) -> String {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let server = Server::build(Config::embedded(data_dir.to_path_buf()))
            .await
            .expect("the server starts");
        let address = ServerAddress::new(&format!("http://{}", server.local_addr()), None).unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let running = tokio::spawn(server.run_until(async {
            let _ = stopped.await;
        }));
        let api = ApiClient::new(address);
        api.create_project(&NewProject {
            name: "Field notes".into(),
            description: String::new(),
        })
        .await
        .unwrap();
        let mut first = None;
        for title in ["Morning interview", "Band rehearsal"] {
            let uploaded = api
                .upload_recording(UploadRecording {
                    file_name: "tone.wav".into(),
                    bytes: TONE.to_vec(),
                    title: Some(title.into()),
                    ..Default::default()
                })
                .await
                .unwrap();
            first.get_or_insert(uploaded.recording.id);
        }
        // Processed before the window opens: no progress bar moves on screen.
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let ready = RecordingFilters {
                status: Some(RecordingStatus::Ready),
                ..Default::default()
            };
            if api.recordings(&ready).await.unwrap().total == 2 {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "seeding timed out");
            tokio::time::sleep(e2e::POLL).await;
        }
        let _ = stop.send(());
        running.await.unwrap().unwrap();
        first.unwrap()
    })
}

/// A client of the shared API, as another device would be.
fn shared_api(base_url: &str, token: &str) -> ApiClient {
    ApiClient::new(ServerAddress::new(base_url, Some(token.to_string())).unwrap())
}

/// Creates a project on the browser's projects page, as a user would, and
/// waits until the page shows it.
async fn create_by_hand(browser: &Browser, name: &str) {
    browser.arm(name, true).await;
    browser.click("New project", None).await;
    browser
        .fill("Project name", &format!("{name}\u{E007}"))
        .await;
    browser.seen().await;
}

/// Renames a recording through the shared API.
fn rename(base_url: &str, token: &str, id: &str, title: &str) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        shared_api(base_url, token)
            .update_recording(
                id,
                &UpdateRecording {
                    title: Some(title.into()),
                    ..Default::default()
                },
            )
            .await
            .expect("the rename is accepted");
    });
}

/// Whether a log line says a request for `path` was answered.
fn served(line: &str, path: &str) -> bool {
    line.contains("finished processing request") && line.contains(path)
}

fn app_command(display: &Display, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_earshot"));
    command
        .args(args)
        .env("DISPLAY", display.name())
        .env("RUST_LOG", "info,tower_http=debug")
        .env("NO_COLOR", "1")
        // No accessibility bus on a virtual display.
        .env("NO_AT_BRIDGE", "1")
        // On a virtual display WebKitGTK's accelerated paths left the
        // window showing its first frame for good; its software paths repaint.
        .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
        .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
        .env_remove("EARSHOT_SERVER")
        .env_remove("EARSHOT_TOKEN")
        .env_remove("EARSHOT_DATA_DIR");
    command
}

#[test]
#[ignore = "needs Xvfb and ImageMagick; scripts/test runs it"]
fn the_window_shows_the_workspace_and_follows_changes_made_through_its_shared_api() {
    for program in ["Xvfb", "import"] {
        assert!(on_path(program), "{program} is not installed");
    }
    let shots = screenshot_dir();
    let data = tempfile::tempdir().unwrap();
    let recording = seed(data.path());
    let display = Display::start();

    // Arrange: the app on the seeded workspace, shared on loopback.
    let data_dir = data.path().to_str().unwrap();
    let mut app = Process::spawn(
        "earshot",
        app_command(
            &display,
            &[
                "--data-dir",
                data_dir,
                "--share",
                "127.0.0.1:0",
                "--web-dir",
                bundle_dir().to_str().unwrap(),
            ],
        ),
    );
    let (base_url, token) = app
        .stdout
        .wait_for("the mobile preview's command line", |line| {
            let rest = line.strip_prefix("Mobile preview: earshot --mobile-preview --server ")?;
            let (base, token) = rest.split_once(" --token ")?;
            Some((base.to_string(), token.to_string()))
        });
    let (seen, ()) = app
        .stderr
        .wait_for_from(0, "the window to load the dashboard", |line| {
            served(line, "/api/dashboard/stats").then_some(())
        });
    let seeded = display.settled(SCREEN, "the seeded dashboard on screen", None);
    save(SCREEN, &seeded, &shots.join("window-seeded.png"));

    // Act: another client renames a recording the dashboard lists.
    rename(
        &base_url,
        &token,
        &recording,
        "Interview, renamed elsewhere",
    );

    // Assert: the window refetches and shows something else.
    let (seen, ()) = app
        .stderr
        .wait_for_from(seen, "the window to refetch", |line| {
            served(line, "/api/dashboard/stats").then_some(())
        });
    let changed = display.settled(SCREEN, "the change on screen", Some(&seeded));
    save(SCREEN, &changed, &shots.join("window-after-change.png"));

    // A browser opens the shared link and creates a project by hand: the
    // window's dashboard counts it.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let driver = Driver::start();
    let browser = runtime.block_on(async {
        let browser = Browser::open(&driver, DESKTOP).await;
        browser
            .goto(&format!("{base_url}/projects#token={token}"), "Field notes")
            .await;
        create_by_hand(&browser, "Made in a browser").await;
        browser
    });
    let (seen, ()) = app
        .stderr
        .wait_for_from(seen, "the window to refetch", |line| {
            served(line, "/api/dashboard/stats").then_some(())
        });
    let counted = display.settled(SCREEN, "the browser's change on screen", Some(&changed));
    save(SCREEN, &counted, &shots.join("window-after-browser.png"));

    // A mobile preview window on the same workspace, over the first one.
    let underneath = display.capture(PHONE);
    let mut phone = Process::spawn(
        "earshot --mobile-preview",
        app_command(
            &display,
            &["--mobile-preview", "--server", &base_url, "--token", &token],
        ),
    );
    let (_, ()) = app
        .stderr
        .wait_for_from(seen, "the preview to load", |line| {
            served(line, "/api/dashboard/stats").then_some(())
        });
    let before = display.settled(PHONE, "the mobile preview on screen", Some(&underneath));
    save(PHONE, &before, &shots.join("mobile-preview.png"));
    // Its dashboard's top shows the number of projects; the browser makes
    // another.
    runtime.block_on(create_by_hand(&browser, "Made in a browser, too"));
    let after = display.settled(PHONE, "the change in the mobile preview", Some(&before));
    save(
        PHONE,
        &after,
        &shots.join("mobile-preview-after-change.png"),
    );
    runtime.block_on(browser.quit());
    assert!(phone.terminate(), "the mobile preview exits cleanly");

    // The token went to standard output only, never to the log.
    assert!(
        !app.stderr.text().contains(&token),
        "the token appears in the log"
    );
    // Stopping the app stops its backend cleanly.
    assert!(app.terminate(), "the app exits cleanly");
    assert!(
        app.stderr.text().contains("embedded backend stopped"),
        "the backend was not shut down"
    );
}
