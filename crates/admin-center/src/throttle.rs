//! Sign-in throttling, per account and per client address: after [`MAX_FAILURES`] failed
//! attempts within [`WINDOW`], that key is refused until the window ends, with a message saying
//! how long to wait. Kept in the database so every replica sees the same counts and a restart
//! does not reset them. A success clears the account's count (not the address's).
//!
//! The client address is the last `X-Forwarded-For` entry (the one the ingress appended), else
//! the peer address when the server records it; with neither, only the account is throttled.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use chrono::{DateTime, Duration, Utc};
use rosterd_domain::Clock;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use sha2::{Digest as _, Sha256};

mod entity;

use crate::AdminState;
use crate::error::AdminError;
use entity::Column;

/// Failures allowed per key within one window.
pub const MAX_FAILURES: i64 = 5;
/// How long failures count, and how long a key stays locked.
pub const WINDOW: Duration = Duration::minutes(15);

/// The key throttling one account (`area` keeps admin and operator accounts apart).
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

/// How long `row` stays locked at `now`, if it is.
fn locked_for(
    failures: i64,
    window_started_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<Duration> {
    let ends = window_started_at + WINDOW;
    (failures >= MAX_FAILURES && now < ends).then(|| ends - now)
}

/// Whole minutes to wait, rounded up ("try again in 1 minute" rather than "in 0").
pub fn minutes(wait: Duration) -> i64 {
    (wait.num_seconds() + 59) / 60
}

/// The longest lock among `keys`, if any is locked.
pub async fn locked(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    keys: &[String],
) -> Result<Option<Duration>, AdminError> {
    let hashed: Vec<String> = keys.iter().map(|k| stored(k)).collect();
    let now = clock.now();
    Ok(entity::Entity::find()
        .filter(Column::ThrottleKey.is_in(hashed))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|row| locked_for(row.failures, row.window_started_at, now))
        .max())
}

/// Counts a failed attempt against every key.
pub async fn record_failure(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    keys: &[String],
) -> Result<(), AdminError> {
    let now = clock.now();
    for key in keys {
        let key = stored(key);
        // Within the window: one more failure, atomically.
        let counted = entity::Entity::update_many()
            .col_expr(Column::Failures, Expr::col(Column::Failures).add(1))
            .filter(Column::ThrottleKey.eq(key.as_str()))
            .filter(Column::WindowStartedAt.gt(now - WINDOW))
            .exec(db)
            .await?;
        if counted.rows_affected == 0 {
            // No row, or an old window: start a new one.
            entity::Entity::insert(entity::ActiveModel {
                throttle_key: Set(key),
                failures: Set(1),
                window_started_at: Set(now),
            })
            .on_conflict(
                OnConflict::column(Column::ThrottleKey)
                    .update_columns([Column::Failures, Column::WindowStartedAt])
                    .to_owned(),
            )
            .exec(db)
            .await?;
        }
    }
    Ok(())
}

/// Forgets the failures of `key` (after a successful sign-in).
pub async fn clear(db: &impl ConnectionTrait, key: &str) -> Result<(), AdminError> {
    entity::Entity::delete_by_id(stored(key)).exec(db).await?;
    Ok(())
}

/// The message shown while locked.
pub fn locked_message(wait: Duration) -> String {
    let n = minutes(wait);
    format!(
        "Too many failed sign-in attempts. Try again in {n} minute{}.",
        if n == 1 { "" } else { "s" }
    )
}

/// The client's address, when known.
#[derive(Debug, Clone)]
pub struct ClientAddr(pub Option<String>);

impl ClientAddr {
    /// The throttle keys of an attempt on `account`: the account, and the address if known.
    pub fn keys(&self, account: String) -> Vec<String> {
        let mut keys = vec![account];
        keys.extend(self.0.as_deref().map(address_key));
        keys
    }
}

impl FromRequestParts<AdminState> for ClientAddr {
    type Rejection = AdminError;

    async fn from_request_parts(parts: &mut Parts, _: &AdminState) -> Result<Self, AdminError> {
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|v| !v.is_empty())
            .map(str::to_owned);
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_string());
        Ok(ClientAddr(forwarded.or(peer)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_locks_at_the_limit_until_the_window_ends() {
        let start = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let cases = [
            ("below the limit", MAX_FAILURES - 1, 0, None),
            ("at the limit", MAX_FAILURES, 0, Some(15)),
            ("ten minutes on", MAX_FAILURES, 10, Some(5)),
            ("window over", MAX_FAILURES + 3, 15, None),
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
