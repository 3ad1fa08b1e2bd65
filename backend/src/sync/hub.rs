//! The hub: one ordered stream of invalidations per server run.
//!
//! Every published change gets the next `seq` of the hub's `epoch` and is
//! kept, already serialised, in a bounded history so that a reconnecting
//! client can [`Hub::replay`] what it missed — all of it, in order, or nothing.
//! Live delivery uses a `tokio::sync::broadcast` channel: each socket holds a
//! receiver whose backlog is bounded by the channel's capacity, so a slow
//! socket costs bounded memory and learns that it lagged instead of silently
//! losing messages.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};

use axum::extract::ws::Utf8Bytes;
use earshot_shared::sync::{Invalidate, ResyncReason, ServerMessage};
use tokio::sync::broadcast;

use crate::results::ResultCache;

/// A serialised `invalidate` frame and its seq.
#[derive(Clone, Debug)]
pub struct Frame {
    /// The frame's position in the sequence.
    pub seq: u64,
    /// The JSON text, shared by every socket.
    pub text: Utf8Bytes,
}

/// The answer to a `resume` request.
#[derive(Debug, PartialEq)]
pub enum Replay {
    /// Every missed frame, in order (possibly none).
    Frames(Vec<Utf8Bytes>),
    /// The missed frames are not all available: refetch everything.
    Resync(ResyncReason),
}

/// A live subscription: the position it starts from and its receiver.
#[derive(Debug)]
pub struct Subscription {
    /// The hub's epoch.
    pub epoch: String,
    /// The seq of the last frame published before the receiver was created.
    pub seq: u64,
    /// Receives every frame published after `seq`.
    pub receiver: broadcast::Receiver<Frame>,
}

#[derive(Debug)]
struct State {
    seq: u64,
    history: VecDeque<Frame>,
}

/// Numbers, records and fans out invalidations. See the [module docs](self).
#[derive(Debug)]
pub struct Hub {
    epoch: String,
    history_capacity: usize,
    state: Mutex<State>,
    sender: broadcast::Sender<Frame>,
    commits: tokio::sync::Mutex<()>,
    results: ResultCache,
}

impl Hub {
    /// A hub with a fresh epoch that keeps the last `history_capacity` frames
    /// and lets a receiver fall `queue_capacity` frames behind before it lags.
    pub fn new(history_capacity: usize, queue_capacity: usize) -> Self {
        let (sender, _) = broadcast::channel(queue_capacity.max(1));
        Hub {
            epoch: uuid::Uuid::now_v7().simple().to_string(),
            history_capacity: history_capacity.max(1),
            state: Mutex::new(State {
                seq: 0,
                history: VecDeque::new(),
            }),
            sender,
            commits: tokio::sync::Mutex::new(()),
            results: ResultCache::new(0),
        }
    }

    /// This hub with `results`, which it keeps clear of the answers each
    /// published change stales. A hub made with [`Hub::new`] keeps none.
    pub fn with_results(mut self, results: ResultCache) -> Self {
        self.results = results;
        self
    }

    /// The answers of the reads, each kept until a change stales it.
    pub fn results(&self) -> &ResultCache {
        &self.results
    }

    /// This run's epoch.
    pub fn epoch(&self) -> &str {
        &self.epoch
    }

    /// The seq of the latest published change.
    pub fn seq(&self) -> u64 {
        self.state().seq
    }

    /// How many sockets are subscribed.
    pub fn subscriber_count(&self) -> usize {
        self.sender.receiver_count()
    }

    /// Numbers `change`, records it and sends it to every subscriber. Call
    /// only once the change is committed (see [`crate::db::Tx`]).
    pub fn publish(&self, mut change: Invalidate) -> u64 {
        let stale = change.keys();
        let mut state = self.state();
        // Before the seq moves on: a request that reads the new seq must not
        // find an answer this change staled (see [`crate::results`]).
        self.results.invalidate(&stale);
        state.seq += 1;
        change.seq = state.seq;
        let text = serde_json::to_string(&ServerMessage::Invalidate(change))
            .expect("an invalidate frame always serialises");
        let frame = Frame {
            seq: state.seq,
            text: Utf8Bytes::from(text),
        };
        if state.history.len() == self.history_capacity {
            state.history.pop_front();
        }
        state.history.push_back(frame.clone());
        // Sent under the lock so that subscribers see frames in seq order and
        // `subscribe` can never fall between history and live stream. An
        // error only means nobody listens.
        let _ = self.sender.send(frame);
        state.seq
    }

    /// A turn to commit and then publish: held from before a commit until its
    /// changes are published, so that changes are published in the order they
    /// committed. Without it, a change committed after another could be
    /// announced first (e.g. a job's progress after the recording's deletion).
    pub async fn commit_turn(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.commits.lock().await
    }

