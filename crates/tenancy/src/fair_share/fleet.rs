//! The fair share of a fleet: every replica's requests draw from the same buckets and write
//! budgets, kept in Redis (`REDIS_URL`), and "another tenant competes" is seen fleet-wide. The
//! rules are those of [`super`] (work-conserving, the same limits and answers); only where the
//! counts live changes.
//!
//! Each decision is one Lua script run atomically by Redis on its own clock (`TIME`), so
//! replicas need no synchronised clocks and no lock:
//!
//! - `<prefix>active`: a sorted set of tenants scored by when each was last seen (µs); a tenant
//!   competes with the others seen within the contention window. Every admitted or refused
//!   request, every look for a write slot and every write's end marks its tenant.
//! - `<prefix>bucket:<tenant>:<product>`: an app's token bucket (tokens, as of when), expiring
//!   once it would be full again anyway.
//! - `<prefix>writes:<tenant>`: the tenant's write slots held, a sorted set of slot ids scored
//!   by when each lease ends (the request timeout and a margin past its taking), so the slots
//!   of a replica that died holding them come back by themselves.
//!
//! A request costs one round trip (its token, its tenant's activity and, for a write, its
//! slot); a write that has to wait looks again every 25 ms (or at once when a
//! slot of this replica is given back). A slot is given back by a task spawned when its guard
//! drops, so a cancelled request (client gone, timeout) gives it back too.
//!
//! The requests running on this replica still count as competing, as in-process, and a
//! replica's own activity is combined with the fleet's. When Redis does not answer (an error,
//! or no answer within [`REDIS_TIMEOUT`]), the request is decided by this replica's in-process
//! share instead, Redis is left alone for [`OUTAGE_RETRY`], and a warning is logged at most
//! once per [`OUTAGE_WARN_EVERY`]: an IdP never sees a 500 because Redis blinked.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use rosterd_domain::{Product, TenantId};
use tokio::sync::OnceCell;

use super::{FairShare, RECHECK, Refusal, WriteSlot, rate_refusal, write_refusal};

/// How long a call to Redis may take before the request is decided in-process.
pub const REDIS_TIMEOUT: Duration = Duration::from_millis(250);
/// After Redis failed, how long requests are decided in-process before Redis is tried again.
pub const OUTAGE_RETRY: Duration = Duration::from_secs(1);
/// At most one warning about Redis not answering per this.
pub const OUTAGE_WARN_EVERY: Duration = Duration::from_secs(60);

/// Takes a token from an app's bucket (when asked) and a write slot (when asked), and marks
/// the tenant active, on Redis' clock. Returns `{admitted, wait_us, competing, slot}`.
const ADMIT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
redis.call('ZADD', KEYS[2], now, ARGV[1])
redis.call('PEXPIRE', KEYS[2], math.floor(window / 1000) + 1000)
local competing = ARGV[5] == '1' or redis.call('ZCARD', KEYS[2]) > 1
local admitted, wait, slot = 1, 0, 0
if ARGV[6] == '1' then
  local rate, size = tonumber(ARGV[2]), tonumber(ARGV[3])
  local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
  local tokens = tonumber(bucket[1]) or size
  local at = tonumber(bucket[2]) or now
  if now > at then
    tokens = tokens + (now - at) / 1000000 * rate
    at = now
  end
  if tokens > size then tokens = size end
  if tokens >= 1 then
    tokens = tokens - 1
  elseif competing then
    admitted = 0
    wait = math.ceil((1 - tokens) / rate * 1000000)
  end
  redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', at)
  redis.call('PEXPIRE', KEYS[1], math.ceil(size / rate * 1000) + 1000)
end
if admitted == 1 and ARGV[7] ~= '' then
  local lease = tonumber(ARGV[9])
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  if not competing or redis.call('ZCARD', KEYS[3]) < tonumber(ARGV[8]) then
    redis.call('ZADD', KEYS[3], now + lease, ARGV[7])
    redis.call('PEXPIRE', KEYS[3], math.ceil(lease / 1000) + 1000)
    slot = 1
  end
