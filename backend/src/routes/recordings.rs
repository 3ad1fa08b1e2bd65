use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use earshot_shared::dto::{ImportRecording, RecordingDetail, RecordingFilters, UpdateRecording};
use earshot_shared::keys;

use super::cached;
use crate::error::{ApiError, ApiResult, Json, Multipart, Path, Query};
use crate::results::Lifetime;
use crate::services::recordings::{self, NewRecording};
use crate::state::AppState;
use crate::storage;

/// Largest text field of an upload form (a transcript can be long).
const TEXT_FIELD_MAX: usize = 8 * 1024 * 1024;

pub fn routes(state: &AppState) -> Router<AppState> {
    // The form may carry text fields besides the file; the exact file limit
    // is enforced while streaming, this only bounds the whole body.
    let body_limit = usize::try_from(state.config.max_upload_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(2 * TEXT_FIELD_MAX);
    Router::new()
        .route(
            "/recordings",
            get(list)
                .post(upload)
                .layer(DefaultBodyLimit::max(body_limit)),
        )
        .route("/recordings/import", post(import))
        .route("/recordings/{id}", get(show).patch(update).delete(delete))
}

async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(filters): Query<RecordingFilters>,
) -> ApiResult<Response> {
    let key = keys::recordings::list(&filters);
    let db = state.db.clone();
    let compute = async move { recordings::list(&db, &filters).await };
    cached(&state, &headers, key, Lifetime::UntilChanged, compute).await
}

async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let key = keys::recordings::detail(&id);
    let db = state.db.clone();
    let compute = async move { recordings::get(&db, &id).await };
    cached(&state, &headers, key, Lifetime::UntilChanged, compute).await
}

/// `multipart/form-data` with a `file` part and optional `title`,
/// `project_id`, `notes` and `transcript` parts.
async fn upload(
    State(state): State<AppState>,
    Multipart(mut form): Multipart,
) -> ApiResult<(StatusCode, Json<RecordingDetail>)> {
    let limit = state.config.max_upload_bytes;
    let mut file = None;
    let (mut title, mut project_id, mut notes, mut transcript) = (None, None, None, None);
    while let Some(mut field) = form.next_field().await? {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "file" => {
                if file.is_some() {
                    return Err(ApiError::bad_request(
                        "invalid_upload",
                        "Send one file per upload.",
                    ));
                }
                let file_name = field
                    .file_name()
                    .map(str::to_string)
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| "recording".to_string());
                let mut writer = state.storage.begin_incoming().await?;
                while let Some(chunk) = field.chunk().await? {
                    writer.write(&chunk, limit).await?;
                }
                file = Some((writer.finish().await?, file_name));
            }
            "title" | "project_id" | "notes" | "transcript" => {
                let mut text = Vec::new();
                while let Some(chunk) = field.chunk().await? {
                    text.extend_from_slice(&chunk);
                    if text.len() > TEXT_FIELD_MAX {
                        return Err(ApiError::TooLarge(format!(
                            "The `{name}` field is too long."
                        )));
                    }
                }
                let text = String::from_utf8(text).map_err(|_| {
                    ApiError::bad_request("invalid_upload", format!("`{name}` is not UTF-8 text."))
                })?;
                match name.as_str() {
                    "title" => title = Some(text),
                    "project_id" => project_id = Some(text),
                    "notes" => notes = Some(text),
                    _ => transcript = Some(text),
                }
            }
            other => {
                return Err(ApiError::bad_request(
                    "invalid_upload",
                    format!("Unexpected form field `{other}`."),
                ));
            }
        }
    }
    let Some((file, file_name)) = file else {
        return Err(ApiError::bad_request(
            "invalid_upload",
            "The form has no `file` part.",
        ));
    };
    let new = NewRecording {
        file,
        file_name,
        title,
        project_id,
        notes,
        transcript,
    };
    Ok((
        StatusCode::CREATED,
        Json(recordings::create(&state, new).await?),
    ))
}

/// Imports a file from the server's own disk (the desktop app's local mode).
async fn import(
    State(state): State<AppState>,
    Json(body): Json<ImportRecording>,
) -> ApiResult<(StatusCode, Json<RecordingDetail>)> {
    if !state.config.allow_path_import {
        return Err(ApiError::Forbidden(
            "Importing by path is turned off on this server; upload the file instead.".to_string(),
        ));
    }
    let path = std::path::PathBuf::from(&body.path);
    if !path.is_absolute() {
        return Err(ApiError::bad_request(
            "invalid_path",
            "Give an absolute path.",
        ));
    }
    let file = state
        .storage
        .copy_in(&path, state.config.max_upload_bytes)
        .await?;
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("recording")
        .to_string();
    // A transcript beside the file (`talk.wav` + `talk.txt`) comes along.
    let transcript = storage::sidecar_text(&path, recordings::TRANSCRIPT_MAX).await;
    let new = NewRecording {
        file,
        file_name,
        title: body.title,
        project_id: body.project_id,
        notes: None,
        transcript,
    };
    Ok((
        StatusCode::CREATED,
        Json(recordings::create(&state, new).await?),
    ))
}

async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Json(body): Json<UpdateRecording>,
) -> ApiResult<Json<RecordingDetail>> {
    Ok(Json(recordings::update(&state, &id, body).await?))
}

async fn delete(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<StatusCode> {
    recordings::delete(&state, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
