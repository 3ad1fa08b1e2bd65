//! The pages as a user sees them: the whole app (query cache, sync
//! connection, router, shell) mounted in a headless `VirtualDom` against a
//! real server on an ephemeral port — a real SQLite file, real HTTP, the
//! real sync socket — and rendered to HTML with dioxus-ssr. Another client
//! changes things through the API; the pages must follow. The user clicks,
//! types and chooses through the pages' own handlers.
//!
//! Every request the app sends goes through a counting proxy, so the tests
//! can say which fetches a page made, and can hold a request there to see
//! the page before the server answers. They wait on conditions, never on
//! sleeps; see `support` for the harness.

mod support;

use std::ops::RangeInclusive;
use std::time::Duration;

use earshot_shared::dto::{
    NewConversation, NewMessage, RecordingFilters, RecordingStatus, SearchRequest, UpdateProject,
    UpdateRecording,
};
use support::{Page, ShownToast, TestServer, spawn_server};

// ------------------------------------------------ live changes from elsewhere

#[tokio::test]
async fn the_dashboard_shows_a_recording_imported_elsewhere() {
    let server = spawn_server().await;
    let mut page = server.mount("/");
    page.wait_for_text("Import your first recording").await;
    page.wait_until_settled().await;

    server.import("Harbour at dawn").await;

    page.wait_for_text("Harbour at dawn").await;
    assert!(!page.html().contains("Import your first recording"));
}

#[tokio::test]
async fn the_recordings_list_shows_a_title_changed_elsewhere() {
    let server = spawn_server().await;
    let recording = server.import("Interview, first take").await;
    let mut page = server.mount("/recordings");
    page.wait_for_text("Interview, first take").await;
    page.wait_until_settled().await;

    rename_recording(&server, &recording.id, "Interview, final take").await;

    page.wait_for_text("Interview, final take").await;
    assert!(!page.html().contains("Interview, first take"));
}

#[tokio::test]
async fn the_projects_list_shows_a_project_created_elsewhere() {
    let server = spawn_server().await;
    let mut page = server.mount("/projects");
    page.wait_for_text("No projects yet").await;
    page.wait_until_settled().await;

    server.create_project("Field notes").await;

    page.wait_for_text("Field notes").await;
    assert!(!page.html().contains("No projects yet"));
}

#[tokio::test]
async fn a_project_page_shows_a_name_and_a_recording_changed_elsewhere() {
    let server = spawn_server().await;
    let project = server.create_project("Field notes").await;
    let recording = server.import("Birdsong").await;
    let mut page = server.mount(&format!("/projects/{}", project.id));
    page.wait_for_text("No recordings in this project").await;
    page.wait_until_settled().await;

    let changes = UpdateProject {
        name: Some("Field notes, spring".to_string()),
        description: None,
    };
    server
        .api
        .update_project(&project.id, &changes)
        .await
        .unwrap();
    page.wait_for_text("Field notes, spring").await;

    let move_in = UpdateRecording {
        project_id: Some(Some(project.id.clone())),
        ..Default::default()
    };
    server
        .api
        .update_recording(&recording.id, &move_in)
        .await
        .unwrap();
    page.wait_for_text("Birdsong").await;
}

#[tokio::test]
async fn a_projects_see_them_all_link_opens_the_recordings_list_on_that_project() {
    let server = spawn_server().await;
    let project = server.create_project("Field notes").await;
    server.import("Elsewhere").await;
    let move_in = UpdateRecording {
        project_id: Some(Some(project.id.clone())),
        ..Default::default()
    };
    for take in 0..26 {
        let recording = server.import(&format!("Take {take}")).await;
        server
            .api
            .update_recording(&recording.id, &move_in)
            .await
            .unwrap();
    }
    let mut page = server.mount(&format!("/projects/{}", project.id));
    page.wait_for_text("of 26").await;

    page.click("See them all on the Recordings page");
    page.wait_until("the Recordings page, of the project only", |page| {
        page.path() == "/recordings" && page.html().contains("26 recordings")
    })
    .await;
}

