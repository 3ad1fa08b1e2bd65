//! Full-text search over titles, notes and transcripts, and its history.
//!
//! On SQLite the FTS5 index (kept by triggers, see the migrations) answers
//! the query, ranked by BM25 with titles weighted above notes above
//! transcripts; the snippet comes from the best field that matched. On
//! PostgreSQL `ts_rank` over the same weighted fields does.
//!
//! [`sources`] is the same ranking with any word matching rather than every
//! word: the assistant's first step in finding the passages that answer a
//! question.

use chrono::Utc;
use earshot_shared::dto::{
    SearchField, SearchHistoryEntry, SearchRequest, SearchResponse, SearchResult, SnippetPart,
};
use earshot_shared::sync::{Action, Resource};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait,
    FromQueryResult, QueryOrder, QuerySelect, Statement,
};

use crate::db::entities::search_history;
use crate::db::new_id;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

const QUERY_MAX: usize = 500;
const DEFAULT_LIMIT: u32 = 20;
const MAX_LIMIT: u32 = 100;
const HISTORY_LIMIT: u64 = 100;
const HIT_START: char = '\u{2}';
const HIT_END: char = '\u{3}';

#[derive(Debug, FromQueryResult)]
struct Row {
    recording_id: String,
    title: String,
    score: f64,
    title_snippet: String,
    notes_snippet: String,
    transcript_snippet: String,
}

/// Runs a search and saves it to the history.
pub async fn search(state: &AppState, request: SearchRequest) -> ApiResult<SearchResponse> {
    let query = request.query.trim().to_string();
    if query.chars().count() > QUERY_MAX {
        return Err(ApiError::bad_request(
            "invalid_query",
            format!("A search may be at most {QUERY_MAX} characters."),
        ));
    }
    let limit = request.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_request(
            "invalid_query",
            format!("`limit` must be 1 to {MAX_LIMIT}."),
        ));
    }
    let words = words_of(&query);
    if words.is_empty() {
        return Err(ApiError::bad_request(
            "invalid_query",
            "Type at least one word to search for.",
        ));
    }
    // Read on the pool, outside the write transaction below: a search,
    // however long, holds up no write.
    let backend = state.db.get_database_backend();
    let statement = match backend {
        DatabaseBackend::Sqlite => Statement::from_sql_and_values(
            backend,
            SQLITE_SEARCH,
            [fts5_expression(&words).into(), i64::from(limit).into()],
        ),
        DatabaseBackend::Postgres => Statement::from_sql_and_values(
            backend,
            POSTGRES_SEARCH,
            [tsquery_expression(&words).into(), i64::from(limit).into()],
        ),
        _ => {
            return Err(ApiError::Unsupported(
                "Search needs SQLite or PostgreSQL.".to_string(),
            ));
        }
    };
    let rows = Row::find_by_statement(statement).all(&state.db).await?;
    let results: Vec<SearchResult> = rows.into_iter().map(to_result).collect();

    let mut tx = state.begin().await?;

    let entry_id = new_id();
    search_history::ActiveModel {
        id: Set(entry_id.clone()),
        query: Set(query.clone()),
        result_count: Set(i64::try_from(results.len()).unwrap_or(i64::MAX)),
        created_at: Set(Utc::now()),
    }
    .insert(&*tx)
    .await?;
    tx.changed(Resource::SearchHistory, Action::Created, entry_id);
    tx.commit().await?;
    Ok(SearchResponse { query, results })
}

/// The most recent searches, newest first.
pub async fn history(db: &impl ConnectionTrait) -> ApiResult<Vec<SearchHistoryEntry>> {
    Ok(search_history::Entity::find()
        .order_by_desc(search_history::Column::CreatedAt)
        .order_by_desc(search_history::Column::Id)
        .limit(HISTORY_LIMIT)
        .all(db)
        .await?
        .into_iter()
        .map(|m| SearchHistoryEntry {
            id: m.id,
            query: m.query,
            result_count: u64::try_from(m.result_count).unwrap_or(0),
            created_at: m.created_at,
        })
        .collect())
}

/// Deletes one saved search.
pub async fn delete_history_entry(state: &AppState, id: &str) -> ApiResult<()> {
    let mut tx = state.begin().await?;
    let deleted = search_history::Entity::delete_by_id(id).exec(&*tx).await?;
    if deleted.rows_affected == 0 {
        return Err(ApiError::NotFound("search history entry"));
    }
    tx.changed(Resource::SearchHistory, Action::Deleted, id);
    tx.commit().await?;
    Ok(())
}

