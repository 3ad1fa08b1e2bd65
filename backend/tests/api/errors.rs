//! Bad input: a clear 4xx with `{code, message}`, and nothing written.

use earshot_shared::dto::{Page, Recording};
use reqwest::{Method, StatusCode};
use sea_orm::TransactionTrait;
use serde_json::json;

use crate::helpers::{expect_error, fixture, spawn_app, spawn_app_with};

#[tokio::test]
async fn unknown_ids_are_404_for_every_resource() {
    let app = spawn_app().await;
    for path in ["/recordings/nope", "/projects/nope", "/conversations/nope"] {
        let response = app.http.get(app.url(path)).send().await.unwrap();
        expect_error(response, StatusCode::NOT_FOUND, "not_found").await;
        expect_error(app.delete(path).await, StatusCode::NOT_FOUND, "not_found").await;
    }
    let response = app
        .http
        .get(app.url("/no-such-route"))
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn malformed_bodies_are_400() {
    let app = spawn_app().await;
    let not_json = app
        .http
        .post(app.url("/projects"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    expect_error(not_json, StatusCode::BAD_REQUEST, "invalid_body").await;

    let no_content_type = app
        .http
        .post(app.url("/projects"))
        .body("{}")
        .send()
        .await
        .unwrap();
    expect_error(no_content_type, StatusCode::BAD_REQUEST, "invalid_body").await;

    let unknown_field = app
        .send_json(
            Method::POST,
            "/projects",
            &json!({"name": "a", "colour": "red"}),
        )
        .await;
    expect_error(unknown_field, StatusCode::BAD_REQUEST, "invalid_body").await;

    let wrong_type = app
        .send_json(Method::POST, "/projects", &json!({"name": 5}))
        .await;
    expect_error(wrong_type, StatusCode::BAD_REQUEST, "invalid_body").await;

    let too_long = app
        .send_json(Method::POST, "/projects", &json!({"name": "x".repeat(101)}))
        .await;
    expect_error(too_long, StatusCode::BAD_REQUEST, "invalid_field").await;

    let empty_message = app
        .send_json(Method::POST, "/conversations", &json!({}))
        .await;
    let conversation: earshot_shared::dto::Conversation =
        crate::helpers::expect_json(empty_message, StatusCode::CREATED).await;
    let response = app
        .send_json(
            Method::POST,
            &format!("/conversations/{}/messages", conversation.id),
            &json!({"content": ""}),
        )
        .await;
    expect_error(response, StatusCode::BAD_REQUEST, "invalid_field").await;
}

#[tokio::test]
async fn duplicate_project_names_are_409() {
    let app = spawn_app().await;
    app.create_project("Same").await;
    let response = app
        .send_json(Method::POST, "/projects", &json!({"name": "Same"}))
        .await;
    expect_error(response, StatusCode::CONFLICT, "conflict").await;
    assert_eq!(
        app.get::<Vec<earshot_shared::dto::Project>>("/projects")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn bad_filters_are_400() {
    let app = spawn_app().await;
    for query in [
        "status=done",
        "page=0",
        "per_page=0",
        "per_page=1000",
        "sort=random",
        "page=x",
        "colour=red",
    ] {
        let response = app
            .http
            .get(app.url(&format!("/recordings?{query}")))
            .send()
            .await
            .unwrap();
        expect_error(response, StatusCode::BAD_REQUEST, "invalid_query").await;
    }
}

#[tokio::test]
async fn moving_a_recording_to_an_unknown_project_is_400_and_changes_nothing() {
    let app = spawn_app().await;
    let uploaded = app.upload_fixture("tone.wav").await;
    let id = uploaded.recording.id;
    let response = app
        .send_json(
            Method::PATCH,
            &format!("/recordings/{id}"),
            &json!({"title": "Renamed", "project_id": "nope"}),
        )
        .await;
    expect_error(response, StatusCode::BAD_REQUEST, "unknown_project").await;
    let after: earshot_shared::dto::RecordingDetail = app.get(&format!("/recordings/{id}")).await;
    assert_eq!(after.recording.title, "tone", "no partial write");
}

#[tokio::test]
async fn non_audio_uploads_are_415_and_leave_nothing_behind() {
    let app = spawn_app().await;
    let response = app
        .upload("notes.txt", std::fs::read(fixture("notes.txt")).unwrap())
        .await;
    expect_error(response, StatusCode::UNSUPPORTED_MEDIA_TYPE, "not_audio").await;
    let png = app
        .upload("picture.wav", b"\x89PNG\r\n\x1a\n0000".to_vec())
        .await;
    expect_error(png, StatusCode::UNSUPPORTED_MEDIA_TYPE, "not_audio").await;
    let empty = app.upload("empty.wav", Vec::new()).await;
    expect_error(empty, StatusCode::BAD_REQUEST, "invalid_upload").await;
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn oversized_uploads_are_413_and_leave_nothing_behind() {
    let app = spawn_app_with(|config| config.max_upload_bytes = 1024).await;
    let bytes = std::fs::read(fixture("tone.wav")).unwrap();
    assert!(bytes.len() > 1024);
    let response = app.upload("tone.wav", bytes).await;
    expect_error(response, StatusCode::PAYLOAD_TOO_LARGE, "too_large").await;
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn uploads_without_a_file_or_with_unknown_fields_are_400() {
    let app = spawn_app().await;
    let form = reqwest::multipart::Form::new().text("title", "no file");
    let response = app
        .http
        .post(app.url("/recordings"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::BAD_REQUEST, "invalid_upload").await;
    let form = reqwest::multipart::Form::new().text("colour", "red");
    let response = app
        .http
        .post(app.url("/recordings"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::BAD_REQUEST, "invalid_upload").await;
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn import_by_path_checks_the_path_and_the_setting() {
    let app = spawn_app().await;
    let relative = app
        .send_json(
            Method::POST,
            "/recordings/import",
            &json!({"path": "tone.wav"}),
        )
        .await;
    expect_error(relative, StatusCode::BAD_REQUEST, "invalid_path").await;
    let missing = app
        .import(std::path::Path::new("/definitely/not/here.wav"))
        .await;
    expect_error(missing, StatusCode::BAD_REQUEST, "invalid_path").await;
    let text = app.import(&fixture("notes.txt")).await;
    expect_error(text, StatusCode::UNSUPPORTED_MEDIA_TYPE, "not_audio").await;
    assert_nothing_stored(&app).await;

    let server = spawn_app_with(|config| config.allow_path_import = false).await;
    let refused = server.import(&fixture("tone.wav")).await;
    expect_error(refused, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn a_form_route_given_json_is_400_json() {
    let app = spawn_app().await;
    let response = app
        .send_json(Method::POST, "/recordings", &json!({"title": "no form"}))
        .await;
    expect_error(response, StatusCode::BAD_REQUEST, "invalid_upload").await;
}

#[tokio::test]
async fn a_plain_request_to_the_sync_socket_is_400_json() {
    let app = spawn_app().await;
    let response = app.http.get(app.url("/ws/sync")).send().await.unwrap();
    expect_error(response, StatusCode::BAD_REQUEST, "not_websocket").await;
}

#[tokio::test]
async fn a_method_a_route_does_not_take_is_405_json() {
    let app = spawn_app().await;
    let response = app.delete("/health").await;
    let allow = response.headers().get("allow").cloned();
    expect_error(
        response,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;
    assert_eq!(allow.unwrap(), "GET,HEAD");
}

#[tokio::test]
async fn json_bodies_over_the_limit_are_413_json() {
    let app = spawn_app().await;
    let body = format!(r#"{{"name": "{}"}}"#, "x".repeat(16 * 1024 * 1024));
    let response = app
        .http
        .post(app.url("/projects"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::PAYLOAD_TOO_LARGE, "too_large").await;
}

#[tokio::test]
async fn a_write_that_refers_to_a_missing_row_is_400_invalid_reference() {
    use axum::response::IntoResponse;
    use earshot_backend::db::entities::message;
    use earshot_backend::error::ApiError;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};

    let app = spawn_app().await;
    let err = message::ActiveModel {
        id: Set("m1".to_string()),
        conversation_id: Set("no-such-conversation".to_string()),
        role: Set("user".to_string()),
        content: Set("hello".to_string()),
        created_at: Set(chrono::Utc::now()),
    }
    .insert(&app.state.db)
    .await
    .expect_err("the foreign key holds");

    let response = ApiError::from(err).into_response();

    assert_eq!(response.status(), StatusCode::BAD_REQUEST.as_u16());
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let body: earshot_shared::dto::ErrorBody = serde_json::from_slice(&body).unwrap();
    assert_eq!(body.code, "invalid_reference");
}

#[tokio::test]
async fn non_audio_uploads_are_refused_by_their_first_bytes() {
    let app = spawn_app_with(|config| config.max_upload_bytes = 1024).await;
    // Over the size limit too: what gives it away is its head, long before
    // its size.
    let text = "Minutes of the meeting. ".repeat(200).into_bytes();
    let response = app.upload("minutes.wav", text).await;
    expect_error(response, StatusCode::UNSUPPORTED_MEDIA_TYPE, "not_audio").await;
    assert_nothing_stored(&app).await;
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_file_that_cannot_be_read_is_400_invalid_path() {
    let app = spawn_app().await;
    // A regular file that even root cannot read from its start: the first
    // page of the process's own memory is never mapped.
    let response = app.import(std::path::Path::new("/proc/self/mem")).await;
    expect_error(response, StatusCode::BAD_REQUEST, "invalid_path").await;
    assert_nothing_stored(&app).await;
}

async fn assert_nothing_stored(app: &crate::helpers::TestApp) {
    let page: Page<Recording> = app.get("/recordings").await;
    assert_eq!(page.total, 0);
    let files: Vec<_> = walk(&app.data_dir.join("recordings"));
    assert!(files.is_empty(), "left behind: {files:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[tokio::test]
async fn a_server_out_of_database_connections_answers_503_with_retry_after() {
    let app = spawn_app_with(|config| {
        config.pool = earshot_backend::db::Pool {
            size: 2,
            acquire_timeout: std::time::Duration::from_millis(200),
        };
    })
    .await;
    // Every connection of the pool taken, as by long requests (on
    // PostgreSQL the relay may hold one already).
    let mut held = Vec::new();
    while let Ok(transaction) = app.state.db.begin().await {
        held.push(transaction);
    }
    assert!(!held.is_empty());

    let busy = app.http.get(app.url("/projects")).send().await.unwrap();
    assert_eq!(busy.headers()["retry-after"], "1");
    expect_error(busy, StatusCode::SERVICE_UNAVAILABLE, "busy").await;
    let write = app
        .send_json(Method::POST, "/projects", &json!({"name": "Later"}))
        .await;
    assert_eq!(write.status(), StatusCode::SERVICE_UNAVAILABLE);

    drop(held);
    let projects: Vec<earshot_shared::dto::Project> = app.get("/projects").await;
    assert!(projects.is_empty(), "the refused write left nothing");
}

/// PostgreSQL cannot store NUL in text; SQLite could, but would cut the
/// text there when read back. Either way it is the request's fault.
#[tokio::test]
async fn a_nul_character_is_400_not_a_busy_server_or_a_500() {
    let app = spawn_app().await;
    let response = app
        .send_json(Method::POST, "/projects", &json!({"name": "x\u{0}y"}))
        .await;
    expect_error(response, StatusCode::BAD_REQUEST, "invalid_field").await;

    let postgres = crate::helpers::on_postgres();
    for (path, on_sqlite) in [
        ("/recordings/a%00b", StatusCode::NOT_FOUND),
        ("/recordings?text=a%00", StatusCode::OK),
    ] {
        let response = app.http.get(app.url(path)).send().await.unwrap();
        let want = if postgres {
            StatusCode::BAD_REQUEST
        } else {
            on_sqlite
        };
        assert_eq!(response.status(), want, "{path}");
    }
}
