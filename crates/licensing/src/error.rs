//! The licensing crate's error, for the admin center and the CLI (the SCIM path turns failures
//! into [`rosterd_directory::HookError`] instead). `Display` is what an admin reads.

use rosterd_domain::{LicenseKind, Product};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A policy change asked of an app whose policy is fixed (Learning, TeamLink Extend).
    #[error("the {} app licenses every active user; its policy cannot be changed", .0.display_name())]
    FixedPolicy(Product),
    /// A person to remove holds a license an identity provider manages.
    #[error("{name} holds a {} license that an identity provider manages; it must be revoked there before {name} can be removed.", .kind.display_name())]
    HeldThroughIdp { name: String, kind: LicenseKind },
    #[error(transparent)]
    Ledger(#[from] rosterd_ledger::Error),
    #[error(transparent)]
    Tenancy(#[from] rosterd_tenancy::Error),
    #[error(transparent)]
    Directory(#[from] rosterd_directory::Error),
}
