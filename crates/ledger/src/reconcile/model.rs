//! The planner: the reconcile algorithm run on an in-memory copy of one product app's part of
//! the ledger (pools, live licenses, waiting lists). Pure: no database, no clock. The copy's
//! operations follow the ledger's own rules (see [`crate::provision`] and [`crate::waitlist`]),
//! so the plan is what applying would do, barring concurrent changes.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use rosterd_domain::{LicenseKind, PersonId, Product};
use serde::Serialize;

use super::{Books, Candidate, Held, Mode, Refusal, Seat, settle_all};
use crate::error::Result;
use crate::license::LicenseSource;
use crate::waitlist::WaitKey;
use crate::waitlist::order::serving_order;

/// A pool's numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PoolNumbers {
    pub capacity: i64,
    pub in_use: i64,
}

/// A live license: `id` tells licenses apart (the license id; `new-N` for one the planner
/// made), so a tier change is told from a revoke and an assign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    pub id: String,
    pub person: PersonId,
    pub kind: LicenseKind,
    pub source: LicenseSource,
}

/// Someone on a waiting list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingPerson {
    pub person: PersonId,
    pub kind: LicenseKind,
    pub key: WaitKey,
}

/// One product app's part of the ledger: its pools, live licenses (oldest first) and waiting
/// lists. Read with [`super::ledger_state`]; built by hand in tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerState {
    pub pools: BTreeMap<LicenseKind, PoolNumbers>,
    pub licenses: Vec<Holding>,
    pub waiting: Vec<WaitingPerson>,
}

/// Runs the algorithm on a copy of `state`; returns the state after, and any refusal.
pub(crate) fn simulate(
    state: &LedgerState,
    product: Product,
    candidates: Vec<Candidate>,
    mode: Mode,
) -> (LedgerState, Option<Refusal>) {
    let mut books = Model {
        state: state.clone(),
        product,
        made: 0,
    };
    let refusal = run_ready(settle_all(&mut books, product, candidates, mode)).unwrap_or_default();
    (books.state, refusal)
}

/// Runs a future that never waits (the model's operations are synchronous) to completion.
fn run_ready<T>(future: impl Future<Output = Result<T>>) -> Result<T> {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(out) => out,
        // Unreachable: nothing in the model awaits anything that can be pending.
        Poll::Pending => Err(crate::error::Error::corrupt("planner", "pending")),
    }
}

/// The in-memory ledger.
struct Model {
    state: LedgerState,
    product: Product,
    /// Licenses made so far (for their `new-N` ids).
    made: usize,
}

impl Model {
    fn pool(&mut self, kind: LicenseKind) -> &mut PoolNumbers {
        self.state.pools.entry(kind).or_default()
    }

    fn take_seat(&mut self, kind: LicenseKind) -> Seat {
        let pool = self.pool(kind);
        if pool.in_use >= pool.capacity {
            return Seat::Full {
                in_use: pool.in_use,
                capacity: pool.capacity,
            };
        }
        pool.in_use += 1;
        Seat::Taken
    }

    fn release_seat(&mut self, kind: LicenseKind) {
        let pool = self.pool(kind);
        pool.in_use = (pool.in_use - 1).max(0);
    }

    fn live_index(&self, person: PersonId, kind: LicenseKind) -> Option<usize> {
        self.state
            .licenses
            .iter()
            .position(|l| l.person == person && l.kind == kind)
    }

    fn remove_waiting(&mut self, person: PersonId, kind: LicenseKind) {
        self.state
            .waiting
            .retain(|w| !(w.person == person && w.kind == kind));
    }

    fn new_license(&mut self, person: PersonId, kind: LicenseKind, source: LicenseSource) {
        self.made += 1;
        self.state.licenses.push(Holding {
            id: format!("new-{}", self.made),
            person,
            kind,
            source,
        });
    }

    /// [`crate::provision::change_seat`]: the new seat first, then the old one back.
    fn change_seat(&mut self, person: PersonId, from: LicenseKind, to: LicenseKind) -> Seat {
        let Some(index) = self.live_index(person, from) else {
            return Seat::Taken;
        };
        if self.live_index(person, to).is_some() {
            return Seat::Taken;
        }
        if let full @ Seat::Full { .. } = self.take_seat(to) {
            return full;
        }
        self.state.licenses[index].kind = to;
        self.release_seat(from);
        self.remove_waiting(person, to);
        Seat::Taken
    }

