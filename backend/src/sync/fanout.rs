//! Live delivery by writer shards.
//!
//! Writing a frame through one task per socket costs a task wake-up and a
//! poll of that task's every branch per socket and frame, about half of the
//! server's time in a large fan-out. Instead a few shard tasks (one per
//! runtime worker) each own a share of the sockets' write sides: the hub hands
//! every frame to each shard once (one `broadcast` receiver per shard), and
//! the shard writes it to its sockets in a loop.
//!
//! A shard never waits for one socket. It offers the frame to the socket's
//! sink once, with the socket task's waker as the context; a socket that
//! cannot take it now gets the frame in its own bounded queue instead, and
//! its task (woken by the sink when it can take more, or by the shard) drains
//! that queue. A queue that reaches its bound trades its frames for one
//! `resync`, so a slow socket costs bounded memory and never holds up its
//! shard. The socket's task still reads, answers, pings and closes; its own
//! frames go through the same [`Outlet`], so everything the client receives
//! is in one order.
//!
//! Every outlet remembers the seq of the last frame handed to it. A socket
//! joins its shard at its hello's position: frames the shard has already
//! passed on are filled in from the hub's history (or replaced by a
//! `resync`), and frames the socket already has are skipped, so it gets
//! each frame after its hello exactly once, in order.

use std::collections::VecDeque;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes};
use earshot_shared::sync::{ResyncReason, ServerMessage};
use futures_util::{Sink, Stream};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, mpsc};

use super::hub::{Frame, Hub, Replay};

/// A socket as the fan-out sees it: both directions, any failure reduced to
/// "the socket is broken".
pub(crate) trait Connection:
    Stream<Item = Result<Message, ()>> + Sink<Message, Error = ()> + Send
{
}

impl<T> Connection for T where
    T: Stream<Item = Result<Message, ()>> + Sink<Message, Error = ()> + Send
{
}

/// A boxed [`Connection`].
pub(crate) type Socket = Pin<Box<dyn Connection>>;

/// The writer shards. See the [module docs](self).
#[derive(Debug)]
pub struct Fanout {
    shards: Vec<mpsc::UnboundedSender<Command>>,
    next: AtomicUsize,
    queue_capacity: usize,
    sockets: Arc<AtomicUsize>,
}

impl Fanout {
    /// Starts `shards` writer tasks on the current runtime, fed by `hub`. A
    /// socket may have `queue_capacity` frames waiting before it is resynced.
    pub fn start(hub: Arc<Hub>, shards: usize, queue_capacity: usize) -> Fanout {
        let sockets = Arc::new(AtomicUsize::new(0));
        let shards = (0..shards.max(1))
            .map(|_| {
                let (sender, commands) = mpsc::unbounded_channel();
                let subscription = hub.subscribe();
                let shard = Shard {
                    hub: hub.clone(),
                    frames: subscription.receiver,
                    seen: subscription.seq,
                    commands,
                    outlets: Vec::new(),
                    sockets: sockets.clone(),
                    lagged: resync(ResyncReason::Lagged),
                };
                tokio::spawn(shard.run());
                sender
            })
            .collect();
        Fanout {
            shards,
            next: AtomicUsize::new(0),
            queue_capacity: queue_capacity.max(1),
            sockets,
        }
    }

    /// How many sockets the shards write to.
    pub fn sockets(&self) -> usize {
        self.sockets.load(Ordering::Relaxed)
    }

