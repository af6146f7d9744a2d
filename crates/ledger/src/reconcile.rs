//! Re-evaluating people against their product app's policy and making the ledger agree: assign,
//! adopt a manual license, change tier, revoke, or wait. One algorithm ([`settle_all`]) serves
//! both a SCIM write (a few people, in the write's transaction) and a policy change (everyone
//! the app provisions): it runs against the database ([`db`]) to apply, and against an
//! in-memory copy of the ledger ([`model`]) to plan, so a preview says exactly what applying
//! would do.
//!
//! The order of one pass:
//! 1. Everyone leaves the waiting lists of kinds they no longer want.
//! 2. People who want nothing lose their SCIM-owned licenses (freed seats serve waiting lists).
//! 3. Tier changes and adoptions: a manual license is adopted when its holder becomes eligible;
//!    a tier change secures the new seat before releasing the old, and when the new pool is
//!    full the person keeps the old license and waits on the new tier's list.
//! 4. New seats. In [`Mode::Group`], when more people want a kind than its pool has free seats,
//!    they all go on the waiting list, which is then served once, so seats go out in serving
//!    order (employee number, family, given name), not in the order of the request.

pub(crate) mod db;
pub(crate) mod model;
pub(crate) mod plan;

use std::collections::BTreeMap;

use rosterd_domain::{LicenseKind, PersonId, Product};
use serde::Serialize;

use crate::error::Result;
use crate::license::LicenseSource;
use crate::policy::{Basis, Eligibility, LicensePolicy, Subject, eligible_kind};
use crate::waitlist::WaitKey;

pub use db::{apply_policy, ledger_state, preview_policy, reconcile};
pub use model::LedgerState;
pub use plan::{Named, Plan, PoolPlan, plan_policy};

/// What asked for the re-evaluation, which decides what a full pool does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A user created or reactivated: a full pool refuses an every-user license.
    Request,
    /// A user already active changed: a full pool makes them wait.
    Background,
    /// A group's members or name changed, or the policy did: full pools make people wait,
    /// served in order.
    Group,
}

/// One person to settle: who, how to name them, and what they should hold (`None`: nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub person: PersonId,
    pub name: String,
    pub target: Option<(Eligibility, WaitKey)>,
    /// The person was created by this very request: they hold no license and wait on no list,
    /// so their lookups are skipped (the hot path of provisioning new users).
    pub fresh: bool,
}

/// A person as a policy sees them, gathered from the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicySubject {
    pub person: PersonId,
    /// How to name them to an admin (the SCIM userName).
    pub name: String,
    pub active: bool,
    pub subject: Subject,
    pub key: WaitKey,
}

impl PolicySubject {
    /// The candidate this subject is under `policy`.
    pub fn candidate(&self, policy: &LicensePolicy) -> Candidate {
        Candidate {
            person: self.person,
            name: self.name.clone(),
            target: eligible_kind(policy, &self.subject, self.active)
                .map(|e| (e, self.key.clone())),
            fresh: false,
        }
    }
}

/// A request refused because an every-user license found its pool full (only in
/// [`Mode::Request`]); the caller rolls its transaction back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    pub kind: LicenseKind,
    /// The person's name as the candidate gave it.
    pub subject: String,
    pub in_use: i64,
    pub capacity: i64,
}

/// A live license as the algorithm sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Held {
    pub kind: LicenseKind,
    pub source: LicenseSource,
}

/// Whether a seat was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seat {
    Taken,
    Full { in_use: i64, capacity: i64 },
}

/// The ledger operations the algorithm needs, for one product app. Implemented on the database
/// (the real ledger functions) and on the in-memory model, which mirrors their rules: freed
/// seats serve waiting lists, a waiting tier change is served as a change.
pub(crate) trait Books {
    /// The person's live licenses of the product, oldest first.
    async fn live(&mut self, person: PersonId) -> Result<Vec<Held>>;
    async fn free(&mut self, kind: LicenseKind) -> Result<i64>;
    async fn dequeue(&mut self, person: PersonId, kind: LicenseKind) -> Result<()>;
    /// Revokes and serves the kind's waiting list with the freed seat.
    async fn revoke(&mut self, person: PersonId, kind: LicenseKind, reason: &str) -> Result<()>;
    async fn adopt(&mut self, person: PersonId, kind: LicenseKind, reason: &str) -> Result<()>;
    /// Changes tier (new seat first) and serves the old kind's waiting list.
    async fn change(
        &mut self,
        person: PersonId,
        from: LicenseKind,
        to: LicenseKind,
        reason: &str,
    ) -> Result<Seat>;
    /// Assigns a new seat. `fresh`: the person was created by this request, so cannot hold
    /// the kind already (the database may skip its idempotency look-ups).
    async fn assign(
        &mut self,
        person: PersonId,
        kind: LicenseKind,
        fresh: bool,
        reason: &str,
    ) -> Result<Seat>;
    async fn enqueue(
        &mut self,
        person: PersonId,
        kind: LicenseKind,
        key: &WaitKey,
        reason: &str,
    ) -> Result<()>;
    async fn serve(&mut self, kind: LicenseKind) -> Result<()>;
}

