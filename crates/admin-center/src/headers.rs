//! Security headers on every admin-center and operator-console response: a CSP that allows no
//! inline script or style and no framing, no MIME sniffing, same-origin referrers, and no
//! caching of pages (they show tokens and people's data). Static assets keep their own
//! `Cache-Control`. When people reach rosterd over https (the public URL), HSTS tells browsers
//! to use nothing else for a year, so a network attacker cannot downgrade a later visit to http.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::Response;

use crate::AdminState;

/// The Content-Security-Policy of every page.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// The `Strict-Transport-Security` value: one year. No `includeSubDomains`: rosterd does not
/// own its operator's other subdomains.
pub const HSTS: &str = "max-age=31536000";

/// Adds the security headers to a response.
pub async fn secure(State(state): State<AdminState>, mut res: Response) -> Response {
    let headers = res.headers_mut();
    if state.secure_cookies {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}
