//! The tenancy crate's error. Callers match on the variants to tell an operator or an admin
//! what to fix; `Database` is an internal failure, logged by whoever reports it. Authentication
//! failures have their own type, [`crate::AuthError`], because they map to SCIM 401/403.

use rosterd_database::DatabaseError;
use sea_orm::DbErr;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no tenant `{0}`")]
    TenantNotFound(String),
    #[error("a tenant with slug `{0}` already exists")]
    TenantExists(String),
    #[error("tenant names must not be empty")]
    EmptyName,
    #[error("no token `{0}` for this tenant")]
    TokenNotFound(String),
    #[error("no OAuth client `{0}` for this tenant")]
    ClientNotFound(String),
    #[error("the OAuth client `{0}` is revoked; create a new client instead")]
    ClientRevoked(String),
    #[error("no secret `{0}` of this OAuth client")]
    ClientSecretNotFound(String),
    #[error("`{0}` already has an admin account in this tenant")]
    AdminExists(String),
    #[error("`{0}` is not a valid email address")]
    InvalidEmail(String),
    #[error("passwords must be at least {min} characters long")]
    WeakPassword { min: usize },
    #[error("unknown role `{0}`; expected one of: full-admin, license-admin, reporting")]
    UnknownRole(String),
    #[error("`{0}` already has an operator account")]
    OperatorExists(String),
    #[error("the current password is not right")]
    WrongPassword,
    #[error("could not hash the password")]
    PasswordHash,
    /// Too many password hashes at once ([`crate::PasswordWork`]): try again in a moment.
    #[error("too many sign-ins at once; try again in a moment")]
    Busy,
    /// A fair-share limit out of range ([`crate::set_tenant_limits`]).
    #[error("{name} must be a whole number from 1 to {max}")]
    InvalidLimit { name: &'static str, max: u32 },
    #[error(transparent)]
    Database(#[from] DatabaseError),
}

impl From<DbErr> for Error {
    fn from(err: DbErr) -> Self {
        Error::Database(err.into())
    }
}

pub(crate) use rosterd_database::is_unique_violation;
