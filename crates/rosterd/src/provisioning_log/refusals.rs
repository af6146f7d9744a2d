//! Collapsing a flood of fair-share refusals: per app, the first refusal (429) opens a window
//! and is logged in full by the caller; the refusals that follow within the window are counted,
//! and when the window ends one entry stands for all of them (`repeats`), made from the last.
//! Windows are closed by a background tick, by the next refusal after the window, and when the
//! server stops (the last [`super::Recorder`] is dropped), so no count is lost.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rosterd_domain::{Product, TenantId};
use rosterd_tenancy::provisioning_log::{LogEntry, Outcome};
use tokio::sync::mpsc;

use super::Attribution;

/// The longest a closed window waits for the background tick.
const TICK: Duration = Duration::from_secs(1);

pub(super) struct Refusals {
    windows: Mutex<HashMap<(TenantId, Product), Window>>,
    window: Duration,
    tx: mpsc::Sender<LogEntry>,
    dropped: Arc<AtomicU64>,
}

/// One app's open window.
struct Window {
    opened: Instant,
    /// Refusals counted after the one that opened the window.
    more: u32,
    /// The last of those.
    last: Option<Refused>,
}

struct Refused {
    request_id: String,
    at: DateTime<Utc>,
    method: String,
    path: String,
}

impl Refusals {
    /// Collapses refusals into windows of `window`, closed entries going to `tx`.
    pub(super) fn start(
        tx: mpsc::Sender<LogEntry>,
        dropped: Arc<AtomicU64>,
        window: Duration,
    ) -> Arc<Self> {
        let refusals = Arc::new(Self::new(tx, dropped, window));
        // Holds no strong reference: the windows (and their sender) go when the last recorder
        // does, which lets the writer end.
        let weak = Arc::downgrade(&refusals);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(TICK.min(window));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(refusals) = weak.upgrade() else {
                    break;
                };
                refusals.close_due(Instant::now());
            }
        });
        refusals
    }

    fn new(tx: mpsc::Sender<LogEntry>, dropped: Arc<AtomicU64>, window: Duration) -> Self {
        Self {
            windows: Mutex::default(),
            window,
            tx,
            dropped,
        }
    }

    /// Counts a refusal of `app`'s request at `now`; `true` when it opens a window (the caller
    /// logs it in full), `false` when it is counted into the window's closing entry.
    pub(super) fn refused(
        &self,
        app: &Attribution,
        method: &str,
        path: &str,
        at: DateTime<Utc>,
        now: Instant,
    ) -> bool {
        let closed = {
            let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
            match windows.entry((app.tenant, app.product)) {
                Entry::Occupied(mut open)
                    if now.saturating_duration_since(open.get().opened) < self.window =>
                {
                    let open = open.get_mut();
                    open.more = open.more.saturating_add(1);
                    open.last = Some(Refused {
                        request_id: app.request_id.clone(),
                        at,
                        method: method.to_owned(),
                        path: path.to_owned(),
                    });
                    return false;
                }
                Entry::Occupied(mut ended) => {
                    let ended = std::mem::replace(ended.get_mut(), Window::opened(now));
                    self.closing((app.tenant, app.product), ended)
                }
                Entry::Vacant(vacant) => {
                    vacant.insert(Window::opened(now));
                    None
                }
            }
        };
        if let Some(entry) = closed {
            super::submit(&self.tx, &self.dropped, entry);
        }
        true
    }

    /// Closes the windows that ended by `now` and queues their entries.
    fn close_due(&self, now: Instant) {
        for entry in self.take_due(Some(now)) {
            super::submit(&self.tx, &self.dropped, entry);
        }
    }

    /// Removes the windows ended by `now` (all of them with `None`) and returns the entries of
    /// those that counted any refusal.
    fn take_due(&self, now: Option<Instant>) -> Vec<LogEntry> {
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        let ended: Vec<(TenantId, Product)> = windows
            .iter()
            .filter(|(_, w)| {
                now.is_none_or(|now| now.saturating_duration_since(w.opened) >= self.window)
            })
            .map(|(key, _)| *key)
            .collect();
        ended
            .into_iter()
            .filter_map(|key| {
                let window = windows.remove(&key)?;
                self.closing(key, window)
            })
            .collect()
    }

    /// The entry standing for a window's counted refusals, if it counted any.
    fn closing(&self, (tenant, product): (TenantId, Product), window: Window) -> Option<LogEntry> {
        let last = window.last?;
        let detail = format!(
            "{} more requests of this app were refused by the fair share (429 Too Many \
             Requests) within {} s of the refusal logged before them; this entry is the last of \
             them. The identity provider sent more than this app's limit while other \
             organisations were provisioning: lower its rate, or ask the operator for a higher \
             limit.",
            window.more,
            self.window.as_secs()
        );
        Some(LogEntry {
            tenant,
            id: last.request_id,
            product,
            at: last.at,
            method: last.method,
            path: last.path,
            status: 429,
            outcome: Outcome::classify(429, Some(&detail)),
            scim_type: None,
            detail: Some(detail),
            resources: Vec::new(),
            summary: None,
            latency_ms: 0,
            repeats: window.more,
        })
    }
}

