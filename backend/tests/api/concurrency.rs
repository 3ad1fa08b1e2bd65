//! Many clients at once: concurrent writes wait for each other instead of
//! failing.

use futures_util::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_edits_and_searches_during_processing_all_succeed() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for name in ["tone.wav", "tone.flac", "tone.mp3", "tone.ogg"] {
        ids.push(app.upload_fixture(name).await.recording.id);
    }

    let requests = (0..20).map(|i| {
        let app = &app;
        let id = &ids[i % ids.len()];
        async move {
            if i % 2 == 0 {
                app.send_json(
                    Method::PATCH,
                    &format!("/recordings/{id}"),
                    &json!({"notes": format!("take {i}")}),
                )
                .await
            } else {
                app.send_json(Method::POST, "/search", &json!({"query": "take"}))
                    .await
            }
        }
    });
    let responses = join_all(requests).await;

    for response in responses {
        let status = response.status();
        let body = response.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}
