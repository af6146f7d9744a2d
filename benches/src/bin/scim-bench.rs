//! `scim-bench`: how SCIM lookups and membership changes scale, measured through the real
//! `Directory` store (`ScimStore` methods with a hand-built `ScimContext`, no HTTP).
//!
//! - Filter lookup: `ScimStore::list` with a parsed `userName eq "..."` filter, at a small and a
//!   large number of users, on random existing userNames.
//! - Member add: `ScimStore::patch` of a Group with one `add` of one member (no members or
//!   groups loaded for the response), on a small and a large group.
//!
//! Each scale gets its own fresh database (a SQLite file in a temporary directory; with
//! `--postgres SERVER`, also a PostgreSQL database `rosterd_bench_<uuid>`, dropped at the end).
//! Users are seeded with batched `INSERT`s in one transaction, filling every table the store
//! reads for a User (`people`, `scim_users`, `scim_user_emails`) exactly as the store writes
//! them; groups are created through the store. The small and large cases are measured in
//! alternating rounds so a change in machine load hits both alike. Prints markdown tables.
//!
//! With `--licensing` the measured `Directory` carries the licensing hooks exactly as
//! `rosterd serve` wires them (`Directory::with_hooks(Licensing::new(clock, app))`), and the tenant
//! gets seat pools of ample capacity. With `--provision` the program instead measures
//! provisioning throughput: sequential `ScimStore::create` of Users with the hooks and without,
//! each in its own fresh database, interleaved in rounds. `--provision --http` sends the same
//! creations as an IdP does, `POST /Users` with a bearer token, through the whole server router
//! (`rosterd::server::app_with_licensing`, in process, no socket): token check, provisioning
//! log, JSON in and out, with the license ledger on and off.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow, ensure};
use clap::Parser;
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use rosterd::provisioning_log::Recorder;
use rosterd::server::Licensing;
use rosterd_bench::{Cleanup, Stats, drop_database, writer};
use rosterd_directory::Directory;
use rosterd_domain::{Clock, LicenseKind, PersonId, Product, ScimUserId, SystemClock, TenantSlug};
use rosterd_ledger::Actor;
use rosterd_migrations::{Migrator, MigratorTrait as _};
use rosterd_scim::ScimContext;
use rosterd_scim::filter::parse_filter;
use rosterd_scim::patch::parse_patch_request;
use rosterd_scim::resource::{ResourceKind, WriteMode, normalize};
use rosterd_scim::store::{ListQuery, Paging, Precondition, ScimStore as _, SortOrder, Wants};
use sea_orm::sea_query::{Alias, Query, SimpleExpr};
use sea_orm::{
    ConnectionTrait as _, DatabaseBackend, DatabaseConnection, DatabaseTransaction, Statement,
    TransactionTrait as _,
};
use serde_json::{Value, json};
use tower::ServiceExt as _;

const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// Rows per seeding `INSERT`: below both databases' bind-parameter limits.
const BATCH: usize = 500;
/// Interleaved rounds of small/large measurements.
const ROUNDS: usize = 10;
/// Seats of every pool with `--licensing`: far more than any run assigns.
const AMPLE_SEATS: i64 = 1_000_000;

/// Benchmarks of the SCIM store: userName lookups and member adds, small vs large.
#[derive(Parser, Debug)]
#[command(name = "scim-bench")]
struct Args {
    /// A PostgreSQL server, e.g. `postgres://postgres@127.0.0.1:5432`: also run there (a
    /// database `rosterd_bench_<uuid>` per scale, dropped at the end).
    #[arg(long)]
    postgres: Option<String>,
    /// Skip SQLite (with `--postgres`: run only on PostgreSQL).
    #[arg(long)]
    skip_sqlite: bool,
    /// Measured userName lookups per scale.
    #[arg(long, default_value_t = 2000)]
    lookups: usize,
    /// Measured member adds per scale.
    #[arg(long, default_value_t = 500)]
    adds: usize,
    /// Unmeasured warm-up operations before each measured series.
    #[arg(long, default_value_t = 100)]
    warmup: usize,
    #[arg(long, default_value_t = 1_000)]
    small_users: usize,
    #[arg(long, default_value_t = 100_000)]
    large_users: usize,
    #[arg(long, default_value_t = 100)]
    small_group: usize,
    #[arg(long, default_value_t = 100_000)]
    large_group: usize,
    /// Seed of the random choice of userNames.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Build the measured Directory with the licensing hooks, as `rosterd serve` does, and give
    /// the tenant seat pools of 1,000,000 seats of every kind.
    #[arg(long)]
    licensing: bool,
    /// Measure provisioning throughput instead: `--provision-users` sequential User creations
    /// through the store with the licensing hooks and without (each in a fresh database).
    #[arg(long)]
    provision: bool,
    /// Measured User creations per side with `--provision`.
    #[arg(long, default_value_t = 2000)]
    provision_users: usize,
    /// With `--provision`: send each creation as `POST /Users` through the server's router.
    #[arg(long)]
    http: bool,
}

