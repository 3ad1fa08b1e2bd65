//! `/search`: search titles, notes and transcripts; the saved history below,
//! whose entries can be forgotten one by one or all at once.

use std::rc::Rc;

use dioxus::prelude::*;
use earshot_shared::dto::{
    SearchField, SearchHistoryEntry, SearchRequest, SearchResponse, SearchResult,
};
use earshot_shared::keys;

use crate::api::ApiError;
use crate::app::use_api;
use crate::components::inline_edit::ConfirmButton;
use crate::components::load_state::{EmptyState, LoadError, Loading};
use crate::components::page_header::PageHeader;
use crate::components::search_box::SearchBox;
use crate::components::snippet::HighlightedSnippet;
use crate::components::transcript::query_words;
use crate::format;
use crate::mutations::{use_clear_search_history, use_delete_search_entry};
use crate::query::use_query;
use crate::route::Route;

/// What the last search did.
#[derive(Clone, Debug, PartialEq)]
enum SearchState {
    /// Nothing searched yet.
    Idle,
    /// Waiting for the answer to this query.
    Running(String),
    /// The answer, or why there is none.
    Done(Result<SearchResponse, ApiError>),
}

/// A search box that runs `POST /api/search`, its results, and the history
/// from `GET /api/search/history`.
#[component]
pub fn SearchPage() -> Element {
    let api = use_api();
    let history_api = api.clone();
    let history = use_query(keys::search::history(), move || {
        let api = history_api.clone();
        async move { api.search_history().await }
    });
    // What the search box holds. Kept up to date by the box, read only in
    // handlers, so typing does not re-render the page.
    let mut query = use_signal(String::new);
    let mut box_generation = use_signal(|| 0u32);
    let mut state = use_signal(|| SearchState::Idle);
    // Numbers the searches, so that an older answer arriving late does not
    // replace a newer one.
    let mut latest = use_signal(|| 0u64);

    // Runs `text` as a search; the server saves it, so the history is
    // fetched again once the answer is in.
    let run = use_callback(move |text: String| {
        let text = text.trim().to_string();
        if text.is_empty() {
            return;
        }
        latest += 1;
        let this_search = *latest.peek();
        state.set(SearchState::Running(text.clone()));
        let api = api.clone();
        spawn(async move {
            let request = SearchRequest {
                query: text,
                limit: None,
            };
            let answer = api.search(&request).await;
            if *latest.peek() == this_search {
                state.set(SearchState::Done(answer));
            }
            history.refetch();
        });
    });

    let results = match state() {
        SearchState::Idle => rsx! {},
        SearchState::Running(text) => rsx! { Loading { label: "Searching for “{text}”…" } },
        SearchState::Done(Err(error)) => rsx! {
            LoadError { message: error.to_string(), on_retry: move |_| run(query.peek().clone()) }
        },
        SearchState::Done(Ok(response)) if response.results.is_empty() => rsx! {
            EmptyState {
                title: "No matches",
                message: "Nothing matches “{response.query}”. Every word has to appear; \
                          the last one may be the start of a word.",
            }
        },
        SearchState::Done(Ok(response)) => rsx! {
            p { class: "muted",
                {format::count(response.results.len() as u64, "result", "results")}
                " for “{response.query}”"
            }
            ol { class: "card-list",
                for (rank, result) in response.results.into_iter().enumerate() {
                    SearchResultItem {
                        key: "{rank}-{result.recording_id}",
                        result,
                        query: response.query.clone(),
                    }
                }
            }
        },
    };

    let delete_entry = use_delete_search_entry();
    let clear_history = use_clear_search_history();
    let on_delete = use_callback(move |id: String| delete_entry.mutate(id));
    let has_history = history.data().is_some_and(|entries| !entries.is_empty());

    let history_list = match history.result().map(|r| r.map(Rc::unwrap_or_clone)) {
        None => rsx! { Loading { label: "Loading history…" } },
        Some(Err(error)) => rsx! {
            LoadError { message: error.to_string(), on_retry: move |_| history.refetch() }
        },
        Some(Ok(entries)) if entries.is_empty() => rsx! {
            p { class: "muted", "Searches you run are kept here." }
        },
        Some(Ok(entries)) => rsx! {
            ul { class: "history-list",
                for entry in entries {
                    SearchHistoryItem {
                        key: "{entry.id}",
                        entry,
                        on_select: move |text: String| {
                            query.set(text.clone());
                            box_generation += 1;
                            run(text);
                        },
                        on_delete,
                    }
                }
            }
        },
    };

    rsx! {
        PageHeader { title: "Search" }
        // A new key re-creates the box with `query` in it (see `SearchBox`).
        for generation in [box_generation()] {
            SearchBox {
                key: "{generation}",
                initial: query.peek().clone(),
                on_input: move |text| query.set(text),
                on_submit: move |_| run(query.peek().clone()),
            }
        }
        section { class: "search-results", aria_live: "polite", {results} }
        section { class: "card panel",
            div { class: "panel-heading",
                h2 { class: "panel-title", "Recent searches" }
                if has_history {
                    ConfirmButton {
                        label: "Clear all",
                        question: "Forget every saved search?",
                        on_confirm: move |_| clear_history.mutate(()),
                    }
                }
            }
            {history_list}
        }
    }
}

