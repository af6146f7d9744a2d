//! The capacity invariant under real concurrency: separate `rosterd serve` processes on one
//! fresh database (two on PostgreSQL, one on SQLite), 64 concurrent SCIM clients creating three
//! times a Learning pool's capacity of users, spread over the servers. Exactly `capacity` users
//! are licensed; every other request is refused whole with the license error (403, "N of N
//! seats"); no 5xx, no deadlock; `rosterd ledger verify` is clean. Then every server's outbox
//! worker races to notify the licensed people: each gets exactly one notice.
//!
//! The servers are separate OS processes running `rosterd serve`. By default they are this test
//! binary run again into [`serve_child`], which calls the same `rosterd::cli::run` as the
//! `rosterd` binary's `main`, so they always run the code under test (a `cargo test` of this
//! package alone does not rebuild `target/debug/rosterd`, which may then be stale or missing).
//! `ROSTERD_BIN=target/debug/rosterd` runs the built binary instead.

use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::Parser as _;
use rosterd_test_support::TestDb;
use sea_orm::EntityTrait as _;
use serde_json::{Value, json};
use tokio::process::{Child, Command};

const CAPACITY: usize = 40;
const CLIENTS: usize = 64;
/// The child marker: set, [`serve_child`] serves; unset, it returns at once.
const CHILD_ENV: &str = "ROSTERD_E2E_SERVE_CHILD";

/// Runs `rosterd serve` with the configuration in the environment. Only the concurrency tests
/// run it, as a child process; on its own it does nothing.
#[tokio::test]
#[ignore = "a child process of the concurrency tests, not a test"]
async fn serve_child() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let cli = rosterd::cli::Cli::try_parse_from(["rosterd", "serve"]).unwrap();
    let mut out = std::io::stdout();
    rosterd::cli::run(cli, &mut out).await.unwrap();
}

/// A `rosterd serve` process on `db_url`, killed when dropped.
struct Server {
    base_url: String,
    /// Held so the process is killed when the server is dropped.
    _process: Child,
    log: std::path::PathBuf,
}

impl Server {
    async fn start(db_url: &str, log_dir: &std::path::Path, n: usize) -> Self {
        let port = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            probe.local_addr().unwrap().port()
        };
        let base_url = format!("http://127.0.0.1:{port}");
        let mut command = match std::env::var_os("ROSTERD_BIN") {
            Some(bin) => {
                let mut c = Command::new(bin);
                c.arg("serve");
                c
            }
            None => {
                let mut c = Command::new(std::env::current_exe().unwrap());
                c.args([
                    "concurrency::serve_child",
                    "--exact",
                    "--ignored",
                    "--nocapture",
                ])
                .env(CHILD_ENV, "1");
                c
            }
        };
        let log = log_dir.join(format!("server-{n}.log"));
        let log_file = std::fs::File::create(&log).unwrap();
        command
            .env("DATABASE_URL", db_url)
            .env("ROSTERD_LISTEN", format!("127.0.0.1:{port}"))
            .env("ROSTERD_PUBLIC_URL", &base_url)
            .env("ROSTERD_MIGRATE_ON_START", "false")
            .env("ROSTERD_LOG", "warn")
            .env_remove("ROSTERD_CONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .kill_on_drop(true);
        let child = command.spawn().unwrap();
        let server = Self {
            base_url,
            _process: child,
            log,
        };
        server.wait_ready().await;
        server
    }

