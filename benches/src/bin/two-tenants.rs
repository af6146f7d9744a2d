//! `two-tenants`: does one tenant's load raise another tenant's latency? Two tenants on one
//! `rosterd serve` (the release binary, real HTTP on loopback, default configuration).
//!
//! Tenant A's IdP sends 25 requests/s, open loop (each request leaves at its time whatever the
//! previous ones do), cycling through a user creation, a `userName eq` lookup and a group member
//! `add` PATCH. It runs alone for `--seconds`, then again while tenant B attacks:
//!
//! - `--flood-clients` (16) clients creating users flat out;
//! - one client sending, flat out one after another, a PATCH adding 20,000 e-mails to one
//!   user, a `GET /Users` with a 200-term filter, and a Bulk of 1,000 user creations.
//!
//! Every request of A must succeed, and A's p99 under attack stay within `--p99-ms` (250); B may
//! be refused (429, 400, 413). Prints A's latency per phase and B's answers by status, and exits
//! non-zero when A missed. On SQLite (a fresh file in a temporary directory) by default; with
//! `--postgres SERVER` on a database `rosterd_bench_<uuid>` created there and dropped after.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail, ensure};
use clap::Parser;
use rand::Rng as _;
use rosterd_bench::{Cleanup, drop_database, open};
use serde_json::{Value, json};
use tokio::process::{Child, Command};
use tokio::sync::Mutex;
use tokio::task::JoinSet;

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
/// Users tenant A has before it starts (looked up and added to its group).
const SEED_USERS: usize = 600;

#[derive(Parser)]
#[command(
    about = "Tenant A at 25 req/s alone, then while tenant B floods and sends heavy requests"
)]
struct Args {
    /// The server binary (`cargo build --release -p rosterd`).
    #[arg(long, default_value = "target/release/rosterd")]
    rosterd: PathBuf,
    /// A PostgreSQL server URL (e.g. postgres://postgres@127.0.0.1:5432); SQLite if absent.
    #[arg(long)]
    postgres: Option<String>,
    /// Length of each phase.
    #[arg(long, default_value_t = 30)]
    seconds: u64,
    /// Tenant A's requests per second.
    #[arg(long, default_value_t = 25)]
    rate: u32,
    /// Tenant B's clients creating users flat out.
    #[arg(long, default_value_t = 16)]
    flood_clients: usize,
    /// Tenant A's p99 under attack must be at most this.
    #[arg(long, default_value_t = 250)]
    p99_ms: u64,
}

/// One tenant's Learning app: base URL and token.
#[derive(Clone)]
struct App {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl App {
    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }

    fn with_body(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &Value,
    ) -> reqwest::RequestBuilder {
        self.request(method, path)
            .header("content-type", "application/scim+json")
            .body(body.to_string())
    }
}

/// A's requests: what, how long, and how it ended.
struct Sample {
    op: &'static str,
    latency: Duration,
    outcome: Result<u16, String>,
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    ensure!(
        args.rosterd.exists(),
        "{} not found: cargo build --release -p rosterd",
        args.rosterd.display()
    );
    let (conn, cleanup) = open(args.postgres.as_deref()).await?;
    let url = match &cleanup {
        Cleanup::Sqlite(dir) => format!("sqlite://{}/rosterd.db?mode=rwc", dir.path().display()),
        Cleanup::Postgres { server, name } => format!("{server}/{name}"),
        Cleanup::Kept => bail!("no database"),
    };
    let logs = tempfile::tempdir()?;
    let result = run(&args, &url, logs.path()).await;
    if let Err(err) = &result {
        eprintln!("the run failed: {err:#}");
    }
    // The server's connections may outlive it by a moment.
    tokio::time::sleep(Duration::from_secs(2)).await;
    drop_database(conn, cleanup).await?;
    let passed = result?;
    if !passed {
        std::process::exit(1);
    }
    Ok(())
}

