//! The directory: people, app-scoped SCIM users, groups and memberships on sea-orm (SQLite and
//! PostgreSQL), behind `rosterd_scim::store::ScimStore`.
//!
//! - Every query is scoped to the request's tenant and product app by construction
//!   ([`scope`]); an id of another tenant or app is 404.
//! - Writes run in one transaction each; PATCH and PUT lock the row, re-check the version with
//!   `UPDATE ... WHERE version = <read>` and retry the transaction on a lost race or lock
//!   contention, so no update is lost.
//! - Group membership lives in rows changed by deltas ([`members`]); filters become SQL
//!   ([`filter_sql`]), sorting and paging run in the database ([`listing`]).

mod document;
mod entity;
mod error;
mod filter_sql;
mod groups;
pub mod hooks;
mod listing;
pub mod manual_groups;
pub mod manual_people;
mod member_pages;
mod members;
pub mod people;
pub mod people_list;
mod refusal;
mod scope;
mod store;
pub mod subjects;
mod user_pages;
mod user_rows;
mod users;

use std::sync::Arc;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use rosterd_database::InlineWriter;
use rosterd_database::inline_reads::InlineReader;
use rosterd_domain::Clock;
use sea_orm::DatabaseConnection;

pub use entity::columns as entity_columns;
pub use error::{Error, Result};
pub use hooks::{
    HookError, MembershipChange, ProvisioningHooks, RefusalRecord, UserChange, UserSnapshot,
};
pub use people::{PeoplePage, Person};

/// The SCIM store on the database: cheap to clone (a connection pool, a clock, the hooks).
#[derive(Clone)]
pub struct Directory {
    db: DatabaseConnection,
    /// Where write transactions run (see [`Directory::with_writer`]); `db` unless given.
    writer: DatabaseConnection,
    clock: Arc<dyn Clock>,
    hooks: Option<Arc<dyn ProvisioningHooks>>,
    /// The most values a User's multi-valued attribute may hold (see
    /// [`Directory::with_max_values_per_attribute`]).
    max_values_per_attribute: u32,
    /// Sampled user ids for paging apps' user lists by key ([`user_pages`]).
    user_pages: user_pages::UserPages,
    /// Point reads on the caller's thread, on a SQLite file (see
    /// [`Directory::with_inline_reads`]).
    inline: Option<InlineReader>,
    /// Write transactions on the caller's thread, on a SQLite file (see
    /// [`Directory::with_inline_writer`]); on `writer` when `None`.
    inline_writer: Option<InlineWriter>,
}

/// The cap on a multi-valued attribute's values unless the server sets another.
pub const DEFAULT_MAX_VALUES_PER_ATTRIBUTE: u32 = 10_000;

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Directory")
            .field("hooks", &self.hooks.is_some())
            .finish_non_exhaustive()
    }
}

impl Directory {
    /// A directory on `db`, taking "now" from `clock`, with no provisioning hooks.
    pub fn new(db: DatabaseConnection, clock: Arc<dyn Clock>) -> Self {
        Self {
            writer: db.clone(),
            db,
            clock,
            hooks: None,
            max_values_per_attribute: DEFAULT_MAX_VALUES_PER_ATTRIBUTE,
            user_pages: user_pages::UserPages::default(),
            inline: None,
            inline_writer: None,
        }
    }

    /// The same directory, reading one user by key (`GET /Users/{id}`, the IdP's
    /// `filter=userName eq "..."` lookup) through `reader`, on the request's own thread, instead
    /// of the pool's connection threads (on a SQLite file; see
    /// [`rosterd_database::inline_reads`]).
    #[must_use]
    pub fn with_inline_reads(mut self, reader: Option<InlineReader>) -> Self {
        self.inline = reader;
        self
    }

    /// The same directory, running its write transactions through `writer`, on the request's
    /// own thread, instead of on the pool's connection thread (on a SQLite file; see
    /// [`rosterd_database::inline_writes`]).
    #[must_use]
    pub fn with_inline_writer(mut self, writer: Option<InlineWriter>) -> Self {
        self.inline_writer = writer;
        self
    }

    /// The same directory, refusing (400 `invalidValue`) a User write whose document would hold
    /// more than `max` values in one multi-valued attribute (`emails`, `phoneNumbers`, ...),
    /// whether it comes as a POST, a PUT or the result of a PATCH.
    #[must_use]
    pub fn with_max_values_per_attribute(mut self, max: u32) -> Self {
        self.max_values_per_attribute = max;
        self
    }

    /// The same directory, running its write transactions on `writer` (the same database): on
    /// SQLite the server gives it one dedicated connection, so writers queue in order and the
    /// connection's page cache stays warm.
    #[must_use]
    pub fn with_writer(mut self, writer: DatabaseConnection) -> Self {
        self.writer = writer;
        self
    }

    /// The same directory, calling `hooks` inside every write transaction (licensing).
    #[must_use]
    pub fn with_hooks(mut self, hooks: Arc<dyn ProvisioningHooks>) -> Self {
        self.hooks = Some(hooks);
        self
    }

    /// The hooks, if any.
    pub(crate) fn hooks(&self) -> Option<&dyn ProvisioningHooks> {
        self.hooks.as_deref()
    }

    /// The connection, for callers that run their own queries (the admin API).
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Now, to the millisecond: what `meta.created`/`lastModified` show is exactly what is
    /// stored, so filters and cursors on them compare equal.
    fn now(&self) -> DateTime<Utc> {
        let now = self.clock.now();
        now.duration_trunc(TimeDelta::milliseconds(1))
            .unwrap_or(now)
    }
}
