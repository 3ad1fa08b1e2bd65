//! The assistant's replies in conversations: retrieved from the recordings,
//! cited by recording and time, published live after the question, owed
//! across a restart, and written by a configured language model when there
//! is one.

use earshot_backend::config::LlmConfig;
use earshot_shared::dto::{
    Conversation, ConversationDetail, RecordingDetail, RecordingStatus, Role,
};
use earshot_shared::sync::{Action, Resource};
use reqwest::StatusCode;

use crate::helpers::{
    PATIENCE, TestApp, expect_json, fixture, silent_wav, spawn_app, spawn_app_with,
};
use crate::llm_peer::{Behaviour, LlmPeer};

const MEETING: &str = "\
[00:03] Welcome, everyone, to the planning meeting.
[00:41] First the venue: we keep the old hall.
[01:05] On the tour budget we decided to spend twelve thousand euros,
and not a cent more.
[01:52] The bus is booked for March.";

const REHEARSAL: &str = "We played the new song twice. The van was late again.";

/// Uploads a short recording titled `title` with `transcript`; returns its id.
async fn recording(app: &TestApp, title: &str, transcript: &str) -> String {
    let bytes = std::fs::read(fixture("tone.wav")).unwrap();
    app.upload_with(
        "take.wav",
        bytes,
        &[("title", title), ("transcript", transcript)],
    )
    .await
    .recording
    .id
}

fn llm(peer: &LlmPeer, api_key: Option<&str>) -> LlmConfig {
    LlmConfig {
        url: peer.url.clone(),
        model: "test-model".to_string(),
        api_key: api_key.map(str::to_string),
    }
}

fn last_reply(detail: &ConversationDetail) -> &str {
    let last = detail.messages.last().expect("a message");
    assert_eq!(last.role, Role::Assistant);
    &last.content
}

#[tokio::test]
async fn a_reply_quotes_the_matching_passage_and_cites_its_recording_and_time() {
    let app = spawn_app().await;
    let mut sync = app.connect_sync().await;
    let meeting = recording(&app, "Band meeting", MEETING).await;
    recording(&app, "Rehearsal", REHEARSAL).await;
    let conversation = app.create_conversation().await;

    app.ask(
        &conversation.id,
        "What did we decide about the tour budget?",
    )
    .await;
    let detail = app.replied(&mut sync, &conversation.id).await;

    let reply = last_reply(&detail);
    let citation = format!("[Band meeting @ 1:05](/recordings/{meeting}?t=65)");
    assert!(reply.contains(&citation), "{reply}");
    assert!(
        reply.contains(
            "On the tour budget we decided to spend twelve thousand euros, and not a cent more."
        ),
        "{reply}"
    );
    assert!(!reply.contains("Rehearsal"), "{reply}");
    assert!(!reply.contains('~'), "timestamped, so exact: {reply}");
}

#[tokio::test]
async fn a_transcript_without_timestamps_is_cited_at_an_estimated_time() {
    let app = spawn_app().await;
    let mut sync = app.connect_sync().await;
    let paragraphs = [
        "Good morning and welcome to the quarterly review of the orchestra.",
        "The string players reported that the new rehearsal room is too cold.",
        "The oboe section asked for new reeds before the winter concerts begin.",
        "Finally we thanked the volunteers who sold tickets at the door.",
    ];
    let transcript = paragraphs.join("\n\n");
    let uploaded = app
        .upload_with(
            "review.wav",
            silent_wav(8000, 1, 60),
            &[("title", "Quarterly review"), ("transcript", &transcript)],
        )
        .await;
    let id = uploaded.recording.id;
    let processed = app.processed(&mut sync, &id).await;
    assert_eq!(processed.recording.duration_ms, Some(60_000));
    let conversation = app.create_conversation().await;

    app.ask(&conversation.id, "Which reeds did the oboes ask for?")
        .await;
    let detail = app.replied(&mut sync, &conversation.id).await;

    // The third paragraph starts at this share of the text, so of the minute.
    let before = transcript.find(paragraphs[2]).unwrap();
    let seconds = 60 * before / transcript.chars().count();
    let citation = format!("[Quarterly review @ ~0:{seconds:02}](/recordings/{id}?t={seconds})");
    let reply = last_reply(&detail);
    assert!(reply.contains(&citation), "{reply}");
    assert!(reply.contains("estimated"), "{reply}");
}

