//! License policies: who a product app licenses, and with which kind. Pure: evaluation never
//! touches the database (storage is in [`store`], the CLI syntax in [`parse`]).
//!
//! A policy is ordered rules mapping an IdP group (displayName or id) or a user attribute to a
//! license kind; the first matching rule wins; no rule matching gives the default, which may be
//! none. Which policy an app has is the product app's business (its crate): Learning and
//! TeamLink Extend give their one kind to every active user, Sales Navigator stores one per
//! tenant and falls back to Core for everyone. The ledger only evaluates.
//!
//! How someone became eligible decides what a full pool does to them: a license from the
//! default (every user) is the request's only purpose, so a full pool refuses the request; a
//! license from a group or attribute rule puts the person on the waiting list instead.

mod parse;
mod store;

use std::collections::HashMap;

use rosterd_domain::LicenseKind;
use serde::Serialize;

pub use parse::{parse_tier, tier_name};
pub use store::{StoredPolicy, set_policy, stored_policy};

/// The user attributes a rule may test (SCIM core and enterprise User attributes), in their
/// canonical spelling. Matching of names and values is case-insensitive.
pub const RULE_ATTRIBUTES: [&str; 7] = [
    "department",
    "title",
    "costCenter",
    "division",
    "organization",
    "employeeNumber",
    "userType",
];

/// What a rule tests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Matcher {
    /// Membership of an IdP group, named by displayName or id.
    Group(String),
    /// A user attribute (one of [`RULE_ATTRIBUTES`], canonical spelling) equal to `value`.
    Attribute { name: String, value: String },
}

/// One rule: people it matches get `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule {
    pub matcher: Matcher,
    pub kind: LicenseKind,
}

/// A product app's license policy: ordered rules, then a default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LicensePolicy {
    /// The kind for people no rule matches; `None`: they get no license.
    pub default: Option<LicenseKind>,
    pub rules: Vec<Rule>,
}

/// What a policy looks at: a person's groups in the app, and their attributes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subject {
    /// `(id, displayName)` of each group the person belongs to.
    pub groups: Vec<(String, String)>,
    /// Attribute values by lowercase attribute name (`department`, `costcenter`, ...).
    pub attributes: HashMap<String, String>,
}

/// Why someone is eligible, which decides what a full pool does to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "basis", content = "rule")]
pub enum Basis {
    /// The policy licenses every user (default tier, or a Learning / TeamLink Extend app):
    /// the license is the request's only purpose; a full pool refuses the request.
    EveryUser,
    /// Rule number `n` (0-based) matched a group or attribute: a full pool makes them wait.
    Rule(usize),
}

/// The license kind a person should hold, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Eligibility {
    pub kind: LicenseKind,
    pub basis: Basis,
}

impl Eligibility {
    /// True when a full pool should put the person on the waiting list (rule-driven) rather
    /// than refuse the request (every-user).
    pub fn waits_when_full(&self) -> bool {
        matches!(self.basis, Basis::Rule(_))
    }
}

fn same(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

impl Matcher {
    /// Whether the subject meets this matcher (case-insensitive, surrounding spaces ignored).
    pub fn matches(&self, subject: &Subject) -> bool {
        match self {
            Matcher::Group(name) => subject
                .groups
                .iter()
                .any(|(id, display)| same(id, name) || same(display, name)),
            Matcher::Attribute { name, value } => subject
                .attributes
                .get(&name.to_lowercase())
                .is_some_and(|actual| same(actual, value)),
        }
    }
}

impl LicensePolicy {
    /// Every user gets `kind` (Learning and TeamLink Extend, implicitly).
    pub fn every_user(kind: LicenseKind) -> Self {
        Self {
            default: Some(kind),
            rules: Vec::new(),
        }
    }

    /// The kind this policy gives the subject: the first matching rule's, else the default.
    pub fn evaluate(&self, subject: &Subject) -> Option<LicenseKind> {
        self.eligibility(subject).map(|e| e.kind)
    }

    /// Like [`Self::evaluate`], and says which rule (or the default) decided.
    pub fn eligibility(&self, subject: &Subject) -> Option<Eligibility> {
        let by_rule = self.rules.iter().enumerate().find_map(|(n, rule)| {
            rule.matcher.matches(subject).then_some(Eligibility {
                kind: rule.kind,
                basis: Basis::Rule(n),
            })
        });
        by_rule.or_else(|| {
            self.default.map(|kind| Eligibility {
                kind,
                basis: Basis::EveryUser,
            })
        })
    }
}

/// The license an app's user should hold under `policy`: none while inactive.
pub fn eligible_kind(
    policy: &LicensePolicy,
    subject: &Subject,
    active: bool,
) -> Option<Eligibility> {
    if active {
        policy.eligibility(subject)
    } else {
        None
    }
}

#[cfg(test)]
mod tests;
