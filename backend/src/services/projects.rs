//! Projects: list with counts, read, create, edit, delete.
//!
//! Deleting a project keeps its recordings; they become unassigned (the
//! foreign key is `ON DELETE SET NULL`).

use std::collections::HashMap;

use chrono::Utc;
use earshot_shared::dto::{NewProject, Project, UpdateProject};
use earshot_shared::sync::{Action, Resource};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use super::{limited_text, required_text};
use crate::db::entities::{project, recording};
use crate::db::new_id;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

const NAME_MAX: usize = 100;
const DESCRIPTION_MAX: usize = 2_000;

/// Every project, by name, with its recording count.
pub async fn list(db: &impl ConnectionTrait) -> ApiResult<Vec<Project>> {
    let projects = project::Entity::find()
        .order_by_asc(project::Column::Name)
        .all(db)
        .await?;
    let counts: HashMap<String, i64> = recording::Entity::find()
        .select_only()
        .column(recording::Column::ProjectId)
        .column_as(recording::Column::Id.count(), "count")
        .filter(recording::Column::ProjectId.is_not_null())
        .group_by(recording::Column::ProjectId)
        .into_tuple::<(String, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(projects
        .into_iter()
        .map(|p| {
            let count = counts.get(&p.id).copied().unwrap_or(0);
            to_dto(p, count)
        })
        .collect())
}

/// One project with its recording count.
pub async fn get(db: &impl ConnectionTrait, id: &str) -> ApiResult<Project> {
    let model = project::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("project"))?;
    let count = recording::Entity::find()
        .filter(recording::Column::ProjectId.eq(id))
        .count(db)
        .await?;
    Ok(to_dto(model, i64::try_from(count).unwrap_or(i64::MAX)))
}

/// Creates a project; names are unique.
pub async fn create(state: &AppState, new: NewProject) -> ApiResult<Project> {
    let name = required_text("name", &new.name, NAME_MAX)?;
    let description = limited_text("description", new.description.trim(), DESCRIPTION_MAX)?;
    let id = new_id();
    let now = Utc::now();
    let mut tx = state.begin().await?;
    let model = project::ActiveModel {
        id: Set(id.clone()),
        name: Set(name),
        description: Set(description),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&*tx)
    .await?;
    tx.changed(Resource::Projects, Action::Created, id);
    tx.commit().await?;
    Ok(to_dto(model, 0))
}

/// Renames or re-describes a project.
pub async fn update(state: &AppState, id: &str, update: UpdateProject) -> ApiResult<Project> {
    let mut tx = state.begin().await?;
    let model = project::Entity::find_by_id(id)
        .one(&*tx)
        .await?
        .ok_or(ApiError::NotFound("project"))?;
    let mut active: project::ActiveModel = model.into();
    if let Some(name) = &update.name {
        active.name = Set(required_text("name", name, NAME_MAX)?);
    }
    if let Some(description) = &update.description {
        active.description = Set(limited_text(
            "description",
            description.trim(),
            DESCRIPTION_MAX,
        )?);
    }
    active.updated_at = Set(Utc::now());
    active.update(&*tx).await?;
    tx.changed(Resource::Projects, Action::Updated, id);
    tx.commit().await?;
    get(&state.db, id).await
}

/// Deletes a project; its recordings stay, unassigned.
pub async fn delete(state: &AppState, id: &str) -> ApiResult<()> {
    let mut tx = state.begin().await?;
    let deleted = project::Entity::delete_by_id(id).exec(&*tx).await?;
    if deleted.rows_affected == 0 {
        return Err(ApiError::NotFound("project"));
    }
    tx.changed(Resource::Projects, Action::Deleted, id);
    tx.commit().await?;
    Ok(())
}

fn to_dto(model: project::Model, recording_count: i64) -> Project {
    Project {
        id: model.id,
        name: model.name,
        description: model.description,
        recording_count: u64::try_from(recording_count).unwrap_or(0),
        created_at: model.created_at,
        updated_at: model.updated_at,
    }
}