#[tokio::test]
async fn a_question_nothing_matches_gets_a_helpful_answer() {
    let app = spawn_app().await;
    let mut sync = app.connect_sync().await;
    recording(&app, "Band meeting", MEETING).await;
    let conversation = app.create_conversation().await;

    app.ask(&conversation.id, "Where are the zebras migrating?")
        .await;
    let detail = app.replied(&mut sync, &conversation.id).await;

    let reply = last_reply(&detail);
    assert!(reply.contains("could not find anything about"), "{reply}");
    assert!(reply.contains("zebra"), "{reply}");
    assert!(reply.contains("transcript"), "{reply}");
    assert!(!reply.contains("/recordings/"), "{reply}");
}

#[tokio::test]
async fn the_reply_arrives_live_as_a_second_message_created_after_the_question() {
    let app = spawn_app().await;
    let mut sync = app.connect_sync().await;
    let meeting = recording(&app, "Band meeting", MEETING).await;
    app.processed(&mut sync, &meeting).await;
    let conversation = app.create_conversation().await;
    let id = conversation.id.as_str();
    // The recording's frames, all published before it was ready, come first.
    let created = sync
        .next_invalidate_where(|inv| inv.resource == Resource::Conversations)
        .await;
    assert_eq!(
        (created.action, created.id.as_deref()),
        (Action::Created, Some(id))
    );

    let question = app.ask(id, "When is the bus booked?").await;

    sync.expect(Resource::Conversations, Action::MessageCreated, Some(id))
        .await;
    sync.expect(Resource::Conversations, Action::MessageCreated, Some(id))
        .await;
    let detail: ConversationDetail = app.get(&format!("/conversations/{id}")).await;
    assert_eq!(detail.conversation.message_count, 2);
    assert_eq!(detail.messages[0], question);
    let reply = &detail.messages[1];
    assert_eq!(reply.role, Role::Assistant);
    assert!(reply.created_at >= question.created_at);
    assert!(
        reply.content.contains(&format!(
            "[Band meeting @ 1:52](/recordings/{meeting}?t=112)"
        )),
        "{}",
        reply.content
    );
}

#[tokio::test]
async fn a_reply_interrupted_by_a_restart_is_written_after_it() {
    let mut peer = LlmPeer::start(Behaviour::Answer("never sent".into())).await;
    let app = spawn_app_with(|config| config.llm = Some(llm(&peer, None))).await;
    let meeting = recording(&app, "Band meeting", MEETING).await;
    let conversation = app.create_conversation().await;
    app.ask(
        &conversation.id,
        "What did we decide about the tour budget?",
    )
    .await;
    // The reply is being written when the server stops.
    peer.next_request().await;

    let again = app.stop().await.start(|_| {}).await;
    let mut sync = again.connect_sync().await;
    let detail = again.replied(&mut sync, &conversation.id).await;

    assert_eq!(detail.messages.len(), 2);
    let reply = last_reply(&detail);
    assert!(
        reply.contains(&format!(
            "[Band meeting @ 1:05](/recordings/{meeting}?t=65)"
        )),
        "{reply}"
    );
}

