//! The HTTP layer of [`rosterd_tenancy::fair_share`]: every authenticated SCIM request counts as
//! running for its tenant while it runs (so it competes with other tenants), takes a token from
//! its app's bucket, and every write (POST, PUT, PATCH, DELETE, Bulk; not a `POST .search`)
//! holds a slot of its tenant's write budget while it runs. The limits bite only while another
//! tenant competes; a tenant alone has the whole server. A refusal is 429
//! Too Many Requests with `Retry-After` and a SCIM error naming the limit; the provisioning log
//! records it like any other answer (its hint says to lower the IdP's rate).
//!
//! A tenant's own limits (set by the operator, `rosterd tenant limits` or the console) are
//! loaded from the database on its first request and again every
//! [`rosterd_tenancy::fair_share::TENANT_LIMITS_REFRESH`].

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use rosterd_domain::TenantId;
use rosterd_scim::{ScimContext, ScimError};
use rosterd_tenancy::fair_share::{FairShare, FairShareLimits, Refusal};
use sea_orm::DatabaseConnection;

use crate::config::FairShareConfig;

/// What the middleware needs: the process's fair share and the database its tenants' own
/// limits are read from.
#[derive(Debug, Clone)]
pub struct Shares {
    fair: FairShare,
    db: DatabaseConnection,
}

impl Shares {
    /// The fair share of a server, with the configured defaults.
    pub fn new(config: &FairShareConfig, db: DatabaseConnection) -> Self {
        Self {
            fair: FairShare::new(FairShareLimits {
                requests_per_second: config.requests_per_second,
                burst: config.burst,
                tenant_max_concurrent_writes: config.tenant_max_concurrent_writes,
                write_wait: config.write_wait,
                contention_window: config.contention_window,
            }),
            db,
        }
    }

    /// Loads `tenant`'s own limits when they are due; a failure keeps those in force (logged).
    async fn refresh(&self, tenant: TenantId) {
        if !self
            .fair
            .tenant_limits_due(tenant, std::time::Instant::now())
        {
            return;
        }
        match rosterd_tenancy::tenant_limits(&self.db, tenant).await {
            Ok(limits) => self.fair.set_tenant_limits(tenant, limits),
            Err(err) => tracing::warn!(error = %err, "could not load a tenant's own limits"),
        }
    }
}

/// The middleware, inside SCIM authentication (it reads the request's [`ScimContext`]).
pub async fn apply(State(shares): State<Shares>, req: Request, next: Next) -> Response {
    let Some(ctx) = req.extensions().get::<ScimContext>() else {
        return next.run(req).await;
    };
    let (tenant, product) = (ctx.tenant, ctx.product);
    let fair = &shares.fair;
    let running = fair.enter(tenant);
    shares.refresh(tenant).await;
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
