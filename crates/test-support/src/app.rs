//! A real rosterd on an ephemeral port, and the operator CLI run in-process against its database.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use clap::Parser as _;
use rosterd::config::{Config, Overrides};
use rosterd::server::AppState;
use rosterd_domain::{ManualClock, Product};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::db::TestDb;

/// A running server with its own database.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub base_url: String,
    pub db: TestDb,
    pub clock: ManualClock,
    pub http: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

/// The tokens and base URLs of a tenant made by [`TestApp::tenant`].
pub struct TenantApps {
    pub slug: String,
    /// Per product: (SCIM base URL, token).
    pub apps: Vec<(Product, String, String)>,
}

impl TenantApps {
    pub fn base(&self, product: Product) -> &str {
        &self.apps.iter().find(|a| a.0 == product).unwrap().1
    }

    pub fn token(&self, product: Product) -> &str {
        &self.apps.iter().find(|a| a.0 == product).unwrap().2
    }
}

impl TestApp {
    /// Starts a server on a fresh database with the clock at the current time.
    pub async fn spawn() -> Self {
        #[expect(
            clippy::disallowed_methods,
            reason = "the test clock starts at real time"
        )]
        let now = Utc::now();
        Self::spawn_at(now).await
    }

    /// Starts a server whose clock reads `now` until moved.
    pub async fn spawn_at(now: DateTime<Utc>) -> Self {
        Self::spawn_configured(now, &[], false, |_| {}).await
    }

    /// Starts a server configured with these environment variables (e.g.
    /// `ROSTERD_TRUSTED_PROXIES`); `ROSTERD_PUBLIC_URL` among them replaces the server's own URL.
    pub async fn spawn_with_env(env: &[(&str, &str)]) -> Self {
        #[expect(
            clippy::disallowed_methods,
            reason = "the test clock starts at real time"
        )]
        let now = Utc::now();
        Self::spawn_configured(now, env, false, |_| {}).await
    }

    /// Starts a server with the configuration changed by `configure` (limits, timeouts).
    pub async fn spawn_with(configure: impl FnOnce(&mut Config)) -> Self {
        #[expect(
            clippy::disallowed_methods,
            reason = "the test clock starts at real time"
        )]
        let now = Utc::now();
        Self::spawn_configured(now, &[], true, configure).await
    }

    /// Starts a second server on this app's database, as another replica would be (its own
    /// pool and in-process caches, clock at the current time). Keep `self` alive while it runs:
    /// a SQLite test database is removed with it.
    pub async fn replica(&self) -> Self {
        #[expect(
            clippy::disallowed_methods,
            reason = "the test clock starts at real time"
        )]
        let now = Utc::now();
        let db = TestDb::on(&self.db.url).await;
        Self::start(db, now, &[], true, |_| {}).await
    }

    /// [`Self::replica`] with the configuration changed by `configure` (limits, `redis_url`),
    /// started as a configured server is by [`Self::spawn_with`].
    pub async fn replica_with(&self, configure: impl FnOnce(&mut Config)) -> Self {
        #[expect(
            clippy::disallowed_methods,
            reason = "the test clock starts at real time"
        )]
        let now = Utc::now();
        let db = TestDb::on(&self.db.url).await;
        Self::start(db, now, &[], true, configure).await
    }

    async fn spawn_configured(
        now: DateTime<Utc>,
        env: &[(&str, &str)],
        configured: bool,
        configure: impl FnOnce(&mut Config),
    ) -> Self {
        let db = TestDb::fresh().await;
        Self::start(db, now, env, configured, configure).await
    }

    async fn start(
        db: TestDb,
        now: DateTime<Utc>,
        env: &[(&str, &str)],
        configured: bool,
        configure: impl FnOnce(&mut Config),
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let base_url = format!("http://{addr}");
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let own_url = !env.iter().any(|(k, _)| k == "ROSTERD_PUBLIC_URL");
        let config = Config::load_from(
            None,
            |name| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()),
            &Overrides {
                database_url: Some(db.url.clone()),
                listen: Some(addr.to_string()),
                public_url: own_url.then(|| base_url.clone()),
            },
        )
        .unwrap();
        let mut config = config;
        configure(&mut config);
        let clock = ManualClock::new(now);
        // A configured server connects as `rosterd serve` does (its pool, its statement
        // timeout); the others share the test database's connection, to keep PostgreSQL's
        // connection count low when many tests run at once.
        let conn = if configured {
            rosterd::db::connect(&config).await.unwrap()
        } else {
            db.conn.clone()
        };
        let state = AppState {
            writer: rosterd_database::connect_writer_with(
                &db.url,
                &conn,
                config.database_statement_timeout,
            )
            .await
            .unwrap(),
            inline_reads: rosterd_database::inline_reads::InlineReader::open(
                &db.url,
                config.database_statement_timeout,
            )
            .unwrap(),
            inline_writer: rosterd::server::inline_writer(
                &db.url,
                config.database_statement_timeout,
            )
            .unwrap(),
            db: conn,
            clock: Arc::new(clock.clone()),
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
        Self {
            base_url,
            db,
            clock,
            http: reqwest::Client::new(),
            shutdown: Some(tx),
            server: Some(server),
        }
    }

    /// Runs `rosterd <args> --json` in-process against this app's database and returns the
    /// parsed output, or the error message.
    pub async fn cli(&self, args: &[&str]) -> Result<Value, String> {
        let mut argv = vec![
            "rosterd",
            "--json",
            "--database-url",
            &self.db.url,
            "--public-url",
            &self.base_url,
        ];
        argv.extend_from_slice(args);
        let cli = rosterd::cli::Cli::try_parse_from(&argv).map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        match rosterd::cli::run(cli, &mut out).await {
            Ok(_) => serde_json::from_slice(&out)
                .map_err(|e| format!("not JSON ({e}): {}", String::from_utf8_lossy(&out))),
            Err(err) => Err(format!("{err:#}")),
        }
    }

    /// Runs a CLI command that must succeed.
    pub async fn cli_ok(&self, args: &[&str]) -> Value {
        match self.cli(args).await {
            Ok(v) => v,
            Err(e) => panic!("rosterd {}: {e}", args.join(" ")),
        }
    }

    /// Creates tenant `slug` with seats in every pool and a token per product.
    pub async fn tenant(&self, slug: &str) -> TenantApps {
        self.cli_ok(&[
            "tenant",
            "create",
            slug,
            "--name",
            slug,
            "--seats",
            "learning=100",
            "--seats",
            "sales-navigator-core=100",
            "--seats",
            "sales-navigator-advanced=100",
            "--seats",
            "sales-navigator-advanced-plus=100",
            "--seats",
            "teamlink-extend=100",
        ])
        .await;
        let mut apps = Vec::new();
        for product in Product::ALL {
            let issued = self.cli_ok(&["token", "issue", slug, product.slug()]).await;
            apps.push((
                product,
                issued["scim_base_url"].as_str().unwrap().to_owned(),
                issued["token"].as_str().unwrap().to_owned(),
            ));
        }
        TenantApps {
            slug: slug.to_owned(),
            apps,
        }
    }

    /// [`Self::tenant`], then the pools in `seats` (`("learning", 2)`) set to those capacities.
    pub async fn tenant_with_seats(&self, slug: &str, seats: &[(&str, u32)]) -> TenantApps {
        let apps = self.tenant(slug).await;
        let mut args = vec!["tenant".to_owned(), "seats".to_owned(), slug.to_owned()];
        args.extend(seats.iter().map(|(kind, n)| format!("{kind}={n}")));
        self.cli_ok(&args.iter().map(String::as_str).collect::<Vec<_>>())
            .await;
        apps
    }

    /// A GET with a bearer token.
    pub async fn get(&self, url: &str, token: Option<&str>) -> reqwest::Response {
        let mut req = self.http.get(url);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send().await.unwrap()
    }

    /// Stops the server, letting in-flight requests finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.unwrap();
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
