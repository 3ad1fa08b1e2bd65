//! The root component: the stylesheet, the API client, the query cache,
//! toasts and live sync in context, the router.

use dioxus::prelude::*;

use crate::api::{ApiClient, ServerAddress};
use crate::components::toasts::ToastProvider;
use crate::mutations::uploads::UploadList;
use crate::query::QueryClientProvider;
use crate::query::inspector::CacheInspector;
use crate::route::Route;
use crate::sync::SyncProvider;

/// The one stylesheet, compiled in so the app needs no asset pipeline (`dx`
/// is optional; without it `asset!()` would not resolve in the web build).
pub(crate) const STYLE: &str = include_str!("../../assets/style.css");

/// The whole app. Expects a [`ServerAddress`] in the root context (the
/// platform launcher provides it) and provides an [`ApiClient`] for it.
#[component]
pub fn App() -> Element {
    let address = use_context::<ServerAddress>();
    use_context_provider(|| ApiClient::new(address));
    use_context_provider(UploadList::new_at_root);
    rsx! {
        document::Title { "Earshot" }
        document::Style { "{STYLE}" }
        QueryClientProvider {
            ToastProvider {
                SyncProvider {
                    Router::<Route> {}
                    CacheInspector {}
                }
            }
        }
    }
}

/// The API client of the server this app talks to.
///
/// Pages give it to [`crate::query::use_query`] as their fetcher.
pub fn use_api() -> ApiClient {
    use_context::<ApiClient>()
}
