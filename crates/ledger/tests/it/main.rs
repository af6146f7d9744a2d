//! Integration tests of the ledger against a real database: SQLite by default, PostgreSQL when
//! `ROSTERD_TEST_POSTGRES` names a server. One binary; every test makes its own database.

#![expect(
    clippy::unwrap_used,
    reason = "tests and their helpers: a failed step should stop the test loudly"
)]

mod activation;
mod audit;
mod concurrency;
mod licenses;
mod manual;
mod outbox;
mod policy_store;
mod support;
mod verify;
mod waitlist;
