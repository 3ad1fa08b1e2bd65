//! The dashboard: how much there is, what came in lately, and imports per day.

use dioxus::html::FileData;
use dioxus::prelude::*;
use earshot_shared::dto::DashboardStats;
use earshot_shared::keys;

use crate::app::use_api;
use crate::components::import_button::ImportButton;
use crate::components::load_state::{EmptyState, LoadError, Loading};
use crate::components::page_header::PageHeader;
use crate::components::per_day_chart::{PerDayChart, covered_days};
use crate::components::recent_recordings::RecentRecordings;
use crate::components::refresh_button::RefreshButton;
use crate::components::stat_card::StatCard;
use crate::components::status_breakdown::StatusBreakdown;
use crate::format;
use crate::mutations::uploads::use_uploads;
use crate::query::use_query;
use crate::route::Route;

/// `/`: the dashboard, from `GET /api/dashboard/stats` through the query cache.
#[component]
pub fn DashboardPage() -> Element {
    let api = use_api();
    let stats = use_query(keys::dashboard::stats(), move || {
        let api = api.clone();
        async move { api.dashboard_stats().await }
    });

    let uploads = use_uploads();

    let body = match (stats.data(), stats.error()) {
        (Some(stats), _) if stats.by_status.total() == 0 => rsx! {
            EmptyState {
                title: "Import your first recording",
                message: "Recordings you import show up here with their processing progress, \
                          length and project.",
                div { class: "state-actions",
                    ImportButton {
                        label: "Choose audio files",
                        on_files: move |files: Vec<FileData>| {
                            uploads.start(files);
                            navigator().push(Route::Recordings {});
                        },
                    }
                    Link { class: "button", to: Route::Recordings {}, "Go to Recordings" }
                }
            }
        },
        (Some(data), error) => rsx! {
            if let Some(error) = error {
                p { class: "notice", role: "status", "Could not refresh: {error}. Showing the last figures." }
            }
            DashboardOverview { stats: (*data).clone() }
        },
        (None, Some(error)) => rsx! {
            LoadError { message: error.to_string(), on_retry: move |_| stats.refetch() }
        },
        (None, None) => rsx! { Loading { label: "Loading the dashboard…" } },
    };

    rsx! {
        PageHeader { title: "Dashboard",
            RefreshButton { busy: stats.is_fetching(), onclick: move |_| stats.refetch() }
        }
        {body}
    }
}

/// The dashboard's figures, chart and recent list for non-empty stats.
#[component]
fn DashboardOverview(stats: DashboardStats) -> Element {
    let DashboardStats {
        by_status,
        total_duration_ms,
        project_count,
        conversation_count,
        recent,
        per_day,
    } = stats;
    let total = by_status.total();
    let in_progress = by_status.queued + by_status.processing;
    let progress_note = if in_progress > 0 {
        format!("{in_progress} in progress")
    } else if by_status.failed > 0 {
        format!("{} failed", by_status.failed)
    } else {
        "All processed".to_string()
    };
    rsx! {
        section { class: "stat-grid", aria_label: "Totals",
            StatCard {
                label: "Recordings",
                value: "{total}",
                detail: progress_note,
            }
            StatCard {
                label: "Total duration",
                value: format::hms(total_duration_ms),
                detail: "of ready recordings",
            }
            StatCard { label: "Projects", value: "{project_count}" }
            StatCard { label: "Conversations", value: "{conversation_count}" }
        }
        section { class: "card panel",
            h2 { class: "panel-title", "By status" }
            StatusBreakdown { counts: by_status }
        }
        div { class: "panel-row",
            section { class: "card panel",
                h2 { class: "panel-title",
                    match covered_days(&per_day) {
                        Some(days) => rsx! { "Imports per day, {days}" },
                        None => rsx! { "Imports per day" },
                    }
                }
                PerDayChart { days: per_day }
            }
            section { class: "card panel",
                div { class: "panel-heading",
                    h2 { class: "panel-title", "Recent recordings" }
                    Link { class: "panel-link", to: Route::Recordings {}, "View all" }
                }
                RecentRecordings { recordings: recent }
            }
        }
    }
}
