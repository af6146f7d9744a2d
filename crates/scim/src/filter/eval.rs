//! Evaluates a [`Filter`] against a JSON document: a SCIM resource in wire form, or one value of
//! a multi-valued attribute when the PATCH engine applies a `[valFilter]`.
//!
//! Semantics, chosen to agree with a SQL translation of the same filter:
//! - Every comparison asks "does some value of the attribute satisfy it?". A multi-valued
//!   attribute matches when any element does; a multi-valued complex attribute compared without
//!   a sub-attribute (`emails co "x"`) compares each element's `value` (RFC 7644 3.4.2.2).
//! - So an absent attribute satisfies no comparison, `ne` included (`title ne "x"` is false
//!   for a user without a title, as `title <> 'x'` is in SQL), and `ne` on a multi-valued
//!   attribute means "some element differs".
//! - `eq null` is true when the attribute has no non-null value (absent, `null`, `[]`);
//!   `ne null` is exactly its negation. Every other operator against `null` is false.
//! - `pr` is true when some value is present: not `null`, not `""`, not an empty array, not an
//!   object whose members are all absent.
//! - Strings honour `case_exact`; `gt`/`ge`/`lt`/`le` are lexicographic, except that two strings
//!   that both parse as RFC 3339 date-times compare chronologically (so does `eq`: `...:34Z` equals
//!   `...:34.000Z`). Numbers compare numerically, booleans only with `eq`/`ne`. A type mismatch
//!   is false, never a panic.

use std::borrow::Cow;
use std::cmp::Ordering;

use chrono::DateTime;
use serde_json::{Number, Value};

use super::{AttrPath, CompValue, CompareOp, Filter};

/// Whether `value` matches `filter`. Attribute names match case-insensitively. A path qualified
/// by a schema URN looks under that URN's key (where extensions live in the wire form); when the
/// document has no such key and the URN is a core schema (has a `core` segment), it looks at the
/// top level. A path with no URN looks at the top level.
///
/// `case_exact(path)` says whether string comparisons on `path` are case-sensitive (RFC 7643
/// `caseExact`). Inside a `[valFilter]` it is asked about the absolute path: for
/// `emails[value eq "x"]` it sees `emails.value`; for `emails eq "x"`, also `emails.value`.
pub fn matches(filter: &Filter, value: &Value, case_exact: &dyn Fn(&AttrPath) -> bool) -> bool {
    Scope {
        case_exact,
        parent: None,
    }
    .eval(filter, value)
}

struct Scope<'a> {
    case_exact: &'a dyn Fn(&AttrPath) -> bool,
    /// The multi-valued attribute whose values a `[valFilter]` is looking at.
    parent: Option<&'a AttrPath>,
}

impl Scope<'_> {
    fn eval(&self, filter: &Filter, doc: &Value) -> bool {
        match filter {
            Filter::And(left, right) => self.eval(left, doc) && self.eval(right, doc),
            Filter::Or(left, right) => self.eval(left, doc) || self.eval(right, doc),
            Filter::Not(inner) => !self.eval(inner, doc),
            Filter::Present(path) => values_at(doc, path).into_iter().any(is_present),
            Filter::Compare { path, op, value } => self.compare(doc, path, *op, value),
            Filter::ValuePath { path, filter } => {
                let Some(attr) = attr_value(doc, path) else {
                    return false;
                };
                let inner = Scope {
                    case_exact: self.case_exact,
                    parent: Some(path),
                };
                elements(attr).any(|element| element.is_object() && inner.eval(filter, element))
            }
        }
    }

    fn compare(&self, doc: &Value, path: &AttrPath, op: CompareOp, literal: &CompValue) -> bool {
        let values = values_at(doc, path);
        if *literal == CompValue::Null {
            let has_value = values.iter().any(|v| !v.is_null());
            return match op {
                CompareOp::Eq => !has_value,
                CompareOp::Ne => has_value,
                _ => false,
            };
        }
        // A complex value compared as a whole stands for its `value` sub-attribute.
        let projected = path.sub_attr.is_none() && values.iter().any(|v| v.is_object());
        let exact = matches!(literal, CompValue::String(_))
            && (self.case_exact)(&self.absolute(path, projected));
        values
            .into_iter()
            .filter_map(|v| {
                if v.is_object() {
                    get_ci(v, "value")
                } else {
                    Some(v)
                }
            })
            .any(|v| compare_value(v, op, literal, exact))
    }

    /// The path `case_exact` is asked about: relative paths inside `[...]` are joined to the
    /// attribute the brackets follow, and a projected complex value names its `value`.
    fn absolute(&self, path: &AttrPath, projected: bool) -> AttrPath {
        match self.parent {
            Some(parent) if path.schema.is_none() && path.sub_attr.is_none() => AttrPath {
                schema: parent.schema.clone(),
                attr: parent.attr.clone(),
                sub_attr: Some(path.attr.clone()),
            },
            _ if projected => AttrPath {
                sub_attr: Some("value".to_owned()),
                ..path.clone()
            },
            _ => path.clone(),
        }
    }
}

