//! The operator's page for one tenant's own fair-share limits (`/operator/tenants/{slug}/limits`):
//! each of its apps' request rate and burst, and its concurrent SCIM writes, blank for the
//! server's default. Saved with [`rosterd_tenancy::set_tenant_limits`] (audited); every server
//! applies them within [`rosterd_tenancy::fair_share::TENANT_LIMITS_REFRESH`].

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rosterd_domain::TenantSlug;
use rosterd_ledger::{Actor, ActorKind};
use rosterd_tenancy::{MAX_TENANT_LIMIT, Tenant, TenantLimits};

use super::Operator;
use crate::AdminState;
use crate::csrf::{Checked, Fields};
use crate::error::AdminError;
use crate::render::{Chrome, page};
use crate::session;

#[derive(Template)]
#[template(path = "operator/limits.html")]
struct LimitsPage {
    chrome: Chrome,
    csrf: String,
    slug: String,
    name: String,
    fields: Vec<LimitInput>,
    max: u32,
    error: Option<String>,
}

/// One limit's input: blank is the server's default.
struct LimitInput {
    field: &'static str,
    label: &'static str,
    hint: &'static str,
    value: String,
}

const FIELDS: [(&str, &str, &str); 3] = [
    (
        "requests_per_second",
        "Requests per second, per app",
        "Each of the tenant's SCIM apps (tokens) may sustain this while other tenants compete; past it, 429 with Retry-After.",
    ),
    (
        "burst",
        "Burst, per app",
        "Requests an app may send at once above that rate.",
    ),
    (
        "max_concurrent_writes",
        "Concurrent SCIM writes",
        "Writes of this tenant that run at once while other tenants compete; more wait their turn.",
    ),
];

fn own(limits: TenantLimits, field: &str) -> Option<u32> {
    match field {
        "requests_per_second" => limits.requests_per_second,
        "burst" => limits.burst,
        _ => limits.max_concurrent_writes,
    }
}

/// Reads the three fields: blank is `None`, else 1 to [`MAX_TENANT_LIMIT`].
fn parse(form: &Fields) -> Result<TenantLimits, String> {
    let mut values = [None; 3];
    for (slot, (field, label, _)) in values.iter_mut().zip(FIELDS) {
        let raw = form.get(field).trim();
        if raw.is_empty() {
            continue;
        }
        *slot = Some(
            raw.parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_TENANT_LIMIT).contains(n))
                .ok_or_else(|| {
                    format!(
                        "{label} must be a whole number from 1 to {MAX_TENANT_LIMIT}, or blank for the server's default."
                    )
                })?,
        );
    }
    let [requests_per_second, burst, max_concurrent_writes] = values;
    Ok(TenantLimits {
        requests_per_second,
        burst,
        max_concurrent_writes,
    })
}

async fn tenant_of(state: &AdminState, slug: &str) -> Result<Tenant, AdminError> {
    let slug: TenantSlug = slug.parse().map_err(|_| AdminError::NotFound)?;
    Ok(rosterd_tenancy::find_tenant(&state.db, slug.as_str()).await?)
}

async fn render(
    state: &AdminState,
    op: &Operator,
    tenant: &Tenant,
    status: StatusCode,
    form: Option<&Fields>,
    error: Option<String>,
) -> Result<Response, AdminError> {
    let stored = rosterd_tenancy::tenant_limits(&state.db, tenant.id).await?;
    let fields = FIELDS
        .into_iter()
        .map(|(field, label, hint)| LimitInput {
            field,
            label,
            hint,
            value: form.map_or_else(
                || {
                    own(stored, field)
                        .map(|n| n.to_string())
                        .unwrap_or_default()
                },
                |f| f.get(field).to_owned(),
            ),
        })
        .collect();
    Ok(page(
        status,
        &LimitsPage {
            chrome: op.chrome(format!("Limits of {}", tenant.name)),
            csrf: op.csrf.clone(),
            slug: tenant.slug.to_string(),
            name: tenant.name.clone(),
            fields,
            max: MAX_TENANT_LIMIT,
            error,
        },
    ))
}

/// `GET /operator/tenants/{slug}/limits`.
pub async fn show(
    State(state): State<AdminState>,
    op: Operator,
    Path(slug): Path<String>,
) -> Result<Response, AdminError> {
    let tenant = tenant_of(&state, &slug).await?;
    render(&state, &op, &tenant, StatusCode::OK, None, None).await
}

/// `POST /operator/tenants/{slug}/limits`: the three at once.
pub async fn save(
    State(state): State<AdminState>,
    op: Operator,
    Path(slug): Path<String>,
    Checked(form): Checked<Fields>,
) -> Result<Response, AdminError> {
    let tenant = tenant_of(&state, &slug).await?;
    let limits = match parse(&form) {
        Ok(limits) => limits,
        Err(message) => {
            return render(
                &state,
                &op,
                &tenant,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&form),
                Some(message),
            )
            .await;
        }
    };
    let actor = Actor::new(ActorKind::Operator, op.account.email.clone());
    let change = rosterd_tenancy::Change::new(&state.db, state.clock.as_ref(), tenant.id, &actor);
    rosterd_tenancy::set_tenant_limits(change, limits).await?;
    session::notify(
        &op.session,
        format!(
            "Limits of {} saved. Every server applies them within {} seconds.",
            tenant.slug,
            rosterd_tenancy::fair_share::TENANT_LIMITS_REFRESH.as_secs()
        ),
    )
    .await?;
    Ok(Redirect::to(&format!("/operator/tenants/{}/limits", tenant.slug)).into_response())
}
