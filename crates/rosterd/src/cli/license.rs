//! `rosterd license ...`: grant and revoke licenses by hand, resend activation notices, list
//! them, read waiting lists.
//! People are named by email (case-insensitive). A license a SCIM app owns cannot be revoked
//! here: the refusal says to change it in the identity provider.

use std::collections::HashMap;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;
use rosterd_domain::{LicenseKind, PersonId, TenantId};
use rosterd_ledger::{License, LicenseQuery, LicenseState, Waiting};
use serde::Serialize;

use super::{Context, operator_change};

#[derive(Debug, Subcommand)]
pub enum LicenseCommand {
    /// Give a person a license by hand (takes a seat; refused when the pool is full).
    Grant {
        tenant: String,
        email: String,
        kind: LicenseKind,
    },
    /// Take a hand-given license away (frees its seat; the waiting list is served).
    Revoke {
        tenant: String,
        email: String,
        kind: LicenseKind,
    },
    /// Send a person's activation notice again: the outbox worker sends a new link, and every
    /// link sent before stops working.
    Resend {
        tenant: String,
        email: String,
        kind: LicenseKind,
    },
    /// The tenant's licenses, oldest first.
    List {
        tenant: String,
        #[arg(long)]
        kind: Option<LicenseKind>,
        /// `assigned`, `active` or `revoked`.
        #[arg(long)]
        state: Option<LicenseState>,
    },
    /// A license kind's waiting list, in serving order.
    Waitlist { tenant: String, kind: LicenseKind },
}

/// A license with its holder's email.
#[derive(Serialize)]
struct LicenseView {
    #[serde(flatten)]
    license: License,
    email: Option<String>,
}

/// A waiting-list place with the person's email.
#[derive(Serialize)]
struct WaitingView {
    position: usize,
    #[serde(flatten)]
    waiting: Waiting,
    email: Option<String>,
}

/// Runs one `license` command.
pub async fn run(ctx: &mut Context<'_>, command: LicenseCommand) -> anyhow::Result<ExitCode> {
    match command {
        LicenseCommand::Grant {
            tenant,
            email,
            kind,
        } => {
            let tenant = rosterd_tenancy::find_tenant(&ctx.db, &tenant).await?;
            let person = person_id(ctx, tenant.id, &email).await?;
            let reason = format!("{email}: granted by hand");
            let given =
                rosterd_ledger::give_license(operator_change(ctx, &tenant), person, kind, &reason)
                    .await?;
            let (rosterd_ledger::Given::New(license) | rosterd_ledger::Given::AlreadyHeld(license)) =
                given;
            let view = LicenseView {
                license,
                email: Some(email),
            };
            ctx.emit(&view, || {
                format!(
                    "{} holds {} ({}, {})\n",
                    view.email.as_deref().unwrap_or_default(),
                    view.license.kind,
                    view.license.state,
                    view.license.source
                )
            })?;
        }
        LicenseCommand::Revoke {
            tenant,
            email,
            kind,
        } => {
            let tenant = rosterd_tenancy::find_tenant(&ctx.db, &tenant).await?;
            let person = person_id(ctx, tenant.id, &email).await?;
            let reason = format!("{email}: revoked by hand");
            let change = operator_change(ctx, &tenant);
            let revoked = rosterd_ledger::revoke_license_by_hand(change, person, kind, &reason)
                .await
                .with_context(|| format!("cannot revoke {email}'s {kind} license"))?;
            ctx.emit(&revoked, || {
                let mut text = format!("revoked {email}'s {kind} license\n");
                if !revoked.served.is_empty() {
                    text.push_str(&format!(
                        "the freed seat went to the waiting list: {} license(s) given\n",
                        revoked.served.len()
                    ));
                }
                text
            })?;
        }
        LicenseCommand::Resend {
            tenant,
            email,
            kind,
        } => {
            let tenant = rosterd_tenancy::find_tenant(&ctx.db, &tenant).await?;
            let person = person_id(ctx, tenant.id, &email).await?;
            let license =
                rosterd_ledger::resend_notice(operator_change(ctx, &tenant), person, kind)
                    .await
                    .with_context(|| format!("cannot resend {email}'s {kind} activation notice"))?;
            let view = LicenseView {
                license,
                email: Some(email),
            };
            ctx.emit(&view, || {
                format!(
                    "a new activation link for {} is queued for {}; links sent before no longer work\n",
                    view.license.kind,
                    view.email.as_deref().unwrap_or_default()
                )
            })?;
        }
        LicenseCommand::List {
            tenant,
            kind,
            state,
        } => {
            let tenant = rosterd_tenancy::find_tenant(&ctx.db, &tenant).await?;
            let query = LicenseQuery {
                kind,
                state,
                ..LicenseQuery::default()
            };
            let licenses = rosterd_ledger::list_licenses(&ctx.db, tenant.id, &query).await?;
            let emails = emails(ctx, tenant.id).await?;
            let views: Vec<LicenseView> = licenses
                .into_iter()
                .map(|license| LicenseView {
                    email: emails.get(&license.person_id).cloned().flatten(),
                    license,
                })
                .collect();
            ctx.emit(&views, || {
                if views.is_empty() {
                    return "no licenses match\n".to_owned();
                }
                views
                    .iter()
                    .map(|v| {
                        format!(
                            "{:<32} {:<32} {:<9} {}\n",
                            v.email.as_deref().unwrap_or("-"),
                            v.license.kind,
                            v.license.state,
                            v.license.source
                        )
                    })
                    .collect()
            })?;
        }
        LicenseCommand::Waitlist { tenant, kind } => {
            let tenant = rosterd_tenancy::find_tenant(&ctx.db, &tenant).await?;
            let waiting = rosterd_ledger::waitlist(&ctx.db, tenant.id, kind).await?;
            let emails = emails(ctx, tenant.id).await?;
            let views: Vec<WaitingView> = waiting
                .into_iter()
                .enumerate()
                .map(|(i, waiting)| WaitingView {
                    position: i + 1,
                    email: emails.get(&waiting.person_id).cloned().flatten(),
                    waiting,
                })
                .collect();
            ctx.emit(&views, || {
                if views.is_empty() {
                    return format!("nobody is waiting for {kind}\n");
                }
                views
                    .iter()
                    .map(|v| {
                        format!(
                            "{:>4}. {:<32} since {} ({})\n",
                            v.position,
                            v.email.as_deref().unwrap_or("-"),
                            v.waiting.since.format("%Y-%m-%d %H:%M:%S"),
                            v.waiting.reason
                        )
                    })
                    .collect()
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The person with this email (case-insensitive), or an error naming the email.
async fn person_id(ctx: &Context<'_>, tenant: TenantId, email: &str) -> anyhow::Result<PersonId> {
    Ok(
        rosterd_directory::people::find_by_email(&ctx.db, tenant, email)
            .await?
            .with_context(|| {
                format!(
                    "no person with email `{email}`; create one with `rosterd person add` or provision them through SCIM"
                )
            })?
            .id,
    )
}

/// Every person's email, by id, read a page at a time.
async fn emails(
    ctx: &Context<'_>,
    tenant: TenantId,
) -> anyhow::Result<HashMap<PersonId, Option<String>>> {
    let mut out = HashMap::new();
    let mut after = None;
    loop {
        let page = rosterd_directory::people::list(&ctx.db, tenant, after, 1000).await?;
        out.extend(page.people.into_iter().map(|p| (p.id, p.email)));
        match page.next_after {
            Some(next) => after = Some(next),
            None => return Ok(out),
        }
    }
}
