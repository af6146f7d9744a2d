//! `/admin/{tenant}/`: per product, its seat pools, unmet demand (refusals in the last 30 days,
//! waiting lists), its SCIM app's status (last request and failures in the last 24 hours, from
//! the provisioning log), and what needs attention (a token expiring within 30 days, a pool
//! above 90%, SCIM on without a live token, failing requests, requests the fair share refused).

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use rosterd_domain::Product;
use rosterd_ledger::{Demand, SeatPool};
use rosterd_tenancy::provisioning_log::{self as log, AppActivity};
use rosterd_tenancy::{AdminRole, ProductApp, TokenInfo};

use crate::AdminState;
use crate::auth::{Section, SignedIn};
use crate::error::AdminError;
use crate::render::{Chrome, Page, when, when_or_never};

/// A token expiring sooner than this is a warning.
const TOKEN_WARNING: Duration = Duration::days(30);
/// A pool fuller than this (percent) is a warning.
const POOL_WARNING_PERCENT: i64 = 90;
/// Refusals counted as unmet demand are this recent.
const DEMAND_WINDOW: Duration = Duration::days(30);
/// SCIM failures counted on the card are this recent.
const ERROR_WINDOW: Duration = Duration::hours(24);

#[derive(Template)]
#[template(path = "overview/index.html")]
struct OverviewPage {
    chrome: Chrome,
    products: Vec<ProductCard>,
}

/// One product's card.
struct ProductCard {
    name: &'static str,
    scim_enabled: bool,
    last_activity: String,
    live_tokens: usize,
    /// SCIM requests that failed in the last 24 hours.
    errors_24h: u64,
    /// Of those, requests the fair share refused (429).
    rate_limited_24h: u64,
    pools: Vec<PoolRow>,
    demand: Vec<DemandRow>,
    warnings: Vec<String>,
    /// The SCIM settings page, for full admins.
    settings: Option<String>,
    /// The provisioning log, this app's failures.
    failures_log: String,
}

/// A pool with unmet demand.
struct DemandRow {
    name: &'static str,
    refusals: u64,
    waiting: u64,
}

/// What a card needs beyond the app itself.
struct Facts<'a> {
    pools: &'a [SeatPool],
    tokens: &'a [TokenInfo],
    demand: &'a [Demand],
    activity: Option<&'a AppActivity>,
    now: DateTime<Utc>,
}

struct PoolRow {
    name: &'static str,
    capacity: i64,
    in_use: i64,
    free: i64,
    percent: i64,
}

/// Percent of `capacity` in use, rounded down; a zero-seat pool reads 0%.
fn percent(in_use: i64, capacity: i64) -> i64 {
    if capacity <= 0 {
        0
    } else {
        in_use * 100 / capacity
    }
}

fn card(
    app: &ProductApp,
    facts: &Facts<'_>,
    settings: Option<String>,
    failures_log: String,
) -> ProductCard {
    let Facts {
        pools,
        tokens,
        demand,
        activity,
        now,
    } = *facts;
    let product = app.product;
    let live: Vec<&TokenInfo> = tokens
        .iter()
        .filter(|t| t.product == product && t.is_live(now))
        .collect();
    let mut warnings = Vec::new();
    if app.scim_enabled && live.is_empty() {
        warnings.push("SCIM is on but no token is live: your identity provider cannot connect. Generate a token.".to_owned());
    }
    for t in live.iter().filter(|t| t.expires_at - now <= TOKEN_WARNING) {
        warnings.push(format!(
            "Token {}… expires on {}. Generate a new one, put it in your identity provider, then revoke the old one.",
            t.prefix,
            when(t.expires_at)
        ));
    }
    let rows: Vec<PoolRow> = pools
        .iter()
        .filter(|p| p.license_kind.product() == product)
        .map(|p| PoolRow {
            name: p.license_kind.display_name(),
            capacity: p.capacity,
            in_use: p.in_use,
            free: p.free(),
            percent: percent(p.in_use, p.capacity),
        })
        .collect();
    for row in rows.iter().filter(|r| r.percent > POOL_WARNING_PERCENT) {
        warnings.push(format!(
            "{} is {}% used ({} of {} seats). Ask your account manager for more licenses.",
            row.name, row.percent, row.in_use, row.capacity
        ));
    }
    let errors_24h = activity.map_or(0, |a| a.failures);
    if errors_24h > 0 {
        warnings.push(format!(
            "{errors_24h} SCIM request(s) failed in the last 24 hours. The provisioning log says what to fix in your identity provider."
        ));
    }
    let rate_limited_24h = activity.map_or(0, |a| a.rate_limited);
    if rate_limited_24h > 0 {
        warnings.push(format!(
            "{rate_limited_24h} SCIM request(s) were refused in the last 24 hours because your identity provider sent more than this app's limit while other organisations were provisioning too (429 Too Many Requests). Identity providers retry them after the delay they are given; if it keeps happening, lower the provisioning rate in your identity provider or ask for a higher limit."
        ));
    }
    let demand = demand
        .iter()
        .filter(|d| d.kind.product() == product && (d.refusals > 0 || d.waiting > 0))
        .map(|d| DemandRow {
            name: d.kind.display_name(),
            refusals: d.refusals,
            waiting: d.waiting,
        })
        .collect();
    // The log knows the newest request; the app's own timestamp is written at most once a
    // minute, and is all there is for requests older than the log's retention.
    let last = activity
        .and_then(|a| a.last_request_at)
        .max(app.last_activity_at);
    ProductCard {
        name: product.display_name(),
        scim_enabled: app.scim_enabled,
        last_activity: when_or_never(last),
        live_tokens: live.len(),
        errors_24h,
        rate_limited_24h,
        pools: rows,
        demand,
        warnings,
        settings,
        failures_log,
    }
}

/// `GET /admin/{tenant}/`.
pub async fn show(State(state): State<AdminState>, who: SignedIn) -> Result<Response, AdminError> {
    let tenant = who.tenant.id;
    let apps = rosterd_tenancy::product_apps(&state.db, tenant).await?;
    let pools = rosterd_ledger::pools(&state.db, tenant).await?;
    let tokens = rosterd_tenancy::list_tokens(&state.db, tenant, None).await?;
    let now = state.clock.now();
    let demand = rosterd_ledger::unmet_demand(&state.db, tenant, now - DEMAND_WINDOW).await?;
    let activity = log::activity(&state.db, tenant, now - ERROR_WINDOW).await?;
    let full = who.admin.role == AdminRole::FullAdmin;
    let products = apps
        .iter()
        .map(|app| {
            let settings = full.then(|| scim_settings(&who, app.product));
            let facts = Facts {
                pools: &pools,
                tokens: &tokens,
                demand: &demand,
                activity: activity.iter().find(|a| a.product == app.product),
                now,
            };
            let failures_log = format!(
                "{}/provisioning?app={}&outcome=failures",
                who.base(),
                app.product
            );
            card(app, &facts, settings, failures_log)
        })
        .collect();
    Ok(Page(OverviewPage {
        chrome: who.chrome("Overview", Section::Overview),
        products,
    })
    .into_response())
}

fn scim_settings(who: &SignedIn, product: Product) -> String {
    format!("{}/settings/scim/{product}", who.base())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_down_and_survive_empty_pools() {
        assert_eq!(percent(0, 0), 0);
        assert_eq!(percent(91, 100), 91);
        assert_eq!(percent(2, 3), 66);
        assert_eq!(percent(5, 5), 100);
    }
}
