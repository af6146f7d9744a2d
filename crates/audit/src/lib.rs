//! The audit log: one row per change an admin may later ask about (who did what, to what, through
//! which channel, and why). Writers call [`record`] with their own connection or transaction, so
//! an audit event commits together with the change it describes, or not at all. Readers page
//! newest first with [`list`] and a keyset [`Cursor`].
//!
//! Knows nothing of HTTP, SCIM or licenses: the ledger, the admin center and the operator CLI
//! each describe their own changes. Never put a secret in `detail`.

mod actor;
mod change;
mod entity;

pub use actor::{Actor, ActorKind};
pub use change::Change;
pub use entity::columns as entity_columns;

use chrono::{DateTime, Utc};
use rosterd_database::{DatabaseError, StatementText, insert_one};
use rosterd_domain::{Clock, TenantId};
use sea_orm::sea_query::{Condition, Expr, Func, LikeExpr};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Statement,
};
use serde::Serialize;

use entity::{Column, Entity};

/// The channel a change came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Channel {
    /// A product app's SCIM endpoint (the actor names the app and token prefix).
    Scim,
    /// An admin in the admin center (the actor is the admin's email).
    Admin,
    /// The platform operator (CLI or operator console).
    Operator,
    /// rosterd itself (serving a waiting list, expiring links).
    System,
    /// The person concerned (activating their own license).
    Person,
}

impl Channel {
    pub const ALL: [Channel; 5] = [
        Channel::Scim,
        Channel::Admin,
        Channel::Operator,
        Channel::System,
        Channel::Person,
    ];

    /// The name stored in `audit_events.channel`.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Scim => "scim",
            Channel::Admin => "admin",
            Channel::Operator => "operator",
            Channel::System => "system",
            Channel::Person => "person",
        }
    }

    /// The channel stored as `s`, if any.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// An event to record. `action` is a dotted verb (`license.assign`, `token.issue`), `target_type`
/// and `target_id` name what changed (`person` and its id), `detail` is a sentence an admin reads.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub channel: Channel,
    pub actor: &'a str,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: &'a str,
    pub detail: &'a str,
}

/// A recorded event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    pub id: String,
    pub channel: Channel,
    pub actor: String,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub detail: String,
    pub created_at: DateTime<Utc>,
}

impl Event {
    /// Where the next page (older events) starts.
    pub fn cursor(&self) -> Cursor {
        Cursor {
            created_at: self.created_at,
            id: self.id.clone(),
        }
    }
}

/// Records `event` for `tenant` at the clock's time, on the caller's connection or transaction.
pub async fn record(
    conn: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    event: NewEvent<'_>,
) -> Result<(), DatabaseError> {
    let insert = record_statement(conn.get_database_backend(), clock, tenant, event);
    conn.execute(insert).await?;
    Ok(())
}

/// The statement [`record`] runs, for a writer that sends it together with its own change.
pub fn record_statement(
    backend: DbBackend,
    clock: &dyn Clock,
    tenant: TenantId,
    event: NewEvent<'_>,
) -> Statement {
    let row = entity::ActiveModel {
        tenant_id: Set(tenant.to_string()),
        id: Set(uuid::Uuid::now_v7().to_string()),
        channel: Set(event.channel.as_str().to_owned()),
        actor: Set(event.actor.to_owned()),
        action: Set(event.action.to_owned()),
        target_type: Set(event.target_type.to_owned()),
        target_id: Set(event.target_id.to_owned()),
        detail: Set(event.detail.to_owned()),
        created_at: Set(clock.now()),
    };
    insert_one(&EVENT_INSERT, backend, row)
}

/// The text of [`record_statement`]'s insert, built once ([`StatementText`]).
static EVENT_INSERT: StatementText = StatementText::new();

/// A position in the newest-first order: the last event of the previous page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: DateTime<Utc>,
    pub id: String,
}

