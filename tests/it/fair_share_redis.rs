//! Fair share across replicas (`REDIS_URL`): two servers on one database and one Redis hold a
//! tenant flooding both to its one limit, not one per replica, while an IdP at 25 requests/s
//! passes untouched; a tenant alone in the fleet is never refused; and when Redis goes away
//! both still serve, each with its own share. Uses the Redis at `ROSTERD_TEST_REDIS`, under a
//! key prefix of its own per test; skipped, saying so, when it is unset (CI sets it).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rosterd::config::Config;
use rosterd_domain::{Product, Secret};
use rosterd_test_support::TestApp;
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// The configuration of one fleet: its Redis, and a key prefix no other test or run shares.
fn fleet(redis: &str) -> impl Fn(&mut Config) + Clone {
    let redis = redis.to_owned();
    let prefix = format!("rosterd-test:{}:", uuid::Uuid::new_v4());
    move |config: &mut Config| {
        config.redis_url = Some(Secret::new(redis.clone()));
        config.fair_share.redis_prefix.clone_from(&prefix);
    }
}

/// Two replicas of one fleet on one database.
async fn two_replicas(configure: impl Fn(&mut Config) + Clone) -> (TestApp, TestApp) {
    let one = TestApp::spawn_with(configure.clone()).await;
    let two = one.replica_with(configure).await;
    (one, two)
}

/// `url` (of replica `from`) on replica `to`.
fn on(url: &str, from: &TestApp, to: &TestApp) -> String {
    url.replacen(&from.base_url, &to.base_url, 1)
}

/// What a flooding client saw.
#[derive(Debug, Default)]
struct Tally {
    accepted: u32,
    refused: u32,
}

/// Creates a user of the tenant at `base` and returns its id.
async fn user(http: &reqwest::Client, base: &str, token: &str) -> String {
    let name = format!("flood-{}@example.com", uuid::Uuid::new_v4());
    let reply = http
        .post(format!("{base}/Users"))
        .bearer_auth(token)
        .header("content-type", "application/scim+json")
        .body(json!({"schemas": [USER], "userName": name}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status().as_u16(), 201);
    let body: Value = reply.json().await.unwrap();
    body["id"].as_str().unwrap().to_owned()
}

/// Sends lookups, and changes to user `id` (one in four), from one client to `base` until
/// `done`; a refusal must be a 429 with `Retry-After` and a body naming the limit.
async fn flood(
    http: reqwest::Client,
    base: String,
    token: String,
    id: String,
    done: Arc<AtomicBool>,
) -> Tally {
    let mut tally = Tally::default();
    let mut i = 0_u32;
    while !done.load(Ordering::Relaxed) {
        i += 1;
        let request = if i.is_multiple_of(4) {
            let patch = json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "displayName", "value": format!("n{i}")}],
            });
            http.patch(format!("{base}/Users/{id}"))
                .header("content-type", "application/scim+json")
                .body(patch.to_string())
        } else {
            http.get(format!("{base}/Users?count=1"))
        };
        let reply = request.bearer_auth(&token).send().await.unwrap();
        match reply.status().as_u16() {
            200 | 201 => tally.accepted += 1,
            429 => {
                let retry: u64 = reply.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!(retry >= 1);
                let body: Value = reply.json().await.unwrap();
                assert!(
                    body["detail"]
                        .as_str()
                        .unwrap_or_default()
                        .contains("fair_share"),
                    "{body}"
                );
                tally.refused += 1;
            }
            other => panic!("the flood got {other}: {}", reply.text().await.unwrap()),
        }
    }
    tally
}

