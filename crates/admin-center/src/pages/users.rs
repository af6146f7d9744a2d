//! `/admin/{tenant}/users`: the tenant's people. Every admin can search, filter, sort and page
//! the list ([`list`]) and read a person's page ([`person`]); full and license admins add, edit
//! and remove manual people ([`edit`]) and give or revoke manual licenses ([`licenses`]).
//!
//! A person an IdP provisions (linked to at least one product app's SCIM user) is read-only
//! here: their attributes and their IdP-owned licenses change in the IdP. The server refuses a
//! forged change with the same explanation the page shows.

pub mod edit;
pub mod licenses;
pub mod list;
pub mod person;

use rosterd_domain::{PersonId, Product};
use rosterd_tenancy::AdminRole;

use crate::auth::SignedIn;
use crate::error::AdminError;

/// The person id in a path; anything else is a page that does not exist.
fn person_id(raw: &str) -> Result<PersonId, AdminError> {
    raw.parse().map_err(|_| AdminError::NotFound)
}

/// How a person is named on pages: display name, else given and family name, else email.
fn display_name(p: &rosterd_directory::Person) -> String {
    p.name()
}

/// Whether this admin may change people and licenses.
fn can_change(who: &SignedIn) -> bool {
    matches!(
        who.admin.role,
        AdminRole::FullAdmin | AdminRole::LicenseAdmin
    )
}

/// Products as a reader says them: `Learning`, `Learning and Sales Navigator`, ...
fn apps_label(apps: &[Product]) -> String {
    let names: Vec<&str> = apps.iter().map(|p| p.display_name()).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Why an IdP-managed person cannot be changed here.
fn managed_reason(apps: &[Product]) -> String {
    let app = apps_label(apps);
    let apps_word = if apps.len() > 1 { "apps" } else { "app" };
    format!(
        "This person is managed by your identity provider through the {app} SCIM {apps_word}; change them there."
    )
}

/// A directory error that is not a validation message: a removed or unknown person is 404,
/// anything else is internal.
fn directory_failure(err: rosterd_directory::Error) -> AdminError {
    match err {
        rosterd_directory::Error::PersonNotFound => AdminError::NotFound,
        other => AdminError::internal(format!("directory: {other}")),
    }
}

/// Percent-encodes a query-string value.
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apps_read_as_a_list() {
        assert_eq!(apps_label(&[]), "");
        assert_eq!(apps_label(&[Product::Learning]), "Learning");
        assert_eq!(
            apps_label(&[Product::Learning, Product::SalesNavigator]),
            "Learning and Sales Navigator"
        );
        assert_eq!(
            apps_label(&Product::ALL),
            "Learning, Sales Navigator and TeamLink Extend"
        );
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(encode("ada lovelace"), "ada%20lovelace");
        assert_eq!(encode("a&b=c/é"), "a%26b%3Dc%2F%C3%A9");
        assert_eq!(encode("AZaz09-_.~"), "AZaz09-_.~");
    }
}
