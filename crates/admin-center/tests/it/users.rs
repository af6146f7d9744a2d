//! The Users pages: the list (search, filters, sorting, keyset paging), the person page, manual
//! people added, edited and removed, and manual licenses given and revoked; with roles, CSRF,
//! other tenants' people (404) and IdP-managed people (read-only, with the reason).

use reqwest::StatusCode;
use rosterd_test_support::TestApp;
use serde_json::{Value, json};

use crate::browser::{Browser, Page, admin, signed_in, sql};

/// Adds a manual person through the CLI; returns their id.
async fn person(app: &TestApp, email: &str, given: &str, family: &str, number: &str) -> String {
    let mut args = vec![
        "person", "add", "acme", email, "--given", given, "--family", family,
    ];
    if !number.is_empty() {
        args.extend(["--employee-number", number]);
    }
    app.cli_ok(&args).await["id"].as_str().unwrap().to_owned()
}

/// Provisions an active user through `product`'s SCIM app; returns the person id.
async fn idp_person(
    app: &TestApp,
    product: &str,
    email: &str,
    given: &str,
    family: &str,
) -> String {
    let issued = app.cli_ok(&["token", "issue", "acme", product]).await;
    let base = issued["scim_base_url"].as_str().unwrap();
    let token = issued["token"].as_str().unwrap();
    let res = app
        .http
        .post(format!("{base}/Users"))
        .bearer_auth(token)
        .header("content-type", "application/scim+json")
        .body(
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": email,
                "name": {"givenName": given, "familyName": family},
                "emails": [{"value": email, "primary": true}],
                "active": true
            })
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let licenses = licenses_of(app, email).await;
    licenses[0]["person_id"].as_str().unwrap().to_owned()
}

/// The licenses (any state) of the person with `email`, as the CLI lists them.
async fn licenses_of(app: &TestApp, email: &str) -> Vec<Value> {
    let all = app.cli_ok(&["license", "list", "acme"]).await;
    all.as_array()
        .unwrap()
        .iter()
        .filter(|l| {
            l["email"]
                .as_str()
                .is_some_and(|e| e.eq_ignore_ascii_case(email))
        })
        .cloned()
        .collect()
}

/// The person ids of a users page's rows, in order.
fn row_ids(page: &Page) -> Vec<String> {
    let marker = "<th scope=\"row\"><a href=\"/admin/acme/users/";
    page.body
        .match_indices(marker)
        .map(|(at, _)| {
            let start = at + marker.len();
            let end = page.body[start..].find('"').unwrap() + start;
            page.body[start..end].to_owned()
        })
        .collect()
}

/// The href of the link with `rel`, unescaped.
fn link(page: &Page, rel: &str) -> Option<String> {
    let marker = format!("rel=\"{rel}\" href=\"");
    let start = page.body.find(&marker)? + marker.len();
    let end = page.body[start..].find('"').unwrap() + start;
    Some(
        page.body[start..end]
            .replace("&#38;", "&")
            .replace("&amp;", "&"),
    )
}

/// Inserts `n` manual people named `Person NNN` (employee numbers `E<NNN>`) with SQL, copying
/// tenant and timestamps from an existing person; returns nothing (ids are read from pages).
async fn many_people(app: &TestApp, n: usize) {
    person(app, "seed@acme.example", "Seed", "Row", "").await;
    for i in 0..n {
        let id = uuid_v7_like(i);
        sql(
            app,
            &format!(
                "INSERT INTO people (tenant_id, id, email, email_lower, given_name, family_name, display_name, employee_number, source, created_at, updated_at) \
                 SELECT tenant_id, '{id}', 'p{i:03}@acme.example', 'p{i:03}@acme.example', 'Person', '{i:03}', 'Person {i:03}', 'E{i:03}', 'manual', created_at, updated_at \
                 FROM people WHERE email_lower = 'seed@acme.example'"
            ),
        )
        .await;
    }
}

/// A distinct UUID for row `i` (the list only needs ids to be unique and parseable).
fn uuid_v7_like(i: usize) -> String {
    format!("0190a000-0000-7000-8000-{i:012}")
}

