//! Connecting as the server does: pool sizes and per-connection SQLite settings, the one
//! writer connection on a SQLite file, and the background WAL checkpointer.

use std::time::Duration;

use sea_orm::{
    ConnAcquireErr, ConnectOptions, ConnectionTrait as _, Database, DatabaseBackend,
    DatabaseConnection, DbErr,
};
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

/// How often the server checkpoints a SQLite database's WAL ([`spawn_checkpointer`]).
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// The WAL size, in pages, at which a committing connection checkpoints by itself: a backstop
/// for processes without the background checkpointer (the CLI) or when it falls behind.
const AUTOCHECKPOINT_PAGES: &str = "16384";

/// The size a SQLite WAL file is cut back to after a checkpoint resets it (64 MiB).
const WAL_SIZE_LIMIT: &str = "67108864";

/// How long one PostgreSQL statement may run unless the server is configured otherwise.
pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);

/// Opens the database at `url` with the server's pool sizes and [`DEFAULT_STATEMENT_TIMEOUT`]
/// (see [`connect_url_with`]).
pub async fn connect_url(url: &str) -> Result<DatabaseConnection, DbErr> {
    connect_url_with(url, DEFAULT_STATEMENT_TIMEOUT).await
}

/// Opens the database at `url` with the server's pool sizes. Every SQLite connection of the
/// pool is set up alike: WAL, so readers never wait for the writer; `synchronous = NORMAL`,
/// which in WAL mode syncs at checkpoints rather than at every commit (a commit survives a crash
/// of the process; a power cut may lose the last ones, never corrupt the file); and a high
/// auto-checkpoint threshold, because the server checkpoints in the background. These are
/// per-connection settings, so they go into the connect options, not a statement run once.
///
/// On PostgreSQL every connection gets `statement_timeout` (set at connect time, so no
/// statement escapes it): a statement that runs longer, or waits longer for a lock, is
/// cancelled and [`crate::classify`] calls it [`crate::DbFailure::Timeout`], which the SCIM
/// surface answers 503 with `Retry-After`. One heavy request then costs its tenant an error,
/// not every tenant a connection of the pool for minutes.
pub async fn connect_url_with(
    url: &str,
    statement_timeout: Duration,
) -> Result<DatabaseConnection, DbErr> {
    let pool_size = if url.starts_with("sqlite:") { 8 } else { 32 };
    let mut options = options(url, pool_size);
    if !url.starts_with("sqlite:") {
        let millis = statement_timeout.as_millis().to_string();
        options
            .map_sqlx_postgres_opts(move |pg| pg.options([("statement_timeout", millis.as_str())]));
    }
    Database::connect(options).await
}

/// The connection SCIM writes and the provisioning log run on (the server's `AppState::writer`). For a
/// SQLite file, a pool of its own with one connection: SQLite lets one writer in at a time
/// anyway, so writers now queue for that connection in order instead of polling the file lock,
/// and its page cache stays warm (a SQLite connection drops its cache whenever another
/// connection wrote; with writes spread over the pool, each write transaction first re-read
/// every index page it touched). Elsewhere (PostgreSQL, in-memory SQLite) `db` itself.
pub async fn connect_writer(
    url: &str,
    db: &DatabaseConnection,
) -> Result<DatabaseConnection, DbErr> {
    if db.get_database_backend() != DatabaseBackend::Sqlite || sqlite_path(url).is_none() {
        return Ok(db.clone());
    }
    Database::connect(options(url, 1)).await
}

/// The connect options of a pool of `pool_size` connections to `url`.
fn options(url: &str, pool_size: u32) -> ConnectOptions {
    use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};

    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30))
        .max_connections(pool_size);
    if url.starts_with("sqlite:") {
        options.min_connections(1).map_sqlx_sqlite_opts(|sqlite| {
            sqlite
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .pragma("wal_autocheckpoint", AUTOCHECKPOINT_PAGES)
                .pragma("journal_size_limit", WAL_SIZE_LIMIT)
        });
    }
    options
}

/// Checkpoints a SQLite database's WAL every [`CHECKPOINT_EVERY`] (`None` on PostgreSQL), until
/// the pool is closed or the task aborted.
///
/// Left to SQLite, the connection whose commit crosses the threshold copies the WAL back into
/// the database file and syncs it, inside that request: one write in a few dozen paid 10-20 ms.
/// A passive checkpoint here does the same work off the request path and never blocks a writer.
pub fn spawn_checkpointer(db: &DatabaseConnection) -> Option<JoinHandle<()>> {
    if db.get_database_backend() != DatabaseBackend::Sqlite {
        return None;
    }
    let db = db.clone();
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut failing = false;
        loop {
            tick.tick().await;
            match db
                .execute_unprepared("PRAGMA wal_checkpoint(PASSIVE)")
                .await
            {
                Ok(_) => failing = false,
                Err(DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed)) => break,
                // Said once per run of failures, not four times a second.
                Err(err) if !failing => {
                    failing = true;
                    tracing::warn!(error = %err, "SQLite WAL checkpoint failed; retrying");
                }
                Err(_) => {}
            }
        }
    }))
}

/// Whether the database answers (for `/readyz`).
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.ping().await.is_ok()
}

/// The file of a SQLite URL (`None` for PostgreSQL or an in-memory database).
pub fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then_some(path)
}

/// The pool's connections: how many are open, and how many of those are idle.
pub fn pool_connections(db: &DatabaseConnection) -> (u32, u32) {
    match db {
        DatabaseConnection::SqlxSqlitePoolConnection(_) => {
            let pool = db.get_sqlite_connection_pool();
            (
                pool.size(),
                u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
            )
        }
        DatabaseConnection::SqlxPostgresPoolConnection(_) => {
            let pool = db.get_postgres_connection_pool();
            (
                pool.size(),
                u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
            )
        }
        _ => (0, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_sqlite_file_path() {
        assert_eq!(
            sqlite_path("sqlite://./data/rosterd.db?mode=rwc"),
            Some("./data/rosterd.db")
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://localhost/x"), None);
    }
}
