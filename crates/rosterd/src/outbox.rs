//! The outbox delivery worker, started by `rosterd serve`. Each round it
//!
//! 1. writes the activation notice of every assigned license that has no current link (newly
//!    assigned by SCIM, by hand or from a waiting list, or resent by an admin): a new link and
//!    a message in the outbox, in one transaction;
//! 2. claims due messages for a lease and delivers them: by SMTP when `smtp_url` is set,
//!    otherwise to the log (development: the log line then carries the activation link);
//! 3. marks each sent (its body, which holds the link, is erased) or failed (retried with a
//!    doubling backoff, given up after [`rosterd_ledger::MAX_ATTEMPTS`] attempts); a message
//!    whose link stopped working before it went out (the license revoked, the notice resent,
//!    the link used or expired) is withdrawn instead, so nobody is mailed a dead link.
//!
//! Any number of servers may run it against one database: a notice's link has the license's id
//! as its key (two workers issuing it collide, one wins), and claims are conditional updates.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};
use rosterd_domain::{Clock, PersonId, TenantId};
use rosterd_ledger::{License, NewNotification, Notification};
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection};

use crate::config::SmtpConfig;

/// How many licenses and messages one round handles at most.
const BATCH: u64 = 50;
/// How long a worker holds a claimed message before another may take it.
const LEASE_MINUTES: i64 = 5;
/// The `kind` of an activation notice in the outbox.
pub const ACTIVATION_NOTICE: &str = "activation";

/// Where messages go.
#[derive(Clone)]
pub enum Delivery {
    /// A mail server.
    Smtp {
        transport: Box<AsyncSmtpTransport<Tokio1Executor>>,
        from: Mailbox,
    },
    /// The log, for development without a mail server.
    Log,
}

impl Delivery {
    /// SMTP when configured, else the log.
    pub fn from_config(smtp: Option<&SmtpConfig>) -> anyhow::Result<Self> {
        let Some(smtp) = smtp else {
            return Ok(Delivery::Log);
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp.url.expose())
            // The URL may carry a password: name the key, not the value.
            .map_err(|e| anyhow::anyhow!("smtp_url (ROSTERD_SMTP_URL) cannot be used: {e}"))?
            .timeout(Some(Duration::from_secs(30)))
            .build();
        Ok(Delivery::Smtp {
            transport: Box::new(transport),
            from: smtp.from.clone(),
        })
    }

    async fn deliver(&self, message: &Notification) -> Result<(), String> {
        match self {
            Delivery::Log => {
                // Development only (no SMTP configured): the body carries the activation link.
                tracing::info!(
                    tenant = %message.tenant_id,
                    to = %message.recipient,
                    subject = %message.subject,
                    body = %message.body,
                    "notice not mailed (no smtp_url configured); written here instead"
                );
                Ok(())
            }
            Delivery::Smtp { transport, from } => {
                let to: Mailbox = message
                    .recipient
                    .parse()
                    .map_err(|e| format!("recipient address: {e}"))?;
                let email = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(message.subject.clone())
                    .body(message.body.clone())
                    .map_err(|e| format!("building the message: {e}"))?;
                transport
                    .send(email)
                    .await
                    .map(|_| ())
                    .map_err(|e| format!("SMTP: {e}"))
            }
        }
    }
}

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    /// Notices written (new links issued).
    pub queued: usize,
    pub sent: usize,
    pub failed: usize,
    /// Notices dropped unsent because their link stopped working first (the license revoked,
    /// the notice resent, the link used or expired).
    pub withdrawn: usize,
}

/// The worker: the database, the clock, where messages go, and the base of activation URLs.
#[derive(Clone)]
pub struct OutboxWorker {
    pub db: DatabaseConnection,
    pub clock: Arc<dyn Clock>,
    pub delivery: Delivery,
    /// Base of activation URLs, without a trailing slash.
    pub public_url: String,
    /// Counts what each round sent, failed and withdrew.
    pub metrics: crate::metrics::Metrics,
}

