//! From directory snapshots to the ledger's reconcile: who the policy sees (a
//! [`PolicySubject`]), and the request's refusal as a SCIM error. The algorithm itself (revoke,
//! adopt, change tier, assign, wait) is [`rosterd_ledger::reconcile`], shared with policy
//! changes, so a SCIM write and a policy change follow the same rules.

use rosterd_directory::{HookError, UserSnapshot};
use rosterd_domain::{Clock, PersonId, Product, TenantId};
use rosterd_ledger::{
    Candidate, LicensePolicy, Mode, PolicySubject, RULE_ATTRIBUTES, Subject, WaitKey,
};
use rosterd_scim::ScimContext;
use sea_orm::ConnectionTrait;

use super::{ledger_failure, pool_full_error, scim_actor};

/// The policy of an app (one query for Sales Navigator; built in for the others).
pub async fn policy_of(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    product: Product,
) -> Result<LicensePolicy, HookError> {
    match product {
        Product::SalesNavigator => Ok(rosterd_ledger::get_policy(db, tenant, product)
            .await
            .map_err(ledger_failure)?
            .policy),
        other => Ok(LicensePolicy::built_in(other)),
    }
}

/// What a policy sees of a user: their groups, the rule attributes of their document, and their
/// waiting-list order key.
pub fn policy_subject(user: &UserSnapshot) -> PolicySubject {
    PolicySubject {
        person: user.person_id,
        name: user.user_name.clone(),
        active: user.active,
        subject: Subject {
            groups: user.groups.clone(),
            attributes: user.attribute_values(&RULE_ATTRIBUTES),
        },
        key: WaitKey {
            employee_number: user.employee_number(),
            family_name: user.family_name(),
            given_name: user.given_name(),
        },
    }
}

/// Evaluates each user against the app's policy.
pub async fn targets(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    product: Product,
    users: &[UserSnapshot],
) -> Result<Vec<Candidate>, HookError> {
    let policy = policy_of(db, tenant, product).await?;
    Ok(users
        .iter()
        .map(|user| policy_subject(user).candidate(product, &policy))
        .collect())
}

/// Makes the ledger agree with the candidates in the request's transaction. `refusal_person`
/// is the person a refusal is recorded against (`None` for a refused creation).
pub async fn apply(
    txn: &impl ConnectionTrait,
    clock: &dyn Clock,
    ctx: &ScimContext,
    candidates: Vec<Candidate>,
    mode: Mode,
    refusal_person: Option<PersonId>,
) -> Result<(), HookError> {
    let actor = scim_actor(ctx);
    let refusal = rosterd_ledger::reconcile(
        txn,
        clock,
        ctx.tenant,
        ctx.product,
        &actor,
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
