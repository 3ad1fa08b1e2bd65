//! What a client makes of the frames it receives: which keys to invalidate,
//! and whether it is in step with the server's sequence.
//!
//! The tracker remembers the last `(epoch, seq)` it processed. After a
//! reconnect the client resumes from there; the server replays what was
//! missed (the frames up to the hello's seq) and the tracker gathers their
//! keys, invalidating the union once the replay is complete, so each key
//! refetches once however many messages named it. A new epoch, a gap in the
//! sequence or a `resync` invalidates everything.

use std::collections::BTreeSet;

use earshot_shared::QueryKey;
use earshot_shared::sync::{ClientMessage, Position, ResyncReason, ServerMessage};

/// What the client should do after a frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Nothing.
    None,
    /// Invalidate these key prefixes.
    Invalidate(Vec<QueryKey>),
    /// Invalidate every query.
    InvalidateAll,
    /// The first hello, at this position: invalidate every query unless
    /// everything read so far is known to include every change up to it
    /// (see [`super::reads`]).
    FirstHello(Position),
    /// Answer the server's ping.
    Reply(ClientMessage),
}

/// Where the client stands in the server's sequence. See the [module docs](self).
#[derive(Debug, Default)]
pub struct Tracker {
    /// The last `(epoch, seq)` processed.
    position: Option<(String, u64)>,
    /// While replaying: the next seq expected and the hello's seq, which the
    /// replay runs up to. The position moves only once the replay is
    /// complete, so a replay cut short is asked for again in full.
    replay: Option<Replay>,
    /// Keys named by the replay so far.
    replayed: BTreeSet<QueryKey>,
    /// The next invalidate sets the position, whatever its seq (after a lag,
    /// the server's stream continues from wherever its queue kept frames).
    rebase: bool,
    /// The current connection's hello arrived.
    greeted: bool,
    /// Everything was invalidated and no frame came since: a `resync` now
    /// asks for nothing more.
    all_invalidated: bool,
}

#[derive(Clone, Copy, Debug)]
struct Replay {
    next: u64,
    until: u64,
}

impl Tracker {
    /// A tracker that has seen nothing yet.
    pub fn new() -> Self {
        Tracker::default()
    }

    /// The resume point to give when connecting (`None` the first time).
    pub fn resume_point(&self) -> Option<(&str, u64)> {
        self.position
            .as_ref()
            .map(|(epoch, seq)| (epoch.as_str(), *seq))
    }

    /// Whether the current connection has caught up with the server: the
    /// hello arrived and any replay is complete.
    pub fn in_sync(&self) -> bool {
        self.greeted && self.replay.is_none()
    }

    /// Starts a new connection (its hello has not arrived yet).
    pub fn connecting(&mut self) {
        // What was invalidated before covers nothing that happened since.
        self.all_invalidated = false;
        self.greeted = false;
        self.replay = None;
        self.replayed.clear();
    }

    /// Processes one frame.
    pub fn on_message(&mut self, message: ServerMessage) -> Effect {
        let effect = self.effect_of(message);
        match effect {
            Effect::InvalidateAll => self.all_invalidated = true,
            // Perhaps nothing was invalidated.
            Effect::Invalidate(_) | Effect::FirstHello(_) => self.all_invalidated = false,
            Effect::None | Effect::Reply(_) => {}
        }
        effect
    }

    fn effect_of(&mut self, message: ServerMessage) -> Effect {
        match message {
            ServerMessage::Hello { epoch, seq } => self.on_hello(epoch, seq),
            ServerMessage::Invalidate(invalidate) => {
                let Some((_, last)) = &mut self.position else {
                    return Effect::None; // before any hello: cannot happen
                };
                if let Some(replay) = &mut self.replay {
                    if invalidate.seq < replay.next {
                        return Effect::None; // already replayed
                    }
                    if invalidate.seq > replay.next {
                        // A gap within the replay: some change was missed.
                        *last = invalidate.seq;
                        self.end_replay();
                        return Effect::InvalidateAll;
                    }
                    self.replayed.extend(invalidate.keys());
                    replay.next += 1;
                    if invalidate.seq < replay.until {
                        return Effect::None;
                    }
                    *last = replay.until;
                    self.replay = None;
                    return Effect::Invalidate(
                        std::mem::take(&mut self.replayed).into_iter().collect(),
                    );
                }
                if self.rebase {
                    self.rebase = false;
                    *last = invalidate.seq;
                    return Effect::Invalidate(invalidate.keys());
                }
                if invalidate.seq <= *last {
                    return Effect::None; // already processed
                }
                if invalidate.seq > *last + 1 {
                    // A gap: some change was missed.
                    *last = invalidate.seq;
                    return Effect::InvalidateAll;
                }
                *last = invalidate.seq;
                Effect::Invalidate(invalidate.keys())
            }
            ServerMessage::Resync { reason } => {
                match (self.replay, &mut self.position) {
                    // The resume could not be served: the stream goes on
                    // live from the hello's seq.
                    (Some(replay), Some((_, last))) => *last = replay.until,
                    // A lag: the stream goes on from wherever the server's
                    // queue kept frames, so the next frame sets the position.
                    _ => self.rebase = true,
                }
                self.end_replay();
                // A refused resume right after this connection's full
                // invalidation asks for nothing more; a lag always does:
                // the lost frames came after it.
                if self.all_invalidated && reason != ResyncReason::Lagged {
                    Effect::None
                } else {
                    Effect::InvalidateAll
                }
            }
            ServerMessage::Ping => Effect::Reply(ClientMessage::Pong),
            ServerMessage::Pong => Effect::None,
        }
    }