async fn run(args: &Args, url: &str, logs: &Path) -> Result<bool> {
    cli(&args.rosterd, url, &["migrate"]).await?;
    let mut tokens = Vec::new();
    for slug in ["tenant-a", "tenant-b"] {
        cli(
            &args.rosterd,
            url,
            &[
                "tenant",
                "create",
                slug,
                "--name",
                slug,
                "--seats",
                "learning=1000000",
                "--json",
            ],
        )
        .await?;
        let issued: Value = serde_json::from_str(
            &cli(
                &args.rosterd,
                url,
                &["token", "issue", slug, "learning", "--json"],
            )
            .await?,
        )?;
        tokens.push(issued["token"].as_str().context("token")?.to_owned());
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let log = std::fs::File::create(logs.join("rosterd.log"))?;
    let mut server = Command::new(&args.rosterd)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", url)
        .stdout(Stdio::from(log.try_clone()?))
        .stderr(Stdio::from(log))
        .kill_on_drop(true)
        .spawn()
        .context("starting rosterd serve")?;
    let outcome = measure(args, port, &tokens).await;
    stop(&mut server).await;
    if outcome.is_err() {
        let text = std::fs::read_to_string(logs.join("rosterd.log")).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(20).collect();
        eprintln!(
            "server log (last lines, newest first):\n{}",
            tail.join("\n")
        );
    }
    outcome
}

async fn measure(args: &Args, port: u16, tokens: &[String]) -> Result<bool> {
    // Each tenant's IdP has its own HTTP client (connections are never shared between two
    // organisations' identity providers).
    let client = || {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(300))
            .pool_max_idle_per_host(64)
            .build()
    };
    let root = format!("http://127.0.0.1:{port}");
    let app = |slug: &str, token: &String| -> Result<App> {
        Ok(App {
            http: client()?,
            base: format!("{root}/scim/{slug}/learning/v2"),
            token: token.clone(),
        })
    };
    let (a, b) = (app("tenant-a", &tokens[0])?, app("tenant-b", &tokens[1])?);
    wait_up(&a.http, &format!("{root}/healthz")).await?;
    let seed = seed_a(&a).await?;
    let victim = seed_b(&b).await?;
    // The seeding is set-up, sent flat out: A's bucket is empty at its end and B's seeding
    // competes with it for the contention window. A's IdP starts its steady rate after that.
    tokio::time::sleep(Duration::from_secs(3)).await;
    println!(
        "# two tenants on one server ({}), A at {} req/s for {} s per phase, B with {} flood clients",
        if args.postgres.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        args.rate,
        args.seconds,
        args.flood_clients
    );

    let alone = idp(&a, &seed, args, "alone").await;
    let stop = Arc::new(AtomicBool::new(false));
    let mut attack = JoinSet::new();
    for client in 0..args.flood_clients {
        attack.spawn(flood(b.clone(), client, stop.clone()));
    }
    attack.spawn(heavy(b.clone(), victim, stop.clone()));
    // Let the attack reach its pace before A is measured again.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let attacked = idp(&a, &seed, args, "attacked").await;
    stop.store(true, Ordering::Relaxed);
    let mut answers: BTreeMap<String, u64> = BTreeMap::new();
    for tally in attack.join_all().await {
        for (key, n) in tally {
            *answers.entry(key).or_insert(0) += n;
        }
    }

    println!("\n| Tenant A | requests | errors | p50 ms | p95 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|---|---|");
    let alone = report("alone", &alone);
    let attacked = report("while B attacks", &attacked);
    println!("\n| Tenant B (request: status) | count |");
    println!("|---|---|");
    for (key, n) in &answers {
        println!("| {key} | {n} |");
    }
    let passed =
        alone.0 == 0 && attacked.0 == 0 && attacked.1 <= Duration::from_millis(args.p99_ms);
    println!(
        "\n{}: tenant A had {} errors under attack and p99 {} ms (bound {} ms)",
        if passed { "PASS" } else { "FAIL" },
        attacked.0,
        attacked.1.as_millis(),
        args.p99_ms
    );
    Ok(passed)
}

/// A's users (ids and userNames) and its group.
struct Seed {
    users: Vec<(String, String)>,
    group: String,
}

