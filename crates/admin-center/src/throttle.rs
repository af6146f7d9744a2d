//! Sign-in throttling, per account and per client address: every attempt is counted *before*
//! its password is verified, in one atomic statement per key, so at most [`MAX_ATTEMPTS`]
//! passwords per key are ever verified within [`WINDOW`], however many requests race. An attempt
//! past the limit is refused without verifying, with a message saying how long to wait, until the
//! window that started with the key's first attempt ends.
//!
//! The count is an upsert that starts a window only when none is live (a live window is never
//! reset by a concurrent first attempt) and returns the new count. A success forgets the
//! account's attempts and gives the address back the one it spent; an attempt that was never
//! verified (the server too busy hashing) gives every key its attempt back.
//!
//! Kept in the database so every replica sees the same counts and a restart does not reset
//! them. The client address is [`ClientAddr`] (see [`client`] for when `X-Forwarded-For` is
//! believed).

use chrono::{DateTime, Duration, Utc};
use rosterd_domain::Clock;
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use sha2::{Digest as _, Sha256};

pub mod client;
mod entity;

use crate::error::AdminError;
pub use client::{ClientAddr, TrustedProxies};
use entity::Column;

/// Attempts verified per key within one window.
pub const MAX_ATTEMPTS: i64 = 5;
/// How long attempts count, and how long a key stays locked.
pub const WINDOW: Duration = Duration::minutes(15);

/// The key throttling one account (`area` keeps admin and operator accounts apart; `scope` is
/// the tenant slug, or `-` for operators).
pub fn account_key(area: &str, scope: &str, email: &str) -> String {
    format!("account:{area}:{scope}:{}", email.trim().to_lowercase())
}

/// The key throttling one client address.
pub fn address_key(addr: &str) -> String {
    format!("addr:{addr}")
}

