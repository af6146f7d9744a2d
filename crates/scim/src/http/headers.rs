//! The HTTP headers of resource responses and conditional requests: `ETag`, `Location`,
//! `If-Match` (passed to the store as a [`Precondition`]) and `If-None-Match` (304 on a GET).

use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};

use crate::context::ScimContext;
use crate::media::ScimJson;
use crate::projection::Projection;
use crate::store::{Precondition, StoredResource, location, render};

/// The request's `If-Match`, for the store to check against the current version.
pub(super) fn precondition(headers: &HeaderMap) -> Precondition {
    Precondition(
        headers
            .get(header::IF_MATCH)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned()),
    )
}

/// Whether the request's `If-None-Match` names `etag` (or `*`), compared weakly (RFC 9110
/// section 13.1.2): then a GET answers 304.
pub(super) fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    let Some(value) = headers.get(header::IF_NONE_MATCH) else {
        return false;
    };
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    let current = opaque(etag);
    String::from_utf8_lossy(value.as_bytes())
        .split(',')
        .any(|tag| tag.trim() == "*" || opaque(tag) == current)
}

/// A 304 for a GET whose `If-None-Match` matched: no body, the current `ETag`.
pub(super) fn not_modified_response(etag: &str) -> Response {
    let mut response = StatusCode::NOT_MODIFIED.into_response();
    insert_etag(response.headers_mut(), etag);
    response
}

/// A 204 for a write that answers without a body (a Group PATCH), with the new `ETag`.
pub(super) fn no_content_response(etag: &str) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    insert_etag(response.headers_mut(), etag);
    response
}

/// A resource response: the rendered resource, projected, as `application/scim+json`, with its
/// `ETag`, and with `Location` when `status` is 201.
pub(super) fn resource_response(
    status: StatusCode,
    resource: &StoredResource,
    ctx: &ScimContext,
    projection: &Projection,
) -> Response {
    let mut doc = render(resource, &ctx.base_url);
    projection.apply(resource.kind, &mut doc);
    let mut response = (status, ScimJson(doc)).into_response();
    insert_etag(response.headers_mut(), &resource.etag());
    if status == StatusCode::CREATED
        && let Ok(value) =
            HeaderValue::from_str(&location(&ctx.base_url, resource.kind, &resource.id))
    {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

fn insert_etag(headers: &mut HeaderMap, etag: &str) {
    if let Ok(value) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, value);
    }
}
