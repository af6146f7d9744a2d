//! Tenant slugs: the org's name in URLs (`/scim/{slug}/...`, `/admin/{slug}/...`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ParseError;

/// Lowercase ASCII letters, digits and single dashes; 2 to 63 characters; starts with a letter,
/// does not end with a dash. Safe in a URL path segment and a DNS label.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantSlug(String);

impl TenantSlug {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for TenantSlug {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |why: &str| {
            Err(ParseError(format!(
                "invalid tenant slug `{s}`: {why} (use lowercase letters, digits and dashes, e.g. `acme-corp`)"
            )))
        };
        if !(2..=63).contains(&s.len()) {
            return bad("it must be 2 to 63 characters long");
        }
        if !s.starts_with(|c: char| c.is_ascii_lowercase()) {
            return bad("it must start with a lowercase letter");
        }
        if s.ends_with('-') {
            return bad("it must not end with a dash");
        }
        if s.contains("--") {
            return bad("it must not contain two dashes in a row");
        }
        if let Some(c) = s
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
        {
            return bad(&format!("`{c}` is not allowed"));
        }
        if RESERVED.contains(&s) {
            return bad("it is reserved for a fixed URL segment (`/scim/v2`, `/admin/static`)");
        }
        Ok(Self(s.to_owned()))
    }
}

/// Slugs that would collide with fixed URL segments.
const RESERVED: [&str; 2] = ["v2", "static"];

impl TryFrom<String> for TenantSlug {
    type Error = ParseError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<TenantSlug> for String {
    fn from(slug: TenantSlug) -> Self {
        slug.0
    }
}

impl fmt::Display for TenantSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_lowercase_digits_and_dashes() {
        for ok in ["acme", "acme-corp", "a1", "big-co-2"] {
            assert!(ok.parse::<TenantSlug>().is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_what_would_break_a_url_or_confuse_a_reader() {
        let cases = [
            ("Acme", "start with a lowercase letter"),
            ("acme corp", "` ` is not allowed"),
            ("acme_corp", "`_` is not allowed"),
            ("acme-", "end with a dash"),
            ("a--b", "two dashes"),
            ("a", "2 to 63"),
            ("1acme", "start with a lowercase letter"),
            ("acmé", "`é` is not allowed"),
            ("v2", "reserved"),
            ("static", "reserved"),
        ];
        for (input, why) in cases {
            let err = input.parse::<TenantSlug>().unwrap_err().to_string();
            assert!(err.contains(why), "{input}: {err}");
        }
    }
}