#[tokio::test]
async fn the_list_shows_manual_and_idp_people_with_badges_and_licenses() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "full-admin").await;
    person(&app, "grace@acme.example", "Grace", "Hopper", "E7").await;
    idp_person(&app, "learning", "linus@acme.example", "Linus", "Torvalds").await;
    let page = browser.get("/admin/acme/users").await;
    page.expect(StatusCode::OK, "<title>Users · rosterd</title>");
    page.expect(StatusCode::OK, "Grace Hopper")
        .expect(StatusCode::OK, "Linus Torvalds");
    assert!(page.body.contains("badge badge-idp"), "IdP badge");
    assert!(page.body.contains("Learning: assigned"), "{}", page.body);
    // Every area is in the navigation, the current one marked.
    for area in [
        "/users\" aria-current=\"page\"",
        "/groups",
        "/licenses",
        "/reports",
        "/provisioning",
        "/audit",
        "/admins",
    ] {
        assert!(page.body.contains(area), "nav lacks {area}");
    }
    // Only the IdP person carries the badge.
    let linus_row = page
        .body
        .split("<tr>")
        .find(|r| r.contains("Linus"))
        .unwrap();
    assert!(linus_row.contains(">IdP<") && linus_row.contains("Learning"));
    let grace_row = page
        .body
        .split("<tr>")
        .find(|r| r.contains("Grace"))
        .unwrap();
    assert!(!grace_row.contains(">IdP<") && grace_row.contains("Manual"));
}

#[tokio::test]
async fn search_matches_name_email_and_employee_number_by_prefix_or_contains() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "reporting").await;
    let grace = person(&app, "grace@navy.example", "Grace", "Hopper", "E-1906").await;
    let ada = person(&app, "ada@engine.example", "Ada", "Lovelace", "E-1815").await;
    let alan = person(&app, "turing@bletchley.example", "Alan", "Turing", "X-1912").await;
    let cases: [(&str, &[&String]); 9] = [
        ("q=gra", &[&grace]),
        ("q=HOPP", &[&grace]),
        ("q=lovelace", &[&ada]),
        ("q=turing%40", &[&alan]),
        ("q=e-18", &[&ada]),
        ("q=x", &[&alan]),
        ("q=ove&match=contains", &[&ada]),
        ("q=ove", &[]),
        ("q=engine&match=contains", &[&ada]),
    ];
    for (query, want) in cases {
        let page = browser.get(&format!("/admin/acme/users?{query}")).await;
        assert_eq!(page.status, StatusCode::OK);
        let mut got = row_ids(&page);
        got.sort();
        let mut want: Vec<String> = want.iter().map(|s| (*s).clone()).collect();
        want.sort();
        assert_eq!(got, want, "{query}");
    }
    // Wildcards are text, not patterns.
    let page = browser.get("/admin/acme/users?q=%25&match=contains").await;
    assert!(row_ids(&page).is_empty());
    page.expect(StatusCode::OK, "Nobody matches this search");
}

#[tokio::test]
async fn filters_narrow_by_source_product_and_license_state() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "license-admin").await;
    let manual = person(&app, "m@acme.example", "Manual", "Person", "").await;
    let licensed = person(&app, "ml@acme.example", "Manual", "Licensed", "").await;
    app.cli_ok(&[
        "license",
        "grant",
        "acme",
        "ml@acme.example",
        "teamlink-extend",
    ])
    .await;
    let learner = idp_person(&app, "learning", "l@acme.example", "Idp", "Learner").await;
    let cases: [(&str, Vec<&String>); 10] = [
        ("source=idp", vec![&learner]),
        ("source=manual", vec![&manual, &licensed]),
        ("license=assigned", vec![&licensed, &learner]),
        ("license=active", vec![]),
        ("license=none", vec![&manual]),
        ("product=learning", vec![&learner]),
        ("product=teamlink-extend", vec![&licensed]),
        ("product=learning&license=none", vec![&manual, &licensed]),
        ("source=manual&license=assigned", vec![&licensed]),
        ("product=sales-navigator&source=idp", vec![]),
    ];
    for (query, want) in cases {
        let page = browser.get(&format!("/admin/acme/users?{query}")).await;
        let mut got = row_ids(&page);
        got.sort();
        let mut want: Vec<String> = want.into_iter().cloned().collect();
        want.sort();
        assert_eq!(got, want, "{query}");
    }
    // Activation moves the license to `active`.
    sql(
        &app,
        "UPDATE licenses SET state = 'active' WHERE license_kind = 'learning'",
    )
    .await;
    let page = browser.get("/admin/acme/users?license=active").await;
    assert_eq!(row_ids(&page), vec![learner.clone()]);
    // Waiting: on a waiting list.
    sql(
        &app,
        &format!(
            "INSERT INTO license_waitlist (tenant_id, license_kind, person_id, source_product, reason, created_at) \
             SELECT tenant_id, 'sales-navigator-core', id, 'sales-navigator', 'rule', created_at FROM people WHERE id = '{manual}'"
        ),
    )
    .await;
    let page = browser.get("/admin/acme/users?license=waiting").await;
    assert_eq!(row_ids(&page), vec![manual.clone()]);
    page.expect(StatusCode::OK, "Sales Navigator Core: waiting");
    // Unknown values are "any", not errors.
    let page = browser
        .get("/admin/acme/users?source=robots&license=x&product=crm")
        .await;
    assert_eq!(row_ids(&page).len(), 3);
}

