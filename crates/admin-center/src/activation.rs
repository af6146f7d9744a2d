//! The activation page, for the person a license was given to (no session, no sign-in):
//! `GET /activate/{token}` names the product and the org and asks to confirm; `POST` makes the
//! license active. A link that does not work says why, plainly: unknown (404), or expired,
//! already used, replaced by a newer link, or revoked (410 Gone).
//!
//! The GET never changes anything: mail scanners and link previews follow links in emails. The
//! POST is protected against cross-site forgery three ways: the path holds the 256-bit secret
//! (a forger cannot name the URL without it, and a holder of it could activate anyway); the form
//! carries a confirmation value bound to the link (a hash of it), so a POST must come from a
//! rendered confirmation page; and a POST whose `Origin` (or, without one, `Sec-Fetch-Site`)
//! says it came from another site is refused. No session, so no session cookie to ride on.
//!
//! The token is never logged: the request span names the route (`/activate/{token}`), not the
//! path, and failures are logged without it.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rosterd_ledger::ActivationError;
use sea_orm::TransactionTrait as _;
use serde::Deserialize;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::AdminState;
use crate::render::{Chrome, page, when};

/// The activation routes.
pub fn routes() -> Router<AdminState> {
    Router::new().route("/activate/{token}", get(show).post(confirm))
}

#[derive(Template)]
#[template(path = "activation/confirm.html")]
struct ConfirmPage {
    chrome: Chrome,
    org: String,
    product: &'static str,
    kind: &'static str,
    expires: String,
    action: String,
    confirm: String,
}

#[derive(Template)]
#[template(path = "activation/outcome.html")]
struct OutcomePage {
    chrome: Chrome,
    org: Option<String>,
    heading: &'static str,
    message: String,
    ok: bool,
}

/// The confirmation form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConfirmForm {
    confirm: String,
}

/// The confirmation value of a link's form: bound to the link, derived so the page need not
/// store anything.
fn confirmation_for(token: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"rosterd activation form\0");
    hasher.update(token.as_bytes());
    URL_SAFE_NO_PAD.encode(hasher.finalize())
}

fn outcome(
    status: StatusCode,
    org: Option<String>,
    heading: &'static str,
    message: String,
) -> Response {
    page(
        status,
        &OutcomePage {
            chrome: Chrome::bare(heading),
            org,
            heading,
            message,
            ok: status.is_success(),
        },
    )
}

/// A link that does not work, as the person sees it.
fn refused(err: ActivationError) -> Response {
    let (status, heading) = match &err {
        ActivationError::Unknown => (StatusCode::NOT_FOUND, "This link is not valid"),
        ActivationError::Expired => (StatusCode::GONE, "This link has expired"),
        ActivationError::Used => (StatusCode::GONE, "This link has already been used"),
        ActivationError::Superseded => (StatusCode::GONE, "This link was replaced"),
        ActivationError::Revoked => (StatusCode::GONE, "This license was revoked"),
        ActivationError::Ledger(inner) => {
            tracing::error!(error = %inner, "activation failed");
            return outcome(
                StatusCode::INTERNAL_SERVER_ERROR,
                None,
                "Something went wrong on our side",
                "Nothing was changed. Try the link again in a moment.".to_owned(),
            );
        }
    };
    outcome(status, None, heading, sentence(&err.to_string()))
}

/// The ledger's message as a sentence: capitalized, with a full stop.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

/// `GET /activate/{token}`: what the link is for, and the button to confirm.
async fn show(State(state): State<AdminState>, Path(token): Path<String>) -> Response {
    let info = match rosterd_ledger::activation_info(&state.db, state.clock.as_ref(), &token).await
    {
        Ok(info) => info,
        Err(err) => return refused(err),
    };
    let org = match rosterd_tenancy::find_tenant_by_id(&state.db, info.tenant_id).await {
        Ok(tenant) => tenant.name,
        Err(err) => {
            tracing::error!(error = %err, "activation page: tenant lookup failed");
            return refused(ActivationError::Unknown);
        }
    };
    let product = info.license.kind.product().display_name();
    page(
        StatusCode::OK,
        &ConfirmPage {
            chrome: Chrome::bare(format!("Activate your {product} license")),
            org,
            product,
            kind: info.license.kind.display_name(),
            expires: when(info.expires_at),
            action: format!("/activate/{token}"),
            confirm: confirmation_for(&token),
        },
    )
}

/// The origin of `public_url` (`scheme://host[:port]`).
fn origin_of(public_url: &str) -> &str {
    let after_scheme = public_url.find("://").map_or(0, |i| i + 3);
    match public_url[after_scheme..].find('/') {
        Some(slash) => &public_url[..after_scheme + slash],
        None => public_url,
    }
}

/// Whether the browser says the POST came from another site.
fn cross_site(headers: &HeaderMap, public_url: &str) -> bool {
    if let Some(origin) = headers.get(header::ORIGIN) {
        return origin
            .to_str()
            .map_or(true, |o| !o.eq_ignore_ascii_case(origin_of(public_url)));
    }
    headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|site| site.eq_ignore_ascii_case("cross-site"))
}

/// `POST /activate/{token}`: activates the license.
async fn confirm(
    State(state): State<AdminState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    form: Result<axum::extract::Form<ConfirmForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let expected = confirmation_for(&token);
    let sent = form.map(|f| f.0.confirm).unwrap_or_default();
    let forged = cross_site(&headers, &state.public_url)
        || !bool::from(sent.as_bytes().ct_eq(expected.as_bytes()));
    if forged {
        return outcome(
            StatusCode::FORBIDDEN,
            None,
            "Open the link again",
            "This confirmation did not come from the activation page, so nothing was changed. Open the link from your email and press the button there."
                .to_owned(),
        );
    }
    let _announced = rosterd_database::PoolWrite::on(&state.db);
    let txn = match state.db.begin().await {
        Ok(txn) => txn,
        Err(err) => return refused(ActivationError::Ledger(err.into())),
    };
    let clock = state.clock.as_ref();
    let redeemed = match rosterd_ledger::activation_info(&txn, clock, &token).await {
        Ok(info) => rosterd_ledger::redeem(&txn, clock, &token)
            .await
            .map(|license| (info.tenant_id, license)),
        Err(err) => Err(err),
    };
    let (tenant, license) = match redeemed {
        Ok(done) => done,
        Err(err) => {
            let _ = txn.rollback().await;
            return refused(err);
        }
    };
    let org = rosterd_tenancy::find_tenant_by_id(&txn, tenant)
        .await
        .map(|t| t.name)
        .ok();
    if let Err(err) = txn.commit().await {
        return refused(ActivationError::Ledger(err.into()));
    }
    let product = license.kind.product().display_name();
    outcome(
        StatusCode::OK,
        org,
        "Your license is active",
        format!(
            "Your {} license is active. You can start using {product} now.",
            license.kind.display_name()
        ),
    )
}
