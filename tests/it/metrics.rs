//! `/metrics` on its own listener, scraped after real provisioning: the request, seat,
//! waiting-list, outbox and pool series carry the values the provisioning produced.

use std::collections::BTreeMap;
use std::sync::Arc;

use reqwest::Method;
use rosterd::config::{Config, Overrides};
use rosterd::outbox::{Delivery, OutboxWorker};
use rosterd_domain::Product;
use rosterd_test_support::TestApp;

use crate::licensing::App;

/// One sample of the Prometheus text: its name, labels and value.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Reads the text format's samples (label values here hold no `,` or `"`).
fn samples(text: &str) -> Vec<Sample> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').expect(line);
            let (name, labels) = match series.split_once('{') {
                Some((name, rest)) => (name, rest.trim_end_matches('}')),
                None => (series, ""),
            };
            let labels = labels
                .split(',')
                .filter(|p| !p.is_empty())
                .map(|pair| {
                    let (k, v) = pair.split_once('=').expect(pair);
                    (k.to_owned(), v.trim_matches('"').to_owned())
                })
                .collect();
            Sample {
                name: name.to_owned(),
                labels,
                value: value.parse().expect(value),
            }
        })
        .collect()
}

/// The value of the one sample named `name` whose labels include `labels`.
fn value(all: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    let found: Vec<&Sample> = all
        .iter()
        .filter(|s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .collect();
    assert_eq!(found.len(), 1, "{name} {labels:?}: {found:?}");
    found[0].value
}

fn free_addr() -> std::net::SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

async fn scrape(addr: std::net::SocketAddr) -> Vec<Sample> {
    let res = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    samples(&res.text().await.unwrap())
}

#[tokio::test]
async fn metrics_show_requests_seats_and_the_outbox_after_provisioning() {
    let metrics_addr = free_addr();
    let app = TestApp::spawn_with(|config| config.metrics_listen = Some(metrics_addr)).await;
    let acme = app.tenant_with_seats("acme", &[("learning", 2)]).await;
    let learning = App::new(&app, &acme, Product::Learning);
    let ann = learning.user("ann@acme.example", "Lee", "1").await;
    learning.user("bob@acme.example", "Bo", "2").await;
    let (status, _) = learning.create_user("cy@acme.example", "Cy", "3").await;
    assert_eq!(status, 403, "the pool of two is full");
    let (status, _) = learning
        .send(Method::GET, &format!("/Users/{ann}"), None)
        .await;
    assert_eq!(status, 200);
    let unauthenticated = app
        .get(&format!("{}/Users", acme.base(Product::Learning)), None)
        .await;
    assert_eq!(unauthenticated.status(), 401);

    // The outbox holds a notice per new license; with the mail server down the round fails
    // them all and they stay in the backlog.
    let env = |name: &str| match name {
        "ROSTERD_SMTP_URL" => Some("smtp://127.0.0.1:1".to_owned()),
        "ROSTERD_SMTP_FROM" => Some("rosterd <no-reply@rosterd.test>".to_owned()),
        _ => None,
    };
    let config = Config::load_from(None, env, &Overrides::default()).unwrap();
    let mut config_with_metrics = config.clone();
    config_with_metrics.metrics_listen = Some(free_addr());
    let worker = OutboxWorker {
        db: app.db.conn.clone(),
        clock: Arc::new(app.clock.clone()),
        delivery: Delivery::from_config(config.smtp.as_ref()).unwrap(),
        public_url: app.base_url.clone(),
        metrics: rosterd::metrics::Metrics::from_config(&config_with_metrics).unwrap(),
    };
    let round = worker.round().await.unwrap();
    assert_eq!((round.queued, round.failed), (2, 2), "{round:?}");

    let all = scrape(metrics_addr).await;
    let users = [("product", "learning"), ("route", "/Users")];
    let post = |status: &'static str| {
        let mut l = users.to_vec();
        l.extend([("method", "POST"), ("status", status)]);
        l
    };
    assert_eq!(
        value(&all, "rosterd_scim_requests_total", &post("201")),
        2.0
    );
    assert_eq!(
        value(&all, "rosterd_scim_requests_total", &post("403")),
        1.0
    );
    assert_eq!(
        value(
            &all,
            "rosterd_scim_requests_total",
            &[
                ("product", "learning"),
                ("route", "/Users/{id}"),
                ("method", "GET"),
                ("status", "200")
            ]
        ),
        1.0
    );
    assert_eq!(
        value(
            &all,
            "rosterd_scim_requests_total",
            &[("route", "/Users"), ("method", "GET"), ("status", "401")]
        ),
        1.0
    );
    let mut timed = users.to_vec();
    timed.push(("method", "POST"));
    assert_eq!(
        value(&all, "rosterd_scim_request_duration_seconds_count", &timed),
        3.0
    );
    assert!(value(&all, "rosterd_scim_request_duration_seconds_sum", &timed) > 0.0);
    let kind = [("license_kind", "learning")];
    assert_eq!(value(&all, "rosterd_seats_capacity", &kind), 2.0);
    assert_eq!(value(&all, "rosterd_seats_in_use", &kind), 2.0);
    assert_eq!(value(&all, "rosterd_waitlist_people", &kind), 0.0);
    assert_eq!(
        value(
            &all,
            "rosterd_seats_capacity",
            &[("license_kind", "teamlink-extend")]
        ),
        100.0
    );
    assert_eq!(value(&all, "rosterd_outbox_backlog", &[]), 2.0);
    assert_eq!(
        value(&all, "rosterd_provisioning_log_dropped_total", &[]),
        0.0
    );
    assert!(value(&all, "rosterd_db_pool_connections", &[("state", "idle")]) >= 0.0);
    // A SQLite file's one write path: the two creates, the refused one (rolled back) and the
    // other writes took its turn; PostgreSQL has no such writer and no such series.
    let busy = all
        .iter()
        .find(|s| s.name == "rosterd_db_writer_busy_seconds_total");
    if app.db.url.starts_with("sqlite:") {
        assert!(busy.is_some_and(|s| s.value > 0.0), "{busy:?}");
        assert!(value(&all, "rosterd_db_writer_transactions_total", &[]) >= 3.0);
    } else {
        assert!(busy.is_none(), "{busy:?}");
    }
    // No tenant, token or person is a label.
    assert!(
        all.iter()
            .all(|s| !s.labels.values().any(|v| v.contains("acme"))),
        "a tenant leaked into a label"
    );

    // The worker's own instruments count what it did.
    let Some(worker_addr) = config_with_metrics.metrics_listen else {
        unreachable!()
    };
    let _running = rosterd::metrics::start(&worker.metrics, Some(worker_addr), false, &app.db.conn)
        .await
        .unwrap();
    let worker_samples = scrape(worker_addr).await;
    assert_eq!(
        value(
            &worker_samples,
            "rosterd_outbox_notices_total",
            &[("outcome", "failed")]
        ),
        2.0
    );

    // Never on the public listener.
    let public = app
        .http
        .get(format!("{}/metrics", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(public.status(), 404);
}