/// Someone who needs a new seat.
struct Need {
    person: PersonId,
    name: String,
    eligibility: Eligibility,
    key: WaitKey,
    fresh: bool,
}

/// Settles every candidate (see the module documentation). `Ok(Some(refusal))`: the request
/// must be refused whole (only in [`Mode::Request`]).
pub(crate) async fn settle_all<B: Books>(
    books: &mut B,
    product: Product,
    mut candidates: Vec<Candidate>,
    mode: Mode,
) -> Result<Option<Refusal>> {
    for candidate in candidates.iter().filter(|c| !c.fresh) {
        let wanted = candidate.target.as_ref().map(|(e, _)| e.kind);
        for kind in product.license_kinds() {
            if Some(*kind) != wanted {
                books.dequeue(candidate.person, *kind).await?;
            }
        }
    }
    candidates.sort_by_key(|c| c.target.is_some());
    let mut needs: BTreeMap<LicenseKind, Vec<Need>> = BTreeMap::new();
    for candidate in candidates {
        if let Some(need) = settle(books, product, candidate).await? {
            needs.entry(need.eligibility.kind).or_default().push(need);
        }
    }
    for (kind, wanting) in needs {
        // Only a group change hands seats out in serving order, so only it asks for the count.
        let many = mode == Mode::Group
            && i64::try_from(wanting.len()).unwrap_or(i64::MAX) > books.free(kind).await?;
        for need in &wanting {
            let why = reason(product, &need.eligibility);
            if many {
                let why = format!("{}: {why}; the pool is full", need.name);
                books.enqueue(need.person, kind, &need.key, &why).await?;
                continue;
            }
            match books.assign(need.person, kind, need.fresh, &why).await? {
                Seat::Taken => {}
                Seat::Full { in_use, capacity }
                    if mode == Mode::Request && !need.eligibility.waits_when_full() =>
                {
                    return Ok(Some(Refusal {
                        kind,
                        subject: need.name.clone(),
                        in_use,
                        capacity,
                    }));
                }
                Seat::Full { .. } => {
                    let why = format!("{}: {why}; the pool is full", need.name);
                    books.enqueue(need.person, kind, &need.key, &why).await?;
                }
            }
        }
        if many {
            books.serve(kind).await?;
        }
    }
    Ok(None)
}

/// Why someone gets a license, for the ledger entry.
fn reason(product: Product, eligibility: &Eligibility) -> String {
    match eligibility.basis {
        Basis::EveryUser => format!(
            "provisioned through the {} SCIM app",
            product.display_name()
        ),
        Basis::Rule(n) => format!("matches license rule {}", n + 1),
    }
}

/// Revokes, adopts or changes tier for one person; returns what still needs a new seat.
async fn settle<B: Books>(
    books: &mut B,
    product: Product,
    candidate: Candidate,
) -> Result<Option<Need>> {
    let Candidate {
        person,
        name,
        target,
        fresh,
    } = candidate;
    let live = if fresh {
        Vec::new()
    } else {
        books.live(person).await?
    };
    let Some((eligibility, key)) = target else {
        for license in live
            .iter()
            .filter(|l| l.source == LicenseSource::Scim(product))
        {
            let why = format!("{name}: no longer eligible (inactive, deleted or out of scope)");
            books.revoke(person, license.kind, &why).await?;
        }
        return Ok(None);
    };
    let kind = eligibility.kind;
    let held = live
        .iter()
        .find(|l| l.kind == kind)
        .or_else(|| live.first());
    let Some(held) = held else {
        return Ok(Some(Need {
            person,
            name,
            eligibility,
            key,
            fresh,
        }));
    };
    if held.source == LicenseSource::Manual {
        let why = format!("{name}: became eligible through SCIM");
        books.adopt(person, held.kind, &why).await?;
    }
    if held.kind != kind {
        let why = format!("{name}: license rules now give {}", kind.display_name());
        if let Seat::Full { in_use, capacity } = books.change(person, held.kind, kind, &why).await?
        {
            // Keep the old tier and wait for the new one: served as a change when a seat frees.
            let why = format!(
                "{name}: license rules now give {}; keeps {} while the pool is full \
                 ({in_use} of {capacity} seats assigned)",
                kind.display_name(),
                held.kind.display_name()
            );
            books.enqueue(person, kind, &key, &why).await?;
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests;
