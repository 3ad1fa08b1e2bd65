//! The wire protocol of `/api/ws/sync`.
//!
//! Every frame is one JSON text message with a `type` tag.
//!
//! Server → client: [`ServerMessage::Hello`] on connect, then
//! [`ServerMessage::Invalidate`] for every committed change, each with the next
//! `seq` of the current `epoch`; [`ServerMessage::Resync`] when the client must
//! treat everything as stale; [`ServerMessage::Ping`] as a heartbeat.
//!
//! Client → server: [`ClientMessage::Resume`] right after connecting, to get
//! the invalidations missed since `(epoch, seq)`; [`ClientMessage::Pong`]
//! answering a ping; [`ClientMessage::Ping`] to probe the server.
//!
//! The `invalidate` frame stays compatible with the original protocol, whose
//! frames lack `seq`:
//!
//! ```
//! use earshot_shared::sync::{Action, Resource, ServerMessage};
//!
//! let seed = r#"{"type":"invalidate","resource":"recordings","action":"deleted","id":"r1"}"#;
//! let ServerMessage::Invalidate(inv) = serde_json::from_str(seed).unwrap() else { panic!() };
//! assert_eq!((inv.resource, inv.action, inv.id.as_deref()), (Resource::Recordings, Action::Deleted, Some("r1")));
//! ```

use serde::{Deserialize, Serialize};

use crate::keys::{self, QueryKey};

/// A kind of thing that changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    /// Recordings, including their processing state.
    Recordings,
    /// Projects.
    Projects,
    /// Conversations and their messages.
    Conversations,
    /// Saved searches.
    SearchHistory,
}

/// What happened to a [`Resource`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A new item exists.
    Created,
    /// An item's fields changed.
    Updated,
    /// An item is gone.
    Deleted,
    /// A recording's processing status changed (queued, processing, ready,
    /// failed), with whatever came with it (measurements, an error).
    StatusChanged,
    /// A recording being processed got further: only its progress moved.
    Progress,
    /// A message was added to a conversation (`id` is the conversation's).
    MessageCreated,
}

