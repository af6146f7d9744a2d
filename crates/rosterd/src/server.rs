//! The HTTP server: routes of every crate wired together, SCIM authentication, the provisioning
//! log layer, request tracing, body limits, health endpoints, and graceful shutdown.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, MatchedPath, OriginalUri, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use rosterd_domain::{Clock, Product};
use rosterd_scim::discovery::ServiceLimits;
use rosterd_scim::{ScimContext, ScimError};
use rosterd_tenancy::{AuthError, Scope};
use sea_orm::DatabaseConnection;
use serde_json::json;
use tokio::net::TcpListener;
use tower::ServiceExt as _;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;
use tracing::{Span, field::Empty};

use crate::config::Config;
use crate::provisioning_log::{Attribution, Recorder};

/// Everything a request handler may need.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    /// Where SCIM write transactions and the provisioning log's inserts run: on a SQLite file
    /// one dedicated connection ([`rosterd_database::connect_writer`]), elsewhere `db` itself.
    pub writer: DatabaseConnection,
    /// Point reads of SCIM users on the request's thread, on a SQLite file
    /// ([`rosterd_database::inline_reads`]); `None` elsewhere.
    pub inline_reads: Option<rosterd_database::inline_reads::InlineReader>,
    /// SCIM write transactions (and the provisioning log's inserts) on the request's thread, on
    /// a SQLite file ([`rosterd_database::inline_writes`], opened by [`inline_writer`]); `None`
    /// elsewhere.
    pub inline_writer: Option<rosterd_database::InlineWriter>,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<Config>,
    /// The operator's metrics ([`crate::metrics`]); no-ops unless configured.
    pub metrics: crate::metrics::Metrics,
}

/// The writer for SCIM write transactions on the SQLite file of `url` (`None` on PostgreSQL or
/// an in-memory database), reading rows of every table a write transaction touches by the
/// types their entities declare ([`rosterd_database::inline_writes`]).
pub fn inline_writer(
    url: &str,
    statement_timeout: std::time::Duration,
) -> Result<Option<rosterd_database::InlineWriter>, sea_orm::DbErr> {
    let columns = rosterd_database::inline_reads::Columns::default();
    let columns = rosterd_directory::entity_columns(columns);
    let columns = rosterd_ledger::entity::columns(columns);
    let columns = rosterd_tenancy::entity::columns(columns);
    let columns = rosterd_audit::entity_columns(columns);
    rosterd_database::InlineWriter::open(url, statement_timeout, columns)
}

/// The whole application's router. Starts the provisioning log's writer, which ends (after
/// writing what is queued) when the router is dropped; must run inside a tokio runtime.
pub fn app(state: AppState) -> Router {
    let (recorder, _writer) = Recorder::start(
        state.writer.clone(),
        state.inline_writer.clone(),
        state.clock.clone(),
        state.config.provisioning_log.refusal_window,
    );
    app_with(state, recorder)
}

/// The router, recording SCIM requests through `recorder`.
pub fn app_with(state: AppState, recorder: Recorder) -> Router {
    let licensing = Licensing::On;
    app_with_licensing(state, recorder, licensing)
}

/// Whether SCIM writes reach the license ledger. Always on in rosterd; off only for the
/// benchmark that measures what the ledger costs provisioning (`scim-bench --provision-http`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Licensing {
    On,
    Off,
}

