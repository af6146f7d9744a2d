//! Parsing the PatchOp message: what is tolerated (missing `schemas`, key and op casing, empty
//! `path`) and what is refused, with the exact `scimType`.

use serde_json::{Value, json};

use super::tests_support::{ENTERPRISE, body};
use super::{PATCH_OP_SCHEMA, PatchOp, PatchTarget, parse_patch_request};
use crate::ScimType::{self, InvalidPath, InvalidSyntax, InvalidValue, NoTarget};
use crate::filter::{AttrPath, PatchPath};

#[test]
fn tolerated_message_shapes() {
    let cases: Vec<(&str, Value)> = vec![
        (
            "schemas may be missing",
            json!({"Operations": [{"op": "add", "path": "title", "value": "x"}]}),
        ),
        (
            "schemas URN compares case-insensitively",
            json!({"schemas": [PATCH_OP_SCHEMA.to_uppercase()],
                   "Operations": [{"op": "add", "path": "title", "value": "x"}]}),
        ),
        (
            "schemas may be a lone string",
            json!({"schemas": PATCH_OP_SCHEMA,
                   "Operations": [{"op": "add", "path": "title", "value": "x"}]}),
        ),
        (
            "operations may be spelled in lower case, and op/path/value capitalised",
            json!({"schemas": [PATCH_OP_SCHEMA],
                   "operations": [{"Op": "ADD", "Path": "title", "Value": "x"}]}),
        ),
    ];
    for (name, request) in cases {
        let ops = parse_patch_request(&request).unwrap_or_else(|err| panic!("{name}: {err}"));
        assert_eq!(ops.len(), 1, "{name}");
        assert_eq!(ops[0].op, PatchOp::Add, "{name}");
        assert_eq!(ops[0].value, Some(json!("x")), "{name}");
    }
}

#[test]
fn op_names_are_case_insensitive() {
    for (name, op) in [
        ("Add", PatchOp::Add),
        ("REPLACE", PatchOp::Replace),
        ("Remove", PatchOp::Remove),
    ] {
        let ops = parse_patch_request(&body(json!([{"op": name, "path": "title", "value": "x"}])))
            .unwrap_or_else(|err| panic!("{name}: {err}"));
        assert_eq!(ops[0].op, op, "{name}");
    }
}

#[test]
fn targets_index_and_values_are_recorded() {
    let ops = parse_patch_request(&body(json!([
        {"op": "replace", "value": {"active": false}},
        {"op": "replace", "path": ENTERPRISE, "value": {"department": "Sales"}},
        {"op": "replace", "path": "  name.givenName ", "value": "Ann"},
        {"op": "remove", "path": "members[value eq \"u1\"]"},
        {"op": "replace", "path": "", "value": {"title": "x"}},
        {"op": "replace", "path": "title", "value": null},
    ])))
    .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(ops[0].target, PatchTarget::Resource);
    assert_eq!(ops[1].target, PatchTarget::Extension(ENTERPRISE));
    assert_eq!(
        ops[2].target,
        PatchTarget::Attribute(PatchPath {
            attr: AttrPath {
                schema: None,
                attr: "name".into(),
                sub_attr: Some("givenName".into()),
            },
            value_filter: None,
            sub_attr: None,
        })
    );
    assert_eq!(ops[2].path_text.as_deref(), Some("name.givenName"));
    assert!(matches!(&ops[3].target, PatchTarget::Attribute(p) if p.value_filter.is_some()));
    assert_eq!(ops[3].value, None, "remove without value keeps None");
    assert_eq!(
        ops[4].target,
        PatchTarget::Resource,
        "an empty path means no path"
    );
    assert_eq!(ops[5].value, Some(Value::Null), "an explicit null is kept");
    let indexes: Vec<usize> = ops.iter().map(|op| op.index).collect();
    assert_eq!(indexes, [0, 1, 2, 3, 4, 5]);
}

