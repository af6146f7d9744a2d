//! The PATCH engine (RFC 7644 section 3.5.2) and the IdP dialects it tolerates: parsing a
//! `PatchOp` message into [`PatchOperation`]s and applying them atomically to a canonical User or
//! Group document. Group membership is never applied to a list here: it comes back as
//! [`MemberChange`] deltas for storage, so a 100,000-member group costs nothing to patch.
//!
//! Deliberate choices (each covered by a test):
//! - A body without `schemas` is accepted; a `schemas` that does not name the PatchOp URN is
//!   `invalidSyntax` (it is most likely a resource sent to the wrong verb).
//! - `add`/`replace` on a value path that matches nothing (`emails[type eq "work"].value` for a
//!   user with no work email, as Entra ID and Okta send) creates the element from the filter's
//!   `eq` comparisons (`{"type": "work", "value": ...}`). Only filters made of `eq` joined by
//!   `and` can do that; any other filter that matches nothing is `noTarget`, as RFC 7644 says.
//! - `remove` on a value path that matches nothing succeeds and changes nothing.
//! - Removing a required attribute (`userName`, a Group's `displayName`) is `invalidValue`: the
//!   attribute is writable, the result would just not be a valid resource (RFC 7644 section 3.12).
//! - Read-only attributes named by a `path` are `mutability`; inside a path-less value (Okta sends
//!   `{"id": ..., "displayName": ...}`) they and `schemas` are ignored silently. `password` is
//!   accepted and dropped either way: rosterd keeps none.
//! - Attributes rosterd does not define (custom IdP mappings) are ignored, with or without a
//!   `path`, as `resource::normalize` ignores them on POST/PUT; a path that does not parse is
//!   still `invalidPath`.
//! - An explicit `null` value, or `""` for a reference such as `manager`, clears the attribute
//!   (RFC 7643 section 2.5: null and unassigned are the same state).
//! - `replace` of a whole filtered element keeps the filter's `eq` fields the new value leaves
//!   out, so `addresses[type eq "work"]` stays the work address.
//! - Setting a value `primary` clears `primary` on its siblings; two new primaries at once is
//!   `invalidValue`.
//! - `remove` of `members` with a value array removes exactly those members and never empties the
//!   group; with no value it removes all; an explicit `null` value is refused as ambiguous.

mod apply;
mod attr;
mod coerce;
mod members;
mod multi;
mod request;

#[cfg(test)]
mod tests_dialects;
#[cfg(test)]
mod tests_errors;
#[cfg(test)]
mod tests_groups;
#[cfg(test)]
mod tests_request;
#[cfg(test)]
mod tests_rfc;
#[cfg(test)]
mod tests_support;
#[cfg(test)]
mod tests_values;

use serde_json::Value;

use crate::ScimError;
use crate::filter::PatchPath;
use crate::schema::ResourceKind;

pub use request::{parse_patch_request, parse_patch_request_within};

/// `urn:ietf:params:scim:api:messages:2.0:PatchOp`
pub const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// The three PATCH operations; parsed case-insensitively (Entra ID sends `Add`, `Replace`,
/// `Remove`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchOp {
    Add,
    Remove,
    Replace,
}

impl PatchOp {
    /// The RFC spelling, for error details.
    pub fn as_str(self) -> &'static str {
        match self {
            PatchOp::Add => "add",
            PatchOp::Remove => "remove",
            PatchOp::Replace => "replace",
        }
    }
}

/// What an operation's `path` names.
#[derive(Debug, Clone, PartialEq)]
pub enum PatchTarget {
    /// No `path`: the value is an object naming the attributes (RFC 7644 section 3.5.2.1).
    Resource,
    /// The `path` is a whole schema extension URN, e.g.
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`.
    Extension(&'static str),
    /// An attribute path, possibly with a value filter and sub-attribute.
    Attribute(PatchPath),
}

/// One parsed PATCH operation.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    /// Zero-based position in `Operations`, quoted in error details as `Operations[index]`.
    pub index: usize,
    pub op: PatchOp,
    pub target: PatchTarget,
    /// The `path` as the client wrote it, quoted back in error details.
    pub path_text: Option<String>,
    /// The `value` member; `Some(Value::Null)` when the client sent an explicit `null`.
    pub value: Option<Value>,
}

/// A change to a Group's membership, for storage to apply as a delta in the order returned.
/// Member ids are the `value`s the client sent, deduplicated within one change; storage decides
/// whether they name existing Users or Groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberChange {
    /// Add these members (already present ones are not an error).
    Add(Vec<String>),
    /// Remove these members (absent ones are not an error).
    Remove(Vec<String>),
    /// Remove every member.
    RemoveAll,
    /// Make the membership exactly these members (an empty list empties the group).
    ReplaceAll(Vec<String>),
}

/// Applies `ops` to a canonical User document (see the crate's canonical-document convention).
/// Atomic: `doc` is written only when every operation succeeds and the result normalizes; on
/// error it is untouched.
pub fn apply_user_patch(doc: &mut Value, ops: &[PatchOperation]) -> Result<(), ScimError> {
    apply::apply(ResourceKind::User, doc, ops).map(|_| ())
}

/// Applies `ops` to a canonical Group document (which never holds `members`) and returns the
/// membership changes in request order. Atomic like [`apply_user_patch`]: on error neither the
/// document changes nor any member change is returned.
pub fn apply_group_patch(
    doc: &mut Value,
    ops: &[PatchOperation],
) -> Result<Vec<MemberChange>, ScimError> {
    apply::apply(ResourceKind::Group, doc, ops)
}
