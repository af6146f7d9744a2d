//! The single-resource endpoints, one generic set for Users and Groups (RFC 7644 sections 3.3,
//! 3.4.1, 3.5 and 3.6): each extracts, calls the store once and maps the result.

use axum::Extension;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode};

use super::KindState;
use super::body::{JsonBody, QueryParams};
use super::headers::{
    no_content_response, not_modified, not_modified_response, precondition, resource_response,
};
use super::streamed::{StreamedGroup, group_response};
use crate::ScimError;
use crate::context::ScimContext;
use crate::patch::parse_patch_request_within;
use crate::projection::Projection;
use crate::resource::{ResourceKind, WriteMode, normalize};
use crate::schema::LICENSE_EXTENSION_SCHEMA;
use crate::store::{ScimStore, Wants};

/// `POST /Users`, `POST /Groups`: 201 with `Location`, `ETag` and the created resource.
pub(super) async fn create<S: ScimStore>(
    State(state): State<KindState<S>>,
    Extension(ctx): Extension<ScimContext>,
    params: QueryParams,
    JsonBody(body): JsonBody,
) -> Result<Response, ScimError> {
    let input = normalize(state.kind, body, WriteMode::Create)?;
    let projection = params.projection(state.kind);
    let created = state
        .shared
        .store
        .create(&ctx, state.kind, input, wants(&projection, state.kind))
        .await?;
    Ok(resource_response(
        StatusCode::CREATED,
        &created,
        &ctx,
        &projection,
    ))
}

/// `GET /Users/{id}`, `GET /Groups/{id}`: 200 with `ETag`, or 304 when `If-None-Match` names the
/// current version.
pub(super) async fn get<S: ScimStore>(
    State(state): State<KindState<S>>,
    Extension(ctx): Extension<ScimContext>,
    ResourceId(id): ResourceId,
    params: QueryParams,
    headers: HeaderMap,
) -> Result<Response, ScimError> {
    let projection = params.projection(state.kind);
    let wants = wants(&projection, state.kind);
    if state.kind == ResourceKind::Group && wants.members {
        // The members go out as they are read: memory does not grow with the group.
        let (group, members) = state.shared.store.get_group_streamed(&ctx, &id).await?;
        let etag = group.etag();
        if not_modified(&headers, &etag) {
            return Ok(not_modified_response(&etag));
        }
        let streamed = StreamedGroup::new(&group, members, &ctx.base_url, &projection);
        return Ok(group_response(
            streamed,
            &etag,
            ctx.base_url.clone(),
            projection,
        ));
    }
    let resource = state.shared.store.get(&ctx, state.kind, &id, wants).await?;
    if not_modified(&headers, &resource.etag()) {
        return Ok(not_modified_response(&resource.etag()));
    }
    Ok(resource_response(
        StatusCode::OK,
        &resource,
        &ctx,
        &projection,
    ))
}

