//! The OAuth 2.0 token endpoint of each product app, `POST /scim/{tenant}/{product}/oauth/token`
//! (RFC 6749 section 4.4, the client credentials grant): the HTTP edge only. It parses the form
//! and the client's credentials (HTTP Basic, or `client_id` and `client_secret` in the form,
//! section 2.3.1), asks [`rosterd_tenancy::oauth::grant_client_credentials`], and answers per
//! section 5.1 (`access_token`, `token_type`, `expires_in`) or 5.2 (`error`,
//! `error_description`), never cached. It sits outside SCIM authentication: the client's
//! credentials are its authentication.

use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::Duration;
use std::sync::Arc;

use rosterd_domain::{Clock, Product};
use rosterd_tenancy::oauth::{AccessTokenRequest, GrantError, grant_client_credentials};
use sea_orm::DatabaseConnection;
use serde_json::json;
use tracing::Span;

/// The route of every app's token endpoint.
pub const TOKEN_ROUTE: &str = "/scim/{tenant}/{product}/oauth/token";

/// What the token endpoint needs.
#[derive(Clone)]
pub struct TokenEndpoint {
    /// Where access tokens are written (the server's writer connection).
    pub db: DatabaseConnection,
    pub clock: Arc<dyn Clock>,
    /// How long an access token lives (`oauth_access_token_minutes`).
    pub lifetime: Duration,
}

/// The token endpoint's route, for the server to merge.
pub fn router<S: Clone + Send + Sync + 'static>(endpoint: TokenEndpoint) -> Router<S> {
    Router::new()
        .route(TOKEN_ROUTE, post(token))
        .with_state(endpoint)
}

/// The one grant type the endpoint serves.
const CLIENT_CREDENTIALS: &str = "client_credentials";

/// An RFC 6749 section 5.2 error answer.
#[derive(Debug)]
struct OAuthError {
    status: StatusCode,
    code: &'static str,
    description: String,
}

impl OAuthError {
    fn invalid_request(description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_request",
            description: description.into(),
        }
    }

    fn invalid_client(description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            code: "invalid_client",
            description: description.into(),
        }
    }
}

impl From<GrantError> for OAuthError {
    fn from(err: GrantError) -> Self {
        let status = match &err {
            GrantError::Database(_) => {
                tracing::error!(error = %err, "the token endpoint failed");
                return Self {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    code: "server_error",
                    description: "The token endpoint could not answer; try again later.".into(),
                };
            }
            _ if err.code() == "invalid_client" => StatusCode::UNAUTHORIZED,
            _ => StatusCode::BAD_REQUEST,
        };
        Self {
            status,
            code: err.code(),
            description: err.to_string(),
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut res = (
            self.status,
            no_store(),
            axum::Json(json!({ "error": self.code, "error_description": self.description })),
        )
            .into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            // Section 5.2: a 401 names the authentication scheme the client may use.
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"rosterd\", charset=\"UTF-8\""),
            );
        }
        res
    }
}

