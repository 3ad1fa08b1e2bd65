//! Every mutation route: its effect, and the invalidation that follows it.

use earshot_shared::dto::{
    Conversation, ConversationDetail, DashboardStats, Message, Page, Project, Recording,
    RecordingDetail, RecordingStatus, Role,
};
use earshot_shared::sync::{Action, Resource};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{expect_error, expect_json, fixture, spawn_app, spawn_app_with};

#[tokio::test]
async fn project_mutations_broadcast_created_updated_deleted() {
    let app = spawn_app().await;
    let mut sync = app.connect_sync().await;

    let project = app.create_project("Interviews").await;
    assert_eq!(project.recording_count, 0);
    sync.expect(Resource::Projects, Action::Created, Some(&project.id))
        .await;

    let response = app
        .send_json(
            Method::PATCH,
            &format!("/projects/{}", project.id),
            &json!({"name": "Field interviews"}),
        )
        .await;
    let renamed: Project = expect_json(response, StatusCode::OK).await;
    assert_eq!(renamed.name, "Field interviews");
    sync.expect(Resource::Projects, Action::Updated, Some(&project.id))
        .await;

    let listed: Vec<Project> = app.get("/projects").await;
    assert_eq!(listed, vec![renamed]);

    let response = app.delete(&format!("/projects/{}", project.id)).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    sync.expect(Resource::Projects, Action::Deleted, Some(&project.id))
        .await;
    assert!(app.get::<Vec<Project>>("/projects").await.is_empty());
}

