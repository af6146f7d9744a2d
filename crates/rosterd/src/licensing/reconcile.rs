//! Re-evaluating users against their app's policy and making the ledger agree: assign, adopt a
//! manual license, change tier, revoke, or wait. Runs in the caller's transaction.
//!
//! One pass per request: revocations first (they free seats, which serve waiting lists), then
//! tier changes and adoptions, then new seats. When a group change makes more people eligible
//! for a kind than its pool has free seats, they are all put on the waiting list and the list is
//! served once, so the seats go out in serving order (employee number, family, given name), not
//! in the order of the PATCH.

use std::collections::BTreeMap;

use rosterd_directory::{HookError, UserSnapshot};
use rosterd_domain::{Clock, LicenseKind, PersonId, Product, TenantId};
use rosterd_ledger::{
    Eligibility, LicensePolicy, LicenseSource, RULE_ATTRIBUTES, Subject, WaitKey, eligible_kind,
};
use rosterd_scim::ScimContext;
use rosterd_scim::schema::ENTERPRISE_USER_SCHEMA;
use sea_orm::ConnectionTrait;
use serde_json::Value;

use super::{ledger_failure, pool_full_error, scim_actor};

/// What asked for the re-evaluation, which decides what a full pool does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A user created or reactivated: a full pool refuses an every-user license.
    Request,
    /// A user already active changed: a full pool makes them wait.
    Background,
    /// A group's members or name changed: full pools make people wait, served in order.
    Group,
}

/// One person to settle: who, how to name them, and what they should hold.
pub type Target = (PersonId, String, Option<(Eligibility, WaitKey)>);

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

/// What a policy sees of a user: their groups, and the rule attributes of their document.
pub fn subject_of(user: &UserSnapshot) -> Subject {
    let enterprise = user.document.get(ENTERPRISE_USER_SCHEMA);
    let attributes = RULE_ATTRIBUTES
        .iter()
        .filter_map(|name| {
            let value = enterprise
                .and_then(|e| e.get(*name))
                .or_else(|| user.document.get(*name))
                .and_then(Value::as_str)?;
            Some((name.to_lowercase(), value.to_owned()))
        })
        .collect();
    Subject {
        groups: user.groups.clone(),
        attributes,
    }
}

/// The waiting-list order key of a user.
pub fn wait_key(user: &UserSnapshot) -> WaitKey {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    WaitKey {
        employee_number: text(
            user.document
                .get(ENTERPRISE_USER_SCHEMA)
                .and_then(|e| e.get("employeeNumber")),
        ),
        family_name: text(user.document.pointer("/name/familyName")),
        given_name: text(user.document.pointer("/name/givenName")),
    }
}

/// Evaluates each user against the app's policy.
pub async fn targets(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    product: Product,
    users: &[UserSnapshot],
) -> Result<Vec<Target>, HookError> {
    let policy = policy_of(db, tenant, product).await?;
    Ok(users
        .iter()
        .map(|user| {
            let target = eligible_kind(product, &policy, &subject_of(user), user.active)
                .map(|e| (e, wait_key(user)));
            (user.person_id, user.user_name.clone(), target)
        })
        .collect())
}

/// Someone who needs a new seat of `kind`.
struct Need {
    person: PersonId,
    subject: String,
    eligibility: Eligibility,
    key: WaitKey,
}

/// Makes the ledger agree with the targets (see the module documentation). `refusal_person`
/// is the person a refusal is recorded against (`None` for a refused creation).
pub async fn apply(
    txn: &impl ConnectionTrait,
    clock: &dyn Clock,
    ctx: &ScimContext,
    mut targets: Vec<Target>,
    mode: Mode,
    refusal_person: Option<PersonId>,
) -> Result<(), HookError> {
    targets.sort_by_key(|t| t.2.is_some());
    let mut needs: BTreeMap<LicenseKind, Vec<Need>> = BTreeMap::new();
    for (person, subject, target) in targets {
        if let Some(need) = settle(txn, clock, ctx, person, subject, target).await? {
            needs.entry(need.eligibility.kind).or_default().push(need);
        }
    }
    let actor = scim_actor(ctx);
    let tenant = ctx.tenant;
    for (kind, wanting) in needs {
        let free = rosterd_ledger::pools(txn, tenant)
            .await
            .map_err(ledger_failure)?
            .into_iter()
            .find(|p| p.license_kind == kind)
            .map_or(0, |p| p.free());
        let many = mode == Mode::Group && i64::try_from(wanting.len()).unwrap_or(i64::MAX) > free;
        for need in &wanting {
            let reason = reason(ctx, need);
            if many {
                enqueue(txn, clock, ctx, need, &reason).await?;
                continue;
            }
            let source = LicenseSource::Scim(ctx.product);
            match rosterd_ledger::assign(
                txn,
                clock,
                tenant,
                need.person,
                kind,
                source,
                &actor,
                &reason,
            )
            .await
            {
                Ok(_) => {}
                Err(rosterd_ledger::Error::PoolFull {
                    in_use, capacity, ..
                }) if mode == Mode::Request && !need.eligibility.waits_when_full() => {
                    let error = pool_full_error(ctx.product, kind, &need.subject, in_use, capacity);
                    let record = rosterd_directory::RefusalRecord {
                        person: refusal_person,
                        subject: need.subject.clone(),
                        kind,
                        reason: error.detail.clone(),
                    };
                    return Err(HookError::Refused {
                        error,
                        record: Some(record),
                    });
                }
                Err(rosterd_ledger::Error::PoolFull { .. }) => {
                    enqueue(txn, clock, ctx, need, &reason).await?;
                }
                Err(other) => return Err(ledger_failure(other)),
            }
        }
        if many {
            rosterd_ledger::serve_waitlist(txn, clock, tenant, kind, &actor)
                .await
                .map_err(ledger_failure)?;
        }
    }
    Ok(())
}

