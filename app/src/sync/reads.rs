//! Whether the data read before the first connection is up to date when
//! the connection's hello arrives, so that connecting refetches nothing in
//! the usual case instead of everything.
//!
//! The app starts fetching before its sync socket is up, and a change made
//! between such a read and the socket's hello would reach neither. Every API
//! response says how far into the server's change sequence its read is (the
//! `earshot-position` header: every change up to it is included). The API
//! client reports each response here; at the first hello the sync client
//! [`settle`s](ReadPositions::settle): if every read so far includes every
//! change up to the hello's position, nothing is stale; otherwise it
//! invalidates everything, as it would without positions. A request sent
//! before the hello whose response arrives after it gets the same test
//! then, and if it fails, makes the sync client invalidate everything.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use earshot_shared::sync::Position;

/// See the [module docs](self). Shared by the API client, which reports
/// responses, and the sync client, which settles on them at its first hello.
#[derive(Default)]
pub struct ReadPositions {
    state: RefCell<State>,
}

#[derive(Default)]
struct State {
    /// The oldest position of the responses so far (before settling).
    oldest: Oldest,
    /// Set by [`ReadPositions::settle`].
    settled: Option<Settled>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
enum Oldest {
    /// No response yet.
    #[default]
    Nothing,
    /// Every response so far is from this run and includes at least this.
    At(Position),
    /// A response without a position, or responses from different runs.
    Unknown,
}

struct Settled {
    /// The first hello's position.
    at: Position,
    /// Called when a response to a request sent before the hello is older.
    on_behind: Rc<dyn Fn()>,
}

/// Taken when a request is sent, given back with its response.
#[derive(Clone, Copy, Debug)]
pub struct ReadTicket {
    sent_before_settling: bool,
}

impl ReadPositions {
    /// Nothing read yet.
    pub fn new() -> Self {
        ReadPositions::default()
    }

    /// A request is about to be sent.
    pub fn ticket(&self) -> ReadTicket {
        ReadTicket {
            sent_before_settling: self.state.borrow().settled.is_none(),
        }
    }

    /// The response to the request `ticket` was taken for arrived, with the
    /// position it carried, if any.
    pub fn record(&self, ticket: ReadTicket, position: Option<Position>) {
        let on_behind = {
            let mut state = self.state.borrow_mut();
            match &state.settled {
                None => {
                    state.oldest = state.oldest.clone().with(position);
                    return;
                }
                Some(settled) if ticket.sent_before_settling => {
                    if position.is_some_and(|p| p.includes(&settled.at)) {
                        return;
                    }
                    settled.on_behind.clone()
                }
                // Sent after the hello: the sync client hears of every change
                // the read may lack.
                Some(_) => return,
            }
        };
        // Called with the state released: it invalidates queries, which may
        // send requests at once.
        on_behind();
    }

    /// The first hello arrived, at `at`: returns whether everything read so
    /// far includes every change up to it (nothing is stale). From now on, a
    /// response to a request sent before now that does not calls `on_behind`.
    /// Only the first call counts; later ones return `false`.
    pub fn settle(&self, at: Position, on_behind: impl Fn() + 'static) -> bool {
        let mut state = self.state.borrow_mut();
        if state.settled.is_some() {
            return false;
        }
        let current = match &state.oldest {
            Oldest::Nothing => true,
            Oldest::At(oldest) => oldest.includes(&at),
            Oldest::Unknown => false,
        };
        state.settled = Some(Settled {
            at,
            on_behind: Rc::new(on_behind),
        });
        current
    }
}

/// Whether a read at `self` includes every change up to `other`.
trait Includes {
    fn includes(&self, other: &Position) -> bool;
}

impl Includes for Position {
    fn includes(&self, other: &Position) -> bool {
        self.epoch == other.epoch && self.seq >= other.seq
    }
}

impl Oldest {
    fn with(self, position: Option<Position>) -> Oldest {
        match (self, position) {
            (_, None) | (Oldest::Unknown, _) => Oldest::Unknown,
            (Oldest::Nothing, Some(new)) => Oldest::At(new),
            (Oldest::At(old), Some(new)) if old.epoch != new.epoch => Oldest::Unknown,
            (Oldest::At(old), Some(new)) => Oldest::At(if new.seq < old.seq { new } else { old }),
        }
    }
}

impl fmt::Debug for ReadPositions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.borrow();
        f.debug_struct("ReadPositions")
            .field("oldest", &state.oldest)
            .field("settled_at", &state.settled.as_ref().map(|s| &s.at))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    fn at(epoch: &str, seq: u64) -> Position {
        Position {
            epoch: epoch.to_string(),
            seq,
        }
    }

    fn read(reads: &ReadPositions, position: Option<Position>) {
        let ticket = reads.ticket();
        reads.record(ticket, position);
    }

    #[test]
    fn reads_that_include_the_hello_are_current() {
        let reads = ReadPositions::new();
        read(&reads, Some(at("e1", 5)));
        read(&reads, Some(at("e1", 6)));
        assert!(reads.settle(at("e1", 5), || {}));
    }

    #[test]
    fn nothing_read_yet_is_current() {
        assert!(ReadPositions::new().settle(at("e1", 5), || {}));
    }

    #[test]
    fn an_older_read_another_run_or_an_unstamped_read_is_stale() {
        let older = ReadPositions::new();
        read(&older, Some(at("e1", 6)));
        read(&older, Some(at("e1", 4)));
        assert!(!older.settle(at("e1", 5), || {}));

        let other_run = ReadPositions::new();
        read(&other_run, Some(at("e0", 9)));
        assert!(!other_run.settle(at("e1", 5), || {}));

        let unstamped = ReadPositions::new();
        read(&unstamped, Some(at("e1", 5)));
        read(&unstamped, None);
        assert!(!unstamped.settle(at("e1", 5), || {}));
    }

    #[test]
    fn only_the_first_hello_settles() {
        let reads = ReadPositions::new();
        assert!(reads.settle(at("e1", 1), || {}));
        assert!(!reads.settle(at("e1", 1), || {}));
    }

    #[test]
    fn a_response_sent_before_the_hello_and_older_than_it_calls_for_everything() {
        let reads = ReadPositions::new();
        let current = reads.ticket();
        let older = reads.ticket();
        let unstamped = reads.ticket();
        let behind = Rc::new(Cell::new(0));
        let counter = behind.clone();
        reads.settle(at("e1", 4), move || counter.set(counter.get() + 1));

        reads.record(current, Some(at("e1", 4)));
        assert_eq!(behind.get(), 0);
        reads.record(older, Some(at("e1", 3)));
        assert_eq!(behind.get(), 1);
        reads.record(unstamped, None);
        assert_eq!(behind.get(), 2);
    }

    #[test]
    fn requests_sent_after_the_hello_are_never_behind() {
        let reads = ReadPositions::new();
        let behind = Rc::new(Cell::new(false));
        let flag = behind.clone();
        reads.settle(at("e1", 4), move || flag.set(true));

        read(&reads, Some(at("e1", 1)));
        read(&reads, None);

        assert!(!behind.get());
    }
}
