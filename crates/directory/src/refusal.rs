//! A refused request's record: what the hooks write down once its transaction rolled back.

use rosterd_domain::{LicenseKind, PersonId};

/// What to write down, outside the rolled-back transaction, about a refused request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusalRecord {
    /// `None` when the person did not exist before the refused request.
    pub person: Option<PersonId>,
    /// Who asked, for the admin: the SCIM userName.
    pub subject: String,
    pub kind: LicenseKind,
    pub reason: String,
}