#[tokio::test]
async fn the_chats_list_shows_a_conversation_started_elsewhere() {
    let server = spawn_server().await;
    let mut page = server.mount("/chats");
    page.wait_for_text("No conversations yet").await;
    page.wait_until_settled().await;

    let new = NewConversation {
        title: Some("Mixing questions".to_string()),
    };
    server.api.create_conversation(&new).await.unwrap();

    page.wait_for_text("Mixing questions").await;
}

#[tokio::test]
async fn a_conversation_shows_a_message_posted_elsewhere() {
    let server = spawn_server().await;
    let new = NewConversation {
        title: Some("Mixing questions".to_string()),
    };
    let conversation = server.api.create_conversation(&new).await.unwrap();
    let mut page = server.mount(&format!("/chats/{}", conversation.id));
    page.wait_for_text("No messages yet").await;
    page.wait_until_settled().await;

    let message = NewMessage {
        content: "Is the hum at 50 Hz or 60 Hz?".to_string(),
    };
    server
        .api
        .send_message(&conversation.id, &message)
        .await
        .unwrap();

    page.wait_for_text("Is the hum at 50 Hz or 60 Hz?").await;
}

#[tokio::test]
async fn the_search_history_shows_a_search_run_elsewhere() {
    let server = spawn_server().await;
    server.import("Harbour at dawn").await;
    let mut page = server.mount("/search");
    page.wait_for_text("Searches you run are kept here.").await;
    page.wait_until_settled().await;

    let search = SearchRequest {
        query: "harbour".to_string(),
        limit: None,
    };
    server.api.search(&search).await.unwrap();

    page.wait_for_text(">harbour<").await;
}

#[tokio::test]
async fn a_change_elsewhere_costs_the_page_one_fetch_of_what_changed() {
    let server = spawn_server().await;
    server.create_project("Field notes").await;
    let mut page = server.mount("/projects");
    page.wait_for_text("Field notes").await;
    page.wait_until_settled().await;
    assert_loaded_by(&page, &["/api/projects"]);
    let before = page.requests().mark();

    server.create_project("Rehearsals").await;
    page.wait_for_text("Rehearsals").await;
    page.wait_until_settled().await;

    assert_eq!(page.requests().since(before), ["GET /api/projects"]);
}

// ------------------------------------------------- filters and pagination
//
// The recordings list keeps its filters and page in the saved preferences,
// not in the URL: the user sets them on the page, and a restart finds them.

/// 27 recordings that process fine and 3 that fail: titles `Take 01` …
/// `Take 30`, imported in that order; takes 10, 20 and 30 are broken.
async fn thirty_recordings(server: &TestServer) {
    for n in 1..=30 {
        let title = format!("Take {n:02}");
        if n % 10 == 0 {
            server.import_broken(&title).await;
        } else {
            server.import(&title).await;
        }
    }
    server.wait_until_processed().await;
}

/// The titles of a page of recordings as the server gives it to anyone, in
/// title order.
async fn expected_titles(server: &TestServer, filters: &RecordingFilters) -> Vec<String> {
    let page = server.api.recordings(filters).await.unwrap();
    let mut titles: Vec<String> = page.items.into_iter().map(|r| r.title).collect();
    titles.sort();
    titles
}

/// Which of `Take 01` … `Take 30` the page lists, in title order.
fn takes_listed(page: &Page) -> Vec<String> {
    let html = page.html();
    (1..=30)
        .map(|n| format!("Take {n:02}"))
        .filter(|title| html.contains(&format!(">{title}<")))
        .collect()
}

/// Mounts the recordings page and lets it load its first page.
async fn recordings_page(server: &TestServer) -> Page {
    let mut page = server.mount("/recordings");
    page.wait_for_text(">Take 30<").await;
    page.wait_until_settled().await;
    page
}

#[tokio::test]
async fn the_recordings_page_shows_the_newest_page_fetched_with_no_filters() {
    let server = spawn_server().await;
    thirty_recordings(&server).await;
    let expected = expected_titles(&server, &RecordingFilters::default()).await;
    assert_eq!(expected.len(), 25);

    let page = recordings_page(&server).await;

    assert_eq!(takes_listed(&page), expected);
    assert!(page.html().contains("30 recordings"), "{}", page.html());
    // Its filter bar lists the projects to filter by.
    assert_loaded_by(&page, &["/api/recordings", "/api/projects"]);
}