/// [`app_with`], with the license ledger on or off.
pub fn app_with_licensing(state: AppState, recorder: Recorder, licensing: Licensing) -> Router {
    let limits = ServiceLimits {
        max_results: state.config.scim.max_results,
        bulk_max_operations: state.config.scim.bulk_max_operations,
        bulk_max_payload_bytes: state.config.scim.bulk_max_payload_bytes,
        max_patch_operations: state.config.scim.max_patch_operations,
        max_values_per_attribute: state.config.scim.max_values_per_attribute,
    };
    let shared = rosterd_licensing::Shared {
        directory: rosterd_directory::Directory::new(state.db.clone(), state.clock.clone())
            .with_writer(state.writer.clone())
            .with_inline_reads(state.inline_reads.clone())
            .with_inline_writer(state.inline_writer.clone())
            .with_max_values_per_attribute(limits.max_values_per_attribute),
        clock: state.clock.clone(),
        limits,
        ledger: licensing == Licensing::On,
    };
    let fair_share = crate::fair_share::Shares::new(&state.config, state.db.clone());
    let scim_routes: Router<AppState> = scim_apps(&shared)
        // Inside authentication: it needs the request's app; its refusals are attributed and
        // so reach the provisioning log.
        .layer(middleware::from_fn_with_state(
            fair_share,
            crate::fair_share::apply,
        ))
        .layer(middleware::from_fn_with_state(
            (state.clone(), rosterd_tenancy::TokenCache::new()),
            authenticate_scim,
        ))
        // Outside authentication: it logs what authentication attributed to an app.
        .layer(middleware::from_fn_with_state(
            recorder.clone(),
            crate::provisioning_log::capture,
        ))
        // Outermost: counts and times every answer, refusals included.
        .layer(middleware::from_fn_with_state(
            state.metrics.clone(),
            crate::metrics::record,
        ));
    state.metrics.watch_log_drops(recorder.drop_counter());
    if let Some(writer) = &state.inline_writer {
        state.metrics.watch_sqlite_writer(writer.clone());
    }
    let admin = admin_state(&state).unwrap_or_else(|err| {
        // `serve` refuses to start with such a URL; a caller of `app` alone gets database
        // sessions and this error.
        tracing::error!(error = %err, "admin sessions stay in the database");
        rosterd_admin_center::AdminState::new(
            state.db.clone(),
            state.clock.clone(),
            &state.config.public_url,
        )
        .with_trusted_proxies(state.config.trusted_proxies.clone())
        .with_password_hash_concurrency(state.config.password_hash_concurrency)
    });
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(scim_routes)
        .merge(crate::oauth::router(crate::oauth::TokenEndpoint {
            db: state.writer.clone(),
            clock: state.clock.clone(),
            lifetime: chrono::Duration::minutes(state.config.oauth_access_token_minutes.into()),
        }))
        .merge(rosterd_admin_center::router(admin))
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        // A body that stops arriving fails its read (400) instead of holding the request.
        .layer(RequestBodyTimeoutLayer::new(state.config.http.body_timeout))
        .layer(middleware::from_fn_with_state(
            state.config.http.request_timeout,
            request_timeout,
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<Body>| {
                    let route = req
                        .extensions()
                        .get::<MatchedPath>()
                        .map_or("unmatched", MatchedPath::as_str);
                    tracing::info_span!(
                        "request",
                        method = %req.method(),
                        route,
                        tenant = Empty,
                        product = Empty,
                        status = Empty,
                        latency_ms = Empty,
                    )
                })
                .on_request(())
                .on_response(|res: &Response, latency: Duration, span: &Span| {
                    span.record("status", res.status().as_u16());
                    span.record("latency_ms", latency.as_secs_f64() * 1000.0);
                    tracing::info!(
                        status = res.status().as_u16(),
                        latency_ms = latency.as_secs_f64() * 1000.0,
                        "served"
                    );
                })
                .on_failure(()),
        )
        .with_state(state)
}

/// Each product's app at `/scim/{tenant}/<product>/v2`, and all three at `/scim/v2`, where the
/// token alone says which app (authentication put its [`ScimContext`] on the request). A path
/// naming no product reaches authentication, which answers it with a SCIM 404.
fn scim_apps<S: Clone + Send + Sync + 'static>(shared: &rosterd_licensing::Shared) -> Router<S> {
    let mut router = Router::new();
    for product in Product::ALL {
        router = router.nest(
            &format!("/scim/{{tenant}}/{}/v2", product.slug()),
            crate::apps::router(product, shared),
        );
    }
    let apps: [Router; 3] = Product::ALL.map(|product| crate::apps::router(product, shared));
    let by_token = tower::service_fn(move |req: Request| {
        let app = req
            .extensions()
            .get::<ScimContext>()
            .and_then(|ctx| Product::ALL.iter().position(|p| *p == ctx.product))
            .map(|n| apps[n].clone());
        async move {
            match app {
                Some(app) => app.oneshot(req).await,
                None => Ok(ScimError::not_found("no such SCIM endpoint").into_response()),
            }
        }
    });
    router
        .nest_service("/scim/v2", by_token)
        .route("/scim/{tenant}/{product}/v2", any(not_an_endpoint))
        .route("/scim/{tenant}/{product}/v2/{*rest}", any(not_an_endpoint))
}