    async fn wait_ready(&self) {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(res) = http.get(format!("{}/readyz", self.base_url)).send().await
                && res.status().is_success()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "rosterd serve at {} not ready after 30 s; its log:\n{}",
            self.base_url,
            std::fs::read_to_string(&self.log).unwrap_or_default()
        );
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// Runs `rosterd <args> --json` in-process against `db_url`.
async fn cli(db_url: &str, args: &[&str]) -> Value {
    let mut argv = vec!["rosterd", "--json", "--database-url", db_url];
    argv.extend_from_slice(args);
    let cli = rosterd::cli::Cli::try_parse_from(&argv).unwrap();
    let mut out = Vec::new();
    rosterd::cli::run(cli, &mut out)
        .await
        .unwrap_or_else(|e| panic!("rosterd {}: {e:#}", args.join(" ")));
    serde_json::from_slice(&out).unwrap()
}

/// What the clients saw.
#[derive(Default)]
struct Outcome {
    created: usize,
    refused: usize,
    other: Vec<(u16, String)>,
}

async fn provision_three_times_capacity(servers: usize) {
    let db = TestDb::fresh().await;
    let logs = tempfile::tempdir().unwrap();
    let capacity = format!("learning={CAPACITY}");
    cli(
        &db.url,
        &[
            "tenant", "create", "acme", "--name", "Acme", "--seats", &capacity,
        ],
    )
    .await;
    let issued = cli(&db.url, &["token", "issue", "acme", "learning"]).await;
    let token = issued["token"].as_str().unwrap().to_owned();

    let mut running = Vec::new();
    for n in 0..servers {
        running.push(Server::start(&db.url, logs.path(), n).await);
    }
    let bases: Arc<Vec<String>> = Arc::new(
        running
            .iter()
            .map(|s| format!("{}/scim/acme/learning/v2/Users", s.base_url))
            .collect(),
    );

    let total = 3 * CAPACITY;
    let next = Arc::new(AtomicUsize::new(0));
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .unwrap();
    let started = Instant::now();
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let (next, bases, http, token) = (next.clone(), bases.clone(), http.clone(), token.clone());
        clients.push(tokio::spawn(async move {
            let mut seen = Outcome::default();
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= total {
                    return seen;
                }
                let email = format!("user{i:03}@acme.example");
                let body = json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": email,
                    "name": {"givenName": "User", "familyName": format!("{i:03}")},
                    "emails": [{"primary": true, "value": email}],
                    "active": true
                });
                let res = http
                    .post(&bases[i % bases.len()])
                    .bearer_auth(&token)
                    .header("content-type", "application/scim+json")
                    .body(body.to_string())
                    .send()
                    .await
                    .unwrap();
                let status = res.status().as_u16();
                let text = res.text().await.unwrap();
                match status {
                    201 => seen.created += 1,
                    403 if text.contains(&format!("{CAPACITY} of {CAPACITY} seats assigned"))
                        && text.contains("more licenses are needed") =>
                    {
                        seen.refused += 1;
                    }
                    _ => seen.other.push((status, text)),
                }
            }
        }));
    }
    let all = tokio::time::timeout(Duration::from_secs(60), async {
        let mut all = Outcome::default();
        for client in clients {
            let seen = client.await.unwrap();
            all.created += seen.created;
            all.refused += seen.refused;
            all.other.extend(seen.other);
        }
        all
    })
    .await
    .unwrap_or_else(|_| {
        let logs: Vec<String> = running.iter().map(Server::log).collect();
        panic!("no answer within 60 s (a deadlock?); server logs:\n{logs:#?}")
    });
    let elapsed = started.elapsed();
    let server_logs: Vec<String> = running.iter().map(Server::log).collect();
    assert!(
        all.other.is_empty(),
        "every request is created or refused with the license error, never anything else; got {:?}\nserver logs: {server_logs:#?}",
        all.other
    );
    assert_eq!(
        (all.created, all.refused),
        (CAPACITY, total - CAPACITY),
        "exactly the capacity is licensed"
    );

    let licenses = cli(&db.url, &["license", "list", "acme", "--kind", "learning"]).await;
    let live = licenses
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["state"] != "revoked")
        .count();
    assert_eq!(live, CAPACITY);
    let verify = cli(&db.url, &["ledger", "verify", "acme"]).await;
    assert_eq!(verify["clean"], true, "{verify}");
    let tenant = cli(&db.url, &["tenant", "show", "acme"]).await;
    let learning = tenant["pools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["license_kind"] == "learning")
        .unwrap();
    assert_eq!(learning["in_use"], CAPACITY, "{learning}");

    // Every server's outbox worker races to notify the new license holders: each gets one
    // notice, delivered once (to the log: no SMTP here).
    let notices = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let rows = rosterd_ledger::entity::notification::Entity::find()
                .all(&db.conn)
                .await
                .unwrap();
            if rows.len() >= CAPACITY && rows.iter().all(|r| r.sent_at.is_some()) {
                return rows;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    })
    .await
    .expect("every notice delivered within 30 s");
    let recipients: std::collections::BTreeSet<&str> =
        notices.iter().map(|n| n.recipient.as_str()).collect();
    assert_eq!(
        (notices.len(), recipients.len()),
        (CAPACITY, CAPACITY),
        "one notice per licensed person, however many workers"
    );
    for log in running.iter().map(Server::log) {
        assert!(!log.contains("ERROR"), "a server logged an error:\n{log}");
    }

    eprintln!(
        "{} request(s) from {CLIENTS} clients over {servers} server process(es) on {}: {} created, {} refused, in {elapsed:?}; pools: {}",
        total,
        rosterd_test_support::backend_name(),
        all.created,
        all.refused,
        learning
    );
    drop(running);
}

