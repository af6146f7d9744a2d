//! The writes that take and free seats: assign, revoke, change (tier change), activate, and
//! the record of a refusal. Each runs in the caller's transaction, changes the license and the
//! pool first and then appends its ledger entry (see [`crate::entry`] for why that order).
//!
//! A returned `Err(PoolFull)` means nothing was written: the caller's transaction is intact and
//! may go on (e.g. to put the person on the waiting list). Any other `Err` means: roll back.

use rosterd_domain::{Clock, LicenseId, LicenseKind, PersonId, TenantId};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, Statement,
};
use serde::Serialize;

use crate::batch::{after_one_change, after_seat_postgres, execute_together};
use crate::entity::license;
use crate::entry::{EntryKind, NewEntry, append, append_statements};
use crate::error::{Error, Result, is_unique_violation};
use crate::handle::TenantLedger;
use crate::license::{License, LicenseSource, LicenseState, find_license, find_live};
use crate::pool::{
    claim_seat_statements, lock_pools, pool_full, release_seat, take_seat, take_seat_statement,
};
use crate::waitlist::dequeue;
use std::hash::{DefaultHasher, Hash, Hasher};

use rosterd_audit::Actor;
use rosterd_database::{StatementText, insert_one};

/// A revoked license and the licenses its freed seat gave to the waiting list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revoked {
    pub license: License,
    pub served: Vec<License>,
}

/// A license after a tier change, and what the freed seat of the old tier gave the waiting list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Changed {
    pub license: License,
    pub served: Vec<License>,
}

/// Assigns the person a license of `kind`, taking a seat. Idempotent: a person who already
/// holds a live license of that kind gets it back unchanged (whatever its source), and no
/// second seat is taken. A full pool is `Err(PoolFull)` with the pool's numbers. The person
/// leaves the kind's waiting list if they were on it.
pub async fn assign(
    ledger: &TenantLedger<'_, impl ConnectionTrait>,
    person: PersonId,
    kind: LicenseKind,
    source: LicenseSource,
    reason: &str,
) -> Result<License> {
    let (license, _) = assign_tracked(ledger, person, kind, source, reason).await?;
    Ok(license)
}

/// [`assign`], also saying whether a new license was made (`false`: the person held one).
pub(crate) async fn assign_tracked(
    ledger: &TenantLedger<'_, impl ConnectionTrait>,
    person: PersonId,
    kind: LicenseKind,
    source: LicenseSource,
    reason: &str,
) -> Result<(License, bool)> {
    let TenantLedger {
        db, clock, tenant, ..
    } = *ledger;
    if let Some(live) = find_live(db, tenant, person, kind).await? {
        return Ok((live, false));
    }
    match take_seat(db, clock, tenant, kind).await {
        Ok(()) => {}
        // A concurrent request may have just given this very person the last seat.
        Err(full @ Error::PoolFull { .. }) => {
            return match find_live(db, tenant, person, kind).await? {
                Some(live) => Ok((live, false)),
                None => Err(full),
            };
        }
        Err(other) => return Err(other),
    }
    // The pool row is now locked until commit, so this look sees any assignment to the same
    // person committed meanwhile; give the seat back rather than hit the unique index.
    if let Some(live) = find_live(db, tenant, person, kind).await? {
        release_seat(db, clock, tenant, kind).await?;
        return Ok((live, false));
    }
    let license = insert_assigned(ledger, person, kind, source, reason).await?;
    dequeue(db, tenant, person, kind).await?;
    Ok((license, true))
}

/// [`assign`] for a person created in the caller's transaction: nobody else can see them yet,
/// so they hold no license and wait on no list, and the idempotency look-ups are skipped. The
/// hot path of provisioning new users: the conditional UPDATE of the pool and three INSERTs, on
/// SQLite in one round trip (the inserts guarded on the seat having been taken). On PostgreSQL
/// one statement reads the pool, writes the three rows and a claim of the seat if it has a free
/// one, and the seat is taken at commit ([`claim_seat_statements`]): a commit that finds the
/// pool filled meanwhile fails as a serialization failure, and the caller's write runs again.
pub(crate) async fn assign_new(
    ledger: &TenantLedger<'_, impl ConnectionTrait>,
    person: PersonId,
    kind: LicenseKind,
    source: LicenseSource,
    reason: &str,
) -> Result<License> {
    let TenantLedger {
        db, clock, tenant, ..
    } = *ledger;
    let backend = db.get_database_backend();
    let (model, mut inserts) = assigned(ledger, person, kind, source, reason);
    if backend == DbBackend::Postgres {
        // The pool row is read, not locked; the claim takes the seat at commit.
        let (free, claim) = claim_seat_statements(clock, tenant, kind, &model.id);
        inserts.push(claim);
        if let Some(together) = seat_and_rows(&free, &inserts) {
            let taken: i64 = match db.query_one(together).await {
                Ok(Some(row)) => row.try_get("", "taken").map_err(Error::from)?,
                Ok(None) => 0,
                Err(err) => return Err(assign_failed(err)),
            };
            return match taken {
                1 => model.try_into(),
                // Full as committed: no claim can be settled against it.
                0 => Err(pool_full(db, tenant, kind).await),
                n => Err(Error::from(DbErr::Custom(format!(
                    "assigning a {kind} license took {n} seats"
                )))),
            };
        }
        inserts.pop();
    }
    let seat = take_seat_statement(backend, clock, tenant, kind);
    let guarded: Option<Vec<Statement>> = inserts.iter().map(after_one_change).collect();
    let Some(guarded) = guarded else {
        take_seat(db, clock, tenant, kind).await?;
        write_assigned(db, inserts).await?;
        return model.try_into();
    };
    let expected = 1 + guarded.len() as u64;
    let mut batch = vec![seat];
    batch.extend(guarded);
    match execute_together(db, batch).await {
        Ok(0) => Err(pool_full(db, tenant, kind).await),
        Ok(written) if written == expected => model.try_into(),
        Ok(written) => Err(Error::from(DbErr::Custom(format!(
            "assigning a {kind} license wrote {written} of {expected} rows"
        )))),
        Err(err) => Err(assign_failed(err)),
    }
}

