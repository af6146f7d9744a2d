//! A policy change, previewed or saved: written once for the operator CLI and the admin center.
//! Both read everyone the app provisions as a policy sees them ([`policy_subject`]) and hand
//! them to the ledger's planner (preview) or reconcile (save), so a preview says exactly what
//! saving would do.

use rosterd_directory::UserSnapshot;
use rosterd_domain::{Clock, TenantId};
use rosterd_ledger::{
    Actor, LicensePolicy, Plan, PolicySubject, RULE_ATTRIBUTES, StoredPolicy, Subject, WaitKey,
};
use sea_orm::{ConnectionTrait, DatabaseConnection};

use crate::app::ProductApp;
use crate::error::{Error, Result};

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

/// Everyone the app provisions, as the policy sees them.
async fn subjects(
    db: &impl ConnectionTrait,
    app: &ProductApp,
    tenant: TenantId,
) -> Result<Vec<PolicySubject>> {
    let users = rosterd_directory::subjects::app_users(db, tenant, app.product).await?;
    Ok(users.iter().map(policy_subject).collect())
}

fn configurable(app: &ProductApp) -> Result<()> {
    if app.is_configurable() {
        Ok(())
    } else {
        Err(Error::FixedPolicy(app.product))
    }
}

/// What saving `policy` for the app would do to everyone it provisions; changes nothing.
pub async fn preview_policy(
    db: &impl ConnectionTrait,
    app: &ProductApp,
    tenant: TenantId,
    policy: &LicensePolicy,
) -> Result<Plan> {
    configurable(app)?;
    let people = subjects(db, app, tenant).await?;
    Ok(rosterd_ledger::preview_policy(db, tenant, app.product, policy, &people).await?)
}

/// Saves `policy` for the app and re-evaluates everyone it provisions, in one transaction; the
/// ledger writes its entries and audit events, naming `actor`. Returns the stored policy and
/// what changed.
pub async fn save_policy(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    app: &ProductApp,
    tenant: TenantId,
    policy: &LicensePolicy,
    actor: &Actor,
) -> Result<(StoredPolicy, Plan)> {
    configurable(app)?;
    // Reads everyone, then writes: on SQLite the write lock is taken at the start, or a SCIM
    // write committing in between fails this one with SQLITE_BUSY_SNAPSHOT (`rosterd policy set`
    // against a serving database did).
    let txn = rosterd_database::begin_write(db)
        .await
        .map_err(rosterd_ledger::Error::from)?;
    let people = subjects(&txn, app, tenant).await?;
    let saved = rosterd_ledger::apply_policy(
        &rosterd_ledger::TenantLedger::new(&txn, clock, tenant, actor),
        app.product,
        policy,
        &people,
    )
    .await?;
    txn.commit().await.map_err(rosterd_ledger::Error::from)?;
    Ok(saved)
}
