//! `admin-bench`: how fast the admin center's Users page renders on a tenant of 100,000 people.
//!
//! Seeds one tenant with `--people` people (batched `INSERT`s in one transaction): a third
//! provisioned by the Learning SCIM app (a tenth of those also by Sales Navigator), licenses for
//! most of them (Learning assigned or active, Sales Navigator Core, TeamLink Extend given by
//! hand), a waiting list of a few hundred, and seat pools whose `in_use` matches. Then signs an
//! admin in and times `GET /admin/{tenant}/users...` requests through the admin center's real
//! router in-process (session lookup, CSRF token, query, template, headers; no network): the
//! first page, searches, filters, another sort, and a keyset page deep in the list. Each case
//! runs `--warmup` unmeasured then `--requests` measured times; prints median, p95 and mean.
//!
//! SQLite (a file in a temporary directory) by default; `--postgres SERVER` also runs on a fresh
//! PostgreSQL database `rosterd_bench_<uuid>`, dropped at the end.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow, bail, ensure};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use clap::Parser;
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use rosterd_admin_center::AdminState;
use rosterd_bench::{Cleanup, Stats, connect, drop_database, open};
use rosterd_directory::people_list::{PageAt, PeopleQuery};
use rosterd_domain::{Clock, LicenseKind, PersonId, Secret, SystemClock, TenantId, TenantSlug};
use rosterd_ledger::Actor;
use rosterd_migrations::{Migrator, MigratorTrait as _};
use rosterd_tenancy::AdminRole;
use sea_orm::sea_query::{Alias, InsertStatement, Query, SimpleExpr};
use sea_orm::{
    ConnectionTrait as _, DatabaseBackend, DatabaseConnection, DatabaseTransaction,
    TransactionTrait as _, Value,
};
use tower::ServiceExt as _;

/// Rows per seeding `INSERT`: below both databases' bind-parameter limits.
const BATCH: usize = 500;
const EMAIL: &str = "bench-admin@bench.example";
const PASSWORD: &str = "correct horse battery staple";
const GIVEN: [&str; 24] = [
    "Ada", "Alan", "Grace", "Linus", "Margaret", "Maria", "Mark", "Martin", "Nadia", "Omar",
    "Priya", "Quentin", "Rosa", "Sofia", "Tariq", "Uma", "Victor", "Wen", "Xavier", "Yara", "Zoe",
    "Hannah", "Ivan", "Julia",
];
const FAMILY: [&str; 24] = [
    "Hopper",
    "Lovelace",
    "Turing",
    "Torvalds",
    "Hamilton",
    "Curie",
    "Okafor",
    "Nakamura",
    "Garcia",
    "Smith",
    "Johnson",
    "Andersson",
    "Kowalski",
    "Novak",
    "Rossi",
    "Dubois",
    "Muller",
    "Silva",
    "Kim",
    "Chen",
    "Patel",
    "Haddad",
    "Ivanova",
    "Larsen",
];

/// The Users page's server time on a large tenant.
#[derive(Parser, Debug)]
#[command(name = "admin-bench")]
struct Args {
    /// A PostgreSQL server, e.g. `postgres://postgres@127.0.0.1:5432`: also run there.
    #[arg(long)]
    postgres: Option<String>,
    /// Skip SQLite (with `--postgres`: run only on PostgreSQL).
    #[arg(long)]
    skip_sqlite: bool,
    #[arg(long, default_value_t = 100_000)]
    people: usize,
    /// Measured requests per case.
    #[arg(long, default_value_t = 200)]
    requests: usize,
    /// Unmeasured requests per case first.
    #[arg(long, default_value_t = 20)]
    warmup: usize,
    /// Keep the SQLite database in this (new) file, to inspect query plans afterwards.
    #[arg(long)]
    sqlite_file: Option<String>,
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let mut backends: Vec<Option<String>> = Vec::new();
    if !args.skip_sqlite {
        backends.push(None);
    }
    if let Some(pg) = &args.postgres {
        backends.push(Some(pg.clone()));
    }
    for backend in backends {
        let (db, cleanup) = match (&backend, &args.sqlite_file) {
            (None, Some(file)) => (
                connect(&format!("sqlite://{file}?mode=rwc")).await?,
                Cleanup::Kept,
            ),
            _ => open(backend.as_deref()).await?,
        };
        let name = if backend.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        };
        let outcome = run(&db, &args, name).await;
        drop_database(db, cleanup).await?;
        outcome?;
    }
    Ok(())
}

