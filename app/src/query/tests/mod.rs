//! Tests of the query cache: the core's rules one by one, and the Dioxus
//! hooks in a headless `VirtualDom`. All run under paused tokio time.

mod core;
mod hooks;
mod support;