fn stored(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// How long a key with `attempts` in the window that started at `window_started_at` stays
/// locked at `now`, if it is: it is locked once the limit is used up.
fn locked_for(
    attempts: i64,
    window_started_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<Duration> {
    let ends = window_started_at + WINDOW;
    (attempts >= MAX_ATTEMPTS && now < ends).then(|| ends - now)
}

/// Whole minutes to wait, rounded up ("try again in 1 minute" rather than "in 0").
pub fn minutes(wait: Duration) -> i64 {
    (wait.num_seconds() + 59) / 60
}

/// One key's count after an attempt.
#[derive(Debug, Clone)]
struct Counted {
    key: String,
    attempts: i64,
    window_started_at: DateTime<Utc>,
}

/// What the throttle says about an attempt.
#[derive(Debug)]
pub enum Attempt {
    /// Verify the password; then report the outcome on the ticket.
    Allowed(Ticket),
    /// Over the limit: do not verify. `first` is true for the first refusal by the key that
    /// decides the wait (one audit event per locked key, not one per refused request).
    Refused { wait: Duration, first: bool },
}

/// An attempt that was counted and may be verified.
#[derive(Debug)]
#[must_use = "report the outcome: succeeded, failed or not_verified"]
pub struct Ticket {
    counted: Vec<Counted>,
    now: DateTime<Utc>,
}

/// Counts an attempt against every key, atomically, and says whether it may be verified.
pub async fn attempt(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    keys: &[String],
) -> Result<Attempt, AdminError> {
    let now = clock.now();
    let mut counted = Vec::with_capacity(keys.len());
    for key in keys {
        counted.push(count(db, stored(key), now).await?);
    }
    let over = counted
        .iter()
        .filter(|c| c.attempts > MAX_ATTEMPTS)
        .filter_map(|c| Some((locked_for(c.attempts, c.window_started_at, now)?, c)))
        .max_by_key(|(wait, _)| *wait);
    if let Some((wait, key)) = over {
        let first = key.attempts == MAX_ATTEMPTS + 1;
        return Ok(Attempt::Refused { wait, first });
    }
    Ok(Attempt::Allowed(Ticket { counted, now }))
}

/// One more attempt on `key`: within a live window the count goes up by one; with no row, or
/// an old window, a new window starts with this attempt. One statement, so concurrent attempts
/// each get their own count and a live window is never restarted.
async fn count(
    db: &impl ConnectionTrait,
    key: String,
    now: DateTime<Utc>,
) -> Result<Counted, AdminError> {
    let table = entity::Entity;
    let live = Expr::col((table, Column::WindowStartedAt)).gt(now - WINDOW);
    let upsert = Query::insert()
        .into_table(table)
        .columns([
            Column::ThrottleKey,
            Column::Failures,
            Column::WindowStartedAt,
        ])
        .values_panic([key.clone().into(), 1_i64.into(), now.into()])
        .on_conflict(
            OnConflict::column(Column::ThrottleKey)
                .value(
                    Column::Failures,
                    Expr::case(live.clone(), Expr::col((table, Column::Failures)).add(1))
                        .finally(1_i64),
                )
                .value(
                    Column::WindowStartedAt,
                    Expr::case(live, Expr::col((table, Column::WindowStartedAt))).finally(now),
                )
                .to_owned(),
        )
        .returning(Query::returning().columns([Column::Failures, Column::WindowStartedAt]))
        .to_owned();
    let row = db
        .query_one(db.get_database_backend().build(&upsert))
        .await
        .map_err(db_failure)?
        .ok_or_else(|| AdminError::internal("sign-in throttle: the count returned no row"))?;
    Ok(Counted {
        key,
        attempts: row.try_get("", "failures").map_err(db_failure)?,
        window_started_at: row.try_get("", "window_started_at").map_err(db_failure)?,
    })
}

/// Takes back one attempt of `c` (only in the window it was counted in).
async fn give_back(db: &impl ConnectionTrait, c: &Counted) -> Result<(), AdminError> {
    entity::Entity::update_many()
        .col_expr(Column::Failures, Expr::col(Column::Failures).sub(1))
        .filter(Column::ThrottleKey.eq(c.key.as_str()))
        .filter(Column::WindowStartedAt.eq(c.window_started_at))
        .filter(Column::Failures.gt(0))
        .exec(db)
        .await
        .map_err(db_failure)?;
    Ok(())
}

impl Ticket {
    /// The password was wrong: the attempt stays counted. Returns the lock this attempt used up
    /// the limit into, if it did (the page then says how long to wait).
    pub fn failed(self) -> Option<Duration> {
        self.counted
            .iter()
            .filter_map(|c| locked_for(c.attempts, c.window_started_at, self.now))
            .max()
    }

    /// How many attempts the most used key has left after this one.
    pub fn remaining(&self) -> i64 {
        let used = self.counted.iter().map(|c| c.attempts).max().unwrap_or(0);
        (MAX_ATTEMPTS - used).max(0)
    }

    /// The password was right: the account (`account_key`) starts afresh and every other key
    /// (the address) gets this attempt back.
    pub async fn succeeded(
        self,
        db: &impl ConnectionTrait,
        account_key: &str,
    ) -> Result<(), AdminError> {
        let account = stored(account_key);
        for c in &self.counted {
            if c.key == account {
                entity::Entity::delete_by_id(account.clone())
                    .exec(db)
                    .await
                    .map_err(db_failure)?;
            } else {
                give_back(db, c).await?;
            }
        }
        Ok(())
    }

    /// The password was not verified at all (the server was too busy): every key gets this
    /// attempt back.
    pub async fn not_verified(self, db: &impl ConnectionTrait) -> Result<(), AdminError> {
        for c in &self.counted {
            give_back(db, c).await?;
        }
        Ok(())
    }
}

/// The message shown while locked.
pub fn locked_message(wait: Duration) -> String {
    let n = minutes(wait);
    format!(
        "Too many failed sign-in attempts. Try again in {n} minute{}.",
        if n == 1 { "" } else { "s" }
    )
}

/// A failed statement on the throttle's table, as the admin center reports it.
fn db_failure(err: sea_orm::DbErr) -> AdminError {
    rosterd_database::DatabaseError::from(err).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_locks_at_the_limit_until_the_window_ends() {
        let start = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let cases = [
            ("below the limit", MAX_ATTEMPTS - 1, 0, None),
            ("at the limit", MAX_ATTEMPTS, 0, Some(15)),
            ("ten minutes on", MAX_ATTEMPTS, 10, Some(5)),
            ("window over", MAX_ATTEMPTS + 3, 15, None),
        ];
        for (what, failures, after_min, want_min) in cases {
            let got = locked_for(failures, start, start + Duration::minutes(after_min));
            assert_eq!(got.map(minutes), want_min, "{what}");
        }
    }

    #[test]
    fn waits_round_up_to_whole_minutes() {
        assert_eq!(minutes(Duration::seconds(1)), 1);
        assert_eq!(minutes(Duration::seconds(60)), 1);
        assert_eq!(minutes(Duration::seconds(61)), 2);
        assert_eq!(
            locked_message(Duration::seconds(30)),
            "Too many failed sign-in attempts. Try again in 1 minute."
        );
        assert!(locked_message(Duration::minutes(14)).ends_with("in 14 minutes."));
    }
}
