//! `rosterd admin ...`: admin-center accounts.

use std::io::BufRead as _;
use std::process::ExitCode;

use clap::Subcommand;
use rosterd_domain::Secret;
use rosterd_tenancy::AdminRole;

use super::{Context, operator_change};

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an admin account; prints a one-time password unless one is read from stdin.
    Create {
        tenant: String,
        email: String,
        /// full-admin, license-admin or reporting.
        #[arg(long, default_value = "full-admin")]
        role: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List a tenant's admin accounts.
    List { tenant: String },
}

pub async fn run(ctx: &mut Context<'_>, command: AdminCommand) -> anyhow::Result<ExitCode> {
    match command {
        AdminCommand::Create {
            tenant,
            email,
            role,
            password_stdin,
        } => {
            let role: AdminRole = role.parse()?;
            let tenant = rosterd_tenancy::find_tenant(&ctx.db, &tenant).await?;
            let (password, generated) = if password_stdin {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                (Secret::new(line.trim_end_matches(['\r', '\n'])), false)
            } else {
                (rosterd_tenancy::generate_password(), true)
            };
            let change = operator_change(ctx, &tenant);
            let account = rosterd_tenancy::create_admin(change, &email, role, &password).await?;
            let login_url = format!("{}/admin/{}/login", ctx.config.public_url, tenant.slug);
            let value = serde_json::json!({
                "tenant": tenant.slug,
                "email": account.email,
                "role": account.role,
                "password": generated.then(|| password.expose()),
                "login_url": login_url,
            });
            ctx.emit(&value, || {
                let mut text = format!(
                    "created {} admin {} for {}\nlogin: {login_url}\n",
                    account.role.slug(),
                    account.email,
                    tenant.slug
                );
                if generated {
                    text.push_str(&format!(
                        "one-time password (shown only now): {}\n",
                        password.expose()
                    ));
                }
                text
            })?;
        }
        AdminCommand::List { tenant } => {
            let tenant = rosterd_tenancy::find_tenant(&ctx.db, &tenant).await?;
            let admins = rosterd_tenancy::list_admins(&ctx.db, tenant.id).await?;
            ctx.emit(&admins, || {
                admins
                    .iter()
                    .map(|a| format!("{:<40} {}\n", a.email, a.role.slug()))
                    .collect()
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
