//! The built web app at `/`, beside the API on the same origin (so the
//! page's requests and its sync socket need no CORS).
//!
//! `scripts/build-web` lays the bundle out as `index.html` plus
//! `assets/<content hash>/…`. So:
//!
//! - files under `/assets/` never change under the same name and are cached
//!   for a year (`immutable`); a missing one is a plain 404, not the page;
//! - everything else, `index.html` first, is revalidated on every load
//!   (`no-cache`, with `Last-Modified`), so a new build is picked up at once;
//! - any other path that is not a file (a deep link such as
//!   `/recordings/…`) gets `index.html`, and the app's router takes over;
//! - `.br` / `.gz` copies beside a file are sent as they are to a browser
//!   that accepts them; other responses are gzipped on the fly.

use std::path::Path;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::middleware;
use axum::response::Response;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};

/// `Cache-Control` of content-addressed files.
const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
/// `Cache-Control` of everything else: always ask whether it changed.
const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");

/// The router that serves the bundle in `dir`.
pub fn bundle(dir: &Path) -> Router {
    let assets = ServeDir::new(dir.join("assets"))
        .precompressed_br()
        .precompressed_gzip();
    let pages = ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(ServeFile::new(dir.join("index.html")));
    Router::new()
        .nest_service(
            "/assets",
            Router::new()
                .fallback_service(assets)
                .layer(middleware::map_response(cache_for_good)),
        )
        .fallback_service(
            Router::new()
                .fallback_service(pages)
                .layer(middleware::map_response(revalidate)),
        )
        .layer(CompressionLayer::new().gzip(true))
}

async fn cache_for_good(mut response: Response) -> Response {
    let value = if response.status().is_success() {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    response.headers_mut().insert(header::CACHE_CONTROL, value);
    response
}

async fn revalidate(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, REVALIDATE);
    response
}