#[tokio::test]
async fn choosing_a_status_lists_only_those_recordings_asked_of_the_server() {
    let server = spawn_server().await;
    thirty_recordings(&server).await;
    let failed = RecordingFilters {
        status: Some(RecordingStatus::Failed),
        ..Default::default()
    };
    let expected = expected_titles(&server, &failed).await;
    assert_eq!(expected, ["Take 10", "Take 20", "Take 30"]);
    let mut page = recordings_page(&server).await;
    let before = page.requests().mark();

    page.choose("Status", "Failed");

    page.wait_until("only the failed ones are listed", |page| {
        takes_listed(page) == expected
    })
    .await;
    page.wait_until_settled().await;
    assert!(
        page.html().contains("3 recordings match"),
        "{}",
        page.html()
    );
    assert_eq!(
        page.requests().since(before),
        ["GET /api/recordings?status=failed"]
    );
}

#[tokio::test]
async fn typing_a_filter_lists_only_the_matching_recordings_asked_of_the_server() {
    let server = spawn_server().await;
    thirty_recordings(&server).await;
    let matching = RecordingFilters {
        text: Some("Take 1".to_string()),
        ..Default::default()
    };
    let expected = expected_titles(&server, &matching).await;
    assert_eq!(expected.len(), 10, "Take 10 … Take 19: {expected:?}");
    let mut page = recordings_page(&server).await;
    let before = page.requests().mark();

    page.fill("Filter by text", "Take 1");

    page.wait_until("only the matches are listed", |page| {
        takes_listed(page) == expected
    })
    .await;
    page.wait_until_settled().await;
    assert_eq!(
        page.requests().since(before),
        ["GET /api/recordings?text=Take+1"]
    );
}

#[tokio::test]
async fn the_next_page_lists_the_oldest_five_asked_of_the_server() {
    let server = spawn_server().await;
    thirty_recordings(&server).await;
    let second = RecordingFilters {
        page: 2,
        ..Default::default()
    };
    let expected = expected_titles(&server, &second).await;
    assert_eq!(
        expected,
        ["Take 01", "Take 02", "Take 03", "Take 04", "Take 05"]
    );
    let mut page = recordings_page(&server).await;
    let before = page.requests().mark();

    page.click("Next");

    page.wait_until("the second page is listed", |page| {
        takes_listed(page) == expected
    })
    .await;
    page.wait_until_settled().await;
    assert!(page.html().contains("Page 2 of 2"), "{}", page.html());
    assert_eq!(
        page.requests().since(before),
        ["GET /api/recordings?page=2"]
    );
}

#[tokio::test]
async fn the_chosen_filter_and_page_come_back_after_a_restart() {
    let server = spawn_server().await;
    thirty_recordings(&server).await;
    let ready_page_two = RecordingFilters {
        status: Some(RecordingStatus::Ready),
        page: 2,
        ..Default::default()
    };
    let expected = expected_titles(&server, &ready_page_two).await;
    assert_eq!(expected, ["Take 01", "Take 02"]);
    let mut page = recordings_page(&server).await;
    page.choose("Status", "Ready");
    page.wait_for_text("27 recordings match").await;
    page.click("Next");
    page.wait_until("the second page of ready ones is listed", |page| {
        takes_listed(page) == expected
    })
    .await;
    page.wait_until_settled().await;

    drop(page);
    let mut page = server.mount("/recordings");

    page.wait_until("the saved page is listed again", |page| {
        takes_listed(page) == expected
    })
    .await;
    page.wait_until_settled().await;
    assert!(page.html().contains("Page 2 of 2"), "{}", page.html());
    assert_loaded_by(
        &page,
        &["/api/recordings?page=2&status=ready", "/api/projects"],
    );
}

// ------------------------------------------------------- nothing on a timer

/// Lets five minutes pass with nothing changing, and returns what the app
/// requested in those five minutes.
///
/// The clock is paused only now, once the page has settled: loading needs
/// real time (the database answers from its own threads, and a paused clock
/// jumps ahead whenever the runtime waits for them, firing timeouts). Once
/// idle, server and app share the paused clock, so the five minutes pass in
/// moments, heartbeats included, and any timer the page set would fire.
async fn requests_in_five_idle_minutes(page: &mut Page) -> Vec<String> {
    let before = page.requests().mark();
    tokio::time::pause();
    page.run_for(Duration::from_secs(5 * 60)).await;
    tokio::time::resume();
    page.requests().since(before)
}

