//! Live sync: the [`hub::Hub`] numbers and fans out committed changes, and
//! [`socket`] serves them over `/api/ws/sync`.

pub mod hub;
pub mod socket;

pub use hub::Hub;
