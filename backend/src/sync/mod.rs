//! Live sync: the [`hub::Hub`] numbers committed changes, the
//! [`fanout::Fanout`]'s writer shards write them to every socket, and
//! [`socket`] serves each `/api/ws/sync` connection (hello, resume, heartbeats).
//! On PostgreSQL, the [`relay::Relay`] brings in what other replicas
//! committed.

pub mod fanout;
pub mod hub;
pub mod relay;
pub mod socket;

pub use fanout::Fanout;
pub use hub::Hub;
pub use relay::Relay;