/// Which events to list. Every field narrows; the default is every event, newest first.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub channel: Option<Channel>,
    /// Events about one thing: `(target_type, target_id)`.
    pub target: Option<(String, String)>,
    /// Actions starting with this, e.g. `license.`.
    pub action_prefix: Option<String>,
    /// Actors containing this, case-insensitively (an admin's email, a token prefix).
    pub actor_contains: Option<String>,
    /// Events at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Events strictly before this time.
    pub until: Option<DateTime<Utc>>,
    /// Start after this event (keyset paging).
    pub after: Option<Cursor>,
    /// At most this many events; `None` means all (exports).
    pub limit: Option<u64>,
}

/// The tenant's events matching `query`, newest first.
pub async fn list(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    query: &Query,
) -> Result<Vec<Event>, DatabaseError> {
    let mut select = Entity::find().filter(Column::TenantId.eq(tenant.to_string()));
    if let Some(channel) = query.channel {
        select = select.filter(Column::Channel.eq(channel.as_str()));
    }
    if let Some((kind, id)) = &query.target {
        select = select
            .filter(Column::TargetType.eq(kind.as_str()))
            .filter(Column::TargetId.eq(id.as_str()));
    }
    if let Some(prefix) = &query.action_prefix {
        select = select.filter(Column::Action.starts_with(prefix.as_str()));
    }
    if let Some(actor) = &query.actor_contains {
        let escaped: String = actor
            .to_lowercase()
            .chars()
            .flat_map(|c| match c {
                '%' | '_' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        select = select.filter(
            Expr::expr(Func::lower(Expr::col(Column::Actor)))
                .like(LikeExpr::new(format!("%{escaped}%")).escape('\\')),
        );
    }
    if let Some(since) = query.since {
        select = select.filter(Column::CreatedAt.gte(since));
    }
    if let Some(until) = query.until {
        select = select.filter(Column::CreatedAt.lt(until));
    }
    if let Some(after) = &query.after {
        select = select.filter(
            Condition::any()
                .add(Column::CreatedAt.lt(after.created_at))
                .add(
                    Condition::all()
                        .add(Expr::col(Column::CreatedAt).eq(after.created_at))
                        .add(Column::Id.lt(after.id.as_str())),
                ),
        );
    }
    if let Some(limit) = query.limit {
        select = select.limit(limit);
    }
    let rows = select
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Id)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| Event {
            channel: Channel::parse(&row.channel).unwrap_or(Channel::System),
            id: row.id,
            actor: row.actor,
            action: row.action,
            target_type: row.target_type,
            target_id: row.target_id,
            detail: row.detail,
            created_at: row.created_at,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rosterd_domain::SystemClock;
    use sea_orm::{QueryTrait, Values};

    #[test]
    fn an_event_binds_what_sea_query_builds_and_keeps_its_text() {
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            for target in ["p-1", "p-2"] {
                let event = NewEvent {
                    channel: Channel::Scim,
                    actor: "learning app",
                    action: "license.assign",
                    target_type: "person",
                    target_id: target,
                    detail: "Learning assigned",
                };
                let statement = record_statement(backend, &SystemClock, TenantId::new(), event);
                let Some(Values(values)) = statement.values.clone() else {
                    panic!("no values");
                };
                let row = entity::ActiveModel {
                    tenant_id: Set(values[0].clone().unwrap()),
                    id: Set(values[1].clone().unwrap()),
                    channel: Set("scim".to_owned()),
                    actor: Set("learning app".to_owned()),
                    action: Set("license.assign".to_owned()),
                    target_type: Set("person".to_owned()),
                    target_id: Set(target.to_owned()),
                    detail: Set("Learning assigned".to_owned()),
                    created_at: Set(values[8].clone().unwrap()),
                };
                assert_eq!(statement, Entity::insert(row).build(backend));
            }
            assert!(EVENT_INSERT.is_kept(backend), "{backend:?}");
        }
    }
}
