//! Fair share between the tenants one process serves, work-conserving: a tenant alone on the
//! server may use all of it, and the limits bite only while another tenant competes. Each app
//! (one SCIM token's tenant and product) draws its requests from a token bucket, and each tenant
//! runs a budget of SCIM writes at once, so one tenant's flood cannot fill the SQLite writer's
//! queue or the PostgreSQL pool while another tenant's IdP waits.
//!
//! In-process: with several replicas each has its own buckets and budgets (a replica's share is
//! the configured one), unless they share them through Redis ([`fleet`], when `REDIS_URL` is
//! set). The HTTP layer that applies these lives in the binary's server.
//!
//! The limits are the configured defaults, or a tenant's own ([`TenantLimits`], set by the
//! operator and stored): the HTTP layer reloads a tenant's every [`TENANT_LIMITS_REFRESH`] and
//! hands them over with [`FairShare::set_tenant_limits`].
//!
//! - **Competing.** Another tenant competes with a request while it has a request running (or
//!   waiting for its turn) or had one within [`FairShareLimits::contention_window`]. The window
//!   matters: an IdP at 25 requests/s has a request running only a few milliseconds out of every
//!   40, and it must hold the flood back in between too, or each of its requests would find the
//!   writer's queue full of the other tenant's writes.
//! - A request over its app's rate is refused at once, while another tenant competes, with a
//!   [`Refusal`] saying when a token is next free (`Retry-After`), rounded up to whole seconds.
//!   Alone, it runs; its bucket still empties, so when another tenant appears the flooding app is
//!   held to its rate at once (no burst saved up while it was alone).
//! - A write over its tenant's budget, while another tenant competes, waits for a free slot (or
//!   for the competition to end), up to [`FairShareLimits::write_wait`], and is refused only
//!   then: an IdP that sends a burst of writes gets them done a few at a time, not errors.
//!   Alone, a tenant's writes run at once however many there are.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use rosterd_domain::{Product, TenantId};
use tokio::sync::Notify;

use crate::TenantLimits;

/// How long a tenant's own limits, once loaded, are used before they are loaded again (so an
/// operator's change reaches every replica within this).
pub const TENANT_LIMITS_REFRESH: Duration = Duration::from_secs(5);

/// How often a held write looks again whether the competition has ended (a slot freed wakes it
/// at once; the end of the contention window does not).
const RECHECK: Duration = Duration::from_millis(25);

/// The limits every app and tenant gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FairShareLimits {
    /// Requests per second an app may sustain while another tenant competes.
    pub requests_per_second: u32,
    /// Requests an app may send at once above its rate (the bucket's size).
    pub burst: u32,
    /// SCIM writes one tenant may run at once while another tenant competes.
    pub tenant_max_concurrent_writes: u32,
    /// How long a write waits for a slot of its tenant's budget before it is refused.
    pub write_wait: Duration,
    /// How long after its last request another tenant still counts as competing.
    pub contention_window: Duration,
}

/// Why a request was refused, for the 429 answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Whole seconds after which trying again can succeed (at least 1).
    pub retry_after_secs: u64,
    /// What was refused and which limit, in words for the IdP admin and the provisioning log.
    pub detail: String,
}

/// The buckets and write budgets of one process. Cheap to share (`Arc` inside).
#[derive(Debug, Clone)]
pub struct FairShare {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    limits: FairShareLimits,
    apps: Mutex<HashMap<(TenantId, Product), Bucket>>,
    activity: Mutex<Activity>,
    /// Each tenant's own limits, and when they were loaded.
    tenants: Mutex<HashMap<TenantId, (TenantLimits, Instant)>>,
    /// Notified whenever a write slot is given back.
    freed: Notify,
}

/// The limits one tenant's requests meet: its own where set, else the defaults.
#[derive(Debug, Clone, Copy)]
struct InForce {
    requests_per_second: u32,
    burst: u32,
    max_concurrent_writes: u32,
}

/// A token bucket: `tokens` as of `at`.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Who is running what, for deciding whether a tenant competes with another.
#[derive(Debug, Default)]
struct Activity {
    /// Requests running (or waiting for a write slot) per tenant; tenants at zero are removed.
    running: HashMap<TenantId, u32>,
    /// The sum of `running`.
    running_total: u64,
    /// Writes holding a slot per tenant; tenants at zero are removed.
    writes: HashMap<TenantId, u32>,
    /// The tenant seen last (a request starting or ending) and when.
    latest: Option<(TenantId, Instant)>,
    /// The most recent sighting of a tenant other than `latest`'s, so that for any tenant the
    /// last time *another* tenant was seen is one of these two.
    runner_up: Option<(TenantId, Instant)>,
}

