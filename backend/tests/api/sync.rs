//! The sync protocol: hello, numbering, resume, resync, heartbeats, and
//! silence about writes that did not happen.

use earshot_shared::sync::{
    Action, ClientMessage, POSITION_HEADER, Position, Resource, ResyncReason, ServerMessage,
};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with};

#[tokio::test]
async fn hello_carries_the_epoch_and_the_latest_seq() {
    let app = spawn_app().await;
    app.create_project("a").await;
    app.create_project("b").await;
    let sync = app.connect_sync().await;
    assert_eq!(sync.epoch, app.state.hub.epoch());
    assert_eq!(sync.seq, 2);
}

#[tokio::test]
async fn every_response_says_which_changes_its_read_includes() {
    let app = spawn_app().await;
    let position_of = async |response: reqwest::Response| -> Position {
        let header = response.headers().get(POSITION_HEADER).expect("a position");
        header.to_str().unwrap().parse().unwrap()
    };

    let before = position_of(app.http.get(app.url("/projects")).send().await.unwrap()).await;
    app.create_project("a").await;
    let after = position_of(app.http.get(app.url("/projects")).send().await.unwrap()).await;
    let missing = position_of(
        app.http
            .get(app.url("/projects/nope"))
            .send()
            .await
            .unwrap(),
    )
    .await;

    assert_eq!(before.epoch, app.state.hub.epoch());
    assert_eq!((before.seq, after.seq), (0, 1));
    assert_eq!(missing, after, "errors are reads too");
    let sync = app.connect_sync().await;
    assert_eq!((sync.epoch, sync.seq), (after.epoch, after.seq));
}

/// Replicas share a PostgreSQL database; a SQLite file has one server.
#[tokio::test]
async fn a_change_made_through_another_replica_reaches_this_ones_sockets() {
    let app = spawn_app().await;
    if !crate::helpers::on_postgres() {
        assert!(app.state.relay.is_none(), "no relay on SQLite");
        return;
    }
    let other = app.replica().await;
    let mut here = app.connect_sync().await;
    let mut there = other.connect_sync().await;

    // Each step waits for both sockets, and each socket's next frame is the
    // next change: a replica that also relayed its own change back to its
    // sockets would show it twice.
    let project = other.create_project("Made on the other replica").await;
    for sync in [&mut here, &mut there] {
        sync.expect(Resource::Projects, Action::Created, Some(&project.id))
            .await;
    }
    let deleted = app.delete(&format!("/projects/{}", project.id)).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    for sync in [&mut here, &mut there] {
        sync.expect(Resource::Projects, Action::Deleted, Some(&project.id))
            .await;
    }
    let second = other.create_project("Made after the delete").await;
    for sync in [&mut here, &mut there] {
        sync.expect(Resource::Projects, Action::Created, Some(&second.id))
            .await;
    }
    other.stop().await;
}

#[tokio::test]
async fn every_client_gets_every_invalidation() {
    let app = spawn_app().await;
    let mut first = app.connect_sync().await;
    let mut second = app.connect_sync().await;
    let project = app.create_project("Shared").await;
    first
        .expect(Resource::Projects, Action::Created, Some(&project.id))
        .await;
    second
        .expect(Resource::Projects, Action::Created, Some(&project.id))
        .await;
}

