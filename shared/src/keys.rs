//! Hierarchical query keys.
//!
//! A key is a short path of segments, the Rust form of React Query's array
//! keys: `recordings` ⊃ `recordings/list` ⊃ `recordings/list/{status=ready}`.
//! Invalidating a prefix invalidates everything below it.
//!
//! Keys are built only through the functions of this module ([`recordings`],
//! [`projects`], [`conversations`], [`dashboard`], [`search`]), so the two
//! sides cannot disagree on spelling. They are cheap to clone (one `Arc`), and
//! hash and compare by value.
//!
//! ```
//! use earshot_shared::keys::{self, Params};
//! use earshot_shared::dto::RecordingFilters;
//!
//! let ready = RecordingFilters { status: Some("ready".parse().unwrap()), ..Default::default() };
//! let list = keys::recordings::list(&ready);
//! assert!(list.starts_with(&keys::recordings::all()));
//! assert!(!list.starts_with(&keys::projects::all()));
//! assert_eq!(list.to_string(), "recordings/list/{status=ready}");
//!
//! // Filters are canonical: the order in which parameters are given does not matter.
//! let a = Params::from_pairs([("b", "2"), ("a", "1")]);
//! let b = Params::from_pairs([("a", "1"), ("b", "2")]);
//! assert_eq!(a, b);
//! ```

use std::fmt;
use std::sync::Arc;

/// One segment of a [`QueryKey`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Segment {
    /// A fixed name such as `recordings` or `list`.
    Name(&'static str),
    /// An identifier such as a recording id.
    Id(Arc<str>),
    /// Canonical parameters (filters, paging, a search query).
    Params(Params),
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Segment::Name(name) => f.write_str(name),
            Segment::Id(id) => f.write_str(id),
            Segment::Params(params) => params.fmt(f),
        }
    }
}

/// Canonical key parameters: sorted by name, unique names, no empty values.
///
/// Two `Params` built from the same pairs in any order are equal and hash
/// equally, which is what makes filters safe to put in a key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Params(Arc<[(Arc<str>, Arc<str>)]>);

impl Params {
    /// Builds canonical parameters. Later pairs win over earlier ones with the
    /// same name; pairs with an empty value are left out.
    pub fn from_pairs<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut map = std::collections::BTreeMap::new();
        for (name, value) in pairs {
            let value = value.as_ref();
            if value.is_empty() {
                map.remove(name.as_ref());
            } else {
                map.insert(Arc::<str>::from(name.as_ref()), Arc::<str>::from(value));
            }
        }
        Params(map.into_iter().collect())
    }

    /// The value of one parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| &**key == name)
            .map(|(_, value)| &**value)
    }

    /// The pairs in canonical order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(key, value)| (&**key, &**value))
    }

    /// `true` when no parameter is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, (name, value)) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{name}={value}")?;
        }
        f.write_str("}")
    }
}

/// A hierarchical cache key. See the [module docs](self).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QueryKey(Arc<[Segment]>);

impl QueryKey {
    fn new(segments: impl IntoIterator<Item = Segment>) -> Self {
        QueryKey(segments.into_iter().collect())
    }

    /// The empty key: the prefix of every key ("invalidate everything").
    pub fn root() -> Self {
        QueryKey(Arc::from([]))
    }

    /// The segments of this key, outermost first.
    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    /// `true` when `prefix` names this key or one of its ancestors.
    pub fn starts_with(&self, prefix: &QueryKey) -> bool {
        self.0.starts_with(&prefix.0)
    }
}

impl fmt::Display for QueryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("/")?;
            }
            segment.fmt(f)?;
        }
        Ok(())
    }
}

impl fmt::Debug for QueryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "QueryKey({self})")
    }
}

fn id(value: &str) -> Segment {
    Segment::Id(Arc::from(value))
}

/// Keys of recordings: `recordings`, `recordings/list/{…}`, `recordings/detail/<id>`.
pub mod recordings {
    use super::*;
    use crate::dto::RecordingFilters;

    /// Every recordings query.
    pub fn all() -> QueryKey {
        QueryKey::new([Segment::Name("recordings")])
    }
    /// Every recordings list, whatever its filters.
    pub fn lists() -> QueryKey {
        QueryKey::new([Segment::Name("recordings"), Segment::Name("list")])
    }
    /// One filtered, sorted page of recordings.
    pub fn list(filters: &RecordingFilters) -> QueryKey {
        QueryKey::new([
            Segment::Name("recordings"),
            Segment::Name("list"),
            Segment::Params(filters.to_params()),
        ])
    }
    /// One recording.
    pub fn detail(recording_id: &str) -> QueryKey {
        QueryKey::new([
            Segment::Name("recordings"),
            Segment::Name("detail"),
            id(recording_id),
        ])
    }
}

/// Keys of projects: `projects`, `projects/list`, `projects/detail/<id>`.
pub mod projects {
    use super::*;

    /// Every projects query.
    pub fn all() -> QueryKey {
        QueryKey::new([Segment::Name("projects")])
    }
    /// The list of projects with their recording counts.
    pub fn list() -> QueryKey {
        QueryKey::new([Segment::Name("projects"), Segment::Name("list")])
    }
    /// One project.
    pub fn detail(project_id: &str) -> QueryKey {
        QueryKey::new([
            Segment::Name("projects"),
            Segment::Name("detail"),
            id(project_id),
        ])
    }
}

/// Keys of conversations: `conversations`, `conversations/list`,
/// `conversations/detail/<id>` and `conversations/detail/<id>/messages`.
pub mod conversations {
    use super::*;