/// Follows `rel` links from `start` to the end; returns every page's ids.
async fn walk(browser: &Browser, start: &str, rel: &str) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut at = Some(start.to_owned());
    while let Some(url) = at {
        let page = browser.get(&url).await;
        assert_eq!(page.status, StatusCode::OK, "{url}");
        pages.push(row_ids(&page));
        at = link(&page, rel);
        assert!(pages.len() < 20, "paging does not end");
    }
    pages
}

#[tokio::test]
async fn keyset_pages_cover_everyone_exactly_once_in_every_order_and_back() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "reporting").await;
    many_people(&app, 57).await;
    let everyone = 58;
    for sort in ["name", "email", "created"] {
        for dir in ["asc", "desc"] {
            let first = format!("/admin/acme/users?sort={sort}&dir={dir}&size=25");
            let pages = walk(&browser, &first, "next").await;
            assert_eq!(pages.len(), 3, "{sort} {dir}");
            assert!(pages.iter().take(2).all(|p| p.len() == 25));
            let flat: Vec<String> = pages.concat();
            assert_eq!(flat.len(), everyone, "{sort} {dir}");
            let mut unique = flat.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), everyone, "nobody twice ({sort} {dir})");
            // Back from the last page through "previous": the same pages in reverse.
            let last_page = browser.get(&first).await;
            let mut url = link(&last_page, "next").unwrap();
            url = link(&browser.get(&url).await, "next").unwrap();
            let back = walk(&browser, &url, "prev").await;
            let mut forward = pages.clone();
            forward.reverse();
            assert_eq!(back, forward, "{sort} {dir}");
        }
    }
    // Name order is alphabetical: "Person 000" ... then "Seed Row".
    let page = browser.get("/admin/acme/users?size=25").await;
    let body = &page.body;
    let first = body.find("Person 000").unwrap();
    let second = body.find("Person 001").unwrap();
    assert!(first < second);
    let desc = browser
        .get("/admin/acme/users?sort=name&dir=desc&size=25")
        .await;
    assert!(desc.body.find("Seed Row").unwrap() < desc.body.find("Person 056").unwrap());
    // Search pages too.
    let pages = walk(&browser, "/admin/acme/users?q=person&size=25", "next").await;
    assert_eq!(pages.concat().len(), 57);
    // A forged cursor shows the first page with a message.
    let page = browser.get("/admin/acme/users?after=garbage&size=25").await;
    page.expect(StatusCode::OK, "not valid any more");
    assert_eq!(row_ids(&page).len(), 25);
}

fn field<'a>(form: &'a [(&'a str, &'a str)], name: &str) -> &'a str {
    form.iter().find(|(k, _)| *k == name).map_or("", |(_, v)| v)
}

