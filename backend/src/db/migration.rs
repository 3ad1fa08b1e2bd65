//! Schema migrations, run at start-up by [`crate::db::connect`].
//!
//! The schema is the same on SQLite and PostgreSQL, except for the full-text
//! index: on SQLite an FTS5 table kept current by triggers, so that every
//! write of a title, notes or transcript is indexed in the same transaction.

use sea_orm::TransactionTrait;
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
            Box::new(CheapReads),
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

/// Reads that stay cheap at 100,000 recordings:
///
/// - an index for every order a list is shown in (ties broken by id), and
///   for the status and project filters with the default order;
/// - `(status, duration_ms)`, which answers the dashboard's counts and total
///   duration from the index alone;
/// - `has_transcript`, so that a list need not read a transcript to say
///   whether there is one;
/// - on SQLite, the recordings table rebuilt with its large columns (notes,
///   transcript, waveform) last, so that a list reading the small ones stops
///   before them in each row and never follows their overflow pages, and
///   with an integer `doc` key that the full-text index uses as its rowid:
///   the index becomes external-content (the text is not stored twice), and
///   a row's entry is found by rowid, not by scanning for its id; and it
///   keeps prefixes of 2 to 4 characters, so that the last word of a search,
///   matched as a prefix while it is typed, is one lookup rather than a merge
///   of every word it begins;
/// - on PostgreSQL, the weighted search document as a stored column with a
///   GIN index, so a search neither scans nor re-parses every transcript.
struct CheapReads;

impl MigrationName for CheapReads {
    fn name(&self) -> &str {
        "m0004_cheap_reads"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CheapReads {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statements = match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Sqlite => SQLITE_CHEAP_READS,
            sea_orm::DatabaseBackend::Postgres => POSTGRES_CHEAP_READS,
            _ => return Ok(()),
        };
        // One transaction, so one connection sees every step and a failure
        // leaves the old schema whole.
        let tx = manager.get_connection().begin().await?;
        for statement in statements {
            tx.execute_unprepared(statement).await?;
        }
        tx.commit().await
    }
}

/// The list orders and filters, on both databases. `id` breaks ties, as
/// in [`crate::services::recordings::list`].
const LIST_INDEXES: [&str; 6] = [
    "CREATE INDEX idx_recordings_created_id ON recordings (created_at, id)",
    "CREATE INDEX idx_recordings_title_id ON recordings (title, id)",
    "CREATE INDEX idx_recordings_status_created ON recordings (status, created_at, id)",
    "CREATE INDEX idx_recordings_project_created ON recordings (project_id, created_at, id)",
    "CREATE INDEX idx_recordings_status_duration ON recordings (status, duration_ms)",
    "CREATE INDEX idx_recordings_worker ON recordings (worker) WHERE worker IS NOT NULL",
];

const SQLITE_CHEAP_READS: &[&str] = &[
    "DROP TRIGGER recordings_fts_insert",
    "DROP TRIGGER recordings_fts_delete",
    "DROP TRIGGER recordings_fts_update",
    "DROP TABLE recordings_fts",
    r#"CREATE TABLE recordings_new (
        doc INTEGER PRIMARY KEY,
        id varchar NOT NULL UNIQUE,
        title varchar NOT NULL,
        status varchar NOT NULL,
        progress integer NOT NULL,
        project_id varchar NULL REFERENCES projects (id) ON DELETE SET NULL,
        file_name varchar NOT NULL,
        size_bytes integer NOT NULL,
        format varchar NULL,
        duration_ms integer NULL,
        sample_rate integer NULL,
        channels integer NULL,
        peak_dbfs float NULL,
        rms_dbfs float NULL,
        has_transcript boolean NOT NULL DEFAULT 0,
        created_at timestamp_with_timezone_text NOT NULL,
        updated_at timestamp_with_timezone_text NOT NULL,
        worker varchar NULL,
        stored_path varchar NOT NULL,
        error text NULL,
        notes text NOT NULL,
        transcript text NOT NULL,
        waveform text NULL
    )"#,
    "INSERT INTO recordings_new (id, title, status, progress, project_id, file_name, size_bytes,
        format, duration_ms, sample_rate, channels, peak_dbfs, rms_dbfs, has_transcript,
        created_at, updated_at, worker, stored_path, error, notes, transcript, waveform)
     SELECT id, title, status, progress, project_id, file_name, size_bytes,
        format, duration_ms, sample_rate, channels, peak_dbfs, rms_dbfs, trim(transcript, ' ' || char(9, 10, 13)) <> '',
        created_at, updated_at, worker, stored_path, error, notes, transcript, waveform
     FROM recordings ORDER BY created_at, id",
    "DROP TABLE recordings",
    "ALTER TABLE recordings_new RENAME TO recordings",
    LIST_INDEXES[0],
    LIST_INDEXES[1],
    LIST_INDEXES[2],
    LIST_INDEXES[3],
    LIST_INDEXES[4],
    LIST_INDEXES[5],
    // Longest first, unmeasured last: SQLite's descending order puts NULL
    // last by itself (and its indexes take no NULLS LAST).
    "CREATE INDEX idx_recordings_duration_id ON recordings (duration_ms DESC, id)",
    "CREATE VIRTUAL TABLE recordings_fts USING fts5(
        title, notes, transcript,
        content = 'recordings', content_rowid = 'doc',
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '2 3 4')",
    "INSERT INTO recordings_fts (recordings_fts) VALUES ('rebuild')",
    "CREATE TRIGGER recordings_fts_insert AFTER INSERT ON recordings BEGIN
        INSERT INTO recordings_fts (rowid, title, notes, transcript)
        VALUES (new.doc, new.title, new.notes, new.transcript);
        UPDATE recordings SET has_transcript = trim(new.transcript, ' ' || char(9, 10, 13)) <> ''
            WHERE doc = new.doc;
    END",
    "CREATE TRIGGER recordings_fts_delete AFTER DELETE ON recordings BEGIN
        INSERT INTO recordings_fts (recordings_fts, rowid, title, notes, transcript)
        VALUES ('delete', old.doc, old.title, old.notes, old.transcript);
    END",
    "CREATE TRIGGER recordings_fts_update AFTER UPDATE OF title, notes, transcript ON recordings BEGIN
        INSERT INTO recordings_fts (recordings_fts, rowid, title, notes, transcript)
        VALUES ('delete', old.doc, old.title, old.notes, old.transcript);
        INSERT INTO recordings_fts (rowid, title, notes, transcript)
        VALUES (new.doc, new.title, new.notes, new.transcript);
        UPDATE recordings SET has_transcript = trim(new.transcript, ' ' || char(9, 10, 13)) <> ''
            WHERE doc = new.doc;
    END",
];