#[tokio::test]
async fn failing_mutations_broadcast_nothing() {
    let app = spawn_app().await;
    let existing = app.create_project("Taken").await;
    let mut sync = app.connect_sync().await;

    let failures = [
        app.send_json(Method::POST, "/projects", &json!({"name": "Taken"}))
            .await,
        app.send_json(Method::POST, "/projects", &json!({"name": "  "}))
            .await,
        app.send_json(Method::PATCH, "/projects/missing", &json!({"name": "x"}))
            .await,
        app.delete("/projects/missing").await,
        app.delete("/recordings/missing").await,
        app.send_json(Method::PATCH, "/recordings/missing", &json!({"title": "x"}))
            .await,
        app.send_json(
            Method::POST,
            "/conversations/missing/messages",
            &json!({"content": "hi"}),
        )
        .await,
        app.delete("/conversations/missing").await,
        app.delete("/search/history/missing").await,
        app.send_json(Method::POST, "/search", &json!({"query": "  "}))
            .await,
        app.upload("notes.txt", b"just some text, not audio".to_vec())
            .await,
    ];
    for response in failures {
        assert!(response.status().is_client_error(), "{}", response.status());
    }
    let response = app
        .send_json(
            Method::PATCH,
            &format!("/projects/{}", existing.id),
            &json!({"name": "Sentinel"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    // The next frame is the sentinel's, numbered right after the hello.
    sync.expect(Resource::Projects, Action::Updated, Some(&existing.id))
        .await;
}

#[tokio::test]
async fn resume_inside_the_history_replays_the_missed_changes_in_order() {
    let app = spawn_app().await;
    let first = app.connect_sync().await;
    let (epoch, seq) = (first.epoch.clone(), first.seq);
    drop(first);

    let a = app.create_project("a").await;
    let b = app.create_project("b").await;
    app.delete(&format!("/projects/{}", a.id)).await;

    let mut again = app.connect_sync().await;
    assert_eq!(again.seq, seq + 3);
    again.send(&ClientMessage::Resume { epoch, seq }).await;
    again.seq = seq;
    again
        .expect(Resource::Projects, Action::Created, Some(&a.id))
        .await;
    again
        .expect(Resource::Projects, Action::Created, Some(&b.id))
        .await;
    again
        .expect(Resource::Projects, Action::Deleted, Some(&a.id))
        .await;

    // Live frames continue after the replay.
    let c = app.create_project("c").await;
    again
        .expect(Resource::Projects, Action::Created, Some(&c.id))
        .await;
}

#[tokio::test]
async fn resume_on_the_url_replays_before_any_live_frame() {
    let app = spawn_app().await;
    let epoch = app.state.hub.epoch().to_string();
    let a = app.create_project("a").await;
    let mut sync = app.connect_sync_at(&format!("?epoch={epoch}&seq=0")).await;
    assert_eq!(sync.seq, 1);
    sync.seq = 0;
    sync.expect(Resource::Projects, Action::Created, Some(&a.id))
        .await;
}

#[tokio::test]
async fn resume_outside_the_history_is_one_resync_not_a_partial_replay() {
    let app = spawn_app_with(|config| config.history_capacity = 2).await;
    let epoch = app.state.hub.epoch().to_string();
    for name in ["a", "b", "c", "d"] {
        app.create_project(name).await;
    }
    let mut sync = app.connect_sync().await;
    sync.send(&ClientMessage::Resume {
        epoch: epoch.clone(),
        seq: 1,
    })
    .await;
    assert_eq!(
        sync.next().await,
        ServerMessage::Resync {
            reason: ResyncReason::HistoryExpired
        }
    );

    // Within the two kept frames it replays exactly those.
    let mut again = app.connect_sync().await;
    again.send(&ClientMessage::Resume { epoch, seq: 2 }).await;
    again.seq = 2;
    let third = again.next_invalidate().await;
    let fourth = again.next_invalidate().await;
    assert_eq!((third.seq, fourth.seq), (3, 4));
}

#[tokio::test]
async fn a_resume_after_live_frames_is_a_late_resume_resync() {
    let app = spawn_app().await;
    let mut sync = app.connect_sync().await;
    let (epoch, seq) = (sync.epoch.clone(), sync.seq);
    let project = app.create_project("live").await;
    sync.expect(Resource::Projects, Action::Created, Some(&project.id))
        .await;

    // Replaying now would deliver older seqs after a newer one.
    sync.send(&ClientMessage::Resume { epoch, seq }).await;

    assert_eq!(
        sync.next().await,
        ServerMessage::Resync {
            reason: ResyncReason::LateResume
        }
    );
}

#[tokio::test]
async fn a_second_resume_is_a_late_resume_resync() {
    let app = spawn_app().await;
    let epoch = app.state.hub.epoch().to_string();
    let a = app.create_project("a").await;
    let mut sync = app.connect_sync().await;
    sync.send(&ClientMessage::Resume {
        epoch: epoch.clone(),
        seq: 0,
    })
    .await;
    sync.seq = 0;
    sync.expect(Resource::Projects, Action::Created, Some(&a.id))
        .await;

    sync.send(&ClientMessage::Resume { epoch, seq: 0 }).await;

    assert_eq!(
        sync.next().await,
        ServerMessage::Resync {
            reason: ResyncReason::LateResume
        }
    );
}

#[tokio::test]
async fn a_resume_after_a_resume_on_the_url_is_a_late_resume_resync() {
    let app = spawn_app().await;
    let epoch = app.state.hub.epoch().to_string();
    let mut sync = app.connect_sync_at(&format!("?epoch={epoch}&seq=0")).await;

    sync.send(&ClientMessage::Resume { epoch, seq: 0 }).await;

    assert_eq!(
        sync.next().await,
        ServerMessage::Resync {
            reason: ResyncReason::LateResume
        }
    );
}

#[tokio::test]
async fn resume_from_another_epoch_is_a_resync() {
    let app = spawn_app().await;
    app.create_project("a").await;
    let mut sync = app.connect_sync().await;
    sync.send(&ClientMessage::Resume {
        epoch: "an-earlier-run".into(),
        seq: 1,
    })
    .await;
    assert_eq!(
        sync.next().await,
        ServerMessage::Resync {
            reason: ResyncReason::EpochChanged
        }
    );
}

#[tokio::test]
async fn a_restarted_server_starts_a_new_epoch() {
    let app = spawn_app().await;
    let first_epoch = app.state.hub.epoch().to_string();
    let again = app.stop().await.start(|_| {}).await;
    assert_ne!(again.state.hub.epoch(), first_epoch);
}

#[tokio::test]
async fn a_socket_that_falls_behind_gets_a_resync_then_live_frames() {
    let app = spawn_app_with(|config| config.socket_queue = 2).await;
    let mut sync = app.connect_sync().await;
    // Published back to back without yielding: this single-threaded test
    // runtime cannot run the socket's task in between, so it must lag.
    for _ in 0..10 {
        app.state.hub.publish(earshot_shared::sync::Invalidate::new(
            Resource::Projects,
            Action::Updated,
            Some("p".to_string()),
        ));
    }
    assert_eq!(
        sync.next().await,
        ServerMessage::Resync {
            reason: ResyncReason::Lagged
        }
    );
    // What follows is live and in order again.
    match sync.next().await {
        ServerMessage::Invalidate(inv) => assert_eq!(inv.seq, 9),
        other => panic!("expected the retained frames, got {other:?}"),
    }
    match sync.next().await {
        ServerMessage::Invalidate(inv) => assert_eq!(inv.seq, 10),
        other => panic!("expected the retained frames, got {other:?}"),
    }
}

#[tokio::test]
async fn the_server_answers_pings_and_sends_heartbeats() {
    // Long enough that a busy test machine does not take the first ping's
    // delay for two intervals of silence.
    let app =
        spawn_app_with(|config| config.heartbeat_interval = std::time::Duration::from_millis(250))
            .await;
    let mut sync = app.connect_sync().await;
    sync.send(&ClientMessage::Ping).await;
    let mut saw_pong = false;
    let mut saw_ping = false;
    while !(saw_pong && saw_ping) {
        match sync.next().await {
            ServerMessage::Pong => saw_pong = true,
            ServerMessage::Ping => {
                saw_ping = true;
                sync.send(&ClientMessage::Pong).await;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_client_that_stops_answering_pings_is_closed_with_4000() {
    let app =
        spawn_app_with(|config| config.heartbeat_interval = std::time::Duration::from_millis(50))
            .await;
    let mut sync = app.connect_sync().await;

    let code = sync.close_code().await;

    assert_eq!(code, earshot_backend::sync::socket::CLOSE_HEARTBEAT_TIMEOUT);
}

#[tokio::test]
async fn shutting_down_closes_sockets_instead_of_waiting_for_them() {
    let app = spawn_app().await;
    let mut sync = app.connect_sync().await;

    // Would hang if graceful shutdown waited for the open socket.
    app.stop().await;

    assert_eq!(sync.close_code().await, 1001, "going away");
}
