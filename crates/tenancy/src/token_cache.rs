//! The SCIM tokens this process has authenticated, kept in memory so that a request with a known
//! token runs no statement at all for its authentication.
//!
//! What a cached token may not outlive, and how it is bounded:
//! - Expiry: the entry keeps `expires_at` and every request compares it with the clock.
//! - Revocation, its app's SCIM turned off, its tenant suspended: each of these increments the
//!   stored auth generation in its own transaction ([`crate::auth_generation`]). A cache uses
//!   its entries only while its last reading of that row is under [`REFRESH`] old; the first
//!   request after that re-reads it (one short statement, one request at a time) and a new value
//!   drops every entry. So a change made on any server shuts the token out everywhere within
//!   `REFRESH` (plus that read), half a second, without Redis. A change made in this process
//!   also bumps an in-process counter after it commits, which every request compares: here it
//!   takes effect on the next request.
//! - An entry is stored only if the generation it was checked under is still current, so a
//!   check that read the token just before a revocation committed cannot put it back after the
//!   cache was emptied.
//! - `last_used_at` is still written once a minute per token (per server).
//!
//! Only live tokens are kept; a refused token is checked against the database every time. When
//! the generation cannot be read the cache is bypassed, never trusted.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rosterd_domain::Clock;
use sea_orm::ConnectionTrait;
use sha2::{Digest as _, Sha256};

use crate::auth::{self, AppContext, AuthError, Scope, TOUCH_EVERY};
use crate::auth_generation;

/// How long a reading of the auth generation is trusted.
pub const REFRESH: Duration = Duration::from_millis(500);

/// More live tokens than any deployment has; past it the cache starts over.
const MAX_ENTRIES: usize = 10_000;

/// An in-process cache of authenticated SCIM tokens (see the module documentation). Cheap to
/// clone; clones share the cache.
#[derive(Clone, Default)]
pub struct TokenCache {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    state: Mutex<State>,
    /// Held while the generation is read, so one request reads it and the others wait for it.
    poll: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct State {
    /// The stored generation as last read, and when that read began.
    stored: Option<(i64, Instant)>,
    /// The in-process counter the entries were made under.
    local: u64,
    entries: HashMap<[u8; 32], Entry>,
}

#[derive(Clone)]
struct Entry {
    app: AppContext,
    expires_at: DateTime<Utc>,
    touched_at: Option<DateTime<Utc>>,
}

/// The generations a check ran under.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Epoch {
    stored: i64,
    local: u64,
}

impl State {
    /// Forgets everything when this process changed auth state since the entries were made.
    fn follow_local(&mut self, local: u64) {
        if self.local != local {
            self.entries.clear();
            self.local = local;
        }
    }

    fn fresh(&self) -> Option<i64> {
        self.stored
            .filter(|(_, read_at)| read_at.elapsed() < REFRESH)
            .map(|(generation, _)| generation)
    }
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache").finish_non_exhaustive()
    }
}

impl TokenCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Authenticates a SCIM request as [`crate::authenticate`] does, from memory when the token
    /// is known and the auth generation is fresh.
    pub async fn authenticate(
        &self,
        db: &impl ConnectionTrait,
        clock: &dyn Clock,
        authorization: Option<&str>,
        scope: Scope<'_>,
    ) -> Result<AppContext, AuthError> {
        let Ok(token) = auth::bearer_token(authorization) else {
            // Not one of our SCIM tokens: the uncached check says why (or knows it).
            return auth::authenticate(db, clock, authorization, scope).await;
        };
        let Ok(epoch) = self.epoch(db).await else {
            return auth::authenticate(db, clock, authorization, scope).await;
        };
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let now = clock.now();
        if let Some((entry, touch)) = self.hit(&key, epoch, now) {
            if entry.expires_at <= now {
                return Err(AuthError::Expired(
                    entry.expires_at.format("%Y-%m-%d").to_string(),
                ));
            }
            if let Scope::App { tenant, product } = scope
                && (tenant != entry.app.tenant_slug.as_str() || product != entry.app.product)
            {
                return Err(AuthError::WrongApp);
            }
            if touch {
                auth::touch(
                    db,
                    &entry.app.tenant_id.to_string(),
                    &entry.app.token_id.to_string(),
                    entry.app.product.slug(),
                    now,
                )
                .await
                .map_err(|e| AuthError::Database(e.to_string()))?;
            }
            return Ok(entry.app);
        }
        let verified = auth::verify(db, clock, &hex::encode(key), scope).await?;
        self.keep(
            key,
            epoch,
            Entry {
                app: verified.app.clone(),
                expires_at: verified.expires_at,
                touched_at: verified.touched_at,
            },
        );
        Ok(verified.app)
    }

    /// The entry of `key` if it is current, and whether this request is the one to write
    /// `last_used_at` (claimed here, so concurrent requests do not all write it).
    fn hit(&self, key: &[u8; 32], epoch: Epoch, now: DateTime<Utc>) -> Option<(Entry, bool)> {
        let mut state = self.lock();
        state.follow_local(epoch.local);
        if state.fresh() != Some(epoch.stored) {
            return None;
        }
        let entry = state.entries.get_mut(key)?;
        let touch = entry
            .touched_at
            .is_none_or(|last| now - last >= TOUCH_EVERY);
        if touch {
            entry.touched_at = Some(now);
        }
        Some((entry.clone(), touch))
    }

    /// Stores an entry checked under `epoch`, unless the generation moved on meanwhile.
    fn keep(&self, key: [u8; 32], epoch: Epoch, entry: Entry) {
        let mut state = self.lock();
        state.follow_local(auth_generation::local());
        let current = state.stored.map(|(generation, _)| generation);
        if state.local != epoch.local || current != Some(epoch.stored) {
            return;
        }
        if state.entries.len() >= MAX_ENTRIES {
            state.entries.clear();
        }
        state.entries.insert(key, entry);
    }

    /// The generations now: the stored one from a reading under [`REFRESH`] old, reading it
    /// again if needed.
    async fn epoch(&self, db: &impl ConnectionTrait) -> Result<Epoch, sea_orm::DbErr> {
        let local = auth_generation::local();
        if let Some(stored) = self.lock().fresh() {
            return Ok(Epoch { stored, local });
        }
        let _polling = self.inner.poll.lock().await;
        if let Some(stored) = self.lock().fresh() {
            return Ok(Epoch { stored, local });
        }
        let started = Instant::now();
        let stored = auth_generation::read(db).await?;
        let mut state = self.lock();
        if state.stored.map(|(generation, _)| generation) != Some(stored) {
            state.entries.clear();
        }
        state.stored = Some((stored, started));
        Ok(Epoch { stored, local })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}
