//! The rosterd binary's library half: configuration, telemetry, the database connection, the
//! HTTP server's wiring (it alone sees every crate), and the operator CLI. `main.rs` only
//! parses arguments and calls [`cli::run`]; tests call the same functions in-process.

pub mod apps;
pub mod cli;
pub mod config;
pub mod connections;
pub mod db;
pub mod demo;
pub mod fair_share;
pub mod metrics;
pub mod oauth;
pub mod outbox;
pub mod provisioning_log;
pub mod server;
pub mod telemetry;
