//! Reports and exports: the CSV behind the page's export link, fetched with the browser's own
//! session (the link is a plain download), holds the tenant's people and licenses.

use rosterd_test_support::TestApp;

use crate::support;
use crate::webdriver::Browser;

#[tokio::test]
#[ignore = "drives headless Chromium; run with `just test-browser` (CI does)"]
async fn the_users_export_holds_everyone_with_their_licenses() {
    let Some(mut b) = Browser::launch("reports").await else {
        return;
    };
    let app = TestApp::spawn().await;
    support::tenant(&app, "acme", 50).await;
    let admin = support::admin(&app, "acme", "ada@acme.example", "reporting").await;
    let issued = app.cli_ok(&["token", "issue", "acme", "learning"]).await;
    let base = issued["scim_base_url"].as_str().unwrap();
    let token = issued["token"].as_str().unwrap();
    for (email, given, family, employee) in [
        ("grace@acme.example", "Grace", "Hopper, Jr.", "E-1001"),
        ("alan@acme.example", "Alan", "Turing", "E-1002"),
    ] {
        let user = support::scim_user(email, given, family, employee);
        let (status, body) = support::provision(&app, base, token, &user).await;
        assert_eq!(status, 201, "{body}");
    }
    support::sign_in(&mut b, &app, "acme", &admin).await;
    support::nav(&mut b, "Reports").await;
    b.wait_for_title("Reports").await;
    b.screenshot("reports").await;

    // The export link, fetched as the browser would: with its session cookie.
    let link = b.find("ul.exports a[href$='/exports/users.csv']").await;
    assert!(link.attr("download").await.unwrap().is_some());
    let href = link.prop("href").await.unwrap().unwrap();
    let cookie = b.cookie("rosterd_admin").await.expect("signed in");
    let cookie = format!("rosterd_admin={}", cookie.value());
    let res = app
        .http
        .get(&href)
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let headers = res.headers().clone();
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"acme-users-"),
        "{disposition}"
    );
    let csv = res.text().await.unwrap();
    let mut lines = csv.split("\r\n");
    assert_eq!(
        lines.next(),
        Some(
            "\"person_id\",\"email\",\"given_name\",\"family_name\",\"display_name\",\"employee_number\",\"department\",\"title\",\"source\",\"licenses\",\"created_at\""
        )
    );
    let grace = csv
        .lines()
        .find(|l| l.contains("grace@acme.example"))
        .expect(&csv);
    assert!(grace.contains(",\"Grace\",\"Hopper, Jr.\","), "{grace}");
    assert!(grace.contains(",\"E-1001\","), "{grace}");
    assert!(grace.contains(",\"learning:"), "{grace}");
    assert!(
        csv.lines().any(|l| l.contains("alan@acme.example")),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 3, "{csv}");

    // Without the session the export is not handed out.
    let res = app.http.get(&href).send().await.unwrap();
    assert!(
        !res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
}