    /// Every conversations query.
    pub fn all() -> QueryKey {
        QueryKey::new([Segment::Name("conversations")])
    }
    /// The list of conversations.
    pub fn list() -> QueryKey {
        QueryKey::new([Segment::Name("conversations"), Segment::Name("list")])
    }
    /// One conversation (and, as a prefix, its messages).
    pub fn detail(conversation_id: &str) -> QueryKey {
        QueryKey::new([
            Segment::Name("conversations"),
            Segment::Name("detail"),
            id(conversation_id),
        ])
    }
    /// The messages of one conversation.
    pub fn messages(conversation_id: &str) -> QueryKey {
        QueryKey::new([
            Segment::Name("conversations"),
            Segment::Name("detail"),
            id(conversation_id),
            Segment::Name("messages"),
        ])
    }
}

/// Keys of the dashboard: `dashboard/stats`.
pub mod dashboard {
    use super::*;

    /// The dashboard's statistics.
    pub fn stats() -> QueryKey {
        QueryKey::new([Segment::Name("dashboard"), Segment::Name("stats")])
    }
}

/// Keys of search: `search/results/{q=…}` and `search/history`.
pub mod search {
    use super::*;

    /// Every search query.
    pub fn all() -> QueryKey {
        QueryKey::new([Segment::Name("search")])
    }
    /// Every result list.
    pub fn results_all() -> QueryKey {
        QueryKey::new([Segment::Name("search"), Segment::Name("results")])
    }
    /// The results of one query text.
    pub fn results(query: &str) -> QueryKey {
        QueryKey::new([
            Segment::Name("search"),
            Segment::Name("results"),
            Segment::Params(Params::from_pairs([("q", query.trim())])),
        ])
    }
    /// The search history.
    pub fn history() -> QueryKey {
        QueryKey::new([Segment::Name("search"), Segment::Name("history")])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::{RecordingFilters, RecordingSort, RecordingStatus};
    use std::collections::hash_map::DefaultHasher;
    use std::hash::{Hash, Hasher};

    fn hash_of(key: &QueryKey) -> u64 {
        let mut hasher = DefaultHasher::new();
        key.hash(&mut hasher);
        hasher.finish()
    }

    #[test]
    fn every_key_starts_with_the_root() {
        assert!(recordings::detail("r1").starts_with(&QueryKey::root()));
        assert!(dashboard::stats().starts_with(&QueryKey::root()));
    }

    #[test]
    fn a_key_starts_with_its_ancestors_and_itself() {
        let detail = recordings::detail("r1");
        assert!(detail.starts_with(&recordings::all()));
        assert!(detail.starts_with(&detail));
        let messages = conversations::messages("c1");
        assert!(messages.starts_with(&conversations::detail("c1")));
        assert!(messages.starts_with(&conversations::all()));
    }

    #[test]
    fn prefix_matching_compares_whole_segments() {
        assert!(!recordings::detail("r10").starts_with(&recordings::detail("r1")));
        assert!(!conversations::messages("c1").starts_with(&conversations::detail("c2")));
        assert!(!recordings::all().starts_with(&recordings::lists()));
        assert!(!search::history().starts_with(&search::results_all()));
        assert!(!projects::list().starts_with(&recordings::all()));
    }

    #[test]
    fn filters_are_canonical_whatever_the_order_of_the_pairs() {
        let a = Params::from_pairs([("status", "ready"), ("project", "p1"), ("page", "2")]);
        let b = Params::from_pairs([("page", "2"), ("status", "ready"), ("project", "p1")]);
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "{page=2,project=p1,status=ready}");
    }

    #[test]
    fn empty_values_are_left_out_of_filters() {
        let with_empty = Params::from_pairs([("q", ""), ("status", "ready")]);
        assert_eq!(with_empty, Params::from_pairs([("status", "ready")]));
    }

    #[test]
    fn equal_filters_give_equal_keys_and_hashes() {
        let a = RecordingFilters {
            status: Some(RecordingStatus::Ready),
            project: Some("p1".into()),
            text: Some("  ".into()),
            ..Default::default()
        };
        let b = RecordingFilters {
            project: Some("p1".into()),
            status: Some(RecordingStatus::Ready),
            ..Default::default()
        };
        assert_eq!(recordings::list(&a), recordings::list(&b));
        assert_eq!(
            hash_of(&recordings::list(&a)),
            hash_of(&recordings::list(&b))
        );
    }

    #[test]
    fn default_paging_and_sort_do_not_change_the_key() {
        let explicit = RecordingFilters {
            sort: RecordingSort::default(),
            page: 1,
            per_page: RecordingFilters::DEFAULT_PER_PAGE,
            ..Default::default()
        };
        assert_eq!(
            recordings::list(&explicit),
            recordings::list(&RecordingFilters::default())
        );
        assert_eq!(
            recordings::list(&explicit).to_string(),
            "recordings/list/{}"
        );
    }

    #[test]
    fn different_filters_give_different_keys() {
        let page2 = RecordingFilters {
            page: 2,
            ..Default::default()
        };
        assert_ne!(
            recordings::list(&page2),
            recordings::list(&RecordingFilters::default())
        );
    }

    #[test]
    fn keys_display_as_paths() {
        assert_eq!(
            conversations::messages("c1").to_string(),
            "conversations/detail/c1/messages"
        );
        assert_eq!(
            search::results(" hello ").to_string(),
            "search/results/{q=hello}"
        );
    }
}
