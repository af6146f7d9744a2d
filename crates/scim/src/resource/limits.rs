//! What a canonical document may hold beyond what its schema says: no NUL character in any
//! string (PostgreSQL cannot store one in a text column, SQLite would store it and answer
//! differently, and no IdP means one), and at most a configured number of values in each
//! multi-valued attribute (a user with 100,000 e-mails is an attack, not a directory).

use serde_json::{Map, Value};

use crate::ScimError;

/// 400 `invalidValue` naming the first attribute (as a path such as `emails[2].value`) whose
/// string holds a NUL character.
pub(super) fn check_no_nul(doc: &Map<String, Value>) -> Result<(), ScimError> {
    for (name, value) in doc {
        // An extension's attributes are named like `urn:...:User:department`.
        let attributes: Vec<(String, &Value)> = match value {
            Value::Object(inner) if name.starts_with("urn:") => inner
                .iter()
                .map(|(attr, value)| (format!("{name}:{attr}"), value))
                .collect(),
            _ => vec![(name.clone(), value)],
        };
        for (mut path, value) in attributes {
            if find_nul(value, &mut path) {
                return Err(nul_error(&path));
            }
        }
    }
    Ok(())
}

/// The error for a NUL character in `what` (an attribute path or "a member's value").
pub(crate) fn nul_error(what: &str) -> ScimError {
    ScimError::invalid_value(format!(
        "The attribute '{what}' contains a NUL character (\\u0000), which rosterd does not \
         store; remove it."
    ))
}

/// Whether `value` holds a NUL character somewhere; on `true`, `path` names where.
fn find_nul(value: &Value, path: &mut String) -> bool {
    match value {
        Value::String(text) => text.contains('\0'),
        Value::Array(items) => items.iter().enumerate().any(|(i, item)| {
            let len = path.len();
            path.push_str(&format!("[{i}]"));
            let found = find_nul(item, path);
            if !found {
                path.truncate(len);
            }
            found
        }),
        Value::Object(fields) => fields.iter().any(|(name, item)| {
            let len = path.len();
            path.push('.');
            path.push_str(name);
            let found = find_nul(item, path) || name.contains('\0');
            if !found {
                path.truncate(len);
            }
            found
        }),
        _ => false,
    }
}

/// Checks that no multi-valued attribute of a canonical document (core or extension) holds
/// more than `max` values; 400 `invalidValue` naming the attribute and the cap otherwise.
/// `scimType` is `invalidValue` rather than `tooMany` (which RFC 7644 keeps for filters): the
/// value itself is what the client must change.
pub fn check_value_counts(doc: &Value, max: u32) -> Result<(), ScimError> {
    let Value::Object(fields) = doc else {
        return Ok(());
    };
    let limit = usize::try_from(max).unwrap_or(usize::MAX);
    let too_many = |name: &str, count: usize| {
        ScimError::invalid_value(format!(
            "The attribute '{name}' has {count} values; rosterd accepts at most {max} per \
             resource (the operator's scim_max_values_per_attribute)."
        ))
    };
    for (name, value) in fields {
        match value {
            Value::Array(items) if name != "schemas" && items.len() > limit => {
                return Err(too_many(name, items.len()));
            }
            Value::Object(extension) if name.starts_with("urn:") => {
                for (inner, value) in extension {
                    if let Value::Array(items) = value
                        && items.len() > limit
                    {
                        return Err(too_many(&format!("{name}:{inner}"), items.len()));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}
