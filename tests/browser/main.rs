//! Browser end-to-end tests: the admin center in headless Chromium, driven through
//! chromedriver's W3C WebDriver protocol, against a real rosterd on an ephemeral port with a
//! fresh database per test. Screenshots of each page go to `target/browser-artifacts/<test>/`.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`scripts/install-browser.sh`), so the tests
//! are `#[ignore]`d: `cargo test --workspace` reports them as ignored, and `just test-browser`
//! (and CI) run them with `--include-ignored`. Run so without a browser, they print a notice and
//! pass, except under `CI`, where they fail.

#![expect(clippy::unwrap_used, reason = "tests")]

mod access;
mod admins;
mod groups;
mod operator;
mod people;
mod policy;
mod refusals;
mod reports;
mod settings;
mod support;
mod tour;
mod webdriver;
