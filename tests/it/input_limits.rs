//! Hostile and heavy SCIM input over real HTTP: large multi-valued attributes are stored (in
//! chunks), work caps answer 400 `invalidValue` naming the cap, NUL bytes are refused on both
//! databases, nothing becomes a 500, and a slow or greedy connection meets the `http.*` limits.

use std::time::{Duration, Instant};

use rosterd_domain::Product;
use rosterd_test_support::TestApp;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::scim_client::{Scim, expect, patch_op};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

fn emails(range: std::ops::Range<usize>) -> Vec<Value> {
    range
        .map(|i| json!({"value": format!("user{i:05}@acme.example"), "type": "work"}))
        .collect()
}

#[tokio::test]
async fn ten_thousand_emails_are_stored_and_found() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let scim = Scim::new(&app, &acme, Product::Learning);
    let created = scim
        .post(
            "/Users",
            json!({"schemas": [USER], "userName": "many@acme.example", "emails": emails(0..10_000)}),
        )
        .await;
    expect(&created, 201);
    assert_eq!(created.body["emails"].as_array().unwrap().len(), 10_000);
    let id = created.body["id"].as_str().unwrap();
    // Every e-mail row was written: the last one finds the user.
    let found = scim
        .get("/Users?filter=emails.value%20eq%20%22user09999@acme.example%22")
        .await;
    expect(&found, 200);
    assert_eq!(found.body["totalResults"], 1, "{}", found.body);
    assert_eq!(found.body["Resources"][0]["id"], id);
    // A PUT rewrites them all, a PATCH adds to them.
    let replaced = scim
        .put(
            &format!("/Users/{id}"),
            json!({"schemas": [USER], "userName": "many@acme.example", "emails": emails(5_000..10_000)}),
        )
        .await;
    expect(&replaced, 200);
    let patched = scim
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([{"op": "add", "path": "emails", "value": emails(0..5_000)}])),
        )
        .await;
    expect(&patched, 200);
    assert_eq!(patched.body["emails"].as_array().unwrap().len(), 10_000);
    let found = scim
        .get("/Users?filter=emails.value%20eq%20%22user00000@acme.example%22")
        .await;
    assert_eq!(found.body["totalResults"], 1, "{}", found.body);
}

#[tokio::test]
async fn more_values_than_the_cap_are_refused_naming_the_attribute_and_the_cap() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let scim = Scim::new(&app, &acme, Product::Learning);
    let refused = scim
        .post(
            "/Users",
            json!({"schemas": [USER], "userName": "over@acme.example", "emails": emails(0..10_001)}),
        )
        .await;
    expect(&refused, 400);
    assert_eq!(refused.body["scimType"], "invalidValue");
    let detail = refused.body["detail"].as_str().unwrap();
    assert!(detail.contains("'emails' has 10001 values"), "{detail}");
    assert!(detail.contains("at most 10000"), "{detail}");
    // A PATCH that would take a user over the cap is refused the same way, and changes nothing.
    let created = scim
        .post(
            "/Users",
            json!({"schemas": [USER], "userName": "near@acme.example", "emails": emails(0..9_999)}),
        )
        .await;
    expect(&created, 201);
    let id = created.body["id"].as_str().unwrap();
    let over = scim
        .patch(
            &format!("/Users/{id}"),
            patch_op(
                json!([{"op": "add", "path": "phoneNumbers", "value": [{"value": "1"}]},
                {"op": "add", "path": "emails", "value": emails(9_999..10_001)}]),
            ),
        )
        .await;
    expect(&over, 400);
    assert_eq!(over.body["scimType"], "invalidValue");
    let after = scim.get(&format!("/Users/{id}")).await;
    assert_eq!(after.body["emails"].as_array().unwrap().len(), 9_999);
    assert!(after.body.get("phoneNumbers").is_none());
}

#[tokio::test]
async fn more_patch_operations_than_the_cap_are_refused_naming_the_cap() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let scim = Scim::new(&app, &acme, Product::Learning);
    let created = scim
        .post(
            "/Users",
            json!({"schemas": [USER], "userName": "ops@acme.example"}),
        )
        .await;
    let id = created.body["id"].as_str().unwrap();
    let ops = |n: usize| -> Vec<Value> {
        (0..n)
            .map(|i| json!({"op": "add", "path": "emails", "value": [{"value": format!("e{i}@acme.example")}]}))
            .collect()
    };
    let refused = scim
        .patch(&format!("/Users/{id}"), patch_op(json!(ops(1_001))))
        .await;
    expect(&refused, 400);
    assert_eq!(refused.body["scimType"], "invalidValue");
    let detail = refused.body["detail"].as_str().unwrap();
    assert!(detail.contains("1001 operations"), "{detail}");
    assert!(detail.contains("at most 1000"), "{detail}");
    let accepted = scim
        .patch(&format!("/Users/{id}"), patch_op(json!(ops(1_000))))
        .await;
    expect(&accepted, 200);
    assert_eq!(accepted.body["emails"].as_array().unwrap().len(), 1_000);
}

