//! Liveness and readiness.

use reqwest::StatusCode;
use rosterd_test_support::TestApp;
use serde_json::Value;

#[tokio::test]
async fn healthz_and_readyz_answer_without_a_token() {
    let app = TestApp::spawn().await;
    for (path, status) in [("/healthz", "ok"), ("/readyz", "ready")] {
        let res = app.get(&format!("{}{path}", app.base_url), None).await;
        assert_eq!(res.status(), StatusCode::OK);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["status"], status);
    }
}

#[tokio::test]
async fn readyz_is_503_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    app.db.conn.clone().close().await.unwrap();
    let res = app.get(&format!("{}/readyz", app.base_url), None).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn graceful_shutdown_lets_the_server_stop() {
    let app = TestApp::spawn().await;
    let base = app.base_url.clone();
    assert_eq!(
        app.get(&format!("{base}/healthz"), None).await.status(),
        StatusCode::OK
    );
    app.stop().await;
    assert!(
        reqwest::get(format!("{base}/healthz")).await.is_err(),
        "nothing listens after stop"
    );
}
