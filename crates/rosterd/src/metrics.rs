//! Metrics for the operator: SCIM requests and their latency per product, rate-limit refusals,
//! seats and waiting lists per license kind, the outbox, the provisioning log's queue and the
//! database pool. One set of OpenTelemetry instruments feeds two readers, each on only when
//! configured: `/metrics` in the Prometheus text format on `metrics_listen` (never the public
//! listener), and OTLP/HTTP to `otlp_endpoint` beside the traces. With neither, nothing is
//! recorded. Labels are bounded: product, method, route template and status; no tenant, token
//! or person ever becomes a label. Every series is listed in `docs/operations.md`.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{OriginalUri, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use opentelemetry::KeyValue;
use opentelemetry::metrics::{Counter, Gauge, Histogram, Meter, MeterProvider as _};
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use rosterd_domain::Product;
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::provisioning_log::Attribution;

/// How often the seat, waiting-list, outbox and pool gauges are read from the database when
/// they are pushed over OTLP (a Prometheus scrape reads them itself, when it comes).
const OTLP_REFRESH: Duration = Duration::from_secs(15);

/// Latency buckets, in seconds: from a cached read to a large Bulk.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The instruments, cheap to clone. Built once per server from its config.
#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

struct Inner {
    provider: Option<SdkMeterProvider>,
    /// The registry `/metrics` encodes; `None` without `metrics_listen`.
    registry: Option<prometheus::Registry>,
    meter: Meter,
    scim_requests: Counter<u64>,
    scim_duration: Histogram<f64>,
    scim_rate_limited: Counter<u64>,
    seats_capacity: Gauge<i64>,
    seats_in_use: Gauge<i64>,
    waiting: Gauge<i64>,
    outbox_backlog: Gauge<i64>,
    outbox_notices: Counter<u64>,
    db_connections: Gauge<i64>,
    /// Observable instruments stay registered while held ([`Metrics::hold`]).
    observed: Mutex<Vec<Box<dyn std::any::Any + Send + Sync>>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("prometheus", &self.0.registry.is_some())
            .field("otlp", &self.0.provider.is_some())
            .finish_non_exhaustive()
    }
}

