//! The storage the SCIM surface needs, as a trait: `directory` implements it on the database,
//! the HTTP handlers call it, and tests can implement it in memory. Everything a store returns
//! is a [`StoredResource`]; [`render`] turns one into the wire representation.
//!
//! A store answers with [`ScimError`]s itself (404 for an id not in the request's tenant and
//! app, 409 `uniqueness`, 412 on a stale `If-Match`, 400 `invalidValue` for unknown members),
//! so the exact SCIM error a client gets is decided where the fact is known.

use std::future::Future;

use chrono::{DateTime, Utc};
use futures_util::stream::{self, BoxStream, StreamExt as _};
use serde_json::{Value, json};

use crate::ScimError;
use crate::context::ScimContext;
use crate::filter::{AttrPath, Filter};
use crate::patch::PatchOperation;
use crate::resource::{Normalized, ResourceKind};

/// Sort direction (`sortOrder`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    #[default]
    Ascending,
    Descending,
}

/// How a list is paged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Paging {
    /// RFC 7644 index paging: 1-based `startIndex`, `count` resources at most (0 = only count).
    Index { start_index: u64, count: u64 },
    /// RFC 9865 cursor paging: `cursor` is `None` for the first page (`cursor` with no value).
    Cursor { cursor: Option<String>, count: u64 },
}

/// A list or search request, already parsed and validated.
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    pub filter: Option<Filter>,
    pub sort_by: Option<AttrPath>,
    pub sort_order: SortOrder,
    pub paging: Paging,
    /// What the response will carry of the computed attributes.
    pub wants: Wants,
}

/// Which computed, possibly large attributes the response needs; a store skips loading the
/// others (`excludedAttributes=members` must not read a 100,000-member list, and a default
/// response does not carry the `returned: request` license extension, so it is not read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wants {
    /// A Group's `members`.
    pub members: bool,
    /// A User's `groups`.
    pub groups: bool,
    /// The read-only extensions the store computes ([`StoredResource::extensions`]).
    pub extensions: bool,
}

impl Wants {
    /// Everything: the default.
    pub const ALL: Wants = Wants {
        members: true,
        groups: true,
        extensions: true,
    };

    /// A Group's members only.
    pub const MEMBERS: Wants = Wants {
        members: true,
        groups: false,
        extensions: false,
    };

    /// Nothing computed: for a caller that does not render the resource.
    pub const NONE: Wants = Wants {
        members: false,
        groups: false,
        extensions: false,
    };
}

impl Default for Wants {
    fn default() -> Self {
        Self::ALL
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub total_results: u64,
    pub resources: Vec<StoredResource>,
    /// For index paging, the `startIndex` of this page.
    pub start_index: Option<u64>,
    /// For cursor paging, the cursor of the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// A multi-valued reference computed by the store: a Group's member or a User's group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub value: String,
    pub display: Option<String>,
    /// `User` or `Group`.
    pub kind: &'static str,
}

/// A Group's members a page at a time, in the store's order, for a response body that sends
/// them as they are read ([`ScimStore::get_group_streamed`], [`ScimStore::member_pages`]): the
/// memory a read takes does not grow with the group. An error ends the stream.
pub type MemberPages = BoxStream<'static, Result<Vec<Reference>, ScimError>>;

/// A resource as a store holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResource {
    pub kind: ResourceKind,
    pub id: String,
    /// The canonical document (see [`crate::resource`]).
    pub document: Value,
    /// Increases with every change; the ETag is `W/"{version}"`.
    pub version: i64,
    pub created: DateTime<Utc>,
    pub last_modified: DateTime<Utc>,
    /// A Group's members or a User's groups, when they were wanted and loaded.
    pub references: Option<Vec<Reference>>,
    /// Read-only extension documents the store computes (e.g. rosterd's license extension),
    /// keyed by schema URN.
    pub extensions: Vec<(&'static str, Value)>,
}

impl StoredResource {
    /// The weak ETag of this version.
    pub fn etag(&self) -> String {
        etag(self.version)
    }
}

/// The weak ETag of a version: `W/"3"`.
pub fn etag(version: i64) -> String {
    format!("W/\"{version}\"")
}

/// A conditional write's `If-Match`: the ETags the client accepts (`*` matches any).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Precondition(pub Option<String>);

impl Precondition {
    /// Checks the current version against `If-Match`; 412 when it does not match.
    pub fn check(&self, current_version: i64) -> Result<(), ScimError> {
        let Some(header) = &self.0 else {
            return Ok(());
        };
        let current = etag(current_version);
        let strong = format!("\"{current_version}\"");
        let matches = header
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag == current || tag == strong);
        if matches {
            Ok(())
        } else {
            Err(ScimError::precondition_failed(format!(
                "If-Match {header} does not match the current version {current}; read the resource again and retry"
            )))
        }
    }
}