#[derive(Debug, Clone)]
enum Backend {
    Sqlite,
    Postgres(String),
}

impl Backend {
    fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres(_) => "PostgreSQL",
        }
    }
}

/// One scale's database, seeded: `users` users, a group of `group_size` of them, and
/// outsiders (users in no group) to add.
struct Scale {
    users: usize,
    group_size: usize,
    conn: DatabaseConnection,
    cleanup: Cleanup,
    seeded: Seeded,
    next_outsider: usize,
}

/// What seeding made.
struct Seeded {
    dir: Directory,
    ctx: ScimContext,
    user_ids: Vec<String>,
    outsiders: Vec<String>,
    group_id: String,
    seed_users: Duration,
    seed_group: Duration,
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<()> {
    let args = Args::parse();
    let mut backends = Vec::new();
    if !args.skip_sqlite {
        backends.push(Backend::Sqlite);
    }
    if let Some(server) = &args.postgres {
        backends.push(Backend::Postgres(server.trim_end_matches('/').to_owned()));
    }
    ensure!(
        !backends.is_empty(),
        "nothing to run: --skip-sqlite without --postgres"
    );
    let mut report = Report::default();
    if args.provision {
        for backend in &backends {
            eprintln!("== {} (provisioning)", backend.name());
            provision(backend, &args, &mut report)
                .await
                .with_context(|| format!("provisioning benchmark on {}", backend.name()))?;
        }
        report.print_provision(&args);
        return Ok(());
    }
    for backend in &backends {
        eprintln!("== {}", backend.name());
        let small = setup(backend, &args, args.small_users, args.small_group).await;
        let large = match &small {
            Ok(_) => setup(backend, &args, args.large_users, args.large_group).await,
            Err(_) => Err(anyhow!("not set up")),
        };
        let outcome = match (small, large) {
            (Ok(mut small), Ok(mut large)) => {
                let measured = measure(backend, &args, &mut small, &mut large, &mut report).await;
                let dropped = teardown(small).await.and(teardown(large).await);
                measured.and(dropped)
            }
            (Ok(one), Err(err)) | (Err(err), Ok(one)) => {
                teardown(one).await?;
                Err(err)
            }
            (Err(err), Err(_)) => Err(err),
        };
        outcome.with_context(|| format!("benchmark on {}", backend.name()))?;
    }
    report.print(&args);
    Ok(())
}

async fn measure(
    backend: &Backend,
    args: &Args,
    small: &mut Scale,
    large: &mut Scale,
    report: &mut Report,
) -> Result<()> {
    for scale in [&*small, &*large] {
        report.seeding.push(format!(
            "| {} | {} users | {:.1} s | group of {}: {:.1} s |",
            backend.name(),
            scale.users,
            scale.seeded.seed_users.as_secs_f64(),
            scale.group_size,
            scale.seeded.seed_group.as_secs_f64()
        ));
    }
    let mut rng = StdRng::seed_from_u64(args.seed);

    eprintln!("lookups: warm-up");
    for scale in [&*small, &*large] {
        for _ in 0..args.warmup {
            lookup(scale, &mut rng).await?;
        }
    }
    let (mut ls, mut ll) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let n = share(args.lookups, round);
        for _ in 0..n {
            ls.push(lookup(small, &mut rng).await?);
        }
        for _ in 0..n {
            ll.push(lookup(large, &mut rng).await?);
        }
    }
    eprintln!("lookups: done");

