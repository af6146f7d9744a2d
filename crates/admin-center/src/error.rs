//! The admin center's error: every handler returns `Result<_, AdminError>`, and each variant
//! renders as a full HTML page in the layout (or, for [`AdminError::SignIn`], a redirect to the
//! sign-in page). Validation problems are not errors: handlers re-render their form with a
//! message. Internal failures are logged with context and shown as a generic 500 page; the
//! browser never sees SQL or a stack.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::render::{Chrome, page};

/// Why a request got no page of its own.
#[derive(Debug)]
pub enum AdminError {
    /// No such page, or a page of another tenant (deliberately indistinguishable).
    NotFound,
    /// Signed in, but this role may not do this; the message says what to do instead.
    Forbidden(String),
    /// The form's CSRF token did not match the session's.
    Csrf,
    /// A form body that could not be read at all.
    BadRequest,
    /// Not signed in (or the session timed out): go to this sign-in URL.
    SignIn(String),
    /// Too many sign-ins being checked at once: 503 with `Retry-After`.
    Busy,
    /// A failure on our side; the text is logged, never shown.
    Internal(String),
}

impl AdminError {
    pub fn internal(what: impl Into<String>) -> Self {
        AdminError::Internal(what.into())
    }
}

impl From<rosterd_tenancy::Error> for AdminError {
    fn from(err: rosterd_tenancy::Error) -> Self {
        match err {
            rosterd_tenancy::Error::TenantNotFound(_)
            | rosterd_tenancy::Error::ClientNotFound(_)
            | rosterd_tenancy::Error::ClientSecretNotFound(_) => AdminError::NotFound,
            rosterd_tenancy::Error::ClientRevoked(_) => AdminError::Forbidden(
                "This OAuth client is revoked: create a new client instead.".to_owned(),
            ),
            rosterd_tenancy::Error::Busy => AdminError::Busy,
            other => AdminError::Internal(format!("tenancy: {other}")),
        }
    }
}

impl From<rosterd_ledger::Error> for AdminError {
    fn from(err: rosterd_ledger::Error) -> Self {
        AdminError::Internal(format!("ledger: {err}"))
    }
}

impl From<rosterd_licensing::Error> for AdminError {
    fn from(err: rosterd_licensing::Error) -> Self {
        AdminError::Internal(format!("licensing: {err}"))
    }
}

impl From<rosterd_database::DatabaseError> for AdminError {
    fn from(err: rosterd_database::DatabaseError) -> Self {
        AdminError::Internal(format!("database: {err}"))
    }
}

/// The `Retry-After` of a busy answer, in seconds.
const BUSY_RETRY_SECS: u32 = 5;

/// The error page.
#[derive(Template)]
#[template(path = "error/page.html")]
struct ErrorPage {
    chrome: Chrome,
    status: u16,
    heading: &'static str,
    message: String,
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let (status, heading, message) = match self {
            AdminError::SignIn(to) => return Redirect::to(&to).into_response(),
            AdminError::NotFound => (
                StatusCode::NOT_FOUND,
                "Page not found",
                "There is no page at this address. Check the link, or start again from your overview."
                    .to_owned(),
            ),
            AdminError::Forbidden(message) => {
                (StatusCode::FORBIDDEN, "You can't do this here", message)
            }
            AdminError::Csrf => (
                StatusCode::FORBIDDEN,
                "This form has expired",
                "The form was sent from an old page or from another site, so nothing was changed. Go back, reload the page and try again."
                    .to_owned(),
            ),
            AdminError::Busy => {
                let mut res = page(
                    StatusCode::SERVICE_UNAVAILABLE,
                    &ErrorPage {
                        chrome: Chrome::bare("Too many sign-ins right now"),
                        status: 503,
                        heading: "Too many sign-ins right now",
                        message: format!(
                            "rosterd is checking many passwords at once, so yours was not checked and this attempt does not count. Wait {BUSY_RETRY_SECS} seconds and sign in again."
                        ),
                    },
                );
                res.headers_mut().insert(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from(BUSY_RETRY_SECS),
                );
                return res;
            }
            AdminError::BadRequest => (
                StatusCode::BAD_REQUEST,
                "The form could not be read",
                "Nothing was changed. Reload the page and try again.".to_owned(),
            ),
            AdminError::Internal(what) => {
                tracing::error!(error = %what, "admin center request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side",
                    "Nothing you did caused this. Try again in a moment; if it keeps happening, contact support."
                        .to_owned(),
                )
            }
        };
        page(
            status,
            &ErrorPage {
                chrome: Chrome::bare(heading),
                status: status.as_u16(),
                heading,
                message,
            },
        )
    }
}
