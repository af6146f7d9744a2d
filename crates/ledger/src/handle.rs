//! [`TenantLedger`]: one tenant's ledger on a connection or transaction, acting as someone.
//! Every ledger write takes it, so none can be called without the tenant it is scoped to, and
//! the four values every write needs travel as one. It is the audit crate's [`Change`], the
//! handle every crate's use cases take, under the name the ledger's callers read.

use rosterd_audit::Change;

/// One tenant's ledger on `db` (a connection or the caller's transaction), taking "now" from
/// `clock` and writing `actor` into every entry and audit event.
pub type TenantLedger<'a, C> = Change<'a, C>;
