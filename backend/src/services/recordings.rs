//! Recordings: list, read, import, edit, delete.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use earshot_shared::dto::{
    Page, Recording, RecordingDetail, RecordingFilters, RecordingSort, RecordingStatus,
    UpdateRecording,
};
use earshot_shared::sync::{Action, Resource};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, NullOrdering, Order};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DbErr, DerivePartialModel,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::{limited_text, required_text};
use crate::db::entities::{project, recording};
use crate::db::new_id;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::storage::{Incoming, extension_of};

const TITLE_MAX: usize = 200;
const NOTES_MAX: usize = 100_000;
/// Longest transcript, in characters.
pub const TRANSCRIPT_MAX: usize = 2_000_000;

/// A complete, audio-looking file and what the user said about it.
#[derive(Debug)]
pub struct NewRecording {
    /// The received file.
    pub file: Incoming,
    /// Its original name.
    pub file_name: String,
    /// Title; the file name without extension when absent.
    pub title: Option<String>,
    /// Project to put it in.
    pub project_id: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Transcript.
    pub transcript: Option<String>,
}

/// One page of recordings matching `filters`.
pub async fn list(
    db: &impl ConnectionTrait,
    filters: &RecordingFilters,
) -> ApiResult<Page<Recording>> {
    if filters.page == 0 {
        return Err(ApiError::bad_request(
            "invalid_query",
            "`page` starts at 1.",
        ));
    }
    if !(1..=RecordingFilters::MAX_PER_PAGE).contains(&filters.per_page) {
        return Err(ApiError::bad_request(
            "invalid_query",
            format!(
                "`per_page` must be 1 to {}.",
                RecordingFilters::MAX_PER_PAGE
            ),
        ));
    }
    let mut condition = Condition::all();
    if let Some(status) = filters.status {
        condition = condition.add(recording::Column::Status.eq(status.as_str()));
    }
    match filters.project.as_deref().map(str::trim) {
        None | Some("") => {}
        Some(RecordingFilters::UNASSIGNED) => {
            condition = condition.add(recording::Column::ProjectId.is_null())
        }
        Some(project_id) => condition = condition.add(recording::Column::ProjectId.eq(project_id)),
    }
    if let Some(text) = filters
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        // Case-insensitive as far as the database's lower() goes: SQLite's
        // folds ASCII letters only, so a pattern folded further would miss
        // (`É` stays `É` there); PostgreSQL's folds every letter.
        let folded = match db.get_database_backend() {
            DatabaseBackend::Sqlite => text.to_ascii_lowercase(),
            _ => text.to_lowercase(),
        };
        let pattern = format!("%{}%", escape_like(&folded));
        let mut any = Condition::any();
        for column in [
            recording::Column::Title,
            recording::Column::FileName,
            recording::Column::Notes,
        ] {
            any = any.add(
                Expr::expr(Func::lower(Expr::col(column)))
                    .like(LikeExpr::new(pattern.clone()).escape('\\')),
            );
        }
        condition = condition.add(any);
    }
    let mut count = recording::Entity::find()
        .select_only()
        .column_as(Expr::cust("COUNT(*)"), "total");
    // Without filters, no `WHERE` at all (an empty condition is `WHERE
    // TRUE`): SQLite then counts from its smallest index, three times faster.
    if !condition.is_empty() {
        count = count.filter(condition.clone());
    }
    let total: i64 = count.into_tuple().one(db).await?.unwrap_or(0);
    let total = u64::try_from(total).unwrap_or(0);
    let mut query = recording::Entity::find().filter(condition);
    // Trimmed, and blank is none, as in the query key.
    let after = filters
        .after
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty());
    if let Some(after) = after {
        if filters.page != 1 {
            return Err(ApiError::bad_request(
                "invalid_query",
                "Give `after` or `page`, not both.",
            ));
        }
        query = query.filter(Cursor::parse(after, filters.sort)?.rest());
    }
    // Ids are UUID v7, so they break ties in creation order. Every order has
    // an index (see the `m0004_cheap_reads` migration); recordings not yet
    // measured come last when sorting by duration, on both databases.
    query = match filters.sort {
        RecordingSort::Newest => query
            .order_by_desc(recording::Column::CreatedAt)
            .order_by_desc(recording::Column::Id),
        RecordingSort::Oldest => query
            .order_by_asc(recording::Column::CreatedAt)
            .order_by_asc(recording::Column::Id),
        RecordingSort::Title => query
            .order_by_asc(recording::Column::Title)
            .order_by_asc(recording::Column::Id),
        RecordingSort::Duration => query
            .order_by_with_nulls(
                recording::Column::DurationMs,
                Order::Desc,
                NullOrdering::Last,
            )
            .order_by_asc(recording::Column::Id),
    };
    let offset = u64::from(filters.page - 1) * u64::from(filters.per_page);
    // One more row than shown says whether a next page exists.
    let mut rows = query
        .offset(offset)
        .limit(u64::from(filters.per_page) + 1)
        .into_partial_model::<SummaryRow>()
        .all(db)
        .await?;
    let more = rows.len() > filters.per_page as usize;
    rows.truncate(filters.per_page as usize);
    let next = rows
        .last()
        .filter(|_| more)
        .map(|last| Cursor::after(last, filters.sort).to_string());
    Ok(Page {
        items: with_project_names(db, rows).await?,
        total,
        page: filters.page,
        per_page: filters.per_page,
        next,
    })
}

