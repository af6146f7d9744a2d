//! `rosterd operator ...`: accounts of the operator console at `/operator`.

use std::io::BufRead as _;
use std::process::ExitCode;

use clap::Subcommand;
use rosterd_domain::Secret;

use super::{Context, clock};

#[derive(Debug, Subcommand)]
pub enum OperatorCommand {
    /// Create an operator account; prints a one-time password unless one is read from stdin.
    Create {
        email: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the operator accounts.
    List,
}

pub async fn run(ctx: &mut Context<'_>, command: OperatorCommand) -> anyhow::Result<ExitCode> {
    match command {
        OperatorCommand::Create {
            email,
            password_stdin,
        } => {
            let (password, generated) = if password_stdin {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                (Secret::new(line.trim_end_matches(['\r', '\n'])), false)
            } else {
                (rosterd_tenancy::generate_password(), true)
            };
            let account =
                rosterd_tenancy::create_operator(&ctx.db, clock(), &email, &password).await?;
            let login_url = format!("{}/operator/login", ctx.config.public_url);
            let value = serde_json::json!({
                "email": account.email,
                "password": generated.then(|| password.expose()),
                "login_url": login_url,
            });
            ctx.emit(&value, || {
                let mut text = format!("created operator {}\nlogin: {login_url}\n", account.email);
                if generated {
                    text.push_str(&format!(
                        "one-time password (shown only now): {}\n",
                        password.expose()
                    ));
                }
                text
            })?;
        }
        OperatorCommand::List => {
            let operators = rosterd_tenancy::list_operators(&ctx.db).await?;
            ctx.emit(&operators, || {
                operators.iter().map(|o| format!("{}\n", o.email)).collect()
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