#[tokio::test]
async fn a_manual_person_is_added_edited_and_removed_with_audit_events() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "license-admin").await;
    let fields = [
        ("email", "Rosa@Acme.example"),
        ("given_name", "Rosa"),
        ("family_name", "Parks"),
        ("employee_number", "E42"),
        ("department", "Ops"),
        ("title", ""),
    ];
    assert_eq!(field(&fields, "given_name"), "Rosa");
    let added = browser
        .submit("/admin/acme/users/new", "/admin/acme/users", &fields)
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let person_url = added.location().unwrap().to_owned();
    let page = browser.get(&person_url).await;
    page.expect(StatusCode::OK, "Rosa Parks was added")
        .expect(StatusCode::OK, "Ops")
        .expect(StatusCode::OK, "person.create")
        .expect(StatusCode::OK, "ada@acme.example");
    // Edit.
    let edited = browser
        .submit(
            &format!("{person_url}/edit"),
            &format!("{person_url}/edit"),
            &[
                ("email", "rosa.parks@acme.example"),
                ("given_name", "Rosa"),
                ("family_name", "Parks"),
                ("employee_number", "E43"),
                ("department", "Ops"),
                ("title", "Lead"),
            ],
        )
        .await;
    edited.redirects_to(&person_url);
    let page = browser.get(&person_url).await;
    page.expect(StatusCode::OK, "rosa.parks@acme.example")
        .expect(StatusCode::OK, "E43")
        .expect(
            StatusCode::OK,
            "changed email, employee number, title of Rosa Parks",
        );
    // Give a license, then remove the person: the license is revoked and the seat freed.
    let given = browser
        .submit(
            &person_url,
            &format!("{person_url}/licenses"),
            &[("kind", "learning")],
        )
        .await;
    given.redirects_to(&person_url);
    browser
        .get(&person_url)
        .await
        .expect(StatusCode::OK, "was given a Learning license");
    let confirm = browser.get(&format!("{person_url}/remove")).await;
    confirm
        .expect(StatusCode::OK, "Remove Rosa Parks?")
        .expect(StatusCode::OK, "<strong>Learning</strong>");
    let removed = browser
        .post(
            &format!("{person_url}/remove"),
            &[("csrf", &confirm.csrf())],
        )
        .await;
    removed.redirects_to("/admin/acme/users");
    browser.get("/admin/acme/users").await.expect(
        StatusCode::OK,
        "Rosa Parks was removed, and their Learning seats are free again.",
    );
    browser
        .get(&person_url)
        .await
        .expect(StatusCode::NOT_FOUND, "Page not found");
    let shown = app.cli_ok(&["tenant", "show", "acme"]).await;
    let learning = shown["pools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["license_kind"] == "learning")
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(learning["in_use"], 0, "{shown}");
    // The address is free again.
    let again = browser
        .submit(
            "/admin/acme/users/new",
            "/admin/acme/users",
            &[("email", "rosa.parks@acme.example"), ("given_name", "Rosa")],
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
}

#[tokio::test]
async fn add_and_edit_explain_what_to_fix() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "full-admin").await;
    let taken = person(&app, "taken@acme.example", "Tak", "En", "").await;
    let cases: [(&[(&str, &str)], &str); 3] = [
        (
            &[("email", "not-an-address"), ("given_name", "A")],
            "email address, like name@example.com.",
        ),
        (
            &[("email", "a@acme.example")],
            "given name, family name, or both.",
        ),
        (
            &[("email", "TAKEN@acme.example"), ("given_name", "B")],
            "TAKEN@acme.example already belongs to someone in acme.",
        ),
    ];
    for (fields, message) in cases {
        browser
            .submit("/admin/acme/users/new", "/admin/acme/users", fields)
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY, message);
    }
    let other = person(&app, "other@acme.example", "Oth", "Er", "").await;
    let url = format!("/admin/acme/users/{other}/edit");
    browser
        .submit(
            &url,
            &url,
            &[("email", "taken@acme.example"), ("given_name", "O")],
        )
        .await
        .expect(
            StatusCode::UNPROCESSABLE_ENTITY,
            "already belongs to someone else",
        );
    let page = browser.get(&format!("/admin/acme/users/{taken}")).await;
    page.expect(StatusCode::OK, "taken@acme.example");
    assert!(!page.body.contains("person.update"));
}