impl Metrics {
    /// The instruments for `config`: a Prometheus reader with `metrics_listen`, an OTLP reader
    /// with `otlp_endpoint`, no-ops with neither.
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let registry = config
            .metrics_listen
            .is_some()
            .then(prometheus::Registry::new);
        let mut builder = None::<opentelemetry_sdk::metrics::MeterProviderBuilder>;
        let resource = || {
            opentelemetry_sdk::Resource::builder()
                .with_service_name("rosterd")
                .build()
        };
        if let Some(registry) = &registry {
            let exporter = opentelemetry_prometheus::exporter()
                .with_registry(registry.clone())
                .without_target_info()
                .scope_info_enabled(false)
                .build()?;
            builder = Some(
                builder
                    .unwrap_or_else(|| SdkMeterProvider::builder().with_resource(resource()))
                    .with_reader(exporter),
            );
        }
        if let Some(endpoint) = &config.otlp_endpoint {
            let exporter = opentelemetry_otlp::MetricExporter::builder()
                .with_http()
                .with_endpoint(format!("{}/v1/metrics", endpoint.trim_end_matches('/')))
                .build()?;
            let reader = PeriodicReader::builder(exporter)
                .with_interval(config.otlp_metrics_interval)
                .build();
            builder = Some(
                builder
                    .unwrap_or_else(|| SdkMeterProvider::builder().with_resource(resource()))
                    .with_reader(reader),
            );
        }
        let provider = builder.map(|b| b.build());
        let meter = match &provider {
            Some(provider) => provider.meter("rosterd"),
            None => opentelemetry::global::meter_provider().meter("rosterd-off"),
        };
        Ok(Self(Arc::new(Inner {
            scim_requests: meter
                .u64_counter("rosterd.scim.requests")
                .with_description("SCIM requests answered, by product, method, route and status")
                .build(),
            scim_duration: meter
                .f64_histogram("rosterd.scim.request.duration")
                .with_unit("s")
                .with_description("Time from a SCIM request's arrival to its response's headers")
                .with_boundaries(LATENCY_BUCKETS.to_vec())
                .build(),
            scim_rate_limited: meter
                .u64_counter("rosterd.scim.rate_limited")
                .with_description("SCIM requests refused with 429 by fair share, by product")
                .build(),
            seats_capacity: meter
                .i64_gauge("rosterd.seats.capacity")
                .with_description("Seats bought, over every tenant, by license kind")
                .build(),
            seats_in_use: meter
                .i64_gauge("rosterd.seats.in_use")
                .with_description("Seats held by assigned or active licenses, by license kind")
                .build(),
            waiting: meter
                .i64_gauge("rosterd.waitlist.people")
                .with_description("People waiting for a seat, by license kind")
                .build(),
            outbox_backlog: meter
                .i64_gauge("rosterd.outbox.backlog")
                .with_description("Notices not yet sent that the worker will still try")
                .build(),
            outbox_notices: meter
                .u64_counter("rosterd.outbox.notices")
                .with_description("Notices handled by the outbox worker, by outcome")
                .build(),
            db_connections: meter
                .i64_gauge("rosterd.db.pool.connections")
                .with_description("The database pool's connections, by state (idle, in_use)")
                .build(),
            observed: Mutex::default(),
            meter,
            provider,
            registry,
        })))
    }

    /// Whether any reader is on.
    pub fn enabled(&self) -> bool {
        self.0.provider.is_some()
    }

    /// Counts one answered SCIM request.
    pub fn scim_request(
        &self,
        product: &'static str,
        method: &str,
        route: &'static str,
        status: StatusCode,
        elapsed: Duration,
    ) {
        if !self.enabled() {
            return;
        }
        let labels = [
            KeyValue::new("product", product),
            KeyValue::new("method", method.to_owned()),
            KeyValue::new("route", route),
            KeyValue::new("status", i64::from(status.as_u16())),
        ];
        self.0.scim_requests.add(1, &labels);
        self.0
            .scim_duration
            .record(elapsed.as_secs_f64(), &labels[..3]);
        if status == StatusCode::TOO_MANY_REQUESTS {
            self.0
                .scim_rate_limited
                .add(1, &[KeyValue::new("product", product)]);
        }
    }

    /// Counts notices the outbox worker handled in a round.
    pub fn outbox_round(&self, sent: usize, failed: usize, withdrawn: usize) {
        for (outcome, n) in [("sent", sent), ("failed", failed), ("withdrawn", withdrawn)] {
            if n > 0 {
                self.0.outbox_notices.add(
                    u64::try_from(n).unwrap_or(u64::MAX),
                    &[KeyValue::new("outcome", outcome)],
                );
            }
        }
    }

    /// Reports the provisioning log's dropped entries, as counted by its recorder.
    pub fn watch_log_drops(&self, dropped: Arc<AtomicU64>) {
        if !self.enabled() {
            return;
        }
        let counter = self
            .0
            .meter
            .u64_observable_counter("rosterd.provisioning_log.dropped")
            .with_description("Provisioning-log entries dropped because the queue was full")
            .with_callback(move |observer| observer.observe(dropped.load(Ordering::Relaxed), &[]))
            .build();
        self.hold(counter);
    }

    /// Keeps an observable instrument registered for as long as the metrics live.
    fn hold(&self, instrument: impl std::any::Any + Send + Sync) {
        self.0
            .observed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Box::new(instrument));
    }

    /// Reports how busy a SQLite file's one write path is: the seconds its writer's turn was
    /// held ([`rosterd_database::InlineWriter::busy`]) and the transactions that held it.
    pub fn watch_sqlite_writer(&self, writer: rosterd_database::InlineWriter) {
        if !self.enabled() {
            return;
        }
        let timed = writer.clone();
        let busy = self
            .0
            .meter
            .f64_observable_counter("rosterd.db.writer.busy")
            .with_unit("s")
            .with_description(
                "Time SCIM write transactions held the SQLite file's one writer; its rate near 1 means writes queue for it",
            )
            .with_callback(move |observer| observer.observe(timed.busy().held.as_secs_f64(), &[]))
            .build();
        let transactions = self
            .0
            .meter
            .u64_observable_counter("rosterd.db.writer.transactions")
            .with_description("Write transactions that took the SQLite file's one writer")
            .with_callback(move |observer| observer.observe(writer.busy().transactions, &[]))
            .build();
        self.hold(busy);
        self.hold(transactions);
    }

    /// Reads the gauges that live in the database: seats, waiting lists, the outbox's backlog,
    /// and the pool's connections. A failed read leaves the last values and is logged.
    pub async fn refresh(&self, db: &DatabaseConnection) {
        if !self.enabled() {
            return;
        }
        match rosterd_ledger::fleet_totals(db).await {
            Ok(totals) => {
                for (kind, t) in &totals.kinds {
                    let label = [KeyValue::new("license_kind", kind.to_string())];
                    self.0.seats_capacity.record(t.capacity, &label);
                    self.0.seats_in_use.record(t.in_use, &label);
                    self.0.waiting.record(t.waiting, &label);
                }
                self.0.outbox_backlog.record(totals.outbox_backlog, &[]);
            }
            Err(err) => {
                tracing::warn!(error = %err, "metrics: the fleet's totals could not be read")
            }
        }
        let (size, idle) = rosterd_database::pool_connections(db);
        let in_use = size.saturating_sub(idle);
        self.0
            .db_connections
            .record(i64::from(idle), &[KeyValue::new("state", "idle")]);
        self.0
            .db_connections
            .record(i64::from(in_use), &[KeyValue::new("state", "in_use")]);
    }

    /// The Prometheus text of every series, or `None` without `metrics_listen`.
    fn prometheus_text(&self) -> Option<Result<String, prometheus::Error>> {
        let registry = self.0.registry.as_ref()?;
        let mut text = String::new();
        Some(
            prometheus::TextEncoder::new()
                .encode_utf8(&registry.gather(), &mut text)
                .map(|()| text),
        )
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(err) = provider.shutdown()
        {
            tracing::warn!(error = %err, "flushing metrics failed");
        }
    }
}

