//! CSRF protection: one random token per session, put into every state-changing form as a hidden
//! `csrf` field and checked (in constant time) before any POST handler runs.
//!
//! The sign-in forms are protected against login CSRF without a session: a visitor who has not
//! signed in has no session (so showing a sign-in page writes nothing to the session store).
//! The form's token is a double-submit cookie instead ([`LoginToken`]): a random value in an
//! `HttpOnly`, `SameSite=Strict` cookie scoped to the area, repeated in the form; a sign-in POST
//! whose field does not match the cookie is refused like any other CSRF failure. Another site
//! can neither read the cookie nor make the browser send it with a cross-site POST.

use axum::extract::{Form, FromRequest, FromRequestParts, Request};
use axum::http::HeaderMap;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq as _;
use tower_sessions::Session;
use tower_sessions::cookie::{Cookie, SameSite};

use crate::AdminState;
use crate::area::Area;
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

/// The sign-in form's double-submit token of one area.
#[derive(Debug, Clone)]
pub struct LoginToken {
    pub value: String,
    /// The cookie to set, when the browser did not bring a usable one.
    set_cookie: Option<String>,
}

impl LoginToken {
    /// The token the browser's cookie carries for `area`, or a new one to set.
    pub fn for_page(headers: &HeaderMap, state: &AdminState, area: Area) -> Self {
        if let Some(value) = login_cookie(headers, area) {
            return LoginToken {
                value,
                set_cookie: None,
            };
        }
        let value = fresh_token();
        let cookie = Cookie::build((area.login_cookie(), value.clone()))
            .path(area.path())
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(state.secure_cookies)
            .build();
        LoginToken {
            value,
            set_cookie: Some(cookie.to_string()),
        }
    }

    /// `res` with the token's cookie set, if it is new.
    pub fn attach(&self, mut res: Response) -> Response {
        if let Some(cookie) = self.set_cookie.as_deref().and_then(|c| c.parse().ok()) {
            res.headers_mut().append(SET_COOKIE, cookie);
        }
        res
    }
}

/// The area's login cookie, if it looks like one of our tokens.
fn login_cookie(headers: &HeaderMap, area: Area) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == area.login_cookie())
        .map(|(_, value)| value.to_owned())
        .filter(|v| {
            v.len() == 43
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// A sign-in form whose `csrf` field matched the area's login cookie; anything else is
/// refused with 403, before any password is looked at.
#[derive(Debug)]
pub struct LoginChecked<T> {
    pub form: T,
    /// The token, for re-rendering the form.
    pub token: String,
}

/// The area a request is in, by its path.
fn area_of(path: &str) -> Area {
    if path.starts_with("/operator") {
        Area::Operator
    } else {
        Area::Admin
    }
}

impl<T> FromRequest<AdminState> for LoginChecked<T>
where
    T: DeserializeOwned + CsrfField + Send,
{
    type Rejection = AdminError;

    async fn from_request(req: Request, state: &AdminState) -> Result<Self, AdminError> {
        let expected = login_cookie(req.headers(), area_of(req.uri().path()));
        let Form(form) = Form::<T>::from_request(req, state)
            .await
            .map_err(|_| AdminError::BadRequest)?;
        match expected {
            Some(token) if bool::from(token.as_bytes().ct_eq(form.csrf().as_bytes())) => {
                Ok(LoginChecked { form, token })
            }
            _ => Err(AdminError::Csrf),
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
