//! The chats pages: [`list`] (`/chats`) and [`conversation`] (`/chats/:id`).

pub mod conversation;
pub mod list;