impl OutboxWorker {
    /// Runs rounds every `interval` until `shutdown` resolves. A failed round is logged and the
    /// next one tries again.
    pub async fn run(
        self,
        interval: Duration,
        shutdown: impl std::future::Future<Output = ()> + Send,
    ) {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => return,
                _ = ticks.tick() => {}
            }
            match self.round().await {
                Ok(round) if round != Round::default() => {
                    tracing::info!(
                        queued = round.queued,
                        sent = round.sent,
                        failed = round.failed,
                        withdrawn = round.withdrawn,
                        "outbox round"
                    );
                }
                Ok(_) => {}
                Err(err) => tracing::error!(error = %format!("{err:#}"), "outbox round failed"),
            }
        }
    }

    /// One round: queue the notices of licenses waiting for one, then deliver what is due.
    pub async fn round(&self) -> anyhow::Result<Round> {
        let mut round = Round {
            queued: self.queue_notices().await?,
            ..Round::default()
        };
        let lease = chrono::Duration::minutes(LEASE_MINUTES);
        let due = rosterd_ledger::claim_due(&self.db, self.clock.as_ref(), BATCH, lease).await?;
        for message in due {
            if let Some(why) = self.dead_link(&message).await? {
                tracing::info!(tenant = %message.tenant_id, id = %message.id, to = %message.recipient, %why, "notice withdrawn: its link no longer works");
                rosterd_ledger::mark_withdrawn(
                    &self.db,
                    self.clock.as_ref(),
                    message.tenant_id,
                    &message.id,
                    &format!("withdrawn before delivery: {why}"),
                )
                .await?;
                round.withdrawn += 1;
                continue;
            }
            match self.delivery.deliver(&message).await {
                Ok(()) => {
                    rosterd_ledger::mark_sent(
                        &self.db,
                        self.clock.as_ref(),
                        message.tenant_id,
                        &message.id,
                    )
                    .await?;
                    round.sent += 1;
                }
                Err(error) => {
                    let attempt = message.attempts + 1;
                    if attempt >= rosterd_ledger::MAX_ATTEMPTS {
                        tracing::error!(tenant = %message.tenant_id, id = %message.id, to = %message.recipient, attempt, %error, "notice not delivered; giving up");
                    } else {
                        tracing::warn!(tenant = %message.tenant_id, id = %message.id, to = %message.recipient, attempt, %error, "notice not delivered; will retry");
                    }
                    rosterd_ledger::mark_failed(
                        &self.db,
                        self.clock.as_ref(),
                        message.tenant_id,
                        &message.id,
                        &error,
                    )
                    .await?;
                    round.failed += 1;
                }
            }
        }
        self.metrics
            .outbox_round(round.sent, round.failed, round.withdrawn);
        Ok(round)
    }

    /// Why the activation link `message` carries no longer works, if it carries one that does not.
    async fn dead_link(&self, message: &Notification) -> anyhow::Result<Option<String>> {
        let Some(hash) = &message.link_hash else {
            return Ok(None);
        };
        let problem =
            rosterd_ledger::link_problem(&self.db, self.clock.as_ref(), message.tenant_id, hash)
                .await?;
        Ok(problem.map(|why| why.to_string()))
    }

    /// Writes a notice (new link + message) for each assigned license without a current link.
    async fn queue_notices(&self) -> anyhow::Result<usize> {
        let waiting = rosterd_ledger::licenses_awaiting_notice(&self.db, BATCH).await?;
        let mut queued = 0;
        for (tenant, license) in waiting {
            if self.queue_notice(tenant, &license).await? {
                queued += 1;
            }
        }
        Ok(queued)
    }

    async fn queue_notice(&self, tenant: TenantId, license: &License) -> anyhow::Result<bool> {
        // Reads, then writes: on SQLite it must hold the write lock from the start.
        let txn = rosterd_database::begin_write(&self.db).await?;
        let Some(issued) =
            rosterd_ledger::issue_first_activation(&txn, self.clock.as_ref(), tenant, license.id)
                .await?
        else {
            // Another worker wrote it, or the license changed meanwhile.
            txn.rollback().await?;
            return Ok(false);
        };
        let org = rosterd_tenancy::find_tenant_by_id(&txn, tenant).await?;
        let Some(person) = person_contact(&txn, tenant, license.person_id).await? else {
            // The link stays (so the license is not picked again every round); an admin can
            // resend once the person has an email address.
            tracing::warn!(%tenant, person = %license.person_id, kind = %license.kind, "no email address: activation notice not sent");
            txn.commit().await?;
            return Ok(false);
        };
        let url = format!("{}/activate/{}", self.public_url, issued.token.expose());
        let product = license.kind.product().display_name();
        let greeting = person
            .name
            .map_or_else(|| "Hello,".to_owned(), |n| format!("Hello {n},"));
        let body = format!(
            "{greeting}\n\n{org} has given you a {kind} license.\n\nActivate it here:\n{url}\n\n\
             The link works once, until {expires} (UTC). If it has expired, ask your \
             administrator to send a new one.\n",
            org = org.name,
            kind = license.kind.display_name(),
            expires = issued.expires_at.format("%Y-%m-%d %H:%M"),
        );
        rosterd_ledger::enqueue_notification(
            &txn,
            self.clock.as_ref(),
            tenant,
            &NewNotification {
                kind: ACTIVATION_NOTICE.to_owned(),
                recipient: person.email,
                subject: format!("Activate your {product} license from {}", org.name),
                body,
                link_hash: Some(issued.token_hash()),
            },
        )
        .await?;
        txn.commit()
            .await
            .context("committing an activation notice")?;
        Ok(true)
    }
}

/// Who a notice goes to.
struct Contact {
    email: String,
    name: Option<String>,
}

/// The person's email and display name. (The directory has no lookup by id yet; this reads the
/// two columns tenant-scoped, like the directory's own queries.)
async fn person_contact(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    person: PersonId,
) -> anyhow::Result<Option<Contact>> {
    let query = Query::select()
        .columns([
            Alias::new("email"),
            Alias::new("display_name"),
            Alias::new("given_name"),
            Alias::new("family_name"),
        ])
        .from(Alias::new("people"))
        .and_where(Expr::col(Alias::new("tenant_id")).eq(tenant.to_string()))
        .and_where(Expr::col(Alias::new("id")).eq(person.to_string()))
        .to_owned();
    let row = db
        .query_one(db.get_database_backend().build(&query))
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let email: Option<String> = row.try_get("", "email")?;
    let display: Option<String> = row.try_get("", "display_name")?;
    let given: Option<String> = row.try_get("", "given_name")?;
    let family: Option<String> = row.try_get("", "family_name")?;
    let name = display.filter(|n| !n.trim().is_empty()).or_else(|| {
        let joined = [given, family]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        Some(joined)
    });
    Ok(email.filter(|e| !e.trim().is_empty()).map(|email| Contact {
        email,
        name: name.filter(|n| !n.trim().is_empty()),
    }))
}
