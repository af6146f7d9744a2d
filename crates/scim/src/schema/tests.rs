//! Tests of the schema tables and the lookup API.

use super::*;
use crate::filter::AttrPath;

fn path(schema: Option<&str>, attr: &str, sub: Option<&str>) -> AttrPath {
    AttrPath {
        schema: schema.map(str::to_owned),
        attr: attr.to_owned(),
        sub_attr: sub.map(str::to_owned),
    }
}

#[test]
fn canonical_schema_urn_maps_case_variants_and_legacy_urns() {
    let cases = [
        (
            "urn:ietf:params:scim:schemas:core:2.0:User",
            Some(USER_SCHEMA),
        ),
        (
            "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER",
            Some(USER_SCHEMA),
        ),
        ("urn:scim:schemas:core:2.0", Some(USER_SCHEMA)),
        ("urn:scim:schemas:core:1.0", Some(USER_SCHEMA)),
        (
            "urn:scim:schemas:extension:enterprise:2.0",
            Some(ENTERPRISE_USER_SCHEMA),
        ),
        (
            "urn:ietf:params:scim:schemas:extension:Enterprise:2.0:User",
            Some(ENTERPRISE_USER_SCHEMA),
        ),
        (
            "urn:ietf:params:scim:schemas:core:2.0:group",
            Some(GROUP_SCHEMA),
        ),
        (
            "urn:rosterd:params:scim:schemas:extension:license:2.0:User",
            Some(LICENSE_EXTENSION_SCHEMA),
        ),
        (
            "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group",
            Some(MICROSOFT_AD_GROUP_SCHEMA),
        ),
        ("urn:example:custom:1.0:User", None),
        ("", None),
    ];
    for (urn, expected) in cases {
        assert_eq!(canonical_schema_urn(urn), expected, "{urn}");
    }
}

#[test]
fn only_the_microsoft_group_schema_is_ignored() {
    assert!(is_ignored_schema(
        "http://schemas.microsoft.com/2006/11/resourcemanagement/adscim/2.0/group"
    ));
    assert!(!is_ignored_schema(USER_SCHEMA));
    assert!(!is_ignored_schema("urn:example:custom"));
}

#[test]
fn resolve_finds_attributes_by_any_casing_and_qualification() {
    let ent = Some(ENTERPRISE_USER_SCHEMA);
    // (kind, path, expected schema, expected attribute, expected sub-attribute)
    let cases = [
        (
            ResourceKind::User,
            path(None, "USERNAME", None),
            USER_SCHEMA,
            "userName",
            None,
        ),
        (
            ResourceKind::User,
            path(
                Some("urn:ietf:params:scim:schemas:core:2.0:user"),
                "name",
                Some("GIVENNAME"),
            ),
            USER_SCHEMA,
            "name",
            Some("givenName"),
        ),
        (
            ResourceKind::User,
            path(Some("urn:scim:schemas:core:2.0"), "emails", Some("value")),
            USER_SCHEMA,
            "emails",
            Some("value"),
        ),
        (
            ResourceKind::User,
            path(None, "id", None),
            USER_SCHEMA,
            "id",
            None,
        ),
        (
            ResourceKind::User,
            path(Some(USER_SCHEMA), "externalid", None),
            USER_SCHEMA,
            "externalId",
            None,
        ),
        (
            ResourceKind::User,
            path(None, "meta", Some("lastmodified")),
            USER_SCHEMA,
            "meta",
            Some("lastModified"),
        ),
        (
            ResourceKind::User,
            path(ent, "Department", None),
            ENTERPRISE_USER_SCHEMA,
            "department",
            None,
        ),
        (
            ResourceKind::User,
            path(
                Some("urn:scim:schemas:extension:enterprise:2.0"),
                "manager",
                Some("value"),
            ),
            ENTERPRISE_USER_SCHEMA,
            "manager",
            Some("value"),
        ),
        (
            ResourceKind::User,
            path(None, "employeeNumber", None),
            ENTERPRISE_USER_SCHEMA,
            "employeeNumber",
            None,
        ),
        (
            ResourceKind::User,
            path(None, "licenses", Some("state")),
            LICENSE_EXTENSION_SCHEMA,
            "licenses",
            Some("state"),
        ),
        (
            ResourceKind::Group,
            path(None, "DISPLAYNAME", None),
            GROUP_SCHEMA,
            "displayName",
            None,
        ),
        (
            ResourceKind::Group,
            path(None, "members", Some("$REF")),
            GROUP_SCHEMA,
            "members",
            Some("$ref"),
        ),
        (
            ResourceKind::Group,
            path(Some("urn:scim:schemas:core:2.0"), "members", Some("value")),
            GROUP_SCHEMA,
            "members",
            Some("value"),
        ),
    ];
    for (kind, path, schema, attr, sub) in cases {
        let found = resolve(kind, &path).unwrap_or_else(|| panic!("{path:?} did not resolve"));
        assert_eq!(found.schema, schema, "{path:?}");
        assert_eq!(found.def.name, attr, "{path:?}");
        assert_eq!(found.sub.map(|s| s.name), sub, "{path:?}");
    }
}