#[tokio::test]
async fn a_tenant_flooding_two_replicas_is_held_to_one_limit_while_an_idp_at_25_a_second_passes() {
    let Some(redis) = rosterd_test_support::redis_url() else {
        return;
    };
    let (one, two) = two_replicas(fleet(&redis)).await;
    let acme = one.tenant("acme").await;
    let globex = one.tenant("globex").await;
    // Globex's own limit, far under what 8 clients send; acme keeps the defaults (50/s).
    let (rate, burst) = (5.0, 5.0);
    one.cli_ok(&[
        "tenant",
        "limits",
        "globex",
        "--requests-per-second",
        "5",
        "--burst",
        "5",
    ])
    .await;
    // Globex, alone, makes a user for each flooding client (and each replica loads its own
    // limits, on its first request); then acme provisions, so that globex competes from the
    // flood's first request on.
    let mut users = Vec::new();
    for replica in [&one, &two] {
        let base = on(globex.base(Product::Learning), &one, replica);
        for _ in 0..4 {
            users.push(user(&replica.http, &base, globex.token(Product::Learning)).await);
        }
    }
    for replica in [&one, &two] {
        let base = on(acme.base(Product::Learning), &one, replica);
        let reply = replica
            .http
            .get(format!("{base}/Users?count=1"))
            .bearer_auth(acme.token(Product::Learning))
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status().as_u16(), 200);
    }
    let done = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut clients = tokio::task::JoinSet::new();
    for replica in [&one, &two] {
        for _ in 0..4 {
            let base = on(globex.base(Product::Learning), &one, replica);
            let token = globex.token(Product::Learning).to_owned();
            let done = done.clone();
            let http = replica.http.clone();
            let which = replica.base_url.clone();
            let id = users.pop().unwrap();
            clients.spawn(async move { (which, flood(http, base, token, id, done).await) });
        }
    }
    // Acme's IdP at 25 requests/s, half on each replica, one in five a creation.
    let mut tick = tokio::time::interval(Duration::from_millis(40));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    for i in 0..150_u32 {
        tick.tick().await;
        let replica = if i.is_multiple_of(2) { &one } else { &two };
        let base = on(acme.base(Product::Learning), &one, replica);
        let request = if i.is_multiple_of(5) {
            replica
                .http
                .post(format!("{base}/Users"))
                .header("content-type", "application/scim+json")
                .body(
                    json!({"schemas": [USER], "userName": format!("u{i}@acme.example")})
                        .to_string(),
                )
        } else {
            replica.http.get(format!("{base}/Users?count=1"))
        };
        let reply = request
            .bearer_auth(acme.token(Product::Learning))
            .send()
            .await
            .unwrap();
        let status = reply.status().as_u16();
        assert!(
            status == 200 || status == 201,
            "acme's request {i} got {status}: {}",
            reply.text().await.unwrap()
        );
    }
    done.store(true, Ordering::Relaxed);
    let tallies = clients.join_all().await;
    let seconds = started.elapsed().as_secs_f64();
    let per_replica = |base: &str| {
        tallies
            .iter()
            .filter(|(which, _)| which == base)
            .fold(Tally::default(), |sum, (_, t)| Tally {
                accepted: sum.accepted + t.accepted,
                refused: sum.refused + t.refused,
            })
    };
    let (at_one, at_two) = (per_replica(&one.base_url), per_replica(&two.base_url));
    let accepted = f64::from(at_one.accepted + at_two.accepted);
    let sent = accepted + f64::from(at_one.refused + at_two.refused);
    // One bucket for the fleet: its burst and its rate over the flood's time, not twice that.
    let one_limit = burst + rate * seconds;
    eprintln!(
        "globex over {seconds:.1} s: {at_one:?} on one, {at_two:?} on two; one limit {one_limit:.0}"
    );
    assert!(
        sent > 2.0 * one_limit,
        "the flood must go past twice the limit to tell one bucket from two ({sent} sent)"
    );
    assert!(
        accepted <= one_limit + 1.0,
        "globex got {accepted} accepted in {seconds:.1} s, past {one_limit:.0}"
    );
    assert!(
        at_one.refused > 0 && at_two.refused > 0,
        "both replicas hold it back"
    );
}

