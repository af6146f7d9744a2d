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
//! The writer holds the database's write lock nearly all the time under load (see group commit
//! at [`WriteTransaction::commit`]), and a pool connection waiting for the lock polls for it in
//! SQLite's busy handler, sleeping up to 100 ms between tries: it would rarely find the lock
//! free, and an admin's save or a token's `last_used_at` write could wait out the whole busy
//! timeout. A write on a pool announces itself while it waits ([`PoolWrite`]); meanwhile the
//! process's inline writers close the group they have open and begin no other, so the pool's
//! writer takes the lock at its next try.
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
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use rusqlite::{ErrorCode, OpenFlags};
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseTransaction, DbBackend, DbErr, ExecResult,
    ProxyExecResult, QueryResult, Statement,
};
use tokio::sync::{OwnedMutexGuard, watch};

use crate::connect::{PROGRESS_OPS, ProgressLimit, sqlite_path};
use crate::inline_reads::{Columns, Param, failed, params, rows};

/// How long [`InlineWriter::begin`] keeps trying for the write lock another connection holds,
/// as long as the pool's connections wait on a busy file.
const LOCK_WAIT: Duration = Duration::from_secs(5);

/// The pause between two tries for the write lock.
const LOCK_RETRY: Duration = Duration::from_millis(1);

/// The connection's own settings, as the pool's connections have them (see
/// [`crate::connect_url_with`]); `foreign_keys` is sqlx's default. `temp_store = MEMORY` keeps
/// the savepoints' sub-journal (the page images a unit's rollback would restore, see
/// [`WriteTransaction::commit`]) in memory: in a temporary file it was a `pwrite` for each
/// page a unit first touched, 23% of the server's samples under creates.
const SETTINGS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
    PRAGMA foreign_keys = ON; PRAGMA wal_autocheckpoint = 16384; \
    PRAGMA journal_size_limit = 67108864; PRAGMA temp_store = MEMORY;";

/// One connection to a SQLite file for write transactions on the caller's thread (see the
/// module documentation). Cheap to clone; clones share the connection and take turns on it.
#[derive(Clone)]
pub struct InlineWriter {
    inner: Arc<Writer>,
}

struct Writer {
    /// Held by the transaction running on the connection.
    turn: Arc<tokio::sync::Mutex<()>>,
    /// Transactions waiting for the turn (see [`Queued`]).
    queued: AtomicUsize,
    /// What the turn has been held for so far ([`InlineWriter::busy`]).
    held_ns: AtomicU64,
    turns: AtomicU64,
    shared: Mutex<Shared>,
    columns: Columns,
    splits: Splits,
    path: PathBuf,
}

/// The connection and the group commit open on it.
struct Shared {
    conn: rusqlite::Connection,
    group: Option<Group>,
    groups: u64,
}

/// Transactions committed into one SQLite transaction that is not committed yet: each ran as a
/// savepoint of it and waits for its COMMIT.
struct Group {
    id: u64,
    /// Transactions released into the group.
    members: usize,
    started: Instant,
    done: watch::Sender<Option<Result<(), String>>>,
}

/// At most this many transactions share one commit.
const GROUP_MEMBERS: usize = 64;

/// A group is committed once it is this old, whoever waits.
const GROUP_AGE: Duration = Duration::from_millis(20);

/// A member waiting this long for its group's commit commits the group itself (the
/// transaction it was handed to went away before taking its turn).
const GROUP_ABANDONED: Duration = Duration::from_millis(50);

