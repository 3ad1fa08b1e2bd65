use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{delete, get, post};
use earshot_shared::dto::{SearchRequest, SearchResponse};
use earshot_shared::keys;

use super::cached;
use crate::error::{ApiResult, Json, Path};
use crate::results::Lifetime;
use crate::services::search;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/search", post(run))
        .route("/search/history", get(history).delete(clear))
        .route("/search/history/{id}", delete(delete_entry))
}

async fn run(
    State(state): State<AppState>,
    Json(body): Json<SearchRequest>,
) -> ApiResult<Json<SearchResponse>> {
    Ok(Json(search::search(&state, body).await?))
}

async fn history(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    let db = state.db.clone();
    let compute = async move { search::history(&db).await };
    let key = keys::search::history();
    cached(&state, &headers, key, Lifetime::UntilChanged, compute).await
}

async fn delete_entry(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    search::delete_history_entry(&state, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn clear(State(state): State<AppState>) -> ApiResult<StatusCode> {
    search::clear_history(&state).await?;
    Ok(StatusCode::NO_CONTENT)
}
