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

#[derive(Debug, FromQueryResult)]
struct Row {
    recording_id: String,
    title: String,
    notes: String,
    transcript: String,
    score: f64,
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
    let terms = Terms::of(&words);
    let results: Vec<SearchResult> = rows.into_iter().map(|row| to_result(row, &terms)).collect();

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
/// ranking and the limit come first (`top`), so only the rows returned are
/// read whole; their passages are found by [`passage`], whose cost does not
/// grow with the number of hits (FTS5's `snippet()` grows with the square of
/// the hits in a column).
const SQLITE_SEARCH: &str = "
    SELECT r.id AS recording_id, r.title AS title, r.notes AS notes,
           r.transcript AS transcript, -top.rank AS score
    FROM (
        SELECT rowid AS doc, bm25(recordings_fts, 10.0, 3.0, 1.0) AS rank
        FROM recordings_fts
        WHERE recordings_fts MATCH $1
        ORDER BY rank, rowid DESC
        LIMIT $2
    ) AS top
    JOIN recordings AS r ON r.doc = top.doc
    ORDER BY top.rank, top.doc DESC";

/// Ranked by `ts_rank` over the same weighted fields (the stored, indexed
/// `document`), the limit first as on SQLite.
const POSTGRES_SEARCH: &str = "
    WITH top AS (
        SELECT r.id, r.created_at,
               ts_rank('{0.1, 0.2, 0.5, 1.0}', r.document, q) AS score
        FROM recordings AS r, to_tsquery('simple', $1) AS q
        WHERE r.document @@ q
        ORDER BY score DESC, r.created_at DESC
        LIMIT $2
    )
    SELECT r.id AS recording_id, r.title AS title, r.notes AS notes,
           r.transcript AS transcript, top.score::float8 AS score
    FROM top JOIN recordings AS r ON r.id = top.id
    ORDER BY top.score DESC, top.created_at DESC";

/// Words of the passage shown around the first hit.
const PASSAGE_WORDS: usize = 16;
/// Of them, how many come before the hit.
const WORDS_BEFORE: usize = 4;

/// The words searched for, folded as the full-text index folds them; the
/// last is a prefix (see [`fts5_expression`]).
struct Terms {
    words: Vec<String>,
}

impl Terms {
    fn of(words: &[&str]) -> Terms {
        Terms {
            words: words.iter().map(|w| folded(w).collect()).collect(),
        }
    }

    /// Whether `word` is one of the terms, or begins with the last one;
    /// folded as it is compared, without allocating.
    fn matches(&self, word: &str) -> bool {
        let last = self.words.len().saturating_sub(1);
        self.words.iter().enumerate().any(|(i, term)| {
            let mut word = folded(word);
            let prefix = term.chars().all(|c| word.next() == Some(c));
            prefix && (i == last || word.next().is_none())
        })
    }
}

/// Lowercase, with the diacritics of Latin letters removed: what the index's
/// `unicode61 remove_diacritics 2` tokenizer compares (for the letters it
/// knows here; a hit on another letter leaves the passage to the title).
fn folded(word: &str) -> impl Iterator<Item = char> + '_ {
    word.chars().flat_map(char::to_lowercase).map(|c| match c {
        'à'..='å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => 'c',
        'è'..='ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => 'e',
        'ì'..='ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' => 'i',
        'ñ' | 'ń' | 'ņ' | 'ň' => 'n',
        'ò'..='ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => 'o',
        'ù'..='ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => 'u',
        'ý' | 'ÿ' => 'y',
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => 's',
        'ź' | 'ż' | 'ž' => 'z',
        'ř' => 'r',
        'ğ' => 'g',
        'ț' | 'ţ' | 'ť' => 't',
        other => other,
    })
}

