//! Activation links: provisioning never activates a license; its holder does, by following a
//! link. A link reads `rosterd_act_<43 base64url characters>` (256 random bits), is stored only
//! as its SHA-256, expires after [`ACTIVATION_LIFETIME_DAYS`] and works once. Once the license
//! is active every link to it answers [`ActivationError::Used`].
//!
//! A license has at most one *current* link, and its id is the license's id. The outbox worker
//! finds assigned licenses without one ([`licenses_awaiting_notice`]), whatever assigned them
//! (SCIM, a manual grant, the waiting list), and issues it with [`issue_first_activation`] in
//! the transaction that writes the notice; two workers racing for the same license collide on
//! the primary key, so one notice is written. An admin's [`resend_activation`] gives the current
//! link an id of its own (it is then *superseded* and answers [`ActivationError::Superseded`])
//! and so makes the worker send a new notice with a new link.
//!
//! A link finds its tenant through its hash (like a SCIM token): the person following it is not
//! signed in, and the 256-bit secret is the capability. The hash's route
//! ([`rosterd_database::secret_route`], written with the link) names the tenant, and the link is
//! then read by `(tenant_id, token_hash)`, so no unique key lacks `tenant_id`. [`licenses_awaiting_notice`] serves
//! every tenant (the worker's sweep); everything else is tenant-scoped.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore as _;
use rosterd_database::secret_route::{self, SecretKind};
use rosterd_domain::{Clock, LedgerEntryId, LicenseId, LicenseKind, PersonId, Secret, TenantId};
use sea_orm::sea_query::{Condition, Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::entity::{activation_link, license};
use crate::error::Error;
use crate::license::{License, LicenseState, find_license, find_live};
use crate::provision::activate;
use rosterd_audit::{Actor, ActorKind};

/// How long a link works.
pub const ACTIVATION_LIFETIME_DAYS: i64 = 14;
const TOKEN_PREFIX: &str = "rosterd_act_";
const RANDOM_CHARS: usize = 43;

/// A new link: the token exists only here (put it in the notice), never in the database.
#[derive(Debug)]
pub struct IssuedActivation {
    pub token: Secret,
    pub expires_at: DateTime<Utc>,
}

impl IssuedActivation {
    /// The hash the link is stored under, for a notice to name the link without holding it
    /// ([`link_problem`]).
    pub fn token_hash(&self) -> String {
        hash_token(self.token.expose())
    }
}

/// What the activation page shows before the person confirms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActivationInfo {
    pub tenant_id: TenantId,
    pub license: License,
    pub expires_at: DateTime<Utc>,
}

/// Why a link does not work, in words for the person who followed it.
#[derive(Debug, thiserror::Error)]
pub enum ActivationError {
    #[error("this activation link is not valid; ask your administrator for a new one")]
    Unknown,
    #[error("this activation link has expired; ask your administrator for a new one")]
    Expired,
    #[error("this activation link has already been used; your license is active")]
    Used,
    #[error(
        "this activation link was replaced by a newer one; use the link in the most recent email"
    )]
    Superseded,
    #[error("this license has been revoked; the link no longer works")]
    Revoked,
    /// An internal failure; logged, never shown.
    #[error("activation failed: {0}")]
    Ledger(#[from] Error),
}

fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn looks_like_token(candidate: &str) -> bool {
    candidate.strip_prefix(TOKEN_PREFIX).is_some_and(|rest| {
        rest.len() == RANDOM_CHARS
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// Makes a new current link for an assigned license; the license's older links stop working
/// ([`ActivationError::Superseded`]). A revoked license is `Err(LicenseRevoked)`, an active one
/// `Err(AlreadyActive)`.
pub async fn create_activation(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    license_id: LicenseId,
) -> Result<IssuedActivation, Error> {
    let license = find_license(db, tenant, license_id).await?;
    match license.state {
        LicenseState::Revoked => return Err(Error::LicenseRevoked),
        LicenseState::Active => return Err(Error::AlreadyActive),
        LicenseState::Assigned => {}
    }
    retire_current_link(db, tenant, license_id).await?;
    match insert_link(db, clock, tenant, license_id).await {
        // Another request made a current link between our two statements.
        Err(Error::Database(err)) if err.is_unique_violation() => Err(Error::Conflict),
        other => other,
    }
}

/// Gives the license's current link (if any) an id of its own, so it is superseded and the
/// license has no current link. Returns whether there was one.
async fn retire_current_link(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    license_id: LicenseId,
) -> Result<bool, Error> {
    // The domain has no id type for links; a ledger-entry id is the same time-ordered UUID.
    let retired = activation_link::Entity::update_many()
        .col_expr(
            activation_link::Column::Id,
            Expr::value(LedgerEntryId::new().to_string()),
        )
        .filter(activation_link::Column::TenantId.eq(tenant.to_string()))
        .filter(activation_link::Column::Id.eq(license_id.to_string()))
        .exec(db)
        .await?;
    Ok(retired.rows_affected > 0)
}

async fn has_current_link(
    db: &impl ConnectionTrait,
    tenant: &str,
    license_id: &str,
) -> Result<bool, Error> {
    Ok(activation_link::Entity::find()
        .filter(activation_link::Column::TenantId.eq(tenant))
        .filter(activation_link::Column::Id.eq(license_id))
        .count(db)
        .await?
        > 0)
}

/// Issues the current link of a license that has none, for its notice. `Ok(None)` when it has
/// one already (another worker issued it; on PostgreSQL the caller's transaction is then
/// aborted and must be rolled back) or is no longer assigned.
pub async fn issue_first_activation(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    license_id: LicenseId,
) -> Result<Option<IssuedActivation>, Error> {
    let license = find_license(db, tenant, license_id).await?;
    if license.state != LicenseState::Assigned
        || has_current_link(db, &tenant.to_string(), &license_id.to_string()).await?
    {
        return Ok(None);
    }
    match insert_link(db, clock, tenant, license_id).await {
        Ok(issued) => Ok(Some(issued)),
        Err(Error::Database(err)) if err.is_unique_violation() => Ok(None),
        Err(other) => Err(other),
    }
}

/// Assigned licenses without a current link (never notified, or resent), by tenant, oldest
/// first, in every tenant: the outbox worker's sweep, so that whatever assigned a license (SCIM, a manual
/// grant, the waiting list), its holder hears of it. The look for a link is by primary key.
pub async fn licenses_awaiting_notice(
    db: &impl ConnectionTrait,
    limit: u64,
) -> Result<Vec<(TenantId, License)>, Error> {
    let current_link = Query::select()
        .expr(Expr::val(1))
        .from(activation_link::Entity)
        .and_where(
            Expr::col((activation_link::Entity, activation_link::Column::TenantId))
                .equals((license::Entity, license::Column::TenantId)),
        )
        .and_where(
            Expr::col((activation_link::Entity, activation_link::Column::Id))
                .equals((license::Entity, license::Column::Id)),
        )
        .to_owned();
    let rows = license::Entity::find()
        .filter(license::Column::State.eq(LicenseState::Assigned.as_str()))
        .filter(Condition::all().add(Expr::exists(current_link).not()))
        // The order of the `licenses_assigned` index, so the sweep reads only assigned licenses.
        .order_by_asc(license::Column::TenantId)
        .order_by_asc(license::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    rows.into_iter()
        .map(|row| {
            let tenant: TenantId = row
                .tenant_id
                .parse()
                .map_err(|_| Error::corrupt("tenant id", &row.tenant_id))?;
            Ok((tenant, License::try_from(row)?))
        })
        .collect()
}

/// An admin's resend: the person's assigned license of `kind` loses its current link (every
/// link sent so far stops working, [`ActivationError::Superseded`]), so the outbox worker sends
/// a new notice with a new link on its next round. No live license is `Err(NoLiveLicense)`, an
/// active one `Err(AlreadyActive)`. Resending again before the worker has sent the new notice
/// changes nothing (one notice goes out).
pub async fn resend_activation(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    person: PersonId,
    kind: LicenseKind,
) -> Result<License, Error> {
    let license = find_live(db, tenant, person, kind)
        .await?
        .ok_or(Error::NoLiveLicense { kind })?;
    if license.state == LicenseState::Active {
        return Err(Error::AlreadyActive);
    }
    retire_current_link(db, tenant, license.id).await?;
    Ok(license)
}

/// Inserts the license's current link: its id is the license's (see the module doc).
async fn insert_link(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    license_id: LicenseId,
) -> Result<IssuedActivation, Error> {
    let mut random = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut random);
    let token = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(random));
    let now = clock.now();
    let expires_at = now + Duration::days(ACTIVATION_LIFETIME_DAYS);
    let token_hash = hash_token(&token);
    secret_route::add(
        db,
        &token_hash,
        &tenant.to_string(),
        SecretKind::ActivationLink,
    )
    .await?;
    activation_link::ActiveModel {
        tenant_id: Set(tenant.to_string()),
        id: Set(license_id.to_string()),
        license_id: Set(license_id.to_string()),
        token_hash: Set(token_hash),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(IssuedActivation {
        token: Secret::new(token),
        expires_at,
    })
}

/// The link's row and license, or why it does not work.
async fn check(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    token: &str,
) -> Result<(activation_link::Model, TenantId, License), ActivationError> {
    if !looks_like_token(token) {
        return Err(ActivationError::Unknown);
    }
    check_hash(db, clock, None, &hash_token(token)).await
}

/// Why the link stored under `token_hash` in `tenant` no longer activates its license (the
/// license revoked or already active, the link replaced by a resend, used, expired or gone), or
/// `None` when it still does: a notice carrying it is then worth sending.
pub async fn link_problem(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    token_hash: &str,
) -> Result<Option<ActivationError>, Error> {
    match check_hash(db, clock, Some(tenant), token_hash).await {
        Ok((_, owner, _)) if owner == tenant => Ok(None),
        Ok(_) => Ok(Some(ActivationError::Unknown)),
        Err(ActivationError::Ledger(err)) => Err(err),
        Err(dead) => Ok(Some(dead)),
    }
}

/// [`check`] of the link stored under `token_hash`, in `tenant` when the caller knows it, else
/// in the tenant its route names (or, for a link an older rosterd issued during an upgrade,
/// which has no route, by the hash alone).
async fn check_hash(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: Option<TenantId>,
    token_hash: &str,
) -> Result<(activation_link::Model, TenantId, License), ActivationError> {
    let owner = match tenant {
        Some(tenant) => Some(tenant.to_string()),
        None => secret_route::find(db, token_hash, SecretKind::ActivationLink)
            .await
            .map_err(Error::from)?,
    };
    let mut query =
        activation_link::Entity::find().filter(activation_link::Column::TokenHash.eq(token_hash));
    if let Some(owner) = owner {
        query = query.filter(activation_link::Column::TenantId.eq(owner));
    }
    let link = query
        .one(db)
        .await
        .map_err(Error::from)?
        .ok_or(ActivationError::Unknown)?;
    let tenant: TenantId = link
        .tenant_id
        .parse()
        .map_err(|_| Error::corrupt("tenant id", &link.tenant_id))?;
    let license_id: LicenseId = link
        .license_id
        .parse()
        .map_err(|_| Error::corrupt("license id", &link.license_id))?;
    let license = find_license(db, tenant, license_id).await?;
    match license.state {
        LicenseState::Revoked => return Err(ActivationError::Revoked),
        LicenseState::Active => return Err(ActivationError::Used),
        LicenseState::Assigned => {}
    }
    if link.used_at.is_some() {
        return Err(ActivationError::Used);
    }
    // Every link is made current (its id is the license's); one that no longer is was
    // replaced by a resend, whether or not the worker has issued the new one yet.
    if link.id != link.license_id {
        return Err(ActivationError::Superseded);
    }
    if link.expires_at <= clock.now() {
        return Err(ActivationError::Expired);
    }
    Ok((link, tenant, license))
}

/// What the link is for, if it works (for the page the person sees before confirming).
pub async fn activation_info(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    token: &str,
) -> Result<ActivationInfo, ActivationError> {
    let (link, tenant_id, license) = check(db, clock, token).await?;
    Ok(ActivationInfo {
        tenant_id,
        license,
        expires_at: link.expires_at,
    })
}

/// Uses the link: the license becomes active (an `activate` entry by its holder) and the link is
/// spent. Two confirmations at once activate once; the other is told `Used`.
pub async fn redeem(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    token: &str,
) -> Result<License, ActivationError> {
    let (link, tenant, license) = check(db, clock, token).await?;
    let now = clock.now();
    let spent = activation_link::Entity::update_many()
        .col_expr(activation_link::Column::UsedAt, Some(now).into())
        .filter(activation_link::Column::TenantId.eq(link.tenant_id.clone()))
        // By hash, not id: a resend at this moment may be giving the link another id.
        .filter(activation_link::Column::TokenHash.eq(link.token_hash.clone()))
        .filter(activation_link::Column::UsedAt.is_null())
        .exec(db)
        .await
        .map_err(Error::from)?;
    if spent.rows_affected == 0 {
        return Err(ActivationError::Used);
    }
    let holder = Actor::new(ActorKind::Person, "activation link");
    match activate(db, clock, tenant, license.id, &holder).await {
        Ok(license) => Ok(license),
        Err(Error::LicenseRevoked) => Err(ActivationError::Revoked),
        Err(other) => Err(other.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_tokens_are_looked_up() {
        let good = format!("{TOKEN_PREFIX}{}", "a".repeat(RANDOM_CHARS));
        assert!(looks_like_token(&good));
        assert!(!looks_like_token("rosterd_act_short"));
        assert!(!looks_like_token(
            &good.replace("rosterd_act_", "rosterd_scim_")
        ));
        let slashed = format!("{TOKEN_PREFIX}{}/", "a".repeat(RANDOM_CHARS - 1));
        assert!(!looks_like_token(&slashed), "base64url only");
    }
}