    for scale in [&mut *small, &mut *large] {
        for _ in 0..args.warmup {
            add_member(scale).await?;
        }
    }
    let (mut a_s, mut a_l) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let n = share(args.adds, round);
        for _ in 0..n {
            a_s.push(add_member(small).await?);
        }
        for _ in 0..n {
            a_l.push(add_member(large).await?);
        }
    }
    for scale in [&*small, &*large] {
        let expected = scale.group_size + args.warmup + args.adds;
        check_members(&scale.conn, &scale.seeded.group_id, expected).await?;
        // Each added outsider got a Learning license through the hooks; nobody else has one.
        let licensed = if args.licensing {
            args.warmup + args.adds
        } else {
            0
        };
        check_licenses(&scale.conn, licensed).await?;
    }
    eprintln!("adds: done");

    report.add(
        backend,
        "filter `userName eq` (list)",
        (small.users, "users"),
        (large.users, "users"),
        Stats::of(ls),
        Stats::of(ll),
    );
    report.add(
        backend,
        "PATCH add 1 member",
        (small.group_size, "members"),
        (large.group_size, "members"),
        Stats::of(a_s),
        Stats::of(a_l),
    );
    Ok(())
}

/// The part of `total` measured in `round` (the remainder goes to the first rounds).
fn share(total: usize, round: usize) -> usize {
    total / ROUNDS + usize::from(round < total % ROUNDS)
}

/// One lookup of a random existing userName; returns its time.
async fn lookup(scale: &Scale, rng: &mut StdRng) -> Result<Duration> {
    let i = rng.gen_range(0..scale.users);
    let filter = parse_filter(&format!("userName eq \"{}\"", user_name("user", i)))
        .map_err(|err| anyhow!("filter: {err:?}"))?;
    let query = ListQuery {
        filter: Some(filter),
        sort_by: None,
        sort_order: SortOrder::Ascending,
        paging: Paging::Index {
            start_index: 1,
            count: 100,
        },
        wants: Wants::default(),
    };
    let started = Instant::now();
    let page = scale
        .seeded
        .dir
        .list(&scale.seeded.ctx, ResourceKind::User, &query)
        .await
        .map_err(|err| anyhow!("list: {err}"))?;
    let took = started.elapsed();
    ensure!(
        page.total_results == 1
            && page.resources.len() == 1
            && page.resources.first().map(|r| &r.id) == scale.seeded.user_ids.get(i),
        "lookup of user {i} found {} results",
        page.total_results
    );
    Ok(took)
}

/// Adds the next outsider to the scale's group with one PATCH; returns its time.
async fn add_member(scale: &mut Scale) -> Result<Duration> {
    let id = scale
        .seeded
        .outsiders
        .get(scale.next_outsider)
        .context("out of outsiders to add")?
        .clone();
    scale.next_outsider += 1;
    let operations = parse_patch_request(&json!({
        "schemas": [PATCH_SCHEMA],
        "Operations": [{"op": "add", "path": "members", "value": [{"value": id}]}],
    }))
    .map_err(|err| anyhow!("patch request: {err}"))?;
    let wants = Wants::NONE;
    let started = Instant::now();
    let group = scale
        .seeded
        .dir
        .patch(
            &scale.seeded.ctx,
            ResourceKind::Group,
            &scale.seeded.group_id,
            &operations,
            &Precondition::default(),
            wants,
        )
        .await
        .map_err(|err| anyhow!("patch: {err}"))?;
    let took = started.elapsed();
    ensure!(group.references.is_none(), "members were loaded");
    Ok(took)
}

/// Checks the group holds exactly `expected` member rows.
async fn check_members(conn: &DatabaseConnection, group_id: &str, expected: usize) -> Result<()> {
    let backend = conn.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => "SELECT COUNT(*) AS n FROM group_members WHERE group_id = $1",
        _ => "SELECT COUNT(*) AS n FROM group_members WHERE group_id = ?",
    };
    let row = conn
        .query_one(Statement::from_sql_and_values(
            backend,
            sql,
            [group_id.into()],
        ))
        .await?
        .context("no count")?;
    let n: i64 = row.try_get("", "n")?;
    ensure!(
        usize::try_from(n)? == expected,
        "group has {n} members, expected {expected}"
    );
    Ok(())
}