#[tokio::test]
async fn ten_thousand_members_in_one_patch_are_accepted() {
    // Ten Bulk writes at once: more than the default tenant write budget lets run together. The
    // set-up (10,000 users) is not what is measured: on a busy machine it may outlast the default
    // request timeout.
    let app = TestApp::spawn_with(|config| {
        config.fair_share.tenant_max_concurrent_writes = 10;
        config.http.request_timeout = Duration::from_secs(900);
    })
    .await;
    let acme = app.tenant("acme").await;
    let scim = Scim::new(&app, &acme, Product::Learning);
    // Inactive users hold no seat, so the app's seat pool does not stop the test. Ten Bulk
    // requests at once: one after another they take minutes on PostgreSQL in a debug build.
    let mut batches = tokio::task::JoinSet::new();
    for batch in 0..10 {
        let operations: Vec<Value> = (0..1_000)
            .map(|i| {
                json!({"method": "POST", "path": "/Users", "bulkId": format!("u{i}"),
                       "data": {"schemas": [USER], "userName": format!("m{batch}-{i}@acme.example"),
                                "active": false}})
            })
            .collect();
        let request = app
            .http
            .post(format!("{}/Bulk", scim.base))
            .bearer_auth(&scim.token)
            .header("content-type", "application/scim+json")
            .body(
                json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
                       "Operations": operations})
                .to_string(),
            );
        batches.spawn(async move {
            let reply = request.send().await.unwrap();
            assert_eq!(reply.status(), 200);
            reply.json::<Value>().await.unwrap()
        });
    }
    let mut ids = Vec::new();
    while let Some(body) = batches.join_next().await {
        for op in body.unwrap()["Operations"].as_array().unwrap() {
            assert_eq!(op["status"], "201", "{op}");
            let location = op["location"].as_str().unwrap();
            ids.push(location.rsplit('/').next().unwrap().to_owned());
        }
    }
    assert_eq!(ids.len(), 10_000);
    let group = scim
        .post(
            "/Groups",
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Everyone"}),
        )
        .await;
    expect(&group, 201);
    let group_id = group.body["id"].as_str().unwrap();
    let members: Vec<Value> = ids.iter().map(|id| json!({"value": id})).collect();
    let patched = scim
        .patch(
            &format!("/Groups/{group_id}?excludedAttributes=members"),
            patch_op(json!([{"op": "add", "path": "members", "value": members}])),
        )
        .await;
    expect(&patched, 200);
    let one = scim
        .get(&format!(
            "/Groups?filter=members.value%20eq%20%22{}%22&excludedAttributes=members",
            ids[9_999]
        ))
        .await;
    assert_eq!(one.body["totalResults"], 1, "{}", one.body);
}

#[tokio::test]
async fn nul_characters_are_400_in_values_and_404_in_ids() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let scim = Scim::new(&app, &acme, Product::Learning);
    let bodies = [
        (
            "/Users",
            json!({"schemas": [USER], "userName": "ann\u{0}@acme.example"}),
            "userName",
        ),
        (
            "/Users",
            json!({"schemas": [USER], "userName": "ann@acme.example", "displayName": "Ann\u{0}"}),
            "displayName",
        ),
        (
            "/Users",
            json!({"schemas": [USER], "userName": "ann@acme.example", "externalId": "\u{0}"}),
            "externalId",
        ),
        (
            "/Groups",
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "\u{0}"}),
            "displayName",
        ),
        (
            "/Groups",
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "G",
                   "members": [{"value": "\u{0}"}]}),
            "members.value",
        ),
    ];
    for (path, body, attribute) in bodies {
        let reply = scim.post(path, body.clone()).await;
        expect(&reply, 400);
        assert_eq!(reply.body["scimType"], "invalidValue", "{body}");
        let detail = reply.body["detail"].as_str().unwrap();
        assert!(
            detail.contains(attribute) && detail.contains("NUL"),
            "{detail}"
        );
    }
    let created = scim
        .post(
            "/Users",
            json!({"schemas": [USER], "userName": "ann@acme.example"}),
        )
        .await;
    expect(&created, 201);
    let id = created.body["id"].as_str().unwrap();
    let patched = scim
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([{"op": "replace", "path": "displayName", "value": "x\u{0}y"}])),
        )
        .await;
    expect(&patched, 400);
    assert_eq!(patched.body["scimType"], "invalidValue");
    let put = scim
        .put(
            &format!("/Users/{id}"),
            json!({"schemas": [USER], "userName": "ann@acme.example", "title": "\u{0}"}),
        )
        .await;
    expect(&put, 400);
    for path in ["/Users/%00", "/Groups/%00", &format!("/Users/{id}%00")] {
        for reply in [
            scim.get(path).await,
            scim.delete(path).await,
            scim.patch(
                path,
                patch_op(json!([{"op": "replace", "path": "title", "value": "x"}])),
            )
            .await,
            scim.put(
                path,
                json!({"schemas": [USER], "userName": "ann@acme.example"}),
            )
            .await,
        ] {
            expect(&reply, 404);
            assert_eq!(reply.body["status"], "404");
        }
    }
    // Nothing was stored or changed by any of it.
    let listed = scim.get("/Users").await;
    assert_eq!(listed.body["totalResults"], 1);
    assert!(listed.body["Resources"][0].get("displayName").is_none());
}

