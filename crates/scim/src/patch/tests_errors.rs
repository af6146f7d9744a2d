//! Every way a PATCH is refused, with its exact status and `scimType`, and atomicity: a refused
//! request leaves the stored document as it was, whichever operation failed.

use serde_json::{Value, json};

use super::tests_support::{ErrorCase, bjensen, body, parse, tour_guides};
use super::{apply_group_patch, apply_user_patch};
use crate::ScimType::{
    InvalidFilter, InvalidPath, InvalidSyntax, InvalidValue, Mutability, NoTarget,
};
use crate::schema::ResourceKind::{Group, User};

fn one(op: Value) -> Value {
    body(json!([op]))
}

#[test]
fn refused_user_patches() {
    super::tests_support::run_error_cases(vec![
        ErrorCase {
            name: "replace of id is mutability",
            kind: User,
            body: one(json!({"op": "replace", "path": "id", "value": "x"})),
            scim_type: Mutability,
            detail_has: "`id` is read-only",
        },
        ErrorCase {
            name: "replace of meta.lastModified is mutability",
            kind: User,
            body: one(json!({"op": "replace", "path": "meta.lastModified",
                "value": "2026-01-01T00:00:00Z"})),
            scim_type: Mutability,
            detail_has: "read-only",
        },
        ErrorCase {
            name: "add to groups is mutability (membership is changed on the Group)",
            kind: User,
            body: one(json!({"op": "add", "path": "groups", "value": [{"value": "g1"}]})),
            scim_type: Mutability,
            detail_has: "`groups` is read-only",
        },
        ErrorCase {
            name: "writing the license extension is mutability",
            kind: User,
            body: one(json!({"op": "add",
                "path": "urn:rosterd:params:scim:schemas:extension:license:2.0:User:licenses",
                "value": [{"kind": "learning"}]})),
            scim_type: Mutability,
            detail_has: "read-only",
        },
        ErrorCase {
            name: "removing the whole license extension is mutability",
            kind: User,
            body: one(json!({"op": "remove",
                "path": "urn:rosterd:params:scim:schemas:extension:license:2.0:User"})),
            scim_type: Mutability,
            detail_has: "read-only",
        },
        ErrorCase {
            name: "removing the required userName is invalidValue",
            kind: User,
            body: one(json!({"op": "remove", "path": "userName"})),
            scim_type: InvalidValue,
            detail_has: "`userName` is required",
        },
        ErrorCase {
            name: "replacing userName with null is invalidValue",
            kind: User,
            body: one(json!({"op": "replace", "path": "userName", "value": null})),
            scim_type: InvalidValue,
            detail_has: "`userName` is required",
        },
        ErrorCase {
            name: "replacing userName with a blank string fails normalization",
            kind: User,
            body: one(json!({"op": "replace", "path": "userName", "value": "  "})),
            scim_type: InvalidValue,
            detail_has: "After the PATCH operations",
        },
        ErrorCase {
            name: "replace on a value path whose filter cannot create is noTarget",
            kind: User,
            body: one(
                json!({"op": "replace", "path": "emails[value co \"@old.example\"].value",
                "value": "a@new.example"}),
            ),
            scim_type: NoTarget,
            detail_has: "No value of `emails` matches",
        },
        ErrorCase {
            name: "replace on an or-filter matching nothing is noTarget",
            kind: User,
            body: one(json!({"op": "replace",
                "path": "emails[type eq \"home\" or type eq \"other\"].value", "value": "a@b.c"})),
            scim_type: NoTarget,
            detail_has: "only `eq` comparisons joined by `and`",
        },
        ErrorCase {
            name: "a string that is not a boolean for active is invalidValue",
            kind: User,
            body: one(json!({"op": "Replace", "path": "active", "value": "yes"})),
            scim_type: InvalidValue,
            detail_has: "`active` must be true or false",
        },
        ErrorCase {
            name: "two new primaries in one add is invalidValue",
            kind: User,
            body: one(json!({"op": "add", "path": "emails", "value": [
                {"value": "a@example.com", "primary": true},
                {"value": "b@example.com", "primary": true}]})),
            scim_type: InvalidValue,
            detail_has: "marked primary",
        },
        ErrorCase {
            name: "a sub-attribute of a multi-valued attribute without a filter is invalidPath",
            kind: User,
            body: one(json!({"op": "replace", "path": "emails.value", "value": "a@b.c"})),
            scim_type: InvalidPath,
            detail_has: "select one with a filter, e.g. emails[type eq \"work\"].value",
        },
        ErrorCase {
            name: "a filter on a single-valued attribute is invalidPath",
            kind: User,
            body: one(
                json!({"op": "replace", "path": "name[givenName eq \"Barbara\"]",
                "value": {"givenName": "Ann"}}),
            ),
            scim_type: InvalidPath,
            detail_has: "cannot take a [filter]",
        },
        ErrorCase {
            name: "a path-less add whose value is not an object is invalidValue",
            kind: User,
            body: one(json!({"op": "add", "value": "Babs"})),
            scim_type: InvalidValue,
            detail_has: "must be an object of attributes",
        },
        ErrorCase {
            name: "a path-less remove on a User is noTarget",
            kind: User,
            body: one(json!({"op": "remove", "value": {"title": "x"}})),
            scim_type: NoTarget,
            detail_has: "remove needs a `path`",
        },
        ErrorCase {
            name: "a complex attribute given a number is invalidValue",
            kind: User,
            body: one(json!({"op": "replace", "path": "name", "value": 7})),
            scim_type: InvalidValue,
            detail_has: "`name` takes an object",
        },
        ErrorCase {
            name: "the detail names the failing operation by index",
            kind: User,
            body: body(json!([
                {"op": "replace", "path": "title", "value": "x"},
                {"op": "replace", "path": "id", "value": "x"},
            ])),
            scim_type: Mutability,
            detail_has: "Operations[1] (replace id)",
        },
    ]);
}

