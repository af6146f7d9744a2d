//! `/admin/{tenant}/reports` (every admin role): license utilisation by product (capacity,
//! in use, active, utilisation) and by group, manual or IdP (members, and how many of them hold
//! each kind of license). The same numbers feed `exports/utilisation.csv`.
//!
//! By-group figures come from three reads, whatever the number of groups: the groups, every
//! membership resolved to a person, and every live license's holder and kind.

use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use rosterd_directory::manual_groups;
use rosterd_domain::{LicenseKind, PersonId, Product};

use crate::AdminState;
use crate::auth::{Section, SignedIn};
use crate::error::AdminError;
use crate::pages::groups::{dir_error, source_label};
use crate::pages::licenses::{PoolNumbers, pool_numbers};
use crate::render::{Chrome, Page};

#[derive(Template)]
#[template(path = "reports/index.html")]
struct ReportsPage {
    chrome: Chrome,
    kinds: Vec<&'static str>,
    products: Vec<ProductUsage>,
    groups: Vec<GroupUsage>,
    exports: Vec<(String, &'static str)>,
}

/// One product's seats, all its pools together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductUsage {
    pub product: Product,
    pub name: &'static str,
    pub numbers: PoolNumbers,
}

/// One group's members and their licenses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupUsage {
    pub href: String,
    pub name: String,
    pub product: &'static str,
    pub source: &'static str,
    pub members: u64,
    /// Members holding at least one live license of any kind.
    pub licensed: u64,
    /// Members holding each kind, in the order of [`LicenseKind::ALL`].
    pub by_kind: Vec<u64>,
}

/// Sums pools into their products, in the order of [`Product::ALL`].
pub fn by_product(pools: &[(rosterd_ledger::SeatPool, PoolNumbers)]) -> Vec<ProductUsage> {
    Product::ALL
        .into_iter()
        .map(|product| {
            let mut n = PoolNumbers::default();
            for (_, p) in pools
                .iter()
                .filter(|(pool, _)| pool.license_kind.product() == product)
            {
                n.capacity += p.capacity;
                n.assigned += p.assigned;
                n.active += p.active;
                n.awaiting_activation += p.awaiting_activation;
                n.free += p.free;
            }
            n.percent = if n.capacity <= 0 {
                0
            } else {
                n.assigned * 100 / n.capacity
            };
            ProductUsage {
                product,
                name: product.display_name(),
                numbers: n,
            }
        })
        .collect()
}

/// Counts each group's members and licensed members per kind.
pub fn count_groups(
    memberships: &[(rosterd_domain::GroupId, PersonId)],
    holdings: &[(PersonId, LicenseKind, rosterd_ledger::LicenseState)],
) -> HashMap<rosterd_domain::GroupId, (u64, u64, Vec<u64>)> {
    let mut held: HashMap<PersonId, Vec<LicenseKind>> = HashMap::new();
    for (person, kind, _) in holdings {
        held.entry(*person).or_default().push(*kind);
    }
    let mut members: HashMap<rosterd_domain::GroupId, HashSet<PersonId>> = HashMap::new();
    for (group, person) in memberships {
        members.entry(*group).or_default().insert(*person);
    }
    members
        .into_iter()
        .map(|(group, people)| {
            let mut by_kind = vec![0u64; LicenseKind::ALL.len()];
            let mut licensed = 0;
            for person in &people {
                let Some(kinds) = held.get(person) else {
                    continue;
                };
                licensed += 1;
                for (i, kind) in LicenseKind::ALL.iter().enumerate() {
                    if kinds.contains(kind) {
                        by_kind[i] += 1;
                    }
                }
            }
            (group, (people.len() as u64, licensed, by_kind))
        })
        .collect()
}

