//! Schema migrations, run at start-up by [`crate::db::connect`].
//!
//! The schema is the same on SQLite and PostgreSQL, except for the full-text
//! index: on SQLite an FTS5 table kept current by triggers, so that every
//! write of a title, notes or transcript is indexed in the same transaction.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Every migration, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(CreateSchema),
            Box::new(CreateSyncOutbox),
            Box::new(AddRecordingWorker),
        ]
    }
}

#[derive(DeriveMigrationName)]
struct CreateSchema;

#[async_trait::async_trait]
impl MigrationTrait for CreateSchema {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("projects")
                    .col(string("id").primary_key())
                    .col(string_uniq("name"))
                    .col(text("description"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("recordings")
                    .col(string("id").primary_key())
                    .col(string("title"))
                    .col(string("status"))
                    .col(integer("progress"))
                    .col(text_null("error"))
                    .col(string_null("project_id"))
                    .col(string("file_name"))
                    .col(string("stored_path"))
                    .col(big_integer("size_bytes"))
                    .col(string_null("format"))
                    .col(big_integer_null("duration_ms"))
                    .col(integer_null("sample_rate"))
                    .col(integer_null("channels"))
                    .col(float_null("peak_dbfs"))
                    .col(float_null("rms_dbfs"))
                    .col(text_null("waveform"))
                    .col(text("notes"))
                    .col(text("transcript"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_recordings_project")
                            .from("recordings", "project_id")
                            .to("projects", "id")
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_recordings_status", "status"),
            ("idx_recordings_project", "project_id"),
            ("idx_recordings_created", "created_at"),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table("recordings")
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("conversations")
                    .col(string("id").primary_key())
                    .col(string("title"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("messages")
                    .col(string("id").primary_key())
                    .col(string("conversation_id"))
                    .col(string("role"))
                    .col(text("content"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_messages_conversation")
                            .from("messages", "conversation_id")
                            .to("conversations", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_messages_conversation")
                    .table("messages")
                    .col("conversation_id")
                    .col("created_at")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("search_history")
                    .col(string("id").primary_key())
                    .col(text("query"))
                    .col(big_integer("result_count"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;

        if manager.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
            let db = manager.get_connection();
            for statement in SQLITE_FULL_TEXT_INDEX {
                db.execute_unprepared(statement).await?;
            }
        }
        Ok(())
    }
}

/// The changes each commit made, for the other replicas sharing a
/// PostgreSQL database (see [`crate::sync::relay`]). SQLite has no replicas.
struct CreateSyncOutbox;

// Named by hand: the derive names a migration after its file, and the
// first one already has this file's name.
impl MigrationName for CreateSyncOutbox {
    fn name(&self) -> &str {
        "m0002_create_sync_outbox"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateSyncOutbox {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE TABLE sync_outbox (
                    id BIGSERIAL PRIMARY KEY,
                    origin TEXT NOT NULL,
                    changes TEXT NOT NULL,
                    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
                )",
            )
            .await?;
        Ok(())
    }
}

/// Which replica a recording's job belongs to while it is queued or
/// processing (its hub's epoch), so that the other replicas take over only
/// the jobs of replicas that are gone.
struct AddRecordingWorker;

impl MigrationName for AddRecordingWorker {
    fn name(&self) -> &str {
        "m0003_add_recording_worker"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for AddRecordingWorker {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("recordings")
                    .add_column(string_null("worker"))
                    .to_owned(),
            )
            .await
    }
}

/// The FTS5 index of recordings and the triggers that keep it current.
/// `recording_id` is stored rather than joined on `rowid`, because SQLite may
/// renumber the rowids of a table with a text primary key on `VACUUM`.
const SQLITE_FULL_TEXT_INDEX: &[&str] = &[
    "CREATE VIRTUAL TABLE recordings_fts USING fts5(
        recording_id UNINDEXED, title, notes, transcript,
        tokenize = 'unicode61 remove_diacritics 2')",
    "CREATE TRIGGER recordings_fts_insert AFTER INSERT ON recordings BEGIN
        INSERT INTO recordings_fts (recording_id, title, notes, transcript)
        VALUES (new.id, new.title, new.notes, new.transcript);
    END",
    "CREATE TRIGGER recordings_fts_delete AFTER DELETE ON recordings BEGIN
        DELETE FROM recordings_fts WHERE recording_id = old.id;
    END",
    "CREATE TRIGGER recordings_fts_update AFTER UPDATE OF title, notes, transcript ON recordings BEGIN
        DELETE FROM recordings_fts WHERE recording_id = old.id;
        INSERT INTO recordings_fts (recording_id, title, notes, transcript)
        VALUES (new.id, new.title, new.notes, new.transcript);
    END",
];