/// Storage for the SCIM resources of one tenant's product apps. Every method acts only inside
/// `ctx.tenant` and `ctx.product`: an id of another tenant or app is 404.
pub trait ScimStore: Clone + Send + Sync + 'static {
    /// Creates a resource from a normalized body; returns it with what `wants` asks for.
    fn create(
        &self,
        ctx: &ScimContext,
        kind: ResourceKind,
        input: Normalized,
        wants: Wants,
    ) -> impl Future<Output = Result<StoredResource, ScimError>> + Send;

    /// Reads one resource.
    fn get(
        &self,
        ctx: &ScimContext,
        kind: ResourceKind,
        id: &str,
        wants: Wants,
    ) -> impl Future<Output = Result<StoredResource, ScimError>> + Send;

    /// Replaces a resource (PUT): omitted writable attributes are cleared; for a Group,
    /// `input.members` of `None` leaves the membership as it is.
    fn replace(
        &self,
        ctx: &ScimContext,
        kind: ResourceKind,
        id: &str,
        input: Normalized,
        precondition: &Precondition,
        wants: Wants,
    ) -> impl Future<Output = Result<StoredResource, ScimError>> + Send;

    /// Applies PATCH operations atomically (all or none), re-reading and retrying on a
    /// concurrent change so no update is lost.
    fn patch(
        &self,
        ctx: &ScimContext,
        kind: ResourceKind,
        id: &str,
        operations: &[PatchOperation],
        precondition: &Precondition,
        wants: Wants,
    ) -> impl Future<Output = Result<StoredResource, ScimError>> + Send;

    /// Deletes a resource.
    fn delete(
        &self,
        ctx: &ScimContext,
        kind: ResourceKind,
        id: &str,
        precondition: &Precondition,
    ) -> impl Future<Output = Result<(), ScimError>> + Send;

    /// Lists resources matching a query, filtered, sorted and paged by the store (never in
    /// memory after loading).
    fn list(
        &self,
        ctx: &ScimContext,
        kind: ResourceKind,
        query: &ListQuery,
    ) -> impl Future<Output = Result<Page, ScimError>> + Send;

    /// Reads one Group without its members (`references` is `None`) and its members as pages,
    /// both as of one moment where the store can, so the `ETag` matches the members sent. The
    /// default reads the whole group at once; a store whose groups can be large streams.
    fn get_group_streamed(
        &self,
        ctx: &ScimContext,
        id: &str,
    ) -> impl Future<Output = Result<(StoredResource, MemberPages), ScimError>> + Send {
        async move {
            let mut group = self
                .get(ctx, ResourceKind::Group, id, Wants::MEMBERS)
                .await?;
            let members = group.references.take().unwrap_or_default();
            let pages: MemberPages = stream::once(async move { Ok(members) }).boxed();
            Ok((group, pages))
        }
    }

    /// The members of one Group (found by a list just before) as pages; a group deleted
    /// meanwhile has none. The default reads them at once, like [`ScimStore::get_group_streamed`].
    fn member_pages(&self, ctx: &ScimContext, group_id: &str) -> MemberPages {
        let store = self.clone();
        let ctx = ctx.clone();
        let id = group_id.to_owned();
        stream::once(async move {
            match store
                .get(&ctx, ResourceKind::Group, &id, Wants::MEMBERS)
                .await
            {
                Ok(group) => Ok(group.references.unwrap_or_default()),
                Err(err) if err.status == http::StatusCode::NOT_FOUND => Ok(Vec::new()),
                Err(err) => Err(err),
            }
        })
        .boxed()
    }
}

