//! Typed ids. Every id is a UUID (v7, so ids sort by creation time) stored as text, wrapped in a
//! type per entity so a person id can never be passed where a tenant id is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ParseError;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = ParseError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s)
                    .map(Self)
                    .map_err(|_| ParseError(format!("`{s}` is not a valid {} id", $what)))
            }
        }
    };
}

id_type!(
    /// A customer org.
    TenantId,
    "tenant"
);
id_type!(
    /// One human in a tenant, whatever app provisioned them.
    PersonId,
    "person"
);
id_type!(
    /// An app-scoped SCIM User resource.
    ScimUserId,
    "user"
);
id_type!(
    /// A group (SCIM or manual).
    GroupId,
    "group"
);
id_type!(
    /// A license held by a person.
    LicenseId,
    "license"
);
id_type!(
    /// A SCIM bearer token record (never the secret itself).
    TokenId,
    "token"
);
id_type!(
    /// One entry of the license ledger.
    LedgerEntryId,
    "ledger entry"
);
id_type!(
    /// An admin-center account.
    AdminUserId,
    "admin"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text() {
        let id = PersonId::new();
        assert_eq!(id.to_string().parse::<PersonId>().unwrap(), id);
    }

    #[test]
    fn a_bad_id_names_its_kind() {
        let err = "nope".parse::<TenantId>().unwrap_err();
        assert_eq!(err.to_string(), "`nope` is not a valid tenant id");
    }

    #[test]
    fn later_ids_sort_after_earlier_ones() {
        let a = GroupId::new();
        let b = GroupId::new();
        assert!(a < b);
    }
}