    fn on_hello(&mut self, epoch: String, seq: u64) -> Effect {
        self.greeted = true;
        self.rebase = false;
        match &self.position {
            Some((known, last)) if *known == epoch && *last <= seq => {
                if *last < seq {
                    // The server replays (last, seq] right after the hello.
                    self.replay = Some(Replay {
                        next: *last + 1,
                        until: seq,
                    });
                }
                Effect::None
            }
            // First connection: data may have been fetched before it.
            None => {
                self.position = Some((epoch.clone(), seq));
                Effect::FirstHello(Position { epoch, seq })
            }
            // A restarted server, or a position the server never had.
            Some(_) => {
                self.position = Some((epoch, seq));
                Effect::InvalidateAll
            }
        }
    }

    fn end_replay(&mut self) {
        self.replay = None;
        self.replayed.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use earshot_shared::keys;
    use earshot_shared::sync::{Action, Invalidate, Resource};

    fn hello(epoch: &str, seq: u64) -> ServerMessage {
        ServerMessage::Hello {
            epoch: epoch.to_string(),
            seq,
        }
    }

    fn project(seq: u64, id: &str) -> ServerMessage {
        ServerMessage::Invalidate(Invalidate {
            seq,
            resource: Resource::Projects,
            action: Action::Updated,
            id: Some(id.to_string()),
        })
    }

    fn connected(epoch: &str, seq: u64) -> Tracker {
        let mut tracker = Tracker::new();
        tracker.connecting();
        tracker.on_message(hello(epoch, seq));
        tracker
    }

    #[test]
    fn the_first_hello_asks_whether_anything_fetched_before_it_is_stale() {
        let mut tracker = Tracker::new();
        assert_eq!(tracker.resume_point(), None);
        let position = Position {
            epoch: "e1".into(),
            seq: 5,
        };
        assert_eq!(
            tracker.on_message(hello("e1", 5)),
            Effect::FirstHello(position)
        );
        assert_eq!(tracker.resume_point(), Some(("e1", 5)));
        assert!(tracker.in_sync());
    }

    #[test]
    fn consecutive_invalidates_invalidate_their_keys() {
        let mut tracker = connected("e1", 5);
        let effect = tracker.on_message(project(6, "p1"));
        let Effect::Invalidate(keys) = effect else {
            panic!("{effect:?}")
        };
        assert!(keys.contains(&keys::projects::all()));
        assert_eq!(tracker.resume_point(), Some(("e1", 6)));
    }

    #[test]
    fn a_gap_invalidates_everything() {
        let mut tracker = connected("e1", 5);
        assert_eq!(tracker.on_message(project(8, "p1")), Effect::InvalidateAll);
        assert_eq!(tracker.resume_point(), Some(("e1", 8)));
        assert!(matches!(
            tracker.on_message(project(9, "p1")),
            Effect::Invalidate(_)
        ));
    }

    #[test]
    fn a_frame_already_processed_is_ignored() {
        let mut tracker = connected("e1", 5);
        tracker.on_message(project(6, "p1"));
        assert_eq!(tracker.on_message(project(6, "p1")), Effect::None);
    }

    #[test]
    fn a_new_epoch_invalidates_everything() {
        let mut tracker = connected("e1", 5);
        tracker.connecting();
        assert_eq!(tracker.on_message(hello("e2", 0)), Effect::InvalidateAll);
        assert_eq!(tracker.resume_point(), Some(("e2", 0)));
    }

    #[test]
    fn a_replay_invalidates_the_union_of_its_keys_once_at_its_end() {
        let mut tracker = connected("e1", 5);
        tracker.connecting();
        assert_eq!(tracker.on_message(hello("e1", 9)), Effect::None);
        assert!(!tracker.in_sync(), "replaying 6..=9");
        for seq in 6..9 {
            assert_eq!(tracker.on_message(project(seq, "p1")), Effect::None);
        }
        let effect = tracker.on_message(project(9, "p2"));
        let Effect::Invalidate(keys) = effect else {
            panic!("{effect:?}")
        };
        let unique: BTreeSet<_> = keys.iter().collect();
        assert_eq!(unique.len(), keys.len(), "each key once");
        assert!(keys.contains(&keys::projects::all()));
        assert!(tracker.in_sync());
        assert!(
            matches!(tracker.on_message(project(10, "p3")), Effect::Invalidate(_)),
            "then live"
        );
    }

    #[test]
    fn a_replay_cut_short_is_asked_for_again_in_full() {
        let mut tracker = connected("e1", 5);
        tracker.connecting();
        tracker.on_message(hello("e1", 9));
        tracker.on_message(project(6, "p6"));
        tracker.on_message(project(7, "p7"));
        // The socket drops before 8 and 9.
        tracker.connecting();
        assert_eq!(
            tracker.resume_point(),
            Some(("e1", 5)),
            "6 and 7 not yet applied"
        );
        tracker.on_message(hello("e1", 9));
        for seq in 6..9 {
            assert_eq!(tracker.on_message(project(seq, "p")), Effect::None);
        }
        assert!(matches!(
            tracker.on_message(project(9, "p")),
            Effect::Invalidate(_)
        ));
        assert_eq!(tracker.resume_point(), Some(("e1", 9)));
    }

    #[test]
    fn a_lag_right_after_a_full_invalidation_still_invalidates_everything() {
        let mut tracker = connected("e1", 5);
        tracker.connecting();
        // The server restarted.
        assert_eq!(tracker.on_message(hello("e2", 0)), Effect::InvalidateAll);
        assert_eq!(
            tracker.on_message(ServerMessage::Resync {
                reason: ResyncReason::Lagged
            }),
            Effect::InvalidateAll
        );
    }

    #[test]
    fn reconnecting_in_step_needs_no_refetch() {
        let mut tracker = connected("e1", 5);
        tracker.connecting();
        assert_eq!(tracker.on_message(hello("e1", 5)), Effect::None);
        assert!(tracker.in_sync());
    }

    #[test]
    fn a_resume_answered_by_resync_invalidates_everything_and_goes_on_live() {
        let mut tracker = connected("e1", 5);
        tracker.on_message(project(6, "p"));
        tracker.connecting();
        tracker.on_message(hello("e1", 40));
        assert_eq!(
            tracker.on_message(ServerMessage::Resync {
                reason: ResyncReason::HistoryExpired
            }),
            Effect::InvalidateAll
        );
        assert!(tracker.in_sync());
        assert_eq!(
            tracker.resume_point(),
            Some(("e1", 40)),
            "in step with the hello"
        );
        assert!(matches!(
            tracker.on_message(project(41, "p")),
            Effect::Invalidate(_)
        ));
    }

    #[test]
    fn a_resync_on_a_new_connection_invalidates_everything_again() {
        // The first hello invalidated everything; nothing came since; then
        // the connection dropped and the resume could not be served.
        let mut tracker = connected("e1", 5);
        tracker.connecting();
        tracker.on_message(hello("e1", 9));
        assert_eq!(
            tracker.on_message(ServerMessage::Resync {
                reason: ResyncReason::HistoryExpired
            }),
            Effect::InvalidateAll
        );
    }

    #[test]
    fn a_resync_right_after_a_full_invalidation_asks_for_nothing_more() {
        let mut tracker = connected("e1", 5);
        tracker.connecting();
        // The server restarted: a new epoch, and the old resume point refused.
        assert_eq!(tracker.on_message(hello("e2", 0)), Effect::InvalidateAll);
        assert_eq!(
            tracker.on_message(ServerMessage::Resync {
                reason: ResyncReason::EpochChanged
            }),
            Effect::None
        );
        assert!(matches!(
            tracker.on_message(project(1, "p")),
            Effect::Invalidate(_)
        ));
    }

    #[test]
    fn after_a_lag_the_jump_in_seq_is_not_taken_for_a_gap() {
        let mut tracker = connected("e1", 5);
        assert!(matches!(
            tracker.on_message(project(6, "p")),
            Effect::Invalidate(_)
        ));
        assert_eq!(
            tracker.on_message(ServerMessage::Resync {
                reason: ResyncReason::Lagged
            }),
            Effect::InvalidateAll
        );
        assert!(matches!(
            tracker.on_message(project(300, "p")),
            Effect::Invalidate(_)
        ));
        assert_eq!(
            tracker.on_message(project(302, "p")),
            Effect::InvalidateAll,
            "a later gap still counts"
        );
    }

    #[test]
    fn pings_are_answered() {
        let mut tracker = connected("e1", 0);
        assert_eq!(
            tracker.on_message(ServerMessage::Ping),
            Effect::Reply(ClientMessage::Pong)
        );
    }
}
