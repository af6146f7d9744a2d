//! `rosterd policy ...`: show and set a product app's license policy (Sales Navigator's tiers
//! by default, group and attribute rules). Setting a policy does not yet re-evaluate the app's
//! users: the new rules apply to each user at their next SCIM change.

use std::process::ExitCode;

use clap::Subcommand;
use rosterd_domain::Product;
use rosterd_ledger::LicensePolicy;

use super::{Context, clock};

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Print a product app's policy.
    Show { tenant: String, product: Product },
    /// Replace a product app's policy.
    Set {
        tenant: String,
        product: Product,
        /// The tier for users no rule matches: `core`, `advanced`, `advanced-plus` or `none`.
        #[arg(long)]
        default: String,
        /// `group:NAME=TIER` or `ATTRIBUTE:VALUE=TIER`, in the order they apply.
        #[arg(long = "rule")]
        rules: Vec<String>,
    },
}

/// Runs one `policy` command.
pub async fn run(ctx: &mut Context<'_>, command: PolicyCommand) -> anyhow::Result<ExitCode> {
    match command {
        PolicyCommand::Show { tenant, product } => {
            let tenant = rosterd_tenancy::find_tenant(&ctx.db, &tenant).await?;
            let stored = rosterd_ledger::get_policy(&ctx.db, tenant.id, product).await?;
            ctx.emit(&stored, || format!("{:#?}\n", stored.policy))?;
        }
        PolicyCommand::Set {
            tenant,
            product,
            default,
            rules,
        } => {
            let tenant = rosterd_tenancy::find_tenant(&ctx.db, &tenant).await?;
            let policy = LicensePolicy::parse(&default, &rules)?;
            let stored =
                rosterd_ledger::set_policy(&ctx.db, clock(), tenant.id, product, &policy).await?;
            ctx.emit(&stored, || format!("policy set: {:#?}\n", stored.policy))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
