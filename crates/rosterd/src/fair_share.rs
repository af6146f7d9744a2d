//! The HTTP layer of [`rosterd_tenancy::fair_share`]: every authenticated SCIM request counts as
//! running for its tenant while it runs (so it competes with other tenants), takes a token from
//! its app's bucket, and every write (POST, PUT, PATCH, DELETE, Bulk; not a `POST .search`)
//! holds a slot of its tenant's write budget while it runs. The limits bite only while another
//! tenant competes; a tenant alone has the whole server. A refusal is 429
//! Too Many Requests with `Retry-After` and a SCIM error naming the limit; the provisioning log
//! records it like any other answer (its hint says to lower the IdP's rate).

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use rosterd_scim::{ScimContext, ScimError};
use rosterd_tenancy::fair_share::{FairShare, Refusal};

/// The middleware, inside SCIM authentication (it reads the request's [`ScimContext`]).
pub async fn apply(State(fair): State<FairShare>, req: Request, next: Next) -> Response {
    let Some(ctx) = req.extensions().get::<ScimContext>() else {
        return next.run(req).await;
    };
    let (tenant, product) = (ctx.tenant, ctx.product);
    let running = fair.enter(tenant);
    if let Err(refusal) = fair.admit(tenant, product, std::time::Instant::now()) {
        return refuse(&refusal, "rate");
    }
    if !is_write(&req) {
        let response = next.run(req).await;
        drop(running);
        return response;
    }
    let slot = match fair.write_slot(tenant).await {
        Ok(slot) => slot,
        Err(refusal) => return refuse(&refusal, "tenant writes"),
    };
    let response = next.run(req).await;
    drop(slot);
    drop(running);
    response
}

fn is_write(req: &Request) -> bool {
    let method = req.method();
    if method == Method::POST {
        return !req.uri().path().ends_with("/.search");
    }
    [Method::PUT, Method::PATCH, Method::DELETE].contains(method)
}

fn refuse(refusal: &Refusal, limit: &'static str) -> Response {
    tracing::info!(
        limit,
        retry_after_secs = refusal.retry_after_secs,
        "SCIM request refused by fair share"
    );
    ScimError::too_many_requests(refusal.detail.clone(), refusal.retry_after_secs).into_response()
}
