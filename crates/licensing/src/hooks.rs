//! The one implementation of the directory's provisioning hooks, shared by the three product
//! apps, turning SCIM writes into ledger calls inside the same transaction. What differs per
//! product is only its [`ProductApp`]'s policy (Learning and TeamLink Extend: every active
//! user; Sales Navigator: the stored policy). The settling itself (revoke, adopt, change tier,
//! assign, wait) is [`rosterd_ledger::reconcile`], the same algorithm a policy change runs, so
//! both follow one set of rules.
//!
//! A full pool refuses a request whose purpose is the license (a user created or reactivated in
//! an app that licenses every user) with **403** and no `scimType`: the request is valid and
//! authorised but not permitted by the tenant's entitlement. Not 409, which RFC 7644 keeps for
//! uniqueness and version conflicts and which IdPs answer by trying to match an existing user;
//! not 5xx, which IdPs retry. Rule-driven eligibility waits on the pool's list instead.

use rosterd_database::WriteTransaction;
use std::sync::Arc;

use rosterd_directory::hooks::{Extensions, HookFuture};
use rosterd_directory::{
    HookError, MembershipChange, ProvisioningHooks, RefusalRecord, UserChange,
};
use rosterd_domain::{Clock, PersonId};
use rosterd_scim::schema::LICENSE_EXTENSION_SCHEMA;
use rosterd_scim::{ScimContext, ScimError};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

use rosterd_ledger::{Candidate, Mode};

use crate::app::ProductApp;
use crate::reconcile::{self, scim_actor};

/// The provisioning hooks that keep one product app's licenses in step with the directory.
#[derive(Debug, Clone)]
pub struct Licensing {
    clock: Arc<dyn Clock>,
    app: ProductApp,
}

impl Licensing {
    pub fn new(clock: Arc<dyn Clock>, app: ProductApp) -> Self {
        Self { clock, app }
    }
}

impl ProvisioningHooks for Licensing {
    fn user_changed<'a>(
        &'a self,
        txn: &'a WriteTransaction,
        ctx: &'a ScimContext,
        change: &'a UserChange,
    ) -> HookFuture<'a, Result<(), HookError>> {
        Box::pin(async move {
            let mode = match change.active_before {
                // Created or reactivated: the license is what the request asks for.
                None | Some(false) => Mode::Request,
                Some(true) => Mode::Background,
            };
            let snapshots: Vec<_> = change.after.iter().cloned().collect();
            let targets = if snapshots.is_empty() {
                vec![Candidate {
                    person: change.person_id,
                    name: change.user_name.clone(),
                    target: None,
                    fresh: change.person_new,
                }]
            } else {
                let mut targets =
                    reconcile::targets(txn, ctx.tenant, &self.app, &snapshots).await?;
                for target in &mut targets {
                    // A person this request created holds nothing yet: skip looking.
                    target.fresh = change.person_new;
                }
                targets
            };
            let refusal_person = change.active_before.map(|_| change.person_id);
            reconcile::apply(txn, self.clock.as_ref(), ctx, targets, mode, refusal_person).await
        })
    }

    fn memberships_changed<'a>(
        &'a self,
        txn: &'a WriteTransaction,
        ctx: &'a ScimContext,
        change: &'a MembershipChange,
    ) -> HookFuture<'a, Result<(), HookError>> {
        Box::pin(async move {
            if change.affected.is_empty() {
                return Ok(());
            }
            let targets = reconcile::targets(txn, ctx.tenant, &self.app, &change.affected).await?;
            reconcile::apply(txn, self.clock.as_ref(), ctx, targets, Mode::Group, None).await
        })
    }

    fn record_refusal<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        ctx: &'a ScimContext,
        record: &'a RefusalRecord,
    ) -> HookFuture<'a, ()> {
        Box::pin(async move {
            let written = rosterd_ledger::record_refusal(
                &rosterd_ledger::TenantLedger::new(
                    db,
                    self.clock.as_ref(),
                    ctx.tenant,
                    &scim_actor(ctx),
                ),
                record.person,
                &record.subject,
                record.kind,
                &record.reason,
            )
            .await;
            if let Err(err) = written {
                tracing::error!(error = %err, kind = record.kind.slug(), "could not record a license refusal");
            }
        })
    }

    fn user_extensions<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        ctx: &'a ScimContext,
        users: &'a [(String, PersonId)],
    ) -> HookFuture<'a, Result<Extensions, ScimError>> {
        Box::pin(async move {
            let people: Vec<PersonId> = users.iter().map(|(_, p)| *p).collect();
            let licenses = rosterd_ledger::live_licenses_of_people(db, ctx.tenant, &people)
                .await
                .map_err(|err| {
                    tracing::error!(error = %err, "could not read licenses for SCIM Users");
                    ScimError::internal()
                })?;
            Ok(users
                .iter()
                .map(|(_, person)| {
                    let held: Vec<Value> = licenses
                        .iter()
                        .filter(|l| l.person_id == *person && l.kind.product() == ctx.product)
                        .map(|l| {
                            json!({
                                "kind": l.kind.slug(),
                                "state": l.state.as_str(),
                                "source": l.source.to_string(),
                            })
                        })
                        .collect();
                    vec![(LICENSE_EXTENSION_SCHEMA, json!({ "licenses": held }))]
                })
                .collect())
        })
    }
}