    /// Hands `socket` to a shard. It gets `greeting` first, then every frame
    /// published after `position`. `task` is the waker of the task that
    /// [pumps](Outlet::pump) the outlet. The socket is closed and leaves its
    /// shard when the returned [`Membership`] is dropped.
    pub(crate) fn join(
        &self,
        socket: Socket,
        position: u64,
        greeting: Vec<Message>,
        task: Waker,
    ) -> Membership {
        let outlet = Arc::new(Outlet {
            wire: Mutex::new(Wire {
                socket: Some(socket),
                task,
                queue: greeting
                    .into_iter()
                    .map(|message| Queued {
                        message,
                        invalidation: false,
                    })
                    .collect(),
                capacity: self.queue_capacity,
                unflushed: false,
                failed: false,
                closing: false,
                last: position,
                live: false,
            }),
            gone: AtomicBool::new(false),
        });
        let index = self.next.fetch_add(1, Ordering::Relaxed) % self.shards.len();
        let shard = self.shards[index].clone();
        // A shard only stops once every sender is gone, and this is one.
        let _ = shard.send(Command::Join(outlet.clone()));
        Membership { outlet, shard }
    }
}

/// A socket's place in a shard; closes the socket and leaves when dropped.
pub(crate) struct Membership {
    outlet: Arc<Outlet>,
    shard: mpsc::UnboundedSender<Command>,
}

impl std::ops::Deref for Membership {
    type Target = Outlet;

    fn deref(&self) -> &Outlet {
        &self.outlet
    }
}

impl Drop for Membership {
    fn drop(&mut self) {
        let socket = {
            let mut wire = self.outlet.wire();
            wire.queue.clear();
            wire.socket.take()
        };
        // Closed here rather than when the shard gets round to it, which may
        // be after the next frame.
        drop(socket);
        self.outlet.gone.store(true, Ordering::Release);
        let _ = self.shard.send(Command::Leave);
    }
}

/// One socket's write side, shared by its shard and its own task.
pub(crate) struct Outlet {
    wire: Mutex<Wire>,
    /// Set once the socket's task ended: the shard drops the outlet.
    gone: AtomicBool,
}

struct Wire {
    /// `None` once the socket's task ended.
    socket: Option<Socket>,
    /// Wakes the socket's task; also the context the shard polls the sink
    /// with, so that the sink wakes the task, not the shard, when it can take
    /// more.
    task: Waker,
    /// Messages the sink has not taken yet, oldest first.
    queue: VecDeque<Queued>,
    /// How many messages may wait before invalidations give way to a resync.
    capacity: usize,
    /// The sink took messages it has not written out yet.
    unflushed: bool,
    /// The socket failed; its task ends.
    failed: bool,
    /// A close frame is on its way: nothing more is sent.
    closing: bool,
    /// The seq of the last invalidation handed to the socket.
    last: u64,
    /// Whether a live frame (or a resync in its place) was handed over, after
    /// which a resume would deliver older seqs after newer ones.
    live: bool,
}

struct Queued {
    message: Message,
    /// An invalidation (or the resync that stands for some) that a later
    /// resync makes redundant.
    invalidation: bool,
}

/// What became of a message offered to a sink without waiting.
enum Offered {
    Sent,
    Unflushed,
    Refused(Message),
    Failed,
}

/// Offers `message` to `socket` once: taken, taken but not yet written out,
/// refused (not ready: the sink will wake `task`), or the socket failed.
fn offer(socket: &mut Socket, task: &Waker, message: Message) -> Offered {
    let mut cx = Context::from_waker(task);
    match socket.as_mut().poll_ready(&mut cx) {
        Poll::Ready(Ok(())) => {}
        Poll::Ready(Err(())) => return Offered::Failed,
        // Nothing was handed over yet, so the message is not lost.
        Poll::Pending => return Offered::Refused(message),
    }
    if socket.as_mut().start_send(message).is_err() {
        return Offered::Failed;
    }
    match socket.as_mut().poll_flush(&mut cx) {
        Poll::Ready(Ok(())) => Offered::Sent,
        Poll::Ready(Err(())) => Offered::Failed,
        Poll::Pending => Offered::Unflushed,
    }
}

impl Wire {
    fn backlogged(&self) -> bool {
        self.unflushed || !self.queue.is_empty()
    }

