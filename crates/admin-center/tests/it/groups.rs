//! Groups: IdP groups are read-only; full and license admins make manual groups of anyone in
//! the tenant, and every change leaves an audit event; a taken name is explained; SCIM can
//! never take a manual group's name; reporting admins only read; other tenants' groups are 404.

use reqwest::StatusCode;
use rosterd_domain::Product;
use rosterd_test_support::{TenantApps, TestApp};
use sea_orm::ConnectionTrait as _;
use serde_json::{Value, json};

use crate::browser::{Browser, Page, admin};

pub const GROUPS: &str = "/admin/acme/groups";

/// Tenant `acme` (with its SCIM apps) and a signed-in admin of `role`.
pub async fn acme_with(app: &TestApp, role: &str) -> (TenantApps, Browser) {
    let apps = app.tenant("acme").await;
    let password = admin(app, "acme", "ada@acme.example", role).await;
    let browser = Browser::new(app);
    browser
        .login_ok("acme", "ada@acme.example", &password)
        .await;
    (apps, browser)
}

/// A SCIM request to one of the tenant's apps; the status and JSON body.
pub async fn scim(
    app: &TestApp,
    apps: &TenantApps,
    product: Product,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let res = app
        .http
        .request(method, format!("{}{path}", apps.base(product)))
        .bearer_auth(apps.token(product))
        .header("content-type", "application/scim+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Provisions a user over SCIM; returns the status and body.
pub async fn scim_user(
    app: &TestApp,
    apps: &TenantApps,
    product: Product,
    email: &str,
) -> (u16, Value) {
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": email,
        "name": {"givenName": "Idp", "familyName": "Person"},
        "emails": [{"primary": true, "value": email, "type": "work"}],
        "active": true
    });
    scim(app, apps, product, reqwest::Method::POST, "/Users", body).await
}

/// Creates a manual person through the CLI; returns their id.
pub async fn person(app: &TestApp, email: &str, given: &str, family: &str) -> String {
    let made = app
        .cli_ok(&[
            "person", "add", "acme", email, "--given", given, "--family", family,
        ])
        .await;
    made["id"].as_str().unwrap().to_owned()
}

/// Creates a manual group through the page; returns its URL.
pub async fn manual_group(browser: &Browser, product: &str, name: &str) -> String {
    let made = browser
        .submit(GROUPS, GROUPS, &[("product", product), ("name", name)])
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    made.location().unwrap().to_owned()
}

/// The values of the `person` hidden fields of the page's add forms.
fn candidates(page: &Page) -> Vec<String> {
    let marker = r#"name="person" value=""#;
    page.body
        .match_indices(marker)
        .map(|(at, _)| {
            let start = at + marker.len();
            let end = page.body[start..].find('"').unwrap() + start;
            page.body[start..end].to_owned()
        })
        .collect()
}

