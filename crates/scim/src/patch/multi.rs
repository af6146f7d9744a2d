//! Multi-valued attributes (`emails`, `phoneNumbers`, `addresses`, ...): appending with
//! merge-by-value, value-path selection with the filter evaluator, creating an element from an
//! `eq` filter, and keeping `primary: true` on at most one value.

use serde_json::{Map, Value};

use super::PatchOp;
use super::coerce::{get_ci, kind_of, merge_into, set_ci, take_ci};
use crate::ScimError;
use crate::filter::{self, AttrPath, CompValue, CompareOp, Filter};
use crate::schema::{AttrType, AttributeDef};

/// The current values of `def` in `container` (empty when unset).
fn values_of(container: &Map<String, Value>, def: &AttributeDef) -> Vec<Value> {
    match get_ci(container, def.name) {
        Some(Value::Array(items)) => items.clone(),
        Some(Value::Null) | None => Vec::new(),
        Some(single) => vec![single.clone()],
    }
}

/// Writes `values` back, removing the attribute when none are left (RFC 7643 section 2.5).
fn store(container: &mut Map<String, Value>, def: &AttributeDef, values: Vec<Value>) {
    if values.is_empty() {
        take_ci(container, def.name);
    } else {
        set_ci(container, def.name, Value::Array(values));
    }
}

/// `add` to a multi-valued attribute: each new value is appended unless one with the same
/// `value` (and `type`, when given) exists, in which case its sub-attributes are merged in.
pub(super) fn add_values(
    container: &mut Map<String, Value>,
    def: &AttributeDef,
    new: Vec<Value>,
) -> Result<(), ScimError> {
    let mut values = values_of(container, def);
    let mut touched = Vec::with_capacity(new.len());
    for item in new {
        match values.iter().position(|v| same_value(def, v, &item)) {
            Some(i) => {
                // The value is already there (RFC 7644 section 3.5.2.1): keep its spelling,
                // take the other sub-attributes (`primary`, `display`) from the new one.
                if let (Value::Object(existing), Value::Object(mut patch)) = (&mut values[i], item)
                {
                    take_ci(&mut patch, "value");
                    merge_into(existing, patch);
                }
                touched.push(i);
            }
            None => {
                values.push(item);
                touched.push(values.len() - 1);
            }
        }
    }
    keep_one_primary(&mut values, &touched, def)?;
    store(container, def, values);
    Ok(())
}

/// `replace` of a whole multi-valued attribute.
pub(super) fn replace_values(
    container: &mut Map<String, Value>,
    def: &AttributeDef,
    new: Vec<Value>,
) -> Result<(), ScimError> {
    let mut values = new;
    let touched: Vec<usize> = (0..values.len()).collect();
    keep_one_primary(&mut values, &touched, def)?;
    store(container, def, values);
    Ok(())
}

/// `remove` with a value on a multi-valued attribute: removes the values equal to the given ones.
pub(super) fn remove_values(
    container: &mut Map<String, Value>,
    def: &AttributeDef,
    gone: &[Value],
) {
    let mut values = values_of(container, def);
    values.retain(|v| !gone.iter().any(|g| same_value(def, v, g)));
    store(container, def, values);
}

/// An operation on `attr[filter]` or `attr[filter].sub`. `value` is already coerced; `None` or
/// `null` on add/replace clears the selected values (or their `sub`).
pub(super) fn apply_filtered(
    container: &mut Map<String, Value>,
    op: PatchOp,
    def: &AttributeDef,
    filter: &Filter,
    sub: Option<&AttributeDef>,
    value: Option<Value>,
) -> Result<(), ScimError> {
    if !def.multi_valued || def.kind != AttrType::Complex {
        return Err(ScimError::invalid_path(format!(
            "`{}` is not a multi-valued complex attribute, so it cannot take a [filter].",
            def.name
        )));
    }
    let mut values = values_of(container, def);
    // Asked about `type` (relative) or `emails.type` (absolute): either way, a sub-attribute.
    let case_exact = |p: &AttrPath| {
        let name = match &p.sub_attr {
            Some(sub) if p.attr.eq_ignore_ascii_case(def.name) => sub.as_str(),
            _ => p.attr.as_str(),
        };
        def.sub_attribute(name).is_some_and(|s| s.case_exact)
    };
    let mut matched: Vec<usize> = (0..values.len())
        .filter(|&i| filter::matches(filter, &values[i], &case_exact))
        .collect();
    let value = value.filter(|v| !v.is_null());

    let Some(value) = value.filter(|_| op != PatchOp::Remove) else {
        // remove, or add/replace of null: clear what the filter selects; nothing selected is fine.
        for &i in matched.iter().rev() {
            match (sub, &mut values[i]) {
                (Some(sub), Value::Object(obj)) => {
                    take_ci(obj, sub.name);
                    if obj.is_empty() {
                        values.remove(i);
                    }
                }
                _ => {
                    values.remove(i);
                }
            }
        }
        store(container, def, values);
        return Ok(());
    };

    let template = eq_fields(filter, def);
    if matched.is_empty() {
        // Deliberate tolerance (see the module docs): create the element the filter describes.
        let Some(template) = template.clone() else {
            return Err(ScimError::no_target(format!(
                "No value of `{}` matches the filter, and the filter does not say how to create \
                 one (only `eq` comparisons joined by `and` can).",
                def.name
            )));
        };
        values.push(Value::Object(template));
        matched.push(values.len() - 1);
    }
    for &i in &matched {
        let Value::Object(element) = &mut values[i] else {
            continue;
        };
        match (sub, op, &value) {
            (Some(sub), _, v) => set_ci(element, sub.name, v.clone()),
            (None, PatchOp::Add, Value::Object(patch)) => merge_into(element, patch.clone()),
            (None, _, Value::Object(patch)) => {
                // Keep the fields the client addressed the element by, unless it sets them.
                let mut replacement = template.clone().unwrap_or_default();
                merge_into(&mut replacement, patch.clone());
                *element = replacement;
            }
            (None, _, other) => {
                return Err(ScimError::invalid_value(format!(
                    "A filtered `{}` value must be an object of sub-attributes, not {}.",
                    def.name,
                    kind_of(other)
                )));
            }
        }
    }
    keep_one_primary(&mut values, &matched, def)?;
    store(container, def, values);
    Ok(())
}