/// The value of `path`'s attribute (before any sub-attribute).
fn attr_value<'v>(doc: &'v Value, path: &AttrPath) -> Option<&'v Value> {
    let container = match &path.schema {
        None => doc,
        Some(urn) => match get_ci(doc, urn) {
            Some(extension) => extension,
            None if is_core_schema(urn) => doc,
            None => return None,
        },
    };
    get_ci(container, &path.attr)
}

/// Every value `path` reaches, arrays flattened: `emails.value` gives each email's `value`.
fn values_at<'v>(doc: &'v Value, path: &AttrPath) -> Vec<&'v Value> {
    let Some(attr) = attr_value(doc, path) else {
        return Vec::new();
    };
    match &path.sub_attr {
        None => elements(attr).collect(),
        Some(sub) => elements(attr)
            .filter_map(|element| get_ci(element, sub))
            .flat_map(elements)
            .collect(),
    }
}

/// The elements of an array, or the value itself.
fn elements(value: &Value) -> Box<dyn Iterator<Item = &Value> + '_> {
    match value {
        Value::Array(items) => Box::new(items.iter()),
        other => Box::new(std::iter::once(other)),
    }
}

/// A member of an object by case-insensitive name (RFC 7643 section 2.1).
fn get_ci<'v>(value: &'v Value, name: &str) -> Option<&'v Value> {
    let object = value.as_object()?;
    object.get(name).or_else(|| {
        object
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

fn is_core_schema(urn: &str) -> bool {
    urn.split(':')
        .any(|segment| segment.eq_ignore_ascii_case("core"))
}

fn is_present(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => items.iter().any(is_present),
        Value::Object(members) => members.values().any(is_present),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

fn compare_value(value: &Value, op: CompareOp, literal: &CompValue, case_exact: bool) -> bool {
    match (value, literal) {
        (Value::String(actual), CompValue::String(expected)) => {
            compare_strings(actual, op, expected, case_exact)
        }
        (Value::Number(actual), CompValue::Number(expected)) => {
            compare_numbers(actual, expected).is_some_and(|ord| ordering_satisfies(op, ord))
        }
        (Value::Bool(actual), CompValue::Bool(expected)) => match op {
            CompareOp::Eq => actual == expected,
            CompareOp::Ne => actual != expected,
            _ => false,
        },
        _ => false,
    }
}

fn compare_strings(actual: &str, op: CompareOp, expected: &str, case_exact: bool) -> bool {
    let (a, e): (Cow<'_, str>, Cow<'_, str>) = if case_exact {
        (actual.into(), expected.into())
    } else {
        (actual.to_lowercase().into(), expected.to_lowercase().into())
    };
    match op {
        CompareOp::Co => a.contains(&*e),
        CompareOp::Sw => a.starts_with(&*e),
        CompareOp::Ew => a.ends_with(&*e),
        _ => {
            let ord = match (date_time(actual), date_time(expected)) {
                (Some(a), Some(e)) => a.cmp(&e),
                _ => a.cmp(&e),
            };
            ordering_satisfies(op, ord)
        }
    }
}

fn date_time(s: &str) -> Option<DateTime<chrono::FixedOffset>> {
    // Cheap rejection first: most strings compared are not dates.
    if !s.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    DateTime::parse_from_rfc3339(s).ok()
}

/// Integers compare exactly (even beyond f64's precision); anything else as f64.
fn compare_numbers(a: &Number, b: &Number) -> Option<Ordering> {
    let exact = |n: &Number| {
        n.as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
    };
    match (exact(a), exact(b)) {
        (Some(a), Some(b)) => Some(a.cmp(&b)),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

fn ordering_satisfies(op: CompareOp, ord: Ordering) -> bool {
    match op {
        CompareOp::Eq => ord == Ordering::Equal,
        CompareOp::Ne => ord != Ordering::Equal,
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Le => ord != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}