    /// Subscribes to frames published from now on.
    pub fn subscribe(&self) -> Subscription {
        let state = self.state();
        Subscription {
            epoch: self.epoch.clone(),
            seq: state.seq,
            receiver: self.sender.subscribe(),
        }
    }

    /// The frames after `since` up to and including `until` of `epoch`, for a
    /// client that resumes: all of them in order, or a resync when any is no
    /// longer in the history or the position is not one of this run.
    pub fn replay(&self, epoch: &str, since: u64, until: u64) -> Replay {
        if epoch != self.epoch {
            return Replay::Resync(ResyncReason::EpochChanged);
        }
        if since > until {
            // A position ahead of the server's cannot be from this run.
            return Replay::Resync(ResyncReason::EpochChanged);
        }
        if since == until {
            return Replay::Frames(Vec::new());
        }
        let state = self.state();
        let oldest = state.history.front().map_or(state.seq + 1, |f| f.seq);
        if oldest > since + 1 {
            return Replay::Resync(ResyncReason::HistoryExpired);
        }
        Replay::Frames(
            state
                .history
                .iter()
                .filter(|frame| frame.seq > since && frame.seq <= until)
                .map(|frame| frame.text.clone())
                .collect(),
        )
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // The state stays consistent even if a holder panicked: every update
        // is a push or a pop after the seq increment.
        self.state
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use earshot_shared::sync::{Action, Resource};

    fn change(id: &str) -> Invalidate {
        Invalidate::new(Resource::Projects, Action::Updated, Some(id.to_string()))
    }

    fn decode(text: &Utf8Bytes) -> Invalidate {
        match serde_json::from_str(text.as_str()).unwrap() {
            ServerMessage::Invalidate(inv) => inv,
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn published_changes_get_consecutive_seqs() {
        let hub = Hub::new(8, 8);
        assert_eq!(hub.publish(change("a")), 1);
        assert_eq!(hub.publish(change("b")), 2);
        assert_eq!(hub.seq(), 2);
    }

    #[tokio::test]
    async fn subscribers_receive_frames_in_order_after_their_start() {
        let hub = Hub::new(8, 8);
        hub.publish(change("before"));
        let mut sub = hub.subscribe();
        assert_eq!(sub.seq, 1);
        hub.publish(change("a"));
        hub.publish(change("b"));
        let first = sub.receiver.recv().await.unwrap();
        let second = sub.receiver.recv().await.unwrap();
        assert_eq!((first.seq, second.seq), (2, 3));
        assert_eq!(decode(&first.text).id.as_deref(), Some("a"));
    }

    #[test]
    fn replay_within_history_returns_every_missed_frame_in_order() {
        let hub = Hub::new(8, 8);
        for i in 0..5 {
            hub.publish(change(&i.to_string()));
        }
        let Replay::Frames(frames) = hub.replay(hub.epoch(), 2, 5) else {
            panic!("expected frames");
        };
        let seqs: Vec<u64> = frames.iter().map(|f| decode(f).seq).collect();
        assert_eq!(seqs, vec![3, 4, 5]);
    }

    #[test]
    fn replay_up_to_date_is_empty() {
        let hub = Hub::new(8, 8);
        hub.publish(change("a"));
        assert_eq!(hub.replay(hub.epoch(), 1, 1), Replay::Frames(vec![]));
    }

    #[test]
    fn replay_beyond_history_is_a_resync_never_a_partial_replay() {
        let hub = Hub::new(3, 8);
        for i in 0..6 {
            hub.publish(change(&i.to_string()));
        }
        // History holds 4..=6; resuming after 2 would need 3.
        assert_eq!(
            hub.replay(hub.epoch(), 2, 6),
            Replay::Resync(ResyncReason::HistoryExpired)
        );
        // Resuming after 3 needs 4..=6: all there.
        assert!(matches!(hub.replay(hub.epoch(), 3, 6), Replay::Frames(f) if f.len() == 3));
    }

    #[test]
    fn replay_from_another_epoch_is_a_resync() {
        let hub = Hub::new(8, 8);
        hub.publish(change("a"));
        assert_eq!(
            hub.replay("another-run", 0, 1),
            Replay::Resync(ResyncReason::EpochChanged)
        );
        assert_eq!(
            hub.replay(hub.epoch(), 5, 1),
            Replay::Resync(ResyncReason::EpochChanged)
        );
    }

    #[tokio::test]
    async fn a_receiver_that_falls_behind_learns_it_lagged() {
        let hub = Hub::new(64, 2);
        let mut sub = hub.subscribe();
        for i in 0..5 {
            hub.publish(change(&i.to_string()));
        }
        assert!(matches!(
            sub.receiver.recv().await,
            Err(broadcast::error::RecvError::Lagged(3))
        ));
    }
}
