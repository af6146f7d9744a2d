//! A tour of every main page of a lived-in tenant (people from the identity provider, a refused
//! request, a second admin), as a full admin: each page loads with its title and one heading,
//! every form field has a label, and a full-page screenshot is kept as an artefact.

use rosterd_test_support::TestApp;
use serde_json::json;

use crate::support;
use crate::webdriver::Browser;

/// In the page: how many lines the main navigation takes, whether the account links sit on the
/// brand's line (rather than wrapped below it), and what is wider than its box (the page itself,
/// `main`, a card; a `.table-scroll` is meant to scroll).
const LAYOUT: &str = "
    const lines = new Set([...document.querySelectorAll('nav.nav li')]
        .map(li => Math.round(li.getBoundingClientRect().top)));
    const middle = e => { const r = e.getBoundingClientRect(); return (r.top + r.bottom) / 2; };
    const brand = document.querySelector('.topbar .brand');
    const account = document.querySelector('.topbar .account');
    const accountBesideBrand = !account || Math.abs(middle(account) - middle(brand)) < 12;
    const boxes = [document.documentElement, ...document.querySelectorAll('main, .card')];
    const overflowing = boxes.filter(e => e.scrollWidth > e.clientWidth)
        .map(e => `${e.tagName.toLowerCase()}.${e.className}: ${e.scrollWidth} > ${e.clientWidth}`);
    return {width: window.innerWidth, navLines: lines.size, accountBesideBrand, overflowing};
";

/// Checks what every page owes its readers and saves its screenshot as `name`.
async fn visit(b: &mut Browser, name: &str, title: &str) {
    b.wait_for_title(title).await;
    let full = b.title().await;
    assert!(full.ends_with(" · rosterd"), "title `{full}`");
    // At 1280 px the navigation is one line and nothing overflows its box.
    let layout = b.script(LAYOUT).await;
    assert_eq!(layout["width"], 1280, "{name}: the window is 1280 px wide");
    assert!(
        layout["navLines"].as_u64() <= Some(1),
        "{name}: the navigation takes {} lines",
        layout["navLines"]
    );
    assert_eq!(
        layout["accountBesideBrand"], true,
        "{name}: the account links wrapped below the brand"
    );
    assert_eq!(
        layout["overflowing"],
        json!([]),
        "{name}: wider than its box"
    );
    // The icon the page names is there (no 404 for `favicon.ico` in the console).
    let icon = b.find("link[rel=icon]").await;
    let href = icon.prop("href").await.unwrap().unwrap();
    assert!(
        href.ends_with("/admin/static/favicon.svg"),
        "{name}: icon {href}"
    );
    assert_eq!(b.find_all("h1").await.len(), 1, "{name}: one h1");
    assert_eq!(
        b.find_all("main#main").await.len(),
        1,
        "{name}: a main landmark"
    );
    // Every visible form field has a label: `<label for>` or `aria-label`.
    for field in b
        .find_all("input:not([type=hidden]), select, textarea")
        .await
    {
        let id = field.attr("id").await.unwrap().unwrap_or_default();
        let labelled =
            !id.is_empty() && !b.find_all(&format!("label[for='{id}']")).await.is_empty();
        let aria = field.attr("aria-label").await.unwrap().is_some();
        if !labelled && !aria {
            let name_attr = field.attr("name").await.unwrap().unwrap_or_default();
            b.fail(&format!(
                "{name}: field `{name_attr}` (id `{id}`) has no label"
            ))
            .await;
        }
    }
    b.screenshot(name).await;
}

