//! Writing the provisioning log: a middleware layer around the SCIM router turns each
//! authenticated (or attributably refused) SCIM request into a [`LogEntry`] after its response
//! is produced ([`capture`]), and hands it to a background writer through a bounded channel.
//!
//! Logging never slows or fails a SCIM request: the hand-off is `try_send`; when the channel is
//! full (the database is far behind) the entry is dropped and counted, and the count is logged.
//! The writer drains the channel in batches of up to [`BATCH`] rows per insert, waiting up to
//! [`LINGER`] after the first entry for more, so requests cost an insert per burst (or per
//! 50 ms), not one each: the inserts run on the connection SCIM writes queue for. When the server stops, the writer finishes
//! what is queued. A periodic task purges rows older than the retention. Entries are cut to the
//! log's bounds before they are queued ([`LogEntry::bounded`]): a full queue (10,000 entries) holds
//! at most about 50 MB, not hundreds.
//!
//! A flood the fair share refuses is collapsed ([`Refusals`]): an app's first refusal (429) is
//! logged as it happens, with its hint; the refusals that follow within the refusal window are
//! only counted, and one entry with the count (`repeats`) closes the window. A tenant refused
//! ten thousand times a second costs the log two rows per window, and almost no work per
//! refusal (no body is parsed for a counted one).

mod capture;
mod refusals;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rosterd_database::{DatabaseError, InlineWriter};
use rosterd_domain::{Clock, Product, TenantId};
use rosterd_tenancy::provisioning_log::{self as log, LogEntry};
use sea_orm::DatabaseConnection;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

pub use capture::capture;
use refusals::Refusals;

/// Entries waiting for the writer before new ones are dropped.
pub const QUEUE: usize = 10_000;
/// Rows per insert.
pub const BATCH: usize = 200;
/// How long the writer waits, after an entry arrives, for more to join its insert: a commit on
/// the database's one writer connection (the one SCIM writes queue for) for each burst of
/// requests, not for each request when they come one at a time.
const LINGER: Duration = Duration::from_millis(50);
/// How often rows past the retention are purged.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// Which tenant's app a SCIM response belongs to. The authentication layer puts it on the
/// response (from the request's `ScimContext`, or from the presented token when the request was
/// refused), so the log layer outside it knows where to record the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribution {
    pub tenant: TenantId,
    pub product: Product,
    pub request_id: String,
}

/// The sending half: cheap to clone, never blocks.
#[derive(Clone)]
pub struct Recorder {
    tx: mpsc::Sender<LogEntry>,
    dropped: Arc<AtomicU64>,
    clock: Arc<dyn Clock>,
    refusals: Arc<Refusals>,
}

impl Recorder {
    /// Starts the background writer on `db` (through `inline`, the SCIM writes' own writer, on
    /// a SQLite file: the log's inserts then take their turn with those writes instead of
    /// competing for the file's lock); it runs until every `Recorder` clone is dropped,
    /// then writes what is still queued (open refusal windows included) and ends. Refusals of
    /// one app within `refusal_window` of its first are collapsed into one entry.
    pub fn start(
        db: DatabaseConnection,
        inline: Option<InlineWriter>,
        clock: Arc<dyn Clock>,
        refusal_window: Duration,
    ) -> (Self, JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let writer = tokio::spawn(write_batches(db, inline, rx));
        let dropped = Arc::new(AtomicU64::new(0));
        let refusals = Refusals::start(tx.clone(), dropped.clone(), refusal_window);
        (
            Self {
                tx,
                dropped,
                clock,
                refusals,
            },
            writer,
        )
    }

    pub(crate) fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// Queues `entry` (cut to the log's bounds, so the queue holds a few KB per entry at most),
    /// or drops and counts it when the queue is full.
    pub fn submit(&self, entry: LogEntry) {
        submit(&self.tx, &self.dropped, entry);
    }

    /// A fair-share refusal of `app`'s request: whether it is the first of a window, to be
    /// logged in full, or counted into the window's closing entry (made from `method` and
    /// `path`, the last refused request's).
    pub(crate) fn refused(&self, app: &Attribution, method: &str, path: &str) -> bool {
        self.refusals.refused(
            app,
            method,
            path,
            self.clock.now(),
            std::time::Instant::now(),
        )
    }

    /// Entries dropped so far because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// The drop count itself, for a metric to read (holding it keeps no writer alive).
    pub fn drop_counter(&self) -> Arc<AtomicU64> {
        self.dropped.clone()
    }
}

fn submit(tx: &mpsc::Sender<LogEntry>, dropped: &AtomicU64, entry: LogEntry) {
    if tx.try_send(entry.bounded()).is_err() {
        let dropped = dropped.fetch_add(1, Ordering::Relaxed) + 1;
        // Logged at 1, 2, 4, 8...: visible without flooding the log.
        if dropped.is_power_of_two() {
            tracing::warn!(
                dropped,
                "provisioning log queue full: entries dropped (the database is behind)"
            );
        }
    }
}

async fn write_batches(
    db: DatabaseConnection,
    inline: Option<InlineWriter>,
    mut rx: mpsc::Receiver<LogEntry>,
) {
    let mut batch = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        let deadline = tokio::time::Instant::now() + LINGER;
        while batch.len() < BATCH {
            let more = BATCH - batch.len();
            match tokio::time::timeout_at(deadline, rx.recv_many(&mut batch, more)).await {
                // Closed (the server stops): write what there is, then end.
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
        let written = match &inline {
            Some(writer) => record_inline(writer, &batch).await,
            None => log::record(&db, &batch).await,
        };
        if let Err(err) = written {
            tracing::warn!(error = %err, lost = batch.len(), "provisioning log: a batch could not be written");
        }
        batch.clear();
    }
}

/// One batch in a transaction of the inline writer.
async fn record_inline(writer: &InlineWriter, batch: &[LogEntry]) -> Result<(), DatabaseError> {
    let txn = writer.begin().await?;
    log::record(&txn, batch).await?;
    Ok(txn.commit().await?)
}

/// Deletes every tenant's entries older than `retention_days` at the clock's time; returns how
/// many went.
pub async fn purge_once(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    retention_days: u32,
) -> anyhow::Result<u64> {
    let before = clock.now() - chrono::Duration::days(i64::from(retention_days));
    let mut purged = 0;
    for tenant in rosterd_tenancy::list_tenants(db).await? {
        purged += log::purge(db, tenant.id, before).await?;
    }
    Ok(purged)
}

/// Purges at start and then every hour until aborted.
pub fn spawn_purge(
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
    retention_days: u32,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match purge_once(&db, clock.as_ref(), retention_days).await {
                Ok(0) => {}
                Ok(purged) => {
                    tracing::info!(purged, retention_days, "provisioning log purged");
                }
                Err(err) => tracing::warn!(error = %err, "provisioning log purge failed"),
            }
            tokio::time::sleep(PURGE_EVERY).await;
        }
    })
}
