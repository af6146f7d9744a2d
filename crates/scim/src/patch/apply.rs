//! Applying parsed operations to a working copy of a canonical document: resolving paths
//! against the schema, read-only rules, path-less values (dotted and URN-qualified keys) and
//! whole-extension paths. Each attribute write is in `attr`, Group membership in `members`; the
//! result is re-normalized before it replaces the original.

use http::StatusCode;
use serde_json::{Map, Value};

use super::attr::apply_attr;
use super::coerce::{key_ci, kind_of, set_ci, take_ci};
use super::{MemberChange, PatchOp, PatchOperation, PatchTarget, members};
use crate::ScimError;
use crate::filter::{Filter, PatchPath};
use crate::resource::{self, WriteMode};
use crate::schema::{self, AttributeDef, LICENSE_EXTENSION_SCHEMA, ResolvedAttr, ResourceKind};

/// Applies `ops` in order to a copy of `doc`; writes the normalized result back only when all
/// succeed. Member changes are collected, never applied.
pub(super) fn apply(
    kind: ResourceKind,
    doc: &mut Value,
    ops: &[PatchOperation],
) -> Result<Vec<MemberChange>, ScimError> {
    let Value::Object(original) = &*doc else {
        tracing::error!(
            resource = kind.as_str(),
            found = kind_of(doc),
            "stored SCIM document is not a JSON object"
        );
        return Err(ScimError::internal());
    };
    let mut work = original.clone();
    let mut changes = Vec::new();
    for op in ops {
        apply_operation(kind, &mut work, op, &mut changes).map_err(|err| in_operation(op, err))?;
    }
    sync_schemas(kind, &mut work);
    let normalized =
        resource::normalize(kind, Value::Object(work), WriteMode::Replace).map_err(|err| {
            if err.status == StatusCode::BAD_REQUEST {
                let detail = format!("After the PATCH operations: {}", err.detail);
                ScimError { detail, ..err }
            } else {
                err
            }
        })?;
    *doc = normalized.document;
    Ok(changes)
}

/// Prefixes a client error with the operation it came from, so an IdP admin can find it.
fn in_operation(op: &PatchOperation, err: ScimError) -> ScimError {
    if err.status != StatusCode::BAD_REQUEST {
        return err;
    }
    let what = match &op.path_text {
        Some(path) => format!("{} {path}", op.op.as_str()),
        None => format!("{} without path", op.op.as_str()),
    };
    let detail = format!("Operations[{}] ({what}): {}", op.index, err.detail);
    ScimError { detail, ..err }
}

fn apply_operation(
    kind: ResourceKind,
    doc: &mut Map<String, Value>,
    op: &PatchOperation,
    changes: &mut Vec<MemberChange>,
) -> Result<(), ScimError> {
    match &op.target {
        PatchTarget::Resource => {
            let Some(value) = &op.value else {
                return Err(ScimError::no_target(
                    "Give a `path` naming what to change, or a `value` object of attributes.",
                ));
            };
            if op.op == PatchOp::Remove {
                return remove_without_path(kind, value, changes);
            }
            apply_object(kind, doc, op.op, value, changes)
        }
        PatchTarget::Extension(urn) => apply_extension(kind, doc, op, urn, changes),
        PatchTarget::Attribute(path) => {
            let Some((resolved, filter)) = resolve_path(kind, path)? else {
                return Ok(());
            };
            if members::is_members(kind, &resolved) {
                changes.extend(members::for_path(
                    op.op,
                    filter,
                    resolved.sub,
                    op.value.as_ref(),
                )?);
                return Ok(());
            }
            check_writable(&resolved)?;
            apply_attr(doc, op.op, &resolved, filter, op.value.clone())
        }
    }
}

/// A path-less add/replace: every key of `value` names an attribute (`active`,
/// `name.givenName`, `urn:...:enterprise:2.0:User:department`, or an extension URN keying an
/// object of its attributes). Read-only and write-only keys are ignored, as Okta echoes `id`.
fn apply_object(
    kind: ResourceKind,
    doc: &mut Map<String, Value>,
    op: PatchOp,
    value: &Value,
    changes: &mut Vec<MemberChange>,
) -> Result<(), ScimError> {
    let Value::Object(attrs) = value else {
        return Err(ScimError::invalid_value(format!(
            "Without a `path`, `value` must be an object of attributes such as {{\"active\": \
             false}}, not {}.",
            kind_of(value)
        )));
    };
    for (key, v) in attrs {
        if key.eq_ignore_ascii_case("schemas") {
            continue;
        }
        if let Some(urn) = schema::canonical_schema_urn(key) {
            if schema::is_ignored_schema(urn) {
                continue;
            }
            let Value::Object(inner) = v else {
                return Err(ScimError::invalid_value(format!(
                    "`{key}` must be an object of that schema's attributes, not {}.",
                    kind_of(v)
                )));
            };
            for (name, v) in inner {
                apply_named(kind, doc, op, &format!("{urn}:{name}"), v, changes)?;
            }
            continue;
        }
        apply_named(kind, doc, op, key, v, changes)?;
    }
    Ok(())
}

