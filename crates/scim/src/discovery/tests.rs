//! Tests of the discovery documents.

use serde_json::{Value, json};

use super::*;
use crate::schema::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, LICENSE_EXTENSION_SCHEMA, USER_SCHEMA};

const BASE: &str = "https://host/scim/acme/learning/v2";

const LIMITS: ServiceLimits = ServiceLimits {
    max_results: 200,
    bulk_max_operations: 1000,
    bulk_max_payload_bytes: 1_048_576,
    max_patch_operations: 100,
    max_values_per_attribute: 1000,
};

fn resources(list: &Value) -> &Vec<Value> {
    list["Resources"].as_array().expect("Resources is an array")
}

#[test]
fn list_responses_have_the_rfc_7644_shape() {
    for list in [resource_types(BASE), schemas(BASE)] {
        assert_eq!(list["schemas"], json!([LIST_RESPONSE_SCHEMA]));
        let count = resources(&list).len();
        assert_eq!(list["totalResults"], json!(count));
        assert_eq!(list["itemsPerPage"], json!(count));
        assert_eq!(list["startIndex"], json!(1));
    }
}

#[test]
fn service_provider_config_advertises_features_and_limits() {
    let doc = service_provider_config(&format!("{BASE}/"), &LIMITS);
    assert_eq!(doc["schemas"], json!([SERVICE_PROVIDER_CONFIG_SCHEMA]));
    assert_eq!(doc["patch"], json!({ "supported": true }));
    assert_eq!(
        doc["bulk"],
        json!({ "supported": true, "maxOperations": 1000, "maxPayloadSize": 1_048_576 })
    );
    assert_eq!(
        doc["filter"],
        json!({ "supported": true, "maxResults": 200 })
    );
    assert_eq!(doc["changePassword"], json!({ "supported": false }));
    assert_eq!(doc["sort"], json!({ "supported": true }));
    assert_eq!(doc["etag"], json!({ "supported": true }));
    let scheme = &doc["authenticationSchemes"][0];
    assert_eq!(scheme["type"], "oauthbearertoken");
    assert_eq!(scheme["primary"], true);
    assert!(scheme["name"].is_string() && scheme["description"].is_string());
    let oauth = &doc["authenticationSchemes"][1];
    assert_eq!(oauth["type"], "oauth2");
    assert_eq!(oauth["primary"], false);
    assert!(
        oauth["description"]
            .as_str()
            .unwrap()
            .contains("https://host/scim/acme/learning/oauth/token"),
        "{oauth}"
    );
    assert_eq!(
        doc["meta"],
        json!({
            "resourceType": "ServiceProviderConfig",
            "location": format!("{BASE}/ServiceProviderConfig"),
        })
    );
}

#[test]
fn the_token_endpoint_is_the_app_base_urls_sibling() {
    assert_eq!(
        token_endpoint("https://host/scim/acme/learning/v2/").as_deref(),
        Some("https://host/scim/acme/learning/oauth/token")
    );
    assert_eq!(token_endpoint("https://host/scim/v2"), None);
    assert_eq!(token_endpoint("https://host/other"), None);
}

#[test]
fn resource_types_describe_user_with_extensions_and_group() {
    let user = resource_type(BASE, "user").expect("User");
    assert_eq!(
        user,
        json!({
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "User Account",
            "schema": USER_SCHEMA,
            "schemaExtensions": [
                { "schema": ENTERPRISE_USER_SCHEMA, "required": false },
                { "schema": LICENSE_EXTENSION_SCHEMA, "required": false },
            ],
            "meta": { "resourceType": "ResourceType", "location": format!("{BASE}/ResourceTypes/User") },
        })
    );
    let group = resource_type(BASE, "Group").expect("Group");
    assert_eq!(group["schema"], GROUP_SCHEMA);
    assert_eq!(group["endpoint"], "/Groups");
    assert_eq!(resources(&resource_types(BASE)), &vec![user, group]);
    assert_eq!(resource_type(BASE, "Device"), None);
}

