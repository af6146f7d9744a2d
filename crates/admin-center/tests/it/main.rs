//! Handler tests of the admin center and the operator console: a real rosterd on an ephemeral
//! port with a fresh database per test, driven like a browser (cookies, CSRF tokens parsed out
//! of forms, redirects followed by hand so every hop can be checked). One test binary.
//!
//! `ROSTERD_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432` runs the same tests on PostgreSQL.

#![expect(clippy::unwrap_used, reason = "tests")]

mod access;
mod admins;
mod audit_log;
mod browser;
mod cleanup;
mod groups;
mod headers;
mod licenses;
mod oauth_clients;
mod operator;
mod overview;
mod policy;
mod provisioning_log;
mod reports;
mod resend;
mod roles;
mod scim_settings;
mod signin;
mod users;