/// Token responses and their errors hold credentials or answer for them: never cached
/// (section 5.1).
fn no_store() -> [(header::HeaderName, &'static str); 2] {
    [
        (header::CACHE_CONTROL, "no-store"),
        (header::PRAGMA, "no-cache"),
    ]
}

/// `POST /scim/{tenant}/{product}/oauth/token`.
pub async fn token(
    State(state): State<TokenEndpoint>,
    Path((tenant, product)): Path<(String, String)>,
    headers: HeaderMap,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    match answer(&state, &tenant, &product, &headers, form).await {
        Ok(res) => res,
        Err(err) => err.into_response(),
    }
}

async fn answer(
    state: &TokenEndpoint,
    tenant: &str,
    product: &str,
    headers: &HeaderMap,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, OAuthError> {
    let product: Product = product.parse().map_err(|_| OAuthError {
        status: StatusCode::NOT_FOUND,
        code: "invalid_request",
        description: format!(
            "No SCIM app `{product}`; the apps are learning, sales-navigator and teamlink-extend."
        ),
    })?;
    let Form(pairs) = form.map_err(|_| {
        OAuthError::invalid_request(
            "The token request must be a form (Content-Type: application/x-www-form-urlencoded) \
             with grant_type=client_credentials.",
        )
    })?;
    let params = Params::new(&pairs)?;
    match params.get("grant_type") {
        None => {
            return Err(OAuthError::invalid_request(
                "grant_type is missing; send grant_type=client_credentials.",
            ));
        }
        Some(CLIENT_CREDENTIALS) => {}
        Some(other) => {
            return Err(OAuthError {
                status: StatusCode::BAD_REQUEST,
                code: "unsupported_grant_type",
                description: format!(
                    "grant_type `{other}` is not supported; this endpoint issues tokens for \
                     grant_type=client_credentials only."
                ),
            });
        }
    }
    let (client_id, client_secret) = credentials(headers, &params)?;
    let request = AccessTokenRequest {
        tenant,
        product,
        client_id: &client_id,
        client_secret: &client_secret,
        scope: params.get("scope"),
        lifetime: state.lifetime,
    };
    let issued = grant_client_credentials(&state.db, state.clock.as_ref(), &request).await?;
    let span = Span::current();
    span.record("tenant", tenant);
    span.record("product", product.slug());
    Ok((
        StatusCode::OK,
        no_store(),
        axum::Json(json!({
            "access_token": issued.token.expose(),
            "token_type": "Bearer",
            "expires_in": issued.expires_in,
            "scope": issued.scope,
        })),
    )
        .into_response())
}

/// The form's parameters; each at most once (section 3.2). Empty values count as absent
/// (section 3.1).
struct Params<'a>(Vec<(&'a str, &'a str)>);

impl<'a> Params<'a> {
    fn new(pairs: &'a [(String, String)]) -> Result<Self, OAuthError> {
        let mut seen: Vec<(&str, &str)> = Vec::with_capacity(pairs.len());
        for (name, value) in pairs {
            if seen.iter().any(|(n, _)| n == name) {
                return Err(OAuthError::invalid_request(format!(
                    "`{name}` is sent more than once; send each parameter once."
                )));
            }
            seen.push((name, value));
        }
        Ok(Self(seen))
    }

    fn get(&self, name: &str) -> Option<&'a str> {
        self.0
            .iter()
            .find(|(n, v)| *n == name && !v.is_empty())
            .map(|(_, v)| *v)
    }
}

/// The client's id and secret: from HTTP Basic, or from the form; not both (section 2.3).
fn credentials(headers: &HeaderMap, params: &Params<'_>) -> Result<(String, String), OAuthError> {
    let in_form = (params.get("client_id"), params.get("client_secret"));
    let basic = match headers.get(header::AUTHORIZATION) {
        None => None,
        Some(value) => Some(basic_credentials(value).ok_or_else(|| {
            OAuthError::invalid_client(
                "The Authorization header is not HTTP Basic with the client id and secret \
                 (`Basic base64(client_id:client_secret)`).",
            )
        })?),
    };
    match (basic, in_form) {
        (Some(_), (Some(_), _) | (_, Some(_))) => Err(OAuthError::invalid_request(
            "The client authenticates twice: send the id and secret either with HTTP Basic or \
             in the form, not both.",
        )),
        (Some(pair), _) => Ok(pair),
        (None, (Some(id), Some(secret))) => Ok((id.to_owned(), secret.to_owned())),
        (None, (Some(_), None)) => Err(OAuthError::invalid_client(
            "client_secret is missing: send the client's id and secret (HTTP Basic, or \
             client_id and client_secret in the form).",
        )),
        (None, _) => Err(OAuthError::invalid_client(
            "No client authentication: send the client's id and secret (HTTP Basic, or \
             client_id and client_secret in the form).",
        )),
    }
}

/// `Basic base64(urlencode(id):urlencode(secret))` (section 2.3.1), decoded.
fn basic_credentials(value: &HeaderValue) -> Option<(String, String)> {
    let (scheme, encoded) = value.to_str().ok()?.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((form_decode(id)?, form_decode(secret)?))
}

/// Undoes `application/x-www-form-urlencoded` encoding (`+` is a space, `%XX` a byte).
fn form_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = text.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(raw: &str) -> Option<(String, String)> {
        basic_credentials(&HeaderValue::from_str(raw).unwrap())
    }

    #[test]
    fn basic_credentials_are_decoded() {
        let encoded = STANDARD.encode("rosterd_client_abc:rosterd_cs_x%2By+z");
        assert_eq!(
            basic(&format!("Basic {encoded}")),
            Some(("rosterd_client_abc".into(), "rosterd_cs_x+y z".into()))
        );
        assert_eq!(
            basic(&format!("basic  {encoded}")).map(|p| p.0),
            Some("rosterd_client_abc".into())
        );
        assert_eq!(basic(&format!("Bearer {encoded}")), None);
        assert_eq!(basic("Basic not-base64!"), None);
        assert_eq!(
            basic(&format!("Basic {}", STANDARD.encode("no-colon"))),
            None
        );
        assert_eq!(basic(&format!("Basic {}", STANDARD.encode("a:%zz"))), None);
    }

    #[test]
    fn parameters_are_sent_once_and_empty_ones_are_absent() {
        let pairs = vec![
            ("grant_type".to_owned(), "client_credentials".to_owned()),
            ("scope".to_owned(), String::new()),
        ];
        let params = Params::new(&pairs).unwrap();
        assert_eq!(params.get("grant_type"), Some("client_credentials"));
        assert_eq!(params.get("scope"), None);
        let twice = vec![
            ("grant_type".to_owned(), "a".to_owned()),
            ("grant_type".to_owned(), "b".to_owned()),
        ];
        let err = Params::new(&twice).err().unwrap();
        assert_eq!(err.code, "invalid_request");
    }
}
