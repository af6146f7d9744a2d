//! Table-driven tests for the filter language: parsing (RFC 7644 examples, precedence, IdP
//! dialects, URN paths, literals), errors, canonical text round trips, and evaluation.

use super::{AttrPath, CompValue, CompareOp, Filter, parse_attr_path};

mod errors;
mod eval_cases;
mod parse_cases;
mod paths;
mod round_trip;

pub(super) const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

pub(super) fn path(text: &str) -> AttrPath {
    parse_attr_path(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

pub(super) fn cmp(attr: &str, op: CompareOp, value: CompValue) -> Filter {
    Filter::Compare {
        path: path(attr),
        op,
        value,
    }
}

pub(super) fn eq(attr: &str, value: &str) -> Filter {
    cmp(attr, CompareOp::Eq, str_(value))
}

pub(super) fn str_(value: &str) -> CompValue {
    CompValue::String(value.to_owned())
}

pub(super) fn num(json: &str) -> CompValue {
    CompValue::Number(serde_json::from_str(json).unwrap())
}

pub(super) fn pr(attr: &str) -> Filter {
    Filter::Present(path(attr))
}

pub(super) fn and(left: Filter, right: Filter) -> Filter {
    Filter::And(Box::new(left), Box::new(right))
}

pub(super) fn or(left: Filter, right: Filter) -> Filter {
    Filter::Or(Box::new(left), Box::new(right))
}

pub(super) fn not(inner: Filter) -> Filter {
    Filter::Not(Box::new(inner))
}

pub(super) fn value_path(attr: &str, filter: Filter) -> Filter {
    Filter::ValuePath {
        path: path(attr),
        filter: Box::new(filter),
    }
}
