//! A root `POST /.search` filter as each resource type reads it (RFC 7644 section 3.4.2.2: a
//! filter spanning resource types treats an attribute a type does not define as unassigned).
//!
//! `userName eq "x"` finds Users; on Groups, which have no `userName`, it matches nothing
//! rather than being an unknown attribute. The filter is narrowed per type before it reaches
//! the store: a term on an attribute only the other type defines becomes a constant, and the
//! constants fold away (`false and x` is false, `false or x` is `x`, `not false` is true). So
//! the store sees only attributes its type has, and a filter that is false for a whole type
//! does not query it at all. An attribute neither type defines stays in the filter, and the
//! store answers it with 400 `invalidFilter` naming it, exactly as on `/Users`.
//!
//! "Unassigned" follows the evaluator: it fails every comparison and `pr`, except `eq null`,
//! which it satisfies (so `ne null` fails).

use crate::filter::{AttrPath, CompValue, CompareOp, Filter};
use crate::resource::ResourceKind;
use crate::schema::resolve;

/// What a filter means for one resource type.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Narrowed {
    /// True for every resource of the type: list them all.
    All,
    /// False for every resource of the type: it contributes nothing.
    Nothing,
    /// This filter, on attributes the type defines (or that neither type defines).
    Filter(Filter),
}

/// Narrows `filter` to the attributes resources of `kind` have.
pub(super) fn narrow(filter: &Filter, kind: ResourceKind) -> Narrowed {
    match filter {
        Filter::Compare { path, op, value } if unassigned(kind, path) => match (op, value) {
            (CompareOp::Eq, CompValue::Null) => Narrowed::All,
            _ => Narrowed::Nothing,
        },
        Filter::Present(path) | Filter::ValuePath { path, .. } if unassigned(kind, path) => {
            Narrowed::Nothing
        }
        Filter::Compare { .. } | Filter::Present(_) | Filter::ValuePath { .. } => {
            Narrowed::Filter(filter.clone())
        }
        Filter::And(left, right) => match (narrow(left, kind), narrow(right, kind)) {
            (Narrowed::Nothing, _) | (_, Narrowed::Nothing) => Narrowed::Nothing,
            (Narrowed::All, other) | (other, Narrowed::All) => other,
            (Narrowed::Filter(l), Narrowed::Filter(r)) => {
                Narrowed::Filter(Filter::And(Box::new(l), Box::new(r)))
            }
        },
        Filter::Or(left, right) => match (narrow(left, kind), narrow(right, kind)) {
            (Narrowed::All, _) | (_, Narrowed::All) => Narrowed::All,
            (Narrowed::Nothing, other) | (other, Narrowed::Nothing) => other,
            (Narrowed::Filter(l), Narrowed::Filter(r)) => {
                Narrowed::Filter(Filter::Or(Box::new(l), Box::new(r)))
            }
        },
        Filter::Not(inner) => match narrow(inner, kind) {
            Narrowed::All => Narrowed::Nothing,
            Narrowed::Nothing => Narrowed::All,
            Narrowed::Filter(f) => Narrowed::Filter(Filter::Not(Box::new(f))),
        },
    }
}

/// Whether `path` is an attribute the other resource type defines and `kind` does not.
fn unassigned(kind: ResourceKind, path: &AttrPath) -> bool {
    let other = match kind {
        ResourceKind::User => ResourceKind::Group,
        ResourceKind::Group => ResourceKind::User,
    };
    resolve(kind, path).is_none() && resolve(other, path).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::parse_filter;
    use ResourceKind::{Group, User};

    fn narrowed(text: &str, kind: ResourceKind) -> Narrowed {
        narrow(
            &parse_filter(text).unwrap_or_else(|e| panic!("{text}: {e}")),
            kind,
        )
    }

    fn kept(text: &str) -> Narrowed {
        Narrowed::Filter(parse_filter(text).unwrap_or_else(|e| panic!("{text}: {e}")))
    }

    #[test]
    fn each_type_keeps_the_terms_on_its_own_attributes() {
        let cases = [
            (
                "a User attribute on Users",
                r#"userName eq "x""#,
                User,
                kept(r#"userName eq "x""#),
            ),
            (
                "a User attribute on Groups",
                r#"userName eq "x""#,
                Group,
                Narrowed::Nothing,
            ),
            (
                "a Group attribute on Users",
                r#"members[value eq "u1"]"#,
                User,
                Narrowed::Nothing,
            ),
            (
                "a Group attribute on Groups",
                r#"members[value eq "u1"]"#,
                Group,
                kept(r#"members[value eq "u1"]"#),
            ),
            (
                "an attribute both have",
                r#"displayName eq "Sales""#,
                Group,
                kept(r#"displayName eq "Sales""#),
            ),
            (
                "an attribute neither has stays for the store to refuse",
                r#"foo eq 1"#,
                Group,
                kept("foo eq 1"),
            ),
            (
                "pr of a missing attribute",
                "emails pr",
                Group,
                Narrowed::Nothing,
            ),
            (
                "eq null of a missing attribute holds",
                "userName eq null",
                Group,
                Narrowed::All,
            ),
            (
                "ne null of a missing attribute fails",
                "userName ne null",
                Group,
                Narrowed::Nothing,
            ),
            (
                "ne of a missing attribute fails, as in the evaluator",
                r#"userName ne "x""#,
                Group,
                Narrowed::Nothing,
            ),
            (
                "a URN-qualified User attribute on Groups",
                r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x""#,
                Group,
                Narrowed::Nothing,
            ),
            (
                "Entra's e-mail match on Groups",
                r#"emails[type eq "work"].value eq "a@b.example""#,
                Group,
                Narrowed::Nothing,
            ),
            (
                "false or x is x",
                r#"userName eq "x" or displayName eq "Sales""#,
                Group,
                kept(r#"displayName eq "Sales""#),
            ),
            (
                "false and x is false",
                r#"userName eq "x" and displayName eq "Sales""#,
                Group,
                Narrowed::Nothing,
            ),
            (
                "true and x is x",
                r#"userName eq null and displayName eq "Sales""#,
                Group,
                kept(r#"displayName eq "Sales""#),
            ),
            (
                "true or x is true",
                r#"userName eq null or displayName eq "Sales""#,
                Group,
                Narrowed::All,
            ),
            (
                "not false is true",
                r#"not (userName eq "x")"#,
                Group,
                Narrowed::All,
            ),
            (
                "not true is false",
                r#"not (userName eq null)"#,
                Group,
                Narrowed::Nothing,
            ),
            (
                "not of a kept term stays",
                r#"not (displayName eq "x")"#,
                Group,
                kept(r#"not (displayName eq "x")"#),
            ),
            (
                "nested constants fold all the way",
                r#"(userName sw "a" or members pr) and not (externalId pr and emails pr)"#,
                Group,
                kept("members pr"),
            ),
        ];
        for (name, text, kind, expected) in cases {
            assert_eq!(
                narrowed(text, kind),
                expected,
                "{name}: `{text}` on {kind:?}"
            );
        }
    }
}
