//! The operator's tenant pages: the list with a create form, and one tenant's seat capacities
//! and status. Capacity changes for one tenant are one transaction: a refusal (capacity below
//! the seats in use) changes nothing and says which pool and why.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rosterd_domain::{LicenseKind, TenantSlug};
use rosterd_ledger::{Actor, ActorKind};
use rosterd_tenancy::{Tenant, TenantStatus};

use super::Operator;
use crate::AdminState;
use crate::csrf::{Checked, Fields};
use crate::error::AdminError;
use crate::render::{Chrome, page, when, when_or_never};
use crate::session;

#[derive(Template)]
#[template(path = "operator/tenants.html")]
struct TenantsPage {
    chrome: Chrome,
    csrf: String,
    tenants: Vec<TenantRow>,
    seats: Vec<SeatInput>,
    slug: String,
    name: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "operator/tenant.html")]
struct TenantPage {
    chrome: Chrome,
    csrf: String,
    slug: String,
    name: String,
    suspended: bool,
    created: String,
    apps: Vec<(&'static str, bool, String)>,
    seats: Vec<SeatInput>,
    error: Option<String>,
}

struct TenantRow {
    slug: String,
    name: String,
    suspended: bool,
    created: String,
}

/// One pool's capacity input.
struct SeatInput {
    field: String,
    label: &'static str,
    value: String,
    in_use: Option<i64>,
}

fn field(kind: LicenseKind) -> String {
    format!("seats-{kind}")
}

fn operator_actor(op: &Operator) -> Actor {
    Actor::new(ActorKind::Operator, op.account.email.clone())
}

/// Reads every seat field: a whole number, 0 or more.
fn parse_seats(form: &Fields) -> Result<Vec<(LicenseKind, i64)>, String> {
    LicenseKind::ALL
        .into_iter()
        .map(|kind| {
            let raw = form.get(&field(kind)).trim();
            let raw = if raw.is_empty() { "0" } else { raw };
            raw.parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .map(|n| (kind, n))
                .ok_or_else(|| {
                    format!(
                        "{} seats must be a whole number, 0 or more.",
                        kind.display_name()
                    )
                })
        })
        .collect()
}

async fn render_list(
    state: &AdminState,
    op: &Operator,
    status: StatusCode,
    form: Option<&Fields>,
    error: Option<String>,
) -> Result<Response, AdminError> {
    let tenants = rosterd_tenancy::list_tenants(&state.db)
        .await?
        .into_iter()
        .map(|t| TenantRow {
            suspended: t.status == TenantStatus::Suspended,
            created: when(t.created_at),
            slug: t.slug.to_string(),
            name: t.name,
        })
        .collect();
    let value = |name: &str| form.map_or("", |f| f.get(name)).to_owned();
    let seats = LicenseKind::ALL
        .into_iter()
        .map(|kind| SeatInput {
            value: form.map_or_else(|| "0".to_owned(), |f| f.get(&field(kind)).to_owned()),
            field: field(kind),
            label: kind.display_name(),
            in_use: None,
        })
        .collect();
    Ok(page(
        status,
        &TenantsPage {
            chrome: op.chrome("Tenants"),
            csrf: op.csrf.clone(),
            tenants,
            seats,
            slug: value("slug"),
            name: value("name"),
            error,
        },
    ))
}

/// `GET /operator`.
pub async fn list(State(state): State<AdminState>, op: Operator) -> Result<Response, AdminError> {
    render_list(&state, &op, StatusCode::OK, None, None).await
}

/// `POST /operator/tenants`.
pub async fn create(
    State(state): State<AdminState>,
    op: Operator,
    Checked(form): Checked<Fields>,
) -> Result<Response, AdminError> {
    let invalid = |error: String| {
        render_list(
            &state,
            &op,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(&form),
            Some(error),
        )
    };
    let slug: TenantSlug = match form.get("slug").trim().parse() {
        Ok(slug) => slug,
        Err(err) => return invalid(format!("Slug: {err}")).await,
    };
    let seats = match parse_seats(&form) {
        Ok(seats) => seats,
        Err(message) => return invalid(message).await,
    };
    let actor = operator_actor(&op);
    let new = rosterd_licensing::NewTenant {
        slug: &slug,
        name: form.get("name"),
        seats: &seats,
    };
    let opened = rosterd_licensing::open_tenant(&state.db, state.clock.as_ref(), &actor, &new);
    let tenant = match opened.await {
        Ok(tenant) => tenant,
        Err(rosterd_licensing::Error::Tenancy(rosterd_tenancy::Error::TenantExists(slug))) => {
            return invalid(format!("A tenant with the slug `{slug}` already exists.")).await;
        }
        Err(rosterd_licensing::Error::Tenancy(rosterd_tenancy::Error::EmptyName)) => {
            return invalid("Enter the organisation's name.".into()).await;
        }
        Err(other) => return Err(other.into()),
    };
    session::notify(&op.session, format!("Tenant {} created.", tenant.slug)).await?;
    Ok(Redirect::to(&format!("/operator/tenants/{}", tenant.slug)).into_response())
}

async fn tenant_of(state: &AdminState, slug: &str) -> Result<Tenant, AdminError> {
    let slug: TenantSlug = slug.parse().map_err(|_| AdminError::NotFound)?;
    Ok(rosterd_tenancy::find_tenant(&state.db, slug.as_str()).await?)
}

async fn render_tenant(
    state: &AdminState,
    op: &Operator,
    tenant: &Tenant,
    status: StatusCode,
    form: Option<&Fields>,
    error: Option<String>,
) -> Result<Response, AdminError> {
    let pools = rosterd_ledger::pools(&state.db, tenant.id).await?;
    let apps = rosterd_tenancy::product_apps(&state.db, tenant.id)
        .await?
        .into_iter()
        .map(|a| {
            (
                a.product.display_name(),
                a.scim_enabled,
                when_or_never(a.last_activity_at),
            )
        })
        .collect();
    let seats = pools
        .iter()
        .map(|p| SeatInput {
            field: field(p.license_kind),
            label: p.license_kind.display_name(),
            value: form.map_or_else(
                || p.capacity.to_string(),
                |f| f.get(&field(p.license_kind)).to_owned(),
            ),
            in_use: Some(p.in_use),
        })
        .collect();
    Ok(page(
        status,
        &TenantPage {
            chrome: op.chrome(format!("Tenant {}", tenant.name)),
            csrf: op.csrf.clone(),
            slug: tenant.slug.to_string(),
            name: tenant.name.clone(),
            suspended: tenant.status == TenantStatus::Suspended,
            created: when(tenant.created_at),
            apps,
            seats,
            error,
        },
    ))
}

/// `GET /operator/tenants/{slug}`.
pub async fn show(
    State(state): State<AdminState>,
    op: Operator,
    Path(slug): Path<String>,
) -> Result<Response, AdminError> {
    let tenant = tenant_of(&state, &slug).await?;
    render_tenant(&state, &op, &tenant, StatusCode::OK, None, None).await
}

/// `POST /operator/tenants/{slug}/seats`: all capacities at once, or none.
pub async fn set_seats(
    State(state): State<AdminState>,
    op: Operator,
    Path(slug): Path<String>,
    Checked(form): Checked<Fields>,
) -> Result<Response, AdminError> {
    let tenant = tenant_of(&state, &slug).await?;
    let invalid = |error: String| {
        render_tenant(
            &state,
            &op,
            &tenant,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(&form),
            Some(error),
        )
    };
    let seats = match parse_seats(&form) {
        Ok(seats) => seats,
        Err(message) => return invalid(message).await,
    };
    let actor = operator_actor(&op);
    let change = rosterd_tenancy::Change::new(&state.db, state.clock.as_ref(), tenant.id, &actor);
    match rosterd_ledger::set_seats(change, &seats).await {
        Ok(()) => {}
        Err(rosterd_ledger::Error::CapacityBelowUse {
            kind,
            in_use,
            requested,
        }) => {
            return invalid(format!(
                "{} has {in_use} seats in use, so its capacity can't go below {in_use} (you asked for {requested}). Nothing was changed.",
                kind.display_name()
            ))
            .await;
        }
        Err(other) => return Err(other.into()),
    }
    session::notify(
        &op.session,
        format!("Seat capacities of {} saved.", tenant.slug),
    )
    .await?;
    Ok(Redirect::to(&format!("/operator/tenants/{}", tenant.slug)).into_response())
}

/// `POST /operator/tenants/{slug}/status`: `status=suspended` or `status=active`.
pub async fn set_status(
    State(state): State<AdminState>,
    op: Operator,
    Path(slug): Path<String>,
    Checked(form): Checked<Fields>,
) -> Result<Response, AdminError> {
    let tenant = tenant_of(&state, &slug).await?;
    let status = match form.get("status") {
        "suspended" => TenantStatus::Suspended,
        "active" => TenantStatus::Active,
        _ => return Err(AdminError::BadRequest),
    };
    let actor = operator_actor(&op);
    let change = rosterd_tenancy::Change::new(&state.db, state.clock.as_ref(), tenant.id, &actor);
    rosterd_tenancy::set_tenant_status(change, status).await?;
    let notice = match status {
        TenantStatus::Suspended => format!(
            "{} is suspended: its SCIM apps get 403 and its admins cannot sign in. Nothing was deleted.",
            tenant.slug
        ),
        TenantStatus::Active => format!("{} is active again.", tenant.slug),
    };
    session::notify(&op.session, notice).await?;
    Ok(Redirect::to(&format!("/operator/tenants/{}", tenant.slug)).into_response())
}
