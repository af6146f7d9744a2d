//! Parsing the `PatchOp` message body (RFC 7644 section 3.5.2) into [`PatchOperation`]s: only
//! the message shape is checked here; what a path may do to which attribute is decided when the
//! operations are applied.

use serde_json::{Map, Value};

use super::{PATCH_OP_SCHEMA, PatchOp, PatchOperation, PatchTarget};
use crate::ScimError;
use crate::filter;
use crate::schema;

/// Parses a PATCH request body. Keys (`Operations`, `op`, `path`, `value`) and op names are
/// matched case-insensitively; a missing `schemas` is tolerated, a `schemas` without the PatchOp
/// URN is not. Errors are 400 `invalidSyntax` (message shape), `invalidPath` (a `path` that does
/// not parse), `invalidValue` (a missing `value`) or `noTarget` (`remove` without `path`), with a
/// detail naming the operation as `Operations[i]`.
pub fn parse_patch_request(body: &Value) -> Result<Vec<PatchOperation>, ScimError> {
    parse_patch_request_within(body, u32::MAX)
}

/// [`parse_patch_request`], refusing a request of more than `max_operations` operations with
/// 400 `invalidValue` naming the cap before any operation is parsed. Each operation on a
/// multi-valued attribute costs time in proportion to the values already there, so the number
/// of operations is what bounds a PATCH's work; membership changes are not limited by it (one
/// `add` of `members` may carry 10,000 values).
pub fn parse_patch_request_within(
    body: &Value,
    max_operations: u32,
) -> Result<Vec<PatchOperation>, ScimError> {
    let Value::Object(body) = body else {
        return Err(ScimError::invalid_syntax(
            "The PATCH body must be a JSON object with `schemas` and `Operations`.",
        ));
    };
    check_schemas(body)?;
    let operations = match get_ci(body, "Operations") {
        Some(Value::Array(ops)) if !ops.is_empty() => ops,
        Some(Value::Array(_)) => {
            return Err(ScimError::invalid_syntax(
                "`Operations` is empty: a PATCH request needs at least one operation.",
            ));
        }
        Some(_) => {
            return Err(ScimError::invalid_syntax(
                "`Operations` must be an array of operations.",
            ));
        }
        None => {
            return Err(ScimError::invalid_syntax(
                "The PATCH body has no `Operations` array.",
            ));
        }
    };
    if operations.len() > usize::try_from(max_operations).unwrap_or(usize::MAX) {
        return Err(ScimError::invalid_value(format!(
            "The PATCH request has {} operations; rosterd accepts at most {max_operations} per \
             request (the operator's scim_max_patch_operations). Send the rest in another \
             request, or give one operation several values.",
            operations.len()
        )));
    }
    operations
        .iter()
        .enumerate()
        .map(|(index, op)| parse_operation(index, op))
        .collect()
}

fn check_schemas(body: &Map<String, Value>) -> Result<(), ScimError> {
    let names_patch_op = |v: &Value| {
        v.as_str()
            .is_some_and(|s| s.trim().eq_ignore_ascii_case(PATCH_OP_SCHEMA))
    };
    match get_ci(body, "schemas") {
        // Tolerated: some clients omit it, and the verb already says what the body is.
        None | Some(Value::Null) => Ok(()),
        Some(Value::Array(list)) if list.iter().any(names_patch_op) => Ok(()),
        Some(single) if names_patch_op(single) => Ok(()),
        Some(_) => Err(ScimError::invalid_syntax(format!(
            "`schemas` must contain \"{PATCH_OP_SCHEMA}\": a PATCH body is a PatchOp message, \
             not a resource."
        ))),
    }
}

fn parse_operation(index: usize, raw: &Value) -> Result<PatchOperation, ScimError> {
    let Value::Object(raw) = raw else {
        return Err(ScimError::invalid_syntax(format!(
            "Operations[{index}] must be an object with `op`, `path` and `value`."
        )));
    };
    let op = match get_ci(raw, "op") {
        Some(Value::String(name)) => parse_op_name(name.trim()).ok_or_else(|| {
            ScimError::invalid_syntax(format!(
                "Operations[{index}]: `op` is \"{name}\"; it must be add, remove or replace."
            ))
        })?,
        Some(_) => {
            return Err(ScimError::invalid_syntax(format!(
                "Operations[{index}]: `op` must be the string add, remove or replace."
            )));
        }
        None => {
            return Err(ScimError::invalid_syntax(format!(
                "Operations[{index}] has no `op`; it must be add, remove or replace."
            )));
        }
    };
    let path_text = match get_ci(raw, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(p)) if p.trim().is_empty() => None,
        Some(Value::String(p)) => Some(p.trim().to_owned()),
        Some(_) => {
            return Err(ScimError::invalid_path(format!(
                "Operations[{index}] ({}): `path` must be a string such as \"emails[type eq \
                 \\\"work\\\"].value\".",
                op.as_str()
            )));
        }
    };
    let target = match &path_text {
        None => PatchTarget::Resource,
        Some(text) => parse_target(text).map_err(|reason| {
            ScimError::invalid_path(format!(
                "Operations[{index}] ({} {text}): the path does not parse: {reason}",
                op.as_str()
            ))
        })?,
    };
    let value = get_ci(raw, "value").cloned();
    match op {
        PatchOp::Add | PatchOp::Replace if value.is_none() => {
            return Err(ScimError::invalid_value(format!(
                "Operations[{index}] ({} {}): `value` is missing; {} needs the value to write.",
                op.as_str(),
                path_text.as_deref().unwrap_or("without path"),
                op.as_str()
            )));
        }
        PatchOp::Remove if path_text.is_none() && value.is_none() => {
            return Err(ScimError::no_target(format!(
                "Operations[{index}] (remove): `path` is missing; name what to remove, e.g. \
                 \"members[value eq \\\"<id>\\\"]\" or \"title\"."
            )));
        }
        _ => {}
    }
    Ok(PatchOperation {
        index,
        op,
        target,
        path_text,
        value,
    })
}

fn parse_op_name(name: &str) -> Option<PatchOp> {
    [PatchOp::Add, PatchOp::Remove, PatchOp::Replace]
        .into_iter()
        .find(|op| op.as_str().eq_ignore_ascii_case(name))
}

/// A path that is exactly a schema URN names the whole extension; anything else is an attribute
/// path for the filter grammar.
fn parse_target(text: &str) -> Result<PatchTarget, String> {
    if let Some(urn) = schema::canonical_schema_urn(text) {
        return Ok(PatchTarget::Extension(urn));
    }
    filter::parse_patch_path(text)
        .map(PatchTarget::Attribute)
        .map_err(|err| err.to_string())
}

fn get_ci<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    map.get(name).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}