/// A path below a product app's base URL that none of its routes matches (these routes match
/// before the nested app's own fallback would), answered as the app answers it: the path below
/// the base URL, and where to look. A path naming no product never gets here: authentication
/// refuses it first.
async fn not_an_endpoint(uri: axum::http::Uri) -> Response {
    let path = uri.path();
    let below = path.find("/v2").map_or(path, |at| &path[at + 3..]);
    let below = if below.is_empty() { "/" } else { below };
    rosterd_scim::router::not_an_endpoint(below).into_response()
}

/// The admin center's state: sessions in Redis when `REDIS_URL` is set, else in the database.
fn admin_state(state: &AppState) -> Result<rosterd_admin_center::AdminState, String> {
    let admin = rosterd_admin_center::AdminState::new(
        state.db.clone(),
        state.clock.clone(),
        &state.config.public_url,
    )
    .with_trusted_proxies(state.config.trusted_proxies.clone())
    .with_password_hash_concurrency(state.config.password_hash_concurrency);
    match &state.config.redis_url {
        Some(url) => admin.with_redis_sessions(url.expose()),
        None => Ok(admin),
    }
}

/// Answers 503 (with `Retry-After`, a SCIM body on SCIM paths) when a request runs longer than
/// `http.request_timeout_secs`; the handler is dropped, so its transaction rolls back.
async fn request_timeout(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    let scim = req.uri().path().starts_with("/scim/");
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => {
            let detail = format!(
                "The request took longer than {} s (the operator's http.request_timeout_secs) \
                 and was stopped before it finished: a single write was not kept, a Bulk \
                 request keeps the operations that had run. Retry later, or send less per \
                 request.",
                limit.as_secs()
            );
            tracing::warn!(
                timeout_secs = limit.as_secs(),
                "request stopped by the request timeout"
            );
            let error = ScimError::new(StatusCode::SERVICE_UNAVAILABLE, None, detail)
                .with_retry_after(REQUEST_TIMEOUT_RETRY_AFTER_SECS);
            if scim {
                error.into_response()
            } else {
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(
                        header::RETRY_AFTER,
                        REQUEST_TIMEOUT_RETRY_AFTER_SECS.to_string(),
                    )],
                    error.detail,
                )
                    .into_response()
            }
        }
    }
}

/// How long a client is asked to wait after a request timed out.
const REQUEST_TIMEOUT_RETRY_AFTER_SECS: u64 = 5;

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

async fn readyz(State(state): State<AppState>) -> Response {
    if rosterd_database::ping(&state.db).await {
        Json(json!({ "status": "ready" })).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "detail": "the database does not answer" })),
        )
            .into_response()
    }
}

/// Which app a SCIM path addresses, and the base URL the client used for it.
fn scim_scope(path: &str) -> Result<(Option<(String, Product)>, String), ScimError> {
    let rest = path.strip_prefix("/scim/").unwrap_or_default();
    let mut segments = rest.split('/');
    match (segments.next(), segments.next(), segments.next()) {
        (Some("v2"), _, _) => Ok((None, "/scim/v2".to_owned())),
        (Some(tenant), Some(product), Some("v2")) => {
            let product: Product = product.parse().map_err(|_| {
                ScimError::not_found(format!(
                    "no SCIM app `{product}`; the apps are learning, sales-navigator and teamlink-extend"
                ))
            })?;
            Ok((
                Some((tenant.to_owned(), product)),
                format!("/scim/{tenant}/{product}/v2"),
            ))
        }
        _ => Err(ScimError::not_found("no such SCIM endpoint")),
    }
}

