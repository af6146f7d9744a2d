//! Groups: an IdP group is listed read-only with its badge; a manual group for reporting cannot
//! take an IdP group's name (the page explains why and suggests another), and takes members,
//! IdP-provisioned people included.

use rosterd_test_support::TestApp;
use serde_json::json;

use crate::support;
use crate::webdriver::Browser;

#[tokio::test]
#[ignore = "drives headless Chromium; run with `just test-browser` (CI does)"]
async fn a_manual_group_is_made_beside_the_idp_groups() {
    let Some(mut b) = Browser::launch("groups").await else {
        return;
    };
    let app = TestApp::spawn().await;
    support::tenant(&app, "acme", 50).await;
    let admin = support::admin(&app, "acme", "lin@acme.example", "license-admin").await;
    let issued = app
        .cli_ok(&["token", "issue", "acme", "sales-navigator"])
        .await;
    let base = issued["scim_base_url"].as_str().unwrap();
    let token = issued["token"].as_str().unwrap();
    let user = support::scim_user("grace@acme.example", "Grace", "Hopper", "E-1001");
    let (status, body) = support::provision(&app, base, token, &user).await;
    assert_eq!(status, 201, "{body}");
    let grace = body["id"].as_str().unwrap();
    let group = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "Sales EMEA",
        "members": [{"value": grace}],
    });
    let res = app
        .http
        .post(format!("{base}/Groups"))
        .bearer_auth(token)
        .header("content-type", "application/scim+json")
        .body(group.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());

    support::sign_in(&mut b, &app, "acme", &admin).await;
    support::nav(&mut b, "Groups").await;
    b.wait_for_title("Groups").await;
    let row = b.find("table.table tbody tr").await;
    let text = row.text().await.unwrap();
    assert!(
        text.contains("Sales EMEA") && text.contains("IdP · Sales Navigator"),
        "{text}"
    );

    // The IdP's group's name, in another case, is explained next to the field.
    b.click_on("#group-product option[value='sales-navigator']")
        .await;
    let name = b.find("#group-name").await;
    name.send_keys("sales emea").await.unwrap();
    b.click_on("form[action$='/groups'] button[type=submit]")
        .await;
    let error = b.find("#group-name-error").await;
    let error = error.text().await.unwrap();
    assert!(
        error.contains("already the name of a group your identity provider manages"),
        "{error}"
    );
    let name = b.find("#group-name").await;
    assert_eq!(
        name.attr("aria-describedby").await.unwrap().as_deref(),
        Some("group-name-error")
    );
    b.screenshot("group-name-taken").await;

    // Another name works; Grace, provisioned by the IdP, joins it.
    let name = b.find("#group-name").await;
    name.clear().await.unwrap();
    name.send_keys("EMEA pipeline review").await.unwrap();
    b.click_on("form[action$='/groups'] button[type=submit]")
        .await;
    b.wait_for_title("Group EMEA pipeline review").await;
    let search = b.find("#member-search").await;
    search.send_keys("grace").await.unwrap();
    b.click_on("form[role=search] button[type=submit]").await;
    b.click_on("form[action$='/members'] button[type=submit]")
        .await;
    let members = b.find("section[aria-labelledby=members-h] tbody tr").await;
    let member = members.text().await.unwrap();
    assert!(
        member.contains("grace@acme.example") && member.contains("IdP"),
        "{member}"
    );
    b.screenshot("group").await;

    // Back on the list: both groups, one IdP and one manual.
    b.click_on("p.eyebrow a").await;
    b.wait_for_title("Groups").await;
    assert_eq!(b.find_all("table.table tbody tr").await.len(), 2);
    assert_eq!(b.find_all("table.table tbody .badge-idp").await.len(), 1);
    b.screenshot("groups").await;
}
