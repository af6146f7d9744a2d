//! The reconcile algorithm on the database: the ledger's own functions, in the caller's
//! transaction. Also reads one product's part of the ledger for the planner, and applies a
//! policy change (save, re-evaluate everyone, report what changed).

use rosterd_domain::{Clock, LicenseKind, PersonId, Product, TenantId};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::model::{Holding, LedgerState, PoolNumbers, WaitingPerson};
use super::plan::{Plan, plan_policy};
use super::{Books, Candidate, Held, Mode, PolicySubject, Refusal, Seat, settle_all};
use crate::entity::{license, license_waitlist};
use crate::error::{Error, Result};
use crate::handle::TenantLedger;
use crate::license::{License, LicenseSource, LicenseState, licenses_of, scoped};
use crate::policy::{LicensePolicy, StoredPolicy, set_policy};
use crate::waitlist::WaitKey;
use rosterd_audit::Actor;

/// Settles `candidates` of the product app in the caller's transaction (see [`super`]).
/// `Ok(Some(refusal))`: the request must be refused whole; roll back.
pub async fn reconcile(
    ledger: &TenantLedger<'_, impl ConnectionTrait>,
    product: Product,
    candidates: Vec<Candidate>,
    mode: Mode,
) -> Result<Option<Refusal>> {
    let TenantLedger {
        db,
        clock,
        tenant,
        actor,
    } = *ledger;
    let mut books = Db {
        db,
        clock,
        tenant,
        product,
        actor,
    };
    settle_all(&mut books, product, candidates, mode).await
}

