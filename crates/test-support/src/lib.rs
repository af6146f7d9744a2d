//! Test support, for tests only: a fresh database per test (SQLite by default, PostgreSQL when
//! `ROSTERD_TEST_POSTGRES` names a server), and, with the `app` feature, a real rosterd serving
//! HTTP on an ephemeral port with a controllable clock. Without `app` nothing here builds the
//! binary, so the storage crates' tests compile only what they use.
//!
//! Every test gets its own database, so tests run in parallel and never see each other's data.

#![expect(
    clippy::unwrap_used,
    clippy::missing_panics_doc,
    reason = "test support: a failed set-up should stop the test loudly"
)]

#[cfg(feature = "app")]
mod app;
#[cfg(feature = "app")]
mod builders;
mod db;
mod services;

#[cfg(feature = "app")]
pub use app::{TenantApps, TestApp};
#[cfg(feature = "app")]
pub use builders::ScimUser;
pub use db::{TestDb, backend_name};
pub use services::{REDIS_ENV, redis_url};
