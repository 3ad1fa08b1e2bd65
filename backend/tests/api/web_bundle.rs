//! The web bundle at `/`: the page for every path that is not a file, the
//! right content types, compressed transfers, cache headers, and the API
//! beside it on the same origin.

use std::path::Path;

use reqwest::StatusCode;
use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE};

use crate::helpers::spawn_app_with;

const INDEX: &str = "<!doctype html><title>Earshot</title><div id=\"main\"></div>";

/// A bundle shaped like `scripts/build-web`'s output: the wasm module is
/// large enough to be worth compressing, and the loader has a `.gz` copy.
fn write_bundle(dir: &Path) -> Vec<u8> {
    let assets = dir.join("assets/0123456789abcdef");
    std::fs::create_dir_all(&assets).unwrap();
    std::fs::write(dir.join("index.html"), INDEX).unwrap();
    let module: Vec<u8> = b"\0asm\x01\0\0\0"
        .iter()
        .copied()
        .chain((0..4096u32).map(|i| (i % 7) as u8))
        .collect();
    std::fs::write(assets.join("earshot_bg.wasm"), &module).unwrap();
    std::fs::write(
        assets.join("earshot.js"),
        "export default function init() {}\n",
    )
    .unwrap();
    let precompressed = b"not really gzip, but the server must not care".to_vec();
    std::fs::write(assets.join("earshot.js.gz"), &precompressed).unwrap();
    precompressed
}

#[tokio::test]
async fn the_page_is_served_for_every_path_that_is_not_a_file_and_revalidated() {
    let bundle = tempfile::tempdir().unwrap();
    write_bundle(bundle.path());
    let web_dir = bundle.path().to_path_buf();
    let app = spawn_app_with(|config| config.web_dir = Some(web_dir)).await;

    for path in ["/", "/index.html", "/recordings/some-id", "/search"] {
        let response = app
            .http
            .get(format!("http://{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.headers()[CACHE_CONTROL], "no-cache", "{path}");
        assert!(
            response.headers()[CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
        assert_eq!(response.text().await.unwrap(), INDEX, "{path}");
    }
    // The API keeps its own answers, unknown routes included.
    let health = app.http.get(app.url("/health")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let unknown = app.http.get(app.url("/nope")).send().await.unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(
        unknown.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
}

#[tokio::test]
async fn assets_are_typed_compressed_and_cached_for_good() {
    let bundle = tempfile::tempdir().unwrap();
    let precompressed = write_bundle(bundle.path());
    let web_dir = bundle.path().to_path_buf();
    let app = spawn_app_with(|config| config.web_dir = Some(web_dir)).await;
    let asset = |name: &str| format!("http://{}/assets/0123456789abcdef/{name}", app.address);

    let plain = app.http.get(asset("earshot_bg.wasm")).send().await.unwrap();
    assert_eq!(plain.status(), StatusCode::OK);
    assert_eq!(plain.headers()[CONTENT_TYPE], "application/wasm");
    assert_eq!(
        plain.headers()[CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert!(plain.headers().get(CONTENT_ENCODING).is_none());

    let gzipped = app
        .http
        .get(asset("earshot_bg.wasm"))
        .header(ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gzipped.headers()[CONTENT_TYPE], "application/wasm");
    assert_eq!(gzipped.headers()[CONTENT_ENCODING], "gzip");
    let body = gzipped.bytes().await.unwrap();
    assert_eq!(&body[..2], b"\x1f\x8b", "a gzip stream");
    assert!(body.len() < 4096, "compressed: {} bytes", body.len());

    let loader = app
        .http
        .get(asset("earshot.js"))
        .header(ACCEPT_ENCODING, "br, gzip")
        .send()
        .await
        .unwrap();
    assert!(
        loader.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    assert_eq!(loader.headers()[CONTENT_ENCODING], "gzip");
    assert_eq!(
        loader.bytes().await.unwrap(),
        precompressed,
        "the .gz copy as it is"
    );

    let missing = app.http.get(asset("gone.js")).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND, "not the page");
    assert_eq!(missing.headers()[CACHE_CONTROL], "no-cache");
}

#[tokio::test]
async fn with_a_token_the_page_loads_without_it_and_the_api_does_not() {
    let bundle = tempfile::tempdir().unwrap();
    write_bundle(bundle.path());
    let web_dir = bundle.path().to_path_buf();
    let app = spawn_app_with(|config| {
        config.web_dir = Some(web_dir);
        config.token = Some("s3cret".into());
    })
    .await;

    // The page has to load to ask for the token.
    let page = app
        .http
        .get(format!("http://{}/", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let refused = app.http.get(app.url("/projects")).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let allowed = app
        .http
        .get(app.url("/projects"))
        .bearer_auth("s3cret")
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status(), StatusCode::OK);
}