impl std::fmt::Debug for InlineWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InlineWriter")
            .field("path", &self.inner.path)
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
            inner: Arc::new(Writer {
                turn: Arc::new(tokio::sync::Mutex::new(())),
                queued: AtomicUsize::new(0),
                held_ns: AtomicU64::new(0),
                turns: AtomicU64::new(0),
                shared: Mutex::new(Shared {
                    conn,
                    group: None,
                    groups: 0,
                }),
                columns,
                splits: Splits::default(),
                path: PathBuf::from(path),
            }),
        }))
    }

    /// Begins a write transaction, once the transaction before it on this writer has ended.
    /// It holds the database's write lock: it opens a group (`BEGIN IMMEDIATE`) or joins the
    /// one the transaction before it left open (see [`WriteTransaction::commit`]), as a
    /// savepoint. Another connection's lock, and an announced pool write ([`PoolWrite`]), are
    /// waited for as the pool waits on a busy file (up to five seconds), then the failure is
    /// contention (run again).
    pub async fn begin(&self) -> Result<WriteTransaction, DbErr> {
        // A transaction runs start to end without giving its thread back, so a request of many
        // writes (a bulk) would too: each transaction first lets the other ready tasks run,
        // and a request timeout fire.
        tokio::task::yield_now().await;
        let turn = {
            let _queued = Queued::on(&self.inner.queued);
            self.inner.turn.clone().lock_owned().await
        };
        let started = Instant::now();
        while !self.inner.open_group()? {
            if started.elapsed() >= LOCK_WAIT {
                return Err(DbErr::Custom(format!(
                    "error returned from database: (code: 5) another connection held the write lock for {LOCK_WAIT:?}"
                )));
            }
            tokio::time::sleep(LOCK_RETRY).await;
        }
        let mut shared = self.inner.shared();
        if let Err(err) = run_cached(&shared.conn, "SAVEPOINT unit") {
            let _ = shared.close(false);
            return Err(failed(err));
        }
        Ok(WriteTransaction(Kind::Inline(InlineTransaction {
            writer: self.inner.clone(),
            open: true,
            turn: Some(turn),
            turn_from: started,
        })))
    }
}

/// How long an [`InlineWriter`]'s turn has been held, in all, and by how many transactions,
/// since the writer was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WriterBusy {
    pub held: Duration,
    pub transactions: u64,
}

impl InlineWriter {
    /// The time the transactions begun on this writer have held its turn (from taking it,
    /// through any wait for another connection's lock, to their end), and their number. All
    /// of a SQLite file's SCIM writes take the turn one after another, so the held time's rate,
    /// seconds per second, is how busy the one write path is: near 1, writes queue for it
    /// however many cores are idle.
    pub fn busy(&self) -> WriterBusy {
        WriterBusy {
            held: Duration::from_nanos(self.inner.held_ns.load(Ordering::Relaxed)),
            transactions: self.inner.turns.load(Ordering::Relaxed),
        }
    }
}

impl InlineWriter {
    /// How many groups (SQLite transactions) this writer has begun.
    #[cfg(test)]
    fn groups(&self) -> u64 {
        self.inner.shared().groups
    }
}

impl Writer {
    fn shared(&self) -> MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Makes sure a group is open (`BEGIN IMMEDIATE` unless one is); `false` while another
    /// connection holds the write lock or a pool's write waits for it ([`PoolWrite`]).
    fn open_group(&self) -> Result<bool, DbErr> {
        let mut shared = self.shared();
        if shared.group.is_some() {
            return Ok(true);
        }
        if pool_writes_waiting() {
            return Ok(false);
        }
        match run_cached(&shared.conn, "BEGIN IMMEDIATE") {
            Ok(()) => {
                shared.groups += 1;
                shared.group = Some(Group {
                    id: shared.groups,
                    members: 0,
                    started: Instant::now(),
                    done: watch::Sender::new(None),
                });
                Ok(true)
            }
            Err(err) if err.sqlite_error_code() == Some(ErrorCode::DatabaseBusy) => Ok(false),
            Err(err) => Err(failed(err)),
        }
    }
}

impl Shared {
    /// Ends the open group: commits it (when `commit` and it has members) or rolls it back,
    /// and tells its members. A group SQLite already rolled back fails its members as
    /// contention, so each runs its transaction again.
    fn close(&mut self, commit: bool) -> Result<(), String> {
        let Some(group) = self.group.take() else {
            return Ok(());
        };
        let outcome = if self.conn.is_autocommit() {
            Err(ROLLED_BACK.to_owned())
        } else if commit && group.members > 0 {
            run_cached(&self.conn, "COMMIT").map_err(|err| {
                let message = failed(err).to_string();
                if !self.conn.is_autocommit() {
                    let _ = self.conn.execute_batch("ROLLBACK");
                }
                message
            })
        } else {
            let _ = self.conn.execute_batch("ROLLBACK");
            if group.members > 0 {
                Err(ROLLED_BACK.to_owned())
            } else {
                Ok(())
            }
        };
        group.done.send_replace(Some(outcome.clone()));
        outcome
    }
}

/// Writes on pools' connections now waiting for a SQLite file's write lock, in this process.
static POOL_WRITES: AtomicUsize = AtomicUsize::new(0);

fn pool_writes_waiting() -> bool {
    POOL_WRITES.load(Ordering::SeqCst) > 0
}