end
return {admitted, wait, competing and 1 or 0, slot}
";

/// Gives a write slot back and marks its tenant active at the write's end.
const RELEASE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], now, ARGV[2])
redis.call('PEXPIRE', KEYS[2], math.floor(tonumber(ARGV[3]) / 1000) + 1000)
return 1
";

/// The fair share of a replica whose buckets and budgets are shared through Redis. Cheap to
/// clone (`Arc` inside).
#[derive(Clone)]
pub struct Fleet {
    local: FairShare,
    redis: Arc<Store>,
}

/// Never prints the client: its URL may hold a password.
impl fmt::Debug for Fleet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fleet")
            .field("local", &self.local)
            .field("prefix", &self.redis.keys.prefix)
            .finish_non_exhaustive()
    }
}

struct Store {
    client: redis::Client,
    conn: OnceCell<ConnectionManager>,
    keys: Keys,
    /// How long a write slot stays held when nobody gives it back (a replica that died).
    lease: Duration,
    admit: redis::Script,
    release: redis::Script,
    outage: Mutex<Outage>,
}

/// The Redis keys of one fleet.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Keys {
    prefix: String,
}

impl Keys {
    fn active(&self) -> String {
        format!("{}active", self.prefix)
    }

    fn bucket(&self, tenant: TenantId, product: Product) -> String {
        format!("{}bucket:{tenant}:{}", self.prefix, product.slug())
    }

    fn writes(&self, tenant: TenantId) -> String {
        format!("{}writes:{tenant}", self.prefix)
    }
}

/// Whether Redis is being left alone after a failure, and when a warning was last logged.
#[derive(Debug, Default)]
struct Outage {
    retry_at: Option<Instant>,
    warned_at: Option<Instant>,
}

impl Outage {
    /// Whether Redis may be asked at `now`.
    fn usable(&self, now: Instant) -> bool {
        self.retry_at.is_none_or(|at| now >= at)
    }

    /// Records a failure at `now`; true when it is to be logged (none logged recently).
    fn failed(&mut self, now: Instant) -> bool {
        self.retry_at = Some(now + OUTAGE_RETRY);
        let warn = self
            .warned_at
            .is_none_or(|at| now.saturating_duration_since(at) >= OUTAGE_WARN_EVERY);
        if warn {
            self.warned_at = Some(now);
        }
        warn
    }

    fn answered(&mut self) {
        self.retry_at = None;
    }
}

/// What the admit script decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Verdict {
    admitted: bool,
    /// Microseconds until the bucket has a token again (when not admitted).
    wait_us: u64,
    slot: bool,
}

impl Verdict {
    fn from_reply(reply: &[i64]) -> Option<Self> {
        match *reply {
            [admitted, wait, _competing, slot] => Some(Self {
                admitted: admitted == 1,
                wait_us: u64::try_from(wait).unwrap_or(0),
                slot: slot == 1,
            }),
            _ => None,
        }
    }
}

/// A slot of a tenant's write budget, given back when dropped: in Redis, or (when Redis did
/// not answer) this replica's own.
#[derive(Debug)]
pub struct FleetSlot(Held);

#[derive(Debug)]
#[expect(
    dead_code,
    reason = "each is held for its drop, which gives the slot back"
)]
enum Held {
    Local(WriteSlot),
    Shared(SharedSlot),
}

/// A slot id in the tenant's Redis set; dropping it (armed) spawns its release, so a request
/// cancelled while taking or holding it leaves nothing behind for longer than the release.
struct SharedSlot {
    fleet: Fleet,
    tenant: TenantId,
    id: String,
    armed: bool,
}

impl fmt::Debug for SharedSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedSlot")
            .field("tenant", &self.tenant)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl Drop for SharedSlot {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // No runtime left (shutting down): the lease gives the slot back.
            return;
        };
        let (fleet, tenant, id) = (
            self.fleet.clone(),
            self.tenant,
            std::mem::take(&mut self.id),
        );
        runtime.spawn(async move { fleet.release(tenant, &id).await });
    }
}