/// Inserts an `assigned` license (its seat already taken) and appends its entry.
async fn insert_assigned(
    ledger: &TenantLedger<'_, impl ConnectionTrait>,
    person: PersonId,
    kind: LicenseKind,
    source: LicenseSource,
    reason: &str,
) -> Result<License> {
    let TenantLedger { db, .. } = *ledger;
    let (model, inserts) = assigned(ledger, person, kind, source, reason);
    write_assigned(db, inserts).await?;
    model.try_into()
}

/// An `assigned` license and the inserts that write it: the license, its entry's audit event
/// and the entry. Without RETURNING: the row is exactly what is written (SQLite would read it
/// back).
fn assigned(
    ledger: &TenantLedger<'_, impl ConnectionTrait>,
    person: PersonId,
    kind: LicenseKind,
    source: LicenseSource,
    reason: &str,
) -> (license::Model, Vec<Statement>) {
    let TenantLedger {
        clock,
        tenant,
        actor,
        ..
    } = *ledger;
    let backend = ledger.db.get_database_backend();
    let now = clock.now();
    let id = LicenseId::new();
    let model = license::Model {
        tenant_id: tenant.to_string(),
        id: id.to_string(),
        person_id: person.to_string(),
        license_kind: kind.slug().to_owned(),
        state: LicenseState::Assigned.as_str().to_owned(),
        source: source.to_string(),
        created_at: now,
        updated_at: now,
    };
    let mut entry = NewEntry::new(EntryKind::Assign, kind, actor, reason);
    entry.person = Some(person);
    entry.license = Some(id);
    entry.source = Some(source);
    let [audit, appended] = append_statements(backend, clock, tenant, entry);
    let license = license_insert(backend, model.clone());
    (model, vec![license, audit, appended])
}

/// The text of a new license's insert, built once ([`StatementText`]).
static LICENSE: StatementText = StatementText::new();

/// [`after_seat_postgres`] of the seat and the rows, its text built once per shape of theirs.
fn seat_and_rows(free: &Statement, inserts: &[Statement]) -> Option<Statement> {
    static TOGETHER: StatementText = StatementText::new();
    let mut shape = DefaultHasher::new();
    let mut values = Vec::new();
    for part in std::iter::once(free).chain(inserts) {
        part.sql.hash(&mut shape);
        values.extend(part.values.iter().flat_map(|v| v.0.iter().cloned()));
    }
    let built = TOGETHER.bind(DbBackend::Postgres, shape.finish(), values, || {
        after_seat_postgres(free, inserts)
            .unwrap_or_else(|| Statement::from_string(DbBackend::Postgres, String::new()))
    });
    (!built.sql.is_empty()).then_some(built)
}

/// The insert of a new license.
fn license_insert(backend: DbBackend, model: license::Model) -> Statement {
    insert_one(&LICENSE, backend, license::ActiveModel::from(model))
}

/// Runs the inserts of [`assigned`] together.
async fn write_assigned(db: &impl ConnectionTrait, inserts: Vec<Statement>) -> Result<()> {
    execute_together(db, inserts).await.map_err(assign_failed)?;
    Ok(())
}

/// Why writing an assigned license failed: a second live license of the kind (a concurrent
/// request won) is a conflict, to retry; anything else is the database's error.
fn assign_failed(err: DbErr) -> Error {
    if is_unique_violation(&err) {
        Error::Conflict
    } else {
        err.into()
    }
}

