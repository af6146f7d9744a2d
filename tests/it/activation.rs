//! Activation end to end: a license assigned over SCIM (or by hand) gets its notice from the
//! outbox worker, by SMTP (a fake mail server run here) or in the log; the link's page names
//! the product and the org, confirming activates once, and a used, replaced, revoked, expired
//! or unknown link says so. Resend (CLI) sends a new link and retires the old one.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use reqwest::StatusCode;
use rosterd::config::{Config, Overrides};
use rosterd::outbox::{Delivery, OutboxWorker, Round};
use rosterd_domain::Product;
use rosterd_test_support::TestApp;
use sea_orm::EntityTrait as _;
use serde_json::json;
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpListener;

use crate::licensing::App;

/// A mail server that speaks just enough SMTP for lettre, keeps what it is sent, and can be
/// told to refuse the next few recipients with a temporary error.
struct FakeSmtp {
    url: String,
    received: Arc<Mutex<Vec<String>>>,
    refuse_next: Arc<AtomicUsize>,
}

impl FakeSmtp {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("smtp://{}", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let refuse_next = Arc::new(AtomicUsize::new(0));
        let (kept, refusing) = (received.clone(), refuse_next.clone());
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                let (kept, refusing) = (kept.clone(), refusing.clone());
                tokio::spawn(async move {
                    let _ = converse(socket, &kept, &refusing).await;
                });
            }
        });
        Self {
            url,
            received,
            refuse_next,
        }
    }

    /// The messages received, their quoted-printable bodies decoded (as a mail client would).
    fn messages(&self) -> Vec<String> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .map(|m| m.replace("=\n", "").replace("=3D", "="))
            .collect()
    }
}

async fn converse(
    socket: tokio::net::TcpStream,
    kept: &Mutex<Vec<String>>,
    refusing: &AtomicUsize,
) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 fake.smtp ESMTP\r\n").await?;
    while let Some(line) = lines.next_line().await? {
        let verb = line.get(..4).unwrap_or(&line).to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" | "HELO" => b"250 fake.smtp\r\n",
            "MAIL" | "RSET" | "NOOP" => b"250 OK\r\n",
            "RCPT" => {
                let refuse = refusing
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok();
                if refuse {
                    b"451 4.3.0 try again later\r\n"
                } else {
                    b"250 OK\r\n"
                }
            }
            "DATA" => {
                write.write_all(b"354 go ahead\r\n").await?;
                let mut message = String::new();
                while let Some(data) = lines.next_line().await? {
                    if data == "." {
                        break;
                    }
                    message.push_str(&data);
                    message.push('\n');
                }
                kept.lock().unwrap().push(message);
                b"250 OK queued\r\n"
            }
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 not implemented\r\n",
        };
        write.write_all(reply).await?;
    }
    Ok(())
}

/// The worker of `app`, delivering to `smtp` (or to the log).
fn worker(app: &TestApp, smtp: Option<&FakeSmtp>) -> OutboxWorker {
    let env = |name: &str| match (name, smtp) {
        ("ROSTERD_SMTP_URL", Some(s)) => Some(s.url.clone()),
        ("ROSTERD_SMTP_FROM", Some(_)) => Some("rosterd <no-reply@rosterd.test>".to_owned()),
        _ => None,
    };
    let config = Config::load_from(None, env, &Overrides::default()).unwrap();
    OutboxWorker {
        db: app.db.conn.clone(),
        clock: Arc::new(app.clock.clone()),
        delivery: Delivery::from_config(config.smtp.as_ref()).unwrap(),
        public_url: app.base_url.clone(),
        metrics: rosterd::metrics::Metrics::from_config(&config).unwrap(),
    }
}

/// The activation link in a message.
fn link_in(message: &str) -> String {
    let start = message.find("/activate/rosterd_act_").unwrap();
    let token_end = start + "/activate/".len() + "rosterd_act_".len() + 43;
    let base_start = message[..start].rfind("http").unwrap();
    message[base_start..token_end].to_owned()
}

