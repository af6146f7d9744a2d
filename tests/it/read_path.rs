//! The SCIM read path's shortcuts keep every answer exact:
//! - a server keeps the tokens it authenticated in memory, yet a token revoked, or an app
//!   turned off, by another process is refused by every server within a second;
//! - pages of the whole user list, read by key and from a maintained count on SQLite, are
//!   exactly the pages the general listing gives, at every boundary, also right after users
//!   come and go, and while 32 clients create users and others delete them at once (on
//!   PostgreSQL each create's count goes to a shard no other open transaction holds).

use std::process::Stdio;
use std::time::{Duration, Instant};

use clap::Parser as _;
use reqwest::StatusCode;
use rosterd_domain::Product;
use rosterd_test_support::TestApp;
use serde_json::{Value, json};

use crate::scim_client::{Reply, Scim, expect, request};

/// The child marker: set (to the CLI arguments, as JSON), [`cli_child`] runs the CLI.
const CHILD_ENV: &str = "ROSTERD_E2E_READ_PATH_CLI";

/// Runs one `rosterd` CLI command given in the environment, as another process would. Only
/// [`in_another_process`] runs it; on its own it does nothing.
#[tokio::test]
#[ignore = "a child process of the read-path tests, not a test"]
async fn cli_child() {
    let Some(args) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let args: Vec<String> = serde_json::from_str(args.to_str().unwrap()).unwrap();
    let mut argv = vec![
        "rosterd".to_owned(),
        "--database-url".to_owned(),
        std::env::var("DATABASE_URL").unwrap(),
    ];
    argv.extend(args);
    let cli = rosterd::cli::Cli::try_parse_from(&argv).unwrap();
    rosterd::cli::run(cli, &mut std::io::sink()).await.unwrap();
}

/// Runs `rosterd <args>` against `db_url` in a process of its own (this test binary again),
/// so that nothing in this process hears of the change but through the database.
async fn in_another_process(db_url: &str, args: &[&str]) {
    let status = tokio::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "read_path::cli_child",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD_ENV, serde_json::to_string(args).unwrap())
        .env("DATABASE_URL", db_url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .await
        .unwrap();
    assert!(status.success(), "rosterd {} failed", args.join(" "));
}

