//! An imported audio file, its processing state and its measurements.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "recordings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub title: String,
    /// `queued`, `processing`, `ready` or `failed` (see `RecordingStatus`).
    pub status: String,
    pub progress: i32,
    pub error: Option<String>,
    pub project_id: Option<String>,
    pub file_name: String,
    /// Path of the stored file, relative to the data directory.
    pub stored_path: String,
    pub size_bytes: i64,
    pub format: Option<String>,
    pub duration_ms: Option<i64>,
    pub sample_rate: Option<i32>,
    pub channels: Option<i32>,
    pub peak_dbfs: Option<f32>,
    pub rms_dbfs: Option<f32>,
    /// Waveform overview as a JSON array of peaks.
    #[sea_orm(column_type = "Text", nullable)]
    pub waveform: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub notes: String,
    #[sea_orm(column_type = "Text")]
    pub transcript: String,
    /// Whether the transcript holds more than white space. Kept by the
    /// database (a trigger on SQLite, a generated column on PostgreSQL):
    /// never set it.
    pub has_transcript: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// While `queued` or `processing`: the replica whose job it is (its
    /// hub's epoch).
    pub worker: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
