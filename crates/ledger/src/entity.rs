//! sea-orm entities of the tables this crate owns.

pub mod ledger_entry;
pub mod seat_pool;