/// The tenant's audit events about groups: (action, actor, detail), oldest first.
async fn group_audit(app: &TestApp) -> Vec<(String, String, String)> {
    let rows = app
        .db
        .conn
        .query_all(sea_orm::Statement::from_string(
            app.db.conn.get_database_backend(),
            "SELECT action, actor, channel, detail FROM audit_events \
             WHERE target_type = 'group' ORDER BY id",
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            let channel: String = r.try_get("", "channel").unwrap();
            assert_eq!(channel, "admin");
            (
                r.try_get("", "action").unwrap(),
                r.try_get("", "actor").unwrap(),
                r.try_get("", "detail").unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_license_admin_makes_a_manual_group_of_idp_and_manual_people_with_an_audit_trail() {
    let app = TestApp::spawn().await;
    let (apps, browser) = acme_with(&app, "license-admin").await;
    let (status, body) = scim_user(&app, &apps, Product::Learning, "ida@acme.example").await;
    assert_eq!(status, 201, "{body}");
    person(&app, "max@acme.example", "Max", "Hand").await;

    let group = manual_group(&browser, "learning", "  Sales EMEA ").await;
    browser
        .get(&group)
        .await
        .expect(
            StatusCode::OK,
            "Created manual group “Sales EMEA” in Learning.",
        )
        .expect(StatusCode::OK, "<title>Group Sales EMEA · rosterd</title>")
        .expect(
            StatusCode::OK,
            r#"<label for="member-search">Email contains</label>"#,
        )
        .expect(StatusCode::OK, "Nobody is in this group yet.");
    let found = browser.get(&format!("{group}?q=ACME.example")).await;
    found.expect(StatusCode::OK, "ida@acme.example");
    found.expect(StatusCode::OK, "max@acme.example");
    let people = candidates(&found);
    assert_eq!(
        people.len(),
        2,
        "both people, IdP and manual, can be picked"
    );
    for person in &people {
        browser
            .submit(&group, &format!("{group}/members"), &[("person", person)])
            .await
            .redirects_to(&group);
    }
    // Adding someone twice changes nothing.
    browser
        .submit(
            &group,
            &format!("{group}/members"),
            &[("person", &people[0])],
        )
        .await
        .redirects_to(&group);
    let full = browser.get(&group).await;
    full.expect(StatusCode::OK, "is already in “Sales EMEA”.")
        .expect(StatusCode::OK, "<dt>Members</dt><dd>2</dd>")
        .expect(
            StatusCode::OK,
            r#"<span class="badge badge-idp">IdP</span>"#,
        );
    let searched = browser.get(&format!("{group}?q=ida")).await;
    searched.expect(StatusCode::OK, "Already a member");
    assert!(candidates(&searched).is_empty());

    let remove = format!("{group}/members/{}/remove", people[1]);
    browser
        .submit(&group, &remove, &[])
        .await
        .redirects_to(&group);
    let after = browser.get(&group).await;
    after.expect(
        StatusCode::OK,
        "Removed max@acme.example from manual group “Sales EMEA”.",
    );
    assert!(
        after.body.contains("<dt>Members</dt><dd>1</dd>"),
        "{}",
        after.body
    );

    browser
        .submit(&group, &format!("{group}/rename"), &[("name", "Sales")])
        .await
        .redirects_to(&group);
    browser
        .get(GROUPS)
        .await
        .expect(StatusCode::OK, ">Sales</a>")
        .expect(
            StatusCode::OK,
            r#"<span class="badge badge-off">Manual</span>"#,
        );

    browser
        .get(&format!("{group}/delete"))
        .await
        .expect(StatusCode::OK, "Delete “Sales”?")
        .expect(StatusCode::OK, "keep their accounts and licenses");
    browser
        .submit(&format!("{group}/delete"), &format!("{group}/delete"), &[])
        .await
        .redirects_to(GROUPS);
    browser.get(GROUPS).await.expect(
        StatusCode::OK,
        "Deleted manual group “Sales” of Learning (1 members).",
    );
    browser
        .get(&group)
        .await
        .expect(StatusCode::NOT_FOUND, "Page not found");

    let events = group_audit(&app).await;
    let actions: Vec<&str> = events.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(
        actions,
        [
            "group.create",
            "group.member.add",
            "group.member.add",
            "group.member.remove",
            "group.rename",
            "group.delete"
        ],
        "one event per change, none for the repeated add: {events:?}"
    );
    assert!(
        events.iter().all(|e| e.1 == "ada@acme.example"),
        "{events:?}"
    );
    assert_eq!(
        events[4].2,
        "Renamed manual group “Sales EMEA” to “Sales” in Learning."
    );
}

#[tokio::test]
async fn a_taken_or_missing_name_is_explained_next_to_the_field() {
    let app = TestApp::spawn().await;
    let (apps, browser) = acme_with(&app, "full-admin").await;
    let idp_group = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "Engineering"
    });
    let (status, body) = scim(
        &app,
        &apps,
        Product::Learning,
        reqwest::Method::POST,
        "/Groups",
        idp_group,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let ops = manual_group(&browser, "learning", "Ops").await;
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;
    let cases = [
        (
            "learning",
            "engineering",
            "“Engineering” is already the name of a group your identity provider manages in Learning.",
        ),
        (
            "learning",
            "OPS",
            "There is already a manual group called “Ops” in Learning.",
        ),
        ("learning", "   ", "Enter a name for the group."),
        ("", "Anything", "Choose the product the group is for."),
    ];
    for (product, name, message) in cases {
        let page = browser
            .submit(GROUPS, GROUPS, &[("product", product), ("name", name)])
            .await;
        page.expect(invalid, message).expect(
            invalid,
            r#"aria-invalid="true" aria-describedby="group-name-error""#,
        );
    }
    let long = "x".repeat(201);
    browser
        .submit(GROUPS, GROUPS, &[("product", "learning"), ("name", &long)])
        .await
        .expect(invalid, "at most 200 characters");
    // Names are unique per product: Sales Navigator may have its own "Engineering".
    manual_group(&browser, "sales-navigator", "Engineering").await;
    // Renaming into a taken name is explained on the group's page, the typed name kept.
    browser
        .submit(&ops, &format!("{ops}/rename"), &[("name", "ENGINEERING")])
        .await
        .expect(
            invalid,
            "is already the name of a group your identity provider manages",
        )
        .expect(invalid, r#"value="ENGINEERING" aria-invalid="true""#);
    let list = browser.get(GROUPS).await;
    assert_eq!(
        list.body.matches(">Engineering</a>").count(),
        2,
        "{}",
        list.body
    );
    assert_eq!(list.body.matches(">Ops</a>").count(), 1);
}

#[tokio::test]
async fn an_idp_group_is_read_only_and_scim_never_takes_a_manual_groups_name() {
    let app = TestApp::spawn().await;
    let (apps, browser) = acme_with(&app, "full-admin").await;
    let finance = manual_group(&browser, "learning", "Finance").await;
    let (_, ida) = scim_user(&app, &apps, Product::Learning, "ida@acme.example").await;
    let ida_id = ida["id"].as_str().unwrap();
    let create = |name: &str| {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": name,
            "members": [{"value": ida_id}]
        })
    };
    let post = reqwest::Method::POST;
    let (status, body) = scim(
        &app,
        &apps,
        Product::Learning,
        post.clone(),
        "/Groups",
        create("FINANCE"),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["scimType"], "uniqueness");
    // Another product's app may use the name.
    let (status, _) = scim(
        &app,
        &apps,
        Product::TeamlinkExtend,
        post.clone(),
        "/Groups",
        json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Finance"}),
    )
    .await;
    assert_eq!(status, 201);
    let (status, made) = scim(
        &app,
        &apps,
        Product::Learning,
        post,
        "/Groups",
        create("Accounts"),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let id = made["id"].as_str().unwrap();
    let rename = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "displayName", "value": "finance"}]
    });
    let (status, body) = scim(
        &app,
        &apps,
        Product::Learning,
        reqwest::Method::PATCH,
        &format!("/Groups/{id}"),
        rename,
    )
    .await;
    assert_eq!(status, 409, "{body}");
    let (status, body) = scim(
        &app,
        &apps,
        Product::Learning,
        reqwest::Method::PUT,
        &format!("/Groups/{id}"),
        create("Finance"),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    // SCIM does not see manual groups at all.
    let (_, listed) = scim(
        &app,
        &apps,
        Product::Learning,
        reqwest::Method::GET,
        "/Groups",
        Value::Null,
    )
    .await;
    assert_eq!(listed["totalResults"], 1, "{listed}");

    browser.get(&finance).await.expect(
        StatusCode::OK,
        "<h1>Finance <span class=\"badge badge-off\">Manual</span></h1>",
    );
    let idp = format!("{GROUPS}/{id}");
    let page = browser.get(&idp).await;
    page.expect(StatusCode::OK, "IdP · Learning")
        .expect(
            StatusCode::OK,
            "managed by your identity provider through the Learning app",
        )
        .expect(StatusCode::OK, "ida@acme.example");
    assert!(
        !page.body.contains("/rename"),
        "no rename form on an IdP group"
    );
    assert!(
        !page.body.contains("/delete"),
        "no delete link on an IdP group"
    );
    let csrf = page.csrf();
    for (path, fields) in [
        (format!("{idp}/rename"), vec![("name", "Mine now")]),
        (format!("{idp}/delete"), vec![]),
        (format!("{idp}/members/{ida_id}/remove"), vec![]),
    ] {
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend(fields);
        browser
            .post(&path, &all)
            .await
            .expect(StatusCode::FORBIDDEN, "managed by your identity provider");
    }
    browser
        .get(&format!("{idp}/delete"))
        .await
        .expect(StatusCode::FORBIDDEN, "managed by your identity provider");
    browser
        .get(&idp)
        .await
        .expect(StatusCode::OK, "<h1>Accounts ");
}

