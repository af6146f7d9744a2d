//! Tests of partial representations.

use serde_json::{Value, json};

use super::*;
use crate::schema::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, LICENSE_EXTENSION_SCHEMA, USER_SCHEMA};

fn full_user() -> Value {
    json!({
        "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA, LICENSE_EXTENSION_SCHEMA],
        "id": "u1",
        "externalId": "x1",
        "userName": "ada",
        "password": "leaked-by-a-bug",
        "name": { "givenName": "Ada", "familyName": "Lovelace" },
        "emails": [{ "value": "a@x", "type": "work", "primary": true }],
        "active": true,
        "groups": [{ "value": "g1", "display": "Sales" }],
        "meta": { "resourceType": "User", "version": "W/\"1\"" },
        ENTERPRISE_USER_SCHEMA: { "department": "Sales", "manager": { "value": "m1" } },
        LICENSE_EXTENSION_SCHEMA: { "licenses": [{ "kind": "learning", "state": "active", "source": "scim" }] },
    })
}

fn project(
    kind: ResourceKind,
    attributes: Option<&str>,
    excluded: Option<&str>,
    mut doc: Value,
) -> Value {
    Projection::parse(kind, attributes, excluded).apply(kind, &mut doc);
    doc
}

#[test]
fn user_projections() {
    // (what it proves, attributes, excludedAttributes, expected)
    let cases = [
        (
            "attributes=userName keeps id and schemas (returned always) and nothing else",
            Some("userName"),
            None,
            json!({ "schemas": [USER_SCHEMA], "id": "u1", "userName": "ada" }),
        ),
        (
            "names are case-insensitive, may be URN-qualified and name sub-attributes",
            Some(
                "USERNAME, urn:ietf:params:scim:schemas:core:2.0:User:name.givenName,emails.value",
            ),
            None,
            json!({ "schemas": [USER_SCHEMA], "id": "u1", "userName": "ada",
                    "name": { "givenName": "Ada" }, "emails": [{ "value": "a@x" }] }),
        ),
        (
            "an extension attribute by its qualified name, a legacy URN, and unknown names ignored",
            Some("urn:scim:schemas:extension:enterprise:2.0:department,nosuch,urn:example:x:y"),
            None,
            json!({ "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], "id": "u1",
                    ENTERPRISE_USER_SCHEMA: { "department": "Sales" } }),
        ),
        (
            "an extension URN names the whole extension",
            Some(ENTERPRISE_USER_SCHEMA),
            None,
            json!({ "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], "id": "u1",
                    ENTERPRISE_USER_SCHEMA: { "department": "Sales", "manager": { "value": "m1" } } }),
        ),
        (
            "password is never returned, even when asked for",
            Some("password,userName"),
            None,
            json!({ "schemas": [USER_SCHEMA], "id": "u1", "userName": "ada" }),
        ),
        (
            "excludedAttributes cannot remove id, and removes whole attributes, sub-attributes and extensions",
            None,
            Some(
                "id,groups,name.familyName,meta,emails.type,urn:rosterd:params:scim:schemas:extension:license:2.0:User,externalId,active,manager",
            ),
            json!({
                "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
                "id": "u1", "userName": "ada", "name": { "givenName": "Ada" },
                "emails": [{ "value": "a@x", "primary": true }],
                ENTERPRISE_USER_SCHEMA: { "department": "Sales" },
            }),
        ),
        (
            "attributes wins over excludedAttributes",
            Some("userName"),
            Some("userName"),
            json!({ "schemas": [USER_SCHEMA], "id": "u1", "userName": "ada" }),
        ),
    ];
    for (proves, attributes, excluded, expected) in cases {
        assert_eq!(
            project(ResourceKind::User, attributes, excluded, full_user()),
            expected,
            "{proves}"
        );
    }
}

#[test]
fn the_default_projection_returns_everything_but_password_and_what_is_only_on_request() {
    let mut expected = full_user();
    let fields = expected.as_object_mut().expect("object");
    fields.remove("password");
    fields.remove(LICENSE_EXTENSION_SCHEMA);
    fields["schemas"] = json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]);
    assert_eq!(
        project(ResourceKind::User, None, None, full_user()),
        expected
    );
    assert_eq!(
        project(ResourceKind::User, Some(" "), Some(""), full_user()),
        expected
    );
}

#[test]
fn excluded_members_are_dropped_and_not_wanted() {
    let group = json!({
        "schemas": [GROUP_SCHEMA], "id": "g1", "displayName": "Sales",
        "members": [{ "value": "u1", "display": "Ada", "type": "User" }],
        "meta": { "resourceType": "Group" },
    });
    let projection = Projection::parse(ResourceKind::Group, None, Some("members"));
    assert!(!projection.wants(ResourceKind::Group, "members"));
    assert!(!projection.wants(ResourceKind::Group, "MEMBERS"));
    assert!(projection.wants(ResourceKind::Group, "displayName"));
    let mut doc = group.clone();
    projection.apply(ResourceKind::Group, &mut doc);
    assert_eq!(
        doc,
        json!({ "schemas": [GROUP_SCHEMA], "id": "g1", "displayName": "Sales", "meta": { "resourceType": "Group" } })
    );

    let only_name = Projection::parse(ResourceKind::Group, Some("displayName"), None);
    assert!(!only_name.wants(ResourceKind::Group, "members"));
    let member_ids = Projection::parse(ResourceKind::Group, Some("members.value"), None);
    assert!(member_ids.wants(ResourceKind::Group, "members"));
    let mut doc = group;
    member_ids.apply(ResourceKind::Group, &mut doc);
    assert_eq!(
        doc,
        json!({ "schemas": [GROUP_SCHEMA], "id": "g1", "members": [{ "value": "u1" }] })
    );
}

#[test]
fn wants_follows_returned_characteristics() {
    let default = Projection::default();
    assert!(default.wants(ResourceKind::User, "groups"));
    assert!(!default.wants(ResourceKind::User, "password"));
    let only_user_name = Projection::parse(ResourceKind::User, Some("userName"), None);
    assert!(only_user_name.wants(ResourceKind::User, "id"));
    assert!(!only_user_name.wants(ResourceKind::User, "groups"));
    assert!(!only_user_name.wants(ResourceKind::User, "licenses"));
    assert!(!only_user_name.wants(ResourceKind::User, "customThing"));
    assert!(default.wants(ResourceKind::User, "customThing"));
}
