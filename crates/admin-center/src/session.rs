//! Browser sessions: the cookie settings of each area (admin center, operator console), what a
//! signed-in session holds, the idle and absolute timeouts, and the one-shot notice shown on the
//! next page.
//!
//! Sessions live in Redis when `REDIS_URL` is set ([`redis_store::RedisSessionStore`]), else in
//! the database ([`store::DbSessionStore`]); either way they survive restarts and are shared by
//! replicas, behind the same layer ([`Backend`]).
//! The cookie is `HttpOnly`, `SameSite=Lax`, `Secure` when the public URL is https, and scoped to
//! its area's path. The session id is cycled at sign-in and at password change. Nobody has a
//! session before signing in (the sign-in forms use a CSRF cookie instead), so anonymous pages
//! never write to the store. An admin's session remembers which password it was opened with;
//! a password change ends every other session of that admin.

mod entity;
pub mod redis_store;
pub mod store;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use tower_sessions::cookie::SameSite;
use tower_sessions::cookie::time::Duration as CookieDuration;
use tower_sessions::{Expiry, Session, SessionManagerLayer};

use crate::AdminState;
pub use crate::area::Area;
use crate::error::AdminError;
use redis_store::RedisSessionStore;
use store::DbSessionStore;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

/// A session unused this long is over.
pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
/// A session is over this long after sign-in, however busy.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);
/// `last_seen` is written at most this often, so reading pages does not write on every request.
const TOUCH_EVERY: Duration = Duration::minutes(1);

const SIGN_IN: &str = "sign_in";
const NOTICE: &str = "notice";

/// Where sessions are kept.
#[derive(Debug, Clone)]
pub enum Backend {
    Database(DbSessionStore),
    Redis(RedisSessionStore),
}

#[async_trait::async_trait]
impl SessionStore for Backend {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            Backend::Database(s) => s.create(record).await,
            Backend::Redis(s) => s.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            Backend::Database(s) => s.save(record).await,
            Backend::Redis(s) => s.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Backend::Database(s) => s.load(id).await,
            Backend::Redis(s) => s.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            Backend::Database(s) => s.delete(id).await,
            Backend::Redis(s) => s.delete(id).await,
        }
    }
}

/// The session layer of one area.
pub fn layer(state: &AdminState, area: Area) -> SessionManagerLayer<Backend> {
    let store = match &state.redis_sessions {
        Some(redis) => Backend::Redis(redis.with_prefix(area.redis_prefix())),
        None => Backend::Database(DbSessionStore::new(
            state.db.clone(),
            state.clock.clone(),
            IDLE_TIMEOUT,
        )),
    };
    SessionManagerLayer::new(store)
        .with_name(area.cookie())
        .with_path(area.path())
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.secure_cookies)
        .with_expiry(Expiry::OnInactivity(CookieDuration::seconds(
            IDLE_TIMEOUT.num_seconds(),
        )))
}

/// Who a session is signed in as. For an admin, `tenant_id` binds the session to one tenant: the
/// tenant of every admin page comes from here, never from the path alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIn {
    /// The admin's or operator's account id.
    pub account_id: String,
    pub tenant_id: Option<String>,
    pub signed_in_at: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// For an admin, the fingerprint of the password the session was opened (or last
    /// re-confirmed) with ([`rosterd_tenancy::AdminAccount::credential`]): when the password
    /// changes, every session holding the old fingerprint is over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

/// Whether a signed-in session may go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Valid; `touch` says `last_seen` is due to be written.
    Fresh {
        touch: bool,
    },
    IdleExpired,
    AbsoluteExpired,
}

impl SignIn {
    /// A sign-in starting now.
    pub fn new(account_id: String, tenant_id: Option<String>, now: DateTime<Utc>) -> Self {
        Self {
            account_id,
            tenant_id,
            signed_in_at: now,
            last_seen: now,
            credential: None,
        }
    }

    /// The sign-in, bound to the password whose fingerprint is `credential`.
    #[must_use]
    pub fn with_credential(mut self, credential: String) -> Self {
        self.credential = Some(credential);
        self
    }

