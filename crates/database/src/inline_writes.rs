//! Write transactions on a SQLite file run on the calling thread.
//!
//! A SCIM create is a dozen statements in one transaction (the person, the user, its e-mails,
//! the license, its ledger entry and event, the audit row, BEGIN and COMMIT). Through sqlx each
//! is a message to the connection's own thread and a message back; issue 12's profile of creates
//! under load found more of the server's time in those thread switches (the kernel's
//! `finish_task_switch` on both threads, the wake-ups in between) than in SQLite. An
//! [`InlineWriter`] is one connection of its own (rusqlite, on the same file, the same SQLite
//! library) on which a whole transaction runs where it is asked for, statement after
//! statement, without leaving the calling thread.
//!
//! Writers take turns: [`InlineWriter::begin`] waits (asynchronously) for the transaction
//! before it to end, as writers queued for the one pooled writer connection before. The caller's
//! thread is a tokio worker, blocked while each statement runs; the turn means at most one
//! worker is ever so blocked by writes, and each statement is bounded by the same progress
//! limit as the pool's ([`ProgressLimit`]). Taking the database's write lock never blocks the
//! thread: `BEGIN IMMEDIATE` is tried without a busy timeout and, while another connection
//! (the admin center's, say) holds the lock, tried again after an asynchronous pause.
//!
//! A [`WriteTransaction`] is what every write transaction is, inline or on a pool
//! ([`crate::begin_write`]): callers run sea-orm statements on it through `ConnectionTrait`
//! and end it with [`WriteTransaction::commit`]; dropped before that, it rolls back. Rows read
//! inside an inline transaction are decoded by the types the entities declare for their
//! columns ([`Columns`], given when the writer is opened) and keyed by column name, so they are
//! read by name: entity models and `FromQueryResult` types. sea-orm reads a tuple of several
//! columns by position, which a row keyed by name cannot keep, so code that runs inside a write
//! transaction reads several columns into a `FromQueryResult` type, never a tuple.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use rusqlite::{ErrorCode, OpenFlags};
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseTransaction, DbBackend, DbErr, ExecResult,
    ProxyExecResult, QueryResult, Statement,
};
use tokio::sync::OwnedMutexGuard;

use crate::connect::{PROGRESS_OPS, ProgressLimit, sqlite_path};
use crate::inline_reads::{Columns, Param, failed, params, rows};

/// How long [`InlineWriter::begin`] keeps trying for the write lock another connection holds,
/// as long as the pool's connections wait on a busy file.
const LOCK_WAIT: Duration = Duration::from_secs(5);

/// The pause between two tries for the write lock.
const LOCK_RETRY: Duration = Duration::from_millis(1);

/// The connection's own settings, as the pool's connections have them (see
/// [`crate::connect_url_with`]); `foreign_keys` is sqlx's default.
const SETTINGS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
    PRAGMA foreign_keys = ON; PRAGMA wal_autocheckpoint = 16384; \
    PRAGMA journal_size_limit = 67108864;";

/// One connection to a SQLite file for write transactions on the caller's thread (see the
/// module documentation). Cheap to clone; clones share the connection and take turns on it.
#[derive(Clone)]
pub struct InlineWriter {
    turn: Arc<tokio::sync::Mutex<()>>,
    conn: Arc<Mutex<rusqlite::Connection>>,
    columns: Arc<Columns>,
    splits: Arc<Splits>,
    path: PathBuf,
}

