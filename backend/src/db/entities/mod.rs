//! SeaORM entities, one per table. The schema itself is defined by the
//! migrations in [`crate::db::migration`].

pub mod conversation;
pub mod message;
pub mod project;
pub mod recording;
pub mod search_history;
