//! The license ledger: seat pools per tenant and license kind, the licenses people hold, and
//! the append-only ledger entries every change leaves behind. The capacity invariant (seats in
//! use never exceed capacity) is enforced by the database, under any concurrency.
//!
//! Knows nothing of HTTP or SCIM: the product apps call it inside their own transactions.

mod actor;
pub mod entity;
mod error;
mod pool;

pub use actor::{Actor, ActorKind};
pub use error::{Error, Result};
pub use pool::{SeatPool, create_pools, pools, set_capacity};