const POSTGRES_CHEAP_READS: &[&str] = &[
    "ALTER TABLE recordings ADD COLUMN has_transcript boolean NOT NULL
        GENERATED ALWAYS AS (btrim(transcript, E' \\t\\r\\n') <> '') STORED",
    "ALTER TABLE recordings ADD COLUMN document tsvector
        GENERATED ALWAYS AS (
            setweight(to_tsvector('simple', title), 'A')
            || setweight(to_tsvector('simple', notes), 'B')
            || setweight(to_tsvector('simple', transcript), 'C')
        ) STORED",
    "CREATE INDEX idx_recordings_document ON recordings USING GIN (document)",
    "DROP INDEX idx_recordings_status",
    "DROP INDEX idx_recordings_created",
    "DROP INDEX idx_recordings_project",
    LIST_INDEXES[0],
    LIST_INDEXES[1],
    LIST_INDEXES[2],
    LIST_INDEXES[3],
    LIST_INDEXES[4],
    LIST_INDEXES[5],
    "CREATE INDEX idx_recordings_duration_id ON recordings (duration_ms DESC NULLS LAST, id)",
];

/// The FTS5 index of recordings and the triggers that keep it current, as
/// first made (replaced by [`CheapReads`]).
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

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Database, Statement};

    use super::*;

    async fn values(db: &impl ConnectionTrait, sql: &str) -> Vec<String> {
        db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .unwrap()
            .iter()
            .map(|row| row.try_get_by_index::<String>(0).unwrap())
            .collect()
    }

    /// A workspace from before the cheap reads keeps every recording, its
    /// text and its place in the full-text index.
    #[tokio::test]
    async fn the_cheap_reads_migration_keeps_every_recording_and_its_index() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("old.db").display());
        let db = Database::connect(&url).await.unwrap();
        Migrator::up(&db, Some(3)).await.unwrap();
        for (id, title, transcript) in [
            (
                "r1",
                "Band meeting",
                "[00:11] The tour budget is twelve thousand.",
            ),
            ("r2", "Standup", "  "),
        ] {
            db.execute_unprepared(&format!(
                "INSERT INTO recordings (id, title, status, progress, file_name, stored_path,
                    size_bytes, notes, transcript, created_at, updated_at)
                 VALUES ('{id}', '{title}', 'ready', 100, 'a.wav', 'recordings/{id}.wav', 1,
                    'notes of {id}', '{transcript}', '2026-01-0{n} 10:00:00+00:00',
                    '2026-01-0{n} 10:00:00+00:00')",
                n = &id[1..],
            ))
            .await
            .unwrap();
        }

        Migrator::up(&db, None).await.unwrap();

        let rows = values(
            &db,
            "SELECT id || ':' || has_transcript || ':' || notes FROM recordings ORDER BY id",
        )
        .await;
        assert_eq!(rows, ["r1:1:notes of r1", "r2:0:notes of r2"]);
        let found = values(
            &db,
            "SELECT r.id FROM recordings_fts JOIN recordings AS r ON r.doc = recordings_fts.rowid
             WHERE recordings_fts MATCH 'budget'",
        )
        .await;
        assert_eq!(found, ["r1"]);
        // The triggers follow later writes.
        db.execute_unprepared("UPDATE recordings SET transcript = 'a budget too' WHERE id = 'r2'")
            .await
            .unwrap();
        db.execute_unprepared("DELETE FROM recordings WHERE id = 'r1'")
            .await
            .unwrap();
        let found = values(
            &db,
            "SELECT r.id || ':' || r.has_transcript FROM recordings_fts
             JOIN recordings AS r ON r.doc = recordings_fts.rowid
             WHERE recordings_fts MATCH 'bud*'",
        )
        .await;
        assert_eq!(found, ["r2:1"]);
        let left = values(
            &db,
            "SELECT CAST(count(*) AS TEXT) FROM recordings_fts WHERE recordings_fts MATCH 'twelve'",
        )
        .await;
        assert_eq!(left, ["0"], "the deleted recording left the index itself");
    }
}