/// Every group of the tenant with its utilisation, by product then name.
pub async fn group_usage(
    state: &AdminState,
    who: &SignedIn,
) -> Result<Vec<GroupUsage>, AdminError> {
    let tenant = who.tenant.id;
    let groups = manual_groups::list_groups(&state.db, tenant, None)
        .await
        .map_err(dir_error)?;
    let memberships = manual_groups::memberships(&state.db, tenant)
        .await
        .map_err(dir_error)?;
    let holdings = rosterd_ledger::live_holdings(&state.db, tenant).await?;
    let counts = count_groups(&memberships, &holdings);
    Ok(groups
        .into_iter()
        .map(|g| {
            let (members, licensed, by_kind) = counts
                .get(&g.id)
                .cloned()
                .unwrap_or_else(|| (0, 0, vec![0; LicenseKind::ALL.len()]));
            GroupUsage {
                href: format!("{}/groups/{}", who.base(), g.id),
                name: g.name,
                product: g.product.display_name(),
                source: source_label(g.source),
                members,
                licensed,
                by_kind,
            }
        })
        .collect())
}

/// `GET /admin/{tenant}/reports`.
pub async fn show(State(state): State<AdminState>, who: SignedIn) -> Result<Response, AdminError> {
    let pools = pool_numbers(&state, &who).await?;
    let groups = group_usage(&state, &who).await?;
    let base = who.base();
    Ok(Page(ReportsPage {
        chrome: who.chrome("Reports", Section::Reports),
        kinds: LicenseKind::ALL
            .into_iter()
            .map(LicenseKind::display_name)
            .collect(),
        products: by_product(&pools),
        groups,
        exports: vec![
            (format!("{base}/exports/users.csv"), "Users (CSV)"),
            (format!("{base}/exports/licenses.csv"), "Licenses (CSV)"),
            (
                format!("{base}/exports/utilisation.csv"),
                "Utilisation by product, pool and group (CSV)",
            ),
        ],
    })
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rosterd_domain::GroupId;
    use rosterd_ledger::LicenseState::{Active, Assigned};

    #[test]
    fn groups_count_each_member_once_and_each_kind_they_hold() {
        let (g1, g2) = (GroupId::new(), GroupId::new());
        let (a, b, c) = (PersonId::new(), PersonId::new(), PersonId::new());
        let memberships = [(g1, a), (g1, b), (g1, a), (g2, c)];
        let holdings = [
            (a, LicenseKind::Learning, Active),
            (a, LicenseKind::SalesNavigatorCore, Assigned),
            (c, LicenseKind::Learning, Assigned),
        ];
        let counts = count_groups(&memberships, &holdings);
        assert_eq!(counts[&g1], (2, 1, vec![1, 1, 0, 0, 0]));
        assert_eq!(counts[&g2], (1, 1, vec![1, 0, 0, 0, 0]));
    }

    #[test]
    fn products_sum_their_pools() {
        let pool = |kind, capacity, in_use| rosterd_ledger::SeatPool {
            license_kind: kind,
            capacity,
            in_use,
            updated_at: chrono::DateTime::UNIX_EPOCH,
        };
        let numbers = |capacity, assigned, active| PoolNumbers {
            capacity,
            assigned,
            active,
            awaiting_activation: assigned - active,
            free: capacity - assigned,
            percent: 0,
        };
        let pools = vec![
            (pool(LicenseKind::Learning, 10, 5), numbers(10, 5, 2)),
            (
                pool(LicenseKind::SalesNavigatorCore, 3, 3),
                numbers(3, 3, 3),
            ),
            (
                pool(LicenseKind::SalesNavigatorAdvanced, 1, 0),
                numbers(1, 0, 0),
            ),
        ];
        let products = by_product(&pools);
        assert_eq!(products[0].numbers.percent, 50);
        let sn = &products[1];
        assert_eq!(sn.product, Product::SalesNavigator);
        assert_eq!(
            (sn.numbers.capacity, sn.numbers.assigned, sn.numbers.active),
            (4, 3, 3)
        );
        assert_eq!((sn.numbers.free, sn.numbers.percent), (1, 75));
        assert_eq!(
            products[2].numbers,
            PoolNumbers::default(),
            "no pools, no seats"
        );
    }
}