/// Where a page of recordings ends: its order, and its last row's sort
/// value and id. Written `<order>.<id>.<value>`; ids hold no `.`.
#[derive(Debug, PartialEq)]
struct Cursor {
    sort: RecordingSort,
    id: String,
    value: CursorValue,
}

#[derive(Debug, PartialEq)]
enum CursorValue {
    Time(chrono::DateTime<Utc>),
    Text(String),
    Duration(Option<i64>),
}

impl Cursor {
    fn after(row: &SummaryRow, sort: RecordingSort) -> Cursor {
        let value = match sort {
            RecordingSort::Newest | RecordingSort::Oldest => CursorValue::Time(row.created_at),
            RecordingSort::Title => CursorValue::Text(row.title.clone()),
            RecordingSort::Duration => CursorValue::Duration(row.duration_ms),
        };
        Cursor {
            sort,
            id: row.id.clone(),
            value,
        }
    }

    fn parse(text: &str, sort: RecordingSort) -> ApiResult<Cursor> {
        let invalid = || {
            ApiError::bad_request(
                "invalid_query",
                "`after` is not a cursor of this order: pass a page's `next` unchanged.",
            )
        };
        let mut parts = text.splitn(3, '.');
        let (Some(order), Some(id), Some(value)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        if order != sort.as_str() || id.is_empty() {
            return Err(invalid());
        }
        let value = match sort {
            RecordingSort::Newest | RecordingSort::Oldest => CursorValue::Time(
                chrono::DateTime::parse_from_rfc3339(value)
                    .map_err(|_| invalid())?
                    .with_timezone(&Utc),
            ),
            RecordingSort::Title => CursorValue::Text(value.to_string()),
            RecordingSort::Duration => CursorValue::Duration(match value {
                "" => None,
                ms => Some(ms.parse().map_err(|_| invalid())?),
            }),
        };
        Ok(Cursor {
            sort,
            id: id.to_string(),
            value,
        })
    }

    /// The rows after this one in its order.
    fn rest(&self) -> Condition {
        use recording::Column::{CreatedAt, DurationMs, Id, Title};
        let id = self.id.clone();
        let after = |column: recording::Column, later: Expr, tie: Expr| {
            Condition::any().add(later).add(
                Condition::all()
                    .add(Expr::col(column).eq(tie))
                    .add(Id.gt(id.clone())),
            )
        };
        match (&self.value, self.sort) {
            (CursorValue::Time(at), RecordingSort::Newest) => Condition::any()
                .add(CreatedAt.lt(*at))
                .add(Condition::all().add(CreatedAt.eq(*at)).add(Id.lt(id))),
            (CursorValue::Time(at), _) => after(CreatedAt, CreatedAt.gt(*at), Expr::val(*at)),
            (CursorValue::Text(title), _) => {
                after(Title, Title.gt(title.as_str()), Expr::val(title.as_str()))
            }
            // Longest first, then the unmeasured (NULL) ones.
            (CursorValue::Duration(Some(ms)), _) => after(
                DurationMs,
                Condition::any()
                    .add(DurationMs.lt(*ms))
                    .add(DurationMs.is_null())
                    .into(),
                Expr::val(*ms),
            ),
            (CursorValue::Duration(None), _) => {
                Condition::all().add(DurationMs.is_null()).add(Id.gt(id))
            }
        }
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.", self.sort.as_str(), self.id)?;
        match &self.value {
            CursorValue::Time(at) => {
                f.write_str(&at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
            }
            CursorValue::Text(text) => f.write_str(text),
            CursorValue::Duration(Some(ms)) => write!(f, "{ms}"),
            CursorValue::Duration(None) => Ok(()),
        }
    }
}

/// The most recent recordings.
pub async fn recent(db: &impl ConnectionTrait, limit: u64) -> ApiResult<Vec<Recording>> {
    let rows = recording::Entity::find()
        .order_by_desc(recording::Column::CreatedAt)
        .order_by_desc(recording::Column::Id)
        .limit(limit)
        .into_partial_model::<SummaryRow>()
        .all(db)
        .await?;
    with_project_names(db, rows).await
}

/// The id of every recording.
pub async fn ids(db: &impl ConnectionTrait) -> Result<HashSet<String>, DbErr> {
    let ids: Vec<String> = recording::Entity::find()
        .select_only()
        .column(recording::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids.into_iter().collect())
}

/// How many recordings there are, and how many of them have a transcript.
pub async fn transcript_counts(db: &impl ConnectionTrait) -> Result<(u64, u64), DbErr> {
    let total = recording::Entity::find().count(db).await?;
    let transcribed = recording::Entity::find()
        .filter(recording::Column::Transcript.ne(""))
        .count(db)
        .await?;
    Ok((total, transcribed))
}

/// One recording with its notes, transcript and waveform.
pub async fn get(db: &impl ConnectionTrait, id: &str) -> ApiResult<RecordingDetail> {
    let model = recording::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("recording"))?;
    let project_name = match &model.project_id {
        Some(project_id) => project::Entity::find_by_id(project_id.as_str())
            .one(db)
            .await?
            .map(|p| p.name),
        None => None,
    };
    Ok(to_detail(model, project_name))
}

/// Stores a new recording and queues it for processing.
pub async fn create(state: &AppState, new: NewRecording) -> ApiResult<RecordingDetail> {
    let file_name = limited_text("file_name", new.file_name.trim(), 255)?;
    let title = match new
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        Some(title) => required_text("title", title, TITLE_MAX)?,
        None => default_title(&file_name),
    };
    let notes = limited_text("notes", new.notes.as_deref().unwrap_or(""), NOTES_MAX)?;
    let transcript = limited_text(
        "transcript",
        new.transcript.as_deref().unwrap_or(""),
        TRANSCRIPT_MAX,
    )?;
    let project_id = new
        .project_id
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string);

    let id = new_id();
    let size = new.file.size;
    let mut tx = state.begin().await?;
    if let Some(project_id) = &project_id {
        ensure_project(&*tx, project_id).await?;
    }
    let stored_path = state
        .storage
        .keep(new.file, &id, &extension_of(&file_name))
        .await?;
    let now = Utc::now();
    let inserted = recording::ActiveModel {
        id: Set(id.clone()),
        title: Set(title),
        status: Set(RecordingStatus::Queued.as_str().to_string()),
        progress: Set(0),
        error: Set(None),
        project_id: Set(project_id),
        file_name: Set(file_name),
        stored_path: Set(stored_path.clone()),
        size_bytes: Set(i64::try_from(size).unwrap_or(i64::MAX)),
        format: Set(None),
        duration_ms: Set(None),
        sample_rate: Set(None),
        channels: Set(None),
        peak_dbfs: Set(None),
        rms_dbfs: Set(None),
        waveform: Set(None),
        notes: Set(notes),
        transcript: Set(transcript),
        has_transcript: NotSet,
        created_at: Set(now),
        updated_at: Set(now),
        // Queued here: this replica's queue holds its job.
        worker: Set(Some(tx.replica().to_string())),
    }
    .insert(&*tx)
    .await;
    // Read back inside the transaction: the answer is the recording as
    // created, before its job can move it on.
    let created = match inserted {
        Ok(_) => get(&*tx, &id).await,
        Err(err) => Err(err.into()),
    };
    let committed = match created {
        Ok(detail) => {
            tx.changed(Resource::Recordings, Action::Created, id.clone());
            tx.commit().await.map(|()| detail).map_err(ApiError::from)
        }
        Err(err) => Err(err),
    };
    match committed {
        Ok(detail) => {
            state.processor.enqueue(id);
            Ok(detail)
        }
        Err(err) => {
            state.storage.remove(&stored_path).await;
            Err(err)
        }
    }
}