/// The middleware around the SCIM routes: counts and times every answer, refusals included.
pub async fn record(State(metrics): State<Metrics>, req: Request, next: Next) -> Response {
    if !metrics.enabled() {
        return next.run(req).await;
    }
    let started = Instant::now();
    let path = req
        .extensions()
        .get::<OriginalUri>()
        .map_or_else(|| req.uri().path().to_owned(), |o| o.path().to_owned());
    let method = req.method().clone();
    let res = next.run(req).await;
    let product = res
        .extensions()
        .get::<Attribution>()
        .map(|a| a.product)
        .or_else(|| product_in_path(&path))
        .map_or("none", Product::slug);
    metrics.scim_request(
        product,
        method.as_str(),
        route_template(&path),
        res.status(),
        started.elapsed(),
    );
    res
}

/// The product a `/scim/{tenant}/{product}/v2/...` path names.
fn product_in_path(path: &str) -> Option<Product> {
    let mut segments = path.strip_prefix("/scim/")?.split('/');
    let (_, product, v2) = (segments.next()?, segments.next()?, segments.next()?);
    (v2 == "v2").then(|| product.parse().ok()).flatten()
}

/// The route a SCIM path took, as a template: ids become `{id}`, and anything that is not a
/// SCIM endpoint is `other`, so the label has a few dozen values at most.
pub fn route_template(path: &str) -> &'static str {
    let below = path
        .split_once("/v2")
        .map_or("", |(_, rest)| rest)
        .trim_end_matches('/');
    let mut segments = below.split('/').skip(1);
    let first = segments.next().unwrap_or("");
    let second = segments.next();
    let third = segments.next();
    if third.is_some() {
        return "other";
    }
    match (first, second) {
        ("", None) => "/",
        ("Users", None) => "/Users",
        ("Users", Some(".search")) => "/Users/.search",
        ("Users", Some(_)) => "/Users/{id}",
        ("Groups", None) => "/Groups",
        ("Groups", Some(".search")) => "/Groups/.search",
        ("Groups", Some(_)) => "/Groups/{id}",
        ("Bulk", None) => "/Bulk",
        (".search", None) => "/.search",
        ("Me", None) => "/Me",
        ("ServiceProviderConfig", None) => "/ServiceProviderConfig",
        ("Schemas", None) => "/Schemas",
        ("Schemas", Some(_)) => "/Schemas/{id}",
        ("ResourceTypes", None) => "/ResourceTypes",
        ("ResourceTypes", Some(_)) => "/ResourceTypes/{id}",
        _ => "other",
    }
}