/// Deletes every saved search.
pub async fn clear_history(state: &AppState) -> ApiResult<()> {
    let mut tx = state.begin().await?;
    let deleted = search_history::Entity::delete_many().exec(&*tx).await?;
    if deleted.rows_affected > 0 {
        tx.changed_all(Resource::SearchHistory, Action::Deleted);
    }
    tx.commit().await?;
    Ok(())
}

/// A recording that matches a question, with the text to find passages in.
#[derive(Clone, Debug, PartialEq)]
pub struct Source {
    /// The recording.
    pub recording_id: String,
    /// Its title.
    pub title: String,
    /// Its notes.
    pub notes: String,
    /// Its transcript.
    pub transcript: String,
    /// Its length, once processed.
    pub duration_ms: Option<u64>,
}

#[derive(Debug, FromQueryResult)]
struct SourceRow {
    recording_id: String,
    title: String,
    notes: String,
    transcript: String,
    duration_ms: Option<i64>,
}

/// The recordings, at most `limit`, whose title, notes or transcript hold
/// any of `prefixes` (lowercase letters and digits, each matched as a word
/// prefix), best first by the same weighted ranking as [`search`].
pub async fn sources(
    db: &impl ConnectionTrait,
    prefixes: &[String],
    limit: u64,
) -> Result<Vec<Source>, DbErr> {
    let words: Vec<&str> = prefixes
        .iter()
        .flat_map(|p| words_of(p))
        .collect::<Vec<_>>();
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let statement = match backend {
        DatabaseBackend::Sqlite => {
            let any = words
                .iter()
                .map(|w| format!("\"{w}\"*"))
                .collect::<Vec<_>>()
                .join(" OR ");
            Statement::from_sql_and_values(backend, SQLITE_SOURCES, [any.into(), limit.into()])
        }
        DatabaseBackend::Postgres => {
            let any = words
                .iter()
                .map(|w| format!("'{w}':*"))
                .collect::<Vec<_>>()
                .join(" | ");
            Statement::from_sql_and_values(backend, POSTGRES_SOURCES, [any.into(), limit.into()])
        }
        _ => return Ok(Vec::new()),
    };
    let rows = SourceRow::find_by_statement(statement).all(db).await?;
    Ok(rows
        .into_iter()
        .map(|row| Source {
            recording_id: row.recording_id,
            title: row.title,
            notes: row.notes,
            transcript: row.transcript,
            duration_ms: row.duration_ms.and_then(|ms| u64::try_from(ms).ok()),
        })
        .collect())
}

const SQLITE_SOURCES: &str = "
    SELECT r.id AS recording_id, r.title AS title, r.notes AS notes,
           r.transcript AS transcript, r.duration_ms AS duration_ms
    FROM recordings_fts AS f JOIN recordings AS r ON r.doc = f.rowid
    WHERE recordings_fts MATCH $1
    ORDER BY bm25(recordings_fts, 10.0, 3.0, 1.0), r.created_at DESC
    LIMIT $2";

const POSTGRES_SOURCES: &str = "
    SELECT r.id AS recording_id, r.title AS title, r.notes AS notes,
           r.transcript AS transcript, r.duration_ms AS duration_ms
    FROM recordings AS r, to_tsquery('simple', $1) AS q
    WHERE r.document @@ q
    ORDER BY ts_rank('{0.1, 0.2, 0.5, 1.0}', r.document, q) DESC, r.created_at DESC
    LIMIT $2";

/// The words of what the user typed: whatever operators or quotes it held
/// are separators, so no input can be a query syntax error.
fn words_of(query: &str) -> Vec<&str> {
    query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect()
}

/// An FTS5 expression: every word required, the last one as a prefix (so
/// results follow typing).
fn fts5_expression(words: &[&str]) -> String {
    join_words(words, |w| format!("\"{w}\""), |w| format!("\"{w}\"*"), " ")
}

/// The same for PostgreSQL's `to_tsquery`.
fn tsquery_expression(words: &[&str]) -> String {
    join_words(words, |w| format!("'{w}'"), |w| format!("'{w}':*"), " & ")
}

fn join_words(
    words: &[&str],
    word: impl Fn(&str) -> String,
    prefix: impl Fn(&str) -> String,
    separator: &str,
) -> String {
    let Some((last, rest)) = words.split_last() else {
        return String::new();
    };
    let mut parts: Vec<String> = rest.iter().map(|w| word(w)).collect();
    parts.push(prefix(last));
    parts.join(separator)
}

