//! Filters run as SQL: every operator, the indexed attributes, JSON attributes, value paths;
//! each case is also checked against `rosterd_scim::filter::matches` on the rendered resources,
//! so the SQL and the in-memory evaluator agree.

use chrono::Duration;
use rosterd_scim::ScimType;
use rosterd_scim::filter::{AttrPath, matches, parse_filter};
use rosterd_scim::resource::ResourceKind::{self, Group, User};
use rosterd_scim::schema::resolve;
use rosterd_scim::store::{StoredResource, Wants, render};
use serde_json::json;

use crate::support::*;

/// Four users created an hour apart: ann, bob, carol, dave.
async fn fixture(env: &Env) -> Vec<StoredResource> {
    let bodies = [
        json!({
            "userName": "ann@acme.com", "externalId": "EXT-1", "active": true, "title": "Engineer",
            "name": {"givenName": "Ann", "familyName": "Smith"},
            "emails": [{"value": "ann@acme.com", "type": "work"}, {"value": "Ann@Home.org", "type": "home"}],
            "phoneNumbers": [{"value": "+1 555 0100", "type": "work"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales"},
        }),
        json!({
            "userName": "bob@acme.com", "externalId": "ext-2", "active": false, "title": "Manager",
            "name": {"familyName": "Jones"},
            "emails": [{"value": "bob@acme.com", "type": "work", "primary": true}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D"},
        }),
        json!({"userName": "carol", "active": true, "name": {"familyName": "smith"}}),
        json!({
            "userName": "dave_50%@acme.com", "active": true,
            "emails": [{"value": "dave_50%@acme.com", "type": "home"}],
        }),
    ];
    let mut out = Vec::new();
    for body in bodies {
        out.push(
            env.dir
                .create(&env.learning, User, user_body(body), Wants::default())
                .await
                .unwrap(),
        );
        env.clock.advance(Duration::hours(1));
    }
    out
}

fn case_exact(kind: ResourceKind) -> impl Fn(&AttrPath) -> bool {
    move |path| resolve(kind, path).is_some_and(|a| a.leaf().case_exact)
}

/// Runs `filter` through the store and returns the userNames (or displayNames) found, sorted;
/// asserts the in-memory evaluator finds the same among `all` unless `sql_only`.
async fn run(
    env: &Env,
    kind: ResourceKind,
    filter: &str,
    all: &[StoredResource],
    sql_only: bool,
) -> Vec<String> {
    let page = env
        .dir
        .list(&env.learning, kind, &query(Some(filter)))
        .await
        .unwrap();
    let key = if kind == User {
        "userName"
    } else {
        "displayName"
    };
    let names = |resources: &mut dyn Iterator<Item = &StoredResource>| {
        let mut names: Vec<String> = resources
            .map(|r| r.document[key].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        names
    };
    let found = names(&mut page.resources.iter());
    assert_eq!(page.total_results as usize, found.len(), "{filter}");
    if !sql_only {
        let parsed = parse_filter(filter).unwrap();
        let exact = case_exact(kind);
        let expected = names(
            &mut all
                .iter()
                .filter(|r| matches(&parsed, &render(r, &env.learning.base_url), &exact)),
        );
        assert_eq!(found, expected, "SQL and matches() disagree on {filter}");
    }
    found
}

const ANN: &str = "ann@acme.com";
const BOB: &str = "bob@acme.com";
const CAROL: &str = "carol";
const DAVE: &str = "dave_50%@acme.com";

#[tokio::test]
async fn operators_on_indexed_and_json_attributes() {
    let env = env().await;
    let all = fixture(&env).await;
    let cases: Vec<(String, Vec<&str>)> = vec![
        (r#"userName eq "ANN@acme.com""#.into(), vec![ANN]),
        (
            r#"userName ne "ann@acme.com""#.into(),
            vec![BOB, CAROL, DAVE],
        ),
        (r#"userName co "ACME""#.into(), vec![ANN, BOB, DAVE]),
        (r#"userName sw "b""#.into(), vec![BOB]),
        (r#"userName ew ".com""#.into(), vec![ANN, BOB, DAVE]),
        (r#"userName gt "c""#.into(), vec![CAROL, DAVE]),
        (r#"userName ge "carol""#.into(), vec![CAROL, DAVE]),
        (r#"userName lt "b""#.into(), vec![ANN]),
        (r#"userName le "bob@acme.com""#.into(), vec![ANN, BOB]),
        (r#"userName co "_50%""#.into(), vec![DAVE]),
        (r#"userName co "%""#.into(), vec![DAVE]),
        (r#"userName sw "_""#.into(), vec![]),
        (r#"userName pr"#.into(), vec![ANN, BOB, CAROL, DAVE]),
        (r#"externalId eq "EXT-1""#.into(), vec![ANN]),
        (r#"externalId eq "ext-1""#.into(), vec![]),
        (r#"externalId co "xt""#.into(), vec![BOB]),
        (r#"externalId sw "EXT""#.into(), vec![ANN]),
        (r#"externalId pr"#.into(), vec![ANN, BOB]),
        (r#"externalId ne "x""#.into(), vec![ANN, BOB]),
        (format!(r#"id eq "{}""#, all[2].id), vec![CAROL]),
        (r#"active eq false"#.into(), vec![BOB]),
        (r#"active eq true"#.into(), vec![ANN, CAROL, DAVE]),
        (r#"active ne true"#.into(), vec![BOB]),
        (r#"emails.value eq "ANN@HOME.ORG""#.into(), vec![ANN]),
        (r#"emails eq "bob@acme.com""#.into(), vec![BOB]),
        (r#"emails co "@acme.com""#.into(), vec![ANN, BOB, DAVE]),
        (r#"emails.value ew ".org""#.into(), vec![ANN]),
        (r#"emails pr"#.into(), vec![ANN, BOB, DAVE]),
        (r#"not (emails pr)"#.into(), vec![CAROL]),
        (r#"emails.type eq "home""#.into(), vec![ANN, DAVE]),
        (
            r#"emails[type eq "work" and value co "@acme.com"]"#.into(),
            vec![ANN, BOB],
        ),
        (r#"emails[type eq "home"] and title pr"#.into(), vec![ANN]),
        (r#"emails[primary eq true]"#.into(), vec![BOB]),
        (
            r#"emails[type eq "work"].value eq "ANN@acme.com""#.into(),
            vec![ANN],
        ),
        (
            r#"emails[type eq "work"].value eq "ann@home.org""#.into(),
            vec![],
        ),
        (
            r#"emails[type eq "home"].value eq "Ann@Home.org""#.into(),
            vec![ANN],
        ),
        (r#"emails[value eq "BOB@acme.com"]"#.into(), vec![BOB]),
        (
            r#"emails[type eq "work" or type eq "home"].value eq "dave_50%@acme.com""#.into(),
            vec![DAVE],
        ),
        (
            r#"not (emails[type eq "work"].value eq "ann@acme.com")"#.into(),
            vec![BOB, CAROL, DAVE],
        ),
        (
            r#"phoneNumbers[type eq "work"].value sw "+1""#.into(),
            vec![ANN],
        ),
        (r#"name.familyName eq "SMITH""#.into(), vec![ANN, CAROL]),
        (r#"name.familyName sw "Jo""#.into(), vec![BOB]),
        (r#"name.givenName pr"#.into(), vec![ANN]),
        (r#"title pr"#.into(), vec![ANN, BOB]),
        (r#"not (title pr)"#.into(), vec![CAROL, DAVE]),
        (r#"title ne "Engineer""#.into(), vec![BOB]),
        (
            r#"not (title eq "Engineer")"#.into(),
            vec![BOB, CAROL, DAVE],
        ),
        (r#"title eq null"#.into(), vec![CAROL, DAVE]),
        (r#"title ne null"#.into(), vec![ANN, BOB]),
        (r#"title gt "F""#.into(), vec![BOB]),
        (r#"title co "gin""#.into(), vec![ANN]),
        (r#"title ew "ER""#.into(), vec![ANN, BOB]),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "sales""#
                .into(),
            vec![ANN],
        ),
        (r#"department eq "R&D""#.into(), vec![BOB]),
        (r#"phoneNumbers.value co "555""#.into(), vec![ANN]),
        (
            r#"phoneNumbers[type eq "work" and value sw "+1"]"#.into(),
            vec![ANN],
        ),
        (r#"phoneNumbers pr"#.into(), vec![ANN]),
        (r#"nickName eq "x""#.into(), vec![]),
        (
            r#"userName eq "ann@acme.com" or userName eq "bob@acme.com""#.into(),
            vec![ANN, BOB],
        ),
        (
            r#"(userName eq "ann@acme.com" or userName eq "bob@acme.com") and active eq true"#
                .into(),
            vec![ANN],
        ),
        (r#"userName eq 5"#.into(), vec![]),
    ];
    for (filter, expected) in cases {
        // matches() looks for an unqualified name at the top level only; the store resolves
        // it to the extension that defines it, as rosterd_scim::schema::resolve says.
        let sql_only = filter.starts_with("department");
        let found = run(&env, User, &filter, &all, sql_only).await;
        assert_eq!(found, expected, "{filter}");
    }
}

#[tokio::test]
async fn meta_dates_and_resource_type() {
    let env = env().await;
    let all = fixture(&env).await;
    let t1 = all[1].created.to_rfc3339();
    let cases = vec![
        (format!(r#"meta.created ge "{t1}""#), vec![BOB, CAROL, DAVE]),
        (format!(r#"meta.created gt "{t1}""#), vec![CAROL, DAVE]),
        (format!(r#"meta.created eq "{t1}""#), vec![BOB]),
        (format!(r#"meta.lastModified lt "{t1}""#), vec![ANN]),
        (format!(r#"meta.created le "{t1}""#), vec![ANN, BOB]),
        (
            r#"meta.resourceType eq "User""#.to_owned(),
            vec![ANN, BOB, CAROL, DAVE],
        ),
        (r#"meta.created pr"#.to_owned(), vec![ANN, BOB, CAROL, DAVE]),
    ];
    for (filter, expected) in cases {
        assert_eq!(
            run(&env, User, &filter, &all, false).await,
            expected,
            "{filter}"
        );
    }
    // Millisecond-precise RFC 3339 with another offset means the same instant.
    let same = (all[1].created + Duration::hours(2))
        .with_timezone(&chrono::FixedOffset::east_opt(7200).unwrap())
        .to_rfc3339();
    let filter = format!(r#"meta.created eq "{same}""#);
    assert_eq!(run(&env, User, &filter, &all, true).await, vec![DAVE]);
}

#[tokio::test]
async fn groups_filter_on_members_and_display_name() {
    let env = env().await;
    let users = fixture(&env).await;
    let sales = create_group(
        &env,
        &env.learning,
        "Sales EMEA",
        &[&users[0].id, &users[1].id],
    )
    .await;
    create_group(&env, &env.learning, "Engineering", &[&users[2].id]).await;
    let groups: Vec<StoredResource> = {
        let page = env
            .dir
            .list(&env.learning, Group, &query(None))
            .await
            .unwrap();
        page.resources
    };
    let ann = &users[0].id;
    let cases = vec![
        (
            r#"displayName eq "sales emea""#.to_owned(),
            vec!["Sales EMEA"],
        ),
        (r#"displayName co "ING""#.to_owned(), vec!["Engineering"]),
        (format!(r#"members.value eq "{ann}""#), vec!["Sales EMEA"]),
        (format!(r#"members eq "{ann}""#), vec!["Sales EMEA"]),
        (format!(r#"members[value eq "{ann}"]"#), vec!["Sales EMEA"]),
        (
            r#"members pr"#.to_owned(),
            vec!["Engineering", "Sales EMEA"],
        ),
        (format!(r#"id eq "{}""#, sales.id), vec!["Sales EMEA"]),
        (r#"externalId pr"#.to_owned(), vec![]),
    ];
    for (filter, expected) in cases {
        assert_eq!(
            run(&env, Group, &filter, &groups, false).await,
            expected,
            "{filter}"
        );
    }
    // A User's computed groups.
    let found = run(
        &env,
        User,
        &format!(r#"groups.value eq "{}""#, sales.id),
        &[],
        true,
    )
    .await;
    assert_eq!(found, vec![ANN, BOB]);
    let found = run(
        &env,
        User,
        &format!(r#"groups[value eq "{}"]"#, sales.id),
        &[],
        true,
    )
    .await;
    assert_eq!(found, vec![ANN, BOB]);
}

#[tokio::test]
async fn bad_filters_are_400_invalid_filter_naming_the_attribute() {
    let env = env().await;
    fixture(&env).await;
    for (filter, named) in [
        (r#"foo eq "x""#, "foo"),
        (r#"name.bogus eq "x""#, "name.bogus"),
        (r#"emails[bogus eq "x"]"#, "bogus"),
        (r#"meta.created gt "yesterday""#, "meta.created"),
        (r#"meta.location eq "x""#, "meta.location"),
        (r#"password eq "x""#, "password"),
    ] {
        let err = env
            .dir
            .list(&env.learning, User, &query(Some(filter)))
            .await
            .unwrap_err();
        assert_scim(&err, 400, Some(ScimType::InvalidFilter));
        assert!(err.detail.contains(named), "{filter}: {}", err.detail);
    }
}

#[tokio::test]
async fn filters_never_cross_apps_or_tenants() {
    let env = env().await;
    fixture(&env).await;
    create_user(&env, &env.sales, "ann@acme.com").await;
    create_user(&env, &env.other, "ann@acme.com").await;
    let page = env
        .dir
        .list(&env.learning, User, &query(Some(r#"emails co "ann""#)))
        .await
        .unwrap();
    assert_eq!(page.total_results, 1);
    let page = env.dir.list(&env.sales, User, &query(None)).await.unwrap();
    assert_eq!(page.total_results, 1);
}