/// Checks the database holds exactly `expected` live licenses.
async fn check_licenses(conn: &DatabaseConnection, expected: usize) -> Result<()> {
    let row = conn
        .query_one(Statement::from_string(
            conn.get_database_backend(),
            "SELECT COUNT(*) AS n FROM licenses",
        ))
        .await?
        .context("no count")?;
    let n: i64 = row.try_get("", "n")?;
    ensure!(
        usize::try_from(n)? == expected,
        "{n} licenses, expected {expected}"
    );
    Ok(())
}

/// Migrates a fresh database and makes the tenant (with seat pools of ample capacity when
/// `licensing`); returns a Directory without hooks (for seeding), the measured Directory (with
/// the licensing hooks when `licensing`, wired as `rosterd::server::app` does) and the context.
async fn prepare(
    conn: &DatabaseConnection,
    writer: &DatabaseConnection,
    licensing: bool,
) -> Result<(Directory, Directory, ScimContext)> {
    Migrator::up(conn, None).await.context("migrating")?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let slug: TenantSlug = "bench".parse().map_err(|err| anyhow!("slug: {err:?}"))?;
    let tenant = rosterd_tenancy::create_tenant(conn, clock.as_ref(), &slug, "Bench")
        .await
        .context("creating the tenant")?;
    let ctx = ScimContext {
        tenant: tenant.id,
        product: Product::Learning,
        base_url: "https://bench.example/scim/bench/learning/v2".to_owned(),
        actor: "learning scim-bench".to_owned(),
        request_id: "scim-bench".to_owned(),
    };
    let plain = Directory::new(conn.clone(), Arc::clone(&clock)).with_writer(writer.clone());
    if !licensing {
        return Ok((plain.clone(), plain, ctx));
    }
    let seats = LicenseKind::ALL.map(|kind| (kind, AMPLE_SEATS));
    let txn = conn.begin().await?;
    rosterd_ledger::create_pools(&txn, clock.as_ref(), tenant.id, &seats, &Actor::operator())
        .await
        .context("creating the seat pools")?;
    txn.commit().await?;
    let hooked = plain
        .clone()
        .with_hooks(Arc::new(rosterd_licensing::Licensing::new(
            Arc::clone(&clock),
            rosterd_scim_learning::APP,
        )));
    Ok((plain, hooked, ctx))
}

/// Provisioning throughput: the same sequential User creations through a Directory with the
/// licensing hooks and one without, each in its own fresh database, interleaved in rounds.
async fn provision(backend: &Backend, args: &Args, report: &mut Report) -> Result<()> {
    let (off_conn, off_cleanup) = open(backend).await?;
    let on = open(backend).await;
    let (on_conn, on_cleanup) = match on {
        Ok(on) => on,
        Err(err) => {
            drop_database(off_conn, off_cleanup).await?;
            return Err(err);
        }
    };
    let measured = match (
        writer(&off_conn, &off_cleanup).await,
        writer(&on_conn, &on_cleanup).await,
    ) {
        (Ok(off_writer), Ok(on_writer)) => {
            let off = (&off_conn, &off_writer);
            provision_in(backend, args, report, off, (&on_conn, &on_writer)).await
        }
        (Err(err), _) | (_, Err(err)) => Err(err),
    };
    let dropped = drop_database(off_conn, off_cleanup)
        .await
        .and(drop_database(on_conn, on_cleanup).await);
    measured.and(dropped)
}

async fn provision_in(
    backend: &Backend,
    args: &Args,
    report: &mut Report,
    (off_conn, off_writer): (&DatabaseConnection, &DatabaseConnection),
    (on_conn, on_writer): (&DatabaseConnection, &DatabaseConnection),
) -> Result<()> {
    let (off, on) = if args.http {
        (
            Provisioner::http(off_conn, off_writer, Licensing::Off).await?,
            Provisioner::http(on_conn, on_writer, Licensing::On).await?,
        )
    } else {
        let (_, off, off_ctx) = prepare(off_conn, off_writer, false).await?;
        let (_, on, on_ctx) = prepare(on_conn, on_writer, true).await?;
        (
            Provisioner::Store(Box::new(off), off_ctx),
            Provisioner::Store(Box::new(on), on_ctx),
        )
    };
    // SQLite WAL checkpoints off the request path, as `rosterd serve` runs them.
    let checkpointers: Vec<_> = [off_conn, on_conn]
        .into_iter()
        .filter_map(rosterd_database::spawn_checkpointer)
        .collect();
    eprintln!("provisioning: warm-up");
    for i in 0..args.warmup {
        off.create("warm", i).await?;
        on.create("warm", i).await?;
    }
    let (mut t_off, mut t_on) = (Vec::new(), Vec::new());
    let mut next = 0;
    for round in 0..ROUNDS {
        let n = share(args.provision_users, round);
        for i in next..next + n {
            t_off.push(off.create("user", i).await?);
        }
        for i in next..next + n {
            t_on.push(on.create("user", i).await?);
        }
        next += n;
    }
    eprintln!("provisioning: done");
    checkpointers.iter().for_each(|task| task.abort());
    check_licenses(off_conn, 0).await?;
    check_licenses(on_conn, args.warmup + args.provision_users).await?;
    report.provision(
        backend,
        Stats::of(t_off.clone()),
        &t_off,
        Stats::of(t_on.clone()),
        &t_on,
    );
    Ok(())
}