/// The full wire representation of a stored resource (before projection): the document plus
/// `id`, `meta`, the computed references and extensions.
pub fn render(resource: &StoredResource, base_url: &str) -> Value {
    let mut doc = match &resource.document {
        Value::Object(map) => Value::Object(map.clone()),
        _ => json!({}),
    };
    doc["id"] = resource.id.clone().into();
    doc["meta"] = json!({
        "resourceType": resource.kind.as_str(),
        "created": resource.created.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "lastModified": resource.last_modified.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "location": location(base_url, resource.kind, &resource.id),
        "version": resource.etag(),
    });
    if let Some(references) = &resource.references {
        let key = match resource.kind {
            ResourceKind::User => "groups",
            ResourceKind::Group => "members",
        };
        let values: Vec<Value> = references
            .iter()
            .map(|r| render_reference(r, resource.kind, base_url))
            .collect();
        doc[key] = Value::Array(values);
    }
    for (urn, extension) in &resource.extensions {
        doc[*urn] = extension.clone();
        if let Some(schemas) = doc.get_mut("schemas").and_then(Value::as_array_mut)
            && !schemas.iter().any(|s| s == urn)
        {
            schemas.push((*urn).into());
        }
    }
    doc
}

/// One reference of a resource of `owner` kind, as the wire shows it.
pub fn render_reference(r: &Reference, owner: ResourceKind, base_url: &str) -> Value {
    let target = if r.kind == "Group" {
        ResourceKind::Group
    } else {
        ResourceKind::User
    };
    let mut v = json!({
        "value": r.value,
        "$ref": location(base_url, target, &r.value),
        "type": r.kind,
    });
    // A User's groups carry their names; a Group's members are value, $ref and type only, so
    // a client that writes members reads back exactly what it wrote.
    if let (ResourceKind::User, Some(display)) = (owner, &r.display) {
        v["display"] = display.clone().into();
    }
    v
}

/// The absolute URL of a resource.
pub fn location(base_url: &str, kind: ResourceKind, id: &str) -> String {
    format!("{base_url}{}/{id}", kind.endpoint())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_accepts_the_current_weak_or_strong_tag_or_star() {
        for header in [r#"W/"3""#, r#""3""#, "*", r#"W/"1", W/"3""#] {
            assert!(
                Precondition(Some(header.into())).check(3).is_ok(),
                "{header}"
            );
        }
        assert!(Precondition(None).check(3).is_ok());
    }

    #[test]
    fn stale_if_match_is_412_invalid_vers() {
        let err = Precondition(Some(r#"W/"2""#.into())).check(3).unwrap_err();
        assert_eq!(err.status, http::StatusCode::PRECONDITION_FAILED);
        assert_eq!(err.scim_type, Some(crate::ScimType::InvalidVers));
    }

    #[test]
    fn render_adds_id_meta_and_references() {
        let created = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let resource = StoredResource {
            kind: ResourceKind::Group,
            id: "g1".into(),
            document: json!({"schemas": [crate::schema::GROUP_SCHEMA], "displayName": "Sales"}),
            version: 2,
            created,
            last_modified: created,
            references: Some(vec![Reference {
                value: "u1".into(),
                display: Some("Ann".into()),
                kind: "User",
            }]),
            extensions: vec![],
        };
        let doc = render(&resource, "https://r.example/scim/acme/learning/v2");
        assert_eq!(doc["id"], "g1");
        assert_eq!(
            doc["meta"]["location"],
            "https://r.example/scim/acme/learning/v2/Groups/g1"
        );
        assert_eq!(doc["meta"]["version"], "W/\"2\"");
        assert_eq!(doc["meta"]["resourceType"], "Group");
        assert_eq!(
            doc["members"][0]["$ref"],
            "https://r.example/scim/acme/learning/v2/Users/u1"
        );
        assert!(
            doc["members"][0].get("display").is_none(),
            "members are value, $ref and type"
        );
    }
}