#[tokio::test]
async fn licenses_are_given_and_revoked_by_hand_and_a_full_pool_changes_nothing() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "license-admin").await;
    let id = person(&app, "kim@acme.example", "Kim", "Lee", "").await;
    let url = format!("/admin/acme/users/{id}");
    browser
        .submit(
            &url,
            &format!("{url}/licenses"),
            &[("kind", "sales-navigator-core")],
        )
        .await
        .redirects_to(&url);
    let page = browser.get(&url).await;
    page.expect(StatusCode::OK, "Given by hand")
        .expect(
            StatusCode::OK,
            &format!("{url}/licenses/sales-navigator-core/resend"),
        )
        .expect(
            StatusCode::OK,
            &format!("{url}/licenses/sales-navigator-core/revoke"),
        );
    // Another tier of the same product is refused.
    browser
        .submit(
            &url,
            &format!("{url}/licenses"),
            &[("kind", "sales-navigator-advanced")],
        )
        .await
        .expect(StatusCode::CONFLICT, "Revoke it first");
    browser
        .submit(&url, &format!("{url}/licenses"), &[("kind", "nothing")])
        .await
        .expect(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose which license to give.",
        );
    // A full pool: readable, nothing changed.
    sql(
        &app,
        "UPDATE seat_pools SET capacity = in_use WHERE license_kind = 'teamlink-extend'",
    )
    .await;
    browser
        .submit(
            &url,
            &format!("{url}/licenses"),
            &[("kind", "teamlink-extend")],
        )
        .await
        .expect(
            StatusCode::CONFLICT,
            "No TeamLink Extend seat is free, so Kim Lee was not given one and nothing changed",
        )
        .expect(StatusCode::CONFLICT, "more licenses are needed");
    let listed = licenses_of(&app, "kim@acme.example").await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    // Revoke.
    browser
        .submit(
            &url,
            &format!("{url}/licenses/sales-navigator-core/revoke"),
            &[],
        )
        .await
        .redirects_to(&url);
    browser
        .get(&url)
        .await
        .expect(StatusCode::OK, "Sales Navigator Core license was revoked");
    browser
        .submit(
            &url,
            &format!("{url}/licenses/sales-navigator-core/revoke"),
            &[],
        )
        .await
        .expect(
            StatusCode::CONFLICT,
            "holds no Sales Navigator Core license",
        );
}

#[tokio::test]
async fn an_idp_person_is_read_only_and_forged_changes_are_refused_with_the_reason() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "full-admin").await;
    let id = idp_person(&app, "learning", "ida@acme.example", "Ida", "Pro").await;
    let url = format!("/admin/acme/users/{id}");
    let page = browser.get(&url).await;
    page.expect(
        StatusCode::OK,
        "managed by your identity provider through the Learning SCIM app; change them there.",
    )
    .expect(
        StatusCode::OK,
        "Managed by the Learning SCIM app: change it in your identity provider.",
    );
    assert!(
        !page.body.contains("/licenses/learning/revoke"),
        "no revoke button"
    );
    assert!(!page.body.contains(&format!("{url}/edit")), "no edit link");
    let csrf = page.csrf();
    browser
        .post(
            &format!("{url}/licenses/learning/revoke"),
            &[("csrf", &csrf)],
        )
        .await
        .expect(
            StatusCode::CONFLICT,
            "be revoked here. Change it in your identity provider",
        );
    let listed = licenses_of(&app, "ida@acme.example").await;
    assert_eq!(listed[0]["state"], "assigned", "{listed:?}");
    browser
        .get(&format!("{url}/edit"))
        .await
        .expect(StatusCode::FORBIDDEN, "through the Learning SCIM app");
    for path in ["edit", "remove"] {
        browser
            .post(
                &format!("{url}/{path}"),
                &[
                    ("csrf", &csrf),
                    ("email", "x@acme.example"),
                    ("given_name", "X"),
                ],
            )
            .await
            .expect(StatusCode::FORBIDDEN, "managed by your identity provider");
    }
    browser
        .get(&url)
        .await
        .expect(StatusCode::OK, "ida@acme.example");
}