#[tokio::test]
async fn reporting_admins_read_groups_but_cannot_change_them() {
    let app = TestApp::spawn().await;
    let (_, browser) = acme_with(&app, "full-admin").await;
    let group = manual_group(&browser, "learning", "Readers").await;
    let password = admin(&app, "acme", "rita@acme.example", "reporting").await;
    let rita = Browser::new(&app);
    rita.login_ok("acme", "rita@acme.example", &password).await;
    let list = rita.get(GROUPS).await;
    list.expect(StatusCode::OK, ">Readers</a>");
    assert!(
        !list.body.contains("Create a manual group"),
        "no create form"
    );
    let page = rita.get(&format!("{group}?q=acme")).await;
    page.expect(StatusCode::OK, "<h1>Readers ");
    assert!(!page.body.contains("/rename") && !page.body.contains("member-search"));
    let pid = person(&app, "max@acme.example", "Max", "Hand").await;
    let csrf = page.csrf();
    let posts = [
        (
            GROUPS.to_owned(),
            vec![("product", "learning"), ("name", "Mine")],
        ),
        (format!("{group}/rename"), vec![("name", "Mine")]),
        (format!("{group}/members"), vec![("person", pid.as_str())]),
        (format!("{group}/members/{pid}/remove"), vec![]),
        (format!("{group}/delete"), vec![]),
    ];
    for (path, fields) in posts {
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend(fields);
        rita.post(&path, &all).await.expect(
            StatusCode::FORBIDDEN,
            "Only full and license admins can change people, groups and licenses",
        );
    }
    rita.get(&format!("{group}/delete"))
        .await
        .expect(StatusCode::FORBIDDEN, "Only full and license admins");
    browser
        .get(&group)
        .await
        .expect(StatusCode::OK, "<h1>Readers ")
        .expect(StatusCode::OK, "Nobody is in this group yet.");
    assert_eq!(
        group_audit(&app).await.len(),
        1,
        "only the full admin's create"
    );
}