/// [`change`] without serving the old kind's waiting list (the caller does; `from != to`).
pub(crate) async fn change_seat(
    ledger: &TenantLedger<'_, impl ConnectionTrait>,
    person: PersonId,
    from: LicenseKind,
    to: LicenseKind,
    reason: &str,
) -> Result<License> {
    let TenantLedger {
        db,
        clock,
        tenant,
        actor,
    } = *ledger;
    if from.product() != to.product() {
        return Err(Error::WrongProduct {
            kind: to,
            product: from.product(),
        });
    }
    // Two pools change: lock them in one global order, so two people changing tiers in opposite
    // directions at once cannot deadlock; then look again, as a revoke or another change of this
    // person may have committed while we waited.
    lock_pools(db, clock, tenant, &[from, to]).await?;
    let live = find_live(db, tenant, person, from)
        .await?
        .ok_or(Error::NoLiveLicense { kind: from })?;
    if find_live(db, tenant, person, to).await?.is_some() {
        return Err(Error::AlreadyLicensed { kind: to });
    }
    take_seat(db, clock, tenant, to).await?;
    let now = clock.now();
    let updated = license::Entity::update_many()
        .col_expr(license::Column::LicenseKind, to.slug().into())
        .col_expr(license::Column::UpdatedAt, now.into())
        .filter(license::Column::TenantId.eq(tenant.to_string()))
        .filter(license::Column::Id.eq(live.id.to_string()))
        .filter(license::Column::LicenseKind.eq(from.slug()))
        .filter(license::Column::State.ne(LicenseState::Revoked.as_str()))
        .exec(db)
        .await;
    match updated {
        Ok(done) if done.rows_affected == 1 => {}
        Ok(_) => return Err(Error::Conflict),
        Err(err) if is_unique_violation(&err) => return Err(Error::Conflict),
        Err(err) => return Err(err.into()),
    }
    release_seat(db, clock, tenant, from).await?;
    let mut entry = NewEntry::new(EntryKind::Change, to, actor, reason);
    entry.from_license_kind = Some(from);
    entry.person = Some(person);
    entry.license = Some(live.id);
    append(db, clock, tenant, entry).await?;
    dequeue(db, tenant, person, to).await?;
    Ok(License {
        kind: to,
        updated_at: now,
        ..live
    })
}

/// Activates an assigned license (its holder accepted it); no seat changes. Activating an
/// active license returns it unchanged; a revoked one is `Err(LicenseRevoked)`.
pub async fn activate(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    license_id: LicenseId,
    actor: &Actor,
) -> Result<License> {
    let current = find_license(db, tenant, license_id).await?;
    match current.state {
        LicenseState::Active => return Ok(current),
        LicenseState::Revoked => return Err(Error::LicenseRevoked),
        LicenseState::Assigned => {}
    }
    let now = clock.now();
    let updated = license::Entity::update_many()
        .col_expr(license::Column::State, LicenseState::Active.as_str().into())
        .col_expr(license::Column::UpdatedAt, now.into())
        .filter(license::Column::TenantId.eq(tenant.to_string()))
        .filter(license::Column::Id.eq(license_id.to_string()))
        .filter(license::Column::State.eq(LicenseState::Assigned.as_str()))
        .exec(db)
        .await?;
    if updated.rows_affected == 0 {
        // Activated or revoked concurrently: answer with what it is now.
        let now_is = find_license(db, tenant, license_id).await?;
        return match now_is.state {
            LicenseState::Revoked => Err(Error::LicenseRevoked),
            _ => Ok(now_is),
        };
    }
    let mut entry = NewEntry::new(
        EntryKind::Activate,
        current.kind,
        actor,
        "activated by its holder",
    );
    entry.person = Some(current.person_id);
    entry.license = Some(license_id);
    append(db, clock, tenant, entry).await?;
    Ok(License {
        state: LicenseState::Active,
        updated_at: now,
        ..current
    })
}

/// Records that a license was asked for and refused (no seat). Depends on no other row, so it
/// can be written on its own connection after the refused request's transaction rolled back:
/// `person` may be `None` (a user whose creation was refused never existed), and `subject`
/// names them for the admin (e.g. the SCIM userName).
pub async fn record_refusal(
    ledger: &TenantLedger<'_, impl ConnectionTrait>,
    person: Option<PersonId>,
    subject: &str,
    kind: LicenseKind,
    reason: &str,
) -> Result<()> {
    let TenantLedger {
        db,
        clock,
        tenant,
        actor,
    } = *ledger;
    let mut entry = NewEntry::new(
        EntryKind::Refused,
        kind,
        actor,
        format!("{subject}: {reason}"),
    );
    entry.person = person;
    append(db, clock, tenant, entry).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use rosterd_domain::{Product, SystemClock};
    use sea_orm::QueryTrait;

    #[test]
    fn a_new_license_binds_what_sea_query_builds_and_keeps_its_text() {
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            for person in [PersonId::new(), PersonId::new()] {
                let model = license::Model {
                    tenant_id: TenantId::new().to_string(),
                    id: LicenseId::new().to_string(),
                    person_id: person.to_string(),
                    license_kind: LicenseKind::Learning.slug().to_owned(),
                    state: LicenseState::Assigned.as_str().to_owned(),
                    source: LicenseSource::Scim(Product::Learning).to_string(),
                    created_at: SystemClock.now(),
                    updated_at: SystemClock.now(),
                };
                let sea = license::Entity::insert(license::ActiveModel::from(model.clone()))
                    .build(backend);
                assert_eq!(license_insert(backend, model), sea);
            }
            assert!(LICENSE.is_kept(backend), "{backend:?}");
        }
    }
}
