//! Fair share between the apps and tenants one process serves: each app (one SCIM token's
//! tenant and product) draws its requests from a token bucket, and each tenant runs at most a
//! budget of SCIM writes at once, so one tenant's flood cannot fill the SQLite writer's queue or
//! the PostgreSQL pool while another tenant's IdP waits.
//!
//! In-process: with several replicas each has its own buckets and budgets (a replica's share is
//! the configured one). The HTTP layer that applies these lives in the binary's server.
//!
//! - A request over the rate is refused at once with a [`Refusal`] saying when a token is next
//!   free (`Retry-After`), rounded up to whole seconds.
//! - A write over the tenant's budget waits for a free slot in its tenant's own queue, up to
//!   [`FairShareLimits::write_wait`], and is refused only then: an IdP that sends a burst of
//!   writes gets them done a few at a time, not errors.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rosterd_domain::{Product, TenantId};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The limits every app and tenant gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FairShareLimits {
    /// Requests per second an app may sustain.
    pub requests_per_second: u32,
    /// Requests an app may send at once above its rate (the bucket's size).
    pub burst: u32,
    /// SCIM writes one tenant may run at once.
    pub tenant_max_concurrent_writes: u32,
    /// How long a write waits for a slot of its tenant's budget before it is refused.
    pub write_wait: Duration,
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
    limits: FairShareLimits,
    apps: Arc<Mutex<HashMap<(TenantId, Product), Bucket>>>,
    tenants: Arc<Mutex<HashMap<TenantId, Arc<Semaphore>>>>,
}

/// A token bucket: `tokens` as of `at`.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// A slot of a tenant's write budget, given back when dropped.
#[derive(Debug)]
pub struct WriteSlot(#[expect(dead_code, reason = "held for its drop")] OwnedSemaphorePermit);

impl FairShare {
    pub fn new(limits: FairShareLimits) -> Self {
        Self {
            limits,
            apps: Arc::default(),
            tenants: Arc::default(),
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> FairShareLimits {
        self.limits
    }

    /// Takes one request from the app's bucket at `now`, or says when one is free.
    pub fn admit(&self, tenant: TenantId, product: Product, now: Instant) -> Result<(), Refusal> {
        let rate = f64::from(self.limits.requests_per_second.max(1));
        let size = f64::from(self.limits.burst.max(1));
        let mut apps = self.apps.lock().unwrap_or_else(PoisonError::into_inner);
        let bucket = apps.entry((tenant, product)).or_insert(Bucket {
            tokens: size,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(size);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        let wait = (1.0 - bucket.tokens) / rate;
        Err(Refusal {
            retry_after_secs: seconds_up(wait),
            detail: format!(
                "This app sent more than {} requests per second (bursts of up to {}), the \
                 limit each app has (the operator's fair_share.requests_per_second and \
                 fair_share.burst). Retry after the Retry-After delay, or lower the identity \
                 provider's rate.",
                self.limits.requests_per_second, self.limits.burst
            ),
        })
    }

    /// Waits for a slot of `tenant`'s write budget, up to [`FairShareLimits::write_wait`].
    pub async fn write_slot(&self, tenant: TenantId) -> Result<WriteSlot, Refusal> {
        let budget = {
            let mut tenants = self.tenants.lock().unwrap_or_else(PoisonError::into_inner);
            tenants
                .entry(tenant)
                .or_insert_with(|| {
                    let slots = usize::try_from(self.limits.tenant_max_concurrent_writes)
                        .unwrap_or(usize::MAX)
                        .clamp(1, Semaphore::MAX_PERMITS);
                    Arc::new(Semaphore::new(slots))
                })
                .clone()
        };
        match tokio::time::timeout(self.limits.write_wait, budget.acquire_owned()).await {
            Ok(Ok(permit)) => Ok(WriteSlot(permit)),
            // Timed out (the semaphore is never closed).
            Ok(Err(_)) | Err(_) => Err(Refusal {
                retry_after_secs: 1,
                detail: format!(
                    "This organisation already has {} SCIM writes running and this one waited \
                     {} s for its turn (the operator's \
                     fair_share.tenant_max_concurrent_writes). Retry after the Retry-After \
                     delay, or send fewer writes at once.",
                    self.limits.tenant_max_concurrent_writes,
                    self.limits.write_wait.as_secs()
                ),
            }),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn share(rate: u32, burst: u32, writes: u32) -> FairShare {
        FairShare::new(FairShareLimits {
            requests_per_second: rate,
            burst,
            tenant_max_concurrent_writes: writes,
            write_wait: Duration::from_millis(50),
        })
    }

    #[test]
    fn a_burst_passes_then_the_rate_holds_and_apps_do_not_share_a_bucket() {
        let fair = share(2, 3, 1);
        let (acme, globex) = (TenantId::new(), TenantId::new());
        let start = Instant::now();
        for _ in 0..3 {
            assert!(fair.admit(acme, Product::Learning, start).is_ok());
        }
        let refused = fair
            .admit(acme, Product::Learning, start)
            .expect_err("the burst is spent");
        assert_eq!(refused.retry_after_secs, 1);
        assert!(refused.detail.contains("fair_share.requests_per_second"));
        // Another app of the same tenant, and another tenant, have their own buckets.
        assert!(fair.admit(acme, Product::SalesNavigator, start).is_ok());
        assert!(fair.admit(globex, Product::Learning, start).is_ok());
        // Half a second later one token (at 2 per second) is back, and only one.
        let later = start + Duration::from_millis(500);
        assert!(fair.admit(acme, Product::Learning, later).is_ok());
        assert!(fair.admit(acme, Product::Learning, later).is_err());
    }

    #[test]
    fn twenty_five_requests_a_second_never_meet_the_default_limits() {
        let fair = share(50, 200, 4);
        let tenant = TenantId::new();
        let start = Instant::now();
        for i in 0..25 * 600 {
            let at = start + Duration::from_millis(40 * i);
            assert!(
                fair.admit(tenant, Product::Learning, at).is_ok(),
                "request {i}"
            );
        }
    }

    #[test]
    fn the_retry_after_is_when_a_token_is_free_rounded_up() {
        let fair = share(1, 1, 1);
        let tenant = TenantId::new();
        let start = Instant::now();
        assert!(fair.admit(tenant, Product::Learning, start).is_ok());
        let refused = fair.admit(tenant, Product::Learning, start).unwrap_err();
        assert_eq!(refused.retry_after_secs, 1);
        assert_eq!(seconds_up(2.2), 3);
        assert_eq!(seconds_up(0.0), 1);
    }

    #[tokio::test]
    async fn a_tenant_past_its_write_budget_waits_then_is_refused_and_others_are_not() {
        let fair = share(100, 100, 2);
        let (acme, globex) = (TenantId::new(), TenantId::new());
        let first = fair.write_slot(acme).await.unwrap();
        let _second = fair.write_slot(acme).await.unwrap();
        let refused = fair.write_slot(acme).await.expect_err("the budget is full");
        assert!(
            refused
                .detail
                .contains("fair_share.tenant_max_concurrent_writes")
        );
        assert!(fair.write_slot(globex).await.is_ok());
        drop(first);
        assert!(fair.write_slot(acme).await.is_ok());
    }
}