    /// Sends `message` now if the socket takes it, else queues it; never
    /// waits.
    fn send(&mut self, message: Message, invalidation: bool) {
        if self.failed || self.closing {
            return;
        }
        if self.backlogged() {
            // Behind earlier messages; the task drains the queue in order.
            self.enqueue(message, invalidation);
            return;
        }
        let Some(socket) = self.socket.as_mut() else {
            return;
        };
        match offer(socket, &self.task, message) {
            Offered::Sent => {}
            Offered::Unflushed => {
                self.unflushed = true;
                // So that the task starts the clock on the stalled socket.
                self.task.wake_by_ref();
            }
            Offered::Refused(message) => {
                self.enqueue(message, invalidation);
                self.task.wake_by_ref();
            }
            Offered::Failed => {
                self.failed = true;
                self.task.wake_by_ref();
            }
        }
    }

    fn enqueue(&mut self, message: Message, invalidation: bool) {
        if invalidation && self.queue.len() >= self.capacity {
            // The client will refetch everything: what it has not received
            // yet can go, and the queue stays bounded.
            tracing::debug!("socket fell behind; sending resync");
            self.queue.retain(|queued| !queued.invalidation);
            self.queue.push_back(Queued {
                message: resync(ResyncReason::Lagged),
                invalidation: true,
            });
        }
        self.queue.push_back(Queued {
            message,
            invalidation,
        });
    }

    /// Writes queued messages while the sink takes them and flushes; the sink
    /// wakes `cx` when it can take more. `Ok(progress)`, or `Err` once the
    /// socket failed.
    fn drain(&mut self, cx: &mut Context<'_>) -> Result<bool, ()> {
        if self.failed {
            return Err(());
        }
        let Some(socket) = self.socket.as_mut() else {
            return Err(());
        };
        let mut progress = false;
        if self.unflushed {
            // Nothing more goes into the sink until what it holds is out:
            // its buffer has no bound of its own, the queue has.
            match socket.as_mut().poll_flush(cx) {
                Poll::Ready(Ok(())) => {
                    self.unflushed = false;
                    progress = true;
                }
                Poll::Ready(Err(())) => {
                    self.failed = true;
                    return Err(());
                }
                Poll::Pending => return Ok(progress),
            }
        }
        while !self.queue.is_empty() {
            match socket.as_mut().poll_ready(cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(())) => {
                    self.failed = true;
                    return Err(());
                }
                Poll::Pending => break,
            }
            let next = self.queue.pop_front().expect("the queue is not empty");
            if socket.as_mut().start_send(next.message).is_err() {
                self.failed = true;
                return Err(());
            }
            self.unflushed = true;
            progress = true;
        }
        if self.unflushed {
            match socket.as_mut().poll_flush(cx) {
                Poll::Ready(Ok(())) => {
                    self.unflushed = false;
                    progress = true;
                }
                Poll::Ready(Err(())) => {
                    self.failed = true;
                    return Err(());
                }
                Poll::Pending => {}
            }
        }
        Ok(progress)
    }

    /// Hands over the invalidation `frame` unless the socket already has it.
    /// A gap means the shard skipped frames (it lagged): the socket gets a
    /// resync in their place.
    fn deliver(&mut self, frame: &Frame, message: &Message, lagged: &Message) {
        if frame.seq <= self.last {
            return;
        }
        if frame.seq > self.last + 1 {
            self.send(lagged.clone(), true);
        }
        self.last = frame.seq;
        self.live = true;
        self.send(message.clone(), true);
    }
}

impl Outlet {
    fn wire(&self) -> MutexGuard<'_, Wire> {
        // Every update leaves the wire usable: a panic mid-way at worst
        // loses a message, which a resync-free client notices by its seq.
        self.wire
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    fn is_gone(&self) -> bool {
        self.gone.load(Ordering::Acquire)
    }

