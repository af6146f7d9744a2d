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
//!
//! With `REDIS_URL` set, the buckets, the write budgets and who competes are the fleet's, kept
//! in Redis ([`rosterd_tenancy::fair_share::fleet`]); a request then costs one round trip to
//! Redis, and this replica's own share decides whenever Redis does not answer.

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use rosterd_domain::{Product, TenantId};
use rosterd_scim::{ScimContext, ScimError};
use rosterd_tenancy::fair_share::fleet::Fleet;
use rosterd_tenancy::fair_share::{FairShare, FairShareLimits, Refusal, Running};
use sea_orm::DatabaseConnection;

use crate::config::Config;

/// How long past the request timeout a write slot in Redis stays held when its replica died
/// before giving it back.
const LEASE_MARGIN: std::time::Duration = std::time::Duration::from_secs(5);

/// What the middleware needs: the process's fair share, the fleet's when Redis is configured,
/// and the database its tenants' own limits are read from.
#[derive(Debug, Clone)]
pub struct Shares {
    fair: FairShare,
    fleet: Option<Fleet>,
    db: DatabaseConnection,
}

impl Shares {
    /// The fair share of a server, with the configured defaults; the fleet's when `redis_url`
    /// is set (a URL Redis' client cannot read is logged, and the share stays in-process).
    pub fn new(config: &Config, db: DatabaseConnection) -> Self {
        let limits = &config.fair_share;
        let fair = FairShare::new(FairShareLimits {
            requests_per_second: limits.requests_per_second,
            burst: limits.burst,
            tenant_max_concurrent_writes: limits.tenant_max_concurrent_writes,
            write_wait: limits.write_wait,
            contention_window: limits.contention_window,
        });
        let fleet = config.redis_url.as_ref().and_then(|url| {
            let lease = config.http.request_timeout + LEASE_MARGIN;
            Fleet::new(fair.clone(), url.expose(), &limits.redis_prefix, lease)
                .inspect_err(|err| {
                    tracing::error!(error = %err, "fair share stays in-process");
                })
                .ok()
        });
        Self { fair, fleet, db }
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
    if let Some(fleet) = &shares.fleet {
        return shared(fleet, (tenant, product), req, next, running).await;
    }
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

/// [`apply`] with the fleet's share: the token, the activity and a write's slot in one round
/// trip to Redis; a write that found its tenant's budget full waits for a slot.
async fn shared(
    fleet: &Fleet,
    (tenant, product): (TenantId, Product),
    req: Request,
    next: Next,
    running: Running,
) -> Response {
    let write = is_write(&req);
    let slot = match fleet.admit(tenant, product, write).await {
        Ok(slot) => slot,
        Err(refusal) => return refuse(&refusal, "rate"),
    };
    let slot = match slot {
        Some(slot) => Some(slot),
        None if write => match fleet.write_slot(tenant).await {
            Ok(slot) => Some(slot),
            Err(refusal) => return refuse(&refusal, "tenant writes"),
        },
        None => None,
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
