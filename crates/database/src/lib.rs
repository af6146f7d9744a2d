//! The database, below every crate that stores something: connecting as the server does
//! ([`connect_url`], [`connect_writer`], [`spawn_checkpointer`]) and the one classification of
//! driver errors ([`classify`], [`DatabaseError`]); and [`secret_route`], the tenant of a secret
//! presented alone (a SCIM token, an activation link), for a schema distributed by tenant.
//!
//! Error policy: a crate that runs queries turns a `DbErr` into its own error through
//! [`DatabaseError`] (or answers on [`classify`]); no `DbErr` appears in another crate's public
//! error type, and nobody above the storage crates matches on driver messages.

mod connect;
mod error;
pub mod secret_route;

pub use connect::{
    DEFAULT_STATEMENT_TIMEOUT, connect_url, connect_url_with, connect_writer, ping,
    spawn_checkpointer, sqlite_path,
};
pub use error::{DatabaseError, DbFailure, classify, is_unique_violation};
