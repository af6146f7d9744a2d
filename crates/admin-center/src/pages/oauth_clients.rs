//! Settings > Automate user management > OAuth clients, per product app (full admins only):
//! the OAuth 2.0 client credentials Microsoft Entra ID's app gallery uses. Create a client (its
//! id, first secret and the app's token endpoint shown, the secret once), add a secret to rotate
//! (shown once; the others keep working), revoke a secret or the whole client. The settings
//! page lists the clients ([`rows`]); the forms post here.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use rosterd_domain::Product;
use rosterd_tenancy::oauth::{ClientInfo, IssuedClientSecret, SecretState};

use crate::AdminState;
use crate::auth::{FullAdmin, Section, SignedIn};
use crate::csrf::{Checked, CsrfOnly};
use crate::error::AdminError;
use crate::pages::{admin_actor, change};
use crate::render::{page, when, when_or_never};
use crate::session;

/// A client as the settings page lists it.
pub struct ClientRow {
    pub client_id: String,
    pub created: String,
    pub last_used: String,
    pub state: &'static str,
    pub live: bool,
    pub secrets: Vec<SecretRow>,
}

/// One secret of a listed client.
pub struct SecretRow {
    pub id: String,
    pub prefix: String,
    pub created: String,
    pub last_used: String,
    pub expires: String,
    pub state: &'static str,
    pub live: bool,
    /// Live, but expiring within a month: the page says to rotate.
    pub expiring: bool,
}

#[derive(Template)]
#[template(path = "settings/client_secret.html")]
struct SecretShownPage {
    chrome: crate::render::Chrome,
    product: &'static str,
    /// A new client (true) or a secret added to one.
    new_client: bool,
    client_id: String,
    secret: String,
    prefix: String,
    expires: String,
    token_endpoint: String,
    scim_base_url: String,
    back: String,
}

fn product_of(slug: &str) -> Result<Product, AdminError> {
    slug.parse().map_err(|_| AdminError::NotFound)
}

fn settings_url(who: &SignedIn, product: Product) -> String {
    format!("{}/settings/scim/{product}", who.base())
}

/// This tenant's token endpoint for `product`'s app.
pub fn token_endpoint(state: &AdminState, who: &SignedIn, product: Product) -> String {
    rosterd_tenancy::oauth::token_endpoint(&state.public_url, who.tenant.slug.as_str(), product)
}

fn row(client: ClientInfo, now: DateTime<Utc>) -> ClientRow {
    let state = if client.revoked_at.is_some() {
        "Revoked"
    } else if client.is_live(now) {
        "Live"
    } else {
        "No live secret"
    };
    let client_live = client.revoked_at.is_none();
    ClientRow {
        live: client_live,
        state,
        created: when(client.created_at),
        last_used: when_or_never(client.last_used_at),
        secrets: client
            .secrets
            .into_iter()
            .map(|s| {
                let secret_state = s.state(now);
                SecretRow {
                    live: client_live && secret_state.is_live(),
                    expiring: client_live && secret_state == SecretState::ExpiringSoon,
                    state: if client_live {
                        secret_state.label()
                    } else {
                        "Revoked with the client"
                    },
                    id: s.id,
                    prefix: s.prefix,
                    created: when(s.created_at),
                    last_used: when_or_never(s.last_used_at),
                    expires: when(s.expires_at),
                }
            })
            .collect(),
        client_id: client.client_id,
    }
}

/// The app's clients as the settings page lists them, newest first.
pub async fn rows(
    state: &AdminState,
    who: &SignedIn,
    product: Product,
) -> Result<Vec<ClientRow>, AdminError> {
    let now = state.clock.now();
    Ok(
        rosterd_tenancy::oauth::list_clients(&state.db, who.tenant.id, Some(product))
            .await?
            .into_iter()
            .map(|c| row(c, now))
            .collect(),
    )
}

/// The client `client_id` of this tenant, if it is `product`'s: another app's client is not
/// managed from this app's page.
async fn own_client(
    state: &AdminState,
    who: &SignedIn,
    product: Product,
    client_id: &str,
) -> Result<ClientInfo, AdminError> {
    let client = rosterd_tenancy::oauth::find_client(&state.db, who.tenant.id, client_id).await?;
    if client.product != product {
        return Err(AdminError::NotFound);
    }
    Ok(client)
}

