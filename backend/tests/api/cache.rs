//! The result cache seen from outside: ETags, 304s, positions, and answers
//! that never outlive the change that stales them.

use earshot_shared::dto::{DashboardStats, Page, Project, Recording, RecordingDetail};
use earshot_shared::sync::{Action, POSITION_HEADER, Resource};
use reqwest::header::{ETAG, IF_NONE_MATCH};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{expect_json, spawn_app};

#[tokio::test]
async fn an_unchanged_answer_is_a_304_with_its_position_and_a_change_makes_it_a_200() {
    let app = spawn_app().await;
    app.create_project("Alpha").await;
    let first = app.http.get(app.url("/projects")).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let tag = first.headers()[ETAG].clone();
    assert!(tag.to_str().unwrap().starts_with('"'), "a strong tag");

    let again = app
        .http
        .get(app.url("/projects"))
        .header(IF_NONE_MATCH, tag.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()[ETAG], tag);
    let position = again.headers()[POSITION_HEADER]
        .to_str()
        .unwrap()
        .to_string();
    assert!(position.ends_with(":1"), "after the one change: {position}");
    assert!(again.bytes().await.unwrap().is_empty());

    app.create_project("Beta").await;
    let changed = app
        .http
        .get(app.url("/projects"))
        .header(IF_NONE_MATCH, tag.clone())
        .send()
        .await
        .unwrap();
    assert_ne!(changed.headers()[ETAG], tag);
    let projects: Vec<Project> = expect_json(changed, StatusCode::OK).await;
    assert_eq!(projects.len(), 2);
}

#[tokio::test]
async fn every_read_after_a_write_shows_it_however_often_it_was_read_before() {
    let app = spawn_app().await;
    let project = app.create_project("Interviews").await;
    let id = app.upload_fixture("tone.wav").await.recording.id;
    let move_it = json!({"title": "Renamed", "project_id": project.id});
    let read_all = || async {
        let list: Page<Recording> = app.get("/recordings").await;
        let detail: RecordingDetail = app.get(&format!("/recordings/{id}")).await;
        let stats: DashboardStats = app.get("/dashboard/stats").await;
        let projects: Vec<Project> = app.get("/projects").await;
        (list, detail, stats, projects)
    };
    // Twice, so that the second answers come from the cache.
    read_all().await;
    let (list, _, _, projects) = read_all().await;
    assert_eq!(list.items[0].title, "tone");
    assert_eq!(projects[0].recording_count, 0);

    let response = app
        .send_json(Method::PATCH, &format!("/recordings/{id}"), &move_it)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let (list, detail, stats, projects) = read_all().await;
    assert_eq!(list.items[0].title, "Renamed");
    assert_eq!(list.items[0].project_name.as_deref(), Some("Interviews"));
    assert_eq!(detail.recording.title, "Renamed");
    assert_eq!(stats.recent[0].title, "Renamed");
    assert_eq!(projects[0].recording_count, 1);

    let rename = json!({"name": "Talks"});
    let response = app
        .send_json(Method::PATCH, &format!("/projects/{}", project.id), &rename)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let (list, detail, stats, _) = read_all().await;
    assert_eq!(list.items[0].project_name.as_deref(), Some("Talks"));
    assert_eq!(detail.recording.project_name.as_deref(), Some("Talks"));
    assert_eq!(stats.recent[0].project_name.as_deref(), Some("Talks"));

    let response = app.delete(&format!("/recordings/{id}")).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let list: Page<Recording> = app.get("/recordings").await;
    assert_eq!(list.total, 0);
    let gone = app
        .http
        .get(app.url(&format!("/recordings/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}

/// Replicas share PostgreSQL; a change made through one drops the answers
/// the other keeps, once its relay has heard of it.
#[tokio::test]
async fn a_change_through_another_replica_drops_this_ones_answers() {
    let app = spawn_app().await;
    if !crate::helpers::on_postgres() {
        return;
    }
    let other = app.replica().await;
    let mut sync = app.connect_sync().await;
    let before: Vec<Project> = app.get("/projects").await;
    assert!(before.is_empty());

    let created = other.create_project("Elsewhere").await;
    sync.expect(Resource::Projects, Action::Created, Some(&created.id))
        .await;
    let after: Vec<Project> = app.get("/projects").await;
    assert_eq!(after.len(), 1, "the relayed change dropped the kept answer");
    other.stop().await;
}
