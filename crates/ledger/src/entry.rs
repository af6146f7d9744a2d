//! Ledger entries: the append-only history (`ledger log`), and the one function that appends.
//!
//! Every write in this crate appends its entry after it changed the row the entry is about
//! (the license or the pool), so entries of one license or one pool are appended under that
//! row's lock, and the database-assigned `seq` orders them the way they committed. `verify`
//! replays entries in `seq` order.

use chrono::{DateTime, Utc};
use rosterd_domain::{Clock, LedgerEntryId, LicenseId, LicenseKind, PersonId, TenantId};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, NotSet, QueryFilter, QueryOrder, Set,
    Statement,
};
use serde::Serialize;

use crate::batch::execute_together;
use crate::entity::ledger_entry;
use crate::error::{Error, Result};
use crate::license::LicenseSource;
use rosterd_audit::{Actor, ActorKind};
use rosterd_database::{StatementText, insert_one};

/// What an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryKind {
    /// A license was assigned: a seat taken.
    Assign,
    /// The holder activated an assigned license.
    Activate,
    /// A license moved from one kind to another (`from_license_kind` -> `license_kind`).
    Change,
    /// A license was revoked: its seat freed.
    Revoke,
    /// A SCIM app took over a manual license.
    Adopt,
    /// A license was asked for and refused: the pool was full (no seat, no license).
    Refused,
    /// A person went on the pool's waiting list.
    Waiting,
    /// The operator changed a pool's capacity.
    CapacityChange,
}

impl EntryKind {
    const ALL: [EntryKind; 8] = [
        EntryKind::Assign,
        EntryKind::Activate,
        EntryKind::Change,
        EntryKind::Revoke,
        EntryKind::Adopt,
        EntryKind::Refused,
        EntryKind::Waiting,
        EntryKind::CapacityChange,
    ];

    /// The name stored in `ledger_entries.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Assign => "assign",
            EntryKind::Activate => "activate",
            EntryKind::Change => "change",
            EntryKind::Revoke => "revoke",
            EntryKind::Adopt => "adopt",
            EntryKind::Refused => "refused",
            EntryKind::Waiting => "waiting",
            EntryKind::CapacityChange => "capacity-change",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One ledger entry, as `ledger log` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub id: LedgerEntryId,
    /// Position in the tenant's ledger (commit order).
    pub seq: i64,
    pub kind: EntryKind,
    pub license_kind: LicenseKind,
    pub from_license_kind: Option<LicenseKind>,
    pub person_id: Option<PersonId>,
    pub license_id: Option<LicenseId>,
    /// The source an assign or adopt gives the license.
    pub license_source: Option<LicenseSource>,
    pub capacity_before: Option<i64>,
    pub capacity_after: Option<i64>,
    pub actor: Actor,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<ledger_entry::Model> for Entry {
    type Error = Error;

    fn try_from(m: ledger_entry::Model) -> Result<Self> {
        fn parse<T: std::str::FromStr>(what: &'static str, s: &str) -> Result<T> {
            s.parse().map_err(|_| Error::corrupt(what, s))
        }
        fn opt<T: std::str::FromStr>(what: &'static str, s: Option<String>) -> Result<Option<T>> {
            s.map(|s| parse(what, &s)).transpose()
        }
        Ok(Entry {
            id: parse("ledger entry id", &m.id)?,
            seq: m.seq.unwrap_or_default(),
            kind: EntryKind::parse(&m.kind).ok_or_else(|| Error::corrupt("entry kind", &m.kind))?,
            license_kind: parse("license kind", &m.license_kind)?,
            from_license_kind: opt("license kind", m.from_license_kind)?,
            person_id: opt("person id", m.person_id)?,
            license_id: opt("license id", m.license_id)?,
            license_source: opt("license source", m.license_source)?,
            capacity_before: m.capacity_before,
            capacity_after: m.capacity_after,
            actor: Actor {
                kind: ActorKind::parse(&m.actor_kind)
                    .ok_or_else(|| Error::corrupt("actor kind", &m.actor_kind))?,
                name: m.actor,
                cause: None,
            },
            reason: m.reason,
            created_at: m.created_at,
        })
    }
}

/// An entry about to be appended. Unset fields stay empty.
pub(crate) struct NewEntry<'a> {
    pub kind: EntryKind,
    pub license_kind: LicenseKind,
    pub from_license_kind: Option<LicenseKind>,
    pub person: Option<PersonId>,
    pub license: Option<LicenseId>,
    pub source: Option<LicenseSource>,
    pub capacity: Option<(i64, i64)>,
    pub actor: &'a Actor,
    pub reason: String,
}

impl<'a> NewEntry<'a> {
    pub(crate) fn new(
        kind: EntryKind,
        license_kind: LicenseKind,
        actor: &'a Actor,
        reason: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            license_kind,
            from_license_kind: None,
            person: None,
            license: None,
            source: None,
            capacity: None,
            actor,
            reason: reason.into(),
        }
    }
}

/// Appends one entry, and its audit event on the same connection or transaction (the one place
/// license changes reach the audit log). `seq` is left to the database.
pub(crate) async fn append(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    entry: NewEntry<'_>,
) -> Result<()> {
    let statements = append_statements(db.get_database_backend(), clock, tenant, entry);
    execute_together(db, statements.into()).await?;
    Ok(())
}

