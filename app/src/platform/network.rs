//! The HTTP client, and noticing that the network came back.

/// How long connecting to the server may take (native builds; a browser
/// has its own limit).
#[cfg(not(target_arch = "wasm32"))]
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The HTTP client, with a connect timeout.
#[cfg(not(target_arch = "wasm32"))]
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .build()
        .unwrap_or_default()
}

/// The HTTP client: the browser's `fetch`, whose connect timeout is its own.
#[cfg(target_arch = "wasm32")]
pub fn http_client() -> reqwest::Client {
    reqwest::Client::new()
}

/// Calls `on_online` when the browser reports the network is back.
#[cfg(all(feature = "web", not(any(feature = "desktop", feature = "mobile"))))]
pub fn use_online(on_online: impl Fn() + 'static) {
    use std::rc::Rc;

    use dioxus::core::use_hook_with_cleanup;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;

    use_hook_with_cleanup(
        move || {
            let window = web_sys::window()?;
            let online = Closure::<dyn Fn()>::new(on_online);
            window
                .add_event_listener_with_callback("online", online.as_ref().unchecked_ref())
                .ok()?;
            // In an Rc: hook values are cloned, closures cannot be.
            Some(Rc::new((window, online)))
        },
        |listener| {
            if let Some(listener) = listener {
                let (window, online) = &*listener;
                let _ = window
                    .remove_event_listener_with_callback("online", online.as_ref().unchecked_ref());
            }
        },
    );
}

/// Native builds have no such event; the reconnect schedule covers it.
#[cfg(any(feature = "desktop", feature = "mobile"))]
pub fn use_online(on_online: impl Fn() + 'static) {
    let _ = on_online;
}
