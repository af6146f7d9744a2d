//! Admin-center accounts: one email per tenant, a role, and an argon2id password hash
//! (the argon2 crate's defaults: argon2id v19, 19 MiB memory, 2 passes, 1 lane; the OWASP
//! recommendation). Passwords are never stored or logged in clear.

use chrono::{DateTime, Utc};
use rand::Rng as _;
use rosterd_domain::{AdminUserId, Clock, Secret, TenantId};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    sea_query::Expr,
};
use serde::Serialize;
use std::str::FromStr;

use crate::entity::admin_user;
use crate::error::{Error, Result, is_unique_violation};
use crate::password::{
    PasswordWork, hash_password, hash_password_with, verify_password, verify_password_with,
};
use crate::tenant::{Tenant, find_tenant};

/// What an admin may do in the admin center.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AdminRole {
    /// Everything, including SCIM settings, tokens and admin accounts.
    FullAdmin,
    /// People, groups and licenses.
    LicenseAdmin,
    /// Read-only reporting.
    Reporting,
}

impl AdminRole {
    pub fn slug(self) -> &'static str {
        match self {
            AdminRole::FullAdmin => "full-admin",
            AdminRole::LicenseAdmin => "license-admin",
            AdminRole::Reporting => "reporting",
        }
    }

    /// The role as an admin reads it.
    pub fn label(self) -> &'static str {
        match self {
            AdminRole::FullAdmin => "Full admin",
            AdminRole::LicenseAdmin => "License admin",
            AdminRole::Reporting => "Reporting (read-only)",
        }
    }
}

impl FromStr for AdminRole {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "full-admin" => Ok(AdminRole::FullAdmin),
            "license-admin" => Ok(AdminRole::LicenseAdmin),
            "reporting" => Ok(AdminRole::Reporting),
            other => Err(Error::UnknownRole(other.to_owned())),
        }
    }
}

/// An admin account (without its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdminAccount {
    pub id: AdminUserId,
    pub tenant_id: TenantId,
    pub email: String,
    pub role: AdminRole,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
    /// A fingerprint of the current password hash (not the hash): it changes with every
    /// password change, so a session that remembers it ends when the password changes.
    #[serde(skip)]
    pub credential: String,
}

/// The fingerprint of a stored password hash: 16 hex digits of its SHA-256. The hash carries a
/// fresh salt, so two hashes of the same password have different fingerprints.
fn credential_of(password_hash: &str) -> String {
    use sha2::Digest as _;
    hex::encode(&sha2::Sha256::digest(password_hash.as_bytes())[..8])
}

fn account_from(m: admin_user::Model) -> Option<AdminAccount> {
    Some(AdminAccount {
        credential: credential_of(&m.password_hash),
        id: m.id.parse().ok()?,
        tenant_id: m.tenant_id.parse().ok()?,
        email: m.email,
        role: m.role.parse().ok()?,
        created_at: m.created_at,
        last_login_at: m.last_login_at,
    })
}

/// A random 20-character password for `admin create` without `--password-stdin`.
pub fn generate_password() -> Secret {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    Secret::new(
        (0..20)
            .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
            .collect::<String>(),
    )
}

pub(crate) fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(char::is_whitespace)
}

/// Creates an admin account.
pub(crate) async fn insert_admin(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    email: &str,
    role: AdminRole,
    password: &Secret,
) -> Result<AdminAccount> {
    let email = email.trim();
    if !valid_email(email) {
        return Err(Error::InvalidEmail(email.to_owned()));
    }
    let hash = hash_password(password).await?;
    let inserted = admin_user::ActiveModel {
        tenant_id: Set(tenant.to_string()),
        id: Set(AdminUserId::new().to_string()),
        email: Set(email.to_owned()),
        email_lower: Set(email.to_lowercase()),
        password_hash: Set(hash),
        role: Set(role.slug().to_owned()),
        created_at: Set(clock.now()),
        last_login_at: Set(None),
    }
    .insert(db)
    .await;
    match inserted {
        Ok(model) => account_from(model).ok_or_else(|| {
            Error::Database(rosterd_database::DatabaseError::internal(
                "admin row unreadable",
            ))
        }),
        Err(err) if is_unique_violation(&err) => Err(Error::AdminExists(email.to_owned())),
        Err(err) => Err(err.into()),
    }
}

/// The tenant's admin accounts, by email.
pub async fn list_admins(db: &impl ConnectionTrait, tenant: TenantId) -> Result<Vec<AdminAccount>> {
    Ok(admin_user::Entity::find()
        .filter(admin_user::Column::TenantId.eq(tenant.to_string()))
        .order_by_asc(admin_user::Column::EmailLower)
        .all(db)
        .await?
        .into_iter()
        .filter_map(account_from)
        .collect())
}

/// The account when `password` is right for `email` in this tenant, else `None`. Unknown emails
/// cost the same hash work as known ones, so timing does not tell which emails exist.
pub async fn verify_admin_password(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    email: &str,
    password: &Secret,
) -> Result<Option<AdminAccount>> {
    let row = admin_user::Entity::find()
        .filter(admin_user::Column::TenantId.eq(tenant.to_string()))
        .filter(admin_user::Column::EmailLower.eq(email.trim().to_lowercase()))
        .one(db)
        .await?;
    let ok = verify_password(row.as_ref().map(|m| m.password_hash.as_str()), password).await?;
    Ok(if ok { row.and_then(account_from) } else { None })
}