/// The metrics listener's router: `GET /metrics`, reading the database's gauges first.
fn router(metrics: Metrics, db: DatabaseConnection) -> Router {
    Router::new().route(
        "/metrics",
        get(move || async move {
            metrics.refresh(&db).await;
            match metrics.prometheus_text() {
                Some(Ok(text)) => (
                    [(
                        header::CONTENT_TYPE,
                        "text/plain; version=0.0.4; charset=utf-8",
                    )],
                    text,
                )
                    .into_response(),
                Some(Err(err)) => {
                    tracing::error!(error = %err, "metrics could not be encoded");
                    StatusCode::INTERNAL_SERVER_ERROR.into_response()
                }
                None => StatusCode::NOT_FOUND.into_response(),
            }
        }),
    )
}

/// Background work for the metrics: the `metrics_listen` listener, and with OTLP the periodic
/// read of the database's gauges. Dropping the handle stops both.
pub struct Running(Vec<tokio::task::JoinHandle<()>>);

impl Drop for Running {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// Starts what `metrics` needs: the listener on `listen`, if any, and the gauge refresh for
/// OTLP, if on.
pub async fn start(
    metrics: &Metrics,
    listen: Option<SocketAddr>,
    otlp: bool,
    db: &DatabaseConnection,
) -> std::io::Result<Running> {
    let mut tasks = Vec::new();
    if let Some(addr) = listen {
        let listener = TcpListener::bind(addr).await.map_err(|e| {
            std::io::Error::other(format!(
                "cannot listen on {addr} (metrics_listen / ROSTERD_METRICS_LISTEN): {e}"
            ))
        })?;
        tracing::info!(listen = %addr, "metrics served at /metrics");
        let app = router(metrics.clone(), db.clone());
        tasks.push(tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, app).await {
                tracing::error!(error = %err, "the metrics listener stopped");
            }
        }));
    }
    if otlp {
        let (metrics, db) = (metrics.clone(), db.clone());
        tasks.push(tokio::spawn(async move {
            let mut ticks = tokio::time::interval(OTLP_REFRESH);
            loop {
                ticks.tick().await;
                metrics.refresh(&db).await;
            }
        }));
    }
    Ok(Running(tasks))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_templates_with_few_values() {
        let base = "/scim/acme/learning/v2";
        for (path, route) in [
            ("", "/"),
            ("/", "/"),
            ("/Users", "/Users"),
            ("/Users/", "/Users"),
            ("/Users/0190a1b2-c3d4", "/Users/{id}"),
            ("/Users/.search", "/Users/.search"),
            ("/Groups/abc", "/Groups/{id}"),
            ("/Groups", "/Groups"),
            ("/Bulk", "/Bulk"),
            ("/.search", "/.search"),
            (
                "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
                "/Schemas/{id}",
            ),
            ("/ServiceProviderConfig", "/ServiceProviderConfig"),
            ("/ResourceTypes/User", "/ResourceTypes/{id}"),
            ("/Users/x/y", "other"),
            ("/Nowhere", "other"),
            ("/wp-admin.php", "other"),
        ] {
            assert_eq!(route_template(&format!("{base}{path}")), route, "{path}");
        }
        assert_eq!(route_template("/scim/v2/Users/1"), "/Users/{id}");
    }

    #[test]
    fn the_product_comes_from_the_path_when_nothing_attributed_it() {
        assert_eq!(
            product_in_path("/scim/acme/sales-navigator/v2/Users"),
            Some(Product::SalesNavigator)
        );
        assert_eq!(product_in_path("/scim/v2/Users"), None);
        assert_eq!(product_in_path("/scim/acme/crm/v2/Users"), None);
        assert_eq!(product_in_path("/admin/acme"), None);
    }
}