// Connections: the limits of `http.*`, met over raw TCP as a slow client would.

/// Reads until the server closes the connection (or `limit` passes); returns what it sent and
/// whether it closed.
async fn read_until_closed(
    stream: &mut (impl tokio::io::AsyncRead + Unpin),
    limit: Duration,
) -> (String, bool) {
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return (String::from_utf8_lossy(&received).into_owned(), false),
            Ok(Ok(0) | Err(_)) => return (String::from_utf8_lossy(&received).into_owned(), true),
            Ok(Ok(n)) => received.extend_from_slice(&buf[..n]),
        }
    }
}

fn addr(app: &TestApp) -> String {
    app.base_url.trim_start_matches("http://").to_owned()
}

#[tokio::test]
async fn a_client_sending_its_header_a_line_at_a_time_is_closed_within_the_header_timeout() {
    let app = TestApp::spawn_with(|config| {
        config.http.header_timeout = Duration::from_secs(2);
    })
    .await;
    let mut stream = tokio::net::TcpStream::connect(addr(&app)).await.unwrap();
    let started = Instant::now();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // One more header line every 300 ms, never the blank line that ends the header.
    let mut closed_after = None;
    for i in 0..40 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let line = format!("X-Slow-{i}: still sending\r\n");
        if stream.write_all(line.as_bytes()).await.is_err() {
            closed_after = Some(started.elapsed());
            break;
        }
        let mut probe = [0u8; 1024];
        if let Ok(Ok(0) | Err(_)) =
            tokio::time::timeout(Duration::from_millis(1), stream.read(&mut probe)).await
        {
            closed_after = Some(started.elapsed());
            break;
        }
    }
    let closed_after = closed_after.expect("the server kept the slow connection open for 12 s");
    assert!(
        closed_after >= Duration::from_millis(1_500) && closed_after < Duration::from_secs(5),
        "closed after {closed_after:?}, the header timeout is 2 s"
    );
}

#[tokio::test]
async fn an_idle_connection_is_closed_after_the_idle_timeout_and_a_body_that_stops_after_the_body_timeout()
 {
    let app = TestApp::spawn_with(|config| {
        config.http.idle_timeout = Duration::from_secs(2);
        config.http.body_timeout = Duration::from_secs(1);
    })
    .await;
    // A keep-alive connection that asks once, then says nothing.
    let mut stream = tokio::net::TcpStream::connect(addr(&app)).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let (received, closed) = read_until_closed(&mut stream, Duration::from_secs(8)).await;
    assert!(received.starts_with("HTTP/1.1 200"), "{received}");
    assert!(closed, "the idle connection stayed open 8 s");
    let after = started.elapsed();
    assert!(
        after >= Duration::from_millis(1_500) && after < Duration::from_secs(6),
        "closed after {after:?}, the idle timeout is 2 s"
    );

    // A body announced as 100 bytes of which 10 arrive.
    let mut stream = tokio::net::TcpStream::connect(addr(&app)).await.unwrap();
    stream
        .write_all(
            b"POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\nContent-Type: application/scim+json\r\n\
              Authorization: Bearer nobody\r\nContent-Length: 100\r\n\r\n{\"userName",
        )
        .await
        .unwrap();
    let started = Instant::now();
    let (received, _) = read_until_closed(&mut stream, Duration::from_secs(8)).await;
    assert!(
        received.starts_with("HTTP/1.1 4"),
        "a stalled body is answered: {received}"
    );
    assert!(started.elapsed() < Duration::from_secs(6));
}

/// Sends one request with a JSON body on a fresh connection; returns the response's head and
/// whether the server then closed the connection.
async fn post_once(app: &TestApp, path: &str, token: &str, body: &str) -> (String, bool) {
    let stream = tokio::net::TcpStream::connect(addr(app)).await.unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/scim+json\r\n\
         Authorization: Bearer {token}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let (mut read, mut write) = stream.into_split();
    // Written while the answer is read: the server may answer (and close) before it has all.
    let writing = tokio::spawn(async move {
        let _ = write.write_all(request.as_bytes()).await;
        write
    });
    let (received, closed) = read_until_closed(&mut read, Duration::from_secs(3)).await;
    drop(writing.await);
    let head = received.split("\r\n\r\n").next().unwrap_or_default();
    (head.to_ascii_lowercase(), closed)
}