#[tokio::test]
async fn two_servers_never_give_more_seats_than_the_pool_has() {
    // Two processes on one database is the PostgreSQL deployment; a SQLite file is served by
    // one process (the embedded default).
    let servers = if rosterd_test_support::backend_name() == "postgres" {
        2
    } else {
        1
    };
    provision_three_times_capacity(servers).await;
}

/// PostgreSQL's licensed creates take their seat at commit (migration `000021`): a claim is
/// settled by a deferred trigger, and a commit that finds the pool filled since the claim was
/// written fails whole as a serialization failure, which the directory runs again (and then
/// refuses with the license error, as `two_servers_never_give_more_seats_than_the_pool_has`
/// shows over HTTP). Here two transactions claim the one free seat, and both are open at once.
#[tokio::test]
async fn a_second_claim_of_the_last_seat_fails_its_commit_whole() {
    use sea_orm::{ConnectionTrait as _, Statement, TransactionTrait as _};
    if rosterd_test_support::backend_name() != "postgres" {
        // SQLite has one writer at a time: two open write transactions cannot interleave.
        return;
    }
    let db = TestDb::fresh().await;
    cli(
        &db.url,
        &[
            "tenant",
            "create",
            "acme",
            "--name",
            "Acme",
            "--seats",
            "learning=1",
        ],
    )
    .await;
    let pg = |sql: &str| Statement::from_string(sea_orm::DatabaseBackend::Postgres, sql.to_owned());
    let claim = |license: &str| {
        pg(&format!(
            "INSERT INTO seat_claims (tenant_id, license_id, license_kind, claimed_at) \
             SELECT id, '{license}', 'learning', now() FROM tenants WHERE slug = 'acme'"
        ))
    };
    let pool = || async {
        let row = db
            .conn
            .query_one(pg(
                "SELECT capacity, in_use, (SELECT COUNT(*) FROM seat_claims) AS claims \
                 FROM seat_pools WHERE license_kind = 'learning'",
            ))
            .await
            .unwrap()
            .unwrap();
        (
            row.try_get::<i64>("", "capacity").unwrap(),
            row.try_get::<i64>("", "in_use").unwrap(),
            row.try_get::<i64>("", "claims").unwrap(),
        )
    };
    let first = db.conn.begin().await.unwrap();
    let second = db.conn.begin().await.unwrap();
    first.execute(claim("license-1")).await.unwrap();
    second.execute(claim("license-2")).await.unwrap();
    second
        .execute(pg(
            "INSERT INTO seat_pools (tenant_id, license_kind, capacity, in_use, updated_at) \
             SELECT id, 'written-by-second', 5, 0, now() FROM tenants WHERE slug = 'acme'",
        ))
        .await
        .unwrap();
    // Neither claim has touched the pool yet: it is settled at commit.
    assert_eq!(pool().await, (1, 0, 0));
    first.commit().await.unwrap();
    assert_eq!(
        pool().await,
        (1, 1, 0),
        "the first claim took the seat and is gone"
    );
    let err = second.commit().await.unwrap_err();
    assert_eq!(
        rosterd_database::classify(&err),
        rosterd_database::DbFailure::Contention,
        "a failed claim is a serialization failure, which the directory retries: {err}"
    );
    assert_eq!(
        pool().await,
        (1, 1, 0),
        "never more seats than the pool has"
    );
    let second_wrote = db
        .conn
        .query_one(pg(
            "SELECT COUNT(*) AS n FROM seat_pools WHERE license_kind = 'written-by-second'",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(
        second_wrote, 0,
        "nothing of the failed transaction was kept"
    );
}
