//! Tests of normalization and the document accessors.

use serde_json::{Value, json};

use super::*;
use crate::ScimType;
use crate::schema::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};

fn user(body: Value) -> Value {
    normalize(ResourceKind::User, body, WriteMode::Create)
        .unwrap_or_else(|err| panic!("normalize failed: {err}"))
        .document
}

fn user_error(body: Value) -> ScimError {
    normalize(ResourceKind::User, body, WriteMode::Replace).expect_err("normalize should fail")
}

#[test]
fn okta_put_of_the_read_resource_drops_server_managed_attributes() {
    let body = json!({
        "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA, "urn:rosterd:params:scim:schemas:extension:license:2.0:User"],
        "id": "2819c223",
        "meta": { "resourceType": "User", "version": "W/\"3\"" },
        "userName": "ada@acme.com",
        "name": { "givenName": "Ada", "familyName": "Lovelace" },
        "emails": [{ "value": "ada@acme.com", "type": "work", "primary": true }],
        "active": true,
        "groups": [{ "value": "g1", "display": "Sales" }],
        "password": "hunter2",
        ENTERPRISE_USER_SCHEMA: { "department": "Sales", "manager": { "value": "m1", "displayName": "Boss" } },
        "urn:rosterd:params:scim:schemas:extension:license:2.0:User": {
            "licenses": [{ "kind": "learning", "state": "active", "source": "scim" }]
        },
    });
    assert_eq!(
        user(body),
        json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
            "userName": "ada@acme.com",
            "name": { "givenName": "Ada", "familyName": "Lovelace" },
            "emails": [{ "value": "ada@acme.com", "type": "work", "primary": true }],
            "active": true,
            ENTERPRISE_USER_SCHEMA: { "department": "Sales", "manager": { "value": "m1" } },
        })
    );
}

#[test]
fn normalization_cases() {
    // (what it proves, body, expected document)
    let cases = [
        (
            "attribute names, sub-attributes, extension keys and canonical values take the schema's casing",
            json!({
                "SCHEMAS": ["URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER"],
                "USERNAME": "ada", "Name": { "GIVENNAME": "Ada" },
                "emails": [{ "Value": "a@x", "TYPE": "Work" }],
                "urn:ietf:params:scim:schemas:extension:ENTERPRISE:2.0:user": { "EmployeeNumber": "42" },
            }),
            json!({
                "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
                "userName": "ada", "name": { "givenName": "Ada" },
                "emails": [{ "value": "a@x", "type": "work" }],
                ENTERPRISE_USER_SCHEMA: { "employeeNumber": "42" },
            }),
        ),
        (
            "Entra's string booleans become booleans",
            json!({ "userName": "ada", "active": "False", "emails": [{ "value": "a@x", "primary": "True" }] }),
            json!({ "schemas": [USER_SCHEMA], "userName": "ada", "active": false,
                    "emails": [{ "value": "a@x", "primary": true }] }),
        ),
        (
            "OneLogin's legacy URNs map onto the RFC schemas",
            json!({
                "schemas": ["urn:scim:schemas:core:2.0", "urn:scim:schemas:extension:enterprise:2.0"],
                "userName": "ada",
                "urn:scim:schemas:extension:enterprise:2.0": { "department": "R&D" },
            }),
            json!({ "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], "userName": "ada",
                    ENTERPRISE_USER_SCHEMA: { "department": "R&D" } }),
        ),
        (
            "a manager given as a plain id becomes {value}",
            json!({ "userName": "ada", ENTERPRISE_USER_SCHEMA: { "manager": "m1" } }),
            json!({ "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], "userName": "ada",
                    ENTERPRISE_USER_SCHEMA: { "manager": { "value": "m1" } } }),
        ),
        (
            "an empty manager clears it, and an emptied extension leaves schemas",
            json!({ "userName": "ada", ENTERPRISE_USER_SCHEMA: { "manager": "" } }),
            json!({ "schemas": [USER_SCHEMA], "userName": "ada" }),
        ),
        (
            "a manager with an empty value clears it too",
            json!({ "userName": "ada", ENTERPRISE_USER_SCHEMA: { "manager": { "value": "" }, "division": "EU" } }),
            json!({ "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], "userName": "ada",
                    ENTERPRISE_USER_SCHEMA: { "division": "EU" } }),
        ),
        (
            "unknown attributes, sub-attributes and extension schemas are dropped",
            json!({
                "schemas": [USER_SCHEMA, "urn:okta:custom:1.0:User"],
                "userName": "ada", "favouriteColour": "blue",
                "name": { "givenName": "Ada", "petName": "Countess" },
                "urn:okta:custom:1.0:User": { "badge": "7" },
                ENTERPRISE_USER_SCHEMA: { "shoeSize": 39 },
            }),
            json!({ "schemas": [USER_SCHEMA], "userName": "ada", "name": { "givenName": "Ada" } }),
        ),
        (
            "nulls and empty lists mean unassigned",
            json!({ "userName": "ada", "title": null, "emails": [], "phoneNumbers": [null], "name": {} }),
            json!({ "schemas": [USER_SCHEMA], "userName": "ada" }),
        ),
        (
            "flat dotted and URN-qualified keys land where the schema puts them",
            json!({
                "userName": "ada", "name.givenName": "Ada", "name": { "familyName": "L" },
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Ops",
                "employeeNumber": 7,
            }),
            json!({ "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], "userName": "ada",
                    "name": { "givenName": "Ada", "familyName": "L" },
                    ENTERPRISE_USER_SCHEMA: { "department": "Ops", "employeeNumber": "7" } }),
        ),
        (
            "a lone value where a list is expected is wrapped",
            json!({ "userName": "ada", "emails": { "value": "a@x" } }),
            json!({ "schemas": [USER_SCHEMA], "userName": "ada", "emails": [{ "value": "a@x" }] }),
        ),
        (
            "externalId is kept as sent",
            json!({ "userName": "ada", "externalId": "00uAbC" }),
            json!({ "schemas": [USER_SCHEMA], "userName": "ada", "externalId": "00uAbC" }),
        ),
    ];
    for (proves, body, expected) in cases {
        assert_eq!(user(body), expected, "{proves}");
    }
}

