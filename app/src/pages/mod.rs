//! One module per page. A page owns its fetching — through the query cache
//! ([`crate::query::use_query`], so every page follows live changes) — and
//! its writes (the hooks of [`crate::mutations`]), and hands data and
//! callbacks to components.
//!
//! - [`dashboard`] shows `/`;
//! - [`recordings`] shows `/recordings` and `/recordings/:id`;
//! - [`projects`] shows `/projects` and `/projects/:id`;
//! - [`chats`] shows `/chats` and `/chats/:id`;
//! - [`search`] shows `/search`;
//! - [`not_found`] shows anything else;
//! - [`gone`] leaves a page whose subject was deleted while it was open.

pub mod chats;
pub mod dashboard;
pub mod gone;
pub mod not_found;
pub mod projects;
pub mod recordings;
pub mod search;