#[tokio::test]
async fn a_tenant_alone_in_the_fleet_flooding_both_replicas_is_never_refused() {
    let Some(redis) = rosterd_test_support::redis_url() else {
        return;
    };
    let configure = fleet(&redis);
    let (one, two) = two_replicas(move |config: &mut Config| {
        configure(config);
        config.fair_share.requests_per_second = 1;
        config.fair_share.burst = 2;
        config.fair_share.tenant_max_concurrent_writes = 1;
        config.fair_share.write_wait = Duration::from_millis(1);
    })
    .await;
    let globex = one.tenant("globex").await;
    let done = Arc::new(AtomicBool::new(false));
    let mut clients = tokio::task::JoinSet::new();
    for replica in [&one, &two] {
        for _ in 0..4 {
            let base = on(globex.base(Product::Learning), &one, replica);
            let token = globex.token(Product::Learning).to_owned();
            let id = user(&replica.http, &base, &token).await;
            clients.spawn(flood(replica.http.clone(), base, token, id, done.clone()));
        }
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    done.store(true, Ordering::Relaxed);
    let tallies = clients.join_all().await;
    let accepted: u32 = tallies.iter().map(|t| t.accepted).sum();
    let refused: u32 = tallies.iter().map(|t| t.refused).sum();
    assert_eq!(
        refused, 0,
        "alone, nobody's share is taken ({accepted} accepted)"
    );
    assert!(
        accepted > 10,
        "the limit of 1/s, burst 2, was passed: {accepted}"
    );
}

/// A TCP relay to the Redis at `url`, to be cut as a Redis that goes away would be: returns
/// the URL through it and the task whose abort closes it and every connection through it.
async fn relay(url: &str) -> (String, tokio::task::JoinHandle<()>) {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
    let (auth, target) = authority
        .rsplit_once('@')
        .map_or(("", authority), |(a, t)| (a, t));
    let target = target.to_owned();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let at = listener.local_addr().unwrap();
    let through = if auth.is_empty() {
        format!("{scheme}://{at}/{path}")
    } else {
        format!("{scheme}://{auth}@{at}/{path}")
    };
    let task = tokio::spawn(async move {
        // Dropped with the task: every relayed connection is closed with it.
        let mut connections = tokio::task::JoinSet::new();
        loop {
            let (mut client, _) = listener.accept().await.unwrap();
            let target = target.clone();
            connections.spawn(async move {
                let mut server = TcpStream::connect(&target).await.unwrap();
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            });
        }
    });
    (through, task)
}

#[tokio::test]
async fn when_redis_goes_away_both_replicas_serve_each_with_its_own_share() {
    let Some(redis) = rosterd_test_support::redis_url() else {
        return;
    };
    let (through, relay) = relay(&redis).await;
    let configure = fleet(&through);
    let (one, two) = two_replicas(configure).await;
    let acme = one.tenant("acme").await;
    let globex = one.tenant("globex").await;
    one.cli_ok(&[
        "tenant",
        "limits",
        "globex",
        "--requests-per-second",
        "1",
        "--burst",
        "2",
    ])
    .await;
    let send =
        |replica: &TestApp, tenant: &rosterd_test_support::TenantApps, write: Option<u32>| {
            let base = on(tenant.base(Product::Learning), &one, replica);
            let request = match write {
            Some(i) => replica
                .http
                .post(format!("{base}/Users"))
                .header("content-type", "application/scim+json")
                .body(
                    json!({"schemas": [USER], "userName": format!("u{i}@{}.example", tenant.slug)})
                        .to_string(),
                ),
            None => replica.http.get(format!("{base}/Users?count=1")),
        };
            request.bearer_auth(tenant.token(Product::Learning)).send()
        };
    // Through Redis first: the fleet's share answers.
    for (i, replica) in [&one, &two].into_iter().enumerate() {
        let reply = send(replica, &acme, Some(u32::try_from(i).unwrap()))
            .await
            .unwrap();
        assert_eq!(reply.status().as_u16(), 201);
    }
    relay.abort();
    let _ = relay.await;
    // Redis is gone: every request is still served, none waits on Redis for long.
    for i in 10..30_u32 {
        let replica = if i.is_multiple_of(2) { &one } else { &two };
        let started = Instant::now();
        let reply = send(replica, &acme, i.is_multiple_of(3).then_some(i))
            .await
            .unwrap();
        let status = reply.status().as_u16();
        assert!(
            status == 200 || status == 201,
            "{status}: {}",
            reply.text().await.unwrap()
        );
        assert!(started.elapsed() < Duration::from_secs(2));
    }
    // And each replica's own share holds: acme just ran on replica one, so globex competes
    // there and is held to its own burst of 2.
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(send(&one, &globex, None).await.unwrap().status().as_u16());
    }
    assert_eq!(&statuses[..2], &[200, 200], "{statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
}
