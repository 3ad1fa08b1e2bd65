//! Conversations and their messages.
//!
//! A user's message is committed and answered later: [`post_message`]
//! hands the conversation to the [`crate::assistant::Assistant`], which
//! adds its reply with [`add_reply`]. A conversation whose latest message
//! is the user's is one still waiting for its reply ([`awaiting_reply`]),
//! which is how a restart finds the replies it owes.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use earshot_shared::dto::{
    Conversation, ConversationDetail, Message, NewConversation, NewMessage, Role,
    UpdateConversation,
};
use earshot_shared::sync::{Action, Resource};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
};

use super::required_text;
use crate::db::entities::{conversation, message};
use crate::db::{Tx, new_id};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

const TITLE_MAX: usize = 200;
const CONTENT_MAX: usize = 10_000;
const DEFAULT_TITLE: &str = "New conversation";
/// Longest reply kept, in characters (a language model may run on).
const REPLY_MAX: usize = 20_000;

/// Every conversation, most recently active first.
pub async fn list(db: &impl ConnectionTrait) -> ApiResult<Vec<Conversation>> {
    let conversations = conversation::Entity::find()
        .order_by_desc(conversation::Column::UpdatedAt)
        .order_by_desc(conversation::Column::Id)
        .all(db)
        .await?;
    let counts: HashMap<String, i64> = message::Entity::find()
        .select_only()
        .column(message::Column::ConversationId)
        .column_as(message::Column::Id.count(), "count")
        .group_by(message::Column::ConversationId)
        .into_tuple::<(String, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(conversations
        .into_iter()
        .map(|c| {
            let count = counts.get(&c.id).copied().unwrap_or(0);
            to_dto(c, count)
        })
        .collect())
}

/// One conversation with its messages, oldest first.
pub async fn get(db: &impl ConnectionTrait, id: &str) -> ApiResult<ConversationDetail> {
    let model = conversation::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("conversation"))?;
    let messages: Vec<Message> = message::Entity::find()
        .filter(message::Column::ConversationId.eq(id))
        .order_by_asc(message::Column::CreatedAt)
        .order_by_asc(message::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(message_to_dto)
        .collect();
    let count = i64::try_from(messages.len()).unwrap_or(i64::MAX);
    Ok(ConversationDetail {
        conversation: to_dto(model, count),
        messages,
    })
}

/// Starts a conversation.
pub async fn create(state: &AppState, new: NewConversation) -> ApiResult<Conversation> {
    let title = match new.title.as_deref() {
        Some(title) => required_text("title", title, TITLE_MAX)?,
        None => DEFAULT_TITLE.to_string(),
    };
    let id = new_id();
    let now = Utc::now();
    let mut tx = state.begin().await?;
    let model = conversation::ActiveModel {
        id: Set(id.clone()),
        title: Set(title),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&*tx)
    .await?;
    tx.changed(Resource::Conversations, Action::Created, id);
    tx.commit().await?;
    Ok(to_dto(model, 0))
}

/// Renames a conversation.
pub async fn update(
    state: &AppState,
    id: &str,
    update: UpdateConversation,
) -> ApiResult<Conversation> {
    let title = required_text("title", &update.title, TITLE_MAX)?;
    let mut tx = state.begin().await?;
    let model = conversation::Entity::find_by_id(id)
        .one(&*tx)
        .await?
        .ok_or(ApiError::NotFound("conversation"))?;
    let mut active: conversation::ActiveModel = model.into();
    active.title = Set(title);
    active.updated_at = Set(Utc::now());
    let model = active.update(&*tx).await?;
    let count = message::Entity::find()
        .filter(message::Column::ConversationId.eq(id))
        .count(&*tx)
        .await?;
    tx.changed(Resource::Conversations, Action::Updated, id);
    tx.commit().await?;
    Ok(to_dto(model, i64::try_from(count).unwrap_or(i64::MAX)))
}

/// Deletes a conversation and its messages.
pub async fn delete(state: &AppState, id: &str) -> ApiResult<()> {
    let mut tx = state.begin().await?;
    let deleted = conversation::Entity::delete_by_id(id).exec(&*tx).await?;
    if deleted.rows_affected == 0 {
        return Err(ApiError::NotFound("conversation"));
    }
    tx.changed(Resource::Conversations, Action::Deleted, id);
    tx.commit().await?;
    Ok(())
}

/// Adds the user's message to a conversation; the assistant's reply
/// follows in the background.
pub async fn post_message(
    state: &AppState,
    conversation_id: &str,
    new: NewMessage,
) -> ApiResult<Message> {
    let content = required_text("content", &new.content, CONTENT_MAX)?;
    let now = Utc::now();
    let mut tx = state.begin().await?;
    let touched = conversation::Entity::update_many()
        .col_expr(conversation::Column::UpdatedAt, Expr::value(now))
        .filter(conversation::Column::Id.eq(conversation_id))
        .exec(&*tx)
        .await?;
    if touched.rows_affected == 0 {
        return Err(ApiError::NotFound("conversation"));
    }
    let model = message::ActiveModel {
        id: Set(new_id()),
        conversation_id: Set(conversation_id.to_string()),
        role: Set(Role::User.as_str().to_string()),
        content: Set(content),
        created_at: Set(now),
    }
    .insert(&*tx)
    .await?;
    tx.changed(
        Resource::Conversations,
        Action::MessageCreated,
        conversation_id,
    );
    tx.commit().await?;
    state.assistant.enqueue(conversation_id.to_string());
    Ok(message_to_dto(model))
}

/// The latest `limit` messages of a conversation, oldest first (empty when
/// it does not exist).
pub async fn recent_messages(
    db: &impl ConnectionTrait,
    conversation_id: &str,
    limit: u64,
) -> Result<Vec<Message>, DbErr> {
    let mut messages: Vec<Message> = message::Entity::find()
        .filter(message::Column::ConversationId.eq(conversation_id))
        .order_by_desc(message::Column::CreatedAt)
        .order_by_desc(message::Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(message_to_dto)
        .collect();
    messages.reverse();
    Ok(messages)
}

/// Adds the assistant's reply to the user's message `answering`, if that is
/// still the conversation's latest message; publishes it after commit.
///
/// Returns `None`, writing nothing, when the conversation was deleted
/// meanwhile (a reply must not bring it back) or has a newer message (whose
/// own reply answers it, with this one's question in its context).
pub async fn add_reply(
    db: &DatabaseConnection,
    hub: std::sync::Arc<crate::sync::Hub>,
    conversation_id: &str,
    answering: &str,
    content: &str,
) -> Result<Option<Message>, DbErr> {
    let mut content: String = content.trim().chars().take(REPLY_MAX).collect();
    if content.is_empty() {
        content = "I have no answer to that.".to_string();
    }
    let mut tx = Tx::begin(db, hub).await?;
    let now = Utc::now();
    // Touching the row first locks it (on PostgreSQL) against a message
    // posted at the same time, so the check below stays true until commit.
    let touched = conversation::Entity::update_many()
        .col_expr(conversation::Column::UpdatedAt, Expr::value(now))
        .filter(conversation::Column::Id.eq(conversation_id))
        .exec(&*tx)
        .await?;
    if touched.rows_affected == 0 {
        return Ok(None);
    }
    let latest = message::Entity::find()
        .filter(message::Column::ConversationId.eq(conversation_id))
        .order_by_desc(message::Column::CreatedAt)
        .order_by_desc(message::Column::Id)
        .one(&*tx)
        .await?;
    let Some(latest) = latest.filter(|m| m.id == answering) else {
        return Ok(None);
    };
    let model = message::ActiveModel {
        id: Set(new_id()),
        conversation_id: Set(conversation_id.to_string()),
        role: Set(Role::Assistant.as_str().to_string()),
        content: Set(content),
        // Never before the question, whatever the clock did meanwhile.
        created_at: Set(now.max(latest.created_at)),
    }
    .insert(&*tx)
    .await?;
    tx.changed(
        Resource::Conversations,
        Action::MessageCreated,
        conversation_id,
    );
    tx.commit().await?;
    Ok(Some(message_to_dto(model)))
}

/// The conversations whose latest message is the user's and was posted
/// after `since`, oldest question first: the replies still owed (e.g.
/// interrupted by a restart). An older question is no longer waited for.
pub async fn awaiting_reply(
    db: &impl ConnectionTrait,
    since: DateTime<Utc>,
) -> Result<Vec<String>, DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        conversation_id: String,
    }
    let backend = db.get_database_backend();
    let statement = Statement::from_sql_and_values(
        backend,
        AWAITING_REPLY,
        [Role::User.as_str().into(), since.into()],
    );
    Ok(Row::find_by_statement(statement)
        .all(db)
        .await?
        .into_iter()
        .map(|row| row.conversation_id)
        .collect())
}

/// A user message posted after `$2` with no later message in its
/// conversation (the same order as [`get`]: time, then id).
const AWAITING_REPLY: &str = "
    SELECT m.conversation_id AS conversation_id
    FROM messages AS m
    WHERE m.role = $1 AND m.created_at > $2 AND NOT EXISTS (
        SELECT 1 FROM messages AS n
        WHERE n.conversation_id = m.conversation_id
          AND (n.created_at > m.created_at OR (n.created_at = m.created_at AND n.id > m.id)))
    ORDER BY m.created_at, m.id";

fn to_dto(model: conversation::Model, message_count: i64) -> Conversation {
    Conversation {
        id: model.id,
        title: model.title,
        message_count: u64::try_from(message_count).unwrap_or(0),
        created_at: model.created_at,
        updated_at: model.updated_at,
    }
}

fn message_to_dto(model: message::Model) -> Message {
    Message {
        id: model.id,
        conversation_id: model.conversation_id,
        role: if model.role == Role::Assistant.as_str() {
            Role::Assistant
        } else {
            Role::User
        },
        content: model.content,
        created_at: model.created_at,
    }
}
