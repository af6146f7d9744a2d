//! The operator CLI. Every command prints text for people, or JSON with `--json` for scripts
//! and tests. Output goes to the writer the caller passes, so tests run commands in-process.

mod admin;
mod client;
mod ledger;
mod license;
mod operator;
mod person;
mod policy;
mod serve;
pub(crate) mod tenant;
mod token;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use sea_orm::DatabaseConnection;
use serde::Serialize;

use crate::config::{Config, Overrides};

/// rosterd: SCIM provisioning and license management for Learning, Sales Navigator and
/// TeamLink Extend.
#[derive(Debug, Parser)]
#[command(name = "rosterd", version)]
pub struct Cli {
    /// A TOML configuration file (also ROSTERD_CONFIG).
    #[arg(long, global = true, env = "ROSTERD_CONFIG")]
    pub config: Option<PathBuf>,
    /// The database URL; overrides DATABASE_URL and the config file.
    #[arg(long, global = true)]
    pub database_url: Option<String>,
    /// The public base URL used in printed URLs; overrides ROSTERD_PUBLIC_URL.
    #[arg(long, global = true)]
    pub public_url: Option<String>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve(serve::ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create and inspect tenants and their seat capacities.
    #[command(subcommand)]
    Tenant(tenant::TenantCommand),
    /// Admin-center accounts.
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// SCIM bearer tokens of a tenant's product apps.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// OAuth 2.0 clients of a tenant's product apps (client credentials).
    #[command(subcommand)]
    Client(client::ClientCommand),
    /// Turn a product app's SCIM on or off.
    #[command(subcommand)]
    App(token::AppCommand),
    /// Operator console accounts.
    #[command(subcommand)]
    Operator(operator::OperatorCommand),
    /// The license ledger: verify it, read it.
    #[command(subcommand)]
    Ledger(ledger::LedgerCommand),
    /// A product app's license policy.
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
    /// People created by hand.
    #[command(subcommand)]
    Person(person::PersonCommand),
    /// Licenses given by hand, listed, and waiting lists.
    #[command(subcommand)]
    License(license::LicenseCommand),
}

/// What a command needs: configuration, the database, and where to write.
pub struct Context<'a> {
    pub config: Config,
    pub db: DatabaseConnection,
    pub json: bool,
    pub out: &'a mut (dyn Write + Send),
    /// Who the CLI's changes are by: the operator (the CLI has no account of its own).
    pub actor: rosterd_audit::Actor,
}

impl Context<'_> {
    /// Prints `value` as JSON, or `text` for people.
    pub fn emit<T: Serialize>(
        &mut self,
        value: &T,
        text: impl FnOnce() -> String,
    ) -> anyhow::Result<()> {
        if self.json {
            serde_json::to_writer_pretty(&mut *self.out, value)?;
            writeln!(self.out)?;
        } else {
            write!(self.out, "{}", text())?;
        }
        Ok(())
    }
}

/// Runs one CLI invocation.
pub async fn run(cli: Cli, out: &mut (dyn Write + Send)) -> anyhow::Result<ExitCode> {
    let config = Config::load(
        cli.config.as_deref(),
        &Overrides {
            database_url: cli.database_url.clone(),
            public_url: cli.public_url.clone(),
            listen: match &cli.command {
                Command::Serve(args) => args.listen.clone(),
                _ => None,
            },
        },
    )?;
    if let Command::Serve(args) = cli.command {
        return serve::run(config, args, out).await;
    }
    let db = crate::db::connect(&config).await?;
    // Operator commands run against the current schema; migrating first makes a fresh data
    // directory usable without a separate step.
    crate::db::migrate(&db).await?;
    let mut ctx = Context {
        config,
        db,
        json: cli.json,
        out,
        actor: rosterd_audit::Actor::operator(),
    };
    match cli.command {
        Command::Serve(_) => unreachable!("serve returned above"),
        Command::Migrate => {
            ctx.emit(&serde_json::json!({ "migrated": true }), || {
                "database is up to date\n".to_owned()
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Tenant(command) => tenant::run(&mut ctx, command).await,
        Command::Admin(command) => admin::run(&mut ctx, command).await,
        Command::Token(command) => token::run(&mut ctx, command).await,
        Command::Client(command) => client::run(&mut ctx, command).await,
        Command::App(command) => token::run_app(&mut ctx, command).await,
        Command::Operator(command) => operator::run(&mut ctx, command).await,
        Command::Ledger(command) => ledger::run(&mut ctx, command).await,
        Command::Policy(command) => policy::run(&mut ctx, command).await,
        Command::Person(command) => person::run(&mut ctx, command).await,
        Command::License(command) => license::run(&mut ctx, command).await,
    }
}

/// A change to `tenant` by the operator, for the owning crate's use cases.
pub(crate) fn operator_change<'a>(
    ctx: &'a Context<'_>,
    tenant: &rosterd_tenancy::Tenant,
) -> rosterd_tenancy::Change<'a, DatabaseConnection> {
    rosterd_tenancy::Change::new(&ctx.db, clock(), tenant.id, &ctx.actor)
}

/// The clock every command uses.
pub(crate) fn clock() -> &'static rosterd_domain::SystemClock {
    &rosterd_domain::SystemClock
}
