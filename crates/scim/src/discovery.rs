//! The discovery documents: `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas` (RFC 7643
//! sections 5-7, RFC 7644 section 4), rendered from the schema definitions in [`crate::schema`]
//! so that what rosterd advertises is what it enforces. Every function takes the app's SCIM base
//! URL (e.g. `https://host/scim/acme/learning/v2`) to build absolute `meta.location`s.

use serde_json::{Map, Value, json};

use crate::schema::{
    ALL_SCHEMAS, AttrType, AttributeDef, ResourceKind, SchemaDef, schema_def, schemas_for,
};

/// `urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig`
pub const SERVICE_PROVIDER_CONFIG_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
/// `urn:ietf:params:scim:schemas:core:2.0:ResourceType`
pub const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
/// `urn:ietf:params:scim:schemas:core:2.0:Schema`
pub const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";
/// `urn:ietf:params:scim:api:messages:2.0:ListResponse`
pub const LIST_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// The limits the service provider configuration advertises, and the server enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceLimits {
    /// The most resources one list or search response returns (`filter.maxResults`).
    pub max_results: u32,
    /// The most operations one bulk request may carry (`bulk.maxOperations`).
    pub bulk_max_operations: u32,
    /// The largest bulk request body accepted, in bytes (`bulk.maxPayloadSize`).
    pub bulk_max_payload_bytes: u64,
    /// The most operations one PATCH request may carry (not advertised: SCIM has no field).
    pub max_patch_operations: u32,
    /// The most values one multi-valued attribute of a resource may hold (not advertised).
    pub max_values_per_attribute: u32,
}

/// `GET /ServiceProviderConfig` (RFC 7643 section 5).
pub fn service_provider_config(base: &str, limits: &ServiceLimits) -> Value {
    json!({
        "schemas": [SERVICE_PROVIDER_CONFIG_SCHEMA],
        "patch": { "supported": true },
        "bulk": {
            "supported": true,
            "maxOperations": limits.bulk_max_operations,
            "maxPayloadSize": limits.bulk_max_payload_bytes,
        },
        "filter": { "supported": true, "maxResults": limits.max_results },
        "changePassword": { "supported": false },
        "sort": { "supported": true },
        "etag": { "supported": true },
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "Authentication with the SCIM token the admin center issues for \
                                this product app, sent as an OAuth 2.0 bearer token in the \
                                Authorization header.",
                "specUri": "https://www.rfc-editor.org/info/rfc6750",
                "primary": true,
            },
            {
                "type": "oauth2",
                "name": "OAuth 2.0 Client Credentials",
                "description": client_credentials_description(base),
                "specUri": "https://www.rfc-editor.org/info/rfc6749",
                "primary": false,
            },
        ],
        "meta": meta("ServiceProviderConfig", &format!("{}/ServiceProviderConfig", trim(base))),
    })
}

/// The OAuth 2.0 token endpoint of the app at `base`: its sibling `…/oauth/token` (the app's base
/// URL without `/v2`), or `None` for a base URL that names no app (`/scim/v2`, where the token
/// picks the app).
pub fn token_endpoint(base: &str) -> Option<String> {
    let app = trim(base).strip_suffix("/v2")?;
    (!app.ends_with("/scim")).then(|| format!("{app}/oauth/token"))
}

fn client_credentials_description(base: &str) -> String {
    let endpoint = token_endpoint(base).map_or_else(
        || {
            "the token endpoint of the client's app, /scim/{tenant}/{product}/oauth/token"
                .to_owned()
        },
        |url| format!("this app's token endpoint, {url}"),
    );
    format!(
        "An access token from {endpoint} (RFC 6749 section 4.4: grant_type=client_credentials \
         with the id and secret of an OAuth client the admin center creates for this product \
         app, by HTTP Basic or in the form), sent as an OAuth 2.0 bearer token in the \
         Authorization header."
    )
}