#[tokio::test]
async fn group_changes_need_the_sessions_csrf_token() {
    let app = TestApp::spawn().await;
    let (_, browser) = acme_with(&app, "license-admin").await;
    let group = manual_group(&browser, "learning", "Kept").await;
    for csrf in ["forged", ""] {
        for (path, fields) in [
            (
                GROUPS.to_owned(),
                vec![("product", "learning"), ("name", "Forged")],
            ),
            (format!("{group}/rename"), vec![("name", "Forged")]),
            (format!("{group}/delete"), vec![]),
        ] {
            let mut all = vec![("csrf", csrf)];
            all.extend(fields);
            browser
                .post(&path, &all)
                .await
                .expect(StatusCode::FORBIDDEN, "This form has expired");
        }
    }
    let list = browser.get(GROUPS).await;
    list.expect(StatusCode::OK, ">Kept</a>");
    assert!(!list.body.contains("Forged"));
}

#[tokio::test]
async fn another_tenants_groups_and_people_are_not_found() {
    let app = TestApp::spawn().await;
    app.tenant("globex").await;
    let gus_password = admin(&app, "globex", "gus@globex.example", "full-admin").await;
    let gus = Browser::new(&app);
    gus.login_ok("globex", "gus@globex.example", &gus_password)
        .await;
    let theirs = gus
        .submit(
            "/admin/globex/groups",
            "/admin/globex/groups",
            &[("product", "learning"), ("name", "Globex only")],
        )
        .await
        .location()
        .unwrap()
        .to_owned();
    let their_id = theirs.rsplit('/').next().unwrap().to_owned();
    let their_person = app
        .cli_ok(&[
            "person",
            "add",
            "globex",
            "gina@globex.example",
            "--given",
            "Gina",
            "--family",
            "G",
        ])
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let (_, browser) = acme_with(&app, "full-admin").await;
    let ours = manual_group(&browser, "learning", "Acme only").await;
    for page in [
        "/admin/globex/groups".to_owned(),
        theirs.clone(),
        format!("{GROUPS}/{their_id}"),
        format!("{GROUPS}/{their_id}/delete"),
        format!("{GROUPS}/not-a-uuid"),
    ] {
        browser
            .get(&page)
            .await
            .expect(StatusCode::NOT_FOUND, "Page not found");
    }
    // Searching never finds another tenant's people.
    let search = browser.get(&format!("{ours}?q=globex")).await;
    search.expect(StatusCode::OK, "Nobody's email contains");
    let csrf = search.csrf();
    for (path, fields) in [
        (
            format!("{GROUPS}/{their_id}/rename"),
            vec![("name", "Taken over")],
        ),
        (format!("{GROUPS}/{their_id}/delete"), vec![]),
        (
            format!("{ours}/members"),
            vec![("person", their_person.as_str())],
        ),
        (
            "/admin/globex/groups".to_owned(),
            vec![("product", "learning"), ("name", "x")],
        ),
    ] {
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend(fields);
        browser
            .post(&path, &all)
            .await
            .expect(StatusCode::NOT_FOUND, "Page not found");
    }
    gus.get(&theirs)
        .await
        .expect(StatusCode::OK, "<h1>Globex only ");
    browser
        .get(&ours)
        .await
        .expect(StatusCode::OK, "Nobody is in this group yet.");
}