/// Where the provisioning benchmark sends its creations.
enum Provisioner {
    /// Straight to the store.
    Store(Box<Directory>, ScimContext),
    /// As `POST /Users` through the whole server router, with a bearer token.
    Http { router: axum::Router, token: String },
}

impl Provisioner {
    /// A server router on `conn` (tenant `bench`, ample seats, a Learning token) with the
    /// license ledger on or off.
    async fn http(
        conn: &DatabaseConnection,
        writer: &DatabaseConnection,
        licensing: Licensing,
    ) -> Result<Self> {
        let (_, _, ctx) = prepare(conn, writer, licensing == Licensing::On).await?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let actor = rosterd_ledger::Actor::operator();
        let change = rosterd_tenancy::Change::new(conn, clock.as_ref(), ctx.tenant, &actor);
        let token = rosterd_tenancy::issue_token(change, Product::Learning)
            .await
            .context("issuing the Learning token")?;
        let config = rosterd::config::Config::load_from(
            None,
            |_| None,
            &rosterd::config::Overrides {
                database_url: Some("sqlite::memory:".to_owned()),
                listen: None,
                public_url: Some("http://bench.example".to_owned()),
            },
        )
        .map_err(|err| anyhow!("configuration: {err}"))?;
        let state = rosterd::server::AppState {
            db: conn.clone(),
            writer: writer.clone(),
            inline_reads: None,
            inline_writer: None,
            clock: Arc::clone(&clock),
            metrics: rosterd::metrics::Metrics::from_config(&config)?,
            config: Arc::new(config),
        };
        let (recorder, _writer) =
            Recorder::start(writer.clone(), None, clock, Duration::from_secs(10));
        Ok(Self::Http {
            router: rosterd::server::app_with_licensing(state, recorder, licensing),
            token: token.secret.expose().to_owned(),
        })
    }

    /// Creates one User; returns its time (for HTTP, until the whole response body is read).
    async fn create(&self, prefix: &str, i: usize) -> Result<Duration> {
        let body = user_body(prefix, i);
        match self {
            Provisioner::Store(dir, ctx) => create_user(dir, ctx, body, i).await,
            Provisioner::Http { router, token } => {
                let request = axum::http::Request::post("/scim/bench/learning/v2/Users")
                    .header("authorization", format!("Bearer {token}"))
                    .header("content-type", "application/scim+json")
                    .body(axum::body::Body::from(body.to_string()))?;
                let started = Instant::now();
                let response = router.clone().oneshot(request).await?;
                let status = response.status();
                let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await?;
                let took = started.elapsed();
                ensure!(
                    status == axum::http::StatusCode::CREATED,
                    "creating user {i}: {status} {}",
                    String::from_utf8_lossy(&bytes)
                );
                Ok(took)
            }
        }
    }
}

/// The SCIM User the provisioning benchmark creates as number `i`.
fn user_body(prefix: &str, i: usize) -> Value {
    let name = user_name(prefix, i);
    let number = format!("{prefix}-{i}");
    json!({
        "schemas": [USER_SCHEMA, ENTERPRISE],
        "userName": name,
        "externalId": number,
        "name": {"givenName": format!("Given{i}"), "familyName": format!("Family{i}")},
        "displayName": format!("Given{i} Family{i}"),
        "title": "Account Executive",
        "active": true,
        "emails": [{"value": name, "type": "work", "primary": true}],
        ENTERPRISE: {"employeeNumber": number, "department": format!("Department {}", i % 50)},
    })
}