fn shown(
    state: &AdminState,
    who: &SignedIn,
    issued: &IssuedClientSecret,
    new_client: bool,
) -> Response {
    let product = issued.product;
    let title = if new_client {
        "Your new OAuth client"
    } else {
        "Your new client secret"
    };
    page(
        StatusCode::CREATED,
        &SecretShownPage {
            chrome: who.chrome(title, Section::Settings),
            product: product.display_name(),
            new_client,
            client_id: issued.client_id.clone(),
            secret: issued.secret.expose().to_owned(),
            prefix: issued.info.prefix.clone(),
            expires: when(issued.info.expires_at),
            token_endpoint: token_endpoint(state, who, product),
            scim_base_url: format!("{}/scim/{}/{product}/v2", state.public_url, who.tenant.slug),
            back: settings_url(who, product),
        },
    )
}

/// `POST /admin/{tenant}/settings/scim/{product}/clients`: creates a client and shows its
/// secret once.
pub async fn create(
    State(state): State<AdminState>,
    FullAdmin(who): FullAdmin,
    Path((_, product)): Path<(String, String)>,
    Checked(_): Checked<CsrfOnly>,
) -> Result<Response, AdminError> {
    let product = product_of(&product)?;
    let actor = admin_actor(&who);
    let created =
        rosterd_tenancy::oauth::create_client(change(&state, &who, &actor), product).await?;
    tracing::info!(tenant = %who.tenant.slug, %product, client = %created.client.client_id, "OAuth client created in the admin center");
    Ok(shown(&state, &who, &created.secret, true))
}

/// `POST /admin/{tenant}/settings/scim/{product}/clients/{client}/secrets`: adds a secret and
/// shows it once.
pub async fn add_secret(
    State(state): State<AdminState>,
    FullAdmin(who): FullAdmin,
    Path((_, product, client_id)): Path<(String, String, String)>,
    Checked(_): Checked<CsrfOnly>,
) -> Result<Response, AdminError> {
    let product = product_of(&product)?;
    own_client(&state, &who, product, &client_id).await?;
    let actor = admin_actor(&who);
    let issued =
        rosterd_tenancy::oauth::add_client_secret(change(&state, &who, &actor), &client_id).await?;
    Ok(shown(&state, &who, &issued, false))
}

/// `POST /admin/{tenant}/settings/scim/{product}/clients/{client}/secrets/{id}/revoke`.
pub async fn revoke_secret(
    State(state): State<AdminState>,
    FullAdmin(who): FullAdmin,
    Path((_, product, client_id, secret_id)): Path<(String, String, String, String)>,
    Checked(_): Checked<CsrfOnly>,
) -> Result<Response, AdminError> {
    let product = product_of(&product)?;
    let client = own_client(&state, &who, product, &client_id).await?;
    if !client.secrets.iter().any(|s| s.id == secret_id) {
        return Err(AdminError::NotFound);
    }
    let actor = admin_actor(&who);
    let revoked = rosterd_tenancy::oauth::revoke_client_secret(
        change(&state, &who, &actor),
        &client_id,
        &secret_id,
    )
    .await?;
    session::notify(
        &who.session,
        format!(
            "Secret {}… of {} is revoked: it gets no more access tokens, and the access tokens it got now get 401. The client's other live secrets keep working.",
            revoked.info.prefix, revoked.client_id
        ),
    )
    .await?;
    Ok(Redirect::to(&settings_url(&who, product)).into_response())
}

/// `POST /admin/{tenant}/settings/scim/{product}/clients/{client}/revoke`.
pub async fn revoke(
    State(state): State<AdminState>,
    FullAdmin(who): FullAdmin,
    Path((_, product, client_id)): Path<(String, String, String)>,
    Checked(_): Checked<CsrfOnly>,
) -> Result<Response, AdminError> {
    let product = product_of(&product)?;
    own_client(&state, &who, product, &client_id).await?;
    let actor = admin_actor(&who);
    let revoked =
        rosterd_tenancy::oauth::revoke_client(change(&state, &who, &actor), &client_id).await?;
    session::notify(
        &who.session,
        format!(
            "OAuth client {} is revoked: its secrets get no more access tokens, and its access tokens now get 401.",
            revoked.client_id
        ),
    )
    .await?;
    Ok(Redirect::to(&settings_url(&who, product)).into_response())
}
