//! Settings > Automate user management, per product app (full admins only): turn SCIM on or
//! off, generate a token (shown once, with the SCIM base URL), and see and revoke the app's
//! tokens. Several tokens can be live at once, so an IdP moves to a new token with no downtime.
//! The app's OAuth clients are listed here too; their forms are in [`crate::pages::oauth_clients`].

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rosterd_audit::{Channel, NewEvent};
use rosterd_domain::Product;
use rosterd_tenancy::TokenInfo;
use serde::Deserialize;

use crate::AdminState;
use crate::auth::{FullAdmin, Section, SignedIn};
use crate::csrf::{Checked, CsrfOnly, csrf_form};
use crate::error::AdminError;
use crate::pages::{admin_actor, change};
use crate::render::{Chrome, page, when, when_or_never};
use crate::session;

/// The IdP set-up guides, by name and repository path.
const GUIDES: [(&str, &str); 3] = [
    ("Okta", "docs/idp/okta.md"),
    ("Microsoft Entra ID", "docs/idp/entra-id.md"),
    ("OneLogin", "docs/idp/onelogin.md"),
];

#[derive(Template)]
#[template(path = "settings/scim.html")]
struct ScimPage {
    chrome: Chrome,
    tabs: Vec<Tab>,
    product: &'static str,
    base: String,
    csrf: String,
    scim_enabled: bool,
    /// The clean-up check, while the app has never been used (off, no token, no request).
    cleanup: Option<String>,
    scim_base_url: String,
    tokens: Vec<TokenRow>,
    /// OAuth clients (client credentials) and the app's token endpoint.
    clients: Vec<crate::pages::oauth_clients::ClientRow>,
    token_endpoint: String,
    guides: [(&'static str, &'static str); 3],
}

#[derive(Template)]
#[template(path = "settings/token_issued.html")]
struct TokenIssuedPage {
    chrome: Chrome,
    product: &'static str,
    secret: String,
    prefix: String,
    expires: String,
    scim_base_url: String,
    back: String,
}

struct Tab {
    href: String,
    label: &'static str,
    current: bool,
}

struct TokenRow {
    id: String,
    prefix: String,
    created: String,
    last_used: String,
    expires: String,
    state: &'static str,
    live: bool,
}

/// The enable/disable form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StatusForm {
    csrf: String,
    /// `on` or `off`.
    scim: String,
}
csrf_form!(StatusForm);

/// An admin-center audit event by the signed-in admin.
pub(crate) fn admin_event<'a>(
    who: &'a SignedIn,
    action: &'a str,
    target_type: &'a str,
    target_id: &'a str,
    detail: &'a str,
) -> NewEvent<'a> {
    NewEvent {
        channel: Channel::Admin,
        actor: &who.admin.email,
        action,
        target_type,
        target_id,
        detail,
    }
}

fn product_of(slug: &str) -> Result<Product, AdminError> {
    slug.parse().map_err(|_| AdminError::NotFound)
}

fn settings_url(who: &SignedIn, product: Product) -> String {
    format!("{}/settings/scim/{product}", who.base())
}

fn scim_base_url(state: &AdminState, who: &SignedIn, product: Product) -> String {
    format!("{}/scim/{}/{product}/v2", state.public_url, who.tenant.slug)
}

fn token_row(t: TokenInfo, now: chrono::DateTime<chrono::Utc>) -> TokenRow {
    let state = if t.revoked_at.is_some() {
        "Revoked"
    } else if t.expires_at <= now {
        "Expired"
    } else {
        "Live"
    };
    TokenRow {
        live: t.is_live(now),
        id: t.id.to_string(),
        created: when(t.created_at),
        last_used: when_or_never(t.last_used_at),
        expires: when(t.expires_at),
        prefix: t.prefix,
        state,
    }
}

