//! The dashboard's statistics.

use chrono::{Days, NaiveDate, Utc};
use earshot_shared::dto::{DashboardStats, DayCount, RecordingStatus, StatusCounts};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect,
};

use crate::db::entities::{conversation, project, recording};
use crate::error::ApiResult;

/// Days shown in the per-day chart, today included.
pub const DAYS: u64 = 14;
const RECENT: u64 = 5;

/// Counts by status, total duration, projects, conversations, recent
/// recordings and imports per day.
///
/// Every figure is an aggregate the database computes from an index (see the
/// `m0004_cheap_reads` migration): no recording row is loaded but the five
/// recent ones.
pub async fn stats(db: &impl ConnectionTrait) -> ApiResult<DashboardStats> {
    let mut by_status = StatusCounts::default();
    let mut total_duration_ms = 0;
    // CAST: SUM of a BIGINT is NUMERIC on PostgreSQL.
    let groups: Vec<(String, i64, Option<i64>)> = recording::Entity::find()
        .select_only()
        .column(recording::Column::Status)
        .column_as(Expr::cust("COUNT(*)"), "count")
        .column_as(Expr::cust("CAST(SUM(duration_ms) AS BIGINT)"), "duration")
        .group_by(recording::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    for (status, count, duration) in groups {
        let count = u64::try_from(count).unwrap_or(0);
        match status.parse() {
            Ok(RecordingStatus::Queued) => by_status.queued += count,
            Ok(RecordingStatus::Processing) => by_status.processing += count,
            Ok(RecordingStatus::Ready) => {
                by_status.ready += count;
                total_duration_ms = duration.and_then(|d| u64::try_from(d).ok()).unwrap_or(0);
            }
            Ok(RecordingStatus::Failed) | Err(_) => by_status.failed += count,
        }
    }

    let today = Utc::now().date_naive();
    let first_day = today - Days::new(DAYS - 1);
    let since = first_day
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc();
    // The day in UTC: SQLite keeps the time as RFC 3339 text in UTC.
    let day = match db.get_database_backend() {
        DatabaseBackend::Postgres => "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
        _ => "substr(created_at, 1, 10)",
    };
    let days: Vec<(String, i64)> = recording::Entity::find()
        .select_only()
        .column_as(Expr::cust(day), "day")
        .column_as(Expr::cust("COUNT(*)"), "count")
        .filter(recording::Column::CreatedAt.gte(since))
        .group_by(Expr::cust(day))
        .into_tuple()
        .all(db)
        .await?;
    let mut per_day: Vec<DayCount> = first_day
        .iter_days()
        .take(DAYS as usize)
        .map(|date| DayCount { date, count: 0 })
        .collect();
    for (date, count) in days {
        let Ok(date) = date.parse::<NaiveDate>() else {
            continue;
        };
        let index = (date - first_day).num_days();
        if let Some(day) = usize::try_from(index).ok().and_then(|i| per_day.get_mut(i)) {
            day.count += u64::try_from(count).unwrap_or(0);
        }
    }

    Ok(DashboardStats {
        by_status,
        total_duration_ms,
        project_count: project::Entity::find().count(db).await?,
        conversation_count: conversation::Entity::find().count(db).await?,
        recent: super::recordings::recent(db, RECENT)
            .await?
            .into_iter()
            .map(|mut recording| {
                // Not kept current here: a progress tick does not stale
                // the dashboard (see `DashboardStats::recent`).
                recording.progress = if recording.status == RecordingStatus::Ready {
                    100
                } else {
                    0
                };
                recording
            })
            .collect(),
        per_day,
    })
}
