//! A change by an actor to one tenant's data, as the use cases of every crate take it.

use rosterd_domain::{Clock, TenantId};
use sea_orm::{ConnectionTrait, DbErr};

use crate::{Actor, record};

/// A change to one tenant's data on `db` (a connection, or the caller's transaction): who makes
/// it, and the clock that says when. Every use case that changes state takes one and writes its
/// audit event with the change, so none can be called without the tenant it is scoped to or
/// without saying who acts. The ledger knows it as `TenantLedger`.
pub struct Change<'a, C> {
    pub db: &'a C,
    pub clock: &'a dyn Clock,
    pub tenant: TenantId,
    pub actor: &'a Actor,
}

// By hand: derived, they would ask the connection to be `Copy` too.
impl<C> Clone for Change<'_, C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<C> Copy for Change<'_, C> {}

impl<'a, C> Change<'a, C> {
    pub fn new(db: &'a C, clock: &'a dyn Clock, tenant: TenantId, actor: &'a Actor) -> Self {
        Self {
            db,
            clock,
            tenant,
            actor,
        }
    }

    /// The same change, by `actor` instead.
    pub fn acting_as<'b>(&self, actor: &'b Actor) -> Change<'b, C>
    where
        'a: 'b,
    {
        Change::new(self.db, self.clock, self.tenant, actor)
    }

    /// The tenant this change is scoped to.
    pub fn tenant(&self) -> TenantId {
        self.tenant
    }
}

impl<C> Change<'_, C> {
    /// Records the actor doing `action` to `target` (`(type, id)`) on `conn`, the change's own
    /// transaction, so the event commits with the change or not at all.
    pub async fn record(
        &self,
        conn: &impl ConnectionTrait,
        action: &str,
        target: (&str, &str),
        detail: &str,
    ) -> Result<(), DbErr> {
        record(
            conn,
            self.clock,
            self.tenant,
            self.actor.event(action, target, detail),
        )
        .await
    }
}