#[tokio::test]
async fn after_a_restart_only_questions_asked_in_the_last_minutes_are_answered() {
    use earshot_backend::db::entities::message;
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    // Two questions whose replies are being written when the server stops:
    // one asked just now, one (made) days old — like every conversation of
    // a database from before the assistant, or a reply that failed long ago.
    let mut peer = LlmPeer::start(Behaviour::Answer("never sent".into())).await;
    let app = spawn_app_with(|config| {
        config.llm = Some(llm(&peer, None));
        config.assistant_workers = 2;
    })
    .await;
    recording(&app, "Band meeting", MEETING).await;
    let old = app.create_conversation().await.id;
    app.ask(&old, "What about the budget?").await;
    peer.next_request().await;
    let recent = app.create_conversation().await.id;
    app.ask(&recent, "And the bus?").await;
    peer.next_request().await;
    message::Entity::update_many()
        .col_expr(
            message::Column::CreatedAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::days(3)),
        )
        .filter(message::Column::ConversationId.eq(&old))
        .exec(&app.state.db)
        .await
        .unwrap();

    // One reply at a time after the restart, owed ones first: when a new
    // question is answered, every owed reply has been written.
    let again = app
        .stop()
        .await
        .start(|config| config.assistant_workers = 1)
        .await;
    let mut sync = again.connect_sync().await;
    let probe = again.create_conversation().await.id;
    again.ask(&probe, "When is the bus booked?").await;
    again.replied(&mut sync, &probe).await;

    let answered: ConversationDetail = again.get(&format!("/conversations/{recent}")).await;
    assert!(!last_reply(&answered).is_empty());
    let left: ConversationDetail = again.get(&format!("/conversations/{old}")).await;
    assert_eq!(left.messages.len(), 1, "{:?}", left.messages);
    assert_eq!(left.messages[0].role, Role::User);
}

#[tokio::test]
async fn a_reply_that_keeps_failing_ends_in_a_reply_saying_so() {
    use sea_orm::{ConnectionTrait, Statement};

    let app = spawn_app_with(|config| {
        config.reply_retry_backoff = std::time::Duration::from_millis(1);
    })
    .await;
    let mut sync = app.connect_sync().await;
    let conversation = app.create_conversation().await.id;
    // Every attempt fails: the recordings cannot be searched.
    let backend = app.state.db.get_database_backend();
    app.state
        .db
        .execute_raw(Statement::from_string(
            backend,
            "ALTER TABLE recordings RENAME TO recordings_away",
        ))
        .await
        .unwrap();

    app.ask(&conversation, "What about the budget?").await;
    let detail = app.replied(&mut sync, &conversation).await;

    assert_eq!(detail.messages.len(), 2);
    assert_eq!(
        last_reply(&detail),
        earshot_backend::assistant::COULD_NOT_ANSWER
    );
}

#[tokio::test]
async fn deleting_a_conversation_while_its_reply_is_written_neither_fails_nor_brings_it_back() {
    let mut peer = LlmPeer::start(Behaviour::Answer("On it.".into())).await;
    // One reply at a time: the second conversation's reply comes after the
    // first one's job has ended.
    let app = spawn_app_with(|config| {
        config.llm = Some(llm(&peer, None));
        config.assistant_workers = 1;
    })
    .await;
    let mut sync = app.connect_sync().await;
    let doomed = app.create_conversation().await.id;
    app.ask(&doomed, "What about the budget?").await;
    peer.next_request().await;

    let response = app.delete(&format!("/conversations/{doomed}")).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    sync.next_invalidate_where(|inv| {
        inv.action == Action::Deleted && inv.id.as_deref() == Some(&doomed)
    })
    .await;
    peer.let_go();
    let next = app.create_conversation().await.id;
    app.ask(&next, "And the bus?").await;

    let mut messages_in_next = 0;
    while messages_in_next < 2 {
        let inv = sync.next_invalidate().await;
        assert_ne!(inv.id.as_deref(), Some(doomed.as_str()), "{inv:?}");
        if inv.action == Action::MessageCreated && inv.id.as_deref() == Some(&next) {
            messages_in_next += 1;
        }
    }
    let gone = app
        .http
        .get(app.url(&format!("/conversations/{doomed}")))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    let listed: Vec<Conversation> = app.get("/conversations").await;
    assert_eq!(listed.len(), 1);
    let detail: ConversationDetail = app.get(&format!("/conversations/{next}")).await;
    assert_eq!(last_reply(&detail), "On it.");
}

