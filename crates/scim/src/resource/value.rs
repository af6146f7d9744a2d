//! Type-checking and canonicalizing one attribute's value against its definition: the types of
//! RFC 7643 section 2.3, multi-valued attributes, and the leniencies IdPs need (Entra's string
//! booleans, numbers sent for string attributes, a lone value where a list is expected).

use chrono::DateTime;
use serde_json::{Map, Value};

use crate::ScimError;
use crate::schema::{AttrType, AttributeDef, Mutability};

/// A definition's value, canonicalized: `Ok(None)` when it is unassigned (null, an empty list,
/// an empty complex value), which callers leave out of the document.
///
/// - Multi-valued attributes take an array; a lone value is wrapped into a one-element array.
///   Nulls inside are dropped, and `primary: true` may appear at most once (RFC 7643 section
///   2.4), else 400 `invalidValue`: silently choosing one would change which address the IdP
///   meant.
/// - Complex values keep their known sub-attributes with canonical casing and drop unknown,
///   readOnly and writeOnly ones.
/// - `at` names the attribute in error details (`emails.primary`).
pub(super) fn canonical_value(
    def: &AttributeDef,
    value: Value,
    at: &str,
) -> Result<Option<Value>, ScimError> {
    if value.is_null() {
        return Ok(None);
    }
    if !def.multi_valued {
        return single_value(def, value, at);
    }
    let items = match value {
        Value::Array(items) => items,
        lone => vec![lone],
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        if item.is_array() {
            return Err(expected(
                at,
                "a list of single values, not nested lists",
                &item,
            ));
        }
        if let Some(item) = single_value(def, item, at)? {
            out.push(item);
        }
    }
    let primaries = out
        .iter()
        .filter(|item| item.get("primary") == Some(&Value::Bool(true)))
        .count();
    if primaries > 1 {
        return Err(ScimError::invalid_value(format!(
            "The attribute '{at}' has {primaries} values marked primary; at most one may be."
        )));
    }
    Ok((!out.is_empty()).then_some(Value::Array(out)))
}

/// One value (of a single-valued attribute, or one element of a multi-valued one).
fn single_value(def: &AttributeDef, value: Value, at: &str) -> Result<Option<Value>, ScimError> {
    match def.kind {
        _ if value.is_null() => Ok(None),
        AttrType::Complex => complex_value(def, value, at),
        _ => primitive(def, value, at),
    }
}

fn complex_value(def: &AttributeDef, value: Value, at: &str) -> Result<Option<Value>, ScimError> {
    let Value::Object(fields) = value else {
        return Err(expected(at, "an object", &value));
    };
    let mut out = Map::new();
    for (key, field) in fields {
        let Some(sub) = def.sub_attribute(&key) else {
            tracing::debug!(attribute = at, sub_attribute = %key, "ignoring an unknown sub-attribute");
            continue;
        };
        if !writable(sub) {
            continue;
        }
        if let Some(field) = primitive(sub, field, &format!("{at}.{}", sub.name))? {
            out.insert(sub.name.to_owned(), field);
        }
    }
    Ok((!out.is_empty()).then_some(Value::Object(out)))
}

/// A value of a non-complex attribute or of a sub-attribute.
pub(super) fn primitive(
    def: &AttributeDef,
    value: Value,
    at: &str,
) -> Result<Option<Value>, ScimError> {
    let out = match (def.kind, value) {
        (_, Value::Null) => return Ok(None),
        (AttrType::String, Value::String(text)) => Value::String(canonical_case(def, text)),
        // Some IdP mappings send employee numbers and the like as JSON numbers.
        (AttrType::String, Value::Number(number)) => Value::String(number.to_string()),
        (AttrType::Reference | AttrType::Binary, Value::String(text)) => Value::String(text),
        (AttrType::Boolean, Value::Bool(flag)) => Value::Bool(flag),
        // Entra ID sends booleans as "True" / "False".
        (AttrType::Boolean, Value::String(text)) if text.trim().eq_ignore_ascii_case("true") => {
            Value::Bool(true)
        }
        (AttrType::Boolean, Value::String(text)) if text.trim().eq_ignore_ascii_case("false") => {
            Value::Bool(false)
        }
        (AttrType::Integer, Value::Number(number)) if number.is_i64() || number.is_u64() => {
            Value::Number(number)
        }
        (AttrType::Decimal, Value::Number(number)) => Value::Number(number),
        (AttrType::DateTime, Value::String(text))
            if DateTime::parse_from_rfc3339(&text).is_ok() =>
        {
            Value::String(text)
        }
        (AttrType::Complex, value) => return Err(expected(at, "a simple value", &value)),
        (kind, value) => return Err(expected(at, describe(kind), &value)),
    };
    Ok(Some(out))
}

/// Whether a client's value for this (sub-)attribute is kept: readOnly values are the server's
/// (ignored on write, RFC 7644 section 3.5.1), writeOnly ones are never stored.
pub(super) fn writable(def: &AttributeDef) -> bool {
    !matches!(def.mutability, Mutability::ReadOnly | Mutability::WriteOnly)
}

/// A canonical value written in another case (`"Work"`) becomes the canonical spelling, so
/// filters and rules compare one form.
fn canonical_case(def: &AttributeDef, text: String) -> String {
    def.canonical_values
        .iter()
        .find(|canonical| canonical.eq_ignore_ascii_case(&text))
        .map_or(text, |canonical| (*canonical).to_owned())
}

fn describe(kind: AttrType) -> &'static str {
    match kind {
        AttrType::String => "a string",
        AttrType::Boolean => "a boolean (true or false)",
        AttrType::Decimal => "a number",
        AttrType::Integer => "an integer",
        AttrType::DateTime => "an RFC 3339 date-time string such as 2024-05-01T09:30:00Z",
        AttrType::Binary => "a base64-encoded string",
        AttrType::Reference => "a URI string",
        AttrType::Complex => "an object",
    }
}

/// 400 `invalidValue` naming the attribute, what it must be, and what arrived.
pub(super) fn expected(at: &str, what: &str, got: &Value) -> ScimError {
    let got = match got {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    };
    ScimError::invalid_value(format!("The attribute '{at}' must be {what}; got {got}."))
}
