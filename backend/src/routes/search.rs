use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use earshot_shared::dto::{SearchHistoryEntry, SearchRequest, SearchResponse};

use crate::error::{ApiResult, Json, Path};
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

async fn history(State(state): State<AppState>) -> ApiResult<Json<Vec<SearchHistoryEntry>>> {
    Ok(Json(search::history(&state.db).await?))
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