    /// [`crate::serving::serve_waitlist`], including tier changes and their cascades.
    fn serve_all(&mut self, kind: LicenseKind) {
        let mut pending = vec![kind];
        while let Some(kind) = pending.pop() {
            self.serve_one(kind, &mut pending);
        }
    }

    fn serve_one(&mut self, kind: LicenseKind, pending: &mut Vec<LicenseKind>) {
        let pool = self.pool(kind);
        if pool.in_use >= pool.capacity {
            return;
        }
        let mut list: Vec<WaitingPerson> = self
            .state
            .waiting
            .iter()
            .filter(|w| w.kind == kind)
            .cloned()
            .collect();
        list.sort_by(|a, b| serving_order((&a.key, a.person), (&b.key, b.person)));
        let source = LicenseSource::Scim(self.product);
        for waiting in list {
            let person = waiting.person;
            if self.live_index(person, kind).is_some() {
                self.remove_waiting(person, kind);
                continue;
            }
            let other = self
                .state
                .licenses
                .iter()
                .find(|l| l.person == person && l.kind != kind && l.source == source)
                .map(|l| l.kind);
            if let Some(other) = other {
                match self.change_seat(person, other, kind) {
                    Seat::Taken => pending.push(other),
                    Seat::Full { .. } => break,
                }
                continue;
            }
            match self.take_seat(kind) {
                Seat::Taken => {
                    self.new_license(person, kind, source);
                    self.remove_waiting(person, kind);
                }
                Seat::Full { .. } => break,
            }
        }
    }
}

impl Books for Model {
    async fn live(&mut self, person: PersonId) -> Result<Vec<Held>> {
        Ok(self
            .state
            .licenses
            .iter()
            .filter(|l| l.person == person)
            .map(|l| Held {
                kind: l.kind,
                source: l.source,
            })
            .collect())
    }

    async fn free(&mut self, kind: LicenseKind) -> Result<i64> {
        let pool = self.pool(kind);
        Ok(pool.capacity - pool.in_use)
    }

    async fn dequeue(&mut self, person: PersonId, kind: LicenseKind) -> Result<()> {
        self.remove_waiting(person, kind);
        Ok(())
    }

    async fn revoke(&mut self, person: PersonId, kind: LicenseKind, _reason: &str) -> Result<()> {
        if let Some(index) = self.live_index(person, kind) {
            self.state.licenses.remove(index);
            self.release_seat(kind);
            self.serve_all(kind);
        }
        Ok(())
    }

    async fn adopt(&mut self, person: PersonId, kind: LicenseKind, _reason: &str) -> Result<()> {
        if let Some(index) = self.live_index(person, kind) {
            self.state.licenses[index].source = LicenseSource::Scim(self.product);
        }
        Ok(())
    }

    async fn change(
        &mut self,
        person: PersonId,
        from: LicenseKind,
        to: LicenseKind,
        _reason: &str,
    ) -> Result<Seat> {
        if from == to {
            return Ok(Seat::Taken);
        }
        let seat = self.change_seat(person, from, to);
        if seat == Seat::Taken {
            self.serve_all(from);
        }
        Ok(seat)
    }

    async fn assign(
        &mut self,
        person: PersonId,
        kind: LicenseKind,
        _fresh: bool,
        _reason: &str,
    ) -> Result<Seat> {
        if self.live_index(person, kind).is_some() {
            return Ok(Seat::Taken);
        }
        let seat = self.take_seat(kind);
        if seat == Seat::Taken {
            self.new_license(person, kind, LicenseSource::Scim(self.product));
            self.remove_waiting(person, kind);
        }
        Ok(seat)
    }

    async fn enqueue(
        &mut self,
        person: PersonId,
        kind: LicenseKind,
        key: &WaitKey,
        _reason: &str,
    ) -> Result<()> {
        if self.live_index(person, kind).is_some() {
            return Ok(());
        }
        match self
            .state
            .waiting
            .iter_mut()
            .find(|w| w.person == person && w.kind == kind)
        {
            Some(waiting) => waiting.key = key.clone(),
            None => self.state.waiting.push(WaitingPerson {
                person,
                kind,
                key: key.clone(),
            }),
        }
        Ok(())
    }

    async fn serve(&mut self, kind: LicenseKind) -> Result<()> {
        self.serve_all(kind);
        Ok(())
    }
}

/// Names for the people of a plan, from its subjects.
pub(crate) type Names = HashMap<PersonId, String>;
