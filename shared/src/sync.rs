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
    /// A recording's processing status or progress changed.
    StatusChanged,
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
    /// This is the one place that decides what a change touches; the client
    /// invalidates exactly these and the backend's tests check them.
    pub fn keys(&self) -> Vec<QueryKey> {
        let id = self.id.as_deref();
        let mut out = Vec::new();
        match (self.resource, self.action) {
            (Resource::Recordings, action) => {
                match id {
                    Some(id) => {
                        out.push(keys::recordings::lists());
                        out.push(keys::recordings::detail(id));
                    }
                    None => out.push(keys::recordings::all()),
                }
                out.push(keys::dashboard::stats());
                if action != Action::StatusChanged {
                    // Counts per project and search results show recordings too.
                    out.push(keys::projects::all());
                    out.push(keys::search::results_all());
                }
            }
            (Resource::Projects, action) => {
                out.push(keys::projects::all());
                if matches!(action, Action::Created | Action::Deleted) {
                    out.push(keys::dashboard::stats());
                }
                if action != Action::Created {
                    // Recordings show their project's name; a deleted project
                    // leaves its recordings unassigned.
                    out.push(keys::recordings::all());
                }
            }
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

    #[test]
    fn recordings_invalidate_recordings_and_dashboard_stats() {
        let keys = Invalidate::new(Resource::Recordings, Action::Created, Some("r1".into())).keys();
        assert!(keys.contains(&keys::recordings::lists()));
        assert!(keys.contains(&keys::recordings::detail("r1")));
        assert!(keys.contains(&keys::dashboard::stats()));
        assert!(
            keys.contains(&keys::projects::all()),
            "project counts change"
        );
        assert!(!keys.contains(&keys::recordings::detail("r2")));
    }

    #[test]
    fn status_changes_touch_only_recordings_and_the_dashboard() {
        let keys = Invalidate::new(
            Resource::Recordings,
            Action::StatusChanged,
            Some("r1".into()),
        )
        .keys();
        assert_eq!(keys, {
            let mut want = vec![
                keys::dashboard::stats(),
                keys::recordings::detail("r1"),
                keys::recordings::lists(),
            ];
            want.sort();
            want
        });
    }

    #[test]
    fn a_change_without_id_invalidates_every_item_of_its_resource() {
        let keys = Invalidate::new(Resource::Recordings, Action::Deleted, None).keys();
        assert!(keys.contains(&keys::recordings::all()));
    }

    #[test]
    fn projects_invalidate_projects_recordings_and_dashboard() {
        let deleted =
            Invalidate::new(Resource::Projects, Action::Deleted, Some("p1".into())).keys();
        assert!(deleted.contains(&keys::projects::all()));
        assert!(deleted.contains(&keys::recordings::all()));
        assert!(deleted.contains(&keys::dashboard::stats()));
        let created =
            Invalidate::new(Resource::Projects, Action::Created, Some("p1".into())).keys();
        assert!(!created.contains(&keys::recordings::all()));
    }

    #[test]
    fn messages_invalidate_their_conversation_and_the_list() {
        let keys = Invalidate::new(
            Resource::Conversations,
            Action::MessageCreated,
            Some("c1".into()),
        )
        .keys();
        assert!(keys.contains(&keys::conversations::list()));
        assert!(keys.contains(&keys::conversations::detail("c1")));
        assert!(
            keys.iter()
                .any(|k| keys::conversations::messages("c1").starts_with(k))
        );
        assert!(!keys.contains(&keys::dashboard::stats()));
    }

    #[test]
    fn search_history_invalidates_only_the_history() {
        let keys =
            Invalidate::new(Resource::SearchHistory, Action::Created, Some("s1".into())).keys();
        assert_eq!(keys, vec![keys::search::history()]);
    }
}