#[test]
fn bad_bodies_are_400_naming_the_attribute() {
    // (what it proves, body, scimType, words the detail must contain)
    let cases = [
        (
            "a body must be an object",
            json!(["userName"]),
            ScimType::InvalidSyntax,
            "JSON object",
        ),
        (
            "schemas must be a list",
            json!({ "schemas": USER_SCHEMA, "userName": "a" }),
            ScimType::InvalidSyntax,
            "schemas",
        ),
        (
            "userName is required",
            json!({ "name": { "givenName": "Ada" } }),
            ScimType::InvalidValue,
            "'userName'",
        ),
        (
            "a blank userName is missing",
            json!({ "userName": "  " }),
            ScimType::InvalidValue,
            "'userName'",
        ),
        (
            "userName must be a string",
            json!({ "userName": true }),
            ScimType::InvalidValue,
            "'userName' must be a string",
        ),
        (
            "active must be a boolean",
            json!({ "userName": "a", "active": "yes" }),
            ScimType::InvalidValue,
            "'active' must be a boolean",
        ),
        (
            "name must be an object",
            json!({ "userName": "a", "name": "Ada" }),
            ScimType::InvalidValue,
            "'name' must be an object",
        ),
        (
            "sub-attributes are type-checked",
            json!({ "userName": "a", "emails": [{ "value": "a@x", "primary": 1 }] }),
            ScimType::InvalidValue,
            "'emails.primary'",
        ),
        (
            "primary at most once",
            json!({ "userName": "a", "emails": [{ "value": "a", "primary": true }, { "value": "b", "primary": "True" }] }),
            ScimType::InvalidValue,
            "primary",
        ),
        (
            "an extension must be an object",
            json!({ "userName": "a", ENTERPRISE_USER_SCHEMA: "Sales" }),
            ScimType::InvalidValue,
            ENTERPRISE_USER_SCHEMA,
        ),
        (
            "nested lists are refused",
            json!({ "userName": "a", "emails": [[{ "value": "a" }]] }),
            ScimType::InvalidValue,
            "'emails'",
        ),
    ];
    for (proves, body, scim_type, words) in cases {
        let err = user_error(body);
        assert_eq!(err.scim_type, Some(scim_type), "{proves}: {err}");
        assert_eq!(err.status, http::StatusCode::BAD_REQUEST, "{proves}");
        assert!(err.detail.contains(words), "{proves}: {}", err.detail);
    }
}

