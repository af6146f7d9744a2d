//! SCIM media types: responses are `application/scim+json`; requests may say that or
//! `application/json` (RFC 7644 section 3.1), anything else is 415.

use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, header};

use crate::ScimError;

pub const SCIM_JSON: &str = "application/scim+json";

/// A JSON body sent as `application/scim+json`.
#[derive(Debug, Clone)]
pub struct ScimJson<T>(pub T);

impl<T: serde::Serialize> IntoResponse for ScimJson<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(bytes) => (
                [(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON))],
                bytes,
            )
                .into_response(),
            Err(err) => {
                tracing::error!(error = %err, "could not serialize a SCIM response");
                http::StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }
}

/// Checks a request's `Content-Type` for a body-carrying SCIM request. A missing header is
/// tolerated (several IdPs omit it on PATCH); a present one must be a JSON type.
pub fn check_content_type(headers: &HeaderMap) -> Result<(), ScimError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let essence = value
        .to_str()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence == SCIM_JSON || essence == "application/json" {
        Ok(())
    } else {
        Err(ScimError::unsupported_media_type(format!(
            "Content-Type `{essence}` is not supported; send `application/scim+json` or `application/json`"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(ct: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
        h
    }

    #[test]
    fn accepts_both_json_types_with_parameters() {
        assert!(check_content_type(&headers("application/scim+json")).is_ok());
        assert!(check_content_type(&headers("application/json; charset=utf-8")).is_ok());
        assert!(check_content_type(&headers("Application/SCIM+JSON")).is_ok());
        assert!(check_content_type(&HeaderMap::new()).is_ok());
    }

    #[test]
    fn refuses_other_types_with_415() {
        let err = check_content_type(&headers("text/xml")).unwrap_err();
        assert_eq!(err.status, http::StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(err.detail.contains("text/xml"));
    }
}