    /// Drains the socket's queue. Resolves when the socket becomes
    /// backlogged or catches up relative to `backlogged` (what the caller saw
    /// last), or takes messages while backlogged: `Ok(backlogged now)`; or
    /// `Err` once the socket failed. Run by the socket's task, whose waker it
    /// keeps for the shard.
    pub(crate) fn pump(&self, backlogged: bool) -> impl Future<Output = Result<bool, ()>> + '_ {
        poll_fn(move |cx| {
            let mut wire = self.wire();
            if !wire.task.will_wake(cx.waker()) {
                wire.task = cx.waker().clone();
            }
            let progress = match wire.drain(cx) {
                Ok(progress) => progress,
                Err(()) => return Poll::Ready(Err(())),
            };
            let now = wire.backlogged();
            if now != backlogged || (now && progress) {
                Poll::Ready(Ok(now))
            } else {
                Poll::Pending
            }
        })
    }

    /// Resolves once everything queued is written out (`Err` if the socket
    /// failed first).
    pub(crate) fn flushed(&self) -> impl Future<Output = Result<(), ()>> + '_ {
        poll_fn(move |cx| {
            let mut wire = self.wire();
            if let Err(()) = wire.drain(cx) {
                return Poll::Ready(Err(()));
            }
            if wire.backlogged() {
                Poll::Pending
            } else {
                Poll::Ready(Ok(()))
            }
        })
    }

    /// The next message from the client.
    pub(crate) fn next_message(&self) -> impl Future<Output = Option<Result<Message, ()>>> + '_ {
        poll_fn(move |cx| match self.wire().socket.as_mut() {
            Some(socket) => socket.as_mut().poll_next(cx),
            None => Poll::Ready(None),
        })
    }

    /// Sends a message of the socket's own (a pong, a ping), after what was
    /// handed over before; never waits.
    pub(crate) fn send(&self, message: Message) {
        self.wire().send(message, false);
    }

    /// Sends `replay()`'s messages if no live frame went out yet, so that they
    /// come before any; returns whether it did.
    pub(crate) fn send_before_live(&self, replay: impl FnOnce() -> Vec<Message>) -> bool {
        let mut wire = self.wire();
        if wire.live {
            return false;
        }
        for message in replay() {
            wire.send(message, false);
        }
        true
    }

    /// Sends a close frame; nothing is sent after it.
    pub(crate) fn close(&self, frame: CloseFrame) {
        let mut wire = self.wire();
        wire.send(Message::Close(Some(frame)), false);
        wire.closing = true;
    }
}

enum Command {
    Join(Arc<Outlet>),
    /// A socket's task ended.
    Leave,
}

/// One writer task and its sockets.
struct Shard {
    hub: Arc<Hub>,
    frames: broadcast::Receiver<Frame>,
    /// The seq of the last frame this shard handed over.
    seen: u64,
    commands: mpsc::UnboundedReceiver<Command>,
    outlets: Vec<Arc<Outlet>>,
    sockets: Arc<AtomicUsize>,
    lagged: Message,
}

impl Shard {
    async fn run(mut self) {
        loop {
            tokio::select! {
                // Joins first: a socket that joined before a frame was
                // published then gets it live rather than from the history.
                biased;
                command = self.commands.recv() => {
                    let Some(command) = command else { break };
                    let mut left = self.apply(command);
                    while let Ok(command) = self.commands.try_recv() {
                        left |= self.apply(command);
                    }
                    if left {
                        self.sweep();
                    }
                },
                frame = self.frames.recv() => match frame {
                    Ok(frame) => self.deliver(&frame),
                    Err(RecvError::Lagged(missed)) => {
                        // Every socket that misses a frame gets a resync in
                        // its place when the next frame comes.
                        tracing::debug!(missed, "fan-out shard lagged");
                    }
                    Err(RecvError::Closed) => break,
                },
            }
        }
        self.sockets
            .fetch_sub(self.outlets.len(), Ordering::Relaxed);
    }

    fn deliver(&mut self, frame: &Frame) {
        self.seen = frame.seq;
        let message = Message::Text(frame.text.clone());
        let mut left = false;
        for outlet in &self.outlets {
            if outlet.is_gone() {
                left = true;
                continue;
            }
            outlet.wire().deliver(frame, &message, &self.lagged);
        }
        if left {
            self.sweep();
        }
    }

