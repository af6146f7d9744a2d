//! Rendering askama templates into responses, and the chrome (title, navigation, notice) every
//! page's layout shows around it.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// What the shared layout shows around a page.
#[derive(Debug, Clone, Default)]
pub struct Chrome {
    /// The page's own title; the layout appends the product name.
    pub title: String,
    /// The signed-in navigation; `None` on sign-in and error pages.
    pub nav: Option<Nav>,
    /// A one-line confirmation left by the previous action.
    pub notice: Option<String>,
}

/// The navigation bar of a signed-in page.
#[derive(Debug, Clone)]
pub struct Nav {
    pub home: String,
    /// The tenant's name, or "Operator console".
    pub org: String,
    pub who: String,
    pub role: &'static str,
    pub links: Vec<NavLink>,
    /// The password page, for admins.
    pub account: Option<String>,
    pub logout_action: String,
    pub csrf: String,
}

/// One navigation entry.
#[derive(Debug, Clone)]
pub struct NavLink {
    pub href: String,
    pub label: &'static str,
    pub current: bool,
}

impl Chrome {
    /// A page without navigation (sign-in, errors).
    pub fn bare(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            ..Self::default()
        }
    }
}

/// A rendered page with status 200.
pub struct Page<T>(pub T);

impl<T: Template> IntoResponse for Page<T> {
    fn into_response(self) -> Response {
        page(StatusCode::OK, &self.0)
    }
}

/// Renders `template` with `status`; a template that fails to render is a logged 500.
pub fn page<T: Template>(status: StatusCode, template: &T) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "a page template failed to render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html("<!doctype html><title>Error</title><p>Something went wrong on our side.</p>"),
            )
                .into_response()
        }
    }
}

/// A time as pages show it: `2026-11-23 14:05 UTC`.
pub fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// An optional time, or `never`.
pub fn when_or_never(at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    at.map_or_else(|| "never".to_owned(), when)
}
