//! One module per page. A page owns its fetching — through the query cache
//! ([`crate::query::use_query`], so every page follows live changes) — and
//! hands data to components.
//!
//! - [`dashboard`] shows `/`;
//! - [`recordings`] shows `/recordings` and `/recordings/:id`;
//! - [`projects`] shows `/projects` and `/projects/:id`;
//! - [`chats`] shows `/chats` and `/chats/:id`;
//! - [`search`] shows `/search`;
//! - [`not_found`] shows anything else.

pub mod chats;
pub mod dashboard;
pub mod not_found;
pub mod projects;
pub mod recordings;
pub mod search;