/// How long after `since` the server at `base` first answers `status` to `token`, polling
/// every 20 ms for at most 5 s.
async fn refused_after(
    app: &TestApp,
    base: &str,
    token: &str,
    status: StatusCode,
    since: Instant,
) -> Duration {
    loop {
        let res = app.get(&format!("{base}/Users?count=1"), Some(token)).await;
        if res.status() == status {
            return since.elapsed();
        }
        assert_eq!(res.status(), StatusCode::OK);
        assert!(
            since.elapsed() < Duration::from_secs(5),
            "still {} after 5 s",
            res.status()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_token_shut_out_by_another_process_is_refused_by_every_server_within_a_second() {
    let first = TestApp::spawn().await;
    let acme = first.tenant("acme").await;
    let second = first.replica().await;
    let servers = [&first, &second];
    let base_on = |app: &TestApp, product: Product| {
        acme.base(product)
            .replacen(&first.base_url, &app.base_url, 1)
    };
    // Both servers know both tokens.
    for app in servers {
        for product in [Product::Learning, Product::TeamlinkExtend] {
            for _ in 0..3 {
                let res = app
                    .get(
                        &format!("{}/Users?count=1", base_on(app, product)),
                        Some(acme.token(product)),
                    )
                    .await;
                assert_eq!(res.status(), StatusCode::OK, "{product}");
            }
        }
    }

    let learning = acme.token(Product::Learning);
    in_another_process(&first.db.url, &["token", "revoke", "acme", &learning[..21]]).await;
    let revoked = Instant::now();
    for app in servers {
        let after = refused_after(
            app,
            &base_on(app, Product::Learning),
            learning,
            StatusCode::UNAUTHORIZED,
            revoked,
        )
        .await;
        assert!(
            after <= Duration::from_secs(1),
            "revoked token let in for {after:?}"
        );
    }
    let res = second
        .get(
            &format!("{}/Users", base_on(&second, Product::Learning)),
            Some(learning),
        )
        .await;
    let body: Value = res.json().await.unwrap();
    assert!(
        body["detail"].as_str().unwrap().contains("revoked"),
        "{body}"
    );

    let teamlink = acme.token(Product::TeamlinkExtend);
    in_another_process(
        &first.db.url,
        &["app", "disable", "acme", "teamlink-extend"],
    )
    .await;
    let disabled = Instant::now();
    for app in servers {
        let after = refused_after(
            app,
            &base_on(app, Product::TeamlinkExtend),
            teamlink,
            StatusCode::FORBIDDEN,
            disabled,
        )
        .await;
        assert!(
            after <= Duration::from_secs(1),
            "disabled app let in for {after:?}"
        );
    }
    second.stop().await;
}

#[tokio::test]
async fn a_change_made_in_this_process_is_refused_at_once_by_its_servers() {
    let first = TestApp::spawn().await;
    let acme = first.tenant("acme").await;
    let second = first.replica().await;
    let token = acme.token(Product::Learning);
    let base_on = |app: &TestApp| {
        acme.base(Product::Learning)
            .replacen(&first.base_url, &app.base_url, 1)
    };
    for app in [&first, &second] {
        let res = app
            .get(&format!("{}/Users", base_on(app)), Some(token))
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    first
        .cli_ok(&["token", "revoke", "acme", &token[..21]])
        .await;
    for app in [&first, &second] {
        let res = app
            .get(&format!("{}/Users", base_on(app)), Some(token))
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    second.stop().await;
}

const USERS: usize = 1100;

/// A server whose fair share never refuses: these tests create users by the thousand.
pub(crate) async fn unthrottled_app() -> TestApp {
    TestApp::spawn_with_env(&[
        ("ROSTERD_FAIR_SHARE_REQUESTS_PER_SECOND", "1000000"),
        ("ROSTERD_FAIR_SHARE_BURST", "1000000"),
    ])
    .await
}

/// Creates an inactive user (no seat needed) for each of `numbers` with Bulk, named by
/// `user_name`; returns their ids.
pub(crate) async fn create_inactive_users(
    scim: &Scim<'_>,
    numbers: std::ops::Range<usize>,
    user_name: impl Fn(usize) -> String,
) -> Vec<String> {
    let mut ids = Vec::new();
    for chunk in numbers.collect::<Vec<_>>().chunks(500) {
        let operations: Vec<Value> = chunk
            .iter()
            .map(|i| {
                json!({
                    "method": "POST",
                    "path": "/Users",
                    "bulkId": format!("u{i}"),
                    "data": {
                        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                        "userName": user_name(*i),
                        "active": false,
                    }
                })
            })
            .collect();
        let reply = scim
            .post(
                "/Bulk",
                json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
                    "Operations": operations,
                }),
            )
            .await;
        expect(&reply, 200);
        for op in reply.body["Operations"].as_array().unwrap() {
            assert_eq!(op["status"], "201", "{op}");
            let location = op["location"].as_str().unwrap();
            ids.push(location.rsplit('/').next().unwrap().to_owned());
        }
    }
    ids
}

/// `n` inactive users named `{tag}00000@acme.example` and on; their ids.
async fn create_users(scim: &Scim<'_>, n: usize, tag: &str) -> Vec<String> {
    create_inactive_users(scim, 0..n, |i| format!("{tag}{i:05}@acme.example")).await
}

/// The ids, `totalResults`, `startIndex` and `itemsPerPage` of one page.
async fn page(scim: &Scim<'_>, query: &str) -> (Vec<String>, u64, u64, u64) {
    let reply = scim.get(&format!("/Users?{query}")).await;
    expect(&reply, 200);
    let ids: Vec<String> = reply.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    let n = |k: &str| reply.body[k].as_u64().unwrap();
    (ids, n("totalResults"), n("startIndex"), n("itemsPerPage"))
}

/// Every page at the boundaries of the samples (every 512th user) and of the list equals the
/// expected slice of `ids` (sorted) and the general listing's page (a filter matching every
/// user, which takes the general path).
async fn check_pages(scim: &Scim<'_>, ids: &[String]) {
    let total = ids.len() as u64;
    for start in [
        1,
        2,
        100,
        511,
        512,
        513,
        514,
        1023,
        1024,
        1025,
        1026,
        total,
        total + 1,
        total + 50,
    ] {
        for count in [1_u64, 7, 100, 512, 1000] {
            let query = format!("startIndex={start}&count={count}");
            let (got, totals, start_index, items) = page(scim, &query).await;
            let from = usize::try_from(start - 1).unwrap().min(ids.len());
            let to = (from + usize::try_from(count).unwrap()).min(ids.len());
            assert_eq!(got, ids[from..to], "{query}");
            assert_eq!(totals, total, "{query}");
            assert_eq!(start_index, start, "{query}");
            assert_eq!(items, (to - from) as u64, "{query}");
            let general = page(scim, &format!("{query}&filter=userName%20pr")).await;
            assert_eq!(general, (got, totals, start_index, items), "{query}");
        }
    }
}

#[tokio::test]
async fn pages_of_the_whole_user_list_are_exact_at_every_boundary() {
    let app = unthrottled_app().await;
    let acme = app.tenant("acme").await;
    let scim = Scim::new(&app, &acme, Product::Learning);
    assert_eq!(page(&scim, "startIndex=1&count=10").await.1, 0);
    let mut ids = create_users(&scim, USERS, "a").await;
    ids.sort();
    check_pages(&scim, &ids).await;

    // Users come and go: the pages follow at once (the samples are stale until read again)...
    let gone = ids.remove(600);
    expect(&scim.delete(&format!("/Users/{gone}")).await, 204);
    ids.extend(create_users(&scim, 3, "b").await);
    ids.sort();
    check_pages(&scim, &ids).await;
    // ...and once the samples are read again.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    check_pages(&scim, &ids).await;

    // Another app of the tenant has its own list.
    let other = Scim::new(&app, &acme, Product::SalesNavigator);
    assert_eq!(
        page(&other, "startIndex=1&count=10").await,
        (vec![], 0, 1, 0)
    );
}

#[tokio::test]
async fn the_count_stays_exact_while_users_are_created_and_deleted_at_once() {
    const CREATORS: usize = 32;
    const EACH: usize = 8;
    const DELETERS: usize = 4;
    const DELETED: usize = 120;
    let app = TestApp::spawn_with_env(&[
        ("ROSTERD_FAIR_SHARE_REQUESTS_PER_SECOND", "1000000"),
        ("ROSTERD_FAIR_SHARE_BURST", "1000000"),
        ("ROSTERD_FAIR_SHARE_TENANT_MAX_CONCURRENT_WRITES", "64"),
    ])
    .await;
    let acme = app.tenant_with_seats("acme", &[("learning", 1000)]).await;
    let scim = Scim::new(&app, &acme, Product::Learning);
    let mut ids = create_users(&scim, USERS, "a").await;
    ids.sort();
    // Samples of this generation, so the readers below start on the keyed path.
    check_pages(&scim, &ids).await;

    let base = scim.base.clone();
    let token = scim.token.clone();
    let (low, high) = (USERS - DELETED, USERS + CREATORS * EACH);
    let mut tasks = tokio::task::JoinSet::new();
    for client in 0..CREATORS {
        let (http, base, token) = (app.http.clone(), base.clone(), token.clone());
        tasks.spawn(async move {
            let mut created = Vec::new();
            for i in 0..EACH {
                let Reply { status, body, .. } = request(
                    &http,
                    reqwest::Method::POST,
                    format!("{base}/Users"),
                    &token,
                    Some(json!({
                        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                        "userName": format!("c{client:02}-{i}@acme.example"),
                        "active": true,
                    })),
                )
                .await;
                assert_eq!(status, StatusCode::CREATED, "{body}");
                created.push(body["id"].as_str().unwrap().to_owned());
            }
            created
        });
    }
    // Every other user of the first 240 goes, from four clients at once.
    let doomed: Vec<String> = ids.iter().step_by(2).take(DELETED).cloned().collect();
    for client in 0..DELETERS {
        let (http, base, token) = (app.http.clone(), base.clone(), token.clone());
        let mine: Vec<String> = doomed
            .iter()
            .skip(client)
            .step_by(DELETERS)
            .cloned()
            .collect();
        tasks.spawn(async move {
            for id in mine {
                let Reply { status, body, .. } = request(
                    &http,
                    reqwest::Method::DELETE,
                    format!("{base}/Users/{id}"),
                    &token,
                    None,
                )
                .await;
                assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
            }
            Vec::new()
        });
    }
    // Meanwhile every total a reader sees is one the list passed through.
    for _ in 0..2 {
        let (http, base, token) = (app.http.clone(), base.clone(), token.clone());
        tasks.spawn(async move {
            for start in [1, 513, 1025, 700, 1] {
                let Reply { status, body, .. } = request(
                    &http,
                    reqwest::Method::GET,
                    format!("{base}/Users?startIndex={start}&count=100"),
                    &token,
                    None,
                )
                .await;
                assert_eq!(status, StatusCode::OK, "{body}");
                let total = body["totalResults"].as_u64().unwrap();
                assert!(
                    (low as u64..=high as u64).contains(&total),
                    "totalResults {total} outside {low}..={high}"
                );
            }
            Vec::new()
        });
    }
    let mut created = Vec::new();
    while let Some(done) = tasks.join_next().await {
        created.extend(done.unwrap());
    }
    assert_eq!(created.len(), CREATORS * EACH);
    ids.retain(|id| !doomed.contains(id));
    ids.extend(created);
    ids.sort();
    assert_eq!(ids.len(), USERS - DELETED + CREATORS * EACH);
    check_pages(&scim, &ids).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    check_pages(&scim, &ids).await;
}
