//! `rosterd client ...`: OAuth 2.0 clients of product apps (client credentials, as Microsoft
//! Entra ID's app gallery uses): create one (its secret printed once), list them, add a secret
//! to rotate, revoke a secret or the client.

use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::Subcommand;
use rosterd_domain::Product;
use rosterd_tenancy::oauth::{ClientInfo, IssuedClientSecret, token_endpoint};
use serde::Serialize;

use super::{Context, clock, operator_change};
use crate::apps::scim_base_url;

#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Create an OAuth client for a product app (its secret printed once) and enable the app's
    /// SCIM.
    Create { tenant: String, product: Product },
    /// List a tenant's OAuth clients and their secrets (never the secrets themselves).
    List {
        tenant: String,
        #[arg(long)]
        product: Option<Product>,
    },
    /// Add a secret to a client (printed once); its other secrets keep working, so the identity
    /// provider can move to the new one before the old one is revoked.
    Rotate { tenant: String, client_id: String },
    /// Revoke one secret of a client, by its id or display prefix, and the access tokens it got.
    RevokeSecret {
        tenant: String,
        client_id: String,
        secret: String,
    },
    /// Revoke a client: its secrets and access tokens stop working.
    Revoke { tenant: String, client_id: String },
}

#[derive(Serialize)]
struct Issued<'a> {
    client_id: &'a str,
    client_secret: &'a str,
    secret_prefix: &'a str,
    product: Product,
    token_endpoint: String,
    scim_base_url: String,
    secret_expires_at: DateTime<Utc>,
}

impl<'a> Issued<'a> {
    fn new(ctx: &Context<'_>, tenant: &rosterd_tenancy::Tenant, s: &'a IssuedClientSecret) -> Self {
        Issued {
            client_id: &s.client_id,
            client_secret: s.secret.expose(),
            secret_prefix: &s.info.prefix,
            product: s.product,
            token_endpoint: token_endpoint(&ctx.config.public_url, tenant.slug.as_str(), s.product),
            scim_base_url: scim_base_url(&ctx.config.public_url, &tenant.slug, s.product),
            secret_expires_at: s.info.expires_at,
        }
    }

    fn text(&self, what: &str) -> String {
        format!(
            "{what} for {} ({}); the secret is shown only now. In your identity provider:\n\n  \
             Tenant URL:        {}\n  Token endpoint:    {}\n  Client identifier: {}\n  \
             Client secret:     {}\n\nsecret expires: {}\n",
            self.product.display_name(),
            self.client_id,
            self.scim_base_url,
            self.token_endpoint,
            self.client_id,
            self.client_secret,
            self.secret_expires_at.format("%Y-%m-%d"),
        )
    }
}

pub async fn run(ctx: &mut Context<'_>, command: ClientCommand) -> anyhow::Result<ExitCode> {
    match command {
        ClientCommand::Create { tenant, product } => {
            let tenant = rosterd_tenancy::find_tenant(&ctx.db, &tenant).await?;
            let created =
                rosterd_tenancy::oauth::create_client(operator_change(ctx, &tenant), product)
                    .await?;
            let out = Issued::new(ctx, &tenant, &created.secret);
            let text = out.text("OAuth client");
            ctx.emit(&out, || text)?;
        }
        ClientCommand::List { tenant, product } => {
            let tenant = rosterd_tenancy::find_tenant(&ctx.db, &tenant).await?;
            let clients = rosterd_tenancy::oauth::list_clients(&ctx.db, tenant.id, product).await?;
            let now = rosterd_domain::Clock::now(clock());
            let listed: Vec<Listed<'_>> = clients.iter().map(|c| Listed::new(c, now)).collect();
            ctx.emit(&listed, || describe(&clients, now))?;
        }
        ClientCommand::Rotate { tenant, client_id } => {
            let tenant = rosterd_tenancy::find_tenant(&ctx.db, &tenant).await?;
            let issued = rosterd_tenancy::oauth::add_client_secret(
                operator_change(ctx, &tenant),
                &client_id,
            )
            .await?;
            let out = Issued::new(ctx, &tenant, &issued);
            let text = format!(
                "{}\nThe client's other secrets keep working: once your identity provider uses \
                 this one, revoke the old one with `rosterd client revoke-secret {} {} <prefix>`.\n",
                out.text("New secret"),
                tenant.slug,
                out.client_id,
            );
            ctx.emit(&out, || text)?;
        }
        ClientCommand::RevokeSecret {
            tenant,
            client_id,
            secret,
        } => {
            let tenant = rosterd_tenancy::find_tenant(&ctx.db, &tenant).await?;
            let revoked = rosterd_tenancy::oauth::revoke_client_secret(
                operator_change(ctx, &tenant),
                &client_id,
                &secret,
            )
            .await?;
            ctx.emit(&revoked, || {
                format!(
                    "revoked secret {} of {} ({})\n",
                    revoked.info.prefix, revoked.client_id, revoked.product
                )
            })?;
        }
        ClientCommand::Revoke { tenant, client_id } => {
            let tenant = rosterd_tenancy::find_tenant(&ctx.db, &tenant).await?;
            let client =
                rosterd_tenancy::oauth::revoke_client(operator_change(ctx, &tenant), &client_id)
                    .await?;
            let now = rosterd_domain::Clock::now(clock());
            let listed = Listed::new(&client, now);
            ctx.emit(&listed, || {
                format!(
                    "revoked {} ({}): its access tokens stop working\n",
                    client.client_id, client.product
                )
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A client as listed: its state and each secret's, named for scripts.
#[derive(Serialize)]
struct Listed<'a> {
    #[serde(flatten)]
    client: &'a ClientInfo,
    state: &'static str,
    secret_states: Vec<rosterd_tenancy::oauth::SecretState>,
}

impl<'a> Listed<'a> {
    fn new(client: &'a ClientInfo, now: DateTime<Utc>) -> Self {
        Listed {
            state: client_state(client, now),
            secret_states: client.secrets.iter().map(|s| s.state(now)).collect(),
            client,
        }
    }
}

fn client_state(client: &ClientInfo, now: DateTime<Utc>) -> &'static str {
    if client.revoked_at.is_some() {
        "revoked"
    } else if client.is_live(now) {
        "live"
    } else {
        "no live secret"
    }
}

fn describe(clients: &[ClientInfo], now: DateTime<Utc>) -> String {
    if clients.is_empty() {
        return "no OAuth clients; create one with `rosterd client create TENANT PRODUCT`\n"
            .to_owned();
    }
    let mut text = String::new();
    for c in clients {
        text.push_str(&format!(
            "{}  {}  {}  created {}  last used {}\n",
            c.client_id,
            c.product,
            client_state(c, now),
            c.created_at.format("%Y-%m-%d"),
            c.last_used_at.map_or_else(
                || "never".to_owned(),
                |d| d.format("%Y-%m-%d %H:%M").to_string()
            ),
        ));
        for s in &c.secrets {
            text.push_str(&format!(
                "    secret {:<20} {:<13} created {}  expires {}  last used {}\n",
                s.prefix,
                s.state(now).label(),
                s.created_at.format("%Y-%m-%d"),
                s.expires_at.format("%Y-%m-%d"),
                s.last_used_at.map_or_else(
                    || "never".to_owned(),
                    |d| d.format("%Y-%m-%d %H:%M").to_string()
                ),
            ));
        }
    }
    text
}