impl std::fmt::Debug for InlineWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InlineWriter")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl InlineWriter {
    /// A writer for the SQLite file of `url`, its statements interrupted after
    /// `statement_timeout`, the rows it reads decoded as `columns` declares; `None` for
    /// PostgreSQL or an in-memory database. The file must exist (the server migrates it first).
    pub fn open(
        url: &str,
        statement_timeout: Duration,
        columns: Columns,
    ) -> Result<Option<Self>, DbErr> {
        if !url.starts_with("sqlite:") {
            return Ok(None);
        }
        let Some(path) = sqlite_path(url) else {
            return Ok(None);
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn = rusqlite::Connection::open_with_flags(path, flags).map_err(failed)?;
        conn.execute_batch(SETTINGS).map_err(failed)?;
        // No busy timeout: `begin` waits for the lock without blocking the thread.
        conn.busy_timeout(Duration::ZERO).map_err(failed)?;
        conn.set_prepared_statement_cache_capacity(128);
        let mut limit = ProgressLimit::new(statement_timeout);
        conn.progress_handler(PROGRESS_OPS, Some(move || !limit.proceed(Instant::now())));
        Ok(Some(Self {
            turn: Arc::new(tokio::sync::Mutex::new(())),
            conn: Arc::new(Mutex::new(conn)),
            columns: Arc::new(columns),
            splits: Arc::default(),
            path: PathBuf::from(path),
        }))
    }

    /// Begins a write transaction holding the database's write lock (`BEGIN IMMEDIATE`), once
    /// the transaction before it on this writer has ended. Another connection's lock is waited
    /// for as the pool waits on a busy file (up to five seconds), then the failure is
    /// contention (run again).
    pub async fn begin(&self) -> Result<WriteTransaction, DbErr> {
        // A transaction runs start to end without giving its thread back, so a request of many
        // writes (a bulk) would too: each transaction first lets the other ready tasks run,
        // and a request timeout fire.
        tokio::task::yield_now().await;
        let turn = self.turn.clone().lock_owned().await;
        let started = Instant::now();
        loop {
            let tried = lock(&self.conn).execute_batch("BEGIN IMMEDIATE");
            match tried {
                Ok(()) => break,
                Err(err)
                    if err.sqlite_error_code() == Some(ErrorCode::DatabaseBusy)
                        && started.elapsed() < LOCK_WAIT =>
                {
                    tokio::time::sleep(LOCK_RETRY).await;
                }
                Err(err) => return Err(failed(err)),
            }
        }
        Ok(WriteTransaction(Kind::Inline(InlineTransaction {
            conn: self.conn.clone(),
            columns: self.columns.clone(),
            splits: self.splits.clone(),
            open: true,
            _turn: turn,
        })))
    }
}

fn lock(conn: &Mutex<rusqlite::Connection>) -> MutexGuard<'_, rusqlite::Connection> {
    conn.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A write transaction: on a SQLite file's [`InlineWriter`], or a pool's transaction. Run
/// statements on it as on any sea-orm connection; [`Self::commit`] ends it, and dropping it
/// before that rolls it back.
#[derive(Debug)]
pub struct WriteTransaction(Kind);

#[derive(Debug)]
enum Kind {
    Pooled(DatabaseTransaction),
    Inline(InlineTransaction),
}

impl WriteTransaction {
    /// A pool's transaction as a write transaction (see [`crate::begin_write`]).
    pub(crate) fn pooled(txn: DatabaseTransaction) -> Self {
        Self(Kind::Pooled(txn))
    }

    /// Commits. A failed commit leaves nothing of the transaction behind.
    pub async fn commit(self) -> Result<(), DbErr> {
        match self.0 {
            Kind::Pooled(txn) => txn.commit().await,
            Kind::Inline(mut txn) => txn.end(true),
        }
    }

    /// Rolls back.
    pub async fn rollback(self) -> Result<(), DbErr> {
        match self.0 {
            Kind::Pooled(txn) => txn.rollback().await,
            Kind::Inline(mut txn) => txn.end(false),
        }
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTransaction {
    fn get_database_backend(&self) -> DbBackend {
        match &self.0 {
            Kind::Pooled(txn) => txn.get_database_backend(),
            Kind::Inline(_) => DatabaseBackend::Sqlite,
        }
    }

    async fn execute(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        match &self.0 {
            Kind::Pooled(txn) => txn.execute(stmt).await,
            Kind::Inline(txn) => txn.execute(&stmt),
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        match &self.0 {
            Kind::Pooled(txn) => txn.execute_unprepared(sql).await,
            Kind::Inline(txn) => txn.execute_unprepared(sql),
        }
    }

    async fn query_one(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match &self.0 {
            Kind::Pooled(txn) => txn.query_one(stmt).await,
            Kind::Inline(txn) => Ok(txn.query(&stmt, 1)?.into_iter().next()),
        }
    }

    async fn query_all(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match &self.0 {
            Kind::Pooled(txn) => txn.query_all(stmt).await,
            Kind::Inline(txn) => txn.query(&stmt, usize::MAX),
        }
    }
}

/// A transaction on an [`InlineWriter`]'s connection, holding the writer's turn until it ends.
struct InlineTransaction {
    conn: Arc<Mutex<rusqlite::Connection>>,
    columns: Arc<Columns>,
    splits: Arc<Splits>,
    open: bool,
    _turn: OwnedMutexGuard<()>,
}

impl std::fmt::Debug for InlineTransaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InlineTransaction")
            .field("open", &self.open)
            .finish_non_exhaustive()
    }
}

impl InlineTransaction {
    /// The connection, still inside this transaction. SQLite ends a transaction by itself on
    /// some failures (an interrupted statement, a full disk); a statement after that would run
    /// and commit on its own, so it is refused instead.
    fn conn(&self) -> Result<MutexGuard<'_, rusqlite::Connection>, DbErr> {
        let conn = lock(&self.conn);
        if !self.open || conn.is_autocommit() {
            return Err(DbErr::Custom(
                "the write transaction was rolled back by SQLite after a failed statement".into(),
            ));
        }
        Ok(conn)
    }