/// The sub-attributes an `eq`-only filter pins down (`type eq "work" and primary eq true`), or
/// `None` when the filter uses anything else.
fn eq_fields(filter: &Filter, def: &AttributeDef) -> Option<Map<String, Value>> {
    match filter {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value,
        } if path.sub_attr.is_none() && path.schema.is_none() => {
            let name = def
                .sub_attribute(&path.attr)
                .map_or(path.attr.as_str(), |s| s.name);
            let value = match value {
                CompValue::String(s) => Value::String(s.clone()),
                CompValue::Number(n) => Value::Number(n.clone()),
                CompValue::Bool(b) => Value::Bool(*b),
                CompValue::Null => return None,
            };
            let mut fields = Map::new();
            fields.insert(name.to_owned(), value);
            Some(fields)
        }
        Filter::And(left, right) => {
            let mut fields = eq_fields(left, def)?;
            for (key, value) in eq_fields(right, def)? {
                match fields.get(&key) {
                    Some(existing) if *existing != value => return None,
                    _ => {
                        fields.insert(key, value);
                    }
                }
            }
            Some(fields)
        }
        _ => None,
    }
}

/// Two values are the same when their `value`s are equal (case-insensitively unless the `value`
/// sub-attribute is caseExact) and, when the candidate gives a `type`, their types are equal.
/// Values without a `value` sub-attribute compare whole.
fn same_value(def: &AttributeDef, existing: &Value, candidate: &Value) -> bool {
    let exact = def
        .sub_attribute("value")
        .map_or(def.case_exact, |s| s.case_exact);
    match (existing, candidate) {
        (Value::Object(e), Value::Object(c)) => match (get_ci(e, "value"), get_ci(c, "value")) {
            (Some(ev), Some(cv)) => {
                scalar_eq(ev, cv, exact)
                    && get_ci(c, "type").is_none_or(|ct| {
                        get_ci(e, "type").is_some_and(|et| scalar_eq(et, ct, false))
                    })
            }
            (None, None) => existing == candidate,
            _ => false,
        },
        (e, c) => scalar_eq(e, c, exact),
    }
}

fn scalar_eq(a: &Value, b: &Value, case_exact: bool) -> bool {
    match (a, b) {
        (Value::String(a), Value::String(b)) if !case_exact => a.eq_ignore_ascii_case(b),
        _ => a == b,
    }
}

/// RFC 7643 section 2.4: `primary: true` appears at most once. When the operation made one value
/// primary, its siblings stop being primary; when it made several primary, it is refused.
fn keep_one_primary(
    values: &mut [Value],
    touched: &[usize],
    def: &AttributeDef,
) -> Result<(), ScimError> {
    let is_primary = |v: &Value| {
        v.as_object()
            .and_then(|o| get_ci(o, "primary"))
            .and_then(Value::as_bool)
            == Some(true)
    };
    let primaries: Vec<usize> = (0..values.len())
        .filter(|&i| is_primary(&values[i]))
        .collect();
    if primaries.len() <= 1 {
        return Ok(());
    }
    let mut newly: Vec<usize> = primaries
        .iter()
        .copied()
        .filter(|i| touched.contains(i))
        .collect();
    newly.dedup();
    match newly.as_slice() {
        [keep] => {
            for i in primaries.into_iter().filter(|i| i != keep) {
                if let Value::Object(obj) = &mut values[i] {
                    set_ci(obj, "primary", Value::Bool(false));
                }
            }
            Ok(())
        }
        [] => Ok(()),
        _ => Err(ScimError::invalid_value(format!(
            "More than one `{}` value is marked primary; at most one may be.",
            def.name
        ))),
    }
}
