//! Test support, for tests only: a fresh database per test (SQLite by default, PostgreSQL when
//! `ROSTERD_TEST_POSTGRES` names a server), and a real rosterd serving HTTP on an ephemeral port
//! with a controllable clock.
//!
//! Every test gets its own database, so tests run in parallel and never see each other's data.

#![expect(
    clippy::unwrap_used,
    clippy::missing_panics_doc,
    reason = "test support: a failed set-up should stop the test loudly"
)]

mod app;
mod db;

pub use app::{TenantApps, TestApp};
pub use db::{TestDb, backend_name};