/// Where a result leads: a transcript match opens the recording with the
/// passage holding the query's words marked; other matches open it plainly.
pub fn result_route(result: &SearchResult, query: &str) -> Route {
    let words = query_words(query).join(" ");
    match result.field {
        SearchField::Transcript if !words.is_empty() => Route::RecordingAt {
            id: result.recording_id.clone(),
            t: None,
            q: Some(words),
        },
        _ => Route::Recording {
            id: result.recording_id.clone(),
        },
    }
}

/// One result: the recording's title (a link to it, at the passage),
/// where it matched, and the passage with the hits marked.
#[component]
fn SearchResultItem(result: SearchResult, query: String) -> Element {
    let field = match result.field {
        SearchField::Title => "Title",
        SearchField::Notes => "Notes",
        SearchField::Transcript => "Transcript",
    };
    let to = result_route(&result, &query);
    rsx! {
        li { class: "card list-card search-result",
            div { class: "list-card-text",
                Link { class: "row-title", to: to.clone(), "{result.title}" }
                span { class: "row-sub", "Matched in {field}" }
                Link { class: "snippet-link", to, HighlightedSnippet { parts: result.snippet } }
            }
        }
    }
}

/// A saved search; choosing it runs it again; × forgets it.
#[component]
fn SearchHistoryItem(
    entry: SearchHistoryEntry,
    on_select: EventHandler<String>,
    on_delete: EventHandler<String>,
) -> Element {
    let query = entry.query.clone();
    let id = entry.id.clone();
    rsx! {
        li { class: "history-item",
            button {
                class: "link-button",
                onclick: move |_| on_select.call(query.clone()),
                "{entry.query}"
            }
            span { class: "history-meta",
                span { class: "row-sub",
                    {format::count(entry.result_count, "result", "results")}
                    " · {format::when(&entry.created_at)}"
                }
                button {
                    class: "icon-button",
                    r#type: "button",
                    title: "Forget this search",
                    aria_label: "Forget “{entry.query}”",
                    "data-action": "delete",
                    onclick: move |_| on_delete.call(id.clone()),
                    "×"
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use earshot_shared::dto::SnippetPart;

    use super::*;

    fn result(field: SearchField) -> SearchResult {
        SearchResult {
            recording_id: "r1".into(),
            title: "Standup".into(),
            field,
            snippet: vec![SnippetPart {
                text: "budget".into(),
                hit: true,
            }],
            score: 1.0,
        }
    }

    #[test]
    fn transcript_results_lead_to_their_passage_with_safe_words() {
        assert_eq!(
            result_route(&result(SearchField::Transcript), "budget & plans=now"),
            Route::RecordingAt {
                id: "r1".into(),
                t: None,
                q: Some("budget plans now".into()),
            }
        );
        assert_eq!(
            result_route(&result(SearchField::Notes), "budget"),
            Route::Recording { id: "r1".into() }
        );
    }
}
