//! The notification outbox: messages to people (activation notices) are written in the same
//! transaction as the change that causes them, and delivered later by a worker (SMTP when
//! configured, the log otherwise; the worker lives in the binary). A message is delivered at
//! least once: a worker claims due messages for a lease, and marks each sent or failed; a
//! message whose worker died is claimed again when its lease ends.
//!
//! The worker serves every tenant, so [`claim_due`] is the one query here not scoped to a
//! tenant; everything it hands out carries its tenant, and the marks are tenant-scoped.

use chrono::{DateTime, Duration, Utc};
use rosterd_domain::{Clock, LedgerEntryId, TenantId};
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Serialize;

use crate::entity::notification;
use crate::error::{Error, Result};

/// After this many failed attempts a message is no longer retried (it stays, for an admin).
pub const MAX_ATTEMPTS: i32 = 8;

/// A message to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    /// What it is, e.g. `activation`.
    pub kind: String,
    /// An email address.
    pub recipient: String,
    pub subject: String,
    /// Plain text. May carry a secret (an activation link): erased once delivered.
    pub body: String,
    /// The hash of the activation link in the body ([`crate::IssuedActivation::token_hash`]), so
    /// the message is withdrawn, not sent, if that link stops working first.
    pub link_hash: Option<String>,
}

/// A message claimed for delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    pub tenant_id: TenantId,
    pub id: String,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    #[serde(skip)]
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// Failed attempts so far.
    pub attempts: i32,
    pub last_error: Option<String>,
    /// The hash of the activation link the body carries, if any.
    #[serde(skip)]
    pub link_hash: Option<String>,
}

impl TryFrom<notification::Model> for Notification {
    type Error = Error;

    fn try_from(m: notification::Model) -> Result<Self> {
        Ok(Notification {
            tenant_id: m
                .tenant_id
                .parse()
                .map_err(|_| Error::corrupt("tenant id", &m.tenant_id))?,
            id: m.id,
            kind: m.kind,
            recipient: m.recipient,
            subject: m.subject,
            body: m.body,
            created_at: m.created_at,
            attempts: m.attempts,
            last_error: m.last_error,
            link_hash: m.link_hash,
        })
    }
}

/// Writes a message for delivery as soon as a worker picks it up; returns its id.
pub async fn enqueue_notification(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    message: &NewNotification,
) -> Result<String> {
    let now = clock.now();
    // The domain has no id type for messages; a ledger-entry id is the same time-ordered UUID.
    let id = LedgerEntryId::new().to_string();
    notification::ActiveModel {
        tenant_id: Set(tenant.to_string()),
        id: Set(id.clone()),
        kind: Set(message.kind.clone()),
        recipient: Set(message.recipient.clone()),
        subject: Set(message.subject.clone()),
        body: Set(message.body.clone()),
        created_at: Set(now),
        next_attempt_at: Set(now),
        claimed_until: Set(None),
        sent_at: Set(None),
        attempts: Set(0),
        last_error: Set(None),
        link_hash: Set(message.link_hash.clone()),
        withdrawn_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(id)
}

/// Claims up to `limit` due messages (oldest due first) for `lease`; another worker cannot
/// claim them until the lease ends. Each claim is a conditional UPDATE, so two workers racing
/// for the same message never both get it.
pub async fn claim_due(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    limit: u64,
    lease: Duration,
) -> Result<Vec<Notification>> {
    let now = clock.now();
    let unclaimed = || {
        Condition::any()
            .add(notification::Column::ClaimedUntil.is_null())
            .add(notification::Column::ClaimedUntil.lte(now))
    };
    let due = notification::Entity::find()
        .filter(notification::Column::SentAt.is_null())
        .filter(notification::Column::WithdrawnAt.is_null())
        .filter(notification::Column::NextAttemptAt.lte(now))
        .filter(notification::Column::Attempts.lt(MAX_ATTEMPTS))
        .filter(unclaimed())
        .order_by_asc(notification::Column::NextAttemptAt)
        .limit(limit)
        .all(db)
        .await?;
    let mut claimed = Vec::with_capacity(due.len());
    for message in due {
        let won = notification::Entity::update_many()
            .col_expr(
                notification::Column::ClaimedUntil,
                Expr::value(Some(now + lease)),
            )
            .filter(notification::Column::TenantId.eq(message.tenant_id.clone()))
            .filter(notification::Column::Id.eq(message.id.clone()))
            .filter(notification::Column::SentAt.is_null())
            .filter(unclaimed())
            .exec(db)
            .await?;
        if won.rows_affected == 1 {
            claimed.push(message.try_into()?);
        }
    }
    Ok(claimed)
}

fn scoped(tenant: TenantId, id: &str) -> sea_orm::UpdateMany<notification::Entity> {
    notification::Entity::update_many()
        .filter(notification::Column::TenantId.eq(tenant.to_string()))
        .filter(notification::Column::Id.eq(id))
}

/// Marks a message delivered, and erases its body (it may carry an activation link).
pub async fn mark_sent(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    id: &str,
) -> Result<()> {
    scoped(tenant, id)
        .col_expr(notification::Column::SentAt, Expr::value(Some(clock.now())))
        .col_expr(
            notification::Column::ClaimedUntil,
            Expr::value(None::<DateTime<Utc>>),
        )
        .col_expr(notification::Column::Body, Expr::value(""))
        .exec(db)
        .await?;
    Ok(())
}

/// Withdraws a claimed message instead of delivering it (its link no longer works): it is never
/// sent, and its body is erased; `why` is kept for an admin.
pub async fn mark_withdrawn(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    id: &str,
    why: &str,
) -> Result<()> {
    scoped(tenant, id)
        .col_expr(
            notification::Column::WithdrawnAt,
            Expr::value(Some(clock.now())),
        )
        .col_expr(
            notification::Column::ClaimedUntil,
            Expr::value(None::<DateTime<Utc>>),
        )
        .col_expr(notification::Column::Body, Expr::value(""))
        .col_expr(
            notification::Column::LastError,
            Expr::value(Some(why.to_owned())),
        )
        .filter(notification::Column::SentAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Records a failed delivery; the message is retried after a backoff that doubles with each
/// attempt (1 minute, 2, 4, ... at most 6 hours), until [`MAX_ATTEMPTS`].
pub async fn mark_failed(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    id: &str,
    error: &str,
) -> Result<()> {
    // Read for the backoff, then one conditional update: the attempt counter only moves if no
    // other worker recorded an attempt meanwhile (its lease ended and it was claimed again).
    let current = notification::Entity::find()
        .filter(notification::Column::TenantId.eq(tenant.to_string()))
        .filter(notification::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or_else(|| Error::corrupt("notification id", id))?;
    let attempts = current.attempts + 1;
    scoped(tenant, id)
        .col_expr(notification::Column::Attempts, Expr::value(attempts))
        .col_expr(
            notification::Column::LastError,
            Expr::value(Some(error.to_owned())),
        )
        .col_expr(
            notification::Column::NextAttemptAt,
            Expr::value(clock.now() + backoff(attempts)),
        )
        .col_expr(
            notification::Column::ClaimedUntil,
            Expr::value(None::<DateTime<Utc>>),
        )
        .filter(notification::Column::Attempts.eq(current.attempts))
        .filter(notification::Column::SentAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// The wait before the next attempt after `attempts` failures.
fn backoff(attempts: i32) -> Duration {
    let minutes = 1_i64 << attempts.clamp(1, 10).saturating_sub(1);
    Duration::minutes(minutes.min(6 * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let waits: Vec<i64> = (1..=11).map(|n| backoff(n).num_minutes()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 360, 360]);
    }
}