async fn get(app: &TestApp, url: &str) -> (StatusCode, String) {
    let res = app.http.get(url).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

/// The confirmation value of the form on an activation page.
fn confirmation(page: &str) -> String {
    page.split("name=\"confirm\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned()
}

/// Posts the confirmation form the page at `url` renders.
async fn confirm(app: &TestApp, url: &str) -> (StatusCode, String) {
    let (_, page) = get(app, url).await;
    post_confirmation(app, url, &confirmation(&page)).await
}

async fn post_confirmation(app: &TestApp, url: &str, value: &str) -> (StatusCode, String) {
    let res = app
        .http
        .post(url)
        .form(&[("confirm", value)])
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

async fn learning_state(app: &TestApp, email: &str) -> String {
    let list = app
        .cli_ok(&["license", "list", "acme", "--kind", "learning"])
        .await;
    list.as_array()
        .unwrap()
        .iter()
        .find(|l| l["email"] == email)
        .map(|l| l["state"].as_str().unwrap().to_owned())
        .unwrap()
}

#[tokio::test]
async fn a_scim_assignment_is_mailed_and_its_link_activates_once() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("acme").await;
    let learning = App::new(&app, &tenant, Product::Learning);
    learning.user("ann@acme.example", "Lee", "1").await;
    let smtp = FakeSmtp::start().await;
    let worker = worker(&app, Some(&smtp));

    let round = worker.round().await.unwrap();
    assert_eq!(
        round,
        Round {
            queued: 1,
            sent: 1,
            ..Round::default()
        }
    );
    let mail = smtp.messages();
    assert_eq!(mail.len(), 1);
    assert!(mail[0].contains("To: ann@acme.example"), "{}", mail[0]);
    assert!(
        mail[0].contains("Subject: Activate your Learning license from acme"),
        "{}",
        mail[0]
    );
    let link = link_in(&mail[0]);
    assert!(link.starts_with(&format!("{}/activate/", app.base_url)));
    assert_eq!(
        worker.round().await.unwrap(),
        Round::default(),
        "one notice per license"
    );

    let (status, page) = get(&app, &link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Activate your Learning license"), "{page}");
    assert!(page.contains("acme"), "names the org");
    assert_eq!(
        learning_state(&app, "ann@acme.example").await,
        "assigned",
        "looking does not activate"
    );

    let (status, page) = confirm(&app, &link).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Your Learning license is active"), "{page}");
    assert_eq!(learning_state(&app, "ann@acme.example").await, "active");

    let (status, page) = get(&app, &link).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("already been used"), "{page}");
    let verify = app.cli_ok(&["ledger", "verify", "acme"]).await;
    assert_eq!(verify["clean"], true, "{verify}");
}

#[tokio::test]
async fn a_confirmation_from_elsewhere_changes_nothing() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("acme").await;
    App::new(&app, &tenant, Product::Learning)
        .user("ann@acme.example", "Lee", "1")
        .await;
    let smtp = FakeSmtp::start().await;
    worker(&app, Some(&smtp)).round().await.unwrap();
    let link = link_in(&smtp.messages()[0]);

    let bare = app.http.post(&link).send().await.unwrap();
    assert_eq!(
        bare.status(),
        StatusCode::FORBIDDEN,
        "no confirmation field"
    );
    let (_, page) = get(&app, &link).await;
    let value = confirmation(&page);
    assert!(!value.is_empty(), "{page}");
    let cross = app
        .http
        .post(&link)
        .header("origin", "https://evil.example")
        .form(&[("confirm", value.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN, "another site's form");
    assert_eq!(learning_state(&app, "ann@acme.example").await, "assigned");

    let same = app
        .http
        .post(&link)
        .header("origin", &app.base_url)
        .form(&[("confirm", value.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), StatusCode::OK);
    assert_eq!(learning_state(&app, "ann@acme.example").await, "active");
}

#[tokio::test]
async fn revoked_expired_replaced_and_unknown_links_say_so() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("acme").await;
    let learning = App::new(&app, &tenant, Product::Learning);
    let ann = learning.user("ann@acme.example", "Lee", "1").await;
    learning.user("bob@acme.example", "Ng", "2").await;
    learning.user("cy@acme.example", "Oh", "3").await;
    let smtp = FakeSmtp::start().await;
    let worker = worker(&app, Some(&smtp));
    worker.round().await.unwrap();
    let link_of = |who: &str| {
        smtp.messages()
            .iter()
            .rev()
            .find(|m| m.contains(&format!("To: {who}")))
            .map(|m| link_in(m))
            .unwrap()
    };
    let (ann_link, bob_link, cy_link) = (
        link_of("ann@acme.example"),
        link_of("bob@acme.example"),
        link_of("cy@acme.example"),
    );

    // Revoked: ann leaves (active=false) while her page is open.
    let (_, open_page) = get(&app, &ann_link).await;
    let leaves = json!([{"op": "replace", "path": "active", "value": false}]);
    let (status, _) = learning.patch(&format!("/Users/{ann}"), leaves).await;
    assert_eq!(status, 200);
    let (status, page) = get(&app, &ann_link).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("This license was revoked"), "{page}");
    let (status, page) = post_confirmation(&app, &ann_link, &confirmation(&open_page)).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("This license was revoked"), "{page}");

    // Replaced: an operator resends bob's notice; the old link stops at once.
    let resent = app
        .cli_ok(&["license", "resend", "acme", "bob@acme.example", "learning"])
        .await;
    assert_eq!(resent["state"], "assigned");
    let (status, page) = get(&app, &bob_link).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("replaced by a newer one"), "{page}");
    let round = worker.round().await.unwrap();
    assert_eq!((round.queued, round.sent), (1, 1));
    let new_bob_link = link_of("bob@acme.example");
    assert_ne!(new_bob_link, bob_link);
    let (status, _) = confirm(&app, &new_bob_link).await;
    assert_eq!(status, StatusCode::OK);
    let err = app
        .cli(&["license", "resend", "acme", "bob@acme.example", "learning"])
        .await
        .unwrap_err();
    assert!(err.contains("already active"), "{err}");

    // Expired: two weeks and a day later.
    app.clock.advance(chrono::Duration::days(15));
    let (status, page) = get(&app, &cy_link).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("has expired"), "{page}");
    assert!(page.contains("ask your administrator"), "{page}");

    // Unknown.
    let forged = format!("{}/activate/rosterd_act_{}", app.base_url, "A".repeat(43));
    let (status, page) = get(&app, &forged).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("not valid"), "{page}");
}

