//! CSRF protection: one random token per session, put into every state-changing form as a hidden
//! `csrf` field and checked (in constant time) before any POST handler runs. The login form has
//! one too (login CSRF), kept in the not-yet-signed-in session.

use axum::extract::{Form, FromRequest, FromRequestParts, Request};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq as _;
use tower_sessions::Session;

use crate::AdminState;
use crate::error::AdminError;

const KEY: &str = "csrf";

fn fresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The session's CSRF token, made on first use.
pub async fn token(session: &Session) -> Result<String, AdminError> {
    let existing: Option<String> = session
        .get(KEY)
        .await
        .map_err(|e| AdminError::internal(format!("session: {e}")))?;
    match existing {
        Some(token) => Ok(token),
        None => rotate(session).await,
    }
}

/// Replaces the session's CSRF token (at sign-in) and returns the new one.
pub async fn rotate(session: &Session) -> Result<String, AdminError> {
    let token = fresh_token();
    session
        .insert(KEY, &token)
        .await
        .map_err(|e| AdminError::internal(format!("session: {e}")))?;
    Ok(token)
}

/// A form that carries the CSRF token in its `csrf` field. Form structs derive `Default` and are
/// `#[serde(default)]`, so a missing field is a validation message, not a parse failure.
pub trait CsrfField {
    fn csrf(&self) -> &str;
}

/// Implements [`CsrfField`] for form structs with a `csrf: String` field.
macro_rules! csrf_form {
    ($($form:ty),+ $(,)?) => {
        $(impl $crate::csrf::CsrfField for $form {
            fn csrf(&self) -> &str {
                &self.csrf
            }
        })+
    };
}
pub(crate) use csrf_form;

/// A form with nothing but the token (logout, revoke, suspend...).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct CsrfOnly {
    pub csrf: String,
}
csrf_form!(CsrfOnly);

/// A form whose CSRF token matched the session's; anything else is refused with 403.
#[derive(Debug)]
pub struct Checked<T>(pub T);

impl<T> FromRequest<AdminState> for Checked<T>
where
    T: DeserializeOwned + CsrfField + Send,
{
    type Rejection = AdminError;

    async fn from_request(req: Request, state: &AdminState) -> Result<Self, AdminError> {
        let (mut parts, body) = req.into_parts();
        let session = Session::from_request_parts(&mut parts, state)
            .await
            .map_err(|(_, msg)| AdminError::internal(format!("session layer: {msg}")))?;
        let expected: Option<String> = session
            .get(KEY)
            .await
            .map_err(|e| AdminError::internal(format!("session: {e}")))?;
        // Forms default every field (`#[serde(default)]`), so only a mangled body fails here.
        let Form(form) = Form::<T>::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|_| AdminError::BadRequest)?;
        let ok = expected
            .is_some_and(|expected| bool::from(expected.as_bytes().ct_eq(form.csrf().as_bytes())));
        if ok {
            Ok(Checked(form))
        } else {
            Err(AdminError::Csrf)
        }
    }
}

/// A form read as its list of fields, for forms whose fields are named at run time (one seat
/// input per license kind).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(transparent)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    /// The first value of field `name`, or `""`.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

impl CsrfField for Fields {
    fn csrf(&self) -> &str {
        self.get("csrf")
    }
}