/// What a sign-in to a tenant's admin center found.
#[derive(Debug, Clone)]
pub enum AdminSignIn {
    /// The password is right for this admin of this tenant.
    Verified { tenant: Tenant, admin: AdminAccount },
    /// A wrong password, no such admin, or no such tenant; `tenant` when it exists (for its
    /// audit log), never shown to the person signing in.
    Refused { tenant: Option<Tenant> },
}

/// Checks a sign-in to the admin center of tenant `slug`, within `work`'s limits. A tenant or
/// an email that does not exist costs the same hash work as a wrong password, so neither the
/// answer nor its timing tells which tenants and admins exist.
pub async fn check_admin_sign_in(
    db: &impl ConnectionTrait,
    work: &PasswordWork,
    slug: &str,
    email: &str,
    password: &Secret,
) -> Result<AdminSignIn> {
    let tenant = match find_tenant(db, slug).await {
        Ok(tenant) => Some(tenant),
        Err(Error::TenantNotFound(_)) => None,
        Err(other) => return Err(other),
    };
    let row = match &tenant {
        Some(tenant) => {
            admin_user::Entity::find()
                .filter(admin_user::Column::TenantId.eq(tenant.id.to_string()))
                .filter(admin_user::Column::EmailLower.eq(email.trim().to_lowercase()))
                .one(db)
                .await?
        }
        None => None,
    };
    let stored = row.as_ref().map(|m| m.password_hash.as_str());
    let ok = verify_password_with(work, stored, password).await?;
    Ok(match (tenant, row.and_then(account_from)) {
        (Some(tenant), Some(admin)) if ok => AdminSignIn::Verified { tenant, admin },
        (tenant, _) => AdminSignIn::Refused { tenant },
    })
}

fn find_row(tenant: TenantId, id: AdminUserId) -> sea_orm::Select<admin_user::Entity> {
    admin_user::Entity::find()
        .filter(admin_user::Column::TenantId.eq(tenant.to_string()))
        .filter(admin_user::Column::Id.eq(id.to_string()))
}

/// The tenant's admin with this id, if it still exists (a signed-in admin is re-read on every
/// request, so a removed account or a changed role takes effect at once).
pub async fn find_admin(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    id: AdminUserId,
) -> Result<Option<AdminAccount>> {
    Ok(find_row(tenant, id).one(db).await?.and_then(account_from))
}

/// Replaces an admin's password after checking the current one, within `work`'s limits;
/// returns the account with its new [`AdminAccount::credential`] (sessions that remember the
/// old one are over).
pub async fn change_admin_password(
    db: &impl ConnectionTrait,
    work: &PasswordWork,
    tenant: TenantId,
    id: AdminUserId,
    current: &Secret,
    new: &Secret,
) -> Result<AdminAccount> {
    crate::password::check_strength(new)?;
    let row = find_row(tenant, id).one(db).await?;
    if !verify_password_with(
        work,
        row.as_ref().map(|m| m.password_hash.as_str()),
        current,
    )
    .await?
    {
        return Err(Error::WrongPassword);
    }
    let hash = hash_password_with(work, new).await?;
    let credential = credential_of(&hash);
    admin_user::Entity::update_many()
        .col_expr(admin_user::Column::PasswordHash, Expr::value(hash))
        .filter(admin_user::Column::TenantId.eq(tenant.to_string()))
        .filter(admin_user::Column::Id.eq(id.to_string()))
        .exec(db)
        .await?;
    let mut account = row.and_then(account_from).ok_or(Error::WrongPassword)?;
    account.credential = credential;
    Ok(account)
}

/// Notes a successful sign-in.
pub async fn record_admin_login(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    id: AdminUserId,
) -> Result<()> {
    admin_user::Entity::update_many()
        .col_expr(admin_user::Column::LastLoginAt, Expr::value(clock.now()))
        .filter(admin_user::Column::TenantId.eq(tenant.to_string()))
        .filter(admin_user::Column::Id.eq(id.to_string()))
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_are_long_enough_and_differ() {
        let a = generate_password();
        let b = generate_password();
        assert_eq!(a.expose().len(), 20);
        assert!(a.expose().len() >= crate::MIN_PASSWORD_LEN);
        assert_ne!(a, b);
    }

    #[test]
    fn email_shape_is_checked() {
        for ok in ["ada@acme.example", "a.b+c@x.io"] {
            assert!(valid_email(ok), "{ok}");
        }
        for bad in [
            "ada",
            "@acme.example",
            "ada@acme",
            "ada @acme.example",
            "ada@.example",
        ] {
            assert!(!valid_email(bad), "{bad}");
        }
    }

    #[test]
    fn roles_parse_from_their_slugs() {
        for role in [
            AdminRole::FullAdmin,
            AdminRole::LicenseAdmin,
            AdminRole::Reporting,
        ] {
            assert_eq!(role.slug().parse::<AdminRole>().unwrap(), role);
        }
        assert!("owner".parse::<AdminRole>().is_err());
    }
}