#[tokio::test]
async fn a_configured_language_model_writes_the_reply_from_the_retrieved_passages() {
    let answer = "You settled on twelve thousand euros [Band meeting @ 1:05](/recordings/x?t=65).";
    let mut peer = LlmPeer::start(Behaviour::Answer(answer.into())).await;
    let app = spawn_app_with(|config| config.llm = Some(llm(&peer, Some("sk-test")))).await;
    let mut sync = app.connect_sync().await;
    let meeting = recording(&app, "Band meeting", MEETING).await;
    let conversation = app.create_conversation().await;
    let question = "What did we decide about the tour budget?";

    // The question is committed and answered while the model still thinks.
    let asked = tokio::time::timeout(PATIENCE, app.ask(&conversation.id, question))
        .await
        .expect("posting does not wait for the reply");
    assert_eq!(asked.role, Role::User);
    let request = peer.next_request().await;
    peer.let_go();
    let detail = app.replied(&mut sync, &conversation.id).await;

    assert_eq!(last_reply(&detail), answer);
    assert_eq!(request.authorization.as_deref(), Some("Bearer sk-test"));
    assert_eq!(request.body["model"], "test-model");
    let messages = request.body["messages"].as_array().unwrap();
    assert_eq!(messages[0]["role"], "system");
    let context = messages[0]["content"].as_str().unwrap();
    assert!(
        context.contains(&format!(
            "[Band meeting @ 1:05](/recordings/{meeting}?t=65)"
        )),
        "{context}"
    );
    assert!(context.contains("twelve thousand euros"), "{context}");
    let last = messages.last().unwrap();
    assert_eq!(
        (last["role"].as_str(), last["content"].as_str()),
        (Some("user"), Some(question))
    );
}

#[tokio::test]
async fn a_failing_language_model_falls_back_to_the_offline_reply() {
    let mut peer = LlmPeer::start(Behaviour::Fail).await;
    let app = spawn_app_with(|config| config.llm = Some(llm(&peer, None))).await;
    let mut sync = app.connect_sync().await;
    let meeting = recording(&app, "Band meeting", MEETING).await;
    let conversation = app.create_conversation().await;

    app.ask(
        &conversation.id,
        "What did we decide about the tour budget?",
    )
    .await;
    let detail = app.replied(&mut sync, &conversation.id).await;

    peer.next_request().await;
    let reply = last_reply(&detail);
    assert!(reply.starts_with("Here is what I found"), "{reply}");
    assert!(
        reply.contains(&format!(
            "[Band meeting @ 1:05](/recordings/{meeting}?t=65)"
        )),
        "{reply}"
    );
}

#[tokio::test]
async fn the_demo_recordings_answer_a_question_with_a_citation_to_the_moment() {
    let app = spawn_app().await;
    let mut sync = app.connect_sync().await;
    let mut meeting = String::new();
    for name in ["band-meeting.mp3", "studio-notes.mp3", "interview-maya.ogg"] {
        let response = app
            .import(&fixture(&format!("demo/{name}")).canonicalize().unwrap())
            .await;
        let imported: RecordingDetail = expect_json(response, StatusCode::CREATED).await;
        assert!(imported.transcript.starts_with("[00:00] "), "{name}");
        let done = app.processed(&mut sync, &imported.recording.id).await;
        assert_eq!(
            done.recording.status,
            RecordingStatus::Ready,
            "{name}: {:?}",
            done.recording.error
        );
        if name == "band-meeting.mp3" {
            meeting = imported.recording.id;
        }
    }
    let conversation = app.create_conversation().await;

    app.ask(
        &conversation.id,
        "What did we decide about the tour budget?",
    )
    .await;
    let detail = app.replied(&mut sync, &conversation.id).await;

    let reply = last_reply(&detail);
    assert!(
        reply.contains(&format!(
            "[band-meeting @ 0:11](/recordings/{meeting}?t=11)"
        )),
        "{reply}"
    );
}
