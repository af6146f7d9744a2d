//! Reports and exports: utilisation by product and by group (manual or IdP), and the three CSV
//! downloads, for every admin role, with quoting and formula-injection protection.

use reqwest::StatusCode;
use rosterd_domain::Product;
use rosterd_test_support::{TenantApps, TestApp};
use serde_json::json;

use crate::browser::{Browser, admin};
use crate::groups::{acme_with, manual_group, person, scim, scim_user};

const PAGE: &str = "/admin/acme/reports";

/// A manual group "Sales" (Learning) of an IdP user holding a Learning license and a manual
/// person without one; an IdP group "Eng" of the IdP user.
async fn populated(app: &TestApp, apps: &TenantApps, browser: &Browser) {
    let (status, ida) = scim_user(app, apps, Product::Learning, "ida@acme.example").await;
    assert_eq!(status, 201, "{ida}");
    let eng = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "Eng",
        "members": [{"value": ida["id"]}]
    });
    let (status, body) = scim(
        app,
        apps,
        Product::Learning,
        reqwest::Method::POST,
        "/Groups",
        eng,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let max = person(app, "max@acme.example", "Max", "Hand").await;
    let sales = manual_group(browser, "learning", "Sales").await;
    let found = browser.get(&format!("{sales}?q=ida")).await.body;
    let marker = r#"name="person" value=""#;
    let start = found.find(marker).unwrap() + marker.len();
    let ida_person = &found[start..start + 36];
    for p in [ida_person, max.as_str()] {
        browser
            .submit(&sales, &format!("{sales}/members"), &[("person", p)])
            .await
            .redirects_to(&sales);
    }
}

