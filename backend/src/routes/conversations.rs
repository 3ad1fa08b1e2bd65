use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use earshot_shared::dto::{Conversation, Message, NewConversation, NewMessage, UpdateConversation};
use earshot_shared::keys;

use super::cached;
use crate::error::{ApiResult, Json, Path};
use crate::results::Lifetime;
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

async fn list(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    let db = state.db.clone();
    let compute = async move { conversations::list(&db).await };
    let key = keys::conversations::list();
    cached(&state, &headers, key, Lifetime::UntilChanged, compute).await
}

async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let key = keys::conversations::detail(&id);
    let db = state.db.clone();
    let compute = async move { conversations::get(&db, &id).await };
    cached(&state, &headers, key, Lifetime::UntilChanged, compute).await
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
