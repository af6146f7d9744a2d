//! Licenses: what a person holds, its state machine, its source, and the queries over them.
//! The writes that take and free seats live in [`crate::provision`] and [`crate::manual`].

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use rosterd_domain::{LicenseId, LicenseKind, PersonId, Product, TenantId};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use serde::Serialize;

use crate::entity::license;
use crate::error::{Error, Result};

/// Where a license is in its life. `assigned` and `active` hold a seat; `revoked` is final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LicenseState {
    /// Provisioned, waiting for the person to activate it.
    Assigned,
    /// Activated by its holder.
    Active,
    /// Taken away; the seat is free again.
    Revoked,
}

impl LicenseState {
    const ALL: [LicenseState; 3] = [
        LicenseState::Assigned,
        LicenseState::Active,
        LicenseState::Revoked,
    ];

    /// The name stored in `licenses.state`.
    pub fn as_str(self) -> &'static str {
        match self {
            LicenseState::Assigned => "assigned",
            LicenseState::Active => "active",
            LicenseState::Revoked => "revoked",
        }
    }

    /// Whether the license holds a seat.
    pub fn is_live(self) -> bool {
        self != LicenseState::Revoked
    }

    /// Whether a license may move from this state to `next`: assigned -> active, and either
    /// live state -> revoked. A revoked license stays revoked (a new assignment is a new license).
    pub fn can_become(self, next: LicenseState) -> bool {
        matches!(
            (self, next),
            (LicenseState::Assigned, LicenseState::Active)
                | (
                    LicenseState::Assigned | LicenseState::Active,
                    LicenseState::Revoked
                )
        )
    }
}

impl fmt::Display for LicenseState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LicenseState {
    type Err = rosterd_domain::ParseError;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| {
                rosterd_domain::ParseError(format!(
                    "unknown license state `{s}`; expected one of: assigned, active, revoked"
                ))
            })
    }
}

/// Who gave the license, and so who may take it away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LicenseSource {
    /// Given by hand (admin or operator); removed only by hand, unless a SCIM app adopts it.
    Manual,
    /// Owned by the product's SCIM app: the IdP is the source of truth.
    Scim(Product),
}

impl fmt::Display for LicenseSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LicenseSource::Manual => f.write_str("manual"),
            LicenseSource::Scim(product) => write!(f, "scim:{product}"),
        }
    }
}

impl FromStr for LicenseSource {
    type Err = rosterd_domain::ParseError;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s.strip_prefix("scim:") {
            Some(product) => Ok(LicenseSource::Scim(product.parse()?)),
            None if s == "manual" => Ok(LicenseSource::Manual),
            None => Err(rosterd_domain::ParseError(format!(
                "unknown license source `{s}`; expected `manual` or `scim:<product>`"
            ))),
        }
    }
}

