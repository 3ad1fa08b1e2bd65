//! The dashboard's statistics.

use chrono::{Days, Utc};
use earshot_shared::dto::{DashboardStats, DayCount, RecordingStatus, StatusCounts};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};

use crate::db::entities::{conversation, project, recording};
use crate::error::ApiResult;

/// Days shown in the per-day chart, today included.
pub const DAYS: u64 = 14;
const RECENT: u64 = 5;

/// Counts by status, total duration, projects, conversations, recent
/// recordings and imports per day.
pub async fn stats(db: &impl ConnectionTrait) -> ApiResult<DashboardStats> {
    let mut by_status = StatusCounts::default();
    let counts: Vec<(String, i64)> = recording::Entity::find()
        .select_only()
        .column(recording::Column::Status)
        .column_as(recording::Column::Id.count(), "count")
        .group_by(recording::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    for (status, count) in counts {
        let count = u64::try_from(count).unwrap_or(0);
        match status.parse() {
            Ok(RecordingStatus::Queued) => by_status.queued += count,
            Ok(RecordingStatus::Processing) => by_status.processing += count,
            Ok(RecordingStatus::Ready) => by_status.ready += count,
            Ok(RecordingStatus::Failed) | Err(_) => by_status.failed += count,
        }
    }

    // Summed here rather than in SQL: SUM of a BIGINT is NUMERIC on PostgreSQL.
    let durations: Vec<Option<i64>> = recording::Entity::find()
        .select_only()
        .column(recording::Column::DurationMs)
        .filter(recording::Column::Status.eq(RecordingStatus::Ready.as_str()))
        .into_tuple()
        .all(db)
        .await?;
    let total_duration_ms = durations
        .into_iter()
        .flatten()
        .map(|d| u64::try_from(d).unwrap_or(0))
        .sum();

    let today = Utc::now().date_naive();
    let first_day = today - Days::new(DAYS - 1);
    let since = first_day
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc();
    let created: Vec<chrono::DateTime<Utc>> = recording::Entity::find()
        .select_only()
        .column(recording::Column::CreatedAt)
        .filter(recording::Column::CreatedAt.gte(since))
        .into_tuple()
        .all(db)
        .await?;
    let mut per_day: Vec<DayCount> = first_day
        .iter_days()
        .take(DAYS as usize)
        .map(|date| DayCount { date, count: 0 })
        .collect();
    for at in created {
        let index = (at.date_naive() - first_day).num_days();
        if let Some(day) = usize::try_from(index).ok().and_then(|i| per_day.get_mut(i)) {
            day.count += 1;
        }
    }

    Ok(DashboardStats {
        by_status,
        total_duration_ms,
        project_count: project::Entity::find().count(db).await?,
        conversation_count: conversation::Entity::find().count(db).await?,
        recent: super::recordings::recent(db, RECENT).await?,
        per_day,
    })
}