async fn seed_a(a: &App) -> Result<Seed> {
    let users = Arc::new(Mutex::new(Vec::new()));
    let mut clients = JoinSet::new();
    for client in 0..8 {
        let (a, users) = (a.clone(), users.clone());
        clients.spawn(async move {
            for i in (client..SEED_USERS).step_by(8) {
                let name = format!("seed{i}@a.example");
                let reply = a
                    .with_body(reqwest::Method::POST, "/Users", &user(&name))
                    .send()
                    .await?;
                ensure!(reply.status() == 201, "seeding A: {}", reply.status());
                let body: Value = reply.json().await?;
                let id = body["id"].as_str().context("id")?.to_owned();
                users.lock().await.push((id, name));
            }
            Ok::<_, anyhow::Error>(())
        });
    }
    for seeded in clients.join_all().await {
        seeded?;
    }
    let reply = a
        .with_body(
            reqwest::Method::POST,
            "/Groups",
            &json!({"schemas": [GROUP], "displayName": "Sales"}),
        )
        .send()
        .await?;
    ensure!(reply.status() == 201, "A's group: {}", reply.status());
    let group = reply.json::<Value>().await?["id"]
        .as_str()
        .context("group id")?
        .to_owned();
    let users = std::mem::take(&mut *users.lock().await);
    Ok(Seed { users, group })
}

/// The B user the 20,000-e-mail PATCH is sent to.
async fn seed_b(b: &App) -> Result<String> {
    let reply = b
        .with_body(reqwest::Method::POST, "/Users", &user("target@b.example"))
        .send()
        .await?;
    ensure!(reply.status() == 201, "seeding B: {}", reply.status());
    Ok(reply.json::<Value>().await?["id"]
        .as_str()
        .context("id")?
        .to_owned())
}

fn user(name: &str) -> Value {
    json!({"schemas": [USER], "userName": name, "active": true,
           "name": {"givenName": "Pat", "familyName": "Doe"},
           "emails": [{"value": name, "type": "work", "primary": true}]})
}

/// Tenant A's IdP for one phase: `rate` requests a second, each sent at its time.
async fn idp(a: &App, seed: &Seed, args: &Args, phase: &str) -> Vec<Sample> {
    let total = u64::from(args.rate) * args.seconds;
    let mut tick = tokio::time::interval(Duration::from_secs(1) / args.rate.max(1));
    let mut sent = JoinSet::new();
    for n in 0..total {
        tick.tick().await;
        let a = a.clone();
        let i = usize::try_from(n).unwrap_or_default();
        let (op, request) = match n % 3 {
            0 => (
                "create",
                a.with_body(
                    reqwest::Method::POST,
                    "/Users",
                    &user(&format!("{phase}{n}@a.example")),
                ),
            ),
            1 => {
                let (_, name) = &seed.users[rand::thread_rng().gen_range(0..seed.users.len())];
                (
                    "lookup",
                    a.request(reqwest::Method::GET, "/Users")
                        .query(&[("filter", format!("userName eq \"{name}\""))]),
                )
            }
            _ => {
                let (id, _) = &seed.users[i / 3 % seed.users.len()];
                let body = json!({"schemas": [PATCH], "Operations": [
                    {"op": "add", "path": "members", "value": [{"value": id}]}]});
                (
                    "member-add",
                    a.with_body(
                        reqwest::Method::PATCH,
                        &format!("/Groups/{}", seed.group),
                        &body,
                    ),
                )
            }
        };
        sent.spawn(async move {
            let start = Instant::now();
            let outcome = match request.send().await {
                Ok(reply) => {
                    let status = reply.status().as_u16();
                    match reply.bytes().await {
                        Ok(_) => Ok(status),
                        Err(err) => Err(err.to_string()),
                    }
                }
                Err(err) => Err(err.to_string()),
            };
            Sample {
                op,
                latency: start.elapsed(),
                outcome,
            }
        });
    }
    sent.join_all().await
}

