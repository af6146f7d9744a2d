//! Admin sessions in Redis (`REDIS_URL`): a signed-in admin stays signed in across a restart
//! (and so across replicas), and the database holds no session rows. Uses the Redis at
//! `ROSTERD_TEST_REDIS`; skipped, saying so, when it is unset (CI sets it).

use std::sync::Arc;

use clap::Parser as _;
use reqwest::StatusCode;
use reqwest::header::{LOCATION, SET_COOKIE};
use rosterd::config::{Config, Overrides};
use rosterd::server::AppState;
use rosterd_domain::SystemClock;
use rosterd_test_support::TestDb;
use sea_orm::{ConnectionTrait as _, Statement};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// A server on `db` with sessions in `redis`; returns its base URL and its stop switch.
async fn start(
    db: &TestDb,
    redis: &str,
) -> (String, oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let redis = redis.to_owned();
    let config = Config::load_from(
        None,
        |name| (name == "REDIS_URL").then(|| redis.clone()),
        &Overrides {
            database_url: Some(db.url.clone()),
            listen: Some(listener.local_addr().unwrap().to_string()),
            public_url: Some(base.clone()),
        },
    )
    .unwrap();
    let state = AppState {
        db: db.conn.clone(),
        writer: db.conn.clone(),
        inline_reads: None,
        inline_writer: None,
        clock: Arc::new(SystemClock),
        metrics: rosterd::metrics::Metrics::from_config(&config).unwrap(),
        config: Arc::new(config),
    };
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        rosterd::server::serve(listener, state, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    (base, tx, server)
}

async fn cli(db: &TestDb, args: &[&str]) -> serde_json::Value {
    let mut argv = vec!["rosterd", "--json", "--database-url", &db.url];
    argv.extend_from_slice(args);
    let mut out = Vec::new();
    rosterd::cli::run(rosterd::cli::Cli::try_parse_from(&argv).unwrap(), &mut out)
        .await
        .unwrap();
    serde_json::from_slice(&out).unwrap()
}

#[tokio::test]
async fn a_redis_session_survives_a_restart_and_never_touches_the_database() {
    let Some(redis) = rosterd_test_support::redis_url() else {
        return;
    };
    let db = TestDb::fresh().await;
    cli(&db, &["tenant", "create", "acme", "--name", "Acme"]).await;
    let created = cli(&db, &["admin", "create", "acme", "ada@acme.example"]).await;
    let password = created["password"].as_str().unwrap().to_owned();

    let (base, stop, server) = start(&db, &redis).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let cookie = |res: &reqwest::Response| {
        let set = res.headers().get(SET_COOKIE).unwrap().to_str().unwrap();
        set.split(';').next().unwrap().to_owned()
    };
    let login = format!("{base}/admin/acme/login");
    let form = http.get(&login).send().await.unwrap();
    let first = cookie(&form);
    let body = form.text().await.unwrap();
    let marker = "name=\"csrf\" value=\"";
    let start_at = body.find(marker).unwrap() + marker.len();
    let csrf = body[start_at..start_at + body[start_at..].find('"').unwrap()].to_owned();
    let signed = http
        .post(&login)
        .header("cookie", &first)
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "ada@acme.example"),
            ("password", password.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed.headers()[LOCATION], "/admin/acme/");
    let session = cookie(&signed);
    stop.send(()).unwrap();
    server.await.unwrap();

    let (base, stop, server) = start(&db, &redis).await;
    let overview = http
        .get(format!("{base}/admin/acme/"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(overview.status(), StatusCode::OK);
    assert!(
        overview
            .text()
            .await
            .unwrap()
            .contains("<title>Overview · rosterd</title>")
    );
    let rows = db
        .conn
        .query_one(Statement::from_string(
            db.conn.get_database_backend(),
            "SELECT COUNT(*) AS n FROM admin_sessions",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(rows, 0, "sessions are in Redis, not the database");
    stop.send(()).unwrap();
    server.await.unwrap();
}