/// What one request asks of the admit script.
struct Ask {
    take_token: bool,
    slot: Option<String>,
}

impl Fleet {
    /// The share of a replica on the Redis at `url`, its keys starting with `prefix` (e.g.
    /// `rosterd:fair:`), falling back on `local`; a write slot nobody gives back is free again
    /// after `lease`. Connects on first use.
    pub fn new(local: FairShare, url: &str, prefix: &str, lease: Duration) -> Result<Self, String> {
        let client = redis::Client::open(url).map_err(|e| format!("REDIS_URL: {e}"))?;
        Ok(Self {
            local,
            redis: Arc::new(Store {
                client,
                conn: OnceCell::new(),
                keys: Keys {
                    prefix: prefix.to_owned(),
                },
                lease,
                admit: redis::Script::new(ADMIT),
                release: redis::Script::new(RELEASE),
                outage: Mutex::default(),
            }),
        })
    }

    /// The in-process share: requests counted running, tenants' own limits, and the fallback.
    pub fn local(&self) -> &FairShare {
        &self.local
    }

    /// Takes one request from the app's bucket, fleet-wide; while another tenant competes
    /// (anywhere in the fleet), an empty bucket refuses. For a write, also tries to take a
    /// slot of the tenant's budget in the same round trip: `Some` when it got one, `None` when
    /// it has to wait for one ([`Self::write_slot`]) or is not a write.
    pub async fn admit(
        &self,
        tenant: TenantId,
        product: Product,
        write: bool,
    ) -> Result<Option<FleetSlot>, Refusal> {
        let limits = self.local.in_force(tenant);
        let mut pending = write.then(|| self.pending(tenant));
        let ask = Ask {
            take_token: true,
            slot: pending.as_ref().map(|p| p.id.clone()),
        };
        let Some(verdict) = self.ask(tenant, product, &ask).await else {
            // A call that timed out may still have taken the slot: `pending` drops armed.
            drop(pending);
            self.local.admit(tenant, product, Instant::now())?;
            return Ok(None);
        };
        if !verdict.admitted {
            disarm(pending.as_mut());
            #[expect(
                clippy::cast_precision_loss,
                reason = "a wait of at most an hour in µs is exact in f64"
            )]
            let wait = verdict.wait_us as f64 / 1_000_000.0;
            return Err(rate_refusal(limits, wait));
        }
        match pending {
            Some(slot) if verdict.slot => Ok(Some(FleetSlot(Held::Shared(slot)))),
            mut other => {
                disarm(other.as_mut());
                Ok(None)
            }
        }
    }

    /// A slot of `tenant`'s write budget, fleet-wide: at once if the tenant holds fewer than
    /// its budget across the fleet or nobody else competes, else as soon as either holds, up to
    /// the write wait. In-process when Redis does not answer.
    pub async fn write_slot(&self, tenant: TenantId) -> Result<FleetSlot, Refusal> {
        let limits = self.local.limits();
        let deadline = tokio::time::Instant::now() + limits.write_wait;
        loop {
            // Registered before looking, so a slot of this replica freed in between wakes it.
            let freed = self.local.inner.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            let mut pending = self.pending(tenant);
            let ask = Ask {
                take_token: false,
                slot: Some(pending.id.clone()),
            };
            // No token is taken: the bucket key is passed but left alone.
            let Some(verdict) = self.ask(tenant, Product::Learning, &ask).await else {
                drop(pending);
                let slot = self.local.write_slot(tenant).await?;
                return Ok(FleetSlot(Held::Local(slot)));
            };
            if verdict.slot {
                return Ok(FleetSlot(Held::Shared(pending)));
            }
            pending.armed = false;
            let now = tokio::time::Instant::now();
            if now >= deadline {
                let budget = self.local.in_force(tenant).max_concurrent_writes.max(1);
                return Err(write_refusal(budget, limits.write_wait));
            }
            let recheck = (now + RECHECK).min(deadline);
            tokio::select! {
                () = &mut freed => {}
                () = tokio::time::sleep_until(recheck) => {}
            }
        }
    }

    fn pending(&self, tenant: TenantId) -> SharedSlot {
        SharedSlot {
            fleet: self.clone(),
            tenant,
            id: uuid::Uuid::new_v4().to_string(),
            armed: true,
        }
    }

    /// Runs the admit script; `None` when Redis is left alone or did not answer.
    async fn ask(&self, tenant: TenantId, product: Product, ask: &Ask) -> Option<Verdict> {
        let store = &self.redis;
        if !store.outage().usable(Instant::now()) {
            return None;
        }
        let limits = self.local.in_force(tenant);
        let defaults = self.local.limits();
        let competing = self.local.competed(tenant, Instant::now());
        let mut call = store.admit.prepare_invoke();
        call.key(store.keys.bucket(tenant, product))
            .key(store.keys.active())
            .key(store.keys.writes(tenant))
            .arg(tenant.to_string())
            .arg(limits.requests_per_second.max(1))
            .arg(limits.burst.max(1))
            .arg(micros(defaults.contention_window))
            .arg(u32::from(competing))
            .arg(u32::from(ask.take_token))
            .arg(ask.slot.as_deref().unwrap_or(""))
            .arg(limits.max_concurrent_writes.max(1))
            .arg(micros(store.lease));
        let reply: Result<Vec<i64>, String> = timed(async {
            let mut conn = store.conn().await?;
            call.invoke_async(&mut conn)
                .await
                .map_err(|e| e.to_string())
        })
        .await;
        match reply.and_then(|r| Verdict::from_reply(&r).ok_or_else(|| format!("reply {r:?}"))) {
            Ok(verdict) => {
                store.outage().answered();
                Some(verdict)
            }
            Err(err) => {
                if store.outage().failed(Instant::now()) {
                    tracing::warn!(
                        error = %err,
                        retry_in_ms = OUTAGE_RETRY.as_millis(),
                        "fair share: Redis does not answer; each replica applies its own \
                         share until it does (this warning repeats at most once a minute)"
                    );
                }
                None
            }
        }
    }

    /// Gives the slot `id` back in Redis and wakes this replica's waiting writes. Tried even
    /// while Redis is left alone (the lease frees it if this fails).
    async fn release(&self, tenant: TenantId, id: &str) {
        let store = &self.redis;
        let mut call = store.release.prepare_invoke();
        call.key(store.keys.writes(tenant))
            .key(store.keys.active())
            .arg(id)
            .arg(tenant.to_string())
            .arg(micros(self.local.limits().contention_window));
        let done: Result<i64, String> = timed(async {
            let mut conn = store.conn().await?;
            call.invoke_async(&mut conn)
                .await
                .map_err(|e| e.to_string())
        })
        .await;
        if let Err(err) = done {
            tracing::debug!(error = %err, "fair share: a write slot is left to its lease");
        }
        self.local.inner.freed.notify_waiters();
    }
}

fn disarm(slot: Option<&mut SharedSlot>) {
    if let Some(slot) = slot {
        slot.armed = false;
    }
}

impl Store {
    fn outage(&self) -> std::sync::MutexGuard<'_, Outage> {
        self.outage.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn conn(&self) -> Result<ConnectionManager, String> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(REDIS_TIMEOUT)
            .set_response_timeout(REDIS_TIMEOUT)
            .set_number_of_retries(1);
        self.conn
            .get_or_try_init(|| self.client.get_connection_manager_with_config(config))
            .await
            .cloned()
            .map_err(|e| format!("connecting: {e}"))
    }
}

/// A call to Redis bounded by [`REDIS_TIMEOUT`].
async fn timed<T>(call: impl Future<Output = Result<T, String>>) -> Result<T, String> {
    tokio::time::timeout(REDIS_TIMEOUT, call)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {} ms", REDIS_TIMEOUT.as_millis())))
}

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

impl FleetSlot {
    /// Whether the slot is the fleet's (taken in Redis) rather than this replica's own.
    pub fn is_shared(&self) -> bool {
        matches!(self.0, Held::Shared(_))
    }
}

#[cfg(test)]
mod tests;