fn apply_named(
    kind: ResourceKind,
    doc: &mut Map<String, Value>,
    op: PatchOp,
    name: &str,
    value: &Value,
    changes: &mut Vec<MemberChange>,
) -> Result<(), ScimError> {
    let Some(resolved) = schema::resolve_name(kind, name) else {
        tracing::debug!(
            attribute = name,
            "ignoring an undefined attribute in a PATCH value"
        );
        return Ok(());
    };
    if members::is_members(kind, &resolved) {
        changes.extend(members::for_path(op, None, resolved.sub, Some(value))?);
        return Ok(());
    }
    if is_read_only(&resolved) {
        tracing::debug!(
            attribute = name,
            "ignoring a read-only attribute in a PATCH value"
        );
        return Ok(());
    }
    apply_attr(doc, op, &resolved, None, Some(value.clone()))
}

/// A path-less remove is only meaningful as `{"members": [...]}` on a Group.
fn remove_without_path(
    kind: ResourceKind,
    value: &Value,
    changes: &mut Vec<MemberChange>,
) -> Result<(), ScimError> {
    let no_target = || {
        ScimError::no_target(
            "remove needs a `path` naming what to remove, e.g. \"title\" or \
             \"members[value eq \\\"<id>\\\"]\".",
        )
    };
    let Value::Object(attrs) = value else {
        return Err(no_target());
    };
    for (key, v) in attrs {
        if key.eq_ignore_ascii_case("schemas") {
            continue;
        }
        match schema::resolve_name(kind, key) {
            Some(r) if members::is_members(kind, &r) => {
                changes.extend(members::for_path(PatchOp::Remove, None, r.sub, Some(v))?);
            }
            _ => return Err(no_target()),
        }
    }
    Ok(())
}

/// `path` is a whole extension URN.
fn apply_extension(
    kind: ResourceKind,
    doc: &mut Map<String, Value>,
    op: &PatchOperation,
    urn: &'static str,
    changes: &mut Vec<MemberChange>,
) -> Result<(), ScimError> {
    if schema::is_ignored_schema(urn) {
        return Ok(());
    }
    let (_, extensions) = schema::schemas_for(kind);
    if !extensions.contains(&urn) {
        return Err(ScimError::invalid_path(format!(
            "`{urn}` is not an extension of {}; name an attribute instead.",
            kind.as_str()
        )));
    }
    if urn == LICENSE_EXTENSION_SCHEMA {
        // The path names a schema, not an attribute. Adding or replacing its (read-only)
        // attributes is ignored, as read-only keys in a path-less value are: an IdP echoing back
        // what it read must not fail. Removing it, or naming `licenses` itself, is refused.
        return if op.op == PatchOp::Remove {
            Err(read_only_error(urn))
        } else {
            Ok(())
        };
    }
    match (&op.op, &op.value) {
        (PatchOp::Remove, _) | (_, None | Some(Value::Null)) => {
            take_ci(doc, urn);
            Ok(())
        }
        (_, Some(Value::Object(inner))) => {
            for (name, v) in inner {
                apply_named(kind, doc, op.op, &format!("{urn}:{name}"), v, changes)?;
            }
            Ok(())
        }
        (_, Some(other)) => Err(ScimError::invalid_value(format!(
            "The value for `{urn}` must be an object of its attributes, not {}.",
            kind_of(other)
        ))),
    }
}

/// The attribute `path` names, or `None` for one rosterd does not define (ignored, like
/// `normalize` ignores unknown attributes: IdPs send custom mappings rosterd has no use for).
fn resolve_path(
    kind: ResourceKind,
    path: &PatchPath,
) -> Result<Option<(ResolvedAttr, Option<&Filter>)>, ScimError> {
    let Some(mut resolved) = schema::resolve(kind, &path.attr) else {
        tracing::debug!(attribute = %path.attr.attr, "ignoring a PATCH of an undefined attribute");
        return Ok(None);
    };
    if let Some(sub) = &path.sub_attr {
        if resolved.sub.is_some() {
            return Err(ScimError::invalid_path(
                "The path names two sub-attributes.",
            ));
        }
        let Some(found) = resolved.def.sub_attribute(sub) else {
            tracing::debug!(attribute = resolved.def.name, sub_attribute = %sub, "ignoring an undefined sub-attribute");
            return Ok(None);
        };
        resolved.sub = Some(found);
    }
    Ok(Some((resolved, path.value_filter.as_ref())))
}

fn is_read_only(r: &ResolvedAttr) -> bool {
    r.schema == LICENSE_EXTENSION_SCHEMA
        || r.def.is_read_only()
        || r.sub.is_some_and(AttributeDef::is_read_only)
}

fn read_only_error(name: &str) -> ScimError {
    ScimError::mutability(format!(
        "`{name}` is read-only: rosterd sets it, a client cannot change it."
    ))
}

fn check_writable(r: &ResolvedAttr) -> Result<(), ScimError> {
    if is_read_only(r) {
        let name = match r.sub {
            Some(sub) => format!("{}.{}", r.def.name, sub.name),
            None => r.def.name.to_owned(),
        };
        return Err(read_only_error(&name));
    }
    Ok(())
}

/// Drops emptied extension objects and lists exactly the schemas present in `schemas`.
fn sync_schemas(kind: ResourceKind, doc: &mut Map<String, Value>) {
    let (core, extensions) = schema::schemas_for(kind);
    let mut schemas = vec![Value::String(core.to_owned())];
    for urn in extensions {
        let Some(key) = key_ci(doc, urn) else {
            continue;
        };
        let empty = doc
            .get(&key)
            .is_none_or(|v| v.as_object().is_none_or(Map::is_empty));
        if empty {
            doc.remove(&key);
        } else {
            schemas.push(Value::String((*urn).to_owned()));
        }
    }
    set_ci(doc, "schemas", Value::Array(schemas));
}
