//! The auth generation: a counter that every change able to shut a SCIM token out (revoking it,
//! turning its app's SCIM off, suspending its tenant) increments, so that every server's
//! [`crate::TokenCache`] learns it should forget what it knew.
//!
//! Two signals, because a server must learn of its own changes at once and of other servers'
//! within a second: the `auth_generation` row, incremented in the change's own transaction and
//! re-read by each cache at most every half second; and a counter in this process, incremented
//! after the change commits, which each cache compares on every request (an atomic load).

use std::sync::atomic::{AtomicU64, Ordering};

use sea_orm::{ConnectionTrait, DbErr, Statement};

/// Changes made by this process since it started.
static LOCAL: AtomicU64 = AtomicU64::new(0);

/// Increments the stored generation, in the caller's transaction.
pub(crate) async fn bump(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    db.execute(Statement::from_string(
        db.get_database_backend(),
        "UPDATE auth_generation SET generation = generation + 1 WHERE id = 1",
    ))
    .await?;
    Ok(())
}

/// Tells this process's caches that a change committed (call it after the commit).
pub(crate) fn changed_here() {
    LOCAL.fetch_add(1, Ordering::AcqRel);
}

/// The count of [`changed_here`] so far.
pub(crate) fn local() -> u64 {
    LOCAL.load(Ordering::Acquire)
}

/// The stored generation.
pub(crate) async fn read(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    let row = db
        .query_one(Statement::from_string(
            db.get_database_backend(),
            "SELECT generation FROM auth_generation WHERE id = 1",
        ))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the auth_generation row".into()))?;
    row.try_get("", "generation")
}
