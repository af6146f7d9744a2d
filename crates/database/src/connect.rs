//! Connecting as the server does: pool sizes and per-connection SQLite settings, the one
//! writer connection on a SQLite file, and the background WAL checkpointer.

use std::time::{Duration, Instant};

use sea_orm::{
    ConnAcquireErr, ConnectionTrait as _, DatabaseBackend, DatabaseConnection, DbErr, RuntimeErr,
    SqlxPostgresConnector, SqlxSqliteConnector,
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

/// A pooled PostgreSQL connection idle for this long is pinged before it is handed out (see
/// [`connect_postgres`]); one in use more recently is handed out as it is.
const PING_AFTER_IDLE: Duration = Duration::from_secs(10);

/// How long one statement may run unless the server is configured otherwise.
pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);

/// SQLite virtual-machine instructions between two calls of a connection's progress handler
/// ([`ProgressLimit`]): well under a millisecond of work.
pub(crate) const PROGRESS_OPS: i32 = 10_000;

/// A pause this long between two calls of the progress handler starts a new run (see
/// [`ProgressLimit`]). Longer than the scheduler keeps a runnable thread waiting on a busy
/// machine, so being descheduled does not reset a busy statement's clock.
const PROGRESS_GAP: Duration = Duration::from_millis(50);

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
/// not every tenant a connection of the pool for minutes. SQLite has no statement timeout; each
/// of its connections gets a progress handler that interrupts a statement busy for longer
/// ([`ProgressLimit`]), which classifies the same way.
pub async fn connect_url_with(
    url: &str,
    statement_timeout: Duration,
) -> Result<DatabaseConnection, DbErr> {
    if url.starts_with("sqlite:") {
        return connect_sqlite(url, 8, statement_timeout).await;
    }
    connect_postgres(url, 32, statement_timeout).await
}

/// A PostgreSQL pool of `pool_size` connections, each with `statement_timeout`. Built with sqlx
/// itself, for one setting sea-orm's options lack: a connection is pinged before it is handed
/// out only if it sat idle for [`PING_AFTER_IDLE`] (sqlx's own suggestion for this), not before
/// every statement as `test_before_acquire` does, which was one more round trip to the server
/// for each statement of a request (a read is one statement). A connection that went bad while
/// idle (the server restarted, a proxy dropped it) is still found out and replaced before use;
/// one that breaks between two statements a few seconds apart fails that statement, as it would
/// have failed any statement already under way.
async fn connect_postgres(
    url: &str,
    pool_size: u32,
    statement_timeout: Duration,
) -> Result<DatabaseConnection, DbErr> {
    use sea_orm::sqlx::postgres::{PgConnectOptions, PgPoolOptions};
    use sea_orm::sqlx::{ConnectOptions as _, Connection as _};

    let failed = |err| DbErr::Conn(RuntimeErr::SqlxError(err));
    let millis = statement_timeout.as_millis().to_string();
    let options = url
        .parse::<PgConnectOptions>()
        .map_err(failed)?
        .disable_statement_logging()
        .options([("statement_timeout", millis.as_str())]);
    let pool = PgPoolOptions::new()
        .max_connections(pool_size)
        .acquire_timeout(Duration::from_secs(30))
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_AFTER_IDLE {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
        .connect_with(options)
        .await
        .map_err(failed)?;
    Ok(SqlxPostgresConnector::from_sqlx_postgres_pool(pool))
}

/// A SQLite pool of `pool_size` connections set up as [`connect_url_with`] says, each with the
/// progress limit. Built with sqlx itself: sea-orm's options have no per-connection hook.
async fn connect_sqlite(
    url: &str,
    pool_size: u32,
    statement_timeout: Duration,
) -> Result<DatabaseConnection, DbErr> {
    use sea_orm::sqlx::ConnectOptions as _;
    use sea_orm::sqlx::sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
    };

    let failed = |err| DbErr::Conn(RuntimeErr::SqlxError(err));
    let options = url
        .parse::<SqliteConnectOptions>()
        .map_err(failed)?
        .disable_statement_logging()
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .pragma("wal_autocheckpoint", AUTOCHECKPOINT_PAGES)
        .pragma("journal_size_limit", WAL_SIZE_LIMIT);
    let pool = SqlitePoolOptions::new()
        .max_connections(pool_size)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        // A connection to a local file does not go away; a ping per checkout would be one
        // more hand-off to the connection's thread for every statement.
        .test_before_acquire(false)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                let mut limit = ProgressLimit::new(statement_timeout);
                conn.lock_handle()
                    .await?
                    .set_progress_handler(PROGRESS_OPS, move || limit.proceed(Instant::now()));
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .map_err(failed)?;
    Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
}

