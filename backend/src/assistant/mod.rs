//! The assistant: replies to the user's messages in conversations, from
//! their recordings.
//!
//! Posting a message commits it and queues its conversation here; the
//! reply is written in the background by at most `workers` jobs at once:
//!
//! 1. the latest messages are read, and the question is the latest one if
//!    it is the user's (otherwise there is nothing to answer);
//! 2. [`answer::terms`] takes the words it asks about (with the previous
//!    question as context), [`crate::services::search::sources`] finds the
//!    recordings that mention them, and [`answer::rank`] picks the best
//!    passages of their transcripts and notes ([`passages`] cuts them and
//!    times them);
//! 3. the reply is [`answer::compose`]d from those passages, quoted and
//!    cited as `[Title @ m:ss](/recordings/<id>?t=<seconds>)`, or, when an
//!    OpenAI-compatible endpoint is configured, written by it from the same
//!    passages ([`llm`]), falling back to the composed reply if it fails;
//! 4. [`crate::services::conversations::add_reply`] commits the reply, if
//!    the question is still the conversation's latest message, and only then
//!    publishes it as `message_created`.
//!
//! A reply that fails is tried again, [`REPLY_ATTEMPTS`] times in all with
//! a growing wait; then the reply is [`COULD_NOT_ANSWER`], so that every
//! question gets a reply.
//!
//! No job table is needed: the conversation itself says whether a reply is
//! owed (its latest message is the user's, posted less than [`OWED_FOR`]
//! ago), the same way a recording's row is its processing job. A reply
//! interrupted by a shutdown or a crash is therefore found again at the next
//! start ([`Assistant::answer_pending`]); a conversation deleted meanwhile is
//! simply not answered.

pub mod answer;
pub mod llm;
pub mod passages;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use earshot_shared::dto::{Message, Role};
use sea_orm::DatabaseConnection;
use tokio::sync::watch;

use crate::config::LlmConfig;
use crate::jobs::{Jobs, lock};
use crate::processing::retrying;
use crate::services::{conversations, recordings, search};
use crate::sync::Hub;
use answer::Library;
use llm::Llm;

/// How many of a conversation's latest messages a reply considers.
const HISTORY: u64 = 12;
/// How many candidate recordings passages are taken from.
const SOURCES: u64 = 12;
/// How long a question stays owed a reply across a restart. Whoever asked
/// an older one has stopped waiting (the app stops showing that a reply is
/// coming after two minutes), and answering it now would bring an old
/// conversation to the top of the list out of the blue. It also keeps a
/// database from before the assistant existed, where every conversation
/// ends with the user's message, from being answered all at once.
pub const OWED_FOR: Duration = Duration::from_secs(10 * 60);
/// How many times a reply is tried before the assistant says it failed.
const REPLY_ATTEMPTS: u32 = 3;
/// The reply when every attempt failed (the cause is in the server's log).
pub const COULD_NOT_ANSWER: &str = "I couldn't answer that (something went wrong on the server; \
its log says what). Please ask again in a moment.";

#[derive(Clone, Debug)]
struct Context {
    db: DatabaseConnection,
    hub: Arc<Hub>,
    llm: Option<Arc<Llm>>,
    /// The wait before a failed reply's second attempt.
    retry_backoff: Duration,
    stopped: watch::Receiver<bool>,
}

/// The reply runner. See the [module docs](self).
#[derive(Debug)]
pub struct Assistant {
    jobs: Jobs,
    /// Conversations queued and not started yet: one job answers them all.
    queued: Arc<Mutex<HashSet<String>>>,
    context: Context,
}

impl Assistant {
    /// Starts the runner with `workers` concurrent replies, using the
    /// endpoint of `llm` if given (fails if its URL is not an http(s) URL);
    /// a failed reply is tried again after `retry_backoff`, then twice that.
    pub fn start(
        db: DatabaseConnection,
        hub: Arc<Hub>,
        workers: usize,
        retry_backoff: Duration,
        llm: Option<&LlmConfig>,
    ) -> anyhow::Result<Self> {
        let llm = llm.map(Llm::new).transpose()?.map(Arc::new);
        let (stop, stopped) = watch::channel(false);
        let queued = Arc::new(Mutex::new(HashSet::new()));
        let context = Context {
            db,
            hub,
            llm,
            retry_backoff,
            stopped,
        };
        let (job_context, job_queued) = (context.clone(), queued.clone());
        let jobs = Jobs::start("reply", workers, stop, move |id: String| {
            let (context, queued) = (job_context.clone(), job_queued.clone());
            async move {
                // From here a new message queues another job, which then
                // sees it.
                lock(&queued).remove(&id);
                answer_or_apologise(&context, &id).await;
            }
        });
        Ok(Assistant {
            jobs,
            queued,
            context,
        })
    }