/// Walks a rendered attribute list and checks every definition appears with every
/// characteristic, recursively.
fn assert_rendered(rendered: &Value, defs: &[crate::schema::AttributeDef], at: &str) {
    let rendered = rendered.as_array().expect("attributes array");
    assert_eq!(rendered.len(), defs.len(), "{at}");
    for (out, def) in rendered.iter().zip(defs) {
        let at = format!("{at}.{}", def.name);
        assert_eq!(out["name"], def.name, "{at}");
        assert_eq!(out["type"], def.kind.as_str(), "{at}");
        assert_eq!(out["multiValued"], def.multi_valued, "{at}");
        assert_eq!(out["description"], def.description, "{at}");
        assert_eq!(out["required"], def.required, "{at}");
        assert_eq!(out["caseExact"], def.case_exact, "{at}");
        assert_eq!(out["mutability"], def.mutability.as_str(), "{at}");
        assert_eq!(out["returned"], def.returned.as_str(), "{at}");
        assert_eq!(out["uniqueness"], def.uniqueness.as_str(), "{at}");
        if def.canonical_values.is_empty() {
            assert!(out.get("canonicalValues").is_none(), "{at}");
        } else {
            assert_eq!(out["canonicalValues"], json!(def.canonical_values), "{at}");
        }
        if def.kind == AttrType::Reference {
            assert_eq!(out["referenceTypes"], json!(def.reference_types), "{at}");
        }
        if def.kind == AttrType::Complex {
            assert_rendered(&out["subAttributes"], def.sub_attributes, &at);
        } else {
            assert!(out.get("subAttributes").is_none(), "{at}");
        }
    }
}

#[test]
fn schemas_contain_every_attribute_with_its_characteristics() {
    let list = schemas(BASE);
    let ids: Vec<&str> = resources(&list)
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        [
            USER_SCHEMA,
            ENTERPRISE_USER_SCHEMA,
            LICENSE_EXTENSION_SCHEMA,
            GROUP_SCHEMA
        ]
    );
    for (doc, def) in resources(&list).iter().zip(ALL_SCHEMAS) {
        assert_eq!(doc["schemas"], json!([SCHEMA_SCHEMA]));
        assert_eq!(doc["name"], def.name);
        assert_eq!(
            doc["meta"],
            json!({ "resourceType": "Schema", "location": format!("{BASE}/Schemas/{}", def.id) })
        );
        assert_rendered(&doc["attributes"], def.attributes, def.id);
    }
}

#[test]
fn schema_documents_spell_rfc_characteristics() {
    let user = schema(BASE, "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER").expect("User schema");
    let attrs = user["attributes"].as_array().expect("attributes");
    let by_name = |name: &str| {
        attrs
            .iter()
            .find(|a| a["name"] == name)
            .expect(name)
            .clone()
    };
    let user_name = by_name("userName");
    assert_eq!(
        (
            &user_name["required"],
            &user_name["uniqueness"],
            &user_name["caseExact"]
        ),
        (&json!(true), &json!("server"), &json!(false))
    );
    let password = by_name("password");
    assert_eq!(
        (&password["mutability"], &password["returned"]),
        (&json!("writeOnly"), &json!("never"))
    );
    assert_eq!(by_name("groups")["mutability"], "readOnly");
    assert_eq!(by_name("profileUrl")["referenceTypes"], json!(["external"]));
    assert_eq!(
        by_name("emails")["subAttributes"][2]["canonicalValues"],
        json!(["work", "home", "other"])
    );
    let group = schema(BASE, GROUP_SCHEMA).expect("Group schema");
    assert_eq!(
        group["attributes"][1]["subAttributes"][0]["mutability"],
        "immutable"
    );
    assert_eq!(schema(BASE, "urn:example:nothing"), None);
    assert_eq!(
        schema(
            BASE,
            "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
        ),
        None
    );
}
