//! Full-text search and its history.

use earshot_shared::dto::{SearchField, SearchHistoryEntry, SearchResponse};
use earshot_shared::sync::{Action, Resource};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{expect_error, expect_json, spawn_app};

#[tokio::test]
async fn search_ranks_and_highlights_and_is_saved_to_history() {
    let app = spawn_app().await;
    let mut sync = app.connect_sync().await;
    let budget = app.upload_fixture("tone.wav").await.recording.id;
    let other = app.upload_fixture("tone.flac").await.recording.id;
    for (id, body) in [
        (
            &budget,
            json!({"title": "Budget meeting", "transcript": "We agreed the budget for the spring tour."}),
        ),
        (
            &other,
            json!({"title": "Rehearsal", "notes": "Talked about the tour bus, not money."}),
        ),
    ] {
        let response = app
            .send_json(Method::PATCH, &format!("/recordings/{id}"), &body)
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let response = app
        .send_json(Method::POST, "/search", &json!({"query": "budget"}))
        .await;
    let found: SearchResponse = expect_json(response, StatusCode::OK).await;
    assert_eq!(found.results.len(), 1);
    let hit = &found.results[0];
    assert_eq!(hit.recording_id, budget);
    assert_eq!(hit.field, SearchField::Transcript);
    assert!(
        hit.snippet
            .iter()
            .any(|p| p.hit && p.text.eq_ignore_ascii_case("budget"))
    );
    let created = sync
        .next_invalidate_where(|inv| inv.resource == Resource::SearchHistory)
        .await;
    assert_eq!(created.action, Action::Created);

    // Every word must match; the last one as a prefix.
    let response = app
        .send_json(Method::POST, "/search", &json!({"query": "tou"}))
        .await;
    let tour: SearchResponse = expect_json(response, StatusCode::OK).await;
    assert_eq!(tour.results.len(), 2);
    let response = app
        .send_json(Method::POST, "/search", &json!({"query": "tour money"}))
        .await;
    let both: SearchResponse = expect_json(response, StatusCode::OK).await;
    assert_eq!(
        both.results
            .iter()
            .map(|r| &r.recording_id)
            .collect::<Vec<_>>(),
        vec![&other]
    );

    // FTS syntax in user text is just words.
    let response = app
        .send_json(Method::POST, "/search", &json!({"query": "budget OR \"(*"}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    let history: Vec<SearchHistoryEntry> = app.get("/search/history").await;
    assert_eq!(history.len(), 4);
    assert_eq!(history[3].query, "budget");
    assert_eq!(history[3].result_count, 1);
    assert_eq!(history[2].query, "tou");
}

#[tokio::test]
async fn a_deleted_recording_leaves_the_index() {
    let app = spawn_app().await;
    let id = app.upload_fixture("tone.wav").await.recording.id;
    let response = app
        .send_json(
            Method::PATCH,
            &format!("/recordings/{id}"),
            &json!({"notes": "xylophone"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = app
        .send_json(Method::POST, "/search", &json!({"query": "xylophone"}))
        .await;
    let before: SearchResponse = expect_json(response, StatusCode::OK).await;
    assert_eq!(before.results.len(), 1, "indexed first");

    let response = app.delete(&format!("/recordings/{id}")).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    let response = app
        .send_json(Method::POST, "/search", &json!({"query": "xylophone"}))
        .await;
    let found: SearchResponse = expect_json(response, StatusCode::OK).await;
    assert!(found.results.is_empty());
    if !crate::helpers::on_postgres() {
        use sea_orm::{ConnectionTrait, Statement};
        let backend = app.state.db.get_database_backend();
        let rows = app
            .state
            .db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                // The index itself answers MATCH, whether or not the
                // recordings table still holds the row.
                "SELECT rowid FROM recordings_fts WHERE recordings_fts MATCH $1",
                ["xylophone".into()],
            ))
            .await
            .unwrap();
        assert!(rows.is_empty(), "no index row is left for {id}");
    }
}

#[tokio::test]
async fn history_entries_can_be_deleted_one_by_one_or_all_at_once() {
    let app = spawn_app().await;
    for query in ["one", "two", "three"] {
        app.send_json(Method::POST, "/search", &json!({"query": query}))
            .await;
    }
    let mut sync = app.connect_sync().await;
    let history: Vec<SearchHistoryEntry> = app.get("/search/history").await;
    let response = app
        .delete(&format!("/search/history/{}", history[0].id))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    sync.expect(
        Resource::SearchHistory,
        Action::Deleted,
        Some(&history[0].id),
    )
    .await;
    assert_eq!(
        app.get::<Vec<SearchHistoryEntry>>("/search/history")
            .await
            .len(),
        2
    );

    let response = app.delete("/search/history").await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    sync.expect(Resource::SearchHistory, Action::Deleted, None)
        .await;
    assert!(
        app.get::<Vec<SearchHistoryEntry>>("/search/history")
            .await
            .is_empty()
    );

    let again = app
        .delete(&format!("/search/history/{}", history[1].id))
        .await;
    expect_error(again, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn empty_or_overlong_queries_are_400() {
    let app = spawn_app().await;
    for body in [
        json!({"query": ""}),
        json!({"query": "  ()* "}),
        json!({"query": "x".repeat(501)}),
        json!({"query": "a", "limit": 0}),
        json!({"query": "a", "limit": 1000}),
    ] {
        let response = app.send_json(Method::POST, "/search", &body).await;
        expect_error(response, StatusCode::BAD_REQUEST, "invalid_query").await;
    }
    assert!(
        app.get::<Vec<SearchHistoryEntry>>("/search/history")
            .await
            .is_empty()
    );
}
