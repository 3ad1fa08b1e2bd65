//! The projects pages: [`list`] (`/projects`) and [`detail`] (`/projects/:id`).

pub mod detail;
pub mod list;