#[test]
fn refused_group_patches() {
    super::tests_support::run_error_cases(vec![
        ErrorCase {
            name: "a members filter on anything but value is invalidFilter",
            kind: Group,
            body: one(json!({"op": "remove", "path": "members[display eq \"Babs\"]"})),
            scim_type: InvalidFilter,
            detail_has: "`value eq` comparisons joined by `or`",
        },
        ErrorCase {
            name: "an and-combined members filter is invalidFilter",
            kind: Group,
            body: one(json!({"op": "remove",
                "path": "members[value eq \"a\" and value eq \"b\"]"})),
            scim_type: InvalidFilter,
            detail_has: "joined by `or`",
        },
        ErrorCase {
            name: "a members filter with anything but eq is invalidFilter",
            kind: Group,
            body: one(json!({"op": "remove", "path": "members[value sw \"a\"]"})),
            scim_type: InvalidFilter,
            detail_has: "Operations[0] (remove members[value sw \"a\"])",
        },
        ErrorCase {
            name: "replace through a members filter is invalidPath",
            kind: Group,
            body: one(json!({"op": "replace", "path": "members[value eq \"a\"]",
                "value": {"value": "b"}})),
            scim_type: InvalidPath,
            detail_has: "works only with remove",
        },
        ErrorCase {
            name: "a member sub-attribute path is invalidPath",
            kind: Group,
            body: one(
                json!({"op": "replace", "path": "members[value eq \"a\"].display",
                "value": "x"}),
            ),
            scim_type: InvalidPath,
            detail_has: "not a member's sub-attribute",
        },
        ErrorCase {
            name: "a member without value is invalidValue",
            kind: Group,
            body: one(json!({"op": "add", "path": "members", "value": [{"display": "Babs"}]})),
            scim_type: InvalidValue,
            detail_has: "members[0] has no usable `value`",
        },
        ErrorCase {
            name: "a member with an empty value is invalidValue",
            kind: Group,
            body: one(json!({"op": "add", "path": "members",
                "value": [{"value": "u1"}, {"value": ""}]})),
            scim_type: InvalidValue,
            detail_has: "members[1] has no usable `value`",
        },
        ErrorCase {
            name: "a member with a numeric value is invalidValue",
            kind: Group,
            body: one(json!({"op": "replace", "path": "members", "value": [{"value": 42}]})),
            scim_type: InvalidValue,
            detail_has: "non-empty id",
        },
        ErrorCase {
            name: "members as a number is invalidValue",
            kind: Group,
            body: one(json!({"op": "add", "path": "members", "value": 42})),
            scim_type: InvalidValue,
            detail_has: "must be an array",
        },
        ErrorCase {
            name: "remove members with an explicit null value is refused, not RemoveAll",
            kind: Group,
            body: one(json!({"op": "remove", "path": "members", "value": null})),
            scim_type: InvalidValue,
            detail_has: "leave `value` out",
        },
        ErrorCase {
            name: "removing a Group's required displayName is invalidValue",
            kind: Group,
            body: one(json!({"op": "remove", "path": "displayName"})),
            scim_type: InvalidValue,
            detail_has: "`displayName` is required",
        },
        ErrorCase {
            name: "replacing a Group's id is mutability",
            kind: Group,
            body: one(json!({"op": "replace", "path": "id", "value": "x"})),
            scim_type: Mutability,
            detail_has: "read-only",
        },
        ErrorCase {
            name: "a bad op in the body is invalidSyntax before anything applies",
            kind: Group,
            body: body(json!([
                {"op": "add", "path": "members", "value": [{"value": "u1"}]},
                {"op": "move", "path": "displayName"},
            ])),
            scim_type: InvalidSyntax,
            detail_has: "Operations[1]",
        },
    ]);
}

#[test]
fn a_failing_third_operation_leaves_the_user_untouched() {
    let mut doc = bjensen();
    let ops = parse(json!([
        {"op": "replace", "path": "displayName", "value": "Ann"},
        {"op": "add", "path": "emails", "value": [{"value": "ann@example.com", "primary": true}]},
        {"op": "replace", "path": "meta.version", "value": "W/\"2\""},
    ]));
    let err = apply_user_patch(&mut doc, &ops).expect_err("meta is read-only");
    assert_eq!(err.scim_type, Some(Mutability));
    assert!(err.detail.starts_with("Operations[2] "), "{}", err.detail);
    assert_eq!(doc, bjensen());
}

#[test]
fn a_failing_operation_returns_no_member_changes_and_leaves_the_group_untouched() {
    let mut doc = tour_guides();
    let ops = parse(json!([
        {"op": "replace", "path": "displayName", "value": "Renamed"},
        {"op": "add", "path": "members", "value": [{"value": "u1"}]},
        {"op": "remove", "path": "members[display eq \"x\"]"},
    ]));
    let err = apply_group_patch(&mut doc, &ops).expect_err("display filter is refused");
    assert_eq!(err.scim_type, Some(InvalidFilter));
    assert_eq!(doc, tour_guides());
}

#[test]
fn a_failure_in_normalization_after_all_operations_also_leaves_the_doc_untouched() {
    let mut doc = bjensen();
    let ops = parse(json!([
        {"op": "replace", "path": "displayName", "value": "Ann"},
        {"op": "replace", "path": "profileUrl", "value": 12},
    ]));
    let err = apply_user_patch(&mut doc, &ops).expect_err("profileUrl must be a string");
    assert_eq!(err.scim_type, Some(InvalidValue));
    assert_eq!(doc, bjensen());
}