/// Applies the fields given in `update`.
pub async fn update(
    state: &AppState,
    id: &str,
    update: UpdateRecording,
) -> ApiResult<RecordingDetail> {
    let mut tx = state.begin().await?;
    let model = recording::Entity::find_by_id(id)
        .one(&*tx)
        .await?
        .ok_or(ApiError::NotFound("recording"))?;
    let mut active: recording::ActiveModel = model.into();
    if let Some(title) = &update.title {
        active.title = Set(required_text("title", title, TITLE_MAX)?);
    }
    if let Some(notes) = &update.notes {
        active.notes = Set(limited_text("notes", notes, NOTES_MAX)?);
    }
    if let Some(transcript) = &update.transcript {
        active.transcript = Set(limited_text("transcript", transcript, TRANSCRIPT_MAX)?);
    }
    if let Some(project_id) = &update.project_id {
        if let Some(project_id) = project_id {
            ensure_project(&*tx, project_id).await?;
        }
        active.project_id = Set(project_id.clone());
    }
    active.updated_at = Set(Utc::now());
    active.update(&*tx).await?;
    tx.changed(Resource::Recordings, Action::Updated, id);
    tx.commit().await?;
    get(&state.db, id).await
}

/// Deletes a recording and its stored file, stopping its processing.
pub async fn delete(state: &AppState, id: &str) -> ApiResult<()> {
    let mut tx = state.begin().await?;
    let model = recording::Entity::find_by_id(id)
        .one(&*tx)
        .await?
        .ok_or(ApiError::NotFound("recording"))?;
    recording::Entity::delete_by_id(id).exec(&*tx).await?;
    tx.changed(Resource::Recordings, Action::Deleted, id);
    tx.commit().await?;
    state.processor.cancel(id);
    state.storage.remove(&model.stored_path).await;
    Ok(())
}