/// "Something changed; whatever shows it is stale."
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invalidate {
    /// Position in the server's sequence (absent, so 0, in the original protocol).
    #[serde(default)]
    pub seq: u64,
    /// What kind of thing changed.
    pub resource: Resource,
    /// What happened to it.
    pub action: Action,
    /// Which item, when one item changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl Invalidate {
    /// A change not yet numbered (the hub assigns `seq` when it publishes).
    pub fn new(resource: Resource, action: Action, id: impl Into<Option<String>>) -> Self {
        Invalidate {
            seq: 0,
            resource,
            action,
            id: id.into(),
        }
    }

    /// The query keys this change makes stale, as prefixes, without duplicates.
    ///
    /// This is the one place that decides what a change touches: the client
    /// invalidates exactly these, and the server drops its cached answers
    /// for exactly these. A key belongs here only if the change can alter
    /// its answer; a missing one leaves stale data on screen *and* in the
    /// server's cache. What each query shows, and so why each key is here:
    ///
    /// | query | shows |
    /// |---|---|
    /// | `recordings/list/…` | recordings' summaries (title, status, progress, project name, …) and their total |
    /// | `recordings/detail/<id>` | one summary, notes, transcript, waveform |
    /// | `projects/…` | projects and how many recordings each holds |
    /// | `conversations/list` | conversations, message counts, latest activity |
    /// | `conversations/detail/<id>` | one conversation and its messages |
    /// | `dashboard/stats` | counts by status, total duration, project and conversation counts, the recent recordings (title, status, project name), imports per day |
    /// | `search/results/…` | titles and passages of titles, notes and transcripts |
    /// | `search/history` | past searches |
    ///
    /// The table test in this module lists every resource × action with the
    /// keys it stales.
    pub fn keys(&self) -> Vec<QueryKey> {
        let id = self.id.as_deref();
        let mut out = Vec::new();
        let one_recording = |out: &mut Vec<QueryKey>| match id {
            Some(id) => {
                out.push(keys::recordings::lists());
                out.push(keys::recordings::detail(id));
            }
            None => out.push(keys::recordings::all()),
        };
        match (self.resource, self.action) {
            // Only the percentage moved: the rows and the page showing it.
            // No count, total or text changed, so neither the dashboard
            // (whose recent recordings carry no progress) nor projects nor
            // search.
            (Resource::Recordings, Action::Progress) => one_recording(&mut out),
            // Counts by status and the total duration change; no text and
            // no project membership does.
            (Resource::Recordings, Action::StatusChanged) => {
                one_recording(&mut out);
                out.push(keys::dashboard::stats());
            }
            // Created, updated (title, notes, transcript, project) or
            // deleted: its rows, the dashboard's counts and recent list, the
            // recording counts of projects, and what search finds.
            (Resource::Recordings, _) => {
                one_recording(&mut out);
                out.push(keys::dashboard::stats());
                out.push(keys::projects::all());
                out.push(keys::search::results_all());
            }
            // A new project holds no recording yet: only the project list
            // and the dashboard's project count.
            (Resource::Projects, Action::Created) => {
                out.push(keys::projects::all());
                out.push(keys::dashboard::stats());
            }
            // Recordings show their project's name (lists, details and the
            // dashboard's recent ones); a deleted project's recordings become
            // unassigned and the project count drops.
            (Resource::Projects, _) => {
                out.push(keys::projects::all());
                out.push(keys::recordings::all());
                out.push(keys::dashboard::stats());
            }
            // A message changes its conversation, and the list's message
            // count and order; the dashboard counts conversations only.
            (Resource::Conversations, action) => {
                out.push(keys::conversations::list());
                match id {
                    Some(id) => out.push(keys::conversations::detail(id)),
                    None => out.push(keys::conversations::all()),
                }
                if matches!(action, Action::Created | Action::Deleted) {
                    out.push(keys::dashboard::stats());
                }
            }
            (Resource::SearchHistory, _) => out.push(keys::search::history()),
        }
        out.sort();
        out.dedup();
        out
    }
}

/// Why the server asks a client to refetch everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResyncReason {
    /// The client fell behind the live stream and messages were dropped.
    Lagged,
    /// The resume point is older than the server's history.
    HistoryExpired,
    /// The resume point belongs to another run of the server's sequence.
    EpochChanged,
    /// The `resume` came too late to be replayed in order: after live
    /// invalidations had already been sent, or after another client frame.
    LateResume,
    /// A reason this client does not know.
    #[serde(other)]
    Other,
}

/// A frame from the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// Sent once on connect: the current position of the sequence.
    Hello {
        /// Identifies this run of the sequence; a new epoch means seq restarted.
        epoch: String,
        /// The seq of the latest invalidation (0 when there was none).
        seq: u64,
    },
    /// A committed change.
    Invalidate(Invalidate),
    /// Treat every cached query as stale.
    Resync {
        /// Why.
        reason: ResyncReason,
    },
    /// Heartbeat; answer with [`ClientMessage::Pong`].
    Ping,
    /// Answer to [`ClientMessage::Ping`].
    Pong,
}

/// A frame from the client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// Replay what came after `(epoch, seq)`, or answer `resync`.
    Resume {
        /// The epoch the client last saw.
        epoch: String,
        /// The last seq the client processed.
        seq: u64,
    },
    /// Heartbeat; the server answers with [`ServerMessage::Pong`].
    Ping,
    /// Answer to [`ServerMessage::Ping`].
    Pong,
}

/// The response header that says how far into the change sequence a read
/// is: every change up to `seq` of `epoch` is in it. A client that starts
/// listening afterwards resumes from there rather than treating everything
/// it read before connecting as stale.
pub const POSITION_HEADER: &str = "earshot-position";

/// A point in a server run's change sequence, written `<epoch>:<seq>` in
/// [`POSITION_HEADER`].
///
/// ```
/// use earshot_shared::sync::Position;
///
/// let position: Position = "0190f3a2:42".parse().unwrap();
/// assert_eq!(position.seq, 42);
/// assert_eq!(position.to_string(), "0190f3a2:42");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Position {
    /// The server run.
    pub epoch: String,
    /// The last change of that run the read includes.
    pub seq: u64,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.epoch, self.seq)
    }
}