#[tokio::test]
async fn a_manual_grant_gets_its_notice_and_refused_mail_is_retried_with_backoff() {
    let app = TestApp::spawn().await;
    app.tenant("acme").await;
    app.cli_ok(&[
        "person",
        "add",
        "acme",
        "dee@acme.example",
        "--given",
        "Dee",
        "--family",
        "Ray",
    ])
    .await;
    app.cli_ok(&["license", "grant", "acme", "dee@acme.example", "learning"])
        .await;
    let smtp = FakeSmtp::start().await;
    smtp.refuse_next.store(2, Ordering::SeqCst);
    let worker = worker(&app, Some(&smtp));

    let round = worker.round().await.unwrap();
    assert_eq!((round.queued, round.sent, round.failed), (1, 0, 1));
    assert_eq!(
        worker.round().await.unwrap(),
        Round::default(),
        "not before the backoff"
    );
    app.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(worker.round().await.unwrap().failed, 1, "second refusal");
    app.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(
        worker.round().await.unwrap(),
        Round::default(),
        "the backoff doubled to two minutes"
    );
    app.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(worker.round().await.unwrap().sent, 1);
    let mail = smtp.messages();
    assert_eq!(mail.len(), 1);
    assert!(mail[0].contains("Hello Dee Ray,"), "{}", mail[0]);
}

#[tokio::test]
async fn undeliverable_mail_is_given_up_after_the_last_attempt() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("acme").await;
    App::new(&app, &tenant, Product::Learning)
        .user("ann@acme.example", "Lee", "1")
        .await;
    let smtp = FakeSmtp::start().await;
    smtp.refuse_next.store(usize::MAX, Ordering::SeqCst);
    let worker = worker(&app, Some(&smtp));
    let mut failures = 0;
    for _ in 0..20 {
        failures += worker.round().await.unwrap().failed;
        app.clock.advance(chrono::Duration::hours(7));
    }
    assert_eq!(
        i32::try_from(failures).unwrap(),
        rosterd_ledger::MAX_ATTEMPTS
    );
    assert!(smtp.messages().is_empty());
}

#[tokio::test]
async fn without_smtp_notices_go_to_the_log_and_their_bodies_are_erased() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("acme").await;
    App::new(&app, &tenant, Product::Learning)
        .user("ann@acme.example", "Lee", "1")
        .await;
    let worker = worker(&app, None);
    assert!(matches!(worker.delivery, Delivery::Log));
    let round = worker.round().await.unwrap();
    assert_eq!((round.queued, round.sent), (1, 1));
    let rows = rosterd_ledger::entity::notification::Entity::find()
        .all(&app.db.conn)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].recipient, "ann@acme.example");
    assert!(rows[0].sent_at.is_some());
    assert_eq!(rows[0].body, "", "the link is not kept once delivered");
}

#[tokio::test]
async fn a_notice_whose_link_died_before_delivery_is_withdrawn_not_sent() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("acme").await;
    let learning = App::new(&app, &tenant, Product::Learning);
    let ann = learning.user("ann@acme.example", "Lee", "1").await;
    learning.user("bob@acme.example", "Ng", "2").await;
    let smtp = FakeSmtp::start().await;
    // The mail server is down for the first round: both notices wait for a retry.
    smtp.refuse_next.store(2, Ordering::SeqCst);
    let worker = worker(&app, Some(&smtp));
    let round = worker.round().await.unwrap();
    assert_eq!((round.queued, round.sent, round.failed), (2, 0, 2));

    // Meanwhile ann leaves, and an operator resends bob's notice.
    let leaves = json!([{"op": "replace", "path": "active", "value": false}]);
    let (status, _) = learning.patch(&format!("/Users/{ann}"), leaves).await;
    assert_eq!(status, 200);
    app.cli_ok(&["license", "resend", "acme", "bob@acme.example", "learning"])
        .await;

    app.clock.advance(chrono::Duration::seconds(61));
    let round = worker.round().await.unwrap();
    assert_eq!(
        (round.queued, round.sent, round.withdrawn),
        (1, 1, 2),
        "bob's new notice goes out; ann's and bob's old one are withdrawn"
    );
    let mail = smtp.messages();
    assert_eq!(mail.len(), 1, "one message in all: {mail:?}");
    assert!(mail[0].contains("To: bob@acme.example"), "{}", mail[0]);
    let (status, _) = confirm(&app, &link_in(&mail[0])).await;
    assert_eq!(status, StatusCode::OK, "the link that went out works");

    app.clock.advance(chrono::Duration::hours(1));
    assert_eq!(
        worker.round().await.unwrap(),
        Round::default(),
        "withdrawn notices are not retried"
    );
}
