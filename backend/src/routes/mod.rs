//! The HTTP surface: REST under `/api`, the sync socket, and (in server mode)
//! the web bundle at `/`. Handlers are thin: extract, call one service, map.

mod conversations;
mod dashboard;
mod projects;
mod recordings;
mod search;
mod web;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use earshot_shared::dto::Health;
use earshot_shared::keys::QueryKey;
use earshot_shared::sync::{POSITION_HEADER, Position};
use serde::Serialize;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;

use crate::access::{self, Access};
use crate::error::{ApiError, ApiResult, Json};
use crate::results::{Answer, Lifetime};
use crate::state::{AppState, Mutations};
use crate::sync::hub::Hub;

/// Largest JSON body accepted (uploads have their own limit): room for a
/// maximal transcript and notes even when every character is sent as a
/// `\uXXXX` escape (2,000,000 × 6 bytes + 100,000 × 6 bytes).
const JSON_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// Answers a read from the result cache: the answer `compute` gives for
/// `key`, computed once however many requests ask meanwhile, or `304` when
/// the request's `If-None-Match` already names it.
async fn cached<T, F>(
    state: &AppState,
    request: &HeaderMap,
    key: QueryKey,
    lifetime: Lifetime,
    compute: F,
) -> ApiResult<Response>
where
    T: Serialize,
    F: Future<Output = ApiResult<T>> + Send + 'static,
{
    let results = state.hub.results();
    let answer = results
        .answer(key, lifetime, async move { Answer::of(&compute.await?) })
        .await?;
    Ok(results.respond(&answer, request))
}

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
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
        .layer(middleware::from_fn_with_state(
            state.mutations.clone(),
            run_to_completion,
        ))
        .layer(middleware::from_fn_with_state(
            state.hub.clone(),
            stamp_position,
        ))
        .layer(middleware::from_fn_with_state(
            Access::new(
                state.config.token.clone(),
                state.config.allowed_origins.clone(),
            ),
            access::guard,
        ));
    let mut app = Router::new().nest("/api", api);
    if let Some(web_dir) = &state.config.web_dir {
        app = app.fallback_service(web::bundle(web_dir));
    }
    if let Some(cors) = cors(&state.config.allowed_origins) {
        app = app.layer(cors);
    }
    app.layer(TraceLayer::new_for_http()).with_state(state)
}

/// CORS for the configured web origins (the server's own needs none).
fn cors(origins: &[String]) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|origin| HeaderValue::from_str(origin.trim_end_matches('/')).ok())
        .collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::IF_NONE_MATCH,
            ])
            .expose_headers([HeaderName::from_static(POSITION_HEADER), header::ETAG]),
    )
}

/// Tells the client how far into the change sequence its read is: the
/// position is taken before the handler reads, and every change up to it was
/// committed before it was published, so the response includes them all.
async fn stamp_position(State(hub): State<Arc<Hub>>, request: Request, next: Next) -> Response {
    let position = Position {
        epoch: hub.epoch().to_string(),
        seq: hub.seq(),
    };
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(&position.to_string()) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(POSITION_HEADER), value);
    }
    response
}

async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
    })
}

/// Runs every request that may change something in a task of its own and
/// waits for it. A client that goes away drops the request's future; were the
/// handler inside it, it could stop between a commit and its broadcast, or
/// between storing a file and recording it. Once started, a mutation now runs
/// to its end whatever the client does.
async fn run_to_completion(
    State(mutations): State<Mutations>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let running = mutations.start();
    let handler = tokio::spawn(async move {
        let response = next.run(request).await;
        drop(running);
        response
    });
    match handler.await {
        Ok(response) => response,
        Err(err) => {
            ApiError::Internal(anyhow::Error::new(err).context("the request's task failed"))
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use axum::routing::post;
    use tokio::io::AsyncWriteExt;
    use tokio::net::{TcpListener, TcpStream};
    use tokio::sync::oneshot;

    use super::*;

    /// Sends `()` when dropped.
    struct OnDrop(Option<oneshot::Sender<()>>);

    impl Drop for OnDrop {
        fn drop(&mut self) {
            if let Some(signal) = self.0.take() {
                let _ = signal.send(());
            }
        }
    }

    fn take<T>(slot: &Mutex<Option<T>>) -> T {
        slot.lock().unwrap().take().expect("one request")
    }

    #[tokio::test]
    async fn a_mutation_runs_to_completion_after_its_client_disconnects() {
        let (started, on_start) = oneshot::channel::<()>();
        let (release, on_release) = oneshot::channel::<()>();
        let (finished, on_finish) = oneshot::channel::<()>();
        let (abandoned, on_abandon) = oneshot::channel::<()>();
        let handler_slot = Arc::new(Mutex::new(Some((started, on_release, finished))));
        let handler = move || {
            let (started, on_release, finished) = take(&handler_slot);
            async move {
                let _ = started.send(());
                let _ = on_release.await;
                let _ = finished.send(());
            }
        };
        // Outside the layer under test: tells when the server drops the
        // request's future, i.e. has noticed that the client is gone.
        let abandoned_slot = Arc::new(Mutex::new(Some(abandoned)));
        let observe = move |request: Request, next: Next| {
            let guard = OnDrop(Some(take(&abandoned_slot)));
            async move {
                let response = next.run(request).await;
                drop(guard);
                response
            }
        };
        let app = Router::new()
            .route("/", post(handler))
            .layer(middleware::from_fn_with_state(
                Mutations::new(),
                run_to_completion,
            ))
            .layer(middleware::from_fn(observe));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        let patience = Duration::from_secs(20);

        let mut client = TcpStream::connect(address).await.unwrap();
        client
            .write_all(b"POST / HTTP/1.1\r\nhost: test\r\ncontent-length: 0\r\n\r\n")
            .await
            .unwrap();
        tokio::time::timeout(patience, on_start)
            .await
            .unwrap()
            .unwrap();
        drop(client);
        tokio::time::timeout(patience, on_abandon)
            .await
            .expect("the server notices the disconnect")
            .unwrap();
        let _ = release.send(());

        let outcome = tokio::time::timeout(patience, on_finish).await.unwrap();
        assert!(outcome.is_ok(), "the handler was dropped midway");
    }
}