/// The clock of a SQLite connection's progress handler. SQLite calls the handler every
/// [`PROGRESS_OPS`] instructions of the statement it runs, and says nothing of where one
/// statement ends and the next begins; so a *run* is a series of calls with no pause longer
/// than [`PROGRESS_GAP`] between them, which is one busy statement (or a few heavy ones back to
/// back in one transaction), and a run longer than the limit is interrupted: the statement
/// fails with `SQLITE_INTERRUPT`, which [`crate::classify`] calls a timeout. A statement that
/// waits (for the writer, for rows to be read) starts a new run when it resumes.
pub(crate) struct ProgressLimit {
    limit: Duration,
    started: Instant,
    last: Instant,
}

impl ProgressLimit {
    pub(crate) fn new(limit: Duration) -> Self {
        let now = Instant::now();
        Self {
            limit,
            started: now,
            last: now,
        }
    }

    /// Whether the statement may go on at `now`.
    pub(crate) fn proceed(&mut self, now: Instant) -> bool {
        if now.saturating_duration_since(self.last) > PROGRESS_GAP {
            self.started = now;
        }
        self.last = now;
        now.saturating_duration_since(self.started) <= self.limit
    }
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
    connect_writer_with(url, db, DEFAULT_STATEMENT_TIMEOUT).await
}

/// [`connect_writer`], a statement on the SQLite writer interrupted after `statement_timeout`.
pub async fn connect_writer_with(
    url: &str,
    db: &DatabaseConnection,
    statement_timeout: Duration,
) -> Result<DatabaseConnection, DbErr> {
    if db.get_database_backend() != DatabaseBackend::Sqlite || sqlite_path(url).is_none() {
        return Ok(db.clone());
    }
    connect_sqlite(url, 1, statement_timeout).await
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

    #[test]
    fn a_run_of_progress_calls_is_cut_at_the_limit_and_a_pause_starts_a_new_run() {
        let ms = Duration::from_millis;
        let t0 = Instant::now();
        let mut limit = ProgressLimit {
            limit: ms(100),
            started: t0,
            last: t0,
        };
        // A call every millisecond: one busy run, cut after 100 ms.
        for n in 1..=100 {
            assert!(limit.proceed(t0 + ms(n)), "at {n} ms");
        }
        assert!(!limit.proceed(t0 + ms(101)));
        // A pause longer than the gap (the statement ended, the next began) starts over.
        for n in 200..=300 {
            assert!(limit.proceed(t0 + ms(n)), "at {n} ms");
        }
        assert!(!limit.proceed(t0 + ms(301)));
        // Calls further apart than the gap never add up, however long they go on.
        for n in 0..200 {
            assert!(limit.proceed(t0 + ms(400 + n * 70)), "call {n}");
        }
    }

    #[tokio::test]
    async fn a_sqlite_statement_busy_past_the_limit_is_interrupted_as_a_timeout() {
        let dir = std::env::temp_dir().join(format!("rosterd-progress-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}/p.db?mode=rwc", dir.display());
        let db = connect_sqlite(&url, 1, Duration::from_millis(200))
            .await
            .unwrap();
        let endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) \
                       SELECT count(*) FROM c";
        let started = Instant::now();
        let err = db.execute_unprepared(endless).await.unwrap_err();
        assert_eq!(crate::classify(&err), crate::DbFailure::Timeout, "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        // The connection goes on serving statements.
        db.execute_unprepared("SELECT 1").await.unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    }
}
