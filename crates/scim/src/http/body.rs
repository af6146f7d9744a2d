//! Extractors for what a SCIM request carries: a JSON body (media type checked, size limited,
//! parsed) and the query parameters, each failing with a [`ScimError`] instead of axum's plain
//! text rejections, so an IdP always gets an RFC 7644 error body.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use http::StatusCode;
use http::request::Parts;
use serde_json::Value;

use crate::ScimError;
use crate::media::check_content_type;
use crate::projection::Projection;
use crate::resource::ResourceKind;

/// A request body as bytes, after its `Content-Type` was checked (415) and within the app's
/// `DefaultBodyLimit` (413).
#[derive(Debug)]
pub(super) struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ScimError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ScimError> {
        check_content_type(req.headers())?;
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ScimError::payload_too_large(
                    "The request body is larger than this server accepts. Send fewer \
                         attributes or members per request (PATCH members in smaller batches), \
                         or split a Bulk request.",
                )
            } else {
                ScimError::invalid_syntax(format!(
                    "The request body could not be read: {rejection}"
                ))
            }
        })?;
        Ok(Self(bytes))
    }
}

/// A request body parsed as JSON (any JSON value; the handler checks its shape).
#[derive(Debug)]
pub(super) struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ScimError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ScimError> {
        let RawBody(bytes) = RawBody::from_request(req, state).await?;
        parse_json(&bytes).map(Self)
    }
}

/// Parses a body as JSON; 400 `invalidSyntax` with serde's message (line and column) otherwise.
pub(super) fn parse_json(bytes: &[u8]) -> Result<Value, ScimError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ScimError::invalid_syntax(
            "The request body is empty; this request needs a JSON body.",
        ));
    }
    serde_json::from_slice(bytes).map_err(|err| {
        ScimError::invalid_syntax(format!("The request body is not valid JSON: {err}"))
    })
}

/// The query parameters, in order; names are matched case-insensitively.
#[derive(Debug, Default)]
pub(super) struct QueryParams(Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ScimError> {
        Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
            .map(|Query(pairs)| Self(pairs))
            .map_err(|err| {
                ScimError::invalid_syntax(format!("The query string could not be parsed: {err}"))
            })
    }
}

impl QueryParams {
    /// The first value of the parameter `name`, if present (possibly empty).
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Whether the request names `attributes` or `excludedAttributes` at all (even empty).
    pub(super) fn asks_projection(&self) -> bool {
        self.get("attributes").is_some() || self.get("excludedAttributes").is_some()
    }

    /// The `attributes` / `excludedAttributes` projection for a resource of `kind`.
    pub(super) fn projection(&self, kind: ResourceKind) -> Projection {
        Projection::parse(kind, self.get("attributes"), self.get("excludedAttributes"))
    }
}