#[tokio::test]
async fn a_request_refused_before_its_body_was_read_says_connection_close_and_others_keep_alive() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let path = "/scim/acme/learning/v2/Users";
    // A body the server never reads: authentication refuses the token first (and the
    // provisioning log reads no body over 256 KiB).
    let big = json!({"schemas": [USER], "userName": "x".repeat(300_000)}).to_string();
    let (head, closed) = post_once(&app, path, "not-a-token", &big).await;
    assert!(head.starts_with("http/1.1 401"), "{head}");
    assert!(head.contains("\r\nconnection: close"), "{head}");
    assert!(closed, "the connection with an unread body stayed open");

    // A request whose body the handler reads keeps its connection for the next request.
    let body = json!({"schemas": [USER], "userName": "kept@acme.example"}).to_string();
    let (head, closed) = post_once(&app, path, acme.token(Product::Learning), &body).await;
    assert!(head.starts_with("http/1.1 201"), "{head}");
    assert!(!head.contains("connection: close"), "{head}");
    assert!(
        !closed,
        "a connection whose request was read to its end was closed"
    );
}

#[tokio::test]
async fn connections_over_the_cap_wait_until_one_closes() {
    let app = TestApp::spawn_with(|config| {
        config.http.max_connections = 2;
    })
    .await;
    let first = tokio::net::TcpStream::connect(addr(&app)).await.unwrap();
    let _second = tokio::net::TcpStream::connect(addr(&app)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let client = reqwest::Client::new();
    let url = format!("{}/healthz", app.base_url);
    let waiting = client
        .get(&url)
        .timeout(Duration::from_millis(1_000))
        .send()
        .await;
    assert!(
        waiting.is_err(),
        "a third connection was served: {waiting:?}"
    );
    drop(first);
    let served = client
        .get(&url)
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), 200);
}

#[tokio::test]
async fn a_request_over_the_request_timeout_is_a_503_with_retry_after() {
    let app = TestApp::spawn_with(|config| {
        config.http.request_timeout = Duration::from_millis(100);
    })
    .await;
    let acme = app.tenant("acme").await;
    let scim = Scim::new(&app, &acme, Product::Learning);
    // A thousand creates in one Bulk request take longer than a tenth of a second.
    let operations: Vec<Value> = (0..1_000)
        .map(|i| {
            json!({"method": "POST", "path": "/Users", "bulkId": format!("u{i}"),
                   "data": {"schemas": [USER], "userName": format!("slow{i}@acme.example"),
                            "active": false}})
        })
        .collect();
    let started = Instant::now();
    let reply = scim
        .post(
            "/Bulk",
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
                   "Operations": operations}),
        )
        .await;
    expect(&reply, 503);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(reply.headers["retry-after"], "5");
    let detail = reply.body["detail"].as_str().unwrap();
    assert!(detail.contains("http.request_timeout_secs"), "{detail}");
    // The server is fine afterwards.
    expect(&scim.get("/Users?count=1").await, 200);
}

#[tokio::test]
async fn a_statement_past_the_statement_timeout_is_a_503_with_retry_after_on_postgres() {
    use sea_orm::{ConnectionTrait as _, TransactionTrait as _};

    if rosterd_test_support::backend_name() != "postgres" {
        // SQLite has no statement timeout; its writer waits are bounded by the busy timeout
        // and the retry loop, which answer the same 503 (slower than a test should wait).
        return;
    }
    let app = TestApp::spawn_with(|config| {
        config.database_statement_timeout = Duration::from_millis(500);
    })
    .await;
    let acme = app.tenant("acme").await;
    let scim = Scim::new(&app, &acme, Product::Learning);
    let created = scim
        .post(
            "/Users",
            json!({"schemas": [USER], "userName": "lock@acme.example"}),
        )
        .await;
    expect(&created, 201);
    let id = created.body["id"].as_str().unwrap();
    // Another session holds the users table: every statement on it waits for the lock.
    let holder = app.db.conn.begin().await.unwrap();
    holder
        .execute_unprepared("LOCK TABLE scim_users IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let started = Instant::now();
    let reply = scim.get(&format!("/Users/{id}")).await;
    let waited = started.elapsed();
    holder.rollback().await.unwrap();
    expect(&reply, 503);
    assert_eq!(reply.headers["retry-after"], "5");
    assert!(waited < Duration::from_secs(5), "answered after {waited:?}");
    let written = scim
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([{"op": "replace", "path": "title", "value": "after"}])),
        )
        .await;
    expect(&written, 200);
}