#[tokio::test]
async fn no_page_fetches_on_a_timer() {
    let server = spawn_server().await;
    let project = server.create_project("Field notes").await;
    let recording = server.import("Harbour at dawn").await;
    let new = NewConversation {
        title: Some("Mixing questions".to_string()),
    };
    let conversation = server.api.create_conversation(&new).await.unwrap();
    server.wait_until_processed().await;

    let pages = [
        ("/".to_string(), "Harbour at dawn"),
        ("/recordings".to_string(), "Harbour at dawn"),
        (format!("/recordings/{}", recording.id), "Harbour at dawn"),
        (
            format!("/recordings/{}/at?t=1", recording.id),
            "Harbour at dawn",
        ),
        ("/projects".to_string(), "Field notes"),
        (format!("/projects/{}", project.id), "Field notes"),
        ("/chats".to_string(), "Mixing questions"),
        (format!("/chats/{}", conversation.id), "Mixing questions"),
        ("/search".to_string(), "Searches you run are kept here."),
    ];
    for (path, loaded) in pages {
        let mut page = server.mount(&path);
        page.wait_for_text(loaded).await;
        page.wait_until_settled().await;

        let requested = requests_in_five_idle_minutes(&mut page).await;

        assert!(
            requested.is_empty(),
            "{path} requested {requested:?} with nothing changed"
        );
        assert!(
            page.html().contains(loaded),
            "{path} lost its content:\n{}",
            page.html()
        );
    }
}

#[tokio::test]
async fn a_toast_goes_by_itself_without_a_fetch() {
    let server = spawn_server().await;
    server.create_project("Alpha").await;
    let beta = server.create_project("Beta").await;
    let mut page = server.mount("/projects");
    page.wait_for_text(">Beta<").await;
    page.wait_until_settled().await;
    // A refused rename: its error toast stays up longest.
    page.click_in(&beta.id, "Rename");
    page.fill("Project name", "Alpha");
    page.click("Save");
    page.wait_until("an error toast shows", |page| {
        page.toasts().iter().any(|toast| toast.kind == "error")
    })
    .await;
    page.wait_until_settled().await;
    assert_eq!(page.toasts().len(), 1, "still up when the clock stops");

    let requested = requests_in_five_idle_minutes(&mut page).await;

    assert!(page.toasts().is_empty(), "{:?}", page.toasts());
    assert!(requested.is_empty(), "requested {requested:?}");
}

// ---------------------------------------------------- deleted elsewhere

#[tokio::test]
async fn a_recording_deleted_elsewhere_sends_its_page_back_to_the_list() {
    let server = spawn_server().await;
    server.import("Harbour at dawn").await;
    let deleted = server.import("Birdsong").await;
    let mut page = server.mount(&format!("/recordings/{}", deleted.id));
    page.wait_for_text("Birdsong").await;
    page.wait_until_settled().await;

    server.api.delete_recording(&deleted.id).await.unwrap();

    let said = ShownToast {
        kind: "info".to_string(),
        code: String::new(),
        message: "This recording was deleted".to_string(),
    };
    page.wait_until("the list shows, and a toast says why", |page| {
        page.path() == "/recordings" && page.toasts() == [said.clone()]
    })
    .await;
    page.wait_for_text("Harbour at dawn").await;
    assert!(!page.html().contains(">Birdsong<"), "{}", page.html());
}

// ------------------------------------------------------- optimistic writes
//
// Each write is made on the page, by clicking and typing. The proxy holds
// the write (and, where it matters, the reads) until the test releases it,
// so what the page shows meanwhile is what it shows before the server has
// answered — not a race won by chance.

