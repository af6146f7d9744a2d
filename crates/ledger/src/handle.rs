//! [`TenantLedger`]: one tenant's ledger on a connection or transaction, acting as someone.
//! Every ledger write takes it, so none can be called without the tenant it is scoped to, and
//! the four values every write needs travel as one.

use rosterd_domain::{Clock, TenantId};

use crate::actor::Actor;

/// One tenant's ledger on `db` (a connection or the caller's transaction), taking "now" from
/// `clock` and writing `actor` into every entry and audit event.
pub struct TenantLedger<'a, C> {
    pub(crate) db: &'a C,
    pub(crate) clock: &'a dyn Clock,
    pub(crate) tenant: TenantId,
    pub(crate) actor: &'a Actor,
}

impl<'a, C> TenantLedger<'a, C> {
    pub fn new(db: &'a C, clock: &'a dyn Clock, tenant: TenantId, actor: &'a Actor) -> Self {
        Self {
            db,
            clock,
            tenant,
            actor,
        }
    }

    /// The same ledger, acting as `actor`.
    pub fn acting_as<'b>(&self, actor: &'b Actor) -> TenantLedger<'b, C>
    where
        'a: 'b,
    {
        TenantLedger::new(self.db, self.clock, self.tenant, actor)
    }

    /// The tenant this ledger is scoped to.
    pub fn tenant(&self) -> TenantId {
        self.tenant
    }
}

// Not derived: a derive would ask `C: Clone`, and a transaction is not.
impl<C> Clone for TenantLedger<'_, C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<C> Copy for TenantLedger<'_, C> {}