async fn ensure_project(db: &impl ConnectionTrait, project_id: &str) -> ApiResult<()> {
    let exists = project::Entity::find_by_id(project_id).count(db).await? > 0;
    if exists {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "unknown_project",
            format!("There is no project `{project_id}`."),
        ))
    }
}

fn default_title(file_name: &str) -> String {
    let stem = std::path::Path::new(file_name)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(file_name)
        .trim();
    let stem = if stem.is_empty() {
        "Untitled recording"
    } else {
        stem
    };
    stem.chars().take(TITLE_MAX).collect()
}

/// What the database keeps in `has_transcript` (see the `m0004_cheap_reads`
/// migration): more than spaces, tabs and line breaks.
fn has_transcript(transcript: &str) -> bool {
    !transcript.trim_matches([' ', '\t', '\r', '\n']).is_empty()
}

fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// The columns a list shows: never notes, transcript or waveform, which are
/// most of a row's bytes.
#[derive(Debug, DerivePartialModel)]
#[sea_orm(entity = "recording::Entity")]
struct SummaryRow {
    id: String,
    title: String,
    status: String,
    progress: i32,
    error: Option<String>,
    project_id: Option<String>,
    file_name: String,
    size_bytes: i64,
    format: Option<String>,
    duration_ms: Option<i64>,
    sample_rate: Option<i32>,
    channels: Option<i32>,
    peak_dbfs: Option<f32>,
    rms_dbfs: Option<f32>,
    has_transcript: bool,
    created_at: chrono::DateTime<Utc>,
    updated_at: chrono::DateTime<Utc>,
}