/// A header value that is not `<epoch>:<seq>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidPosition;

impl std::fmt::Display for InvalidPosition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a position is written <epoch>:<seq>")
    }
}

impl std::error::Error for InvalidPosition {}

impl std::str::FromStr for Position {
    type Err = InvalidPosition;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let (epoch, seq) = value.rsplit_once(':').ok_or(InvalidPosition)?;
        if epoch.is_empty() {
            return Err(InvalidPosition);
        }
        Ok(Position {
            epoch: epoch.to_string(),
            seq: seq.parse().map_err(|_| InvalidPosition)?,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn positions_round_trip_and_refuse_anything_else() {
        let position = Position {
            epoch: "e1".into(),
            seq: 7,
        };
        assert_eq!(position.to_string().parse::<Position>(), Ok(position));
        for bad in ["", "e1", ":7", "e1:", "e1:x", "e1:-1"] {
            assert_eq!(bad.parse::<Position>(), Err(InvalidPosition), "{bad:?}");
        }
    }

    use super::*;
    use serde_json::json;

    fn round_trip_server(message: ServerMessage, expected: serde_json::Value) {
        let text = serde_json::to_string(&message).unwrap();
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            expected
        );
        assert_eq!(
            serde_json::from_str::<ServerMessage>(&text).unwrap(),
            message
        );
    }

    fn round_trip_client(message: ClientMessage, expected: serde_json::Value) {
        let text = serde_json::to_string(&message).unwrap();
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            expected
        );
        assert_eq!(
            serde_json::from_str::<ClientMessage>(&text).unwrap(),
            message
        );
    }

    #[test]
    fn hello_json() {
        round_trip_server(
            ServerMessage::Hello {
                epoch: "e1".into(),
                seq: 4,
            },
            json!({"type": "hello", "epoch": "e1", "seq": 4}),
        );
    }

    #[test]
    fn invalidate_json_with_and_without_id() {
        round_trip_server(
            ServerMessage::Invalidate(Invalidate {
                seq: 7,
                resource: Resource::Recordings,
                action: Action::StatusChanged,
                id: Some("r1".into()),
            }),
            json!({"type": "invalidate", "seq": 7, "resource": "recordings", "action": "status_changed", "id": "r1"}),
        );
        round_trip_server(
            ServerMessage::Invalidate(Invalidate {
                seq: 8,
                resource: Resource::SearchHistory,
                action: Action::Deleted,
                id: None,
            }),
            json!({"type": "invalidate", "seq": 8, "resource": "search_history", "action": "deleted"}),
        );
    }

    #[test]
    fn invalidate_serialises_type_first_like_the_original_protocol() {
        let text = serde_json::to_string(&ServerMessage::Invalidate(Invalidate::new(
            Resource::Projects,
            Action::Created,
            Some("p1".to_string()),
        )))
        .unwrap();
        assert_eq!(
            text,
            r#"{"type":"invalidate","seq":0,"resource":"projects","action":"created","id":"p1"}"#
        );
    }