/// Authenticates every SCIM request and puts its [`ScimContext`] on it. The response carries an
/// [`Attribution`] for the provisioning log: the request's app, or, for a request refused with a
/// token of ours (revoked, expired, app disabled, tenant suspended), the token's app.
async fn authenticate_scim(
    State((state, tokens)): State<(AppState, rosterd_tenancy::TokenCache)>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req
        .extensions()
        .get::<OriginalUri>()
        .map_or_else(|| req.uri().path().to_owned(), |o| o.path().to_owned());
    let (addressed, base_path) = match scim_scope(&path) {
        Ok(found) => found,
        Err(err) => return err.into_response(),
    };
    let scope = match &addressed {
        Some((tenant, product)) => Scope::App {
            tenant,
            product: *product,
        },
        None => Scope::TokenOnly,
    };
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let app = match tokens
        .authenticate(&state.db, state.clock.as_ref(), authorization, scope)
        .await
    {
        Ok(app) => app,
        Err(err) => {
            let owner = match err {
                AuthError::Database(_) => None,
                _ => rosterd_tenancy::token_owner(&state.db, authorization)
                    .await
                    .ok()
                    .flatten(),
            };
            let mut res = auth_error(err);
            if let Some((tenant, product)) = owner {
                res.extensions_mut().insert(Attribution {
                    tenant,
                    product,
                    request_id: uuid::Uuid::now_v7().to_string(),
                });
            }
            return res;
        }
    };
    let span = Span::current();
    span.record("tenant", app.tenant_slug.as_str());
    span.record("product", app.product.slug());
    let request_id = uuid::Uuid::now_v7().to_string();
    req.extensions_mut().insert(ScimContext {
        tenant: app.tenant_id,
        product: app.product,
        base_url: format!("{}{base_path}", state.config.public_url),
        actor: format!("{} {}", app.product, app.token_prefix),
        request_id: request_id.clone(),
    });
    let mut res = next.run(req).await;
    res.extensions_mut().insert(Attribution {
        tenant: app.tenant_id,
        product: app.product,
        request_id,
    });
    res
}

fn auth_error(err: AuthError) -> Response {
    match err.status() {
        403 => ScimError::forbidden(err.to_string()).into_response(),
        401 => ScimError::unauthorized(err.to_string()).into_response(),
        _ => {
            tracing::error!(error = %err, "SCIM authentication failed to run");
            ScimError::internal().into_response()
        }
    }
}

/// Serves until `shutdown` resolves, then lets in-flight requests finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if state.config.redis_url.is_some() {
        let admin = admin_state(&state).map_err(std::io::Error::other)?;
        admin.check_sessions().await.map_err(|e| {
            std::io::Error::other(format!("redis_url (REDIS_URL): Redis does not answer: {e}"))
        })?;
        tracing::info!("admin sessions are kept in Redis");
    }
    let purge = crate::provisioning_log::spawn_purge(
        state.db.clone(),
        state.clock.clone(),
        state.config.provisioning_log.retention_days,
    );
    let checkpointer = rosterd_database::spawn_checkpointer(&state.db);
    let metrics = crate::metrics::start(
        &state.metrics,
        state.config.metrics_listen,
        state.config.otlp_endpoint.is_some(),
        &state.db,
    )
    .await?;
    let (recorder, writer) = Recorder::start(
        state.writer.clone(),
        state.inline_writer.clone(),
        state.clock.clone(),
        state.config.provisioning_log.refusal_window,
    );
    // The peer address reaches handlers (the admin center throttles sign-in per address).
    let limits = state.config.http;
    let served = crate::connections::serve_connections(
        listener,
        app_with(state, recorder),
        limits,
        shutdown,
    )
    .await;
    purge.abort();
    drop(metrics);
    if let Some(checkpointer) = checkpointer {
        checkpointer.abort();
    }
    // The router (and so every recorder) is gone: the writer drains the queue and ends.
    let _ = writer.await;
    served
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scim_paths_name_their_app() {
        let (app, base) = scim_scope("/scim/acme/learning/v2/Users").unwrap();
        assert_eq!(app, Some(("acme".to_owned(), Product::Learning)));
        assert_eq!(base, "/scim/acme/learning/v2");
        let (app, base) = scim_scope("/scim/v2/ServiceProviderConfig").unwrap();
        assert_eq!(app, None);
        assert_eq!(base, "/scim/v2");
        let err = scim_scope("/scim/acme/crm/v2/Users").unwrap_err();
        assert_eq!(err.status, StatusCode::NOT_FOUND);
    }
}