/// The passage of `text` around its first word that `terms` match, the
/// matching words marked, `…` where it is cut; `None` when no word matches.
/// One pass over the text up to the end of the passage, however many hits,
/// keeping only the few words before the current one.
fn passage(text: &str, terms: &Terms) -> Option<Vec<SnippetPart>> {
    let mut spans = word_spans(text);
    let mut before = std::collections::VecDeque::with_capacity(WORDS_BEFORE + 1);
    let mut skipped = false;
    let hit = loop {
        let span @ (start, end) = spans.next()?;
        if terms.matches(&text[start..end]) {
            break span;
        }
        before.push_back(span);
        if before.len() > WORDS_BEFORE {
            before.pop_front();
            skipped = true;
        }
    };
    let shown: Vec<(usize, usize)> = before
        .into_iter()
        .chain(std::iter::once(hit))
        .chain(spans.by_ref().take(PASSAGE_WORDS - WORDS_BEFORE - 1))
        .collect();
    let cut = spans.next().is_some();

    let mut parts = Vec::new();
    let mut push = |text: &str, hit: bool| {
        if text.is_empty() {
            return;
        }
        match parts.last_mut() {
            Some(SnippetPart {
                text: last,
                hit: was,
            }) if *was == hit => last.push_str(text),
            _ => parts.push(SnippetPart {
                text: text.to_string(),
                hit,
            }),
        }
    };
    if skipped {
        push("…", false);
    }
    let mut at = shown[0].0;
    for &(start, end) in &shown {
        push(&text[at..start], false);
        push(&text[start..end], terms.matches(&text[start..end]));
        at = end;
    }
    if cut {
        push("…", false);
    } else {
        push(text[at..].trim_end(), false);
    }
    Some(parts)
}

/// The byte ranges of the words of `text` (runs of letters and digits), in
/// order, lazily: a passage near the start reads no further.
fn word_spans(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        let (start, _) = chars.find(|(_, c)| c.is_alphanumeric())?;
        let mut end = text.len();
        while let Some(&(i, c)) = chars.peek() {
            if !c.is_alphanumeric() {
                end = i;
                break;
            }
            chars.next();
        }
        Some((start, end))
    })
}

fn to_result(row: Row, terms: &Terms) -> SearchResult {
    let found = [
        (SearchField::Transcript, &row.transcript),
        (SearchField::Notes, &row.notes),
        (SearchField::Title, &row.title),
    ]
    .into_iter()
    .find_map(|(field, text)| Some((field, passage(text, terms)?)));
    let (field, snippet) = found.unwrap_or_else(|| {
        // Matched by a form the folding here does not know: show the title.
        let title = SnippetPart {
            text: row.title.clone(),
            hit: false,
        };
        (SearchField::Title, vec![title])
    });
    SearchResult {
        recording_id: row.recording_id,
        title: row.title,
        field,
        snippet,
        score: row.score,
    }
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

    fn shown(parts: &[SnippetPart]) -> String {
        parts
            .iter()
            .map(|p| {
                if p.hit {
                    format!("[{}]", p.text)
                } else {
                    p.text.clone()
                }
            })
            .collect()
    }

    #[test]
    fn a_passage_is_cut_around_the_first_hit_with_every_hit_marked() {
        let terms = Terms::of(&words_of("budget late"));
        let text = "[00:01] Hello. We met on Monday about the tour. The Budget was \
                    late again, and the budget lateness cost us; more words follow here, \
                    many more words that the passage leaves out entirely.";
        let parts = passage(text, &terms).unwrap();
        assert_eq!(
            shown(&parts),
            "…about the tour. The [Budget] was [late] again, and the [budget] [lateness] cost us; more words…"
        );
    }

    #[test]
    fn a_short_text_is_shown_whole_and_a_text_without_hits_gives_none() {
        let terms = Terms::of(&words_of("café"));
        assert_eq!(
            shown(&passage("Un CAFE, s'il vous plaît.", &terms).unwrap()),
            "Un [CAFE], s'il vous plaît."
        );
        assert_eq!(
            shown(&passage("Cafés près d'ici", &terms).unwrap()),
            "[Cafés] près d'ici",
            "the last word is a prefix"
        );
        let not_last = Terms::of(&words_of("café noir"));
        assert!(passage("Cafés près d'ici", &not_last).is_none());
        assert!(passage("", &terms).is_none());
    }
}