/// Ranked by BM25, titles weighted above notes above transcripts. The
/// ranking and the limit come first (`top`); snippets, whose cost grows
/// with the hits in a column, are built only for the rows returned.
const SQLITE_SEARCH: &str = "
    WITH top AS (
        SELECT rowid AS doc, bm25(recordings_fts, 10.0, 3.0, 1.0) AS rank
        FROM recordings_fts
        WHERE recordings_fts MATCH $1
        ORDER BY rank, rowid DESC
        LIMIT $2
    )
    SELECT r.id AS recording_id, r.title AS title, -top.rank AS score,
           snippet(recordings_fts, 0, char(2), char(3), '…', 16) AS title_snippet,
           snippet(recordings_fts, 1, char(2), char(3), '…', 16) AS notes_snippet,
           snippet(recordings_fts, 2, char(2), char(3), '…', 16) AS transcript_snippet
    FROM top
    JOIN recordings_fts ON recordings_fts.rowid = top.doc
    JOIN recordings AS r ON r.doc = top.doc
    WHERE recordings_fts MATCH $1
    ORDER BY top.rank, top.doc DESC";

/// Ranked by `ts_rank` over the same weighted fields (the stored, indexed
/// `document`); headlines only for the rows returned.
const POSTGRES_SEARCH: &str = "
    WITH q AS (SELECT to_tsquery('simple', $1) AS query),
    top AS (
        SELECT r.id, r.created_at,
               ts_rank('{0.1, 0.2, 0.5, 1.0}', r.document, q.query) AS score
        FROM recordings AS r, q
        WHERE r.document @@ q.query
        ORDER BY score DESC, r.created_at DESC
        LIMIT $2
    ),
    opts AS (
        SELECT 'StartSel=' || chr(2) || ', StopSel=' || chr(3)
               || ', MaxFragments=1, MaxWords=24, MinWords=8, FragmentDelimiter=…' AS o
    )
    SELECT r.id AS recording_id, r.title AS title, top.score::float8 AS score,
           ts_headline('simple', r.title, q.query, opts.o) AS title_snippet,
           ts_headline('simple', r.notes, q.query, opts.o) AS notes_snippet,
           ts_headline('simple', r.transcript, q.query, opts.o) AS transcript_snippet
    FROM top JOIN recordings AS r ON r.id = top.id, q, opts
    ORDER BY top.score DESC, top.created_at DESC";

fn to_result(row: Row) -> SearchResult {
    let (field, snippet) = [
        (SearchField::Transcript, &row.transcript_snippet),
        (SearchField::Notes, &row.notes_snippet),
        (SearchField::Title, &row.title_snippet),
    ]
    .into_iter()
    .find(|(_, snippet)| snippet.contains(HIT_START))
    .unwrap_or((SearchField::Title, &row.title_snippet));
    SearchResult {
        recording_id: row.recording_id,
        title: row.title.clone(),
        field,
        snippet: snippet_parts(snippet),
        score: row.score,
    }
}

/// Splits a snippet marked with HIT_START/HIT_END into parts.
fn snippet_parts(marked: &str) -> Vec<SnippetPart> {
    let mut parts = Vec::new();
    let mut hit = false;
    let mut text = String::new();
    for c in marked.chars() {
        if c == HIT_START || c == HIT_END {
            if !text.is_empty() {
                parts.push(SnippetPart {
                    text: std::mem::take(&mut text),
                    hit,
                });
            }
            hit = c == HIT_START;
        } else {
            text.push(c);
        }
    }
    if !text.is_empty() {
        parts.push(SnippetPart { text, hit });
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_becomes_quoted_words_with_a_prefix_last() {
        assert_eq!(
            fts5_expression(&words_of("budget review")),
            r#""budget" "review"*"#
        );
        assert_eq!(
            fts5_expression(&words_of(r#"NEAR("a" OR b*)"#)),
            r#""NEAR" "a" "OR" "b"*"#
        );
        assert_eq!(
            tsquery_expression(&words_of("it's late")),
            "'it' & 's' & 'late':*"
        );
        assert!(words_of(r#" *() " "#).is_empty());
    }

    #[test]
    fn snippets_split_into_hits_and_context() {
        let parts = snippet_parts("the \u{2}budget\u{3} was \u{2}late\u{3}");
        let shown: Vec<(&str, bool)> = parts.iter().map(|p| (p.text.as_str(), p.hit)).collect();
        assert_eq!(
            shown,
            vec![
                ("the ", false),
                ("budget", true),
                (" was ", false),
                ("late", true)
            ]
        );
    }
}
