//! What the SCIM surface knows of a request once it is authenticated: which tenant and product
//! app it acts for, and the base URL its resources' `meta.location` are built from. The auth
//! layer (wired in the binary) inserts it as a request extension.

use rosterd_domain::{Product, TenantId};

/// The authenticated app a SCIM request acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimContext {
    pub tenant: TenantId,
    pub product: Product,
    /// The app's SCIM base URL as the client addressed it, e.g.
    /// `https://rosterd.example/scim/acme/learning/v2`, without a trailing slash.
    pub base_url: String,
    /// Who is acting, for the ledger and audit log, e.g. `learning rosterd_scim_Ab12Cd34`.
    pub actor: String,
    /// This request's id (a UUID v7), shared by its provisioning-log row and the ledger and audit
    /// entries it causes, so an admin can follow a change back to the request.
    pub request_id: String,
}