async fn run(db: &DatabaseConnection, args: &Args, backend: &str) -> Result<()> {
    Migrator::up(db, None).await.context("migrating")?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let slug: TenantSlug = "bench".parse().map_err(|err| anyhow!("slug: {err:?}"))?;
    let tenant = rosterd_tenancy::create_tenant(db, clock.as_ref(), &slug, "Bench Corp").await?;
    let actor = rosterd_ledger::Actor::operator();
    rosterd_tenancy::create_admin(
        rosterd_tenancy::Change::new(db, clock.as_ref(), tenant.id, &actor),
        EMAIL,
        AdminRole::LicenseAdmin,
        &Secret::new(PASSWORD.to_owned()),
    )
    .await?;
    let started = Instant::now();
    seed(db, clock.as_ref(), tenant.id, args.people).await?;
    eprintln!(
        "{backend}: seeded {} people in {:.1} s",
        args.people,
        started.elapsed().as_secs_f64()
    );
    if db.get_database_backend() == DatabaseBackend::Postgres {
        db.execute_unprepared("ANALYZE").await?;
    }
    let router = rosterd_admin_center::router::<()>(AdminState::new(
        db.clone(),
        Arc::clone(&clock),
        "http://127.0.0.1",
    ));
    let cookie = sign_in(&router).await?;
    let deep = deep_cursor(db, tenant.id, args.people / 2).await?;
    let cases: Vec<(&str, String)> = vec![
        (
            "first page (name order, 50 rows)",
            "/admin/bench/users".into(),
        ),
        ("search prefix `mar`", "/admin/bench/users?q=mar".into()),
        (
            "search prefix `hopper`",
            "/admin/bench/users?q=hopper".into(),
        ),
        (
            "search employee number `E05`",
            "/admin/bench/users?q=E05".into(),
        ),
        (
            "search rare prefix `E09999` (10 matches)",
            "/admin/bench/users?q=E09999".into(),
        ),
        (
            "search contains `ova`",
            "/admin/bench/users?q=ova&match=contains".into(),
        ),
        (
            "search contains `zzz` (no match: reads everyone)",
            "/admin/bench/users?q=zzz&match=contains".into(),
        ),
        (
            "filter IdP + license active",
            "/admin/bench/users?source=idp&license=active".into(),
        ),
        (
            "filter waiting for a seat",
            "/admin/bench/users?license=waiting".into(),
        ),
        (
            "filter product Sales Navigator",
            "/admin/bench/users?product=sales-navigator".into(),
        ),
        (
            "sort created, newest first",
            "/admin/bench/users?sort=created&dir=desc".into(),
        ),
        (
            "keyset page at person 50,000",
            format!("/admin/bench/users?sort=name&dir=asc&after={deep}"),
        ),
    ];
    println!(
        "\n### {backend}: `GET /admin/{{tenant}}/users` on {} people ({} requests per case)\n",
        args.people, args.requests
    );
    println!("| Case | rows | median | p95 | mean |");
    println!("|---|---:|---:|---:|---:|");
    for (label, path) in cases {
        for _ in 0..args.warmup {
            get(&router, &cookie, &path).await?;
        }
        let mut samples = Vec::with_capacity(args.requests);
        let mut rows = 0;
        for _ in 0..args.requests {
            let started = Instant::now();
            let body = get(&router, &cookie, &path).await?;
            samples.push(started.elapsed());
            rows = body.matches("<th scope=\"row\">").count();
        }
        let stats = Stats::of(samples);
        println!(
            "| {label} | {rows} | {} | {} | {} |",
            ms(stats.median),
            ms(stats.p95),
            ms(stats.mean)
        );
    }
    Ok(())
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// The cursor after the `position`-th person in name order, found by walking the list.
async fn deep_cursor(db: &DatabaseConnection, tenant: TenantId, position: usize) -> Result<String> {
    let mut query = PeopleQuery {
        limit: 200,
        ..PeopleQuery::default()
    };
    for _ in 0..position / 200 {
        let page = rosterd_directory::people_list::list_people(db, tenant, &query)
            .await
            .map_err(|err| anyhow!("listing: {err}"))?;
        let next = page.next.ok_or_else(|| anyhow!("the list ended early"))?;
        query.at = PageAt::After(next);
    }
    match query.at {
        PageAt::After(cursor) => Ok(cursor.encode()),
        _ => bail!("no deep cursor"),
    }
}

/// Signs the admin in through the router; returns the session cookie.
async fn sign_in(router: &axum::Router) -> Result<String> {
    let res = router
        .clone()
        .oneshot(Request::get("/admin/bench/login").body(Body::empty())?)
        .await?;
    let cookie = session_cookie(&res).ok_or_else(|| anyhow!("no session cookie"))?;
    let body = axum::body::to_bytes(res.into_body(), usize::MAX).await?;
    let body = String::from_utf8_lossy(&body);
    let marker = "name=\"csrf\" value=\"";
    let start = body.find(marker).ok_or_else(|| anyhow!("no CSRF field"))? + marker.len();
    let end = body[start..]
        .find('"')
        .ok_or_else(|| anyhow!("bad CSRF field"))?
        + start;
    let form = format!(
        "csrf={}&email={}&password={}",
        &body[start..end],
        EMAIL.replace('@', "%40"),
        PASSWORD.replace(' ', "+")
    );
    let res = router
        .clone()
        .oneshot(
            Request::post("/admin/bench/login")
                .header(header::COOKIE, &cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form))?,
        )
        .await?;
    ensure!(
        res.status() == StatusCode::SEE_OTHER,
        "sign-in: {}",
        res.status()
    );
    session_cookie(&res).ok_or_else(|| anyhow!("no cookie after sign-in"))
}

