//! `/admin/{tenant}/licenses` (every admin role): each seat pool's numbers (capacity, seats
//! assigned, active, waiting for activation, free), its waiting list in serving order, the
//! recent refusals, the way to the Sales Navigator policy, and a chart of seats in use over the
//! last 30 days per pool, computed from the ledger ([`chart`]).

pub mod chart;

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use rosterd_directory::manual_groups;
use rosterd_domain::{LicenseKind, PersonId};
use rosterd_ledger::{LicenseState, SeatPool};

use crate::AdminState;
use crate::auth::{Section, SignedIn};
use crate::error::AdminError;
use crate::pages::groups::dir_error;
use crate::render::{Chrome, Page, when};

/// Days the chart looks back.
pub const CHART_DAYS: u32 = 30;
/// Refusals listed.
const REFUSALS: u64 = 50;

#[derive(Template)]
#[template(path = "licenses/index.html")]
struct LicensesPage {
    chrome: Chrome,
    pools: Vec<PoolView>,
    refusals: Vec<RefusalRow>,
    policy: String,
}

struct PoolView {
    slug: &'static str,
    name: &'static str,
    product: &'static str,
    numbers: PoolNumbers,
    waiting: Vec<WaitingRow>,
    chart: String,
    /// The chart's numbers, for the table alternative.
    days: Vec<(String, i64, i64)>,
}

/// One pool's seats, as the licenses and report pages and the utilisation export show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolNumbers {
    pub capacity: i64,
    /// Seats taken: assigned or active.
    pub assigned: i64,
    pub active: i64,
    /// Assigned, not yet activated.
    pub awaiting_activation: i64,
    pub free: i64,
    /// Percent of capacity taken, rounded down; 0 for an empty pool.
    pub percent: i64,
}

impl PoolNumbers {
    /// The numbers of `pool`, with the live license counts per state.
    pub fn of(pool: &SeatPool, counts: &[rosterd_ledger::StateCount]) -> Self {
        let count = |state| {
            counts
                .iter()
                .filter(|c| c.kind == pool.license_kind && c.state == state)
                .map(|c| c.count)
                .sum::<i64>()
        };
        PoolNumbers {
            capacity: pool.capacity,
            assigned: pool.in_use,
            active: count(LicenseState::Active),
            awaiting_activation: count(LicenseState::Assigned),
            free: pool.free(),
            percent: if pool.capacity <= 0 {
                0
            } else {
                pool.in_use * 100 / pool.capacity
            },
        }
    }
}

struct WaitingRow {
    position: usize,
    person: String,
    employee_number: String,
    since: String,
    reason: String,
}

struct RefusalRow {
    at: String,
    who: String,
    app: &'static str,
    pool: &'static str,
    reason: String,
}

/// The pools in the fixed order of [`LicenseKind::ALL`], with their numbers.
pub async fn pool_numbers(
    state: &AdminState,
    who: &SignedIn,
) -> Result<Vec<(SeatPool, PoolNumbers)>, AdminError> {
    let tenant = who.tenant.id;
    let pools = rosterd_ledger::pools(&state.db, tenant).await?;
    let counts = rosterd_ledger::live_license_counts(&state.db, tenant).await?;
    Ok(LicenseKind::ALL
        .into_iter()
        .filter_map(|kind| pools.iter().find(|p| p.license_kind == kind))
        .map(|p| (p.clone(), PoolNumbers::of(p, &counts)))
        .collect())
}

/// A person as a list shows them: their email, else their name, else their id.
fn label(people: &HashMap<PersonId, manual_groups::Member>, id: PersonId) -> String {
    people
        .get(&id)
        .and_then(|m| m.email.clone().or_else(|| m.display_name.clone()))
        .unwrap_or_else(|| id.to_string())
}

/// A refusal's reason is stored as `subject: reason`.
fn split_refusal(reason: &str) -> (&str, &str) {
    reason.split_once(": ").unwrap_or(("", reason))
}

/// `GET /admin/{tenant}/licenses`.
pub async fn show(State(state): State<AdminState>, who: SignedIn) -> Result<Response, AdminError> {
    let tenant = who.tenant.id;
    let now = state.clock.now();
    let pools = pool_numbers(&state, &who).await?;
    let moves = rosterd_ledger::seat_moves_since(
        &state.db,
        tenant,
        now - Duration::days(CHART_DAYS.into()),
    )
    .await?;
    let refused = rosterd_ledger::recent_refusals(&state.db, tenant, REFUSALS).await?;
    let mut waitlists = Vec::with_capacity(pools.len());
    for (pool, _) in &pools {
        waitlists.push(rosterd_ledger::waitlist(&state.db, tenant, pool.license_kind).await?);
    }
    let ids: Vec<PersonId> = waitlists
        .iter()
        .flatten()
        .map(|w| w.person_id)
        .chain(refused.iter().filter_map(|e| e.person_id))
        .collect();
    let people = manual_groups::people_by_ids(&state.db, tenant, &ids)
        .await
        .map_err(dir_error)?;
    let views = pools
        .iter()
        .zip(waitlists)
        .map(|((pool, numbers), waiting)| {
            let kind = pool.license_kind;
            let points =
                chart::daily_series(kind, pool.capacity, pool.in_use, &moves, now, CHART_DAYS);
            PoolView {
                slug: kind.slug(),
                name: kind.display_name(),
                product: kind.product().display_name(),
                numbers: *numbers,
                chart: chart::render_svg(
                    &format!("chart-{}", kind.slug()),
                    kind.display_name(),
                    &points,
                ),
                days: points
                    .iter()
                    .map(|p| (p.at.format("%Y-%m-%d").to_string(), p.in_use, p.capacity))
                    .collect(),
                waiting: waiting
                    .into_iter()
                    .enumerate()
                    .map(|(i, w)| WaitingRow {
                        position: i + 1,
                        person: label(&people, w.person_id),
                        employee_number: w.key.employee_number.unwrap_or_default(),
                        since: when(w.since),
                        reason: w.reason,
                    })
                    .collect(),
            }
        })
        .collect();
    let refusals = refused
        .iter()
        .map(|e| {
            let (subject, reason) = split_refusal(&e.reason);
            RefusalRow {
                at: when(e.created_at),
                who: match e.person_id {
                    Some(id) if people.contains_key(&id) => label(&people, id),
                    _ if !subject.is_empty() => subject.to_owned(),
                    Some(id) => id.to_string(),
                    None => "(unknown)".to_owned(),
                },
                app: e.license_kind.product().display_name(),
                pool: e.license_kind.display_name(),
                reason: reason.to_owned(),
            }
        })
        .collect();
    Ok(Page(LicensesPage {
        chrome: who.chrome("Licenses", Section::Licenses),
        pools: views,
        refusals,
        policy: format!("{}/licenses/policy", who.base()),
    })
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_reasons_split_into_subject_and_reason() {
        assert_eq!(
            split_refusal("lin@acme.example: Learning: 5 of 5 seats assigned"),
            ("lin@acme.example", "Learning: 5 of 5 seats assigned")
        );
        assert_eq!(split_refusal("no subject"), ("", "no subject"));
    }
}
