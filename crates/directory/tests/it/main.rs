//! Integration tests of the directory on a fresh database per test (SQLite, or PostgreSQL when
//! `ROSTERD_TEST_POSTGRES` names a server). One test binary; a module per area.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failed set-up step should stop the test loudly"
)]

mod filters;
mod groups;
mod members;
mod paging;
mod people;
mod support;
mod users;