#[test]
fn groups_return_members_apart_from_the_document() {
    let body = json!({
        "schemas": [GROUP_SCHEMA, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
        "id": "g1",
        "DisplayName": "Sales EMEA",
        "members": [
            { "value": "u1", "display": "Ada" },
            { "value": "g2", "type": "group" },
            { "value": "u3", "$ref": "https://host/scim/acme/learning/v2/Users/u3" },
            { "value": "u1" },
        ],
    });
    let normalized = normalize(ResourceKind::Group, body, WriteMode::Create).expect("group");
    assert_eq!(
        normalized.document,
        json!({ "schemas": [GROUP_SCHEMA], "displayName": "Sales EMEA" })
    );
    let member = |value: &str, kind: Option<&str>| MemberRef {
        value: value.to_owned(),
        kind: kind.map(str::to_owned),
    };
    assert_eq!(
        normalized.members,
        Some(vec![
            member("u1", None),
            member("g2", Some("Group")),
            member("u3", Some("User"))
        ])
    );
}

#[test]
fn group_members_missing_empty_and_invalid() {
    let group = |members: Option<Value>| {
        let mut body = json!({ "displayName": "Sales" });
        if let Some(members) = members {
            body["members"] = members;
        }
        normalize(ResourceKind::Group, body, WriteMode::Replace).map(|n| n.members)
    };
    assert_eq!(
        group(None),
        Ok(None),
        "no members key: leave memberships alone"
    );
    assert_eq!(group(Some(json!([]))), Ok(Some(vec![])), "[] clears");
    assert_eq!(group(Some(Value::Null)), Ok(Some(vec![])), "null clears");
    for bad in [
        json!([{ "display": "Ada" }]),
        json!(["u1"]),
        json!([{ "value": "u1", "type": "Device" }]),
    ] {
        let err = group(Some(bad.clone())).expect_err("invalid members");
        assert_eq!(err.scim_type, Some(ScimType::InvalidValue), "{bad}");
    }
    let err = normalize(
        ResourceKind::Group,
        json!({ "displayName": "" }),
        WriteMode::Create,
    )
    .expect_err("blank displayName");
    assert!(err.detail.contains("'displayName'"), "{}", err.detail);
}

#[test]
fn accessors_read_the_canonical_document() {
    let doc = user(json!({
        "userName": "ada", "externalId": "x1", "displayName": "Ada L",
        "emails": [{ "value": "home@x" }, { "value": "work@x", "primary": true }],
    }));
    assert_eq!(user_name(&doc), Some("ada"));
    assert_eq!(external_id(&doc), Some("x1"));
    assert_eq!(display_name(&doc), Some("Ada L"));
    assert!(active(&doc), "absent active means active");
    assert!(!active(&json!({ "active": false })));
    assert_eq!(emails(&doc), ["work@x", "home@x"]);
    assert_eq!(emails(&json!({})), Vec::<String>::new());
}

#[test]
fn normalizing_a_canonical_document_changes_nothing() {
    let once = user(json!({
        "schemas": ["urn:scim:schemas:core:2.0"],
        "userName": "ada", "active": "true", "name": { "GivenName": "Ada" },
        "emails": [{ "value": "a@x", "type": "WORK", "primary": true }],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager": "m1",
    }));
    assert_eq!(user(once.clone()), once);
}

#[test]
fn a_nul_character_anywhere_is_refused_naming_the_attribute() {
    let cases = [
        (json!({"userName": "ann\u{0}@acme.example"}), "'userName'"),
        (
            json!({"userName": "ann", "displayName": "Ann\u{0}"}),
            "'displayName'",
        ),
        (
            json!({"userName": "ann", "name": {"givenName": "A\u{0}"}}),
            "'name.givenName'",
        ),
        (
            json!({"userName": "ann", "emails": [{"value": "a@x.org"}, {"value": "b\u{0}@x.org"}]}),
            "'emails[1].value'",
        ),
        (
            json!({"userName": "ann", ENTERPRISE_USER_SCHEMA: {"department": "\u{0}"}}),
            "User:department'",
        ),
    ];
    for (body, named) in cases {
        let err = user_error(body.clone());
        assert_eq!(err.status, http::StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(err.scim_type, Some(ScimType::InvalidValue), "{body}");
        assert!(err.detail.contains(named), "{body}: {}", err.detail);
        assert!(err.detail.contains("NUL"), "{}", err.detail);
    }
    let err = normalize(
        ResourceKind::Group,
        json!({"displayName": "Sales", "members": [{"value": "a\u{0}b"}]}),
        WriteMode::Create,
    )
    .expect_err("a NUL member id");
    assert_eq!(err.scim_type, Some(ScimType::InvalidValue));
    assert!(err.detail.contains("members.value"), "{}", err.detail);
}

#[test]
fn value_counts_are_capped_per_attribute_naming_it_and_the_cap() {
    let emails: Vec<Value> = (0..11)
        .map(|i| json!({"value": format!("u{i}@x.org")}))
        .collect();
    let doc = user(json!({"userName": "ann", "emails": emails, "roles": [{"value": "a"}]}));
    assert!(check_value_counts(&doc, 11).is_ok());
    let err = check_value_counts(&doc, 10).expect_err("11 e-mails over a cap of 10");
    assert_eq!(err.scim_type, Some(ScimType::InvalidValue));
    assert!(
        err.detail.contains("'emails' has 11 values"),
        "{}",
        err.detail
    );
    assert!(err.detail.contains("at most 10"), "{}", err.detail);
    // `schemas` is not an attribute and is never counted.
    assert!(check_value_counts(&doc, 1).is_err());
    let small = user(json!({"userName": "ann", "emails": [{"value": "a@x.org"}]}));
    assert!(check_value_counts(&small, 1).is_ok());
}

#[test]
fn ten_thousand_members_are_kept_once_each_in_order() {
    let mut members: Vec<Value> = (0..10_000)
        .map(|i| json!({"value": format!("m{i}")}))
        .collect();
    members.push(json!({"value": "m0"}));
    let normalized = normalize(
        ResourceKind::Group,
        json!({"displayName": "All", "members": members}),
        WriteMode::Create,
    )
    .expect("normalize");
    let refs = normalized.members.expect("members");
    assert_eq!(refs.len(), 10_000);
    assert_eq!(refs[9_999].value, "m9999");
}
