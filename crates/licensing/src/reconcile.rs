//! From directory snapshots to the ledger's reconcile in a SCIM write's transaction, and the
//! request's refusal as a SCIM error. The algorithm itself (revoke,
//! adopt, change tier, assign, wait) is [`rosterd_ledger::reconcile`], shared with policy
//! changes, so a SCIM write and a policy change follow the same rules.

use rosterd_directory::{HookError, UserSnapshot};
use rosterd_domain::{Clock, PersonId, TenantId};
use rosterd_ledger::{Candidate, Mode};
use rosterd_scim::ScimContext;
use sea_orm::ConnectionTrait;

use crate::app::ProductApp;
use crate::change::policy_subject;
use crate::hooks::{ledger_failure, pool_full_error, scim_actor};

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