/// `PUT /Users/{id}`, `PUT /Groups/{id}`: 200 with the replaced resource; `If-Match` honoured.
pub(super) async fn replace<S: ScimStore>(
    State(state): State<KindState<S>>,
    Extension(ctx): Extension<ScimContext>,
    ResourceId(id): ResourceId,
    params: QueryParams,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ScimError> {
    let input = normalize(state.kind, body, WriteMode::Replace)?;
    let projection = params.projection(state.kind);
    let replaced = state
        .shared
        .store
        .replace(
            &ctx,
            state.kind,
            &id,
            input,
            &precondition(&headers),
            wants(&projection, state.kind),
        )
        .await?;
    Ok(resource_response(
        StatusCode::OK,
        &replaced,
        &ctx,
        &projection,
    ))
}

/// `PATCH /Users/{id}`, `PATCH /Groups/{id}`. A User answers 200 with the patched resource,
/// projected as asked (Okta and strict checkers read the result from the response). A Group
/// answers **204 No Content** (RFC 7644 section 3.5.2), with the new `ETag`, unless the request
/// names `attributes` or `excludedAttributes`: then 200 with that projection. So a membership
/// change in a 100,000-member group reads and sends no member list; Entra ID and Okta accept
/// 204 for a Group PATCH.
pub(super) async fn patch<S: ScimStore>(
    State(state): State<KindState<S>>,
    Extension(ctx): Extension<ScimContext>,
    ResourceId(id): ResourceId,
    params: QueryParams,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ScimError> {
    let operations = parse_patch_request_within(&body, state.shared.limits.max_patch_operations)?;
    let projection = params.projection(state.kind);
    let answers_no_content = state.kind == ResourceKind::Group && !params.asks_projection();
    let wants = if answers_no_content {
        Wants::NONE
    } else {
        wants(&projection, state.kind)
    };
    let patched = state
        .shared
        .store
        .patch(
            &ctx,
            state.kind,
            &id,
            &operations,
            &precondition(&headers),
            wants,
        )
        .await?;
    if answers_no_content {
        return Ok(no_content_response(&patched.etag()));
    }
    Ok(resource_response(
        StatusCode::OK,
        &patched,
        &ctx,
        &projection,
    ))
}

/// `DELETE /Users/{id}`, `DELETE /Groups/{id}`: 204; `If-Match` honoured.
pub(super) async fn delete<S: ScimStore>(
    State(state): State<KindState<S>>,
    Extension(ctx): Extension<ScimContext>,
    ResourceId(id): ResourceId,
    headers: HeaderMap,
) -> Result<Response, ScimError> {
    state
        .shared
        .store
        .delete(&ctx, state.kind, &id, &precondition(&headers))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Which computed attributes a projected response of `kind` carries.
pub(super) fn wants(projection: &Projection, kind: ResourceKind) -> Wants {
    Wants {
        members: projection.wants(kind, "members"),
        groups: projection.wants(kind, "groups"),
        extensions: kind == ResourceKind::User
            && projection.wants(kind, &format!("{LICENSE_EXTENSION_SCHEMA}:licenses")),
    }
}

/// The `{id}` path parameter. The app router is nested under `/scim/{tenant}/{product}/v2`, so
/// handlers see those parameters too and must pick `id` by name.
pub(crate) struct ResourceId(pub String);

impl<St: Send + Sync> axum::extract::FromRequestParts<St> for ResourceId {
    type Rejection = ScimError;

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        state: &St,
    ) -> Result<Self, Self::Rejection> {
        let Path(params) = Path::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|_| ScimError::not_found("the resource id is missing from the path"))?;
        let id = crate::router::path_param(&params, "id");
        // No resource has a NUL in its id (`%00`), and PostgreSQL cannot even compare one.
        if id.contains('\0') {
            return Err(ScimError::not_found("no resource has this id"));
        }
        Ok(Self(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wants_of(kind: ResourceKind, attributes: Option<&str>, excluded: Option<&str>) -> Wants {
        wants(&Projection::parse(kind, attributes, excluded), kind)
    }

    #[test]
    fn the_license_extension_is_loaded_only_when_asked_for() {
        use ResourceKind::{Group, User};
        let urn = LICENSE_EXTENSION_SCHEMA;
        let licenses = format!("{urn}:licenses");
        assert!(!wants_of(User, None, None).extensions, "returned: request");
        assert!(!wants_of(User, Some("userName"), None).extensions);
        assert!(!wants_of(User, None, Some("groups")).extensions);
        assert!(wants_of(User, Some(urn), None).extensions);
        assert!(wants_of(User, Some(&licenses), None).extensions);
        assert!(wants_of(User, Some(&format!("userName,{urn}")), None).extensions);
        assert!(!wants_of(Group, Some(urn), None).extensions, "Users only");
    }

    #[test]
    fn members_and_groups_follow_the_projection() {
        let user = wants_of(ResourceKind::User, None, Some("groups"));
        assert!(!user.groups);
        let group = wants_of(ResourceKind::Group, Some("displayName"), None);
        assert!(!group.members);
        assert!(wants_of(ResourceKind::Group, None, None).members);
    }
}
