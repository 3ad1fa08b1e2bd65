//! Processing real audio: every fixture reaches `ready` with its measures,
//! a broken file reaches `failed`, and a restart resumes unfinished work.

use earshot_shared::dto::{RecordingDetail, RecordingStatus};
use earshot_shared::sync::{Action, Resource};
use reqwest::StatusCode;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::{expect_json, spawn_app, spawn_app_with, write_silent_wav};
use earshot_backend::db::entities::recording;

/// (fixture, format, duration ms, tolerance ms, sample rate, channels)
const FIXTURES: &[(&str, &str, u64, u64, u32, u16)] = &[
    ("tone.wav", "wav", 1500, 1, 8000, 1),
    ("tone.flac", "flac", 1250, 1, 16000, 2),
    ("tone.mp3", "mp3", 2000, 1, 22050, 1),
    ("tone.ogg", "ogg", 1000, 1, 22050, 2),
];

#[tokio::test]
async fn every_audio_fixture_is_processed_to_ready_with_its_measures() {
    let app = spawn_app().await;
    let mut sync = app.connect_sync().await;
    for &(name, format, duration, tolerance, rate, channels) in FIXTURES {
        let uploaded = app.upload_fixture(name).await;
        assert_eq!(uploaded.recording.status, RecordingStatus::Queued);
        let done = app.processed(&mut sync, &uploaded.recording.id).await;
        let r = &done.recording;
        assert_eq!(r.status, RecordingStatus::Ready, "{name}: {:?}", r.error);
        assert_eq!(r.progress, 100);
        assert_eq!(r.format.as_deref(), Some(format), "{name}");
        let measured = r.duration_ms.unwrap();
        assert!(
            measured.abs_diff(duration) <= tolerance,
            "{name}: {measured} ms"
        );
        assert_eq!(r.sample_rate, Some(rate), "{name}");
        assert_eq!(r.channels, Some(channels), "{name}");
        let peak = r.peak_dbfs.unwrap();
        assert!((-7.5..=-4.5).contains(&peak), "{name}: peak {peak}");
        assert!(r.rms_dbfs.unwrap() < peak);
        assert!(done.waveform.len() > 100, "{name}: a waveform overview");
        assert!(done.waveform.iter().all(|p| (0.0..=1.0).contains(p)));
    }
}

#[tokio::test]
async fn a_broken_file_reaches_failed_with_a_reason() {
    let app = spawn_app().await;
    let mut sync = app.connect_sync().await;
    let uploaded = app.upload_fixture("not-audio.wav").await;
    let done = app.processed(&mut sync, &uploaded.recording.id).await;
    assert_eq!(done.recording.status, RecordingStatus::Failed);
    let reason = done.recording.error.unwrap();
    assert!(!reason.is_empty());
    assert_eq!(done.recording.duration_ms, None);
}

#[tokio::test]
async fn processing_goes_queued_processing_ready_and_says_so_live() {
    let app = spawn_app().await;
    let mut sync = app.connect_sync().await;
    let uploaded = app.upload_fixture("tone.flac").await;
    let id = uploaded.recording.id.clone();
    sync.expect(Resource::Recordings, Action::Created, Some(&id))
        .await;
    // Claiming the job is the first status change.
    sync.expect(Resource::Recordings, Action::StatusChanged, Some(&id))
        .await;
    let done = app.processed(&mut sync, &id).await;
    assert_eq!(done.recording.status, RecordingStatus::Ready);
}

#[tokio::test]
async fn a_restart_resumes_interrupted_and_queued_jobs_without_losing_data() {
    let app = spawn_app().await;
    let mut sync = app.connect_sync().await;
    let first = app.upload_fixture("tone.wav").await.recording.id;
    let second = app.upload_fixture("tone.ogg").await.recording.id;
    app.processed(&mut sync, &first).await;
    app.processed(&mut sync, &second).await;
    let db = app.state.db.clone();
    // A crash mid-job leaves one row `processing` and another `queued`.
    for (id, status) in [(&first, "processing"), (&second, "queued")] {
        recording::Entity::update_many()
            .col_expr(recording::Column::Status, Expr::value(status))
            .col_expr(recording::Column::Progress, Expr::value(40))
            .filter(recording::Column::Id.eq(id.as_str()))
            .exec(&db)
            .await
            .unwrap();
    }
    drop(db);

    let again = app.stop().await.start(|_| {}).await;
    let mut sync = again.connect_sync().await;
    for id in [&first, &second] {
        let done: RecordingDetail = again.processed(&mut sync, id).await;
        assert_eq!(done.recording.status, RecordingStatus::Ready);
        assert_eq!(done.recording.progress, 100);
    }
}

