//! Activation links: provisioning never activates a license; its holder does, by following a
//! link. A link reads `rosterd_act_<43 base64url characters>` (256 random bits), is stored only
//! as its SHA-256, expires after [`ACTIVATION_LIFETIME_DAYS`] and works once. An admin may
//! resend (a new link); earlier links stay valid until used or expired, and once the license
//! is active every link to it answers [`ActivationError::Used`].
//!
//! A link finds its tenant through its hash (like a SCIM token): the person following it is not
//! signed in, and the 256-bit secret is the capability.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore as _;
use rosterd_domain::{Clock, LedgerEntryId, LicenseId, Secret, TenantId};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::actor::{Actor, ActorKind};
use crate::entity::activation_link;
use crate::error::Error;
use crate::license::{License, LicenseState, find_license};
use crate::provision::activate;

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

/// Makes a link for an assigned license. A revoked license is `Err(LicenseRevoked)`, an active
/// one `Err(AlreadyActive)`.
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
    let mut random = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut random);
    let token = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(random));
    let now = clock.now();
    let expires_at = now + Duration::days(ACTIVATION_LIFETIME_DAYS);
    activation_link::ActiveModel {
        tenant_id: Set(tenant.to_string()),
        // The domain has no id type for links; a ledger-entry id is the same time-ordered UUID.
        id: Set(LedgerEntryId::new().to_string()),
        license_id: Set(license_id.to_string()),
        token_hash: Set(hash_token(&token)),
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
    let link = activation_link::Entity::find()
        .filter(activation_link::Column::TokenHash.eq(hash_token(token)))
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
        .filter(activation_link::Column::Id.eq(link.id.clone()))
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
