//! `rosterd policy ...`: show and set a product app's license policy (Sales Navigator's tiers
//! by default, group and attribute rules). Setting a policy re-evaluates everyone the app
//! provisions in the same transaction as the save (assign, change tier, revoke, wait, adopt);
//! `--dry-run` prints what that would do and changes nothing.

use std::fmt::Write as _;
use std::process::ExitCode;

use clap::Subcommand;
use rosterd_domain::Product;
use rosterd_ledger::{Actor, LicensePolicy, Plan, StoredPolicy};
use serde::Serialize;

use super::{Context, clock};

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Print a product app's policy.
    Show { tenant: String, product: Product },
    /// Replace a product app's policy and re-evaluate everyone the app provisions.
    Set {
        tenant: String,
        product: Product,
        /// The tier for users no rule matches: `core`, `advanced`, `advanced-plus` or `none`.
        #[arg(long)]
        default: String,
        /// `group:NAME=TIER` or `ATTRIBUTE:VALUE=TIER`, in the order they apply.
        #[arg(long = "rule")]
        rules: Vec<String>,
        /// Print what saving would do (per pool: assigned, changed, revoked, waiting) and
        /// change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// What `policy set` prints.
#[derive(Debug, Serialize)]
struct SetOutcome<'a> {
    dry_run: bool,
    policy: &'a LicensePolicy,
    /// When the policy was saved (absent on a dry run).
    #[serde(skip_serializing_if = "Option::is_none")]
    stored: Option<&'a StoredPolicy>,
    plan: &'a Plan,
}

/// Runs one `policy` command.
pub async fn run(ctx: &mut Context<'_>, command: PolicyCommand) -> anyhow::Result<ExitCode> {
    match command {
        PolicyCommand::Show { tenant, product } => {
            let tenant = rosterd_tenancy::find_tenant(&ctx.db, &tenant).await?;
            let stored = crate::apps::app(product).policy(&ctx.db, tenant.id).await?;
            ctx.emit(&stored, || format!("{:#?}\n", stored.policy))?;
        }
        PolicyCommand::Set {
            tenant,
            product,
            default,
            rules,
            dry_run,
        } => {
            let tenant = rosterd_tenancy::find_tenant(&ctx.db, &tenant).await?;
            let policy = LicensePolicy::parse(&default, &rules)?;
            let app = crate::apps::app(product);
            let (stored, plan) = if dry_run {
                let plan =
                    rosterd_licensing::preview_policy(&ctx.db, &app, tenant.id, &policy).await?;
                (None, plan)
            } else {
                let actor = Actor::operator().with_cause("policy set");
                let (stored, plan) = rosterd_licensing::save_policy(
                    &ctx.db,
                    clock(),
                    &app,
                    tenant.id,
                    &policy,
                    &actor,
                )
                .await?;
                (Some(stored), plan)
            };
            let outcome = SetOutcome {
                dry_run,
                policy: &policy,
                stored: stored.as_ref(),
                plan: &plan,
            };
            ctx.emit(&outcome, || describe(&policy, &plan, dry_run))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The plan for people: the policy, then per pool what changes, with names.
fn describe(policy: &LicensePolicy, plan: &Plan, dry_run: bool) -> String {
    let mut out = String::new();
    let rules: Vec<String> = policy.rules.iter().map(ToString::to_string).collect();
    let _ = writeln!(
        out,
        "{} policy: default {}; rules: {}",
        if dry_run { "dry run of" } else { "saved" },
        policy.default_name(),
        if rules.is_empty() {
            "none".to_owned()
        } else {
            rules.join(", ")
        }
    );
    let _ = writeln!(out, "{} people evaluated", plan.people);
    if plan.is_empty() {
        let _ = writeln!(out, "no license changes");
    }
    for pool in plan.pools.iter().filter(|p| !p.is_empty()) {
        let _ = writeln!(
            out,
            "{} ({}): {} -> {} of {} seats in use",
            pool.kind.display_name(),
            pool.kind.slug(),
            pool.in_use_before,
            pool.in_use_after,
            pool.capacity
        );
        let names =
            |people: &mut dyn Iterator<Item = String>| people.collect::<Vec<_>>().join(", ");
        let mut line = |(would, did): (&str, &str), count: usize, list: String| {
            if count > 0 {
                let label = if dry_run { would } else { did };
                let _ = writeln!(out, "  {label} {count}: {list}");
            }
        };
        line(
            ("would assign", "assigned"),
            pool.assigned.len(),
            names(&mut pool.assigned.iter().map(|n| n.name.clone())),
        );
        line(
            ("would change", "changed"),
            pool.changed.len(),
            names(
                &mut pool
                    .changed
                    .iter()
                    .map(|c| format!("{} (from {})", c.name, rosterd_ledger::tier_name(c.from))),
            ),
        );
        line(
            ("would revoke", "revoked"),
            pool.revoked.len(),
            names(&mut pool.revoked.iter().map(|n| n.name.clone())),
        );
        line(
            ("would adopt", "adopted"),
            pool.adopted.len(),
            names(&mut pool.adopted.iter().map(|n| n.name.clone())),
        );
        line(
            ("would put on the waiting list", "put on the waiting list"),
            pool.waiting.len(),
            names(&mut pool.waiting.iter().map(|n| n.name.clone())),
        );
        line(
            (
                "would take off the waiting list",
                "taken off the waiting list",
            ),
            pool.left_waiting.len(),
            names(&mut pool.left_waiting.iter().map(|n| n.name.clone())),
        );
    }
    out
}