/// What a `POST /Users` without `attributes` asks of the store: everything but the license
/// extension, which is returned only on request.
const POST_WANTS: Wants = Wants {
    extensions: false,
    ..Wants::ALL
};

/// Creates one User through the store; returns its time.
async fn create_user(
    dir: &Directory,
    ctx: &ScimContext,
    body: Value,
    i: usize,
) -> Result<Duration> {
    let user = normalize(ResourceKind::User, body, WriteMode::Create)
        .map_err(|err| anyhow!("user body: {err}"))?;
    let started = Instant::now();
    let created = dir
        .create(ctx, ResourceKind::User, user, POST_WANTS)
        .await
        .map_err(|err| anyhow!("creating user {i}: {err}"))?;
    let took = started.elapsed();
    ensure!(!created.id.is_empty(), "created user has no id");
    Ok(took)
}

/// A fresh, migrated, seeded database for one scale.
async fn setup(backend: &Backend, args: &Args, users: usize, group_size: usize) -> Result<Scale> {
    ensure!(
        group_size <= users,
        "a group cannot have more members than there are users"
    );
    let (conn, cleanup) = open(backend).await?;
    match seed(conn.clone(), args, users, group_size).await {
        Ok(seeded) => Ok(Scale {
            users,
            group_size,
            conn,
            cleanup,
            seeded,
            next_outsider: 0,
        }),
        Err(err) => {
            drop_database(conn, cleanup).await?;
            Err(err)
        }
    }
}

/// Migrates, makes a tenant, seeds `users` users and the outsiders, and creates the group.
async fn seed(
    conn: DatabaseConnection,
    args: &Args,
    users: usize,
    group_size: usize,
) -> Result<Seeded> {
    let (plain, dir, ctx) = prepare(&conn, &conn, args.licensing).await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);

    eprintln!("seeding {users} users");
    let started = Instant::now();
    let tenant_id = ctx.tenant.to_string();
    let product = ctx.product.slug();
    let user_ids = seed_users(&conn, clock.as_ref(), &tenant_id, product, "user", users).await?;
    let seed_users_took = started.elapsed();
    let extra = args.warmup + args.adds;
    let outsiders = seed_users(&conn, clock.as_ref(), &tenant_id, product, "extra", extra).await?;
    analyze(&conn).await?;

    // The seeded rows read back through the store as the store itself would have written them.
    let first = user_ids.first().context("no users")?;
    let read = dir
        .get(&ctx, ResourceKind::User, first, Wants::default())
        .await
        .map_err(|err| anyhow!("reading a seeded user: {err}"))?;
    ensure!(
        read.document.get("userName") == Some(&Value::from(user_name("user", 0))),
        "a seeded user reads back wrong: {}",
        read.document
    );

    // The group is created without hooks even with `--licensing`: through the hooks, creating
    // a group of 100,000 would assign 100,000 licenses first. Its members hold no license (a
    // state the hooks accept: an add re-evaluates only the person added).
    eprintln!("creating a group of {group_size} through the store");
    let started = Instant::now();
    let members: Vec<Value> = user_ids
        .iter()
        .take(group_size)
        .map(|id| json!({"value": id}))
        .collect();
    let group = normalize(
        ResourceKind::Group,
        json!({"schemas": [GROUP_SCHEMA], "displayName": "Bench group", "members": members}),
        WriteMode::Create,
    )
    .map_err(|err| anyhow!("group body: {err}"))?;
    let group = plain
        .create(&ctx, ResourceKind::Group, group, Wants::default())
        .await
        .map_err(|err| anyhow!("creating the group: {err}"))?;
    let seed_group = started.elapsed();
    check_members(&conn, &group.id, group_size).await?;
    analyze(&conn).await?;
    Ok(Seeded {
        dir,
        ctx,
        user_ids,
        outsiders,
        group_id: group.id,
        seed_users: seed_users_took,
        seed_group,
    })
}