    fn execute(&self, stmt: &Statement) -> Result<ExecResult, DbErr> {
        let conn = self.conn()?;
        let changed = if stmt.sql.contains(';') {
            self.execute_each(&conn, stmt)?
        } else {
            let mut prepared = conn.prepare_cached(&stmt.sql).map_err(failed)?;
            prepared.execute(params(stmt)).map_err(failed)? as u64
        };
        Ok(ExecResult::from(ProxyExecResult::new(
            u64::try_from(conn.last_insert_rowid()).unwrap_or_default(),
            changed,
        )))
    }

    /// A text of several statements (as the ledger joins them for one round trip to a pool's
    /// connection), run one after another, each taking its share of the values in order, as
    /// sqlx runs it; returns the rows they changed, together.
    fn execute_each(&self, conn: &rusqlite::Connection, stmt: &Statement) -> Result<u64, DbErr> {
        let statements = self.splits.statements(conn, &stmt.sql);
        let mut values = stmt.values.iter().flat_map(|values| values.0.iter());
        let mut changed = 0;
        for sql in statements.iter() {
            let mut prepared = conn.prepare_cached(sql).map_err(failed)?;
            for index in 1..=prepared.parameter_count() {
                let value = values.next().ok_or_else(|| {
                    DbErr::Custom(format!(
                        "too few values for the statements of `{}`",
                        stmt.sql
                    ))
                })?;
                prepared
                    .raw_bind_parameter(index, Param(value))
                    .map_err(failed)?;
            }
            prepared.raw_execute().map_err(failed)?;
            changed += conn.changes();
        }
        if values.next().is_some() {
            return Err(DbErr::Custom(format!(
                "too many values for the statements of `{}`",
                stmt.sql
            )));
        }
        Ok(changed)
    }

    fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        let conn = self.conn()?;
        conn.execute_batch(sql).map_err(failed)?;
        Ok(ExecResult::from(ProxyExecResult::new(
            u64::try_from(conn.last_insert_rowid()).unwrap_or_default(),
            conn.changes(),
        )))
    }

    fn query(&self, stmt: &Statement, limit: usize) -> Result<Vec<QueryResult>, DbErr> {
        let conn = self.conn()?;
        rows(&conn, stmt, &self.columns, limit)
    }

    /// Commits or rolls back; whatever fails, the transaction is over and, unless its commit
    /// succeeded, nothing of it is kept.
    fn end(&mut self, commit: bool) -> Result<(), DbErr> {
        if !self.open {
            return Ok(());
        }
        self.open = false;
        let conn = lock(&self.conn);
        if conn.is_autocommit() {
            // SQLite already rolled it back (see `conn`).
            return if commit {
                Err(DbErr::Custom(
                    "the write transaction was rolled back by SQLite after a failed statement"
                        .into(),
                ))
            } else {
                Ok(())
            };
        }
        let ended = conn
            .execute_batch(if commit { "COMMIT" } else { "ROLLBACK" })
            .map_err(failed);
        if ended.is_err() && !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        ended
    }
}

impl Drop for InlineTransaction {
    fn drop(&mut self) {
        let _ = self.end(false);
    }
}

/// The statements of each multi-statement text a writer has run, split once.
#[derive(Default)]
struct Splits {
    known: Mutex<HashMap<String, Arc<[String]>>>,
}

/// Texts remembered; the ledger joins a handful of shapes, so more means something else.
const SPLITS_KEPT: usize = 256;

impl Splits {
    fn statements(&self, conn: &rusqlite::Connection, sql: &str) -> Arc<[String]> {
        let mut known = self.known.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(split) = known.get(sql) {
            return split.clone();
        }
        let split: Arc<[String]> = split_statements(conn, sql).into();
        if known.len() >= SPLITS_KEPT {
            known.clear();
        }
        known.insert(sql.to_owned(), split.clone());
        split
    }
}

/// `sql` cut into its statements: at each `;` that ends a text SQLite can prepare, so a `;`
/// inside a literal or a trigger's body does not cut.
fn split_statements(conn: &rusqlite::Connection, sql: &str) -> Vec<String> {
    let mut statements = Vec::new();
    let mut start = 0;
    for (end, _) in sql.match_indices(';') {
        let piece = sql[start..end].trim();
        if piece.is_empty() {
            start = end + 1;
        } else if conn.prepare(piece).is_ok() {
            statements.push(piece.to_owned());
            start = end + 1;
        }
    }
    let rest = sql[start..].trim();
    if !rest.is_empty() {
        statements.push(rest.to_owned());
    }
    statements
}

#[cfg(test)]
mod tests;
