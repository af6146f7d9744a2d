# The everyday commands. `just --list` shows them.

# Start the server on the embedded SQLite database with a demo tenant.
run:
    cargo run -p rosterd -- serve --demo

# The test suite on SQLite (what the README gives).
test:
    cargo test --workspace

# The same suite on the local PostgreSQL server.
test-pg:
    ROSTERD_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432 cargo test --workspace

# The browser end-to-end tests in headless Chromium; screenshots land in target/browser-artifacts/.
test-browser:
    bash scripts/install-browser.sh
    CI=true cargo test -p rosterd-e2e --test browser -- --include-ignored

# Formatting and lints, as CI runs them.
lint:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets -- -D warnings

# Everything CI runs.
ci:
    bash .ci/run