/// On PostgreSQL, collects planner statistics, as autovacuum would on a database in use: right
/// after a bulk load the planner knows nothing of the new rows (on SQLite the plans are index
/// searches either way; see docs/benchmarks.md).
async fn analyze(conn: &DatabaseConnection) -> Result<()> {
    if conn.get_database_backend() == DatabaseBackend::Postgres {
        conn.execute_unprepared("ANALYZE")
            .await
            .context("ANALYZE")?;
    }
    Ok(())
}

fn user_name(prefix: &str, i: usize) -> String {
    format!("{prefix}{i:06}@bench.example")
}

/// Inserts `count` users (with their people and email rows) in one transaction, in batches;
/// returns their ids in order.
async fn seed_users(
    conn: &DatabaseConnection,
    clock: &dyn Clock,
    tenant: &str,
    product: &str,
    prefix: &str,
    count: usize,
) -> Result<Vec<String>> {
    let now = clock.now();
    let now = chrono::DurationRound::duration_trunc(now, chrono::TimeDelta::milliseconds(1))
        .unwrap_or(now);
    let txn = conn.begin().await?;
    let mut ids = Vec::with_capacity(count);
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
                "department",
                "title",
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
                "external_id",
                "active",
                "document",
                "version",
                "created_at",
                "updated_at",
            ],
        );
        let mut emails = insert(
            "scim_user_emails",
            &["tenant_id", "user_id", "product", "value_lower"],
        );
        for i in start..end {
            let name = user_name(prefix, i);
            let given = format!("Given{i}");
            let family = format!("Family{i}");
            let display = format!("{given} {family}");
            let number = format!("{prefix}-{i}");
            let department = format!("Department {}", i % 50);
            let title = "Account Executive";
            let body = json!({
                "schemas": [USER_SCHEMA, ENTERPRISE],
                "userName": name,
                "externalId": number,
                "name": {"givenName": given, "familyName": family},
                "displayName": display,
                "title": title,
                "active": true,
                "emails": [{"value": name, "type": "work", "primary": true}],
                ENTERPRISE: {"employeeNumber": number, "department": department},
            });
            let document = normalize(ResourceKind::User, body, WriteMode::Create)
                .map_err(|err| anyhow!("user body: {err}"))?
                .document;
            let person_id = PersonId::new().to_string();
            let id = ScimUserId::new().to_string();
            let lower = name.to_lowercase();
            people.values_panic(exprs([
                tenant.into(),
                person_id.clone().into(),
                name.clone().into(),
                lower.clone().into(),
                given.into(),
                family.into(),
                display.into(),
                number.clone().into(),
                department.into(),
                title.into(),
                "idp".into(),
                now.into(),
                now.into(),
            ]));
            users.values_panic(exprs([
                tenant.into(),
                id.clone().into(),
                product.into(),
                person_id.into(),
                name.clone().into(),
                lower.clone().into(),
                number.into(),
                true.into(),
                document.to_string().into(),
                1_i64.into(),
                now.into(),
                now.into(),
            ]));
            emails.values_panic(exprs([
                tenant.into(),
                id.clone().into(),
                product.into(),
                lower.into(),
            ]));
            ids.push(id);
        }
        for stmt in [people, users, emails] {
            exec(&txn, &stmt).await?;
        }
    }
    txn.commit().await?;
    Ok(ids)
}

fn insert(table: &str, columns: &[&str]) -> sea_orm::sea_query::InsertStatement {
    let mut stmt = Query::insert();
    stmt.into_table(Alias::new(table))
        .columns(columns.iter().map(|c| Alias::new(*c)));
    stmt
}

fn exprs<const N: usize>(values: [sea_orm::Value; N]) -> [SimpleExpr; N] {
    values.map(SimpleExpr::from)
}

async fn exec(txn: &DatabaseTransaction, stmt: &sea_orm::sea_query::InsertStatement) -> Result<()> {
    let stmt = txn.get_database_backend().build(stmt);
    txn.execute(stmt).await.context("seeding insert")?;
    Ok(())
}

async fn open(backend: &Backend) -> Result<(DatabaseConnection, Cleanup)> {
    match backend {
        Backend::Sqlite => rosterd_bench::open(None).await,
        Backend::Postgres(server) => rosterd_bench::open(Some(server)).await,
    }
}