/// One product app's part of the ledger, for the planner.
pub async fn ledger_state(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    product: Product,
) -> Result<LedgerState> {
    let kinds: Vec<&str> = product.license_kinds().iter().map(|k| k.slug()).collect();
    let pools = crate::pool::pools(db, tenant)
        .await?
        .into_iter()
        .filter(|p| p.license_kind.product() == product)
        .map(|p| {
            let numbers = PoolNumbers {
                capacity: p.capacity,
                in_use: p.in_use,
            };
            (p.license_kind, numbers)
        })
        .collect();
    let licenses = scoped(tenant)
        .filter(license::Column::LicenseKind.is_in(kinds.iter().copied()))
        .filter(license::Column::State.ne(LicenseState::Revoked.as_str()))
        .order_by_asc(license::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|row| {
            let l = License::try_from(row)?;
            Ok(Holding {
                id: l.id.to_string(),
                person: l.person_id,
                kind: l.kind,
                source: l.source,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let waiting = license_waitlist::Entity::find()
        .filter(license_waitlist::Column::TenantId.eq(tenant.to_string()))
        .filter(license_waitlist::Column::LicenseKind.is_in(kinds.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|row| {
            let w = crate::waitlist::Waiting::try_from(row)?;
            Ok(WaitingPerson {
                person: w.person_id,
                kind: w.kind,
                key: w.key,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(LedgerState {
        pools,
        licenses,
        waiting,
    })
}

/// What saving `policy` would do to `subjects` (everyone the app provisions), read from the
/// database; changes nothing.
pub async fn preview_policy(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    product: Product,
    policy: &LicensePolicy,
    subjects: &[PolicySubject],
) -> Result<Plan> {
    let state = ledger_state(db, tenant, product).await?;
    Ok(plan_policy(&state, product, policy, subjects))
}

/// Saves `policy` and re-evaluates `subjects` (everyone the app provisions) against it, in the
/// caller's transaction (which should also have read the subjects); returns the stored policy
/// and what changed, as read back from the database.
pub async fn apply_policy(
    ledger: &TenantLedger<'_, impl ConnectionTrait>,
    product: Product,
    policy: &LicensePolicy,
    subjects: &[PolicySubject],
) -> Result<(StoredPolicy, Plan)> {
    let TenantLedger {
        db, clock, tenant, ..
    } = *ledger;
    let stored = set_policy(db, clock, tenant, product, policy).await?;
    let before = ledger_state(db, tenant, product).await?;
    let candidates = subjects.iter().map(|s| s.candidate(policy)).collect();
    reconcile(ledger, product, candidates, Mode::Group).await?;
    let after = ledger_state(db, tenant, product).await?;
    let names = subjects
        .iter()
        .map(|s| (s.person, s.name.clone()))
        .collect();
    Ok((
        stored,
        Plan::between(&before, &after, &names, subjects.len()),
    ))
}

/// The ledger as [`Books`].
struct Db<'a, C> {
    db: &'a C,
    clock: &'a dyn Clock,
    tenant: TenantId,
    product: Product,
    actor: &'a Actor,
}

fn seat<T>(result: Result<T>) -> Result<Seat> {
    match result {
        Ok(_) => Ok(Seat::Taken),
        Err(Error::PoolFull {
            in_use, capacity, ..
        }) => Ok(Seat::Full { in_use, capacity }),
        Err(other) => Err(other),
    }
}

impl<C: ConnectionTrait> Books for Db<'_, C> {
    async fn live(&mut self, person: PersonId) -> Result<Vec<Held>> {
        Ok(licenses_of(self.db, self.tenant, person)
            .await?
            .into_iter()
            .filter(|l| l.state.is_live() && l.kind.product() == self.product)
            .map(|l| Held {
                kind: l.kind,
                source: l.source,
            })
            .collect())
    }

    async fn free(&mut self, kind: LicenseKind) -> Result<i64> {
        Ok(crate::pool::pools(self.db, self.tenant)
            .await?
            .into_iter()
            .find(|p| p.license_kind == kind)
            .map_or(0, |p| p.free()))
    }

    async fn dequeue(&mut self, person: PersonId, kind: LicenseKind) -> Result<()> {
        crate::waitlist::dequeue(self.db, self.tenant, person, kind).await?;
        Ok(())
    }

    async fn revoke(&mut self, person: PersonId, kind: LicenseKind, reason: &str) -> Result<()> {
        crate::release::revoke(
            &TenantLedger::new(self.db, self.clock, self.tenant, self.actor),
            person,
            kind,
            reason,
        )
        .await?;
        Ok(())
    }

    async fn adopt(&mut self, person: PersonId, kind: LicenseKind, reason: &str) -> Result<()> {
        crate::manual::adopt(
            &TenantLedger::new(self.db, self.clock, self.tenant, self.actor),
            person,
            kind,
            self.product,
            reason,
        )
        .await?;
        Ok(())
    }

    async fn change(
        &mut self,
        person: PersonId,
        from: LicenseKind,
        to: LicenseKind,
        reason: &str,
    ) -> Result<Seat> {
        seat(
            crate::release::change(
                &TenantLedger::new(self.db, self.clock, self.tenant, self.actor),
                person,
                from,
                to,
                reason,
            )
            .await,
        )
    }

    async fn assign(
        &mut self,
        person: PersonId,
        kind: LicenseKind,
        fresh: bool,
        reason: &str,
    ) -> Result<Seat> {
        let source = LicenseSource::Scim(self.product);
        let (db, clock, tenant, actor) = (self.db, self.clock, self.tenant, self.actor);
        if fresh {
            let ledger = TenantLedger::new(db, clock, tenant, actor);
            return seat(crate::provision::assign_new(&ledger, person, kind, source, reason).await);
        }
        seat(
            crate::provision::assign(
                &TenantLedger::new(db, clock, tenant, actor),
                person,
                kind,
                source,
                reason,
            )
            .await,
        )
    }

    async fn enqueue(
        &mut self,
        person: PersonId,
        kind: LicenseKind,
        key: &WaitKey,
        reason: &str,
    ) -> Result<()> {
        crate::waitlist::enqueue(
            &TenantLedger::new(self.db, self.clock, self.tenant, self.actor),
            person,
            kind,
            key,
            self.product,
            reason,
        )
        .await?;
        Ok(())
    }

    async fn serve(&mut self, kind: LicenseKind) -> Result<()> {
        crate::serving::serve_waitlist(self.db, self.clock, self.tenant, kind, self.actor).await?;
        Ok(())
    }
}
