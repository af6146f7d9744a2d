//! Group membership operations turned into [`MemberChange`] deltas instead of being applied to a
//! member list: the engine never needs a Group's members, however many there are.

use std::collections::HashSet;

use serde_json::Value;

use super::coerce::{get_ci, kind_of};
use super::{MemberChange, PatchOp};
use crate::ScimError;
use crate::filter::{CompValue, CompareOp, Filter};
use crate::schema::{AttributeDef, GROUP_SCHEMA, ResolvedAttr, ResourceKind};

const FILTER_HELP: &str = "Select members to remove with `value eq` comparisons joined by `or`, \
     e.g. members[value eq \"2819c223\" or value eq \"902c246b\"].";

/// Whether `resolved` is a Group's `members`, which storage owns.
pub(super) fn is_members(kind: ResourceKind, resolved: &ResolvedAttr) -> bool {
    kind == ResourceKind::Group
        && resolved.schema == GROUP_SCHEMA
        && resolved.def.name.eq_ignore_ascii_case("members")
}

/// The change one operation on `members` (or `members[filter]`) asks for; `None` when it asks
/// for nothing (adding or removing an empty list).
pub(super) fn for_path(
    op: PatchOp,
    filter: Option<&Filter>,
    sub: Option<&AttributeDef>,
    value: Option<&Value>,
) -> Result<Option<MemberChange>, ScimError> {
    if sub.is_some() {
        return Err(ScimError::invalid_path(
            "Members are added and removed whole: use path \"members\" or \
             \"members[value eq \\\"<id>\\\"]\", not a member's sub-attribute.",
        ));
    }
    if let Some(filter) = filter {
        if op != PatchOp::Remove {
            return Err(ScimError::invalid_path(
                "A filter on `members` works only with remove; to add members use path \
                 \"members\" with a value array like [{\"value\": \"<id>\"}].",
            ));
        }
        let mut ids = Vec::new();
        if !collect_value_eq(filter, &mut ids) {
            return Err(ScimError::invalid_filter(FILTER_HELP));
        }
        return Ok(Some(MemberChange::Remove(dedup(ids))));
    }
    match (op, value) {
        (PatchOp::Remove, None) => Ok(Some(MemberChange::RemoveAll)),
        // Guard against emptying a group by accident: `null` could mean "nothing" or "all".
        (PatchOp::Remove, Some(Value::Null)) => Err(ScimError::invalid_value(
            "To remove some members give their values, e.g. [{\"value\": \"<id>\"}]; to remove \
             all members leave `value` out.",
        )),
        (PatchOp::Remove, Some(v)) => Ok(non_empty(member_ids(v)?).map(MemberChange::Remove)),
        (PatchOp::Add, None | Some(Value::Null)) => Ok(None),
        (PatchOp::Add, Some(v)) => Ok(non_empty(member_ids(v)?).map(MemberChange::Add)),
        (PatchOp::Replace, None | Some(Value::Null)) => Ok(Some(MemberChange::RemoveAll)),
        (PatchOp::Replace, Some(v)) => Ok(Some(MemberChange::ReplaceAll(member_ids(v)?))),
    }
}

fn non_empty(ids: Vec<String>) -> Option<Vec<String>> {
    (!ids.is_empty()).then_some(ids)
}

/// The ids in a members value: an array of `{"value": "<id>"}` objects (a lone object, or bare
/// id strings, are tolerated), deduplicated in order.
fn member_ids(value: &Value) -> Result<Vec<String>, ScimError> {
    let items: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(_) | Value::String(_) => vec![value],
        other => {
            return Err(ScimError::invalid_value(format!(
                "`members` must be an array like [{{\"value\": \"<id>\"}}], not {}.",
                kind_of(other)
            )));
        }
    };
    let mut ids = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let id = match item {
            Value::Object(member) => get_ci(member, "value").and_then(Value::as_str),
            Value::String(id) => Some(id.as_str()),
            _ => None,
        };
        match id {
            Some(id) if id.contains('\0') => {
                return Err(crate::resource::nul_error(&format!("members[{i}].value")));
            }
            Some(id) if !id.trim().is_empty() => ids.push(id.to_owned()),
            _ => {
                return Err(ScimError::invalid_value(format!(
                    "members[{i}] has no usable `value`: each member must be an object like \
                     {{\"value\": \"<id>\"}} with the non-empty id of a User or Group."
                )));
            }
        }
    }
    Ok(dedup(ids))
}

fn dedup(ids: Vec<String>) -> Vec<String> {
    let mut seen = HashSet::with_capacity(ids.len());
    ids.into_iter()
        .filter(|id| seen.insert(id.clone()))
        .collect()
}

/// Collects the ids of `value eq "<id>" [or value eq "<id>" ...]`; `false` for any other filter.
fn collect_value_eq(filter: &Filter, ids: &mut Vec<String>) -> bool {
    match filter {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: CompValue::String(id),
        } if path.schema.is_none()
            && path.sub_attr.is_none()
            && path.attr.eq_ignore_ascii_case("value")
            && !id.trim().is_empty()
            && !id.contains('\0') =>
        {
            ids.push(id.clone());
            true
        }
        Filter::Or(left, right) => collect_value_eq(left, ids) && collect_value_eq(right, ids),
        _ => false,
    }
}