/// Replicas share PostgreSQL; on SQLite one server has the file, and the
/// test above covers its restart.
#[tokio::test]
async fn a_starting_replica_takes_over_only_the_jobs_of_replicas_that_are_gone() {
    let app = spawn_app().await;
    if !crate::helpers::on_postgres() {
        return;
    }
    let mut sync = app.connect_sync().await;
    let live = app.upload_fixture("tone.wav").await.recording.id;
    let gone = app.upload_fixture("tone.ogg").await.recording.id;
    let waiting = app.upload_fixture("tone.flac").await.recording.id;
    for id in [&live, &gone, &waiting] {
        app.processed(&mut sync, id).await;
    }
    // One row is processed by this replica, which is running; one by a
    // replica that has stopped, and one was still queued there.
    let db = app.state.db.clone();
    for (id, status, worker) in [
        (&live, "processing", app.state.hub.epoch()),
        (&gone, "processing", "0gone"),
        (&waiting, "queued", "0gone"),
    ] {
        recording::Entity::update_many()
            .col_expr(recording::Column::Status, Expr::value(status))
            .col_expr(recording::Column::Progress, Expr::value(40))
            .col_expr(recording::Column::Worker, Expr::value(worker))
            .filter(recording::Column::Id.eq(id.as_str()))
            .exec(&db)
            .await
            .unwrap();
    }
    // Written behind the server's back, as a crash would leave them: its
    // cached answers know nothing of it.
    app.state
        .hub
        .results()
        .invalidate(&[earshot_shared::keys::QueryKey::root()]);

    let other = app.replica().await;

    for id in [&gone, &waiting] {
        let resumed = app.processed(&mut sync, id).await;
        assert_eq!(resumed.recording.status, RecordingStatus::Ready);
    }
    let left: RecordingDetail = app.get(&format!("/recordings/{live}")).await;
    assert_eq!(
        (left.recording.status, left.recording.progress),
        (RecordingStatus::Processing, 40),
        "a running replica's job is left to it"
    );
    other.stop().await;
}

#[tokio::test]
async fn deleting_a_recording_while_it_processes_leaves_no_row_and_no_later_status() {
    // One worker: the next recording starts only once this one's job ended.
    let app = spawn_app_with(|config| config.workers = 1).await;
    let mut sync = app.connect_sync().await;
    let dir = tempfile::tempdir().unwrap();
    let long = dir.path().join("long.wav");
    write_silent_wav(&long, 48_000, 2, 60);
    let imported: RecordingDetail = expect_json(app.import(&long).await, StatusCode::CREATED).await;
    let id = imported.recording.id;
    sync.expect(Resource::Recordings, Action::Created, Some(&id))
        .await;
    // Claimed: it is processing now.
    sync.expect(Resource::Recordings, Action::StatusChanged, Some(&id))
        .await;

    let response = app.delete(&format!("/recordings/{id}")).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    sync.next_invalidate_where(|inv| {
        inv.action == Action::Deleted && inv.id.as_deref() == Some(&id)
    })
    .await;
    let next = app.upload_fixture("tone.wav").await.recording.id;

    loop {
        let inv = sync.next_invalidate().await;
        assert_ne!(
            inv.id.as_deref(),
            Some(id.as_str()),
            "after its deletion: {inv:?}"
        );
        if inv.id.as_deref() == Some(&next) && inv.action == Action::StatusChanged {
            let recording: RecordingDetail = app.get(&format!("/recordings/{next}")).await;
            if recording.recording.status == RecordingStatus::Ready {
                break;
            }
        }
    }
    let row = recording::Entity::find_by_id(id.as_str())
        .one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(row, None);
}
