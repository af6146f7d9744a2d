//! `rosterd token ...` and `rosterd app ...`: SCIM credentials and switches of product apps.

use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::Subcommand;
use rosterd_domain::Product;
use rosterd_tenancy::TokenInfo;
use serde::Serialize;

use super::{Context, clock, operator_change};
use crate::apps::scim_base_url;

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue a token for a product app (printed once) and enable the app's SCIM.
    Issue { tenant: String, product: Product },
    /// List a tenant's tokens (never the secrets).
    List {
        tenant: String,
        #[arg(long)]
        product: Option<Product>,
    },
    /// Revoke a token by its id or display prefix.
    Revoke { tenant: String, token: String },
}

#[derive(Debug, Subcommand)]
pub enum AppCommand {
    /// Accept SCIM requests for this app again.
    Enable { tenant: String, product: Product },
    /// Refuse every SCIM request for this app with 403 (tokens stay valid).
    Disable { tenant: String, product: Product },
}

#[derive(Serialize)]
struct Issued<'a> {
    token: &'a str,
    prefix: &'a str,
    product: Product,
    scim_base_url: String,
    /// The vendor-style base URL where the token alone selects tenant and app.
    scim_shared_base_url: String,
    expires_at: DateTime<Utc>,
}

pub async fn run(ctx: &mut Context<'_>, command: TokenCommand) -> anyhow::Result<ExitCode> {
    match command {
        TokenCommand::Issue { tenant, product } => {
            let tenant = rosterd_tenancy::find_tenant(&ctx.db, &tenant).await?;
            let issued =
                rosterd_tenancy::issue_token(operator_change(ctx, &tenant), product).await?;
            let out = Issued {
                token: issued.secret.expose(),
                prefix: &issued.info.prefix,
                product,
                scim_base_url: scim_base_url(&ctx.config.public_url, &tenant.slug, product),
                scim_shared_base_url: format!("{}/scim/v2", ctx.config.public_url),
                expires_at: issued.info.expires_at,
            };
            ctx.emit(&out, || {
                format!(
                    "SCIM token for {} ({}), shown only now; paste it into your identity provider:\n\n  {}\n\nSCIM base URL: {}\nexpires:       {}\n",
                    product.display_name(),
                    tenant.slug,
                    out.token,
                    out.scim_base_url,
                    out.expires_at.format("%Y-%m-%d"),
                )
            })?;
        }
        TokenCommand::List { tenant, product } => {
            let tenant = rosterd_tenancy::find_tenant(&ctx.db, &tenant).await?;
            let tokens = rosterd_tenancy::list_tokens(&ctx.db, tenant.id, product).await?;
            let now = rosterd_domain::Clock::now(clock());
            ctx.emit(&tokens, || describe(&tokens, now))?;
        }
        TokenCommand::Revoke { tenant, token } => {
            let tenant = rosterd_tenancy::find_tenant(&ctx.db, &tenant).await?;
            let info = rosterd_tenancy::revoke_token(operator_change(ctx, &tenant), &token).await?;
            ctx.emit(&info, || {
                format!("revoked {} ({})\n", info.prefix, info.product)
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn run_app(ctx: &mut Context<'_>, command: AppCommand) -> anyhow::Result<ExitCode> {
    let (tenant, product, enabled) = match command {
        AppCommand::Enable { tenant, product } => (tenant, product, true),
        AppCommand::Disable { tenant, product } => (tenant, product, false),
    };
    let tenant = rosterd_tenancy::find_tenant(&ctx.db, &tenant).await?;
    rosterd_tenancy::set_scim_enabled(operator_change(ctx, &tenant), product, enabled).await?;
    let state = if enabled { "enabled" } else { "disabled" };
    ctx.emit(
        &serde_json::json!({ "tenant": tenant.slug, "product": product, "scim_enabled": enabled }),
        || {
            format!(
                "SCIM {state} for {} ({})\n",
                product.display_name(),
                tenant.slug
            )
        },
    )?;
    Ok(ExitCode::SUCCESS)
}

fn describe(tokens: &[TokenInfo], now: DateTime<Utc>) -> String {
    if tokens.is_empty() {
        return "no tokens; issue one with `rosterd token issue TENANT PRODUCT`\n".to_owned();
    }
    let mut text = format!(
        "{:<24} {:<16} {:<8} {:<11} {:<11} {}\n",
        "PREFIX", "PRODUCT", "STATE", "CREATED", "EXPIRES", "LAST USED"
    );
    for t in tokens {
        let state = if t.revoked_at.is_some() {
            "revoked"
        } else if t.is_live(now) {
            "live"
        } else {
            "expired"
        };
        text.push_str(&format!(
            "{:<24} {:<16} {:<8} {:<11} {:<11} {}\n",
            t.prefix,
            t.product,
            state,
            t.created_at.format("%Y-%m-%d"),
            t.expires_at.format("%Y-%m-%d"),
            t.last_used_at.map_or_else(
                || "never".to_owned(),
                |d| d.format("%Y-%m-%d %H:%M").to_string()
            ),
        ));
    }
    text
}