fn session_cookie(res: &axum::response::Response) -> Option<String> {
    res.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("rosterd_admin="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

async fn get(router: &axum::Router, cookie: &str, path: &str) -> Result<String> {
    let res = router
        .clone()
        .oneshot(
            Request::get(path)
                .header(header::COOKIE, cookie)
                .body(Body::empty())?,
        )
        .await?;
    let status = res.status();
    let body = axum::body::to_bytes(res.into_body(), usize::MAX).await?;
    ensure!(status == StatusCode::OK, "{path}: {status}");
    Ok(String::from_utf8_lossy(&body).into_owned())
}

fn insert(table: &str, columns: &[&str]) -> InsertStatement {
    let mut stmt = Query::insert();
    stmt.into_table(Alias::new(table))
        .columns(columns.iter().map(|c| Alias::new(*c)));
    stmt
}

async fn exec(txn: &DatabaseTransaction, stmt: &InsertStatement, rows: usize) -> Result<()> {
    if rows == 0 {
        return Ok(());
    }
    let stmt = txn.get_database_backend().build(stmt);
    txn.execute(stmt).await.context("seeding insert")?;
    Ok(())
}

fn row<const N: usize>(values: [Value; N]) -> [SimpleExpr; N] {
    values.map(SimpleExpr::from)
}

/// Seeds `count` people with SCIM links, licenses, a waiting list and matching seat pools.
async fn seed(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    tenant: TenantId,
    count: usize,
) -> Result<()> {
    let mut rng = StdRng::seed_from_u64(6);
    let tenant_s = tenant.to_string();
    let now = clock.now();
    let seats = LicenseKind::ALL.map(|kind| (kind, 1_000_000));
    let txn = db.begin().await?;
    rosterd_ledger::create_pools(&txn, clock, tenant, &seats, &Actor::operator()).await?;
    let mut waiting = 0usize;
    for start in (0..count).step_by(BATCH) {
        let end = (start + BATCH).min(count);
        let mut people = insert(
            "people",
            &[
                "tenant_id",
                "id",
                "email",
                "email_lower",
                "given_name",
                "family_name",
                "display_name",
                "employee_number",
                "source",
                "created_at",
                "updated_at",
            ],
        );
        let mut users = insert(
            "scim_users",
            &[
                "tenant_id",
                "id",
                "product",
                "person_id",
                "user_name",
                "user_name_lower",
                "active",
                "document",
                "version",
                "created_at",
                "updated_at",
            ],
        );
        let mut licenses = insert(
            "licenses",
            &[
                "tenant_id",
                "id",
                "person_id",
                "license_kind",
                "state",
                "source",
                "created_at",
                "updated_at",
            ],
        );
        let mut waitlist = insert(
            "license_waitlist",
            &[
                "tenant_id",
                "license_kind",
                "person_id",
                "sort_employee_number",
                "source_product",
                "reason",
                "created_at",
            ],
        );
        let (mut user_rows, mut license_rows, mut wait_rows) = (0, 0, 0);
        for i in start..end {
            let id = PersonId::new().to_string();
            let given = GIVEN[rng.gen_range(0..GIVEN.len())];
            let family = FAMILY[rng.gen_range(0..FAMILY.len())];
            let email = format!(
                "{}.{}.{i}@bench.example",
                given.to_lowercase(),
                family.to_lowercase()
            );
            let number = format!("E{i:06}");
            let offset = i64::try_from(count - i).unwrap_or(0);
            let created = now - chrono::Duration::seconds(offset);
            let idp = rng.gen_bool(1.0 / 3.0);
            people.values_panic(row([
                tenant_s.clone().into(),
                id.clone().into(),
                email.clone().into(),
                email.clone().into(),
                given.into(),
                family.into(),
                format!("{given} {family}").into(),
                number.clone().into(),
                if idp { "idp" } else { "manual" }.into(),
                created.into(),
                created.into(),
            ]));
            let mut license = |kind: LicenseKind, state: &str, source: &str| {
                license_rows += 1;
                licenses.values_panic(row([
                    tenant_s.clone().into(),
                    uuid::Uuid::now_v7().to_string().into(),
                    id.clone().into(),
                    kind.slug().into(),
                    state.into(),
                    source.into(),
                    created.into(),
                    created.into(),
                ]));
            };
            if idp {
                let state = if rng.gen_bool(0.5) {
                    "active"
                } else {
                    "assigned"
                };
                license(LicenseKind::Learning, state, "scim:learning");
                let sales = rng.gen_bool(0.1);
                if sales {
                    license(
                        LicenseKind::SalesNavigatorCore,
                        "assigned",
                        "scim:sales-navigator",
                    );
                }
                for product in
                    ["learning", "sales-navigator"]
                        .into_iter()
                        .take(if sales { 2 } else { 1 })
                {
                    user_rows += 1;
                    users.values_panic(row([
                        tenant_s.clone().into(),
                        uuid::Uuid::now_v7().to_string().into(),
                        product.into(),
                        id.clone().into(),
                        email.clone().into(),
                        email.clone().into(),
                        true.into(),
                        "{}".into(),
                        1i64.into(),
                        created.into(),
                        created.into(),
                    ]));
                }
            } else if rng.gen_bool(0.2) {
                license(LicenseKind::TeamlinkExtend, "assigned", "manual");
            }
            if waiting < 300 && rng.gen_bool(0.004) {
                waiting += 1;
                wait_rows += 1;
                waitlist.values_panic(row([
                    tenant_s.clone().into(),
                    LicenseKind::SalesNavigatorAdvanced.slug().into(),
                    id.clone().into(),
                    number.into(),
                    "sales-navigator".into(),
                    "group rule".into(),
                    created.into(),
                ]));
            }
        }
        exec(&txn, &people, end - start).await?;
        exec(&txn, &users, user_rows).await?;
        exec(&txn, &licenses, license_rows).await?;
        exec(&txn, &waitlist, wait_rows).await?;
    }
    txn.execute_unprepared(&format!(
        "UPDATE seat_pools SET in_use = (SELECT count(*) FROM licenses l \
         WHERE l.tenant_id = seat_pools.tenant_id AND l.license_kind = seat_pools.license_kind \
         AND l.state <> 'revoked') WHERE tenant_id = '{tenant_s}'"
    ))
    .await?;
    txn.commit().await?;
    Ok(())
}