impl Window {
    fn opened(now: Instant) -> Self {
        Self {
            opened: now,
            more: 0,
            last: None,
        }
    }
}

impl Drop for Refusals {
    fn drop(&mut self) {
        for entry in self.take_due(None) {
            super::submit(&self.tx, &self.dropped, entry);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(tenant: TenantId, n: u32) -> Attribution {
        Attribution {
            tenant,
            product: Product::Learning,
            request_id: format!("r{n}"),
        }
    }

    fn refusals() -> (Refusals, mpsc::Receiver<LogEntry>) {
        let (tx, rx) = mpsc::channel(16);
        let window = Duration::from_secs(10);
        (Refusals::new(tx, Arc::default(), window), rx)
    }

    #[test]
    fn the_first_refusal_opens_a_window_and_the_rest_are_counted_into_one_entry() {
        let (refusals, _rx) = refusals();
        let tenant = TenantId::new();
        let t0 = Instant::now();
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert!(refusals.refused(&app(tenant, 0), "POST", "/Users", at, t0));
        for n in 1..=1_000 {
            let now = t0 + Duration::from_millis(u64::from(n) * 9);
            assert!(!refusals.refused(&app(tenant, n), "POST", "/Users", at, now));
        }
        assert!(
            refusals
                .take_due(Some(t0 + Duration::from_secs(9)))
                .is_empty()
        );
        let closed = refusals.take_due(Some(t0 + Duration::from_secs(10)));
        assert_eq!(closed.len(), 1);
        let entry = &closed[0];
        assert_eq!((entry.repeats, entry.status), (1_000, 429));
        assert_eq!(entry.id, "r1000", "the last refusal stands for the window");
        assert_eq!(entry.outcome, Outcome::ClientError);
        assert!(
            entry
                .detail
                .as_deref()
                .unwrap()
                .starts_with("1000 more requests")
        );
        assert!(refusals.take_due(None).is_empty(), "the window is gone");
    }

    #[test]
    fn a_refusal_after_the_window_closes_it_and_opens_the_next() {
        let (refusals, mut rx) = refusals();
        let tenant = TenantId::new();
        let t0 = Instant::now();
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert!(refusals.refused(&app(tenant, 0), "POST", "/Users", at, t0));
        assert!(!refusals.refused(&app(tenant, 1), "PATCH", "/Groups/g", at, t0));
        let later = t0 + Duration::from_secs(11);
        assert!(refusals.refused(&app(tenant, 2), "POST", "/Users", at, later));
        let closed = rx.try_recv().unwrap();
        assert_eq!((closed.repeats, closed.method.as_str()), (1, "PATCH"));
        assert!(rx.try_recv().is_err());
    }

    #[test]
    fn apps_have_their_own_windows_and_a_lone_refusal_adds_no_entry() {
        let (refusals, _rx) = refusals();
        let (a, b) = (TenantId::new(), TenantId::new());
        let t0 = Instant::now();
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert!(refusals.refused(&app(a, 0), "POST", "/Users", at, t0));
        assert!(refusals.refused(&app(b, 0), "POST", "/Users", at, t0));
        assert!(!refusals.refused(&app(b, 1), "POST", "/Users", at, t0));
        let closed = refusals.take_due(None);
        assert_eq!(closed.len(), 1);
        assert_eq!(closed[0].tenant, b);
    }

    #[test]
    fn open_windows_are_written_when_the_server_stops() {
        let (refusals, mut rx) = refusals();
        let tenant = TenantId::new();
        let t0 = Instant::now();
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        refusals.refused(&app(tenant, 0), "POST", "/Users", at, t0);
        refusals.refused(&app(tenant, 1), "POST", "/Users", at, t0);
        drop(refusals);
        assert_eq!(rx.try_recv().unwrap().repeats, 1);
    }
}
