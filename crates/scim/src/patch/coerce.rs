//! Bringing a PATCH value into the document's shape before it is merged: canonical sub-attribute
//! names, real booleans for Entra's `"True"`/`"False"`, and a plain string for a reference such
//! as `manager` wrapped as `{"value": ...}`. Full validation stays with `resource::normalize`;
//! this only does what merging and `primary` bookkeeping need. Also the case-insensitive object
//! helpers the engine uses on documents.

use serde_json::{Map, Value};

use crate::ScimError;
use crate::schema::{AttrType, AttributeDef};

/// Coerces a whole attribute value: for a multi-valued attribute a lone value becomes a
/// one-element array and `null` elements are dropped.
pub(super) fn coerce_attr(def: &AttributeDef, value: Value) -> Result<Value, ScimError> {
    match value {
        Value::Null => Ok(Value::Null),
        Value::Array(items) if def.multi_valued => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let item = coerce_element(def, item)?;
                if !item.is_null() {
                    out.push(item);
                }
            }
            Ok(Value::Array(out))
        }
        single if def.multi_valued => {
            let item = coerce_element(def, single)?;
            Ok(Value::Array(if item.is_null() {
                vec![]
            } else {
                vec![item]
            }))
        }
        single => coerce_element(def, single),
    }
}

/// Coerces one value of `def` (an element when `def` is multi-valued).
pub(super) fn coerce_element(def: &AttributeDef, value: Value) -> Result<Value, ScimError> {
    match (def.kind, value) {
        (_, Value::Null) => Ok(Value::Null),
        (AttrType::Boolean, Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(ScimError::invalid_value(format!(
                "`{}` must be true or false, not \"{s}\".",
                def.name
            ))),
        },
        (AttrType::Complex, Value::Object(obj)) => coerce_object(def, obj),
        // Entra ID sends `manager` (and some clients send emails) as a bare string.
        (AttrType::Complex, Value::String(s)) if def.sub_attribute("value").is_some() => {
            if s.trim().is_empty() {
                Ok(Value::Null)
            } else {
                let mut obj = Map::new();
                obj.insert("value".to_owned(), Value::String(s));
                Ok(Value::Object(obj))
            }
        }
        (AttrType::Complex, other) => Err(ScimError::invalid_value(format!(
            "`{}` takes an object of sub-attributes, not {}.",
            def.name,
            kind_of(&other)
        ))),
        (_, other) => Ok(other),
    }
}

fn coerce_object(def: &AttributeDef, obj: Map<String, Value>) -> Result<Value, ScimError> {
    let mut out = Map::with_capacity(obj.len());
    for (key, value) in obj {
        match def.sub_attribute(&key) {
            Some(sub) => {
                let value = coerce_attr(sub, value)?;
                out.insert(sub.name.to_owned(), value);
            }
            // Unknown sub-attributes are left for `normalize` to judge.
            None => {
                out.insert(key, value);
            }
        }
    }
    // `{"value": ""}` on a single-valued reference (Entra clearing `manager`) means no value.
    if !def.multi_valued
        && out.get("value").is_some_and(|v| v.as_str() == Some(""))
        && out.iter().all(|(k, v)| k == "value" || v.is_null())
    {
        return Ok(Value::Null);
    }
    Ok(Value::Object(out))
}

/// A short name for a JSON value's type, for error details.
pub(super) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The key of `map` equal to `name` ignoring ASCII case, preferring an exact match.
pub(super) fn key_ci(map: &Map<String, Value>, name: &str) -> Option<String> {
    if map.contains_key(name) {
        return Some(name.to_owned());
    }
    map.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
}

pub(super) fn get_ci<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    key_ci(map, name).and_then(|k| map.get(&k))
}

/// Removes every spelling of `name`; returns the value of the first one found.
pub(super) fn take_ci(map: &mut Map<String, Value>, name: &str) -> Option<Value> {
    let keys: Vec<String> = map
        .keys()
        .filter(|k| k.eq_ignore_ascii_case(name))
        .cloned()
        .collect();
    let mut first = None;
    for key in keys {
        let value = map.remove(&key);
        if first.is_none() {
            first = value;
        }
    }
    first
}

/// Sets `name` (the canonical spelling), dropping any other spelling of it.
pub(super) fn set_ci(map: &mut Map<String, Value>, name: &str, value: Value) {
    take_ci(map, name);
    map.insert(name.to_owned(), value);
}

/// Merges `patch` into `target` sub-attribute by sub-attribute; a `null` removes the key.
pub(super) fn merge_into(target: &mut Map<String, Value>, patch: Map<String, Value>) {
    for (key, value) in patch {
        if value.is_null() {
            take_ci(target, &key);
        } else {
            set_ci(target, &key, value);
        }
    }
}