/// `GET /ResourceTypes` (RFC 7644 section 4): a ListResponse of User and Group.
pub fn resource_types(base: &str) -> Value {
    list_response(
        [ResourceKind::User, ResourceKind::Group]
            .into_iter()
            .map(|kind| render_resource_type(base, kind))
            .collect(),
    )
}

/// `GET /ResourceTypes/{name}`; the name is compared case-insensitively.
pub fn resource_type(base: &str, name: &str) -> Option<Value> {
    [ResourceKind::User, ResourceKind::Group]
        .into_iter()
        .find(|kind| kind.as_str().eq_ignore_ascii_case(name))
        .map(|kind| render_resource_type(base, kind))
}

/// `GET /Schemas` (RFC 7644 section 4): a ListResponse of every schema rosterd serves, each with
/// every attribute and its characteristics.
pub fn schemas(base: &str) -> Value {
    list_response(
        ALL_SCHEMAS
            .iter()
            .map(|schema| render_schema(base, schema))
            .collect(),
    )
}

/// `GET /Schemas/{id}`; the URN is compared case-insensitively.
pub fn schema(base: &str, id: &str) -> Option<Value> {
    schema_def(id).map(|schema| render_schema(base, schema))
}

fn render_resource_type(base: &str, kind: ResourceKind) -> Value {
    let (core, extensions) = schemas_for(kind);
    let mut doc = json!({
        "schemas": [RESOURCE_TYPE_SCHEMA],
        "id": kind.as_str(),
        "name": kind.as_str(),
        "endpoint": kind.endpoint(),
        "description": kind.core_schema().description,
        "schema": core,
        "meta": meta("ResourceType", &format!("{}/ResourceTypes/{}", trim(base), kind.as_str())),
    });
    if !extensions.is_empty() {
        doc["schemaExtensions"] = extensions
            .iter()
            .map(|urn| json!({ "schema": urn, "required": false }))
            .collect();
    }
    doc
}

fn render_schema(base: &str, schema: &SchemaDef) -> Value {
    json!({
        "schemas": [SCHEMA_SCHEMA],
        "id": schema.id,
        "name": schema.name,
        "description": schema.description,
        "attributes": schema.attributes.iter().map(render_attribute).collect::<Vec<_>>(),
        "meta": meta("Schema", &format!("{}/Schemas/{}", trim(base), schema.id)),
    })
}

/// One attribute in RFC 7643 section 7 form. `canonicalValues` appears when the attribute has
/// some, `referenceTypes` on references, `subAttributes` on complex attributes.
fn render_attribute(def: &AttributeDef) -> Value {
    let mut out = Map::new();
    out.insert("name".into(), def.name.into());
    out.insert("type".into(), def.kind.as_str().into());
    out.insert("multiValued".into(), def.multi_valued.into());
    out.insert("description".into(), def.description.into());
    out.insert("required".into(), def.required.into());
    out.insert("caseExact".into(), def.case_exact.into());
    out.insert("mutability".into(), def.mutability.as_str().into());
    out.insert("returned".into(), def.returned.as_str().into());
    out.insert("uniqueness".into(), def.uniqueness.as_str().into());
    if !def.canonical_values.is_empty() {
        out.insert("canonicalValues".into(), def.canonical_values.into());
    }
    if def.kind == AttrType::Reference {
        out.insert("referenceTypes".into(), def.reference_types.into());
    }
    if def.kind == AttrType::Complex {
        let subs: Vec<Value> = def.sub_attributes.iter().map(render_attribute).collect();
        out.insert("subAttributes".into(), subs.into());
    }
    Value::Object(out)
}

fn list_response(resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": resources.len(),
        "itemsPerPage": resources.len(),
        "startIndex": 1,
        "Resources": resources,
    })
}

fn meta(resource_type: &str, location: &str) -> Value {
    json!({ "resourceType": resource_type, "location": location })
}

fn trim(base: &str) -> &str {
    base.trim_end_matches('/')
}

#[cfg(test)]
mod tests;
