//! What pages are made of. Components take data and callbacks, never fetch,
//! and are named after what the user sees.
//!
//! - [`layout`]: the shell around every page (navigation, brand, the
//!   connection indicator).
//! - [`connection_indicator`]: the live sync connection's state, when it is
//!   not simply live.
//! - [`icons`]: the inline SVG icons.
//! - [`page_header`]: a page's title and its actions.
//! - [`load_state`]: loading, error-with-retry and empty states.
//! - [`toasts`]: short messages about what just happened.
//! - [`refresh_button`]: the manual refresh.
//! - [`stat_card`], [`status_breakdown`], [`per_day_chart`]: dashboard figures.
//! - [`status_badge`], [`progress_bar`], [`recording_table`],
//!   [`recent_recordings`], [`waveform`]: recordings.
//! - [`recording_filters`], [`pagination`]: narrowing and paging the
//!   recordings list.
//! - [`project_select`]: putting a recording in a project.
//! - [`import_button`]: the file picker, the drop zone, and the rows of
//!   imports under way.
//! - [`inline_edit`]: renaming in place, and delete buttons that ask first.
//! - [`list_card`]: a named thing in a list, renamed and deleted in place.
//! - [`editable_text`]: notes and transcripts edited in place.
//! - [`search_box`], [`snippet`]: the search field, and a result's text with
//!   its hits marked.
//! - [`message_text`]: a chat message, with links to cited recordings.
//! - [`transcript`]: a transcript with a passage marked.

pub mod connection_indicator;
pub mod editable_text;
pub mod icons;
pub mod import_button;
pub mod inline_edit;
pub mod layout;
pub mod list_card;
pub mod load_state;
pub mod message_text;
pub mod page_header;
pub mod pagination;
pub mod per_day_chart;
pub mod progress_bar;
pub mod project_select;
pub mod recent_recordings;
pub mod recording_filters;
pub mod recording_table;
pub mod refresh_button;
pub mod search_box;
pub mod snippet;
pub mod stat_card;
pub mod status_badge;
pub mod status_breakdown;
pub mod toasts;
pub mod transcript;
pub mod waveform;