    #[test]
    fn every_original_invalidate_literal_decodes() {
        let cases = [
            (
                "recordings",
                "created",
                Resource::Recordings,
                Action::Created,
            ),
            (
                "recordings",
                "updated",
                Resource::Recordings,
                Action::Updated,
            ),
            (
                "recordings",
                "deleted",
                Resource::Recordings,
                Action::Deleted,
            ),
            (
                "recordings",
                "status_changed",
                Resource::Recordings,
                Action::StatusChanged,
            ),
            ("projects", "created", Resource::Projects, Action::Created),
            ("projects", "updated", Resource::Projects, Action::Updated),
            ("projects", "deleted", Resource::Projects, Action::Deleted),
            (
                "conversations",
                "created",
                Resource::Conversations,
                Action::Created,
            ),
            (
                "conversations",
                "updated",
                Resource::Conversations,
                Action::Updated,
            ),
            (
                "conversations",
                "deleted",
                Resource::Conversations,
                Action::Deleted,
            ),
            (
                "search_history",
                "created",
                Resource::SearchHistory,
                Action::Created,
            ),
            (
                "search_history",
                "deleted",
                Resource::SearchHistory,
                Action::Deleted,
            ),
        ];
        for (resource, action, want_resource, want_action) in cases {
            let literal = format!(
                r#"{{"type":"invalidate","resource":"{resource}","action":"{action}","id":"abc"}}"#
            );
            let decoded: ServerMessage = serde_json::from_str(&literal).unwrap();
            assert_eq!(
                decoded,
                ServerMessage::Invalidate(Invalidate {
                    seq: 0,
                    resource: want_resource,
                    action: want_action,
                    id: Some("abc".into()),
                }),
                "{literal}"
            );
        }
        let without_id: ServerMessage = serde_json::from_str(
            r#"{"type":"invalidate","resource":"projects","action":"created"}"#,
        )
        .unwrap();
        assert_eq!(
            without_id,
            ServerMessage::Invalidate(Invalidate::new(Resource::Projects, Action::Created, None))
        );
    }

    #[test]
    fn resync_ping_pong_json() {
        round_trip_server(
            ServerMessage::Resync {
                reason: ResyncReason::Lagged,
            },
            json!({"type": "resync", "reason": "lagged"}),
        );
        round_trip_server(
            ServerMessage::Resync {
                reason: ResyncReason::HistoryExpired,
            },
            json!({"type": "resync", "reason": "history_expired"}),
        );
        round_trip_server(
            ServerMessage::Resync {
                reason: ResyncReason::EpochChanged,
            },
            json!({"type": "resync", "reason": "epoch_changed"}),
        );
        round_trip_server(
            ServerMessage::Resync {
                reason: ResyncReason::LateResume,
            },
            json!({"type": "resync", "reason": "late_resume"}),
        );
        round_trip_server(ServerMessage::Ping, json!({"type": "ping"}));
        round_trip_server(ServerMessage::Pong, json!({"type": "pong"}));
    }