async fn teardown(scale: Scale) -> Result<()> {
    drop(scale.seeded);
    drop_database(scale.conn, scale.cleanup).await
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn ratio(large: Duration, small: Duration) -> f64 {
    large.as_secs_f64() / small.as_secs_f64().max(f64::MIN_POSITIVE)
}

#[derive(Default)]
struct Report {
    rows: Vec<String>,
    ratios: Vec<String>,
    seeding: Vec<String>,
    provision: Vec<String>,
}

impl Report {
    fn add(
        &mut self,
        backend: &Backend,
        what: &str,
        small_size: (usize, &str),
        large_size: (usize, &str),
        small: Stats,
        large: Stats,
    ) {
        for ((size, unit), s) in [(small_size, small), (large_size, large)] {
            self.rows.push(format!(
                "| {} | {what} | {size} {unit} | {} | {} | {} | {} |",
                backend.name(),
                s.n,
                ms(s.median),
                ms(s.p95),
                ms(s.mean)
            ));
        }
        let (rm, rp) = (
            ratio(large.median, small.median),
            ratio(large.p95, small.p95),
        );
        let verdict = if rm < 1.5 && rp < 1.5 {
            "yes"
        } else {
            "**NO**"
        };
        self.ratios.push(format!(
            "| {} | {what} | {} vs {} | {rm:.2} | {rp:.2} | {verdict} |",
            backend.name(),
            large_size.0,
            small_size.0
        ));
    }

    fn provision(
        &mut self,
        backend: &Backend,
        off: Stats,
        off_samples: &[Duration],
        on: Stats,
        on_samples: &[Duration],
    ) {
        let rate = |samples: &[Duration]| {
            let total: Duration = samples.iter().sum();
            samples.len() as f64 / total.as_secs_f64().max(f64::MIN_POSITIVE)
        };
        let (r_off, r_on) = (rate(off_samples), rate(on_samples));
        for (hooks, s, r) in [("off", off, r_off), ("on", on, r_on)] {
            self.provision.push(format!(
                "| {} | {hooks} | {} | {} | {} | {} | {r:.0} |",
                backend.name(),
                s.n,
                ms(s.median),
                ms(s.p95),
                ms(s.mean)
            ));
        }
        let kept = r_on / r_off.max(f64::MIN_POSITIVE);
        let verdict = if kept >= 0.75 { "yes" } else { "**NO**" };
        self.ratios.push(format!(
            "| {} | users/s with hooks / without | {kept:.2} (ledger costs {:.0}%) | {verdict} |",
            backend.name(),
            (1.0 - kept) * 100.0
        ));
    }

    fn print_provision(&self, args: &Args) {
        let through = if args.http {
            "as SCIM `POST /Users` through the server router (token, provisioning log, JSON)"
        } else {
            "through the store (`ScimStore::create`)"
        };
        println!(
            "\nMeasured: {} sequential User creations per side {through} after {} warm-ups, \
             licensing off and on interleaved in {ROUNDS} rounds; users/s = creations / sum of \
             their times.\n",
            args.provision_users, args.warmup
        );
        println!("| Backend | Licensing hooks | Creations | Median | p95 | Mean | Users/s |");
        println!("|---|---|---:|---:|---:|---:|---:|");
        for row in &self.provision {
            println!("{row}");
        }
        println!("\n| Backend | Ratio | Value | Ledger costs <= 25% |");
        println!("|---|---|---|---|");
        for row in &self.ratios {
            println!("{row}");
        }
    }

    fn print(&self, args: &Args) {
        println!(
            "\nMeasured: {} lookups and {} adds per scale after {} warm-ups, small and large \
             interleaved in {ROUNDS} rounds; licensing hooks {}.\n",
            args.lookups,
            args.adds,
            args.warmup,
            if args.licensing { "ON" } else { "off" }
        );
        println!("| Backend | Operation | Scale | Samples | Median | p95 | Mean |");
        println!("|---|---|---|---:|---:|---:|---:|");
        for row in &self.rows {
            println!("{row}");
        }
        println!("\n| Backend | Operation | Large vs small | Median ratio | p95 ratio | < 1.5 |");
        println!("|---|---|---|---:|---:|---|");
        for row in &self.ratios {
            println!("{row}");
        }
        println!(
            "\n| Backend | Users seeded (batched INSERTs) | Time | Group created through the store |"
        );
        println!("|---|---|---:|---|");
        for row in &self.seeding {
            println!("{row}");
        }
    }
}
