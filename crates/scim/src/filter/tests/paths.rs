//! Attribute paths (`sortBy`, `attributes=`) and PATCH paths.

use super::*;
use crate::filter::{PatchPath, parse_patch_path};

fn attr(schema: Option<&str>, attr: &str, sub_attr: Option<&str>) -> AttrPath {
    AttrPath {
        schema: schema.map(str::to_owned),
        attr: attr.to_owned(),
        sub_attr: sub_attr.map(str::to_owned),
    }
}

#[test]
fn attribute_paths_split_schema_attribute_and_sub_attribute() {
    let cases = [
        ("a bare attribute", "userName", attr(None, "userName", None)),
        (
            "a sub-attribute",
            "name.familyName",
            attr(None, "name", Some("familyName")),
        ),
        (
            "names keep their case",
            "NAME.FamilyName",
            attr(None, "NAME", Some("FamilyName")),
        ),
        (
            "digits, dashes and underscores",
            "x-1_b.c2",
            attr(None, "x-1_b", Some("c2")),
        ),
        ("$ref", "$ref", attr(None, "$ref", None)),
        (
            "$ref as a sub-attribute",
            "manager.$ref",
            attr(None, "manager", Some("$ref")),
        ),
        (
            "surrounding whitespace",
            "  title ",
            attr(None, "title", None),
        ),
        (
            "core URN: schema is everything before the last colon",
            "urn:ietf:params:scim:schemas:core:2.0:User:userName",
            attr(
                Some("urn:ietf:params:scim:schemas:core:2.0:User"),
                "userName",
                None,
            ),
        ),
        (
            "enterprise URN with its 2.0 dot",
            &format!("{ENTERPRISE}:department"),
            attr(Some(ENTERPRISE), "department", None),
        ),
        (
            "enterprise URN with a sub-attribute",
            &format!("{ENTERPRISE}:manager.value"),
            attr(Some(ENTERPRISE), "manager", Some("value")),
        ),
        (
            "OneLogin legacy core URN",
            "urn:scim:schemas:core:2.0:userName",
            attr(Some("urn:scim:schemas:core:2.0"), "userName", None),
        ),
        (
            "group URN",
            "urn:ietf:params:scim:schemas:core:2.0:Group:members.value",
            attr(
                Some("urn:ietf:params:scim:schemas:core:2.0:Group"),
                "members",
                Some("value"),
            ),
        ),
    ];
    for (name, input, expected) in cases {
        assert_eq!(parse_attr_path(input).unwrap(), expected, "{name}");
    }
}

#[test]
fn patch_paths_parse_all_three_forms() {
    let patch = |a: AttrPath, f: Option<Filter>, sub: Option<&str>| PatchPath {
        attr: a,
        value_filter: f,
        sub_attr: sub.map(str::to_owned),
    };
    let cases = [
        (
            "a plain attribute",
            "displayName",
            patch(attr(None, "displayName", None), None, None),
        ),
        (
            "a sub-attribute",
            "name.givenName",
            patch(attr(None, "name", Some("givenName")), None, None),
        ),
        (
            "a value filter",
            r#"members[value eq "2819c2"]"#,
            patch(
                attr(None, "members", None),
                Some(eq("value", "2819c2")),
                None,
            ),
        ),
        (
            "a value filter then a sub-attribute",
            r#"emails[type eq "work"].value"#,
            patch(
                attr(None, "emails", None),
                Some(eq("type", "work")),
                Some("value"),
            ),
        ),
        (
            "logic inside the value filter",
            r#"addresses[type eq "work" and primary eq true].locality"#,
            patch(
                attr(None, "addresses", None),
                Some(and(
                    eq("type", "work"),
                    cmp("primary", CompareOp::Eq, CompValue::Bool(true)),
                )),
                Some("locality"),
            ),
        ),
        (
            "whitespace around the brackets",
            r#" emails [ type eq "work" ] .value "#,
            patch(
                attr(None, "emails", None),
                Some(eq("type", "work")),
                Some("value"),
            ),
        ),
        (
            "enterprise manager",
            &format!("{ENTERPRISE}:manager"),
            patch(attr(Some(ENTERPRISE), "manager", None), None, None),
        ),
        (
            "enterprise manager.value",
            &format!("{ENTERPRISE}:manager.value"),
            patch(attr(Some(ENTERPRISE), "manager", Some("value")), None, None),
        ),
        (
            "core-qualified multi-valued with a filter",
            r#"urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"].display"#,
            patch(
                attr(
                    Some("urn:ietf:params:scim:schemas:core:2.0:User"),
                    "emails",
                    None,
                ),
                Some(eq("type", "work")),
                Some("display"),
            ),
        ),
    ];
    for (name, input, expected) in cases {
        assert_eq!(parse_patch_path(input).unwrap(), expected, "{name}");
    }
}

#[test]
fn bad_paths_say_what_is_wrong() {
    let attr_cases = [
        ("empty", "", "empty attribute path"),
        (
            "two words",
            "userName title",
            "expected the end of the attribute path at position 9, found `title`",
        ),
        (
            "two sub-attribute levels",
            "a.b.c",
            "only one level of sub-attribute is allowed",
        ),
        ("a leading digit", "1abc", "`1abc` is not an attribute name"),
        (
            "a trailing dot",
            "name.",
            "expected a sub-attribute name after `.`",
        ),
        (
            "a URN with no attribute",
            "urn:foo:",
            "the attribute name is missing",
        ),
        (
            "a URN with an empty segment",
            "urn::x:userName",
            "the schema URN has an empty segment",
        ),
        (
            "a string",
            r#""userName""#,
            "expected an attribute name at position 0, found `\"userName\"`",
        ),
    ];
    for (name, input, needle) in attr_cases {
        let err = parse_attr_path(input).unwrap_err().to_string();
        assert!(err.contains(needle), "{name}: `{err}` lacks `{needle}`");
    }
    let patch_cases = [
        ("empty", "  ", "empty path"),
        (
            "unclosed bracket",
            r#"emails[type eq "work""#,
            "unbalanced bracket: `[` at position 6 is never closed",
        ),
        (
            "sub-attribute without a dot",
            r#"emails[type eq "work"]value"#,
            "expected `.subAttribute` or the end of the path at position 22, found `value`",
        ),
        (
            "bad sub-attribute",
            r#"emails[type eq "work"].1x"#,
            "expected a sub-attribute name after `.`",
        ),
        (
            "filter on a sub-attribute",
            r#"name.givenName[value eq "x"]"#,
            "not to a sub-attribute",
        ),
        (
            "an operator after the path",
            r#"userName eq "x""#,
            "expected `[` or the end of the path at position 9, found `eq`",
        ),
        (
            "nested value filters",
            r#"a[b[c pr]]"#,
            "value filters cannot nest",
        ),
        (
            "a stray bracket",
            "emails]",
            "unbalanced bracket: `]` at position 6 has no matching `[`",
        ),
    ];
    for (name, input, needle) in patch_cases {
        let err = parse_patch_path(input).unwrap_err().to_string();
        assert!(err.contains(needle), "{name}: `{err}` lacks `{needle}`");
    }
}

#[test]
fn a_bad_patch_path_becomes_invalid_path() {
    let err = parse_patch_path("a..b").unwrap_err().into_invalid_path();
    assert_eq!(err.scim_type, Some(crate::ScimType::InvalidPath));
    assert_eq!(err.status, http::StatusCode::BAD_REQUEST);
}
