//! rosterd's shared vocabulary: the ids, products and license kinds every other crate speaks in,
//! the tenant slug rules, and the injected [`Clock`]. No I/O lives here.

mod clock;
mod error;
mod ids;
mod product;
mod secret;
mod slug;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::ParseError;
pub use ids::{
    AdminUserId, GroupId, LedgerEntryId, LicenseId, PersonId, ScimUserId, TenantId, TokenId,
};
pub use product::{LicenseKind, Product};
pub use secret::Secret;
pub use slug::TenantSlug;