/// A write on a pool's connection to a SQLite file, announced for as long as it waits for the
/// write lock (see the module documentation): hold it across the statement that takes the lock
/// (a transaction's first write, or each of a few statements run on their own) and drop it
/// once that is done. [`crate::begin_write`] announces its transactions itself. Announcing is
/// for this process's writers: another process's writes still wait in SQLite's busy handler.
#[must_use = "the write is announced only while this is held"]
pub struct PoolWrite {
    counted: bool,
}

impl PoolWrite {
    /// Announces a write on a connection of `db` (nothing to announce on PostgreSQL).
    pub fn on(db: &impl ConnectionTrait) -> Self {
        Self::announce(db.get_database_backend())
    }

    /// Announces a pool write on `backend` (nothing to announce on PostgreSQL).
    pub fn announce(backend: DatabaseBackend) -> Self {
        let counted = backend == DatabaseBackend::Sqlite;
        if counted {
            POOL_WRITES.fetch_add(1, Ordering::SeqCst);
        }
        Self { counted }
    }
}

impl Drop for PoolWrite {
    fn drop(&mut self) {
        if self.counted {
            POOL_WRITES.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// What a member of a group lost to a rollback is told. [`crate::classify`] reads it as
/// contention: the transaction is run again.
pub(crate) const ROLLED_BACK: &str =
    "the write group was rolled back after a failed statement; run the transaction again";

/// Counts a transaction waiting for the writer's turn for as long as it waits (also when its
/// request goes away meanwhile).
struct Queued<'a>(&'a AtomicUsize);

impl<'a> Queued<'a> {
    fn on(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Self(count)
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
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

    /// Commits; returns once what the transaction wrote is durable as a commit is (and seen by
    /// every connection). A failed commit leaves nothing of the transaction behind.
    ///
    /// On an [`InlineWriter`] (group commit): when other transactions wait for the writer, this
    /// one is released into the SQLite transaction still open and the next takes its turn at
    /// once; the last of the group (no one waits, or the group is full or old) commits them
    /// all with one COMMIT, and each returns with that COMMIT's outcome. SQLite writes a page
    /// the group's transactions share (an index's last leaf, the seat pool's row) once per
    /// group instead of once per transaction.
    pub async fn commit(self) -> Result<(), DbErr> {
        match self.0 {
            Kind::Pooled(txn) => txn.commit().await,
            Kind::Inline(mut txn) => {
                let ending = txn.end(true);
                let writer = txn.writer.clone();
                // The turn goes to the next transaction before this one waits for its group.
                drop(txn);
                match ending {
                    Ending::Done(outcome) => outcome.map_err(DbErr::Custom),
                    Ending::Grouped { id, done } => {
                        grouped(&writer, id, done).await.map_err(DbErr::Custom)
                    }
                }
            }
        }
    }

    /// Rolls back.
    pub async fn rollback(self) -> Result<(), DbErr> {
        match self.0 {
            Kind::Pooled(txn) => txn.rollback().await,
            Kind::Inline(mut txn) => match txn.end(false) {
                Ending::Done(outcome) => outcome.map_err(DbErr::Custom),
                Ending::Grouped { .. } => Ok(()),
            },
        }
    }
}

/// The outcome of the group `id` a committed transaction was released into: its COMMIT's. If
/// the group stays open past [`GROUP_ABANDONED`] (the transaction it was handed to went away
/// before its turn), this member takes the turn and commits it.
async fn grouped(
    writer: &Writer,
    id: u64,
    mut done: watch::Receiver<Option<Result<(), String>>>,
) -> Result<(), String> {
    loop {
        let waited = tokio::time::timeout(GROUP_ABANDONED, done.wait_for(Option::is_some))
            .await
            .map(|seen| seen.map(|outcome| outcome.clone()));
        match waited {
            Ok(Ok(outcome)) => return outcome.unwrap_or_else(|| Err(ROLLED_BACK.to_owned())),
            Ok(Err(_)) => return Err(ROLLED_BACK.to_owned()),
            Err(_) => {
                let _turn = writer.turn.lock().await;
                let mut shared = writer.shared();
                if shared.group.as_ref().is_some_and(|group| group.id == id) {
                    return shared.close(true);
                }
            }
        }
    }
}

/// How a transaction's end came out: over, or released into a group that commits later.
enum Ending {
    Done(Result<(), String>),
    Grouped {
        id: u64,
        done: watch::Receiver<Option<Result<(), String>>>,
    },
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

/// A transaction on an [`InlineWriter`]'s connection (a savepoint of its open group), holding
/// the writer's turn until it ends.
struct InlineTransaction {
    writer: Arc<Writer>,
    open: bool,
    turn: Option<OwnedMutexGuard<()>>,
    /// When the turn was taken.
    turn_from: Instant,
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
    fn shared(&self) -> Result<MutexGuard<'_, Shared>, DbErr> {
        let shared = self.writer.shared();
        if !self.open || shared.conn.is_autocommit() {
            return Err(DbErr::Custom(ROLLED_BACK.to_owned()));
        }
        Ok(shared)
    }

    fn execute(&self, stmt: &Statement) -> Result<ExecResult, DbErr> {
        let shared = self.shared()?;
        let conn = &shared.conn;
        let changed = if stmt.sql.contains(';') {
            execute_each(conn, &self.writer.splits, stmt)?
        } else {
            let mut prepared = conn.prepare_cached(&stmt.sql).map_err(failed)?;
            prepared.execute(params(stmt)).map_err(failed)? as u64
        };
        Ok(ExecResult::from(ProxyExecResult::new(
            u64::try_from(conn.last_insert_rowid()).unwrap_or_default(),
            changed,
        )))
    }

    fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        let shared = self.shared()?;
        shared.conn.execute_batch(sql).map_err(failed)?;
        Ok(ExecResult::from(ProxyExecResult::new(
            u64::try_from(shared.conn.last_insert_rowid()).unwrap_or_default(),
            shared.conn.changes(),
        )))
    }

    fn query(&self, stmt: &Statement, limit: usize) -> Result<Vec<QueryResult>, DbErr> {
        let shared = self.shared()?;
        rows(&shared.conn, stmt, &self.writer.columns, limit)
    }

    /// Releases (`commit`) or rolls back this transaction's savepoint, then either leaves the
    /// group open for the transaction waiting next or ends the group (see
    /// [`WriteTransaction::commit`]). Whatever fails, this transaction is over and, unless
    /// its group commits, nothing of it is kept.
    fn end(&mut self, commit: bool) -> Ending {
        if !self.open {
            return Ending::Done(Ok(()));
        }
        self.open = false;
        let mut shared = self.writer.shared();
        if shared.group.is_none() || shared.conn.is_autocommit() {
            // SQLite rolled the group back (see `shared`): its members run again.
            let closed = shared.close(false);
            return Ending::Done(if commit {
                closed.and(Err(ROLLED_BACK.to_owned()))
            } else {
                Ok(())
            });
        }
        let released = if commit {
            run_cached(&shared.conn, "RELEASE unit")
        } else {
            shared.conn.execute_batch("ROLLBACK TO unit; RELEASE unit")
        };
        if let Err(err) = released {
            let message = failed(err).to_string();
            let _ = shared.close(false);
            return Ending::Done(Err(message));
        }
        let Some(group) = shared.group.as_mut() else {
            return Ending::Done(Err(ROLLED_BACK.to_owned()));
        };
        if commit {
            group.members += 1;
        }
        let waited_for = self.writer.queued.load(Ordering::SeqCst) > 0;
        let room = group.members < GROUP_MEMBERS
            && group.started.elapsed() < GROUP_AGE
            && !pool_writes_waiting();
        if waited_for && room {
            return if commit {
                Ending::Grouped {
                    id: group.id,
                    done: group.done.subscribe(),
                }
            } else {
                Ending::Done(Ok(()))
            };
        }
        let closed = shared.close(true);
        Ending::Done(if commit { closed } else { Ok(()) })
    }
}

impl Drop for InlineTransaction {
    fn drop(&mut self) {
        if self.open {
            // Rolled back where it stands (its request went away, or it failed).
            let _ = self.end(false);
        }
        if self.turn.take().is_some() {
            let held = u64::try_from(self.turn_from.elapsed().as_nanos()).unwrap_or(u64::MAX);
            self.writer.held_ns.fetch_add(held, Ordering::Relaxed);
            self.writer.turns.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Runs one of the writer's own statements (`BEGIN IMMEDIATE`, `SAVEPOINT unit`, ...) prepared
/// once: `execute_batch` parsed each anew, two or three times per transaction.
fn run_cached(conn: &rusqlite::Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([])?;
    Ok(())
}

/// A text of several statements (as the ledger joins them for one round trip to a pool's
/// connection), run one after another, each taking its share of the values in order, as
/// sqlx runs it; returns the rows they changed, together.
fn execute_each(
    conn: &rusqlite::Connection,
    splits: &Splits,
    stmt: &Statement,
) -> Result<u64, DbErr> {
    let statements = splits.statements(conn, &stmt.sql);
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