#[tokio::test]
async fn reports_show_utilisation_by_product_and_by_group() {
    let app = TestApp::spawn().await;
    let (apps, browser) = acme_with(&app, "license-admin").await;
    populated(&app, &apps, &browser).await;
    let page = browser.get(PAGE).await;
    page.expect(StatusCode::OK, "<title>Reports · rosterd</title>")
        .expect(StatusCode::OK, "Learning: 1% of seats in use")
        .expect(
            StatusCode::OK,
            "<th scope=\"col\" class=\"num\">Sales Navigator Advanced Plus</th>",
        );
    // Sales: 2 members, 1 licensed, 1 with Learning; Eng: 1 member with Learning.
    for group in ["Sales", "Eng"] {
        assert!(
            page.body.contains(&format!(">{group}</a></th>")),
            "{group}: {}",
            page.body
        );
    }
    let sales = page.body.find(">Sales</a></th>").unwrap();
    let row = &page.body[sales..(sales + 600).min(page.body.len())];
    assert!(
        row.contains("<td class=\"num\">2</td>\n        <td class=\"num\">1</td>\n        <td class=\"num\">1</td><td class=\"num\">0</td>"),
        "{row}"
    );
    let csv = browser.get("/admin/acme/exports/utilisation.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    let lines: Vec<&str> = csv.body.split("\r\n").collect();
    assert_eq!(
        lines[0],
        quoted(
            "report,name,product,source,capacity,assigned,active,awaiting_activation,free,utilisation_percent,members,licensed_members,members_with_learning,members_with_sales-navigator-core,members_with_sales-navigator-advanced,members_with_sales-navigator-advanced-plus,members_with_teamlink-extend"
        )
    );
    assert!(
        lines.contains(&quoted("product,Learning,learning,,100,1,0,1,99,1,,,,,,,").as_str()),
        "{lines:?}"
    );
    assert!(
        lines.contains(
            &quoted("product,Sales Navigator,sales-navigator,,300,0,0,0,300,0,,,,,,,").as_str()
        ),
        "{lines:?}"
    );
    assert!(
        lines.contains(
            &quoted("pool,Sales Navigator Core,sales-navigator,,100,0,0,0,100,0,,,,,,,").as_str()
        ),
        "{lines:?}"
    );
    assert!(
        lines.contains(&quoted("group,Eng,Learning,IdP,,,,,,,1,1,1,0,0,0,0").as_str()),
        "{lines:?}"
    );
    assert!(
        lines.contains(&quoted("group,Sales,Learning,Manual,,,,,,,2,1,1,0,0,0,0").as_str()),
        "{lines:?}"
    );
}

#[tokio::test]
async fn csv_exports_are_attachments_with_quoted_and_defused_cells() {
    let app = TestApp::spawn().await;
    let (apps, browser) = acme_with(&app, "reporting").await;
    let (status, _) = scim_user(&app, &apps, Product::Learning, "ida@acme.example").await;
    assert_eq!(status, 201);
    person(
        &app,
        "eve@acme.example",
        "=HYPERLINK(\"http://evil.example\")",
        "Lee, Jr.;=HYPERLINK(\"http://evil.example\")",
    )
    .await;
    app.cli_ok(&[
        "license",
        "grant",
        "acme",
        "eve@acme.example",
        "teamlink-extend",
    ])
    .await;

    let users = browser.get("/admin/acme/exports/users.csv").await;
    assert_eq!(users.status, StatusCode::OK);
    assert_eq!(users.headers["content-type"], "text/csv; charset=utf-8");
    let disposition = users.headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"acme-users-"),
        "{disposition}"
    );
    let lines: Vec<&str> = users.body.split("\r\n").collect();
    assert!(
        lines[0].starts_with(&quoted("person_id,email,given_name,family_name")),
        "{}",
        lines[0]
    );
    assert_eq!(lines.len(), 4, "header, two people, final CRLF: {lines:?}");
    let eve = lines
        .iter()
        .find(|l| l.contains("eve@acme.example"))
        .unwrap();
    assert!(
        eve.contains(r#","eve@acme.example","'=HYPERLINK(""http://evil.example"")","Lee, Jr.;'=HYPERLINK(""http://evil.example"")","#),
        "{eve}"
    );
    assert!(
        eve.contains(r#","manual","teamlink-extend:assigned","#),
        "{eve}"
    );
    let ida = lines
        .iter()
        .find(|l| l.contains("ida@acme.example"))
        .unwrap();
    assert!(ida.contains(r#","idp","learning:assigned","#), "{ida}");

    let licenses = browser.get("/admin/acme/exports/licenses.csv").await;
    assert_eq!(licenses.status, StatusCode::OK);
    let rows: Vec<&str> = licenses.body.lines().collect();
    assert_eq!(
        rows[0],
        quoted(
            "license_id,person_id,email,license_kind,product,state,source,created_at,updated_at"
        )
    );
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(
        rows[1]
            .contains(r#","ida@acme.example","learning","learning","assigned","scim:learning","#),
        "{}",
        rows[1]
    );
    assert!(
        rows[2].contains(
            r#","eve@acme.example","teamlink-extend","teamlink-extend","assigned","manual","#
        ),
        "{}",
        rows[2]
    );
}

#[tokio::test]
async fn every_role_exports_and_other_tenants_are_not_found() {
    for role in ["full-admin", "license-admin", "reporting"] {
        let app = TestApp::spawn().await;
        let (_, browser) = acme_with(&app, role).await;
        browser.get(PAGE).await.expect(StatusCode::OK, "By group");
        for file in ["users.csv", "licenses.csv", "utilisation.csv"] {
            let got = browser.get(&format!("/admin/acme/exports/{file}")).await;
            assert_eq!(got.status, StatusCode::OK, "{role} {file}");
            assert!(
                got.headers["content-disposition"]
                    .to_str()
                    .unwrap()
                    .starts_with("attachment;")
            );
        }
        browser
            .get("/admin/acme/exports/secrets.csv")
            .await
            .expect(StatusCode::NOT_FOUND, "Page not found");
        app.tenant("globex").await;
        admin(&app, "globex", "gus@globex.example", "full-admin").await;
        for page in ["/admin/globex/reports", "/admin/globex/exports/users.csv"] {
            browser
                .get(page)
                .await
                .expect(StatusCode::NOT_FOUND, "Page not found");
        }
        Browser::new(&app)
            .get("/admin/acme/exports/users.csv")
            .await
            .redirects_to("/admin/acme/login");
    }
}

/// `a,b,,c` as the exports write it: every cell quoted (`"a","b","","c"`).
fn quoted(plain: &str) -> String {
    plain
        .split(',')
        .map(|cell| format!("\"{cell}\""))
        .collect::<Vec<_>>()
        .join(",")
}