    /// Queues a reply for a conversation whose new message is committed.
    pub fn enqueue(&self, conversation_id: String) {
        if lock(&self.queued).insert(conversation_id.clone()) {
            // After shutdown, the reply is owed at the next start.
            self.jobs.enqueue(conversation_id);
        }
    }

    /// Queues a reply for every conversation that is owed one: whose latest
    /// message is a question asked less than [`OWED_FOR`] ago. Returns how
    /// many were queued.
    pub async fn answer_pending(&self) -> anyhow::Result<usize> {
        let since = Utc::now() - OWED_FOR;
        let owed = conversations::awaiting_reply(&self.context.db, since).await?;
        let count = owed.len();
        for id in owed {
            self.enqueue(id);
        }
        Ok(count)
    }

    /// Stops starting replies and waits for those under way: a reply still
    /// being written is abandoned (it is owed again at the next start); one
    /// being saved is saved.
    pub async fn shutdown(&self) {
        self.jobs.stop();
        self.jobs.stopped().await;
    }
}

/// Answers the conversation's latest message, trying [`REPLY_ATTEMPTS`]
/// times; when every attempt fails, replies that it could not answer, so
/// that the user is not left waiting for a reply that will never come.
async fn answer_or_apologise(context: &Context, conversation_id: &str) {
    let mut stopped = context.stopped.clone();
    let mut backoff = context.retry_backoff;
    let mut attempt = 1;
    let err = loop {
        match reply(context, conversation_id).await {
            Ok(()) => return,
            Err(err) if attempt < REPLY_ATTEMPTS => {
                tracing::warn!(conversation = %conversation_id, error = ?err, attempt, "could not reply; trying again");
                tokio::select! {
                    biased;
                    // Owed again at the next start.
                    _ = stopped.wait_for(|stop| *stop) => return,
                    () = tokio::time::sleep(backoff) => {}
                }
                backoff *= 2;
                attempt += 1;
            }
            Err(err) => break err,
        }
    };
    tracing::error!(conversation = %conversation_id, error = ?err, attempt, "could not reply; saying so");
    if let Err(err) = apologise(context, conversation_id).await {
        tracing::error!(conversation = %conversation_id, error = ?err, "could not say that the reply failed");
    }
}

/// Replies to the conversation's latest message, if it is still the user's,
/// that it could not be answered.
async fn apologise(context: &Context, conversation_id: &str) -> anyhow::Result<()> {
    let history = conversations::recent_messages(&context.db, conversation_id, 1).await?;
    let Some(question) = history.last().filter(|m| m.role == Role::User) else {
        return Ok(());
    };
    conversations::add_reply(
        &context.db,
        context.hub.clone(),
        conversation_id,
        &question.id,
        COULD_NOT_ANSWER,
    )
    .await?;
    Ok(())
}

/// Answers the conversation's latest message, if it is the user's.
#[tracing::instrument(skip(context))]
async fn reply(context: &Context, conversation_id: &str) -> anyhow::Result<()> {
    let history = conversations::recent_messages(&context.db, conversation_id, HISTORY).await?;
    let Some(question) = history.last().filter(|m| m.role == Role::User) else {
        return Ok(()); // answered already, or deleted
    };
    let mut stopped = context.stopped.clone();
    let content = tokio::select! {
        biased;
        _ = stopped.wait_for(|stop| *stop) => return Ok(()),
        content = write(context, &history) => content?,
    };
    let added = retrying("save the reply", || async {
        Ok(conversations::add_reply(
            &context.db,
            context.hub.clone(),
            conversation_id,
            &question.id,
            &content,
        )
        .await?)
    })
    .await?;
    if added.is_none() {
        tracing::debug!("the conversation moved on or was deleted; reply dropped");
    }
    Ok(())
}

/// The reply to the last message of `history`.
async fn write(context: &Context, history: &[Message]) -> anyhow::Result<String> {
    let (question, earlier) = history.split_last().expect("a question");
    let earlier = earlier
        .iter()
        .rev()
        .find(|m| m.role == Role::User)
        .map(|m| m.content.as_str());
    let terms = answer::terms(&question.content, earlier);
    let stems: Vec<String> = terms.iter().map(|t| t.stem.clone()).collect();
    let sources = search::sources(&context.db, &stems, SOURCES).await?;
    let found = answer::rank(&sources, &terms, answer::CONTEXT_PASSAGES);
    if let Some(llm) = &context.llm {
        match llm.answer(history, &found).await {
            Ok(reply) => return Ok(reply),
            Err(err) => {
                tracing::warn!(error = ?err, "the language model failed; replying offline");
            }
        }
    }
    let (recordings, transcribed) = recordings::transcript_counts(&context.db).await?;
    let quoted = &found[..found.len().min(answer::QUOTES)];
    Ok(answer::compose(
        quoted,
        &terms,
        Library {
            recordings,
            transcribed,
        },
    ))
}
