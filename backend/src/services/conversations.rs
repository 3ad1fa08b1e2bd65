//! Conversations and their messages.

use std::collections::HashMap;

use chrono::Utc;
use earshot_shared::dto::{
    Conversation, ConversationDetail, Message, NewConversation, NewMessage, Role,
    UpdateConversation,
};
use earshot_shared::sync::{Action, Resource};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use super::required_text;
use crate::db::entities::{conversation, message};
use crate::db::new_id;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

const TITLE_MAX: usize = 200;
const CONTENT_MAX: usize = 10_000;
const DEFAULT_TITLE: &str = "New conversation";

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

/// Adds the user's message to a conversation.
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
    Ok(message_to_dto(model))
}

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