#[tokio::test]
async fn a_project_created_on_the_page_shows_at_once_then_is_confirmed() {
    let server = spawn_server().await;
    server.create_project("Alpha").await;
    let mut page = server.mount("/projects");
    page.wait_for_text(">Alpha<").await;
    page.wait_until_settled().await;
    let create = server.hold("POST /api/projects");

    page.click("New project");
    page.fill("Project name", "Field notes");
    page.click("Save");

    page.wait_until("the project shows, being created", |page| {
        let html = page.html();
        html.contains(">Field notes<") && html.contains("Creating…")
    })
    .await;
    let on_server = server.api.projects().await.unwrap();
    assert!(on_server.iter().all(|p| p.name != "Field notes"));

    create.release();

    page.wait_until("a toast confirms it", |page| {
        page.toasts().iter().any(|toast| toast.kind == "success")
    })
    .await;
    assert_eq!(page.toasts()[0].message, "Project “Field notes” created");
    page.wait_until("the server's project replaces it", |page| {
        !page.html().contains("Creating…")
    })
    .await;
    page.wait_until_settled().await;
    let created = server.api.projects().await.unwrap();
    let created = created.iter().find(|p| p.name == "Field notes").unwrap();
    let html = page.html();
    assert_eq!(html.matches(">Field notes<").count(), 1, "{html}");
    assert!(
        html.contains(&format!("href=\"/projects/{}\"", created.id)),
        "{html}"
    );
    assert_eq!(optimistic_layers(&page), 0);
}

#[tokio::test]
async fn a_rename_the_server_refuses_shows_at_once_then_rolls_back_with_an_error_toast() {
    let server = spawn_server().await;
    server.create_project("Alpha").await;
    let beta = server.create_project("Beta").await;
    server.create_project("Gamma").await;
    let mut page = server.mount("/projects");
    page.wait_for_text(">Beta<").await;
    page.wait_until_settled().await;
    let rename = server.hold("PATCH /api/projects/");

    // "Gamma" is taken: the server will answer 409 Conflict.
    page.click_in(&beta.id, "Rename");
    page.fill("Project name", "Gamma");
    page.click("Save");

    page.wait_until("the new name shows", |page| !page.html().contains(">Beta<"))
        .await;
    assert_eq!(page.html().matches(">Gamma<").count(), 2);

    rename.release();

    page.wait_until("an error toast shows", |page| {
        page.toasts().iter().any(|toast| toast.kind == "error")
    })
    .await;
    let toast = &page.toasts()[0];
    assert_eq!(toast.code, "conflict", "{toast:?}");
    assert!(
        toast.message.starts_with("Couldn’t rename the project"),
        "{toast:?}"
    );
    page.wait_for_text(">Beta<").await;
    page.wait_until_settled().await;
    let html = page.html();
    assert_eq!(html.matches(">Gamma<").count(), 1, "{html}");
    assert!(html.contains(">Alpha<"), "{html}");
    assert_eq!(optimistic_layers(&page), 0);
}

/// No rule of the server refuses to delete a project that exists; what it
/// refuses is deleting one that is already gone (404 Not Found). The proxy
/// holds the page's reads, so the list it had is all it knows: the row
/// leaves at once, comes back with the error, then leaves for good with the
/// server's list.
#[tokio::test]
async fn a_delete_the_server_refuses_leaves_at_once_then_comes_back_with_an_error_toast() {
    let server = spawn_server().await;
    server.create_project("Alpha").await;
    let beta = server.create_project("Beta").await;
    let mut page = server.mount("/projects");
    page.wait_for_text(">Beta<").await;
    page.wait_until_settled().await;
    let reads = server.hold("GET /api/projects");
    let delete = server.hold("DELETE /api/projects/");
    // Another window deletes Beta a moment before this one does.
    server.api.delete_project(&beta.id).await.unwrap();

    page.click_in(&beta.id, "Delete");
    page.click_in(&beta.id, "Yes, delete");

    page.wait_until("Beta leaves at once", |page| {
        !page.html().contains(">Beta<")
    })
    .await;

    delete.release();

    page.wait_until("Beta comes back with an error toast", |page| {
        page.html().contains(">Beta<") && !page.toasts().is_empty()
    })
    .await;
    let toast = &page.toasts()[0];
    assert_eq!(
        (toast.kind.as_str(), toast.code.as_str()),
        ("error", "not_found"),
        "{toast:?}"
    );
    assert!(
        toast.message.starts_with("Couldn’t delete the project"),
        "{toast:?}"
    );

    reads.release();

    page.wait_until("the server's list shows", |page| {
        !page.html().contains(">Beta<")
    })
    .await;
    page.wait_until_settled().await;
    assert!(page.html().contains(">Alpha<"), "{}", page.html());
    assert_eq!(optimistic_layers(&page), 0);
}