#[test]
fn refused_messages() {
    let cases: Vec<(&str, Value, ScimType, &str)> = vec![
        (
            "a body that is not an object",
            json!([]),
            InvalidSyntax,
            "JSON object",
        ),
        (
            "schemas without the PatchOp URN (a resource sent to PATCH)",
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                   "Operations": [{"op": "add", "path": "title", "value": "x"}]}),
            InvalidSyntax,
            PATCH_OP_SCHEMA,
        ),
        (
            "no Operations",
            json!({"schemas": [PATCH_OP_SCHEMA]}),
            InvalidSyntax,
            "no `Operations`",
        ),
        (
            "Operations that is not an array",
            json!({"schemas": [PATCH_OP_SCHEMA], "Operations": {"op": "add"}}),
            InvalidSyntax,
            "must be an array",
        ),
        (
            "an empty Operations array",
            body(json!([])),
            InvalidSyntax,
            "at least one operation",
        ),
        (
            "an operation that is not an object",
            body(json!(["add"])),
            InvalidSyntax,
            "Operations[0] must be an object",
        ),
        (
            "a missing op",
            body(json!([{"path": "title", "value": "x"}])),
            InvalidSyntax,
            "Operations[0] has no `op`",
        ),
        (
            "an unknown op",
            body(json!([{"op": "copy", "path": "title", "value": "x"}])),
            InvalidSyntax,
            "`op` is \"copy\"",
        ),
        (
            "a non-string op",
            body(json!([{"op": 1, "path": "title", "value": "x"}])),
            InvalidSyntax,
            "must be the string",
        ),
        (
            "a path that does not parse",
            body(json!([{"op": "add", "path": "emails[type eq \"work\"", "value": "x"}])),
            InvalidPath,
            "Operations[0] (add emails[type eq \"work\"): the path does not parse",
        ),
        (
            "a path that is not a string",
            body(json!([{"op": "add", "path": ["title"], "value": "x"}])),
            InvalidPath,
            "`path` must be a string",
        ),
        (
            "add without value",
            body(json!([{"op": "add", "path": "title"}])),
            InvalidValue,
            "Operations[0] (add title): `value` is missing",
        ),
        (
            "replace without value, in a later operation",
            body(json!([{"op": "remove", "path": "title"}, {"op": "Replace"}])),
            InvalidValue,
            "Operations[1] (replace without path): `value` is missing",
        ),
        (
            "remove without path or value",
            body(json!([{"op": "remove"}])),
            NoTarget,
            "Operations[0] (remove): `path` is missing",
        ),
    ];
    for (name, request, scim_type, detail_has) in cases {
        let err = parse_patch_request(&request).expect_err(name);
        assert_eq!(err.status, http::StatusCode::BAD_REQUEST, "{name}");
        assert_eq!(err.scim_type, Some(scim_type), "{name}: {err}");
        assert!(err.detail.contains(detail_has), "{name}: {:?}", err.detail);
    }
}

#[test]
fn the_number_of_operations_is_capped_naming_the_cap() {
    let operations: Vec<Value> = (0..11)
        .map(|i| json!({"op": "add", "path": "title", "value": format!("t{i}")}))
        .collect();
    let message = body(json!(operations));
    assert_eq!(
        super::parse_patch_request_within(&message, 11)
            .expect("11 operations at a cap of 11")
            .len(),
        11
    );
    let err = super::parse_patch_request_within(&message, 10).expect_err("over the cap");
    assert_eq!(err.scim_type, Some(InvalidValue));
    assert!(err.detail.contains("11 operations"), "{}", err.detail);
    assert!(err.detail.contains("at most 10"), "{}", err.detail);
    // One operation may carry any number of members.
    let members: Vec<Value> = (0..10_000)
        .map(|i| json!({"value": format!("m{i}")}))
        .collect();
    let one = body(json!([{"op": "add", "path": "members", "value": members}]));
    assert!(super::parse_patch_request_within(&one, 1).is_ok());
}

#[test]
fn a_nul_in_a_member_id_is_refused() {
    let message = body(json!([{"op": "add", "path": "members", "value": [{"value": "a\u{0}"}]}]));
    let ops = parse_patch_request(&message).expect("parses");
    let mut group = super::tests_support::tour_guides();
    let err = super::apply_group_patch(&mut group, &ops).expect_err("NUL member");
    assert_eq!(err.scim_type, Some(InvalidValue));
    assert!(err.detail.contains("NUL"), "{}", err.detail);
}
