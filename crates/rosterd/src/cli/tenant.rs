//! `rosterd tenant ...`: create, list, show, set seat capacities, and show or set the tenant's
//! own fair-share limits (`limits`).

mod limits;

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;
use rosterd_domain::{LicenseKind, TenantSlug};
use rosterd_ledger::SeatPool;
use rosterd_tenancy::{ProductApp, Tenant, TokenInfo};
use serde::Serialize;

use super::{Context, clock, operator_change};
use crate::apps::scim_base_url;

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant with its three product apps and its seat pools.
    Create {
        /// Lowercase letters, digits and dashes, e.g. `acme`.
        slug: String,
        /// The org's name as people read it.
        #[arg(long)]
        name: String,
        /// A pool's capacity, e.g. `--seats learning=500`; repeat for each pool.
        #[arg(long = "seats", value_name = "KIND=N")]
        seats: Vec<String>,
    },
    /// List every tenant.
    List,
    /// Show a tenant's apps, seat pools and tokens.
    Show { slug: String },
    /// Set seat capacities, e.g. `sales-navigator-advanced=120`.
    Seats {
        slug: String,
        #[arg(value_name = "KIND=N", required = true)]
        seats: Vec<String>,
    },
    /// Show the tenant's fair-share limits, or set its own (a number, or `default`).
    Limits {
        slug: String,
        /// Requests per second each of its apps may sustain while other tenants compete.
        #[arg(long, value_name = "N|default")]
        requests_per_second: Option<String>,
        /// Requests each app may send at once above that rate.
        #[arg(long, value_name = "N|default")]
        burst: Option<String>,
        /// SCIM writes the tenant may run at once while other tenants compete.
        #[arg(long, value_name = "N|default")]
        max_concurrent_writes: Option<String>,
        /// Back to the server's defaults (before applying any flag given with it).
        #[arg(long)]
        reset: bool,
    },
}

/// Parses `KIND=N` arguments.
pub(crate) fn parse_seats(args: &[String]) -> anyhow::Result<Vec<(LicenseKind, i64)>> {
    args.iter()
        .map(|arg| {
            let (kind, n) = arg
                .split_once('=')
                .with_context(|| format!("`{arg}`: expected KIND=N, e.g. learning=500"))?;
            let kind: LicenseKind = kind.trim().parse()?;
            let n: i64 = n.trim().parse().ok().filter(|n| *n >= 0).with_context(|| {
                format!("`{arg}`: the seat count must be a whole number, 0 or more")
            })?;
            Ok((kind, n))
        })
        .collect()
}

#[derive(Serialize)]
struct TenantDetail {
    #[serde(flatten)]
    tenant: Tenant,
    apps: Vec<AppDetail>,
    pools: Vec<PoolDetail>,
}

#[derive(Serialize)]
struct AppDetail {
    #[serde(flatten)]
    app: ProductApp,
    scim_base_url: String,
    tokens: Vec<TokenInfo>,
}

#[derive(Serialize)]
struct PoolDetail {
    #[serde(flatten)]
    pool: SeatPool,
    free: i64,
}

pub async fn run(ctx: &mut Context<'_>, command: TenantCommand) -> anyhow::Result<ExitCode> {
    match command {
        TenantCommand::Create { slug, name, seats } => {
            let slug: TenantSlug = slug.parse()?;
            let seats = parse_seats(&seats)?;
            let new = rosterd_licensing::NewTenant {
                slug: &slug,
                name: &name,
                seats: &seats,
            };
            let tenant = rosterd_licensing::open_tenant(&ctx.db, clock(), &ctx.actor, &new).await?;
            let detail = detail(ctx, &tenant.slug.to_string()).await?;
            ctx.emit(&detail, || {
                format!(
                    "created tenant {} ({})\n{}",
                    detail.tenant.slug,
                    detail.tenant.name,
                    describe(&detail)
                )
            })?;
        }
        TenantCommand::List => {
            let tenants = rosterd_tenancy::list_tenants(&ctx.db).await?;
            ctx.emit(&tenants, || {
                let mut text = String::new();
                for t in &tenants {
                    text.push_str(&format!("{:<24} {:<10} {}\n", t.slug, format!("{:?}", t.status).to_lowercase(), t.name));
                }
                if tenants.is_empty() {
                    text.push_str("no tenants yet; create one with `rosterd tenant create SLUG --name NAME`\n");
                }
                text
            })?;
        }
        TenantCommand::Show { slug } => {
            let detail = detail(ctx, &slug).await?;
            ctx.emit(&detail, || {
                format!(
                    "{} ({})\n{}",
                    detail.tenant.slug,
                    detail.tenant.name,
                    describe(&detail)
                )
            })?;
        }
        TenantCommand::Seats { slug, seats } => {
            let seats = parse_seats(&seats)?;
            let tenant = rosterd_tenancy::find_tenant(&ctx.db, &slug).await?;
            rosterd_ledger::set_seats(operator_change(ctx, &tenant), &seats).await?;
            let detail = detail(ctx, &slug).await?;
            ctx.emit(&detail.pools, || describe(&detail))?;
        }
        TenantCommand::Limits {
            slug,
            requests_per_second,
            burst,
            max_concurrent_writes,
            reset,
        } => {
            let changes = limits::LimitChanges {
                requests_per_second,
                burst,
                max_concurrent_writes,
                reset,
            };
            limits::run(ctx, &slug, &changes).await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn detail(ctx: &Context<'_>, slug: &str) -> anyhow::Result<TenantDetail> {
    let tenant = rosterd_tenancy::find_tenant(&ctx.db, slug).await?;
    let tokens = rosterd_tenancy::list_tokens(&ctx.db, tenant.id, None).await?;
    let apps = rosterd_tenancy::product_apps(&ctx.db, tenant.id)
        .await?
        .into_iter()
        .map(|app| AppDetail {
            scim_base_url: scim_base_url(&ctx.config.public_url, &tenant.slug, app.product),
            tokens: tokens
                .iter()
                .filter(|t| t.product == app.product)
                .cloned()
                .collect(),
            app,
        })
        .collect();
    let pools = rosterd_ledger::pools(&ctx.db, tenant.id)
        .await?
        .into_iter()
        .map(|pool| PoolDetail {
            free: pool.free(),
            pool,
        })
        .collect();
    Ok(TenantDetail {
        tenant,
        apps,
        pools,
    })
}

fn describe(detail: &TenantDetail) -> String {
    let mut text = String::from("seat pools:\n");
    for p in &detail.pools {
        text.push_str(&format!(
            "  {:<32} {:>6} in use of {:>6} ({} free)\n",
            p.pool.license_kind, p.pool.in_use, p.pool.capacity, p.free
        ));
    }
    text.push_str("apps:\n");
    for a in &detail.apps {
        let live = a.tokens.iter().filter(|t| t.revoked_at.is_none()).count();
        text.push_str(&format!(
            "  {:<16} SCIM {:<8} {} token(s)  {}\n",
            a.app.product,
            if a.app.scim_enabled {
                "enabled"
            } else {
                "disabled"
            },
            live,
            a.scim_base_url
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seats_parse_and_refuse_nonsense() {
        let seats = parse_seats(&["learning=500".into(), "teamlink-extend=0".into()]).unwrap();
        assert_eq!(
            seats,
            vec![
                (LicenseKind::Learning, 500),
                (LicenseKind::TeamlinkExtend, 0)
            ]
        );
        for bad in ["learning", "learning=-1", "learning=x", "crm=5"] {
            assert!(parse_seats(&[bad.into()]).is_err(), "{bad}");
        }
    }
}