#[tokio::test]
async fn reporting_admins_read_people_but_change_nothing() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "reporting").await;
    let id = person(&app, "rea@acme.example", "Rea", "Der", "").await;
    app.cli_ok(&["license", "grant", "acme", "rea@acme.example", "learning"])
        .await;
    let list = browser.get("/admin/acme/users").await;
    list.expect(StatusCode::OK, "Rea Der");
    assert!(!list.body.contains("/users/new"));
    let url = format!("/admin/acme/users/{id}");
    let page = browser.get(&url).await;
    page.expect(StatusCode::OK, "Learning");
    assert!(
        !page
            .body
            .contains("method=\"post\" action=\"/admin/acme/users"),
        "no forms"
    );
    let csrf = page.csrf();
    for get in [
        "/admin/acme/users/new".to_owned(),
        format!("{url}/edit"),
        format!("{url}/remove"),
    ] {
        browser
            .get(&get)
            .await
            .expect(StatusCode::FORBIDDEN, "Only full and license admins");
    }
    for post in [
        "/admin/acme/users".to_owned(),
        format!("{url}/edit"),
        format!("{url}/remove"),
        format!("{url}/licenses"),
        format!("{url}/licenses/learning/revoke"),
    ] {
        browser
            .post(
                &post,
                &[
                    ("csrf", &csrf),
                    ("email", "x@acme.example"),
                    ("given_name", "X"),
                    ("kind", "teamlink-extend"),
                ],
            )
            .await
            .expect(StatusCode::FORBIDDEN, "Only full and license admins");
    }
    let listed = licenses_of(&app, "rea@acme.example").await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["state"], "assigned");
    browser
        .get(&url)
        .await
        .expect(StatusCode::OK, "rea@acme.example");
}

#[tokio::test]
async fn forms_need_the_csrf_token_and_other_tenants_people_are_not_found() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "full-admin").await;
    let id = person(&app, "csrf@acme.example", "Cs", "Rf", "").await;
    let url = format!("/admin/acme/users/{id}");
    for (path, fields) in [
        (
            "/admin/acme/users".to_owned(),
            vec![("email", "new@acme.example"), ("given_name", "N")],
        ),
        (
            format!("{url}/edit"),
            vec![("email", "z@acme.example"), ("given_name", "Z")],
        ),
        (format!("{url}/remove"), vec![]),
        (format!("{url}/licenses"), vec![("kind", "learning")]),
    ] {
        let mut forged = vec![("csrf", "forged")];
        forged.extend(fields);
        browser
            .post(&path, &forged)
            .await
            .expect(StatusCode::FORBIDDEN, "This form has expired");
    }
    browser
        .get(&url)
        .await
        .expect(StatusCode::OK, "csrf@acme.example");
    assert!(
        !browser
            .get("/admin/acme/users")
            .await
            .body
            .contains("new@acme.example")
    );

    // Globex's person, reached through acme's pages or globex's, is not found.
    app.tenant("globex").await;
    admin(&app, "globex", "gus@globex.example", "full-admin").await;
    let theirs = app
        .cli_ok(&[
            "person",
            "add",
            "globex",
            "gus.person@globex.example",
            "--given",
            "Gus",
            "--family",
            "G",
        ])
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let csrf = browser.get("/admin/acme/users").await.csrf();
    for path in [
        format!("/admin/acme/users/{theirs}"),
        format!("/admin/acme/users/{theirs}/edit"),
        format!("/admin/globex/users/{theirs}"),
        "/admin/globex/users".to_owned(),
        "/admin/acme/users/not-a-uuid".to_owned(),
    ] {
        browser
            .get(&path)
            .await
            .expect(StatusCode::NOT_FOUND, "Page not found");
    }
    for path in [
        format!("/admin/acme/users/{theirs}/licenses"),
        format!("/admin/acme/users/{theirs}/remove"),
        format!("/admin/globex/users/{theirs}/licenses"),
    ] {
        browser
            .post(&path, &[("csrf", &csrf), ("kind", "learning")])
            .await
            .expect(StatusCode::NOT_FOUND, "Page not found");
    }
    // Acme's list never shows globex's people.
    let list = browser.get("/admin/acme/users?q=gus").await;
    assert!(row_ids(&list).is_empty());
}
