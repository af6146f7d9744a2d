//! `rosterd ledger ...`: prove the license tables agree with the ledger, and read the ledger.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;

use super::Context;

#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Replay the tenant's ledger and compare with its licenses and pools; exit status 0 only
    /// when they agree.
    Verify { tenant: String },
    /// The tenant's ledger entries, oldest first.
    Log {
        tenant: String,
        /// Only entries about this person (by email).
        #[arg(long)]
        person: Option<String>,
    },
}

/// Runs one `ledger` command.
pub async fn run(ctx: &mut Context<'_>, command: LedgerCommand) -> anyhow::Result<ExitCode> {
    match command {
        LedgerCommand::Verify { tenant } => {
            let tenant = rosterd_tenancy::find_tenant(&ctx.db, &tenant).await?;
            let report = rosterd_ledger::verify(&ctx.db, tenant.id).await?;
            let clean = report.clean;
            ctx.emit(&report, || {
                if report.clean {
                    format!(
                        "clean: {} entries replayed, {} licenses agree\n",
                        report.entries, report.licenses
                    )
                } else {
                    let mut text = format!("{} differences:\n", report.differences.len());
                    for difference in &report.differences {
                        text.push_str(&format!("  {difference}\n"));
                    }
                    text
                }
            })?;
            Ok(if clean {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        LedgerCommand::Log { tenant, person } => {
            let tenant = rosterd_tenancy::find_tenant(&ctx.db, &tenant).await?;
            let person = match person {
                Some(email) => Some(
                    rosterd_directory::people::find_by_email(&ctx.db, tenant.id, &email)
                        .await?
                        .with_context(|| format!("no person with email `{email}`"))?
                        .id,
                ),
                None => None,
            };
            let entries = rosterd_ledger::entries(&ctx.db, tenant.id, person).await?;
            ctx.emit(&entries, || {
                entries
                    .iter()
                    .map(|e| {
                        format!(
                            "{:>5} {} {:?} {} by {} ({})\n",
                            e.seq,
                            e.created_at.format("%Y-%m-%d %H:%M:%S"),
                            e.kind,
                            e.license_kind.slug(),
                            e.actor.name,
                            e.reason
                        )
                    })
                    .collect()
            })?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
