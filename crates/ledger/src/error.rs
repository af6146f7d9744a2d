//! The ledger's error. The variants carry what an operator, an admin or an IdP admin needs to
//! read (which pool, how many seats, who owns a license), so their `Display` can be shown as is:
//! the SCIM apps put [`Error::PoolFull`] into a SCIM error's `detail`, the CLI and the admin
//! center print the others. `Database` is an internal failure, logged by whoever reports it and
//! never shown. Activation links have their own error, [`crate::ActivationError`], because a
//! person (not an admin) reads it.

use rosterd_database::DatabaseError;
use rosterd_domain::{LicenseKind, Product};
use sea_orm::DbErr;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "cannot lower {kind} capacity to {requested}: {in_use} seats are in use; revoke licenses first"
    )]
    CapacityBelowUse {
        kind: LicenseKind,
        in_use: i64,
        requested: i64,
    },
    #[error("capacity must be zero or more, got {0}")]
    NegativeCapacity(i64),
    #[error("no {0} seat pool for this tenant")]
    PoolNotFound(LicenseKind),
    /// No free seat in the pool. The message is the one the IdP admin sees.
    #[error(
        "{}: {in_use} of {capacity} seats assigned; more licenses are needed",
        kind.display_name()
    )]
    PoolFull {
        kind: LicenseKind,
        capacity: i64,
        in_use: i64,
    },
    /// A manual action on a license a SCIM app owns.
    #[error(
        "this license is managed by the {} SCIM app; change it in your identity provider",
        product.display_name()
    )]
    OwnedByScim { product: Product },
    #[error("no such license")]
    LicenseNotFound,
    #[error("this person holds no {} license", kind.display_name())]
    NoLiveLicense { kind: LicenseKind },
    #[error("this person already holds a {} license", kind.display_name())]
    AlreadyLicensed { kind: LicenseKind },
    #[error("this license was revoked")]
    LicenseRevoked,
    #[error("this license is already active")]
    AlreadyActive,
    /// A license kind used with a product that does not sell it.
    #[error("{} is not a {} license", kind.display_name(), product.display_name())]
    WrongProduct { kind: LicenseKind, product: Product },
    /// A policy that cannot be parsed or stored; the message says what to fix.
    #[error("{0}")]
    InvalidPolicy(String),
    /// A concurrent transaction changed the same license first; retrying the request resolves it.
    #[error("the license was changed concurrently; try again")]
    Conflict,
    /// A stored value this version cannot read (written by hand or by a newer rosterd).
    #[error("unreadable stored {what}: {value}")]
    Corrupt { what: &'static str, value: String },
    #[error(transparent)]
    Database(#[from] DatabaseError),
}

impl Error {
    pub(crate) fn corrupt(what: &'static str, value: impl Into<String>) -> Self {
        Error::Corrupt {
            what,
            value: value.into(),
        }
    }
}

impl From<DbErr> for Error {
    fn from(err: DbErr) -> Self {
        Error::Database(err.into())
    }
}

pub(crate) use rosterd_database::is_unique_violation;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_full_names_the_pool_the_numbers_and_the_remedy() {
        let err = Error::PoolFull {
            kind: LicenseKind::SalesNavigatorAdvanced,
            capacity: 100,
            in_use: 100,
        };
        assert_eq!(
            err.to_string(),
            "Sales Navigator Advanced: 100 of 100 seats assigned; more licenses are needed"
        );
    }

    #[test]
    fn owned_by_scim_says_where_to_change_it() {
        let err = Error::OwnedByScim {
            product: Product::SalesNavigator,
        };
        assert_eq!(
            err.to_string(),
            "this license is managed by the Sales Navigator SCIM app; change it in your identity provider"
        );
    }
}