/// The two inserts of [`append`] (the audit event, then the entry), for a writer that sends them
/// together with its own change.
pub(crate) fn append_statements(
    backend: DbBackend,
    clock: &dyn Clock,
    tenant: TenantId,
    entry: NewEntry<'_>,
) -> [Statement; 2] {
    let action = format!("license.{}", entry.kind.as_str());
    let detail = audit_detail(&entry);
    let (target_type, target_id) = match (entry.kind, entry.person) {
        (_, Some(person)) => ("person", person.to_string()),
        (EntryKind::CapacityChange, None) => ("seat-pool", entry.license_kind.slug().to_owned()),
        // A refused creation: the person never existed; the detail names the user.
        (_, None) => ("person", String::new()),
    };
    let audit = rosterd_audit::record_statement(
        backend,
        clock,
        tenant,
        rosterd_audit::NewEvent {
            channel: entry.actor.kind.channel(),
            actor: &entry.actor.name,
            action: &action,
            target_type,
            target_id: &target_id,
            detail: &detail,
        },
    );
    let model = ledger_entry::ActiveModel {
        tenant_id: Set(tenant.to_string()),
        id: Set(LedgerEntryId::new().to_string()),
        kind: Set(entry.kind.as_str().to_owned()),
        license_kind: Set(entry.license_kind.slug().to_owned()),
        from_license_kind: Set(entry.from_license_kind.map(|k| k.slug().to_owned())),
        person_id: Set(entry.person.map(|p| p.to_string())),
        license_id: Set(entry.license.map(|l| l.to_string())),
        capacity_before: Set(entry.capacity.map(|(before, _)| before)),
        capacity_after: Set(entry.capacity.map(|(_, after)| after)),
        actor_kind: Set(entry.actor.kind.as_str().to_owned()),
        actor: Set(entry.actor.name.clone()),
        reason: Set(entry.reason),
        created_at: Set(clock.now()),
        seq: NotSet,
        license_source: Set(entry.source.map(|s| s.to_string())),
    };
    [audit, insert_one(&ENTRY_INSERT, backend, model)]
}

/// The text of a ledger entry's insert, built once ([`StatementText`]).
static ENTRY_INSERT: StatementText = StatementText::new();

/// The audit event's sentence: the pool, the change, the reason and the cause.
fn audit_detail(entry: &NewEntry<'_>) -> String {
    let pool = entry.license_kind.display_name();
    let what = match (entry.kind, entry.from_license_kind) {
        (EntryKind::Change, Some(from)) => {
            format!("{} changed to {pool}", from.display_name())
        }
        (EntryKind::CapacityChange, _) => format!("{pool} capacity changed"),
        (EntryKind::Assign, _) => format!("{pool} assigned"),
        (EntryKind::Activate, _) => format!("{pool} activated"),
        (EntryKind::Change, None) => format!("{pool} changed"),
        (EntryKind::Revoke, _) => format!("{pool} revoked"),
        (EntryKind::Adopt, _) => format!("{pool} adopted by SCIM"),
        (EntryKind::Refused, _) => format!("{pool} refused (no seat)"),
        (EntryKind::Waiting, _) => format!("{pool}: put on the waiting list"),
    };
    match &entry.actor.cause {
        Some(cause) => format!("{what}: {}; cause: {cause}", entry.reason),
        None => format!("{what}: {}", entry.reason),
    }
}

/// The tenant's ledger, newest first; only one person's entries when `person` is given.
pub async fn entries(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    person: Option<PersonId>,
) -> Result<Vec<Entry>> {
    let mut query =
        ledger_entry::Entity::find().filter(ledger_entry::Column::TenantId.eq(tenant.to_string()));
    if let Some(person) = person {
        query = query.filter(ledger_entry::Column::PersonId.eq(person.to_string()));
    }
    query
        .order_by_desc(ledger_entry::Column::Seq)
        .all(db)
        .await?
        .into_iter()
        .map(Entry::try_from)
        .collect()
}

/// The tenant's ledger in replay order (oldest first).
pub(crate) async fn entries_in_order(
    db: &impl ConnectionTrait,
    tenant: TenantId,
) -> Result<Vec<Entry>> {
    ledger_entry::Entity::find()
        .filter(ledger_entry::Column::TenantId.eq(tenant.to_string()))
        .order_by_asc(ledger_entry::Column::Seq)
        .all(db)
        .await?
        .into_iter()
        .map(Entry::try_from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rosterd_domain::{Product, SystemClock};
    use sea_orm::{QueryTrait, Values};

    #[test]
    fn an_entry_binds_what_sea_query_builds_and_keeps_its_text() {
        let actor = Actor::scim("learning", "req-1");
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            for person in [Some(PersonId::new()), None] {
                let mut entry =
                    NewEntry::new(EntryKind::Assign, LicenseKind::Learning, &actor, "policy");
                entry.person = person;
                entry.license = Some(LicenseId::new());
                entry.source = Some(LicenseSource::Scim(Product::Learning));
                let tenant = TenantId::new();
                let [_, appended] = append_statements(backend, &SystemClock, tenant, entry);
                let Some(Values(values)) = appended.values.clone() else {
                    panic!("no values");
                };
                let model = ledger_entry::ActiveModel {
                    tenant_id: Set(tenant.to_string()),
                    id: Set(values[1].clone().unwrap()),
                    kind: Set("assign".to_owned()),
                    license_kind: Set(LicenseKind::Learning.slug().to_owned()),
                    from_license_kind: Set(None),
                    person_id: Set(person.map(|p| p.to_string())),
                    license_id: Set(values[6].clone().unwrap()),
                    capacity_before: Set(None),
                    capacity_after: Set(None),
                    actor_kind: Set(actor.kind.as_str().to_owned()),
                    actor: Set(actor.name.clone()),
                    reason: Set("policy".to_owned()),
                    created_at: Set(values[12].clone().unwrap()),
                    seq: NotSet,
                    license_source: Set(Some("scim:learning".to_owned())),
                };
                assert_eq!(appended, ledger_entry::Entity::insert(model).build(backend));
            }
            assert!(ENTRY_INSERT.is_kept(backend), "{backend:?}");
        }
    }
}