    #[test]
    fn unknown_resync_reasons_still_decode() {
        let message: ServerMessage =
            serde_json::from_str(r#"{"type":"resync","reason":"maintenance"}"#).unwrap();
        assert_eq!(
            message,
            ServerMessage::Resync {
                reason: ResyncReason::Other
            }
        );
    }

    #[test]
    fn client_messages_json() {
        round_trip_client(
            ClientMessage::Resume {
                epoch: "e1".into(),
                seq: 12,
            },
            json!({"type": "resume", "epoch": "e1", "seq": 12}),
        );
        round_trip_client(ClientMessage::Ping, json!({"type": "ping"}));
        round_trip_client(ClientMessage::Pong, json!({"type": "pong"}));
    }

    /// Every resource × action, and the keys it stales (as displayed), with
    /// why. A change must stale every query whose answer it can alter and
    /// no other: the server's cache and every client follow this table.
    #[test]
    fn every_change_stales_exactly_the_queries_it_can_alter() {
        use Action::*;
        use Resource::*;
        let actions = [
            Created,
            Updated,
            Deleted,
            StatusChanged,
            Progress,
            MessageCreated,
        ];
        let recording_everywhere = &[
            "dashboard/stats",
            "projects",
            "recordings/detail/x",
            "recordings/list",
            "search/results",
        ][..];
        let table: &[(Resource, Action, &[&str], &str)] = &[
            (
                Recordings,
                Created,
                recording_everywhere,
                "a new row, counts, per-day, project count, findable text",
            ),
            (
                Recordings,
                Updated,
                recording_everywhere,
                "title/notes/transcript/project: rows, recent list, project counts, search",
            ),
            (Recordings, Deleted, recording_everywhere, "as created"),
            (
                Recordings,
                StatusChanged,
                &["dashboard/stats", "recordings/detail/x", "recordings/list"],
                "status counts and measurements; no text or project",
            ),
            (
                Recordings,
                Progress,
                &["recordings/detail/x", "recordings/list"],
                "only the percentage, which only rows and the page show",
            ),
            (
                Recordings,
                MessageCreated,
                recording_everywhere,
                "not sent; treated as an update",
            ),
            (
                Projects,
                Created,
                &["dashboard/stats", "projects"],
                "an empty project: the list and the count",
            ),
            (
                Projects,
                Updated,
                &["dashboard/stats", "projects", "recordings"],
                "its name shows on recordings and the recent list",
            ),
            (
                Projects,
                Deleted,
                &["dashboard/stats", "projects", "recordings"],
                "its recordings become unassigned; the count drops",
            ),
            (
                Projects,
                StatusChanged,
                &["dashboard/stats", "projects", "recordings"],
                "not sent; treated as an update",
            ),
            (
                Projects,
                Progress,
                &["dashboard/stats", "projects", "recordings"],
                "not sent; treated as an update",
            ),
            (
                Projects,
                MessageCreated,
                &["dashboard/stats", "projects", "recordings"],
                "not sent; treated as an update",
            ),
            (
                Conversations,
                Created,
                &[
                    "conversations/detail/x",
                    "conversations/list",
                    "dashboard/stats",
                ],
                "the list and the count",
            ),
            (
                Conversations,
                Updated,
                &["conversations/detail/x", "conversations/list"],
                "its title",
            ),
            (
                Conversations,
                Deleted,
                &[
                    "conversations/detail/x",
                    "conversations/list",
                    "dashboard/stats",
                ],
                "the list and the count",
            ),
            (
                Conversations,
                StatusChanged,
                &["conversations/detail/x", "conversations/list"],
                "not sent; treated as an update",
            ),
            (
                Conversations,
                Progress,
                &["conversations/detail/x", "conversations/list"],
                "not sent; treated as an update",
            ),
            (
                Conversations,
                MessageCreated,
                &["conversations/detail/x", "conversations/list"],
                "its messages, the list's count and order",
            ),
        ];
        for resource in [Recordings, Projects, Conversations] {
            for action in actions {
                let (_, _, want, why) = table
                    .iter()
                    .find(|(r, a, _, _)| (*r, *a) == (resource, action))
                    .unwrap_or_else(|| panic!("{resource:?} × {action:?} is not in the table"));
                let got: Vec<String> = Invalidate::new(resource, action, Some("x".to_string()))
                    .keys()
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                assert_eq!(got, *want, "{resource:?} × {action:?} ({why})");
            }
        }
        for action in actions {
            let got = Invalidate::new(SearchHistory, action, Some("x".to_string())).keys();
            assert_eq!(
                got,
                vec![keys::search::history()],
                "search history: only the history"
            );
        }
    }

    #[test]
    fn a_change_without_id_stales_every_item_of_its_resource() {
        let keys = Invalidate::new(Resource::Recordings, Action::Deleted, None).keys();
        assert!(keys.contains(&keys::recordings::all()));
        let keys = Invalidate::new(Resource::Conversations, Action::Deleted, None).keys();
        assert!(keys.contains(&keys::conversations::all()));
        let keys = Invalidate::new(Resource::SearchHistory, Action::Deleted, None).keys();
        assert_eq!(keys, vec![keys::search::history()]);
    }

    #[test]
    fn a_message_stales_its_conversations_messages() {
        let keys = Invalidate::new(
            Resource::Conversations,
            Action::MessageCreated,
            Some("c1".into()),
        )
        .keys();
        assert!(
            keys.iter()
                .any(|k| keys::conversations::messages("c1").starts_with(k))
        );
        assert!(
            !keys
                .iter()
                .any(|k| keys::conversations::messages("c2").starts_with(k))
        );
    }

    #[test]
    fn a_recordings_change_stales_no_other_recording() {
        let keys = Invalidate::new(Resource::Recordings, Action::Updated, Some("r1".into())).keys();
        assert!(
            !keys
                .iter()
                .any(|k| keys::recordings::detail("r2").starts_with(k))
        );
    }
}
