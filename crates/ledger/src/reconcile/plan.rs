//! What a policy change does, per pool: the difference between the ledger before and after,
//! with names. The same shape describes a preview (the planner's after) and an outcome (the
//! database's after), so an admin reads both the same way.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rosterd_domain::{LicenseKind, PersonId, Product};
use serde::Serialize;

use super::model::{Holding, LedgerState, Names, simulate};
use super::{Mode, PolicySubject};
use crate::license::LicenseSource;
use crate::policy::LicensePolicy;

/// A person, named for an admin.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Named {
    pub name: String,
    pub person_id: PersonId,
}

/// Someone whose license moves into this pool from another tier.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ChangedIn {
    pub name: String,
    pub person_id: PersonId,
    pub from: LicenseKind,
}

/// One pool's part of a plan. Lists are sorted by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PoolPlan {
    pub kind: LicenseKind,
    pub capacity: i64,
    pub in_use_before: i64,
    pub in_use_after: i64,
    /// New licenses of this kind.
    pub assigned: Vec<Named>,
    /// Licenses changed to this kind from another tier.
    pub changed: Vec<ChangedIn>,
    /// Licenses of this kind taken away.
    pub revoked: Vec<Named>,
    /// Manual licenses of this kind the SCIM app takes over.
    pub adopted: Vec<Named>,
    /// People newly on this kind's waiting list.
    pub waiting: Vec<Named>,
    /// People who leave the waiting list without a seat (no longer eligible).
    pub left_waiting: Vec<Named>,
    /// How many wait for this kind afterwards.
    pub waiting_after: usize,
}

impl PoolPlan {
    /// Whether nothing changes in this pool.
    pub fn is_empty(&self) -> bool {
        self.assigned.is_empty()
            && self.changed.is_empty()
            && self.revoked.is_empty()
            && self.adopted.is_empty()
            && self.waiting.is_empty()
            && self.left_waiting.is_empty()
    }
}

/// What a policy change does (or did), per pool of the product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// How many people were evaluated.
    pub people: usize,
    pub pools: Vec<PoolPlan>,
}

impl Plan {
    /// Whether nothing changes at all.
    pub fn is_empty(&self) -> bool {
        self.pools.iter().all(PoolPlan::is_empty)
    }

    /// The difference between two states of one product's ledger.
    pub(crate) fn between(
        before: &LedgerState,
        after: &LedgerState,
        names: &Names,
        people: usize,
    ) -> Plan {
        let named = |person: PersonId| Named {
            name: names
                .get(&person)
                .cloned()
                .unwrap_or_else(|| person.to_string()),
            person_id: person,
        };
        let kinds: BTreeSet<LicenseKind> = before
            .pools
            .keys()
            .chain(after.pools.keys())
            .copied()
            .collect();
        let mut pools: BTreeMap<LicenseKind, PoolPlan> = kinds
            .into_iter()
            .map(|kind| {
                let b = before.pools.get(&kind).copied().unwrap_or_default();
                let a = after.pools.get(&kind).copied().unwrap_or_default();
                let plan = PoolPlan {
                    kind,
                    capacity: a.capacity,
                    in_use_before: b.in_use,
                    in_use_after: a.in_use,
                    assigned: Vec::new(),
                    changed: Vec::new(),
                    revoked: Vec::new(),
                    adopted: Vec::new(),
                    waiting: Vec::new(),
                    left_waiting: Vec::new(),
                    waiting_after: after.waiting.iter().filter(|w| w.kind == kind).count(),
                };
                (kind, plan)
            })
            .collect();
        let by_id = |state: &LedgerState| -> HashMap<String, Holding> {
            state
                .licenses
                .iter()
                .map(|l| (l.id.clone(), l.clone()))
                .collect()
        };
        let (was, is) = (by_id(before), by_id(after));
        for (id, old) in &was {
            let Some(pool) = pools.get_mut(&old.kind) else {
                continue;
            };
            if !is.contains_key(id) {
                pool.revoked.push(named(old.person));
            }
        }
        for (id, new) in &is {
            let Some(pool) = pools.get_mut(&new.kind) else {
                continue;
            };
            match was.get(id) {
                None => pool.assigned.push(named(new.person)),
                Some(old) => {
                    if old.source == LicenseSource::Manual && new.source != LicenseSource::Manual {
                        pool.adopted.push(named(new.person));
                    }
                    if old.kind != new.kind {
                        let n = named(new.person);
                        pool.changed.push(ChangedIn {
                            name: n.name,
                            person_id: n.person_id,
                            from: old.kind,
                        });
                    }
                }
            }
        }
        let waits = |state: &LedgerState| -> BTreeSet<(PersonId, LicenseKind)> {
            state.waiting.iter().map(|w| (w.person, w.kind)).collect()
        };
        let (waited, waits_now) = (waits(before), waits(after));
        let holds = |person: PersonId, kind: LicenseKind| {
            after
                .licenses
                .iter()
                .any(|l| l.person == person && l.kind == kind)
        };
        for (person, kind) in waits_now.difference(&waited) {
            if let Some(pool) = pools.get_mut(kind) {
                pool.waiting.push(named(*person));
            }
        }
        for (person, kind) in waited.difference(&waits_now) {
            if holds(*person, *kind) {
                continue;
            }
            if let Some(pool) = pools.get_mut(kind) {
                pool.left_waiting.push(named(*person));
            }
        }
        let mut pools: Vec<PoolPlan> = pools.into_values().collect();
        for pool in &mut pools {
            pool.assigned.sort();
            pool.changed.sort();
            pool.revoked.sort();
            pool.adopted.sort();
            pool.waiting.sort();
            pool.left_waiting.sort();
        }
        Plan { people, pools }
    }
}

/// What saving `policy` would do to the app's people (`subjects`, everyone it provisions), from
/// `state`. Pure.
pub fn plan_policy(
    state: &LedgerState,
    product: Product,
    policy: &LicensePolicy,
    subjects: &[PolicySubject],
) -> Plan {
    let candidates = subjects.iter().map(|s| s.candidate(policy)).collect();
    let names = subjects
        .iter()
        .map(|s| (s.person, s.name.clone()))
        .collect();
    let (after, _) = simulate(state, product, candidates, Mode::Group);
    Plan::between(state, &after, &names, subjects.len())
}