#[test]
fn resolve_refuses_what_the_resource_does_not_have() {
    let cases = [
        (ResourceKind::User, path(None, "members", None)),
        (ResourceKind::User, path(None, "nosuch", None)),
        (ResourceKind::User, path(None, "name", Some("nosuch"))),
        (ResourceKind::User, path(None, "userName", Some("value"))),
        (
            ResourceKind::User,
            path(Some(GROUP_SCHEMA), "displayName", None),
        ),
        (
            ResourceKind::User,
            path(Some(ENTERPRISE_USER_SCHEMA), "userName", None),
        ),
        (
            ResourceKind::User,
            path(Some(ENTERPRISE_USER_SCHEMA), "id", None),
        ),
        (
            ResourceKind::User,
            path(Some("urn:example:custom"), "userName", None),
        ),
        (ResourceKind::Group, path(None, "employeeNumber", None)),
        (
            ResourceKind::Group,
            path(Some(MICROSOFT_AD_GROUP_SCHEMA), "displayName", None),
        ),
        (
            ResourceKind::Group,
            path(Some(USER_SCHEMA), "displayName", None),
        ),
    ];
    for (kind, path) in cases {
        assert_eq!(resolve(kind, &path), None, "{kind:?} {path:?}");
    }
}

#[test]
fn resolve_name_splits_urn_at_the_last_colon_and_sub_attribute_at_the_dot() {
    let cases = [
        ("name.givenName", USER_SCHEMA, "name", Some("givenName")),
        ("userName", USER_SCHEMA, "userName", None),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            ENTERPRISE_USER_SCHEMA,
            "department",
            None,
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
            ENTERPRISE_USER_SCHEMA,
            "manager",
            Some("value"),
        ),
        (
            "urn:scim:schemas:extension:enterprise:2.0:employeeNumber",
            ENTERPRISE_USER_SCHEMA,
            "employeeNumber",
            None,
        ),
        (
            "urn:ietf:params:scim:schemas:core:2.0:User:name.familyName",
            USER_SCHEMA,
            "name",
            Some("familyName"),
        ),
        (" Emails.Value ", USER_SCHEMA, "emails", Some("value")),
    ];
    for (name, schema, attr, sub) in cases {
        let found = resolve_name(ResourceKind::User, name)
            .unwrap_or_else(|| panic!("{name} did not resolve"));
        assert_eq!(
            (found.schema, found.def.name, found.sub.map(|s| s.name)),
            (schema, attr, sub),
            "{name}"
        );
    }
    for bad in [
        "",
        "name.",
        ".givenName",
        ENTERPRISE_USER_SCHEMA,
        "urn:x:y:department",
    ] {
        assert_eq!(resolve_name(ResourceKind::User, bad), None, "{bad}");
    }
}

#[test]
fn characteristics_follow_rfc_7643() {
    let user = |name: &str| resolve_name(ResourceKind::User, name).map(|r| r.leaf());
    let id = user("id").expect("id");
    assert!(id.case_exact && id.is_read_only() && id.returned == Returned::Always);
    let user_name = user("userName").expect("userName");
    assert!(user_name.required && !user_name.case_exact);
    assert_eq!(user_name.uniqueness, Uniqueness::Server);
    assert!(user("externalId").expect("externalId").case_exact);
    let password = user("password").expect("password");
    assert_eq!(
        (password.mutability, password.returned),
        (Mutability::WriteOnly, Returned::Never)
    );
    assert!(user("groups").expect("groups").is_read_only());
    assert!(
        user("manager.displayName")
            .expect("manager.displayName")
            .is_read_only()
    );
    assert_eq!(user("active").expect("active").kind, AttrType::Boolean);
    assert_eq!(
        user("emails.type").expect("emails.type").canonical_values,
        ["work", "home", "other"]
    );
    let licenses = user("licenses").expect("licenses");
    assert!(
        licenses.multi_valued && licenses.is_read_only() && licenses.returned == Returned::Request
    );
    let members = resolve_name(ResourceKind::Group, "members.value").expect("members.value");
    assert_eq!(members.leaf().mutability, Mutability::Immutable);
    assert_eq!(
        resolve_name(ResourceKind::Group, "members.type")
            .expect("members.type")
            .leaf()
            .canonical_values,
        ["User", "Group"]
    );
    assert!(
        resolve_name(ResourceKind::Group, "displayName")
            .expect("displayName")
            .def
            .required
    );
}

#[test]
fn schemas_for_lists_the_core_schema_and_extensions() {
    assert_eq!(
        schemas_for(ResourceKind::User),
        (
            USER_SCHEMA,
            &[ENTERPRISE_USER_SCHEMA, LICENSE_EXTENSION_SCHEMA][..]
        )
    );
    assert_eq!(schemas_for(ResourceKind::Group), (GROUP_SCHEMA, &[][..]));
    for schema in ALL_SCHEMAS {
        assert_eq!(schema_def(schema.id).map(|s| s.id), Some(schema.id));
    }
}
