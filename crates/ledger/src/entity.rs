//! sea-orm entities of the tables this crate owns.

pub mod activation_link;
pub mod ledger_entry;
pub mod license;
pub mod license_policy;
pub mod license_waitlist;
pub mod notification;
pub mod seat_pool;