impl Serialize for LicenseSource {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A person's license of one kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct License {
    pub id: LicenseId,
    pub person_id: PersonId,
    pub kind: LicenseKind,
    pub state: LicenseState,
    pub source: LicenseSource,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<license::Model> for License {
    type Error = Error;

    fn try_from(m: license::Model) -> Result<Self> {
        Ok(License {
            id: m
                .id
                .parse()
                .map_err(|_| Error::corrupt("license id", &m.id))?,
            person_id: m
                .person_id
                .parse()
                .map_err(|_| Error::corrupt("person id", &m.person_id))?,
            kind: m
                .license_kind
                .parse()
                .map_err(|_| Error::corrupt("license kind", &m.license_kind))?,
            state: m
                .state
                .parse()
                .map_err(|_| Error::corrupt("license state", &m.state))?,
            source: m
                .source
                .parse()
                .map_err(|_| Error::corrupt("license source", &m.source))?,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}

/// The tenant's licenses: the only way this crate starts a query on `licenses`.
pub(crate) fn scoped(tenant: TenantId) -> Select<license::Entity> {
    license::Entity::find().filter(license::Column::TenantId.eq(tenant.to_string()))
}

/// The person's live (assigned or active) license of this kind, if any.
pub async fn find_live(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    person: PersonId,
    kind: LicenseKind,
) -> Result<Option<License>> {
    scoped(tenant)
        .filter(license::Column::PersonId.eq(person.to_string()))
        .filter(license::Column::LicenseKind.eq(kind.slug()))
        .filter(license::Column::State.ne(LicenseState::Revoked.as_str()))
        .one(db)
        .await?
        .map(License::try_from)
        .transpose()
}

/// One license by id.
pub async fn find_license(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    id: LicenseId,
) -> Result<License> {
    scoped(tenant)
        .filter(license::Column::Id.eq(id.to_string()))
        .one(db)
        .await?
        .ok_or(Error::LicenseNotFound)?
        .try_into()
}

/// Every license the person has held, live and revoked, oldest first.
pub async fn licenses_of(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    person: PersonId,
) -> Result<Vec<License>> {
    scoped(tenant)
        .filter(license::Column::PersonId.eq(person.to_string()))
        .order_by_asc(license::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(License::try_from)
        .collect()
}

/// The live licenses of the given people (one query per 500 people), oldest first: for
/// rendering a page of SCIM Users without a query per user.
pub async fn live_licenses_of_people(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    people: &[PersonId],
) -> Result<Vec<License>> {
    let mut out = Vec::new();
    for chunk in people.chunks(500) {
        let rows = scoped(tenant)
            .filter(license::Column::PersonId.is_in(chunk.iter().map(ToString::to_string)))
            .filter(license::Column::State.ne(LicenseState::Revoked.as_str()))
            .order_by_asc(license::Column::Id)
            .all(db)
            .await?;
        for row in rows {
            out.push(License::try_from(row)?);
        }
    }
    Ok(out)
}

/// A page of [`list_licenses`]: filters, and keyset paging by license id (ids sort by creation).
#[derive(Debug, Clone, Default)]
pub struct LicenseQuery {
    pub kind: Option<LicenseKind>,
    pub state: Option<LicenseState>,
    /// Start after this license (the last id of the previous page).
    pub after: Option<LicenseId>,
    /// At most this many; `None` means all.
    pub limit: Option<u64>,
}

/// The tenant's licenses matching `query`, oldest first.
pub async fn list_licenses(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    query: &LicenseQuery,
) -> Result<Vec<License>> {
    let mut select = scoped(tenant);
    if let Some(kind) = query.kind {
        select = select.filter(license::Column::LicenseKind.eq(kind.slug()));
    }
    if let Some(state) = query.state {
        select = select.filter(license::Column::State.eq(state.as_str()));
    }
    if let Some(after) = query.after {
        select = select.filter(license::Column::Id.gt(after.to_string()));
    }
    select
        .order_by_asc(license::Column::Id)
        .limit(query.limit)
        .all(db)
        .await?
        .into_iter()
        .map(License::try_from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use LicenseState::{Active, Assigned, Revoked};

    #[test]
    fn state_machine_allows_only_forward_moves() {
        let cases = [
            (Assigned, Active, true, "the holder activates"),
            (Assigned, Revoked, true, "revoked before activation"),
            (Active, Revoked, true, "revoked after activation"),
            (Active, Assigned, false, "activation is not undone"),
            (
                Revoked,
                Assigned,
                false,
                "a new assignment is a new license",
            ),
            (
                Revoked,
                Active,
                false,
                "a revoked license cannot be activated",
            ),
            (Assigned, Assigned, false, "no-op is not a move"),
            (Revoked, Revoked, false, "revoked is final"),
        ];
        for (from, to, allowed, why) in cases {
            assert_eq!(from.can_become(to), allowed, "{from} -> {to}: {why}");
        }
    }

    #[test]
    fn only_revoked_licenses_free_their_seat() {
        assert!(Assigned.is_live());
        assert!(Active.is_live());
        assert!(!Revoked.is_live());
    }

    #[test]
    fn states_and_sources_round_trip_through_text() {
        for state in LicenseState::ALL {
            assert_eq!(state.as_str().parse::<LicenseState>().unwrap(), state);
        }
        let mut sources = vec![LicenseSource::Manual];
        sources.extend(Product::ALL.map(LicenseSource::Scim));
        for source in sources {
            assert_eq!(source.to_string().parse::<LicenseSource>().unwrap(), source);
        }
        assert_eq!(
            LicenseSource::Scim(Product::SalesNavigator).to_string(),
            "scim:sales-navigator"
        );
    }

    #[test]
    fn unknown_sources_and_states_are_refused_with_the_expected_forms() {
        let err = "idp".parse::<LicenseSource>().unwrap_err().to_string();
        assert!(err.contains("scim:<product>"), "{err}");
        assert!("scim:crm".parse::<LicenseSource>().is_err());
        let err = "pending".parse::<LicenseState>().unwrap_err().to_string();
        assert!(err.contains("assigned, active, revoked"), "{err}");
    }
}