#[tokio::test]
#[ignore = "drives headless Chromium; run with `just test-browser` (CI does)"]
async fn every_main_page_loads_labelled_and_is_captured() {
    let Some(mut b) = Browser::launch("tour").await else {
        return;
    };
    let app = TestApp::spawn().await;
    support::tenant(&app, "acme", 40).await;
    let admin = support::admin(&app, "acme", "ada@acme.example", "full-admin").await;
    support::admin(&app, "acme", "lin@acme.example", "license-admin").await;
    support::admin(&app, "acme", "rui@acme.example", "reporting").await;
    let learning = app.cli_ok(&["token", "issue", "acme", "learning"]).await;
    let teamlink = app
        .cli_ok(&["token", "issue", "acme", "teamlink-extend"])
        .await;
    let people = [
        ("grace@acme.example", "Grace", "Hopper", "E-1001"),
        ("alan@acme.example", "Alan", "Turing", "E-1002"),
        ("edsger@acme.example", "Edsger", "Dijkstra", "E-1003"),
        ("barbara@acme.example", "Barbara", "Liskov", "E-1004"),
        ("donald@acme.example", "Donald", "Knuth", "E-1005"),
    ];
    for (email, given, family, employee) in people {
        let user = support::scim_user(email, given, family, employee);
        let (status, body) = support::provision(
            &app,
            learning["scim_base_url"].as_str().unwrap(),
            learning["token"].as_str().unwrap(),
            &user,
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    // Sales Navigator: directors get Advanced, everyone else Core.
    app.cli_ok(&[
        "policy",
        "set",
        "acme",
        "sales-navigator",
        "--default",
        "core",
        "--rule",
        "title:Director=advanced",
    ])
    .await;
    let sales = app
        .cli_ok(&["token", "issue", "acme", "sales-navigator"])
        .await;
    let sales_base = sales["scim_base_url"].as_str().unwrap();
    let sales_token = sales["token"].as_str().unwrap();
    let mut sellers = Vec::new();
    for (i, (email, given, family, employee)) in people.iter().take(3).enumerate() {
        let mut user = support::scim_user(email, given, family, employee);
        user["title"] = (if i == 0 { "Director" } else { "Engineer" }).into();
        let (status, body) = support::provision(&app, sales_base, sales_token, &user).await;
        assert_eq!(status, 201, "{body}");
        sellers.push(json!({"value": body["id"]}));
    }
    let group = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "Sales EMEA",
        "members": sellers,
    });
    let res = app
        .http
        .post(format!("{sales_base}/Groups"))
        .bearer_auth(sales_token)
        .header("content-type", "application/scim+json")
        .body(group.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    // TeamLink Extend has two seats: the third person is refused.
    app.cli_ok(&["tenant", "seats", "acme", "teamlink-extend=2"])
        .await;
    for (i, (email, given, family, employee)) in people.iter().take(3).enumerate() {
        let user = support::scim_user(email, given, family, employee);
        let (status, body) = support::provision(
            &app,
            teamlink["scim_base_url"].as_str().unwrap(),
            teamlink["token"].as_str().unwrap(),
            &user,
        )
        .await;
        assert_eq!(status, if i < 2 { 201 } else { 403 }, "{body}");
    }

    // The CLI stamps its ledger entries with the wall clock, a moment after the server's test
    // clock stopped: move that clock past them, or the seat charts would place them tomorrow.
    app.clock.advance(chrono::Duration::minutes(1));

    b.goto(&format!("{}/admin/acme/login", app.base_url)).await;
    visit(&mut b, "login", "Sign in to acme").await;
    let icon = app
        .http
        .get(format!("{}/admin/static/favicon.svg", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(icon.status(), 200);
    assert_eq!(icon.headers()["content-type"], "image/svg+xml");
    assert!(icon.text().await.unwrap().starts_with("<svg"));
    support::sign_in(&mut b, &app, "acme", &admin).await;
    visit(&mut b, "overview", "Overview").await;
    support::nav(&mut b, "Users").await;
    visit(&mut b, "users", "Users").await;
    b.click_on("table.users-table tbody a[href*='/users/']")
        .await;
    b.wait_for_text("provisioned by").await;
    let name = b.find("h1").await;
    let name = name.text().await.unwrap();
    visit(&mut b, "person", name.trim_end_matches(" IdP")).await;
    support::nav(&mut b, "Groups").await;
    visit(&mut b, "groups", "Groups").await;
    b.click_on("table.table tbody a").await;
    visit(&mut b, "group", "Group Sales EMEA").await;
    support::nav(&mut b, "Licenses").await;
    visit(&mut b, "licenses", "Licenses").await;
    b.click_on("a[href$='/licenses/policy']").await;
    visit(&mut b, "policy", "Sales Navigator license policy").await;
    support::nav(&mut b, "Reports").await;
    visit(&mut b, "reports", "Reports").await;
    support::nav(&mut b, "Provisioning log").await;
    visit(&mut b, "provisioning-log", "Provisioning log").await;
    support::nav(&mut b, "Audit log").await;
    visit(&mut b, "audit-log", "Audit log").await;
    support::nav(&mut b, "Settings").await;
    visit(&mut b, "settings", "Automate user management: Learning").await;
    // The Okta guide, inside the admin center, with this tenant's Learning URL to paste.
    b.click_on("a[href$='/settings/scim/learning/guides/okta']")
        .await;
    visit(&mut b, "guide-okta", "Okta set-up guide: Learning").await;
    let learning_url = format!("{}/scim/acme/learning/v2", app.base_url);
    let pasted = b.find("input#base-url").await;
    assert_eq!(
        pasted.prop("value").await.unwrap().as_deref(),
        Some(learning_url.as_str())
    );
    b.wait_for_text(&format!(
        "SCIM connector base URL the product's SCIM base URL from step 1, e.g. {learning_url}"
    ))
    .await;
    b.click_on("a[href='#4-push-groups']").await;
    assert!(b.current_url().await.ends_with("#4-push-groups"));
    support::nav(&mut b, "Settings").await;
    b.wait_for_title("Automate user management: Learning").await;
    support::nav(&mut b, "Admins").await;
    visit(&mut b, "admins", "Admins").await;
    b.click_on(".account a.account-link").await;
    visit(&mut b, "password", "Change your password").await;
}