/// `GET /admin/{tenant}/settings/scim/{product}`.
pub async fn show(
    State(state): State<AdminState>,
    FullAdmin(who): FullAdmin,
    Path((_, product)): Path<(String, String)>,
) -> Result<Response, AdminError> {
    let product = product_of(&product)?;
    let app = rosterd_tenancy::product_apps(&state.db, who.tenant.id)
        .await?
        .into_iter()
        .find(|a| a.product == product)
        .ok_or(AdminError::NotFound)?;
    let now = state.clock.now();
    let tokens: Vec<TokenRow> =
        rosterd_tenancy::list_tokens(&state.db, who.tenant.id, Some(product))
            .await?
            .into_iter()
            .map(|t| token_row(t, now))
            .collect();
    let never_used = !app.scim_enabled && app.last_activity_at.is_none() && tokens.is_empty();
    let cleanup = never_used.then(|| format!("{}/cleanup", settings_url(&who, product)));
    let tabs = Product::ALL
        .into_iter()
        .map(|p| Tab {
            href: settings_url(&who, p),
            label: p.display_name(),
            current: p == product,
        })
        .collect();
    let title = format!("Automate user management: {}", product.display_name());
    Ok(page(
        StatusCode::OK,
        &ScimPage {
            chrome: who.chrome(title, Section::Settings),
            tabs,
            product: product.display_name(),
            base: settings_url(&who, product),
            csrf: who.csrf.clone(),
            scim_enabled: app.scim_enabled,
            cleanup,
            scim_base_url: scim_base_url(&state, &who, product),
            tokens,
            clients: crate::pages::oauth_clients::rows(&state, &who, product).await?,
            token_endpoint: crate::pages::oauth_clients::token_endpoint(&state, &who, product),
            guides: GUIDES,
        },
    ))
}

/// `POST /admin/{tenant}/settings/scim/{product}/status`.
pub async fn set_status(
    State(state): State<AdminState>,
    FullAdmin(who): FullAdmin,
    Path((_, product)): Path<(String, String)>,
    Checked(form): Checked<StatusForm>,
) -> Result<Response, AdminError> {
    let product = product_of(&product)?;
    let enabled = match form.scim.as_str() {
        "on" => true,
        "off" => false,
        _ => return Err(AdminError::BadRequest),
    };
    let actor = admin_actor(&who);
    rosterd_tenancy::set_scim_enabled(change(&state, &who, &actor), product, enabled).await?;
    let notice = if enabled {
        format!("SCIM provisioning for {} is on.", product.display_name())
    } else {
        format!(
            "SCIM provisioning for {} is off: its identity provider now gets 403 until you turn it back on.",
            product.display_name()
        )
    };
    session::notify(&who.session, notice).await?;
    Ok(Redirect::to(&settings_url(&who, product)).into_response())
}

/// `POST /admin/{tenant}/settings/scim/{product}/tokens`: issues a token and shows it once.
pub async fn issue(
    State(state): State<AdminState>,
    FullAdmin(who): FullAdmin,
    Path((_, product)): Path<(String, String)>,
    Checked(_): Checked<CsrfOnly>,
) -> Result<Response, AdminError> {
    let product = product_of(&product)?;
    let actor = admin_actor(&who);
    let issued = rosterd_tenancy::issue_token(change(&state, &who, &actor), product).await?;
    tracing::info!(tenant = %who.tenant.slug, %product, prefix = %issued.info.prefix, "SCIM token issued in the admin center");
    Ok(page(
        StatusCode::CREATED,
        &TokenIssuedPage {
            chrome: who.chrome("Your new SCIM token", Section::Settings),
            product: product.display_name(),
            secret: issued.secret.expose().to_owned(),
            prefix: issued.info.prefix,
            expires: when(issued.info.expires_at),
            scim_base_url: scim_base_url(&state, &who, product),
            back: settings_url(&who, product),
        },
    ))
}

/// `POST /admin/{tenant}/settings/scim/{product}/tokens/{id}/revoke`.
pub async fn revoke(
    State(state): State<AdminState>,
    FullAdmin(who): FullAdmin,
    Path((_, product, id)): Path<(String, String, String)>,
    Checked(_): Checked<CsrfOnly>,
) -> Result<Response, AdminError> {
    let product = product_of(&product)?;
    // Only this app's tokens are revocable from this app's page.
    let owned = rosterd_tenancy::list_tokens(&state.db, who.tenant.id, Some(product))
        .await?
        .into_iter()
        .any(|t| t.id.to_string() == id);
    if !owned {
        return Err(AdminError::NotFound);
    }
    let actor = admin_actor(&who);
    let revoked = rosterd_tenancy::revoke_token(change(&state, &who, &actor), &id).await?;
    session::notify(
        &who.session,
        format!(
            "Token {}… is revoked: requests with it now get 401. Other live tokens keep working.",
            revoked.prefix
        ),
    )
    .await?;
    Ok(Redirect::to(&settings_url(&who, product)).into_response())
}