impl Activity {
    fn seen(&mut self, tenant: TenantId, now: Instant) {
        match self.latest {
            Some((last, at)) if last == tenant => self.latest = Some((tenant, at.max(now))),
            previous => {
                self.runner_up = previous;
                self.latest = Some((tenant, now));
            }
        }
    }

    fn competed(&self, tenant: TenantId, now: Instant, window: Duration) -> bool {
        let mine = u64::from(self.running.get(&tenant).copied().unwrap_or(0));
        if self.running_total > mine {
            return true;
        }
        let other = match self.latest {
            Some((last, _)) if last == tenant => self.runner_up,
            latest => latest,
        };
        other.is_some_and(|(_, at)| now.saturating_duration_since(at) < window)
    }
}

/// A request counted as running for its tenant until dropped.
#[derive(Debug)]
pub struct Running {
    inner: Arc<Inner>,
    tenant: TenantId,
}

/// A slot of a tenant's write budget, given back when dropped.
#[derive(Debug)]
pub struct WriteSlot {
    inner: Arc<Inner>,
    tenant: TenantId,
}

impl FairShare {
    pub fn new(limits: FairShareLimits) -> Self {
        Self {
            inner: Arc::new(Inner {
                limits,
                apps: Mutex::default(),
                activity: Mutex::default(),
                tenants: Mutex::default(),
                freed: Notify::new(),
            }),
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> FairShareLimits {
        self.inner.limits
    }

    /// Whether `tenant`'s own limits are due to be loaded (never loaded, or longer ago than
    /// [`TENANT_LIMITS_REFRESH`]). Answers `true` once per period: the caller that got it loads
    /// them and calls [`Self::set_tenant_limits`]; meanwhile the previous ones stay in force.
    pub fn tenant_limits_due(&self, tenant: TenantId, now: Instant) -> bool {
        let mut tenants = self.inner.tenants();
        match tenants.get_mut(&tenant) {
            Some((_, loaded)) if now.saturating_duration_since(*loaded) < TENANT_LIMITS_REFRESH => {
                false
            }
            Some((_, loaded)) => {
                *loaded = now;
                true
            }
            None => {
                tenants.insert(tenant, (TenantLimits::default(), now));
                true
            }
        }
    }

    /// Puts `tenant`'s own limits in force (all `None`: the defaults).
    pub fn set_tenant_limits(&self, tenant: TenantId, limits: TenantLimits) {
        self.inner
            .tenants()
            .insert(tenant, (limits, Instant::now()));
    }

    fn in_force(&self, tenant: TenantId) -> InForce {
        let defaults = self.inner.limits;
        let own = self
            .inner
            .tenants()
            .get(&tenant)
            .map(|(limits, _)| *limits)
            .unwrap_or_default();
        InForce {
            requests_per_second: own
                .requests_per_second
                .unwrap_or(defaults.requests_per_second),
            burst: own.burst.unwrap_or(defaults.burst),
            max_concurrent_writes: own
                .max_concurrent_writes
                .unwrap_or(defaults.tenant_max_concurrent_writes),
        }
    }

    /// Counts a request of `tenant` as running until the guard is dropped. Every request the
    /// limits apply to enters first, refused or not: a flood that is refused still competes.
    pub fn enter(&self, tenant: TenantId) -> Running {
        let mut activity = self.inner.activity();
        *activity.running.entry(tenant).or_insert(0) += 1;
        activity.running_total += 1;
        activity.seen(tenant, Instant::now());
        Running {
            inner: self.inner.clone(),
            tenant,
        }
    }

    /// Whether another tenant than `tenant` competes at `now`.
    pub fn competed(&self, tenant: TenantId, now: Instant) -> bool {
        self.inner
            .activity()
            .competed(tenant, now, self.inner.limits.contention_window)
    }

    /// Takes one request from the app's bucket at `now`; while another tenant competes, an
    /// empty bucket refuses and says when a token is free.
    pub fn admit(&self, tenant: TenantId, product: Product, now: Instant) -> Result<(), Refusal> {
        let limits = self.in_force(tenant);
        let rate = f64::from(limits.requests_per_second.max(1));
        let size = f64::from(limits.burst.max(1));
        let tokens = {
            let mut apps = self
                .inner
                .apps
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let bucket = apps.entry((tenant, product)).or_insert(Bucket {
                tokens: size,
                at: now,
            });
            let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
            bucket.tokens = (bucket.tokens + elapsed * rate).min(size);
            bucket.at = bucket.at.max(now);
            if bucket.tokens >= 1.0 {
                bucket.tokens -= 1.0;
                return Ok(());
            }
            bucket.tokens
        };
        if !self.competed(tenant, now) {
            // Alone: the request runs on capacity nobody else wants (the bucket stays empty).
            return Ok(());
        }
        Err(rate_refusal(limits, (1.0 - tokens) / rate))
    }

    /// A slot of `tenant`'s write budget: at once if the tenant is under its budget or nobody
    /// else competes, else as soon as either holds, up to [`FairShareLimits::write_wait`].
    pub async fn write_slot(&self, tenant: TenantId) -> Result<WriteSlot, Refusal> {
        let limits = self.inner.limits;
        let budget = self.in_force(tenant).max_concurrent_writes.max(1);
        let deadline = tokio::time::Instant::now() + limits.write_wait;
        loop {
            // Registered before looking, so a slot freed in between still wakes this one.
            let freed = self.inner.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            {
                let mut activity = self.inner.activity();
                let holding = activity.writes.get(&tenant).copied().unwrap_or(0);
                if holding < budget
                    || !activity.competed(tenant, Instant::now(), limits.contention_window)
                {
                    *activity.writes.entry(tenant).or_insert(0) += 1;
                    return Ok(WriteSlot {
                        inner: self.inner.clone(),
                        tenant,
                    });
                }
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Err(write_refusal(budget, limits.write_wait));
            }
            let recheck = (now + RECHECK).min(deadline);
            tokio::select! {
                () = &mut freed => {}
                () = tokio::time::sleep_until(recheck) => {}
            }
        }
    }
}

impl Inner {
    fn activity(&self) -> MutexGuard<'_, Activity> {
        self.activity.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn tenants(&self) -> MutexGuard<'_, HashMap<TenantId, (TenantLimits, Instant)>> {
        self.tenants.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let mut activity = self.inner.activity();
        if let Some(count) = activity.running.get_mut(&self.tenant) {
            *count -= 1;
            if *count == 0 {
                activity.running.remove(&self.tenant);
            }
            activity.running_total -= 1;
        }
        activity.seen(self.tenant, Instant::now());
    }
}

impl Drop for WriteSlot {
    fn drop(&mut self) {
        {
            let mut activity = self.inner.activity();
            if let Some(count) = activity.writes.get_mut(&self.tenant) {
                *count -= 1;
                if *count == 0 {
                    activity.writes.remove(&self.tenant);
                }
            }
        }
        self.inner.freed.notify_waiters();
    }
}

/// The refusal of a request over its app's rate, `wait` seconds before a token is free.
fn rate_refusal(limits: InForce, wait: f64) -> Refusal {
    Refusal {
        retry_after_secs: seconds_up(wait),
        detail: format!(
            "This app sent more than {} requests per second (bursts of up to {}) while \
             other organisations were provisioning too, the limit each app has then (the \
             operator's fair_share.requests_per_second and fair_share.burst, or this \
             organisation's own limits). Retry after the Retry-After delay, or lower the \
             identity provider's rate.",
            limits.requests_per_second, limits.burst
        ),
    }
}

/// The refusal of a write that waited `waited` for a slot of its tenant's `budget`.
fn write_refusal(budget: u32, waited: Duration) -> Refusal {
    Refusal {
        retry_after_secs: 1,
        detail: format!(
            "This organisation already has {} SCIM writes running while other \
             organisations are provisioning too, and this one waited {} ms for its \
             turn (the operator's fair_share.tenant_max_concurrent_writes, or this \
             organisation's own limit). Retry after the Retry-After delay, or send \
             fewer writes at once.",
            budget,
            waited.as_millis()
        ),
    }
}

fn seconds_up(seconds: f64) -> u64 {
    let whole = seconds.ceil();
    if whole.is_finite() && whole >= 1.0 {
        // At most an hour: the bucket refills in 1/rate seconds, rate >= 1.
        format!("{whole:.0}").parse().unwrap_or(1)
    } else {
        1
    }
}

pub mod fleet;

#[cfg(test)]
mod tests;