fn reason(ctx: &ScimContext, need: &Need) -> String {
    match need.eligibility.basis {
        rosterd_ledger::Basis::EveryUser => format!(
            "provisioned through the {} SCIM app",
            ctx.product.display_name()
        ),
        rosterd_ledger::Basis::Rule(n) => format!("matches license rule {}", n + 1),
    }
}

async fn enqueue(
    txn: &impl ConnectionTrait,
    clock: &dyn Clock,
    ctx: &ScimContext,
    need: &Need,
    reason: &str,
) -> Result<(), HookError> {
    rosterd_ledger::enqueue(
        txn,
        clock,
        ctx.tenant,
        need.person,
        need.eligibility.kind,
        &need.key,
        ctx.product,
        &scim_actor(ctx),
        &format!("{}: {reason}; the pool is full", need.subject),
    )
    .await
    .map_err(ledger_failure)?;
    Ok(())
}

/// Revokes, adopts or changes tier for one person; returns what still needs a new seat.
async fn settle(
    txn: &impl ConnectionTrait,
    clock: &dyn Clock,
    ctx: &ScimContext,
    person: PersonId,
    subject: String,
    target: Option<(Eligibility, WaitKey)>,
) -> Result<Option<Need>, HookError> {
    let (tenant, product, actor) = (ctx.tenant, ctx.product, scim_actor(ctx));
    let live: Vec<_> = rosterd_ledger::licenses_of(txn, tenant, person)
        .await
        .map_err(ledger_failure)?
        .into_iter()
        .filter(|l| l.state.is_live() && l.kind.product() == product)
        .collect();
    let wanted = target.as_ref().map(|(e, _)| e.kind);
    for kind in product.license_kinds() {
        if Some(*kind) != wanted {
            rosterd_ledger::dequeue(txn, tenant, person, *kind)
                .await
                .map_err(ledger_failure)?;
        }
    }
    let Some((eligibility, key)) = target else {
        for license in live
            .iter()
            .filter(|l| l.source == LicenseSource::Scim(product))
        {
            let reason =
                format!("{subject}: no longer eligible (inactive, deleted or out of scope)");
            rosterd_ledger::revoke(txn, clock, tenant, person, license.kind, &actor, &reason)
                .await
                .map_err(ledger_failure)?;
        }
        return Ok(None);
    };
    let kind = eligibility.kind;
    let held = live
        .iter()
        .find(|l| l.kind == kind)
        .or_else(|| live.first());
    let Some(held) = held else {
        return Ok(Some(Need {
            person,
            subject,
            eligibility,
            key,
        }));
    };
    if held.source == LicenseSource::Manual {
        let reason = format!("{subject}: became eligible through SCIM");
        rosterd_ledger::adopt(
            txn, clock, tenant, person, held.kind, product, &actor, &reason,
        )
        .await
        .map_err(ledger_failure)?;
    }
    if held.kind != kind {
        let reason = format!("{subject}: license rules now give {}", kind.display_name());
        match rosterd_ledger::change(txn, clock, tenant, person, held.kind, kind, &actor, &reason)
            .await
        {
            Ok(_) => {}
            Err(rosterd_ledger::Error::PoolFull {
                in_use, capacity, ..
            }) => {
                // Keep the old tier; the unmet demand is still a ledger entry.
                let why = format!(
                    "kept {}: {in_use} of {capacity} seats assigned; more licenses are needed",
                    held.kind.display_name()
                );
                rosterd_ledger::record_refusal(
                    txn,
                    clock,
                    tenant,
                    Some(person),
                    &subject,
                    kind,
                    &actor,
                    &why,
                )
                .await
                .map_err(ledger_failure)?;
            }
            Err(other) => return Err(ledger_failure(other)),
        }
    }
    Ok(None)
}
