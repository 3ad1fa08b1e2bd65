//! A pretend server and small helpers shared by the cache's tests.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use earshot_shared::dto::RecordingFilters;
use earshot_shared::{QueryKey, keys};
use tokio::task::LocalSet;
use tokio::time::sleep;

use crate::query::cache::{Fetcher, QueryClient, QueryError, Subscription};
use crate::query::options::QueryOptions;
use crate::query::runtime::TokioLocalRuntime;

pub const LATENCY: Duration = Duration::from_millis(100);

#[derive(Clone, Debug, PartialEq)]
pub struct Failure(pub u16);

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.0)
    }
}

impl QueryError for Failure {
    fn is_client_error(&self) -> bool {
        (400..500).contains(&self.0)
    }
}

/// A pretend server: answers after [`LATENCY`] with the value it had when
/// the request arrived, or with the failures queued in `fail`.
#[derive(Default)]
pub struct Server {
    pub value: RefCell<Vec<&'static str>>,
    pub fail: RefCell<Vec<u16>>,
    calls: Cell<u32>,
}

pub type List = Vec<&'static str>;

impl Server {
    pub fn new(value: List) -> Rc<Self> {
        Rc::new(Server {
            value: RefCell::new(value),
            ..Default::default()
        })
    }

    pub fn fetcher(self: &Rc<Self>) -> Fetcher<List, Failure> {
        let server = self.clone();
        Rc::new(move || {
            server.calls.set(server.calls.get() + 1);
            let answer = match server.fail.borrow_mut().pop() {
                Some(status) => Err(Failure(status)),
                None => Ok(server.value.borrow().clone()),
            };
            Box::pin(async move {
                sleep(LATENCY).await;
                answer
            })
        })
    }

    pub fn set(&self, value: List) {
        *self.value.borrow_mut() = value;
    }

    pub fn calls(&self) -> u32 {
        self.calls.get()
    }
}

pub fn client() -> QueryClient {
    QueryClient::new(TokioLocalRuntime, QueryOptions::default())
}

pub fn key() -> QueryKey {
    keys::recordings::list(&RecordingFilters::default())
}

/// A subscription with a counter of its notifications.
pub fn subscribe(
    client: &QueryClient,
    key: &QueryKey,
    server: &Rc<Server>,
) -> (Subscription, Rc<Cell<u32>>) {
    let notified = Rc::new(Cell::new(0));
    let counter = notified.clone();
    let subscription = client.subscribe(
        key,
        client.defaults(),
        server.fetcher(),
        Rc::new(move || counter.set(counter.get() + 1)),
    );
    (subscription, notified)
}

pub fn data(client: &QueryClient, key: &QueryKey) -> Option<List> {
    client
        .state::<List, Failure>(key)
        .data
        .map(|d| (*d).clone())
}

/// Runs a test body on a `LocalSet` (the cache's futures are not `Send`).
pub async fn local(body: impl Future<Output = ()>) {
    LocalSet::new().run_until(body).await
}

pub async fn wait(millis: u64) {
    sleep(Duration::from_millis(millis)).await;
}