    /// Applies `command`; `true` if a socket left.
    fn apply(&mut self, command: Command) -> bool {
        match command {
            Command::Join(outlet) => {
                self.fill(&mut outlet.wire());
                self.outlets.push(outlet);
                self.sockets.fetch_add(1, Ordering::Relaxed);
                false
            }
            Command::Leave => true,
        }
    }

    /// Hands a joining socket the frames this shard passed on after the
    /// socket's position, from the hub's history; a resync when they are no
    /// longer all there or would not fit its queue.
    fn fill(&self, wire: &mut Wire) {
        if self.seen <= wire.last {
            return;
        }
        let missed = self.seen - wire.last;
        match self.hub.replay(self.hub.epoch(), wire.last, self.seen) {
            Replay::Frames(frames)
                if frames.len() as u64 == missed && frames.len() <= wire.capacity =>
            {
                for text in frames {
                    wire.send(Message::Text(text), true);
                }
            }
            _ => wire.send(self.lagged.clone(), true),
        }
        wire.last = self.seen;
        wire.live = true;
    }

    fn sweep(&mut self) {
        let before = self.outlets.len();
        self.outlets.retain(|outlet| !outlet.is_gone());
        self.sockets
            .fetch_sub(before - self.outlets.len(), Ordering::Relaxed);
    }
}

/// A serialised server message.
pub(crate) fn text(message: &ServerMessage) -> Message {
    Message::Text(Utf8Bytes::from(
        serde_json::to_string(message).expect("server messages always serialise"),
    ))
}

fn resync(reason: ResyncReason) -> Message {
    text(&ServerMessage::Resync { reason })
}

#[cfg(test)]
mod tests {
    use earshot_shared::sync::{Action, Invalidate, Resource};
    use tokio::sync::oneshot;
    use tokio::task::JoinHandle;

    use super::*;

    /// Whether a test socket takes frames, and whether it writes out those
    /// it took.
    #[derive(Default)]
    struct Valve {
        shut: AtomicBool,
        unwritten: AtomicBool,
        waiting: Mutex<Option<Waker>>,
    }

    impl Valve {
        fn open(&self) {
            self.shut.store(false, Ordering::SeqCst);
            self.unwritten.store(false, Ordering::SeqCst);
            if let Some(waker) = self.waiting.lock().unwrap().take() {
                waker.wake();
            }
        }

        /// Wakes the writer without opening, as a socket that wrote out part of
        /// its buffer does.
        fn nudge(&self) {
            if let Some(waker) = self.waiting.lock().unwrap().take() {
                waker.wake();
            }
        }

        /// Pending (the waker kept) while `closed` holds.
        fn wait(&self, closed: &AtomicBool, cx: &Context<'_>) -> Poll<Result<(), ()>> {
            if closed.load(Ordering::SeqCst) {
                *self.waiting.lock().unwrap() = Some(cx.waker().clone());
                if closed.load(Ordering::SeqCst) {
                    return Poll::Pending;
                }
            }
            Poll::Ready(Ok(()))
        }
    }

    /// An in-memory socket whose client never speaks; what the server writes
    /// arrives on a channel.
    struct Pipe {
        written: mpsc::UnboundedSender<Message>,
        valve: Arc<Valve>,
    }

    impl Stream for Pipe {
        type Item = Result<Message, ()>;

        fn poll_next(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            Poll::Pending
        }
    }

    impl Sink<Message> for Pipe {
        type Error = ();

        fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), ()>> {
            self.valve.wait(&self.valve.shut, cx)
        }

        fn start_send(self: Pin<&mut Self>, message: Message) -> Result<(), ()> {
            self.written.send(message).map_err(drop)
        }

        fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), ()>> {
            self.valve.wait(&self.valve.unwritten, cx)
        }

        fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), ()>> {
            Poll::Ready(Ok(()))
        }
    }

    /// The client's end of a socket that joined a shard.
    struct Client {
        position: u64,
        written: mpsc::UnboundedReceiver<Message>,
        valve: Arc<Valve>,
        stop: Option<oneshot::Sender<()>>,
        task: JoinHandle<()>,
    }

    /// Joins a socket at `position` the way a socket's task does: greeting
    /// queued, then a task drains the outlet until told to stop or the socket
    /// fails.
    fn join_at(fanout: &Arc<Fanout>, position: u64, shut: bool) -> Client {
        let (sender, written) = mpsc::unbounded_channel();
        let valve = Arc::new(Valve::default());
        valve.shut.store(shut, Ordering::SeqCst);
        let pipe = Pipe {
            written: sender,
            valve: valve.clone(),
        };
        let hello = text(&ServerMessage::Hello {
            epoch: "test".into(),
            seq: position,
        });
        // Joined here, so that the shard gets the join before what the test
        // publishes next; the task's first pump gives the outlet its waker.
        let outlet = fanout.join(Box::pin(pipe), position, vec![hello], Waker::noop().clone());
        let (stop, mut stopped) = oneshot::channel();
        let task = tokio::spawn(async move {
            let mut backlogged = false;
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    pumped = outlet.pump(backlogged) => match pumped {
                        Ok(now) => backlogged = now,
                        Err(()) => break,
                    },
                }
            }
        });
        Client {
            position,
            written,
            valve,
            stop: Some(stop),
            task,
        }
    }

    fn join(fanout: &Arc<Fanout>, hub: &Hub) -> Client {
        join_at(fanout, hub.seq(), false)
    }

    impl Client {
        async fn next(&mut self) -> ServerMessage {
            match self.written.recv().await.expect("the socket is open") {
                Message::Text(text) => serde_json::from_str(text.as_str()).unwrap(),
                other => panic!("unexpected {other:?}"),
            }
        }

        async fn next_seq(&mut self) -> u64 {
            match self.next().await {
                ServerMessage::Invalidate(inv) => inv.seq,
                other => panic!("expected an invalidation, got {other:?}"),
            }
        }

        async fn hello(&mut self) {
            let position = self.position;
            assert!(
                matches!(self.next().await, ServerMessage::Hello { seq, .. } if seq == position)
            );
        }
    }

    fn publish(hub: &Hub) -> u64 {
        hub.publish(Invalidate::new(
            Resource::Projects,
            Action::Updated,
            Some("p".into()),
        ))
    }

    /// A hub keeping `history` frames whose shards never lag, and `shards`
    /// shards whose sockets may have `queue` messages waiting.
    fn setup(history: usize, queue: usize, shards: usize) -> (Arc<Hub>, Arc<Fanout>) {
        let hub = Arc::new(Hub::new(history, 1024));
        let fanout = Arc::new(Fanout::start(hub.clone(), shards, queue));
        (hub, fanout)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sockets_joining_while_frames_are_published_get_every_later_frame_once_in_order() {
        let (hub, fanout) = setup(1024, 1024, 2);
        let mut clients = Vec::new();

        for round in 0..300 {
            if round % 10 == 0 {
                clients.push(join(&fanout, &hub));
            }
            publish(&hub);
            if round % 7 == 0 {
                tokio::task::yield_now().await;
            }
        }

        for client in &mut clients {
            client.hello().await;
            for expected in client.position + 1..=300 {
                assert_eq!(client.next_seq().await, expected);
            }
        }
    }

    #[tokio::test]
    async fn a_socket_that_joins_after_its_shard_passed_frames_gets_them_from_the_history() {
        let (hub, fanout) = setup(8, 8, 1);
        let mut probe = join(&fanout, &hub);
        probe.hello().await;
        let position = hub.seq();
        publish(&hub);
        publish(&hub);
        assert_eq!((probe.next_seq().await, probe.next_seq().await), (1, 2));

        let mut late = join_at(&fanout, position, false);
        publish(&hub);

        late.hello().await;
        assert_eq!(late.next_seq().await, 1);
        assert_eq!(late.next_seq().await, 2);
        assert_eq!(late.next_seq().await, 3);
    }

    #[tokio::test]
    async fn a_socket_that_joins_after_the_history_moved_on_gets_a_resync_then_live_frames() {
        let (hub, fanout) = setup(2, 8, 1);
        let mut probe = join(&fanout, &hub);
        probe.hello().await;
        for expected in 1..=4 {
            publish(&hub);
            assert_eq!(probe.next_seq().await, expected);
        }

        let mut late = join_at(&fanout, 0, false);
        publish(&hub);

        late.hello().await;
        assert_eq!(
            late.next().await,
            ServerMessage::Resync {
                reason: ResyncReason::Lagged
            }
        );
        assert_eq!(late.next_seq().await, 5);
    }

    #[tokio::test]
    async fn a_stalled_socket_does_not_delay_the_others_and_is_resynced_when_it_falls_behind() {
        let (hub, fanout) = setup(64, 2, 1);
        let mut stalled = join_at(&fanout, 0, true);
        let mut reading = join(&fanout, &hub);
        reading.hello().await;

        for _ in 0..5 {
            publish(&hub);
        }
        for expected in 1..=5 {
            assert_eq!(reading.next_seq().await, expected);
        }
        assert!(
            stalled.written.try_recv().is_err(),
            "the stalled socket took nothing"
        );

        // Its queue kept the hello, a resync for what it could not hold,
        // and what came after.
        stalled.valve.open();
        stalled.hello().await;
        assert_eq!(
            stalled.next().await,
            ServerMessage::Resync {
                reason: ResyncReason::Lagged
            }
        );
        assert_eq!(stalled.next_seq().await, 5);
        publish(&hub);
        assert_eq!(stalled.next_seq().await, 6);
    }

    #[tokio::test]
    async fn a_socket_that_does_not_write_out_holds_no_more_than_its_queue() {
        let (hub, fanout) = setup(64, 2, 1);
        let mut slow = join(&fanout, &hub);
        slow.hello().await;
        slow.valve.unwritten.store(true, Ordering::SeqCst);

        for _ in 0..10 {
            publish(&hub);
            // Lets the shard and the socket's task run between frames.
            tokio::task::yield_now().await;
            slow.valve.nudge();
        }

        // The sink took the first frame and, while it holds it, nothing more.
        assert_eq!(slow.next_seq().await, 1);
        assert!(slow.written.try_recv().is_err());
        slow.valve.open();
        assert_eq!(
            slow.next().await,
            ServerMessage::Resync {
                reason: ResyncReason::Lagged
            }
        );
        assert_eq!(slow.next_seq().await, 10);
    }

    #[tokio::test]
    async fn a_socket_whose_task_ends_is_closed_and_leaves_its_shard() {
        let (hub, fanout) = setup(8, 8, 1);
        let mut leaving = join(&fanout, &hub);
        let mut staying = join(&fanout, &hub);
        leaving.hello().await;
        staying.hello().await;
        assert_eq!(fanout.sockets(), 2);

        leaving.stop.take().unwrap().send(()).unwrap();
        (&mut leaving.task).await.unwrap();

        assert!(
            leaving.written.recv().await.is_none(),
            "the socket is closed"
        );
        publish(&hub);
        assert_eq!(staying.next_seq().await, 1);
        assert_eq!(fanout.sockets(), 1);
    }

    #[tokio::test]
    async fn a_socket_whose_write_fails_is_let_go() {
        let (hub, fanout) = setup(8, 8, 1);
        let mut failing = join(&fanout, &hub);
        let mut staying = join(&fanout, &hub);
        failing.hello().await;
        staying.hello().await;

        // The client is gone: the next write fails.
        drop(std::mem::replace(
            &mut failing.written,
            mpsc::unbounded_channel().1,
        ));
        publish(&hub);

        (&mut failing.task).await.unwrap();
        assert_eq!(staying.next_seq().await, 1);
        publish(&hub);
        assert_eq!(staying.next_seq().await, 2);
        assert_eq!(fanout.sockets(), 1);
    }
}
