//! From directory snapshots to the ledger's reconcile in a SCIM write's transaction, and the
//! request's refusal as a SCIM error. The algorithm itself (revoke,
//! adopt, change tier, assign, wait) is [`rosterd_ledger::reconcile`], shared with policy
//! changes, so a SCIM write and a policy change follow the same rules.

use rosterd_directory::{HookError, UserSnapshot};
use rosterd_domain::{Clock, LicenseKind, PersonId, Product, TenantId};
use rosterd_ledger::{Actor, Candidate, Mode};
use rosterd_scim::{ScimContext, ScimError};
use sea_orm::ConnectionTrait;

use crate::app::ProductApp;
use crate::change::policy_subject;

/// Evaluates each user against the app's policy.
pub(crate) async fn targets(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    app: &ProductApp,
    users: &[UserSnapshot],
) -> Result<Vec<Candidate>, HookError> {
    let policy = app
        .policy(db, tenant)
        .await
        .map_err(|err| match err {
            crate::Error::Ledger(err) => ledger_failure(err),
            other => {
                tracing::error!(error = %other, "could not read a license policy");
                HookError::Failed(rosterd_scim::ScimError::internal())
            }
        })?
        .policy;
    Ok(users
        .iter()
        .map(|user| policy_subject(user).candidate(&policy))
        .collect())
}

/// Makes the ledger agree with the candidates in the request's transaction. `refusal_person`
/// is the person a refusal is recorded against (`None` for a refused creation).
pub(crate) async fn apply(
    txn: &impl ConnectionTrait,
    clock: &dyn Clock,
    ctx: &ScimContext,
    candidates: Vec<Candidate>,
    mode: Mode,
    refusal_person: Option<PersonId>,
) -> Result<(), HookError> {
    let actor = scim_actor(ctx);
    let refusal = rosterd_ledger::reconcile(
        &rosterd_ledger::TenantLedger::new(txn, clock, ctx.tenant, &actor),
        ctx.product,
        candidates,
        mode,
    )
    .await
    .map_err(ledger_failure)?;
    let Some(refusal) = refusal else {
        return Ok(());
    };
    let error = pool_full_error(
        ctx.product,
        refusal.kind,
        &refusal.subject,
        refusal.in_use,
        refusal.capacity,
    );
    let record = rosterd_directory::RefusalRecord {
        person: refusal_person,
        subject: refusal.subject,
        kind: refusal.kind,
        reason: error.detail.clone(),
    };
    Err(HookError::Refused {
        error,
        record: Some(record),
    })
}

/// The ledger actor of a SCIM request: the app and token prefix, caused by the request's id.
pub(crate) fn scim_actor(ctx: &ScimContext) -> Actor {
    Actor::scim(ctx.actor.clone(), &ctx.request_id)
}

/// The SCIM error of a request refused for want of a seat.
pub(crate) fn pool_full_error(
    product: Product,
    kind: LicenseKind,
    subject: &str,
    in_use: i64,
    capacity: i64,
) -> ScimError {
    ScimError::forbidden(format!(
        "{product} cannot license `{subject}`: the {pool} pool (`{slug}`) is full, {in_use} of \
         {capacity} seats assigned; more licenses are needed. Nothing was changed: add seats, \
         or free some, and retry.",
        product = product.display_name(),
        pool = kind.display_name(),
        slug = kind.slug(),
    ))
}

/// A ledger failure as a hook error: races retry the transaction; the rest is logged and
/// answered with a generic 500.
pub(crate) fn ledger_failure(err: rosterd_ledger::Error) -> HookError {
    match err {
        rosterd_ledger::Error::Conflict => HookError::Retry,
        rosterd_ledger::Error::Database(db) if db.is_contention() => HookError::Retry,
        other => {
            tracing::error!(error = %other, "license ledger failure during provisioning");
            HookError::Failed(ScimError::internal())
        }
    }
}
