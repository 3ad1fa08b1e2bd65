//! The recordings pages: [`list`] (`/recordings`) and [`detail`] (`/recordings/:id`).

pub mod detail;
pub mod list;