#[tokio::test]
async fn a_message_sent_on_the_page_shows_at_once_and_the_reply_arrives_live() {
    let server = spawn_server().await;
    let new = NewConversation {
        title: Some("Mixing questions".to_string()),
    };
    let conversation = server.api.create_conversation(&new).await.unwrap();
    let mut page = server.mount(&format!("/chats/{}", conversation.id));
    page.wait_for_text("No messages yet").await;
    page.wait_until_settled().await;
    let send = server.hold(&format!(
        "POST /api/conversations/{}/messages",
        conversation.id
    ));

    page.fill("Message", "Is the hum at 50 Hz or 60 Hz?");
    page.click("Send");

    page.wait_until("the message shows, being sent", |page| {
        let html = page.html();
        html.contains("Is the hum at 50 Hz or 60 Hz?") && html.contains("Sending…")
    })
    .await;
    let on_server = server.api.conversation(&conversation.id).await.unwrap();
    assert!(on_server.messages.is_empty());

    send.release();

    page.wait_until("the reply shows", |page| {
        page.html().contains(r#"data-role="assistant""#)
    })
    .await;
    page.wait_until_settled().await;
    let html = page.html();
    assert_eq!(html.matches("Is the hum at 50 Hz or 60 Hz?").count(), 1);
    assert!(!html.contains("Sending…"), "{html}");
    // With no recordings, the reply says so.
    assert!(
        html.contains("There are no recordings in Earshot yet"),
        "{html}"
    );
}

// ------------------------------------------------------------------ clicks

#[tokio::test]
async fn following_a_projects_link_opens_its_page() {
    let server = spawn_server().await;
    let project = server.create_project("Field notes").await;
    let mut page = server.mount("/projects");
    page.wait_for_text("Field notes").await;

    page.click("Field notes");

    let path = format!("/projects/{}", project.id);
    page.wait_until("the project's page opens", |page| page.path() == path)
        .await;
    page.wait_for_text("No recordings in this project").await;
}

#[tokio::test]
async fn the_refresh_button_fetches_the_page_once_more() {
    let server = spawn_server().await;
    server.create_project("Field notes").await;
    let mut page = server.mount("/projects");
    page.wait_for_text("Field notes").await;
    page.wait_until_settled().await;
    let before = page.requests().mark();

    page.click("Refresh");

    page.wait_until("a request goes out", |page| {
        !page.requests().since(before).is_empty()
    })
    .await;
    page.wait_until_settled().await;
    assert_eq!(page.requests().since(before), ["GET /api/projects"]);
}

// ------------------------------------------------------------------ helpers

async fn rename_recording(server: &TestServer, id: &str, title: &str) {
    let changes = UpdateRecording {
        title: Some(title.to_string()),
        ..Default::default()
    };
    server.api.update_recording(id, &changes).await.unwrap();
}

/// How many times a page GETs the same thing while it loads: once. The sync
/// socket's first hello does not make it load again, because every response
/// says which changes its read includes (`earshot-position`).
const LOADS_PER_TARGET: RangeInclusive<usize> = 1..=1;

/// Asserts that everything the page fetched since it was mounted was a GET
/// of one of `targets`, each [`LOADS_PER_TARGET`] times, in whatever order.
fn assert_loaded_by(page: &Page, targets: &[&str]) {
    let fetches: Vec<String> = page
        .requests_since_mount()
        .into_iter()
        .filter(|r| !r.starts_with("GET /api/ws/sync"))
        .collect();
    let expected: Vec<String> = targets.iter().map(|t| format!("GET {t}")).collect();
    let others: Vec<&String> = fetches.iter().filter(|f| !expected.contains(f)).collect();
    assert!(others.is_empty(), "unexpected {others:?} among {fetches:?}");
    for request in &expected {
        let times = fetches.iter().filter(|f| *f == request).count();
        assert!(
            LOADS_PER_TARGET.contains(&times),
            "{request} {times} times, expected {LOADS_PER_TARGET:?}, among {fetches:?}"
        );
    }
}

/// How many optimistic changes the cache still holds.
fn optimistic_layers(page: &Page) -> usize {
    page.query_client()
        .entries()
        .iter()
        .map(|entry| entry.optimistic_layers)
        .sum()
}
