//! The ledger's error. The variants carry what an operator or admin needs to read: which pool,
//! how many seats. `Database` is an internal failure, logged by whoever reports it.

use rosterd_domain::LicenseKind;
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
    #[error("database error: {0}")]
    Database(#[from] DbErr),
}
