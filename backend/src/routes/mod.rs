//! The HTTP surface: REST under `/api`, the sync socket, and (in server mode)
//! the web bundle at `/`. Handlers are thin: extract, call one service, map.

mod conversations;
mod dashboard;
mod projects;
mod recordings;
mod search;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use earshot_shared::dto::Health;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::TraceLayer;

use crate::error::{ApiError, Json};
use crate::state::AppState;

/// Largest JSON body accepted (uploads have their own limit).
const JSON_BODY_LIMIT: usize = 4 * 1024 * 1024;

/// Builds the whole router.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/health", get(health))
        .merge(recordings::routes(&state))
        .merge(projects::routes())
        .merge(conversations::routes())
        .merge(search::routes())
        .merge(dashboard::routes())
        .route("/ws/sync", get(crate::sync::socket::upgrade))
        .fallback(|| async { ApiError::NotFound("route") })
        .method_not_allowed_fallback(|| async {
            ApiError::bad_request(
                "method_not_allowed",
                "This route does not take that method.",
            )
        })
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT));
    let mut app = Router::new().nest("/api", api);
    if let Some(web_dir) = &state.config.web_dir {
        let index = ServeFile::new(web_dir.join("index.html"));
        app = app.fallback_service(ServeDir::new(web_dir).fallback(index));
    }
    app.layer(TraceLayer::new_for_http()).with_state(state)
}

async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
    })
}
