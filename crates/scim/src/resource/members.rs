//! A Group's `members` as a client sends them, turned into [`MemberRef`]s: members are stored as
//! rows, not in the Group's document.

use std::collections::HashSet;

use serde_json::Value;

use super::limits::nul_error;
use super::value::expected;
use crate::ScimError;

/// One member named in a Group write: the member resource's `id`, and its resource type when the
/// client said (from `type`, or else from a `$ref` that points at `/Users/` or `/Groups/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRef {
    pub value: String,
    /// `"User"` or `"Group"`; `None` when the client did not say.
    pub kind: Option<String>,
}

/// Parses `members`: null is an empty list (unassigned), a lone object counts as a list of one,
/// each member needs a non-blank string `value`, and a repeated `value` is kept once.
pub fn member_refs(value: Value) -> Result<Vec<MemberRef>, ScimError> {
    let items = match value {
        Value::Null => Vec::new(),
        Value::Array(items) => items,
        lone @ Value::Object(_) => vec![lone],
        other => return Err(expected("members", "a list of objects", &other)),
    };
    let mut members: Vec<MemberRef> = Vec::with_capacity(items.len());
    // A set, not a scan of `members`: a 10,000-member Group stays linear.
    let mut seen = HashSet::with_capacity(items.len());
    for item in items {
        if item.is_null() {
            continue;
        }
        let member = member_ref(item)?;
        if seen.insert(member.value.clone()) {
            members.push(member);
        }
    }
    Ok(members)
}

fn member_ref(item: Value) -> Result<MemberRef, ScimError> {
    let Value::Object(fields) = item else {
        return Err(expected("members", "a list of objects", &item));
    };
    let field = |name: &str| {
        fields
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    };
    let value = match field("value") {
        Some(Value::String(id)) if id.contains('\0') => return Err(nul_error("members.value")),
        Some(Value::String(id)) if !id.trim().is_empty() => id.trim().to_owned(),
        Some(Value::Number(id)) => id.to_string(),
        Some(Value::String(_)) | Some(Value::Null) | None => {
            return Err(ScimError::invalid_value(
                "Every entry of 'members' needs a 'value': the id of the member User or Group.",
            ));
        }
        Some(other) => return Err(expected("members.value", "a string", other)),
    };
    let kind = match field("type") {
        Some(Value::String(kind)) => Some(member_kind(kind).ok_or_else(|| {
            ScimError::invalid_value(format!(
                "The attribute 'members.type' must be \"User\" or \"Group\"; got \"{kind}\"."
            ))
        })?),
        Some(Value::Null) | None => field("$ref")
            .and_then(Value::as_str)
            .and_then(kind_from_ref),
        Some(other) => return Err(expected("members.type", "a string", other)),
    };
    Ok(MemberRef {
        value,
        kind: kind.map(str::to_owned),
    })
}

fn member_kind(kind: &str) -> Option<&'static str> {
    ["User", "Group"]
        .into_iter()
        .find(|known| known.eq_ignore_ascii_case(kind.trim()))
}

fn kind_from_ref(reference: &str) -> Option<&'static str> {
    if reference.contains("/Users/") {
        Some("User")
    } else if reference.contains("/Groups/") {
        Some("Group")
    } else {
        None
    }
}
