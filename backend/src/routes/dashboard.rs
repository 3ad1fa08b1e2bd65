use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use chrono::{Days, Utc};
use earshot_shared::keys;

use super::cached;
use crate::error::ApiResult;
use crate::results::Lifetime;
use crate::services::dashboard;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/dashboard/stats", get(stats))
}

async fn stats(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    let db = state.db.clone();
    let compute = async move { dashboard::stats(&db).await };
    // The imports per day end today: the answer is kept until midnight (UTC)
    // at most.
    let now = Utc::now();
    let midnight = (now.date_naive() + Days::new(1))
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc();
    let left = (midnight - now).to_std().unwrap_or_default();
    let key = keys::dashboard::stats();
    cached(&state, &headers, key, Lifetime::AtMost(left), compute).await
}
