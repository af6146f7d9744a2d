//! `ledger verify`: recompute every license and every pool from the ledger entries alone and
//! compare with the tables. Entries are replayed in `seq` (commit) order; see [`crate::entry`].

use std::collections::BTreeMap;

use rosterd_domain::{LicenseId, LicenseKind, PersonId, TenantId};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;

use crate::entity::seat_pool;
use crate::entry::{Entry, EntryKind, entries_in_order};
use crate::error::{Error, Result};
use crate::license::{License, LicenseSource, LicenseState};

/// The outcome of a replay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// True when the tables are exactly what the ledger says.
    pub clean: bool,
    /// Each difference, in words an operator can act on.
    pub differences: Vec<String>,
    /// How many entries were replayed.
    pub entries: usize,
    /// How many licenses the tables hold.
    pub licenses: usize,
}

/// A license as the ledger says it is.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Replayed {
    person: Option<PersonId>,
    kind: LicenseKind,
    state: LicenseState,
    source: Option<LicenseSource>,
}

/// A pool as the ledger says it is.
#[derive(Debug, Clone, Copy, Default)]
struct Numbers {
    capacity: i64,
    in_use: i64,
}

#[derive(Default)]
struct Replay {
    licenses: BTreeMap<LicenseId, Replayed>,
    pools: BTreeMap<LicenseKind, Numbers>,
    differences: Vec<String>,
}

impl Replay {
    fn seat(&mut self, kind: LicenseKind, by: i64, seq: i64) {
        let pool = self.pools.entry(kind).or_default();
        pool.in_use += by;
        if pool.in_use > pool.capacity || pool.in_use < 0 {
            self.differences.push(format!(
                "entry #{seq}: the ledger puts {kind} at {} of {} seats",
                pool.in_use, pool.capacity
            ));
        }
    }

    fn apply(&mut self, e: &Entry) {
        let seq = e.seq;
        if e.kind == EntryKind::CapacityChange {
            match e.capacity_after {
                Some(after) => self.pools.entry(e.license_kind).or_default().capacity = after,
                None => self.note(seq, "a capacity change without the new capacity"),
            }
            return;
        }
        if matches!(e.kind, EntryKind::Refused | EntryKind::Waiting) {
            return;
        }
        let Some(id) = e.license_id else {
            let message = format!("{} entry names no license", e.kind.as_str());
            return self.note(seq, &message);
        };
        if e.kind == EntryKind::Assign {
            if self.licenses.contains_key(&id) {
                return self.note(seq, &format!("license {id} is assigned a second time"));
            }
            let replayed = Replayed {
                person: e.person_id,
                kind: e.license_kind,
                state: LicenseState::Assigned,
                source: e.license_source,
            };
            self.licenses.insert(id, replayed);
            return self.seat(e.license_kind, 1, seq);
        }
        let Some(license) = self.licenses.get_mut(&id) else {
            return self.note(
                seq,
                &format!("{} of license {id}, never assigned", e.kind.as_str()),
            );
        };
        let before = license.state;
        let (next, from) = match e.kind {
            EntryKind::Activate => (LicenseState::Active, None),
            EntryKind::Revoke => (LicenseState::Revoked, None),
            EntryKind::Change => (before, e.from_license_kind),
            _ => (before, None),
        };
        if next != before && !before.can_become(next) {
            let message = format!("license {id} moves from {before} to {next}");
            return self.note(seq, &message);
        }
        license.state = next;
        let held = license.kind;
        match e.kind {
            EntryKind::Adopt => license.source = e.license_source,
            EntryKind::Change => license.kind = e.license_kind,
            _ => {}
        }
        match e.kind {
            EntryKind::Revoke => self.seat(held, -1, seq),
            EntryKind::Change => {
                if from != Some(held) || !before.is_live() {
                    let message = format!("license {id} changes from a kind it does not hold");
                    return self.note(seq, &message);
                }
                self.seat(e.license_kind, 1, seq);
                self.seat(held, -1, seq);
            }
            _ => {}
        }
    }

    fn note(&mut self, seq: i64, what: &str) {
        self.differences.push(format!("entry #{seq}: {what}"));
    }
}

/// Replays the tenant's ledger and compares every license (person, kind, state, source) and
/// every pool (capacity, seats in use, and seats in use against the live licenses) with the
/// tables.
pub async fn verify(db: &impl ConnectionTrait, tenant: TenantId) -> Result<VerifyReport> {
    let entries = entries_in_order(db, tenant).await?;
    let mut replay = Replay::default();
    for entry in &entries {
        replay.apply(entry);
    }
    let licenses: Vec<License> = crate::license::scoped(tenant)
        .all(db)
        .await?
        .into_iter()
        .map(License::try_from)
        .collect::<Result<_>>()?;
    let pools = seat_pool::Entity::find()
        .filter(seat_pool::Column::TenantId.eq(tenant.to_string()))
        .all(db)
        .await?;
    let mut differences = std::mem::take(&mut replay.differences);
    let mut live: BTreeMap<LicenseKind, i64> = BTreeMap::new();
    for l in &licenses {
        if l.state.is_live() {
            *live.entry(l.kind).or_default() += 1;
        }
        let table = Replayed {
            person: Some(l.person_id),
            kind: l.kind,
            state: l.state,
            source: Some(l.source),
        };
        match replay.licenses.remove(&l.id) {
            None => differences.push(format!(
                "license {}: in the table ({} {}), not in the ledger",
                l.id, l.state, l.kind
            )),
            Some(ledger) if ledger != table => differences.push(format!(
                "license {}: the table says {}, the ledger says {}",
                l.id,
                describe(&table),
                describe(&ledger)
            )),
            Some(_) => {}
        }
    }
    for (id, ledger) in &replay.licenses {
        differences.push(format!(
            "license {id}: in the ledger ({}), not in the table",
            describe(ledger)
        ));
    }
    for pool in &pools {
        let kind: LicenseKind = pool
            .license_kind
            .parse()
            .map_err(|_| Error::corrupt("license kind", &pool.license_kind))?;
        let ledger = replay.pools.get(&kind).copied().unwrap_or_default();
        let live = live.get(&kind).copied().unwrap_or_default();
        if pool.capacity != ledger.capacity {
            differences.push(format!(
                "pool {kind}: capacity is {} in the table, {} in the ledger",
                pool.capacity, ledger.capacity
            ));
        }
        if pool.in_use != ledger.in_use {
            differences.push(format!(
                "pool {kind}: {} seats in use in the table, {} in the ledger",
                pool.in_use, ledger.in_use
            ));
        }
        if pool.in_use != live {
            differences.push(format!(
                "pool {kind}: {} seats in use in the table, but {live} live licenses",
                pool.in_use
            ));
        }
    }
    Ok(VerifyReport {
        clean: differences.is_empty(),
        differences,
        entries: entries.len(),
        licenses: licenses.len(),
    })
}

fn describe(l: &Replayed) -> String {
    let person = l
        .person
        .map_or_else(|| "nobody".to_owned(), |p| p.to_string());
    let source = l
        .source
        .map_or_else(|| "no source".to_owned(), |s| s.to_string());
    format!("{} {} of person {person} ({source})", l.state, l.kind)
}