#[tokio::test]
async fn recording_mutations_broadcast_created_status_updated_deleted() {
    let app = spawn_app().await;
    let mut sync = app.connect_sync().await;
    let project = app.create_project("Demos").await;
    sync.expect(Resource::Projects, Action::Created, Some(&project.id))
        .await;

    let uploaded = app.upload_fixture("tone.wav").await;
    let id = uploaded.recording.id.clone();
    assert_eq!(uploaded.recording.title, "tone");
    sync.expect(Resource::Recordings, Action::Created, Some(&id))
        .await;
    let ready = app.processed(&mut sync, &id).await;
    assert_eq!(ready.recording.status, RecordingStatus::Ready);

    let response = app
        .send_json(
            Method::PATCH,
            &format!("/recordings/{id}"),
            &json!({"title": "Opening tone", "notes": "first take", "project_id": project.id, "transcript": "hello world"}),
        )
        .await;
    let updated: RecordingDetail = expect_json(response, StatusCode::OK).await;
    assert_eq!(updated.recording.title, "Opening tone");
    assert_eq!(updated.recording.project_name.as_deref(), Some("Demos"));
    assert_eq!(updated.notes, "first take");
    assert!(updated.recording.has_transcript);
    sync.expect_besides_progress(Resource::Recordings, Action::Updated, Some(&id))
        .await;

    let projects: Vec<Project> = app.get("/projects").await;
    assert_eq!(projects[0].recording_count, 1);

    // `null` takes it out of its project again.
    let response = app
        .send_json(
            Method::PATCH,
            &format!("/recordings/{id}"),
            &json!({"project_id": null}),
        )
        .await;
    let unassigned: RecordingDetail = expect_json(response, StatusCode::OK).await;
    assert_eq!(unassigned.recording.project_id, None);
    sync.expect_besides_progress(Resource::Recordings, Action::Updated, Some(&id))
        .await;

    let stored = app.data_dir.join(format!("recordings/{id}.wav"));
    assert!(stored.exists());
    let response = app.delete(&format!("/recordings/{id}")).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    sync.expect_besides_progress(Resource::Recordings, Action::Deleted, Some(&id))
        .await;
    assert!(!stored.exists(), "deleting a recording deletes its file");
    let response = app
        .http
        .get(app.url(&format!("/recordings/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn import_by_path_broadcasts_created_and_brings_the_transcript_along() {
    let app = spawn_app().await;
    let mut sync = app.connect_sync().await;
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("standup.wav");
    std::fs::copy(fixture("tone.wav"), &source).unwrap();
    std::fs::write(dir.path().join("standup.txt"), "we shipped the release").unwrap();

    let response = app.import(&source).await;
    let imported: RecordingDetail = expect_json(response, StatusCode::CREATED).await;
    assert_eq!(imported.recording.title, "standup");
    assert_eq!(imported.transcript, "we shipped the release");
    sync.expect(
        Resource::Recordings,
        Action::Created,
        Some(&imported.recording.id),
    )
    .await;
    assert!(source.exists(), "the user's own file is copied, not moved");
}

#[tokio::test]
async fn an_oversized_transcript_beside_an_imported_file_is_left_out() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("lecture.wav");
    std::fs::copy(fixture("tone.wav"), &source).unwrap();
    // Larger than any transcript that fits (2,000,000 characters of at most
    // 4 bytes), without writing it: a sparse file.
    let sidecar = std::fs::File::create(dir.path().join("lecture.txt")).unwrap();
    sidecar.set_len(8_000_001).unwrap();

    let response = app.import(&source).await;

    let imported: RecordingDetail = expect_json(response, StatusCode::CREATED).await;
    assert_eq!(imported.transcript, "");
}

#[tokio::test]
async fn a_stored_file_without_a_recording_is_removed_at_the_next_start() {
    let app = spawn_app().await;
    let kept = app.upload_fixture("tone.wav").await.recording.id;
    let kept_file = app.data_dir.join(format!("recordings/{kept}.wav"));
    // What a crash between storing a file and committing its row leaves,
    // two hours ago; and the file of an upload another replica sharing the
    // folder is about to commit, just now.
    let made = |ago: std::time::Duration| {
        let when = std::time::SystemTime::now() - ago;
        let since = when.duration_since(std::time::UNIX_EPOCH).unwrap();
        let timestamp =
            uuid::Timestamp::from_unix(uuid::NoContext, since.as_secs(), since.subsec_nanos());
        let path = app
            .data_dir
            .join(format!("recordings/{}.wav", uuid::Uuid::new_v7(timestamp)));
        std::fs::copy(fixture("tone.wav"), &path).unwrap();
        path
    };
    let stray = made(std::time::Duration::from_secs(2 * 60 * 60));
    let fresh = made(std::time::Duration::ZERO);

    let again = app.stop().await.start(|_| {}).await;

    assert!(!stray.exists(), "the stray file is gone");
    assert!(fresh.exists(), "a file made just now may yet get its row");
    assert!(kept_file.exists(), "a recording's file stays");
    let recording: RecordingDetail = again.get(&format!("/recordings/{kept}")).await;
    assert_eq!(recording.recording.id, kept);
}

#[tokio::test]
async fn a_maximal_transcript_fits_even_with_every_character_escaped() {
    let app = spawn_app().await;
    let id = app.upload_fixture("tone.wav").await.recording.id;
    // 2,000,000 characters of 3-byte UTF-8, each sent as a `\u` escape.
    let body = format!(r#"{{"transcript": "{}"}}"#, "\\u20ac".repeat(2_000_000));

    let response = app
        .http
        .patch(app.url(&format!("/recordings/{id}")))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();

    let updated: RecordingDetail = expect_json(response, StatusCode::OK).await;
    assert_eq!(updated.transcript.chars().count(), 2_000_000);
    assert!(updated.transcript.chars().all(|c| c == '€'));
}

#[tokio::test]
async fn the_text_filter_matches_accented_titles_as_far_as_the_database_folds_case() {
    let app = spawn_app().await;
    let id = app.upload_fixture("tone.wav").await.recording.id;
    let response = app
        .send_json(
            Method::PATCH,
            &format!("/recordings/{id}"),
            &json!({"title": "Émile"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    let exact: Page<Recording> = app.get("/recordings?text=%C3%89mile").await;
    let folded: Page<Recording> = app.get("/recordings?text=%C3%A9mile").await;
    let ascii_folded: Page<Recording> = app.get("/recordings?text=%C3%89MILE").await;

    assert_eq!(exact.total, 1, "the exact case always matches");
    assert_eq!(ascii_folded.total, 1, "ASCII letters fold everywhere");
    // SQLite's lower() leaves `É` alone; PostgreSQL's folds it.
    let unicode_folding = crate::helpers::on_postgres();
    assert_eq!(folded.total, u64::from(unicode_folding));
}

#[tokio::test]
async fn a_data_dir_whose_name_holds_url_characters_works() {
    if crate::helpers::on_postgres() {
        return; // about the default SQLite database
    }
    let app = spawn_app_with(|config| {
        config.data_dir = config.data_dir.join("100%41 sure? #1");
    })
    .await;
    let data_dir = app.state.config.data_dir.clone();

    app.create_project("Works").await;

    assert!(data_dir.join("earshot.db").exists());
    let again = app.stop().await.start(|config| {
        config.data_dir = config.data_dir.join("100%41 sure? #1");
    });
    let projects: Vec<Project> = again.await.get("/projects").await;
    assert_eq!(projects.len(), 1, "the same database again");
}

#[tokio::test]
async fn deleting_a_project_keeps_its_recordings_unassigned() {
    let app = spawn_app().await;
    let mut sync = app.connect_sync().await;
    let project = app.create_project("Temporary").await;
    let uploaded = app.upload_fixture("tone.wav").await;
    let id = uploaded.recording.id;
    app.processed(&mut sync, &id).await;
    let response = app
        .send_json(
            Method::PATCH,
            &format!("/recordings/{id}"),
            &json!({"project_id": project.id}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    app.delete(&format!("/projects/{}", project.id)).await;
    let recording: RecordingDetail = app.get(&format!("/recordings/{id}")).await;
    assert_eq!(recording.recording.project_id, None);
}

#[tokio::test]
async fn conversation_mutations_broadcast_created_updated_message_reply_deleted() {
    let app = spawn_app().await;
    let mut sync = app.connect_sync().await;

    let response = app
        .send_json(Method::POST, "/conversations", &json!({}))
        .await;
    let conversation: Conversation = expect_json(response, StatusCode::CREATED).await;
    assert_eq!(conversation.title, "New conversation");
    let id = conversation.id.clone();
    sync.expect(Resource::Conversations, Action::Created, Some(&id))
        .await;

    let response = app
        .send_json(
            Method::PATCH,
            &format!("/conversations/{id}"),
            &json!({"title": "Budget questions"}),
        )
        .await;
    let renamed: Conversation = expect_json(response, StatusCode::OK).await;
    assert_eq!(renamed.title, "Budget questions");
    sync.expect(Resource::Conversations, Action::Updated, Some(&id))
        .await;

    let response = app
        .send_json(
            Method::POST,
            &format!("/conversations/{id}/messages"),
            &json!({"content": "What did we decide?"}),
        )
        .await;
    let message: Message = expect_json(response, StatusCode::CREATED).await;
    assert_eq!(message.role, Role::User);
    sync.expect(Resource::Conversations, Action::MessageCreated, Some(&id))
        .await;
    // The assistant's reply follows.
    sync.expect(Resource::Conversations, Action::MessageCreated, Some(&id))
        .await;

    let detail: ConversationDetail = app.get(&format!("/conversations/{id}")).await;
    assert_eq!(detail.messages.len(), 2);
    assert_eq!(detail.messages[0], message);
    assert_eq!(detail.messages[1].role, Role::Assistant);
    assert_eq!(detail.conversation.message_count, 2);
    let listed: Vec<Conversation> = app.get("/conversations").await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].message_count, 2);

    let response = app.delete(&format!("/conversations/{id}")).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    sync.expect(Resource::Conversations, Action::Deleted, Some(&id))
        .await;
    assert!(
        app.get::<Vec<Conversation>>("/conversations")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn recordings_list_filters_sorts_and_pages() {
    let app = spawn_app().await;
    let mut sync = app.connect_sync().await;
    let project = app.create_project("Music").await;
    let mut ids = Vec::new();
    for name in ["tone.wav", "tone.flac", "not-audio.wav"] {
        let uploaded = app.upload_fixture(name).await;
        ids.push(uploaded.recording.id.clone());
        app.processed(&mut sync, &uploaded.recording.id).await;
    }
    let response = app
        .send_json(
            Method::PATCH,
            &format!("/recordings/{}", ids[1]),
            &json!({"project_id": project.id, "notes": "Lead Guitar"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    let all: Page<Recording> = app.get("/recordings").await;
    assert_eq!(all.total, 3);
    assert_eq!(all.items[0].id, ids[2], "newest first by default");

    let oldest: Page<Recording> = app.get("/recordings?sort=oldest&per_page=2").await;
    assert_eq!((oldest.total, oldest.items.len()), (3, 2));
    assert_eq!(oldest.items[0].id, ids[0]);
    let second: Page<Recording> = app.get("/recordings?sort=oldest&per_page=2&page=2").await;
    assert_eq!(
        second.items.iter().map(|r| &r.id).collect::<Vec<_>>(),
        vec![&ids[2]]
    );
    assert_eq!(second.page_count(), 2);

    let failed: Page<Recording> = app.get("/recordings?status=failed").await;
    assert_eq!(
        failed.items.iter().map(|r| &r.id).collect::<Vec<_>>(),
        vec![&ids[2]]
    );

    let in_project: Page<Recording> = app
        .get(&format!("/recordings?project={}", project.id))
        .await;
    assert_eq!(
        in_project.items.iter().map(|r| &r.id).collect::<Vec<_>>(),
        vec![&ids[1]]
    );
    assert_eq!(in_project.items[0].project_name.as_deref(), Some("Music"));
    let unassigned: Page<Recording> = app.get("/recordings?project=none").await;
    assert_eq!(unassigned.total, 2);

    let by_notes: Page<Recording> = app.get("/recordings?text=guitar").await;
    assert_eq!(
        by_notes.items.iter().map(|r| &r.id).collect::<Vec<_>>(),
        vec![&ids[1]]
    );
    let literal_percent: Page<Recording> = app.get("/recordings?text=%25").await;
    assert_eq!(literal_percent.total, 0, "% is matched literally");
}

#[tokio::test]
async fn dashboard_counts_what_exists() {
    let app = spawn_app().await;
    let mut sync = app.connect_sync().await;
    app.create_project("One").await;
    app.send_json(Method::POST, "/conversations", &json!({"title": "Chat"}))
        .await;
    for name in ["tone.wav", "not-audio.wav"] {
        let uploaded = app.upload_fixture(name).await;
        app.processed(&mut sync, &uploaded.recording.id).await;
    }

    let stats: DashboardStats = app.get("/dashboard/stats").await;
    assert_eq!(stats.by_status.ready, 1);
    assert_eq!(stats.by_status.failed, 1);
    assert_eq!(stats.by_status.total(), 2);
    assert_eq!(stats.project_count, 1);
    assert_eq!(stats.conversation_count, 1);
    assert_eq!(stats.recent.len(), 2);
    assert_eq!(stats.per_day.len(), 14);
    // Each recording counts on the day it was created, whatever the day is
    // now (the test may run across midnight).
    for recording in &stats.recent {
        let day = recording.created_at.date_naive();
        let created_that_day = stats
            .recent
            .iter()
            .filter(|r| r.created_at.date_naive() == day)
            .count() as u64;
        let counted = stats.per_day.iter().find(|d| d.date == day);
        assert_eq!(counted.map(|d| d.count), Some(created_that_day), "{day}");
    }
    assert_eq!(stats.per_day.iter().map(|d| d.count).sum::<u64>(), 2);
    let last = stats.per_day.last().unwrap().date;
    assert!(
        stats
            .recent
            .iter()
            .all(|r| r.created_at.date_naive() <= last)
    );
    assert!(last <= chrono::Utc::now().date_naive(), "today is last");
    let ready: RecordingDetail = app
        .get(&format!("/recordings/{}", stats.recent[1].id))
        .await;
    assert_eq!(
        stats.total_duration_ms,
        ready.recording.duration_ms.unwrap()
    );
}

#[tokio::test]
async fn sqlite_runs_in_wal_mode_with_foreign_keys_on() {
    use sea_orm::{ConnectionTrait, Statement};
    if crate::helpers::on_postgres() {
        return; // a SQLite property
    }
    let app = spawn_app().await;
    let backend = app.state.db.get_database_backend();
    let mode = app
        .state
        .db
        .query_one_raw(Statement::from_string(backend, "PRAGMA journal_mode"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mode.try_get_by_index::<String>(0).unwrap(), "wal");
    let keys = app
        .state
        .db
        .query_one_raw(Statement::from_string(backend, "PRAGMA foreign_keys"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(keys.try_get_by_index::<i32>(0).unwrap(), 1);
    assert!(app.data_dir.join("earshot.db").exists());
}

/// Walking a list with `after` gives every row once, in the same order as
/// one big page, for every order — ties and unmeasured recordings included.
#[tokio::test]
async fn a_cursor_walks_every_order_exactly_like_the_pages() {
    let app = spawn_app().await;
    let mut sync = app.connect_sync().await;
    let tone = std::fs::read(fixture("tone.wav")).unwrap();
    let broken = std::fs::read(fixture("not-audio.wav")).unwrap();
    let mut ids = Vec::new();
    for (title, bytes) in [
        ("b", &tone),
        ("a", &tone),
        ("c", &broken),
        ("a", &tone),
        ("d", &broken),
        ("e", &tone),
    ] {
        let recording = app
            .upload_with("file.wav", bytes.clone(), &[("title", title)])
            .await;
        ids.push(recording.recording.id);
    }
    for id in &ids {
        app.processed(&mut sync, id).await;
    }

    for sort in ["newest", "oldest", "title", "duration"] {
        let whole: Page<Recording> = app
            .get(&format!("/recordings?sort={sort}&per_page=200"))
            .await;
        assert_eq!(whole.items.len(), 6);
        assert_eq!(whole.next, None);
        let mut walked = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut request = app
                .http
                .get(app.url("/recordings"))
                .query(&[("sort", sort), ("per_page", "2")]);
            if let Some(after) = &after {
                request = request.query(&[("after", after)]);
            }
            let page: Page<Recording> =
                expect_json(request.send().await.unwrap(), StatusCode::OK).await;
            assert_eq!(page.total, 6);
            walked.extend(page.items.iter().map(|r| r.id.clone()));
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        let expected: Vec<String> = whole.items.iter().map(|r| r.id.clone()).collect();
        assert_eq!(walked, expected, "sort={sort}");
    }
    let durations: Page<Recording> = app.get("/recordings?sort=duration&per_page=200").await;
    assert!(
        durations.items[4].duration_ms.is_none() && durations.items[5].duration_ms.is_none(),
        "unmeasured recordings come last"
    );

    // A blank cursor is none, as in the query key.
    for blank in ["", " "] {
        let first: Page<Recording> = expect_json(
            app.http
                .get(app.url("/recordings"))
                .query(&[("sort", "title"), ("per_page", "2"), ("after", blank)])
                .send()
                .await
                .unwrap(),
            StatusCode::OK,
        )
        .await;
        assert_eq!(first.items.len(), 2);
    }

    let wrong = app
        .http
        .get(app.url("/recordings"))
        .query(&[
            ("sort", "title"),
            ("after", "newest.x.2026-01-01T00:00:00Z"),
        ])
        .send()
        .await
        .unwrap();
    expect_error(wrong, StatusCode::BAD_REQUEST, "invalid_query").await;
}
