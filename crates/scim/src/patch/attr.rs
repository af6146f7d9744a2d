//! One add/replace/remove on one resolved attribute: coercing the value to the attribute's
//! shape, then single-valued and complex attributes here (merge, sub-attributes, immutability,
//! required), multi-valued ones in `multi`.

use serde_json::{Map, Value};

use super::coerce::{coerce_attr, coerce_element, get_ci, key_ci, merge_into, set_ci, take_ci};
use super::{PatchOp, multi};
use crate::ScimError;
use crate::filter::Filter;
use crate::schema::{AttrType, AttributeDef, Mutability, ResolvedAttr};

/// One add/replace/remove on a resolved attribute, with an optional value filter.
pub(super) fn apply_attr(
    doc: &mut Map<String, Value>,
    op: PatchOp,
    r: &ResolvedAttr,
    filter: Option<&Filter>,
    value: Option<Value>,
) -> Result<(), ScimError> {
    if r.leaf().mutability == Mutability::WriteOnly {
        // `password`: rosterd authenticates no SCIM user, so it keeps none (documented).
        tracing::debug!(attribute = r.def.name, "dropping a write-only attribute");
        return Ok(());
    }
    let value = value
        .map(|v| match (filter, r.sub) {
            (_, Some(sub)) => coerce_attr(sub, v),
            (Some(_), None) => coerce_element(r.def, v),
            (None, None) => coerce_attr(r.def, v),
        })
        .transpose()?;
    let clearing = op == PatchOp::Remove || value.as_ref().is_none_or(Value::is_null);
    let container = if r.is_extension() {
        if clearing && key_ci(doc, r.schema).is_none() {
            return Ok(());
        }
        object_entry(doc, r.schema)
    } else {
        doc
    };
    match (filter, r.sub) {
        (Some(filter), sub) => multi::apply_filtered(container, op, r.def, filter, sub, value),
        (None, None) => whole(container, op, r.def, value),
        (None, Some(_)) if r.def.multi_valued => Err(ScimError::invalid_path(format!(
            "`{0}` has several values; select one with a filter, e.g. \
             {0}[type eq \"work\"].value.",
            r.def.name
        ))),
        (None, Some(sub)) => sub_of_single(container, r.def, sub, value.filter(|_| !clearing)),
    }
}

/// The object at `key` in `map`, created (or reset, if it is not an object) as needed.
fn object_entry<'m>(map: &'m mut Map<String, Value>, key: &str) -> &'m mut Map<String, Value> {
    let key = key_ci(map, key).unwrap_or_else(|| key.to_owned());
    let slot = map.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    match slot {
        Value::Object(obj) => obj,
        _ => unreachable!("the slot was just made an object"),
    }
}

/// add/replace/remove of a whole attribute (no filter, no sub-attribute).
fn whole(
    c: &mut Map<String, Value>,
    op: PatchOp,
    def: &AttributeDef,
    value: Option<Value>,
) -> Result<(), ScimError> {
    let current = get_ci(c, def.name).filter(|v| !v.is_null()).cloned();
    let value = match value {
        Some(Value::Array(gone)) if op == PatchOp::Remove && def.multi_valued => {
            multi::remove_values(c, def, &gone);
            return Ok(());
        }
        Some(v) if op != PatchOp::Remove && !v.is_null() => v,
        _ => {
            if def.required {
                return Err(ScimError::invalid_value(format!(
                    "`{}` is required; it can be replaced but not removed.",
                    def.name
                )));
            }
            check_immutable(def, current.as_ref(), None)?;
            take_ci(c, def.name);
            return Ok(());
        }
    };
    check_immutable(def, current.as_ref(), Some(&value))?;
    match value {
        Value::Array(values) if def.multi_valued => match op {
            PatchOp::Add => multi::add_values(c, def, values),
            _ => multi::replace_values(c, def, values),
        },
        // RFC 7644 sections 3.5.2.1 and 3.5.2.3: both merge into a complex attribute.
        Value::Object(patch) if !def.multi_valued && def.kind == AttrType::Complex => {
            let target = object_entry(c, def.name);
            merge_into(target, patch);
            if target.is_empty() {
                take_ci(c, def.name);
            }
            Ok(())
        }
        v => {
            set_ci(c, def.name, v);
            Ok(())
        }
    }
}

/// add/replace (`Some`) or remove (`None`) of `attr.sub` on a single-valued complex attribute.
fn sub_of_single(
    c: &mut Map<String, Value>,
    def: &AttributeDef,
    sub: &AttributeDef,
    value: Option<Value>,
) -> Result<(), ScimError> {
    let current = c
        .get(&key_ci(c, def.name).unwrap_or_default())
        .and_then(Value::as_object)
        .and_then(|parent| get_ci(parent, sub.name))
        .filter(|v| !v.is_null())
        .cloned();
    check_immutable(sub, current.as_ref(), value.as_ref())?;
    match value {
        Some(v) => set_ci(object_entry(c, def.name), sub.name, v),
        None => {
            if let Some(key) = key_ci(c, def.name)
                && let Some(Value::Object(parent)) = c.get_mut(&key)
            {
                take_ci(parent, sub.name);
                if parent.is_empty() {
                    c.remove(&key);
                }
            }
        }
    }
    Ok(())
}

/// RFC 7644 section 3.5.2: an immutable attribute may be set only while it has no value;
/// writing the value it already has is accepted as a no-op (IdPs resend whole users).
fn check_immutable(
    def: &AttributeDef,
    current: Option<&Value>,
    new: Option<&Value>,
) -> Result<(), ScimError> {
    if def.mutability != Mutability::Immutable {
        return Ok(());
    }
    match (current, new) {
        (None, _) => Ok(()),
        (Some(cur), Some(new)) if cur == new => Ok(()),
        _ => Err(ScimError::mutability(format!(
            "`{}` is immutable: it can be set once but not changed or removed.",
            def.name
        ))),
    }
}
