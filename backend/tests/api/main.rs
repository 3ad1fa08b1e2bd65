//! Integration tests: a real server on an ephemeral port, a real SQLite file
//! in a temporary directory, real HTTP and a real WebSocket client.

mod access;
mod assistant;
mod cache;
mod concurrency;
mod errors;
mod helpers;
mod llm_peer;
mod processing;
mod resources;
mod search;
mod sync;
mod web_bundle;