async fn with_project_names(
    db: &impl ConnectionTrait,
    models: Vec<SummaryRow>,
) -> ApiResult<Vec<Recording>> {
    let mut ids: Vec<&str> = models
        .iter()
        .filter_map(|m| m.project_id.as_deref())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let names: HashMap<String, String> = if ids.is_empty() {
        HashMap::new()
    } else {
        project::Entity::find()
            .select_only()
            .column(project::Column::Id)
            .column(project::Column::Name)
            .filter(project::Column::Id.is_in(ids))
            .into_tuple::<(String, String)>()
            .all(db)
            .await?
            .into_iter()
            .collect()
    };
    Ok(models
        .into_iter()
        .map(|model| {
            let name = model
                .project_id
                .as_ref()
                .and_then(|id| names.get(id).cloned());
            to_summary(model, name)
        })
        .collect())
}

fn to_summary(model: SummaryRow, project_name: Option<String>) -> Recording {
    Recording {
        status: model.status.parse().unwrap_or(RecordingStatus::Failed),
        progress: u8::try_from(model.progress.clamp(0, 100)).unwrap_or(0),
        id: model.id,
        title: model.title,
        error: model.error,
        project_id: model.project_id,
        project_name,
        file_name: model.file_name,
        size_bytes: u64::try_from(model.size_bytes).unwrap_or(0),
        format: model.format,
        duration_ms: model.duration_ms.and_then(|d| u64::try_from(d).ok()),
        sample_rate: model.sample_rate.and_then(|r| u32::try_from(r).ok()),
        channels: model.channels.and_then(|c| u16::try_from(c).ok()),
        peak_dbfs: model.peak_dbfs,
        rms_dbfs: model.rms_dbfs,
        has_transcript: model.has_transcript,
        created_at: model.created_at,
        updated_at: model.updated_at,
    }
}

fn to_detail(model: recording::Model, project_name: Option<String>) -> RecordingDetail {
    let waveform = model
        .waveform
        .as_deref()
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_default();
    let summary = SummaryRow {
        id: model.id,
        title: model.title,
        status: model.status,
        progress: model.progress,
        error: model.error,
        project_id: model.project_id,
        file_name: model.file_name,
        size_bytes: model.size_bytes,
        format: model.format,
        duration_ms: model.duration_ms,
        sample_rate: model.sample_rate,
        channels: model.channels,
        peak_dbfs: model.peak_dbfs,
        rms_dbfs: model.rms_dbfs,
        // Worked out here too, as the database does: a detail read inside
        // the transaction that wrote it is as fresh as its transcript.
        has_transcript: has_transcript(&model.transcript),
        created_at: model.created_at,
        updated_at: model.updated_at,
    };
    RecordingDetail {
        recording: to_summary(summary, project_name),
        notes: model.notes,
        transcript: model.transcript,
        waveform,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_title_is_the_file_stem() {
        assert_eq!(default_title("Interview 3.wav"), "Interview 3");
        assert_eq!(default_title(".wav"), ".wav");
        assert_eq!(default_title("  "), "Untitled recording");
    }

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like("50%_a\\b"), "50\\%\\_a\\\\b");
    }
}
