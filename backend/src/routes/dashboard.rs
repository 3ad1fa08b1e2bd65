use axum::Router;
use axum::extract::State;
use axum::routing::get;
use earshot_shared::dto::DashboardStats;

use crate::error::{ApiResult, Json};
use crate::services::dashboard;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/dashboard/stats", get(stats))
}

async fn stats(State(state): State<AppState>) -> ApiResult<Json<DashboardStats>> {
    Ok(Json(dashboard::stats(&state.db).await?))
}
