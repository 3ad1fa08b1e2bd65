//! The access token of a server that wants one, as the web build gets it.
//!
//! A shared link reads `http://host:port/#token=…`. The fragment is never
//! sent to the server, so the token stays out of every request line and
//! log; the page takes it from there, keeps it in `localStorage` (per
//! origin, so one server's token is never offered to another) and removes
//! it from the address bar, out of sight, history and bookmarks. Requests
//! then carry it as `Authorization: Bearer …`, the sync socket as its
//! `earshot.token.…` subprotocol.

/// The `localStorage` key of the token.
const STORAGE_KEY: &str = "earshot.token";

/// The token a link brought (stored, and removed from the address bar), or
/// else the one stored by an earlier visit.
pub fn from_page() -> Option<String> {
    take_from_fragment().or_else(stored)
}

/// Keeps `token` for the next visits.
pub fn store(token: &str) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(STORAGE_KEY, token);
    }
}

/// Forgets the stored token (the server refused it).
pub fn forget() {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(STORAGE_KEY);
    }
}

fn stored() -> Option<String> {
    storage()?
        .get_item(STORAGE_KEY)
        .ok()
        .flatten()
        .filter(|token| !token.is_empty())
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Reads `token=…` from the fragment, stores it, and rewrites the address
/// without it (keeping whatever else the fragment held).
fn take_from_fragment() -> Option<String> {
    let window = web_sys::window()?;
    let location = window.location();
    let fragment = location.hash().ok()?;
    let (token, rest) = split_token(fragment.strip_prefix('#').unwrap_or(&fragment))?;
    store(&token);
    let mut address = format!(
        "{}{}",
        location.pathname().unwrap_or_default(),
        location.search().unwrap_or_default()
    );
    if !rest.is_empty() {
        address = format!("{address}#{rest}");
    }
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&address));
    }
    Some(token)
}

/// Splits `a=1&token=T&b=2` into the token (percent-decoded) and the rest.
fn split_token(fragment: &str) -> Option<(String, String)> {
    let mut token = None;
    let mut rest = Vec::new();
    for part in fragment.split('&').filter(|part| !part.is_empty()) {
        match part.strip_prefix("token=") {
            Some(value) if token.is_none() => token = Some(percent_decode(value)),
            _ => rest.push(part),
        }
    }
    let token = token.filter(|token| !token.is_empty())?;
    Some((token, rest.join("&")))
}

/// Decodes `%XX` escapes (tokens are hex, but a pasted link may be escaped).
fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| value.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
