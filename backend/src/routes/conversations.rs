use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use earshot_shared::dto::{
    Conversation, ConversationDetail, Message, NewConversation, NewMessage, UpdateConversation,
};

use crate::error::{ApiResult, Json, Path};
use crate::services::conversations;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/conversations", get(list).post(create))
        .route(
            "/conversations/{id}",
            get(show).patch(update).delete(delete),
        )
        .route("/conversations/{id}/messages", post(post_message))
}

async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<Conversation>>> {
    Ok(Json(conversations::list(&state.db).await?))
}

async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<ConversationDetail>> {
    Ok(Json(conversations::get(&state.db, &id).await?))
}

async fn create(
    State(state): State<AppState>,
    Json(body): Json<NewConversation>,
) -> ApiResult<(StatusCode, Json<Conversation>)> {
    Ok((
        StatusCode::CREATED,
        Json(conversations::create(&state, body).await?),
    ))
}

async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Json(body): Json<UpdateConversation>,
) -> ApiResult<Json<Conversation>> {
    Ok(Json(conversations::update(&state, &id, body).await?))
}

async fn delete(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<StatusCode> {
    conversations::delete(&state, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn post_message(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Json(body): Json<NewMessage>,
) -> ApiResult<(StatusCode, Json<Message>)> {
    Ok((
        StatusCode::CREATED,
        Json(conversations::post_message(&state, &id, body).await?),
    ))
}
