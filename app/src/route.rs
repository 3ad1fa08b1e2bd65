//! The app's pages and their URLs.
//!
//! Every page renders inside [`AppShell`] (navigation + content). The same
//! paths work in the desktop window (in-memory history) and in the browser
//! (the address bar), so a link can be shared from the web build.

use dioxus::prelude::*;

use crate::components::layout::AppShell;
use crate::pages::chats::conversation::ConversationPage;
use crate::pages::chats::list::ChatsPage;
use crate::pages::dashboard::DashboardPage;
use crate::pages::not_found::NotFoundPage;
use crate::pages::projects::detail::ProjectPage;
use crate::pages::projects::list::ProjectsPage;
use crate::pages::recordings::detail::{RecordingAtPage, RecordingPage};
use crate::pages::recordings::list::RecordingsPage;
use crate::pages::search::SearchPage;

/// A place in the app.
#[derive(Clone, Debug, PartialEq, Routable)]
#[rustfmt::skip]
pub enum Route {
    #[layout(AppShell)]
        /// Counts, the last imports and a chart of imports per day.
        #[route("/", DashboardPage)]
        Dashboard {},
        /// Every recording.
        #[route("/recordings", RecordingsPage)]
        Recordings {},
        /// One recording.
        #[route("/recordings/:id", RecordingPage)]
        Recording { id: String },
        /// One recording, with a passage of its transcript marked: the one
        /// said at `t` seconds, or the one holding the words of `q`.
        #[route("/recordings/:id/at?:t&:q", RecordingAtPage)]
        RecordingAt { id: String, t: Option<u32>, q: Option<String> },
        /// Every project.
        #[route("/projects", ProjectsPage)]
        Projects {},
        /// One project and its recordings.
        #[route("/projects/:id", ProjectPage)]
        Project { id: String },
        /// Every conversation.
        #[route("/chats", ChatsPage)]
        Chats {},
        /// One conversation.
        #[route("/chats/:id", ConversationPage)]
        Conversation { id: String },
        /// Search transcripts, notes and titles.
        #[route("/search", SearchPage)]
        Search {},
        /// Any other path.
        #[route("/:..segments", NotFoundPage)]
        NotFound { segments: Vec<String> },
}

/// A top-level section: one entry of the navigation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    /// The dashboard.
    Dashboard,
    /// Recordings.
    Recordings,
    /// Projects.
    Projects,
    /// Chats.
    Chats,
    /// Search.
    Search,
}

impl Section {
    /// The sections in navigation order.
    pub const ALL: [Section; 5] = [
        Section::Dashboard,
        Section::Recordings,
        Section::Projects,
        Section::Chats,
        Section::Search,
    ];

    /// The navigation label.
    pub fn label(self) -> &'static str {
        match self {
            Section::Dashboard => "Dashboard",
            Section::Recordings => "Recordings",
            Section::Projects => "Projects",
            Section::Chats => "Chats",
            Section::Search => "Search",
        }
    }

    /// The section's first page.
    pub fn route(self) -> Route {
        match self {
            Section::Dashboard => Route::Dashboard {},
            Section::Recordings => Route::Recordings {},
            Section::Projects => Route::Projects {},
            Section::Chats => Route::Chats {},
            Section::Search => Route::Search {},
        }
    }
}

impl Route {
    /// The section this page belongs to (a recording belongs to Recordings).
    pub fn section(&self) -> Option<Section> {
        match self {
            Route::Dashboard {} => Some(Section::Dashboard),
            Route::Recordings {} | Route::Recording { .. } | Route::RecordingAt { .. } => {
                Some(Section::Recordings)
            }
            Route::Projects {} | Route::Project { .. } => Some(Section::Projects),
            Route::Chats {} | Route::Conversation { .. } => Some(Section::Chats),
            Route::Search {} => Some(Section::Search),
            Route::NotFound { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detail_pages_belong_to_their_list_section() {
        let recording = Route::Recording { id: "r1".into() };
        assert_eq!(recording.section(), Some(Section::Recordings));
        assert_eq!(
            Route::Conversation { id: "c1".into() }.section(),
            Some(Section::Chats)
        );
        assert_eq!(Route::NotFound { segments: vec![] }.section(), None);
    }

    #[test]
    fn paths_round_trip() {
        for path in [
            "/",
            "/recordings",
            "/recordings/r1",
            "/projects/p1",
            "/chats/c1",
            "/search",
        ] {
            let route: Route = path.parse().unwrap();
            assert_eq!(route.to_string(), path);
        }
        assert_eq!("/nowhere/else".parse::<Route>().unwrap().section(), None);
    }

    #[test]
    fn a_passage_link_carries_its_time_and_words() {
        let at = Route::RecordingAt {
            id: "r1".into(),
            t: Some(83),
            q: Some("budget plans".into()),
        };
        let parsed: Route = at.to_string().parse().unwrap();
        assert_eq!(parsed, at);
        assert_eq!(parsed.section(), Some(Section::Recordings));
        let time_only: Route = "/recordings/r1/at?t=5".parse().unwrap();
        assert_eq!(
            time_only,
            Route::RecordingAt {
                id: "r1".into(),
                t: Some(5),
                q: None
            }
        );
    }

    #[test]
    fn every_section_links_to_a_page_of_its_own() {
        for section in Section::ALL {
            assert_eq!(section.route().section(), Some(section));
        }
    }
}
