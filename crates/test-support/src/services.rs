//! Services other than the database that some tests need, given by environment variables: a
//! test that needs one runs only when it is named, and otherwise says it was skipped. CI names
//! every one (`.ci/run`); under `CI` a missing one fails the test instead of skipping it.

/// The environment variable naming the Redis for tests, e.g. `redis://127.0.0.1:6379`.
pub const REDIS_ENV: &str = "ROSTERD_TEST_REDIS";

/// The Redis to test against, or `None` (the caller returns: the test is skipped, and this
/// says so on stderr).
///
/// # Panics
/// Under `CI` when [`REDIS_ENV`] is unset: CI must not pass a test it did not run.
pub fn redis_url() -> Option<String> {
    let url = std::env::var(REDIS_ENV)
        .ok()
        .filter(|v| !v.trim().is_empty());
    if url.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{REDIS_ENV} is not set under CI: the Redis tests must run"
        );
        eprintln!(
            "skipped: this test needs Redis; set {REDIS_ENV}=redis://127.0.0.1:6379 to run it"
        );
    }
    url
}
