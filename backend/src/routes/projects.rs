use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use earshot_shared::dto::{NewProject, Project, UpdateProject};
use earshot_shared::keys;

use super::cached;
use crate::error::{ApiResult, Json, Path};
use crate::results::Lifetime;
use crate::services::projects;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/projects", get(list).post(create))
        .route("/projects/{id}", get(show).patch(update).delete(delete))
}

async fn list(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    let db = state.db.clone();
    let compute = async move { projects::list(&db).await };
    cached(
        &state,
        &headers,
        keys::projects::list(),
        Lifetime::UntilChanged,
        compute,
    )
    .await
}

async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let key = keys::projects::detail(&id);
    let db = state.db.clone();
    let compute = async move { projects::get(&db, &id).await };
    cached(&state, &headers, key, Lifetime::UntilChanged, compute).await
}

async fn create(
    State(state): State<AppState>,
    Json(body): Json<NewProject>,
) -> ApiResult<(StatusCode, Json<Project>)> {
    Ok((
        StatusCode::CREATED,
        Json(projects::create(&state, body).await?),
    ))
}

async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Json(body): Json<UpdateProject>,
) -> ApiResult<Json<Project>> {
    Ok(Json(projects::update(&state, &id, body).await?))
}

async fn delete(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<StatusCode> {
    projects::delete(&state, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
