//! Reads right after a bulk of creates, as an IdP's first sync makes them: a `userName eq`
//! lookup finds the user whatever the case of either name, pages of the user list carry each
//! user's groups whether they are read by key or by offset, and on PostgreSQL the lookup is
//! planned on the unique `(tenant_id, product, user_name_lower)` index, not as a walk of the
//! app's users (which is what a table without planner statistics got; the directory now
//! collects them before a listing, `crates/directory/src/user_pages/statistics.rs`).

use std::collections::BTreeSet;

use rosterd_domain::Product;
use rosterd_test_support::TestApp;
use sea_orm::{ConnectionTrait as _, Statement};
use serde_json::{Value, json};

use crate::scim_client::{Reply, Scim, expect};

const USERS: usize = 600;

/// `n` inactive users from number `from` on, named `User00000@Acme.Example` and on (mixed case);
/// their ids.
async fn create_users(scim: &Scim<'_>, from: usize, n: usize) -> Vec<String> {
    crate::read_path::create_inactive_users(scim, from..from + n, |i| {
        format!("User{i:05}@Acme.Example")
    })
    .await
}

fn user_names(reply: &Reply) -> Vec<String> {
    reply.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["userName"].as_str().unwrap().to_owned())
        .collect()
}

/// The plan PostgreSQL makes for `sql`, whose `$1` is the tenant's id and `$2` and on `values`.
async fn plan(app: &TestApp, slug: &str, sql: &str, values: &[&str]) -> String {
    let db = &app.db.conn;
    let backend = db.get_database_backend();
    let tenant = db
        .query_one(Statement::from_sql_and_values(
            backend,
            "SELECT id FROM tenants WHERE slug = $1",
            [slug.into()],
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<String>("", "id")
        .unwrap();
    let values = std::iter::once(tenant.into()).chain(values.iter().map(|v| (*v).into()));
    let rows = db
        .query_all(Statement::from_sql_and_values(
            backend,
            format!("EXPLAIN {sql}"),
            values,
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|row| row.try_get::<String>("", "QUERY PLAN").unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The plan PostgreSQL makes for the directory's `userName eq` lookup in the app.
async fn lookup_plan(app: &TestApp, slug: &str, user_name_lower: &str) -> String {
    plan(
        app,
        slug,
        "SELECT * FROM scim_users WHERE tenant_id = $1 AND product = $2 AND user_name_lower = $3",
        &["learning", user_name_lower],
    )
    .await
}

#[tokio::test]
async fn a_user_name_filter_right_after_a_bulk_of_creates_finds_the_user_by_the_unique_index() {
    let app = crate::read_path::unthrottled_app().await;
    let acme = app.tenant("acme").await;
    let scim = Scim::new(&app, &acme, Product::Learning);
    create_users(&scim, 0, USERS).await;

    for asked in [
        "user00042@acme.example",
        "USER00042@ACME.EXAMPLE",
        "User00042@Acme.Example",
    ] {
        let found = scim
            .get(&format!("/Users?filter=userName%20eq%20%22{asked}%22"))
            .await;
        expect(&found, 200);
        assert_eq!(found.body["totalResults"], 1, "{asked}: {}", found.body);
        // The name as the IdP wrote it, whatever the case it was looked up with.
        assert_eq!(user_names(&found), ["User00042@Acme.Example"], "{asked}");
    }
    let nobody = scim
        .get("/Users?filter=userName%20eq%20%22user99999@acme.example%22")
        .await;
    expect(&nobody, 200);
    assert_eq!(nobody.body["totalResults"], 0);

    if rosterd_test_support::backend_name() == "postgres" {
        let plan = lookup_plan(&app, "acme", "user00042@acme.example").await;
        assert!(
            plan.contains("scim_users_user_name"),
            "the lookup is not planned on the unique userName index:\n{plan}"
        );
    }
}

/// On PostgreSQL, writes alone (no listing in between) keep the planner statistics of the tables
/// they use. Each pooled connection plans the foreign-key check of an e-mail row's insert
/// against its user (`SELECT 1 FROM scim_users ... FOR KEY SHARE`) once, on its first insert
/// into a fresh table, and keeps that plan until the table is analyzed: planned on an empty
/// table it walked the tenant's users, so a bulk of creates slowed down as it went (3-7 ms per
/// insert at 20,000 users). Statistics present mean the plan was made again on them.
#[tokio::test]
async fn a_bulk_of_creates_alone_keeps_the_planner_statistics_of_its_tables() {
    let app = crate::read_path::unthrottled_app().await;
    let acme = app.tenant("acme").await;
    let scim = Scim::new(&app, &acme, Product::Learning);
    let ids = create_users(&scim, 0, USERS).await;
    // The statistics are looked at once a second at most: the next write looks again.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let last = create_users(&scim, USERS, 1).await;
    assert_eq!(ids.len() + last.len(), USERS + 1);
    if rosterd_test_support::backend_name() == "postgres" {
        let db = &app.db.conn;
        for table in ["scim_users", "people"] {
            let analyzed = db
                .query_one(Statement::from_sql_and_values(
                    db.get_database_backend(),
                    "SELECT count(*) AS n FROM pg_stats WHERE schemaname = current_schema() \
                     AND tablename = $1",
                    [table.into()],
                ))
                .await
                .unwrap()
                .unwrap()
                .try_get::<i64>("", "n")
                .unwrap();
            assert!(
                analyzed > 0,
                "{table} has no planner statistics after the creates"
            );
        }
    }
}

/// Every user of a page of `count` from `start` has exactly its groups: `Staff` for the ids in
/// `staff`, none for the others.
async fn check_groups(scim: &Scim<'_>, start: usize, count: usize, staff: &BTreeSet<String>) {
    let reply = scim
        .get(&format!("/Users?startIndex={start}&count={count}"))
        .await;
    expect(&reply, 200);
    let resources = reply.body["Resources"].as_array().unwrap();
    assert_eq!(resources.len(), count, "startIndex={start}");
    for user in resources {
        let id = user["id"].as_str().unwrap();
        let groups: Vec<&str> = user["groups"]
            .as_array()
            .map(|g| g.iter().map(|g| g["display"].as_str().unwrap()).collect())
            .unwrap_or_default();
        if staff.contains(id) {
            assert_eq!(groups, ["Staff"], "startIndex={start}: {user}");
        } else {
            assert!(groups.is_empty(), "startIndex={start}: {user}");
        }
    }
}

#[tokio::test]
async fn pages_right_after_a_bulk_of_creates_carry_each_users_groups() {
    let app = crate::read_path::unthrottled_app().await;
    let acme = app.tenant("acme").await;
    let scim = Scim::new(&app, &acme, Product::Learning);
    let mut ids = create_users(&scim, 0, USERS).await;
    ids.sort();
    // Members on the first page and past the first sampled id (position 512).
    let staff: BTreeSet<String> = [0, 1, 99, 519, 520, 599]
        .iter()
        .map(|&i| ids[i].clone())
        .collect();
    let members: Vec<Value> = staff.iter().map(|id| json!({"value": id})).collect();
    let group = scim
        .post(
            "/Groups",
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Staff",
                "members": members,
            }),
        )
        .await;
    expect(&group, 201);

    // By key (from the start, and after the first sampled id), then by offset for the page
    // past it: one more user leaves the samples stale for a second.
    check_groups(&scim, 1, 100, &staff).await;
    check_groups(&scim, 515, 86, &staff).await;
    create_users(&scim, USERS, 1).await;
    check_groups(&scim, 515, 86, &staff).await;
    check_groups(&scim, 1, 100, &staff).await;
}