    /// Applies the timeouts at `now`.
    pub fn freshness(&self, now: DateTime<Utc>) -> Freshness {
        if now - self.signed_in_at >= ABSOLUTE_TIMEOUT {
            Freshness::AbsoluteExpired
        } else if now - self.last_seen >= IDLE_TIMEOUT {
            Freshness::IdleExpired
        } else {
            Freshness::Fresh {
                touch: now - self.last_seen >= TOUCH_EVERY,
            }
        }
    }
}

fn session_error(err: impl std::fmt::Display) -> AdminError {
    AdminError::internal(format!("session: {err}"))
}

/// The session's sign-in, if any.
pub async fn sign_in(session: &Session) -> Result<Option<SignIn>, AdminError> {
    session.get(SIGN_IN).await.map_err(session_error)
}

/// Starts a signed-in session: a new session id (against fixation), a new CSRF token.
pub async fn begin(session: &Session, sign_in: &SignIn) -> Result<(), AdminError> {
    session.cycle_id().await.map_err(session_error)?;
    crate::csrf::rotate(session).await?;
    session
        .insert(SIGN_IN, sign_in)
        .await
        .map_err(session_error)
}

/// What a request's session says about who is asking.
#[derive(Debug)]
pub enum Current {
    SignedIn(SignIn),
    SignedOut,
    /// The sign-in timed out (and the session is now ended); the query string for the sign-in
    /// page that says why.
    Expired(&'static str),
}

/// The session's sign-in if it is still fresh at `now`, recording activity when due; a sign-in
/// past a timeout ends the session.
pub async fn current(session: &Session, now: DateTime<Utc>) -> Result<Current, AdminError> {
    let Some(mut sign_in) = sign_in(session).await? else {
        return Ok(Current::SignedOut);
    };
    match sign_in.freshness(now) {
        Freshness::IdleExpired => {
            end(session).await?;
            Ok(Current::Expired("?expired=idle"))
        }
        Freshness::AbsoluteExpired => {
            end(session).await?;
            Ok(Current::Expired("?expired=absolute"))
        }
        Freshness::Fresh { touch } => {
            if touch {
                sign_in.last_seen = now;
                session
                    .insert(SIGN_IN, &sign_in)
                    .await
                    .map_err(session_error)?;
            }
            Ok(Current::SignedIn(sign_in))
        }
    }
}

/// Ends the session: deletes it from the store and clears the cookie.
pub async fn end(session: &Session) -> Result<(), AdminError> {
    session.flush().await.map_err(session_error)
}

/// After the signed-in admin changed their password: a new session id, and the session bound
/// to the new password (`credential`), so it goes on while every other session of the admin,
/// still holding the old fingerprint, is over at its next request.
pub async fn password_changed(session: &Session, credential: String) -> Result<(), AdminError> {
    session.cycle_id().await.map_err(session_error)?;
    let Some(mut sign_in) = sign_in(session).await? else {
        return Ok(());
    };
    sign_in.credential = Some(credential);
    session
        .insert(SIGN_IN, &sign_in)
        .await
        .map_err(session_error)
}

/// Leaves a one-line notice for the next page.
pub async fn notify(session: &Session, notice: impl Into<String>) -> Result<(), AdminError> {
    session
        .insert(NOTICE, notice.into())
        .await
        .map_err(session_error)
}

/// Takes the pending notice, if any.
pub async fn take_notice(session: &Session) -> Result<Option<String>, AdminError> {
    session.remove(NOTICE).await.map_err(session_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_decide_freshness() {
        let start = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let mut s = SignIn::new("a".into(), None, start);
        let cases = [
            ("just signed in", 0, Freshness::Fresh { touch: false }),
            ("within a minute", 59, Freshness::Fresh { touch: false }),
            ("a minute on: touch", 60, Freshness::Fresh { touch: true }),
            ("29 minutes idle", 29 * 60, Freshness::Fresh { touch: true }),
            ("30 minutes idle", 30 * 60, Freshness::IdleExpired),
        ];
        for (what, secs, want) in cases {
            assert_eq!(s.freshness(start + Duration::seconds(secs)), want, "{what}");
        }
        // Busy all day: last seen a minute ago, but signed in 12 hours ago.
        s.last_seen = start + Duration::hours(12) - Duration::minutes(1);
        assert_eq!(
            s.freshness(start + Duration::hours(12)),
            Freshness::AbsoluteExpired
        );
        assert_eq!(
            s.freshness(start + Duration::hours(11)),
            Freshness::Fresh { touch: false }
        );
    }
}
