//! End-to-end tests: a real rosterd on an ephemeral port with a fresh database per test,
//! spoken to over HTTP, and the operator CLI run against the same database. One test binary
//! for the whole suite keeps link times down.
//!
//! `ROSTERD_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432` runs the same suite on PostgreSQL.

#![expect(clippy::unwrap_used, reason = "tests")]

mod activation;
mod auth;
mod citus_ready;
mod cli;
mod concurrency;
mod discovery;
mod fair_share;
mod fair_share_redis;
mod filters;
mod group_members;
mod health;
mod idp_entra;
mod idp_okta;
mod idp_onelogin;
mod input_limits;
mod licensing;
mod licensing_manual;
mod licensing_policy;
mod licensing_sales;
mod metrics;
mod migrations;
mod oauth;
mod provisioning_log;
mod read_path;
mod read_plans;
mod root_search;
mod scim_client;
mod scim_rules;
mod sessions_redis;