/// Prints one phase's row (and every error); returns its error count and p99.
fn report(phase: &str, samples: &[Sample]) -> (usize, Duration) {
    let mut latencies: Vec<Duration> = samples.iter().map(|s| s.latency).collect();
    latencies.sort_unstable();
    let at = |pct: usize| {
        let n = latencies.len();
        let rank = (pct * n).div_ceil(100).clamp(1, n.max(1));
        latencies.get(rank - 1).copied().unwrap_or_default()
    };
    let errors: Vec<&Sample> = samples
        .iter()
        .filter(|s| !matches!(s.outcome, Ok(200..=299)))
        .collect();
    let ms = |d: Duration| format!("{:.1}", d.as_secs_f64() * 1000.0);
    println!(
        "| {phase} | {} | {} | {} | {} | {} | {} |",
        samples.len(),
        errors.len(),
        ms(at(50)),
        ms(at(95)),
        ms(at(99)),
        ms(latencies.last().copied().unwrap_or_default())
    );
    for error in &errors {
        eprintln!(
            "A {phase} {}: {:?} after {:?}",
            error.op, error.outcome, error.latency
        );
    }
    (errors.len(), at(99))
}

type Tally = BTreeMap<String, u64>;

/// Counts an answer of B's by request and status (reading its body, as a client does).
async fn count(tally: &mut Tally, what: &str, reply: Result<reqwest::Response, reqwest::Error>) {
    let key = match reply {
        Ok(reply) => {
            let status = reply.status().as_u16();
            match reply.bytes().await {
                Ok(_) => format!("{what}: {status}"),
                Err(_) => format!("{what}: transport error"),
            }
        }
        Err(_) => format!("{what}: transport error"),
    };
    *tally.entry(key).or_insert(0) += 1;
}

/// One of B's clients creating users flat out.
async fn flood(b: App, client: usize, stop: Arc<AtomicBool>) -> Tally {
    let mut tally = Tally::new();
    let mut n = 0_u64;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let reply = b
            .with_body(
                reqwest::Method::POST,
                "/Users",
                &user(&format!("flood{client}-{n}@b.example")),
            )
            .send()
            .await;
        count(&mut tally, "flood: create a user", reply).await;
    }
    tally
}

/// B's heavy well-formed requests, one after another, flat out.
async fn heavy(b: App, victim: String, stop: Arc<AtomicBool>) -> Tally {
    let emails: Vec<Value> = (0..20_000)
        .map(|i| json!({"value": format!("alias{i}@b.example"), "type": "other"}))
        .collect();
    let many_emails = json!({"schemas": [PATCH], "Operations": [
        {"op": "add", "path": "emails", "value": emails}]});
    let filter = (0..200)
        .map(|i| format!("emails[value co \"x{i}\"]"))
        .collect::<Vec<_>>()
        .join(" or ");
    let mut tally = Tally::new();
    let mut round = 0_u64;
    while !stop.load(Ordering::Relaxed) {
        round += 1;
        let reply = b
            .with_body(
                reqwest::Method::PATCH,
                &format!("/Users/{victim}"),
                &many_emails,
            )
            .send()
            .await;
        count(&mut tally, "PATCH of 20,000 e-mails", reply).await;
        let reply = b
            .request(reqwest::Method::GET, "/Users")
            .query(&[("filter", filter.as_str())])
            .send()
            .await;
        count(&mut tally, "GET with a 200-term filter", reply).await;
        let operations: Vec<Value> = (0..1_000)
            .map(|i| {
                json!({"method": "POST", "path": "/Users", "bulkId": format!("u{i}"),
                       "data": user(&format!("bulk{round}-{i}@b.example"))})
            })
            .collect();
        let reply = b
            .with_body(
                reqwest::Method::POST,
                "/Bulk",
                &json!({"schemas": [BULK], "Operations": operations}),
            )
            .send()
            .await;
        count(&mut tally, "Bulk of 1,000 creations", reply).await;
    }
    tally
}

async fn cli(rosterd: &Path, url: &str, args: &[&str]) -> Result<String> {
    let out = Command::new(rosterd)
        .args(args)
        .env("DATABASE_URL", url)
        .output()
        .await
        .with_context(|| format!("running rosterd {}", args.join(" ")))?;
    ensure!(
        out.status.success(),
        "rosterd {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8(out.stdout)?)
}

async fn wait_up(http: &reqwest::Client, url: &str) -> Result<()> {
    for _ in 0..200 {
        if http
            .get(url)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("rosterd did not come up at {url}")
}

async fn stop(server: &mut Child) {
    let _ = server.start_kill();
    let _ = server.wait().await;
}
