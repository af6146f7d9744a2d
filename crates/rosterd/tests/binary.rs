//! The `rosterd` binary as a newcomer and an operator meet it: `serve --demo` on a fresh data
//! directory, a restart that duplicates nothing, SIGTERM, and trace export over OTLP.

#![expect(clippy::unwrap_used, reason = "tests")]

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `rosterd serve ...` in `dir`, returns the child and its stdout up to the server start.
fn start(
    dir: &std::path::Path,
    port: u16,
    extra: &[&str],
    env: &[(&str, String)],
) -> (Child, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rosterd"));
    cmd.current_dir(dir)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(extra)
        .env_remove("DATABASE_URL")
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut out = String::new();
    if extra.contains(&"--demo") {
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        // The demo block ends with a blank line after the last app (or the `try it` hint).
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            line.clear();
            if reader.read_line(&mut line).unwrap() == 0 {
                break;
            }
            out.push_str(&line);
            if out.contains("TeamLink Extend:") && line.trim().is_empty() {
                break;
            }
        }
    }
    wait_ready(port);
    (child, out)
}

fn wait_ready(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("rosterd did not start listening on {port}");
}

fn terminate(mut child: Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(
                status.success(),
                "rosterd exited with {status} after SIGTERM"
            );
            return;
        }
        assert!(
            Instant::now() < deadline,
            "rosterd did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn token_for(out: &str, product: &str) -> Option<String> {
    let section = out.split(&format!("{product}:\n")).nth(1)?;
    let line = section
        .lines()
        .find(|l| l.trim_start().starts_with("token:"))?;
    line.contains("shown only now")
        .then(|| line.split_whitespace().nth(1).unwrap().to_owned())
}

#[tokio::test]
async fn serve_demo_works_on_a_fresh_machine_and_restarts_without_duplicating() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (child, out) = start(dir.path(), port, &["--demo"], &[]);
    assert!(out.contains("rosterd demo (created)"), "{out}");
    assert!(
        out.contains("admin@demo.example /"),
        "a one-time admin password: {out}"
    );
    let learning = token_for(&out, "Learning").expect("a Learning token");
    let sales = token_for(&out, "Sales Navigator").expect("a Sales Navigator token");
    let base = format!("http://127.0.0.1:{port}/scim/demo/learning/v2/ServiceProviderConfig");
    let client = reqwest::Client::new();

    let ok = client
        .get(&base)
        .bearer_auth(&learning)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()["content-type"], "application/scim+json");
    assert_eq!(client.get(&base).send().await.unwrap().status(), 401);
    assert_eq!(
        client
            .get(&base)
            .bearer_auth(&sales)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert!(
        dir.path().join("data/rosterd.db").exists(),
        "SQLite file under ./data/"
    );
    terminate(child);

    let (child, out) = start(dir.path(), port, &["--demo"], &[]);
    assert!(out.contains("rosterd demo (already set up)"), "{out}");
    assert!(
        !out.contains("shown only now"),
        "no secret printed twice: {out}"
    );
    // A new client: the old one's pooled connection died with the first server.
    let again = reqwest::Client::new()
        .get(&base)
        .bearer_auth(&learning)
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.status(),
        200,
        "the first token still works after a restart"
    );
    terminate(child);
}

#[tokio::test]
async fn spans_and_metrics_are_exported_over_otlp_when_an_endpoint_is_set() {
    let received: Arc<Mutex<Vec<(String, usize)>>> = Arc::default();
    let collector =
        ["/v1/traces", "/v1/metrics"]
            .into_iter()
            .fold(axum::Router::new(), |router, path| {
                let seen = received.clone();
                router.route(
                    path,
                    axum::routing::post(move |body: axum::body::Bytes| {
                        let seen = seen.clone();
                        async move {
                            seen.lock().unwrap().push((path.to_owned(), body.len()));
                            axum::http::StatusCode::OK
                        }
                    }),
                )
            });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let collector_addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, collector).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (child, _) = start(
        dir.path(),
        port,
        &[],
        &[
            (
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                format!("http://{collector_addr}"),
            ),
            ("ROSTERD_OTLP_METRICS_INTERVAL_SECS", "1".to_owned()),
        ],
    );
    let health = reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    // The seat gauges are read at start and pushed every second.
    let pushed = |path: &str| received.lock().unwrap().iter().any(|(p, _)| p == path);
    for _ in 0..50 {
        if pushed("/v1/metrics") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        pushed("/v1/metrics"),
        "the collector received no metrics export"
    );
    // Stopping flushes the batch exporter.
    tokio::task::spawn_blocking(move || terminate(child))
        .await
        .unwrap();
    let got = received.lock().unwrap().clone();
    assert!(
        pushed("/v1/traces"),
        "the collector received no trace export: {got:?}"
    );
    assert!(got.iter().all(|(_, len)| *len > 0));
}

#[test]
fn a_bad_setting_stops_the_server_with_the_key_named() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_rosterd"))
        .current_dir(dir.path())
        .args(["serve"])
        .env("ROSTERD_LISTEN", "localhost")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("listen (ROSTERD_LISTEN): expected an address and port"),
        "{stderr}"
    );
}
