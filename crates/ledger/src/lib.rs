//! The license ledger: seat pools per tenant and license kind, the licenses people hold, and
//! the append-only ledger entries every change leaves behind. The capacity invariant (seats in
//! use never exceed capacity) is enforced by the database, under any concurrency: a seat is
//! taken by one conditional UPDATE of the pool row (`in_use < capacity`), backed by a CHECK.
//!
//! Knows nothing of HTTP or SCIM: the product apps call it inside their own transactions, so a
//! SCIM change and its license effect commit together or not at all. Every write takes a
//! [`TenantLedger`] (the caller's connection or transaction, the
//! [`Clock`](rosterd_domain::Clock), the tenant, and the [`Actor`]); every query filters on the
//! tenant (the two exceptions find their tenant through a 256-bit secret or serve every tenant,
//! and say so).
//!
//! - [`pool`](SeatPool): capacities. [`license`](License): what people hold, queries.
//! - [`assign`], [`revoke`], [`change`], [`activate`], [`record_refusal`]: provisioning.
//! - [`grant_manual`], [`revoke_manual`], [`adopt`]: licenses given by hand, and SCIM taking
//!   them over.
//! - [`LicensePolicy`], [`eligible_kind`]: who gets which kind (pure).
//! - [`enqueue`], [`serve_waitlist`]: waiting lists of full pools.
//! - [`reconcile`]: settle people against their app's policy (SCIM writes); [`plan_policy`]
//!   (pure), [`preview_policy`] and [`apply_policy`]: a policy change, previewed or applied.
//! - Every ledger entry also writes an audit event (`license.<entry kind>`) on the same
//!   transaction, naming the actor's channel and cause.
//! - [`verify`], [`entries`]: the replay check and the log.
//! - [`create_activation`], [`redeem`], [`resend_activation`]: activation links;
//!   [`enqueue_notification`], [`claim_due`]: the outbox.
//!
//! TeamLink Extend is an independent pool with its own app: revoking someone's Sales Navigator
//! license leaves their TeamLink Extend seat alone (the IdP manages that app's assignment, and
//! the ledger never takes a seat behind an app's back).

mod activation;
mod batch;
mod by_hand;
mod capacity;
mod demand;
pub mod entity;
mod entry;
mod error;
mod fleet;
mod handle;
mod license;
mod manual;
mod outbox;
mod policy;
mod pool;
mod provision;
mod reconcile;
mod release;
mod serving;
mod usage;
mod verify;
mod waitlist;

pub use activation::{
    ACTIVATION_LIFETIME_DAYS, ActivationError, ActivationInfo, IssuedActivation, activation_info,
    create_activation, issue_first_activation, licenses_awaiting_notice, link_problem, redeem,
    resend_activation,
};
pub use by_hand::{
    Given, describe_seats, give_license, resend_notice, revoke_license_by_hand, set_seats,
};
pub use capacity::{create_pools, set_capacity};
pub use demand::{Demand, unmet_demand};
pub use entry::{Entry, EntryKind, entries};
pub use error::{Error, Result};
pub use fleet::{FleetTotals, KindTotals, fleet_totals};
pub use handle::TenantLedger;
pub use license::{
    License, LicenseQuery, LicenseSource, LicenseState, find_license, find_live, licenses_of,
    list_licenses, live_licenses_of_people,
};
pub use manual::{adopt, grant_manual, revoke_manual};
pub use outbox::{
    MAX_ATTEMPTS, NewNotification, Notification, claim_due, enqueue_notification, mark_failed,
    mark_sent, mark_withdrawn,
};
pub use policy::{
    Basis, Eligibility, LicensePolicy, Matcher, RULE_ATTRIBUTES, Rule, StoredPolicy, Subject,
    eligible_kind, parse_tier, set_policy, stored_policy, tier_name,
};
pub use pool::{SeatPool, pools};
pub use provision::{Changed, Revoked, activate, assign, record_refusal};
pub use reconcile::model::{Holding, PoolNumbers, WaitingPerson};
pub use reconcile::plan::ChangedIn;
pub use reconcile::{
    Candidate, LedgerState, Mode, Named, Plan, PolicySubject, PoolPlan, Refusal, apply_policy,
    ledger_state, plan_policy, preview_policy, reconcile,
};
pub use release::{change, revoke};
pub use rosterd_audit::{Actor, ActorKind};
pub use serving::serve_waitlist;
pub use usage::{
    StateCount, live_holdings, live_license_counts, recent_refusals, seat_moves_since,
};
pub use verify::{VerifyReport, verify};
pub use waitlist::{WaitKey, Waiting, dequeue, enqueue, waitlist};
