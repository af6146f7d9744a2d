//! The browser admin center (`/admin/{tenant}/...`) and the operator console (`/operator`):
//! server-rendered pages over tenancy and the ledger. Sessions live in Redis when `REDIS_URL` is
//! set, else in the database; every form
//! carries a CSRF token; sign-in is throttled per account and per address; roles are enforced by
//! extractors that hand out capability handles; every response carries security headers.
//!
//! Templates are in `web/templates/<area>/<page>.html`, one askama struct per template beside
//! its handler; the CSS and the one small script are in `web/static/`, compiled in.

mod access;
mod activation;
mod area;
pub mod auth;
mod csrf;
mod error;
mod headers;
mod operator;
mod pages;
mod render;
pub mod session;
mod static_files;
mod throttle;

use std::sync::Arc;

use axum::Router;
use axum::extract::Path;
use axum::middleware;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use rosterd_domain::{Clock, TenantSlug};
use sea_orm::DatabaseConnection;

pub use error::AdminError;
pub use headers::CSP;
use session::Area;
pub use throttle::TrustedProxies;

/// What the admin center's handlers need.
#[derive(Clone)]
pub struct AdminState {
    pub(crate) db: DatabaseConnection,
    pub(crate) clock: Arc<dyn Clock>,
    /// Base of absolute URLs (the SCIM base URL shown with a token), without a trailing slash.
    pub(crate) public_url: String,
    /// `Secure` cookies and HSTS: on when the public URL is https.
    pub(crate) secure_cookies: bool,
    /// Sessions in Redis (`REDIS_URL`); `None` keeps them in the database.
    pub(crate) redis_sessions: Option<session::redis_store::RedisSessionStore>,
    /// Proxies whose `X-Forwarded-For` names the client (none unless configured).
    pub(crate) trusted_proxies: TrustedProxies,
    /// How many password hashes sign-ins and password changes may run at once.
    pub(crate) password_work: rosterd_tenancy::PasswordWork,
}

impl AdminState {
    /// The state for `public_url` (e.g. `https://rosterd.example.com`).
    pub fn new(db: DatabaseConnection, clock: Arc<dyn Clock>, public_url: &str) -> Self {
        let public_url = public_url.trim_end_matches('/').to_owned();
        Self {
            db,
            clock,
            secure_cookies: is_https(&public_url),
            public_url,
            redis_sessions: None,
            trusted_proxies: TrustedProxies::none(),
            password_work: rosterd_tenancy::PasswordWork::default(),
        }
    }

    /// Runs at most `running` password hashes at once with `running * 4` more waiting; beyond
    /// that a sign-in is answered 503 with `Retry-After` (config `password_hash_concurrency`).
    #[must_use]
    pub fn with_password_hash_concurrency(mut self, running: usize) -> Self {
        self.password_work = rosterd_tenancy::PasswordWork::new(running, running * 4);
        self
    }

    /// Believes `X-Forwarded-For` from these proxies (config `trusted_proxies`).
    #[must_use]
    pub fn with_trusted_proxies(mut self, proxies: TrustedProxies) -> Self {
        self.trusted_proxies = proxies;
        self
    }

    /// Keeps sessions in the Redis at `url` instead of the database.
    pub fn with_redis_sessions(mut self, url: &str) -> Result<Self, String> {
        let store = session::redis_store::RedisSessionStore::new(
            url,
            "rosterd:session:",
            session::IDLE_TIMEOUT,
        )?;
        self.redis_sessions = Some(store);
        Ok(self)
    }

    /// Checks that the session store answers (Redis only; the database is checked elsewhere).
    pub async fn check_sessions(&self) -> Result<(), String> {
        match &self.redis_sessions {
            Some(redis) => redis.ping().await.map_err(|e| e.to_string()),
            None => Ok(()),
        }
    }
}

/// Cookies are `Secure` when people reach rosterd over https.
fn is_https(public_url: &str) -> bool {
    public_url
        .get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
}

/// The admin center's and operator console's routes, with their sessions and headers.
pub fn router<S: Clone + Send + Sync + 'static>(state: AdminState) -> Router<S> {
    let t = "/admin/{tenant}";
    let scim = format!("{t}/settings/scim/{{product}}");
    let admin = Router::new()
        .route(t, get(to_overview))
        .route(&format!("{t}/"), get(pages::overview::show))
        .route(
            &format!("{t}/login"),
            get(access::login::form).post(access::login::submit),
        )
        .route(&format!("{t}/logout"), post(access::login::logout))
        .route(
            &format!("{t}/account/password"),
            get(access::password::form).post(access::password::submit),
        )
        .route(&format!("{t}/provisioning"), get(pages::provisioning::show))
        .route(&format!("{t}/audit"), get(pages::audit::show))
        .route(&format!("{t}/audit.csv"), get(pages::audit::csv))
        .route(&format!("{scim}/cleanup"), get(pages::cleanup::show))
        .route(&format!("{scim}/guides/{{idp}}"), get(pages::guides::show))
        .route(&scim, get(pages::scim::show))
        .route(&format!("{scim}/status"), post(pages::scim::set_status))
        .route(&format!("{scim}/tokens"), post(pages::scim::issue))
        .route(
            &format!("{scim}/tokens/{{id}}/revoke"),
            post(pages::scim::revoke),
        )
        .route(
            &format!("{scim}/clients"),
            post(pages::oauth_clients::create),
        )
        .route(
            &format!("{scim}/clients/{{client}}/secrets"),
            post(pages::oauth_clients::add_secret),
        )
        .route(
            &format!("{scim}/clients/{{client}}/secrets/{{secret}}/revoke"),
            post(pages::oauth_clients::revoke_secret),
        )
        .route(
            &format!("{scim}/clients/{{client}}/revoke"),
            post(pages::oauth_clients::revoke),
        )
        .route(
            &format!("{t}/licenses/policy"),
            get(pages::policy::show).post(pages::policy::save),
        )
        .route(
            &format!("{t}/licenses/policy/preview"),
            post(pages::policy::preview),
        )
        .route(
            &format!("{t}/admins"),
            get(pages::admins::list).post(pages::admins::create),
        )
        .route(
            &format!("{t}/groups"),
            get(pages::groups::list).post(pages::groups::create),
        )
        .route(
            &format!("{t}/groups/{{id}}"),
            get(pages::groups::detail::show),
        )
        .route(
            &format!("{t}/groups/{{id}}/rename"),
            post(pages::groups::detail::rename),
        )
        .route(
            &format!("{t}/groups/{{id}}/delete"),
            get(pages::groups::detail::confirm_delete).post(pages::groups::detail::delete),
        )
        .route(
            &format!("{t}/groups/{{id}}/members"),
            post(pages::groups::detail::add_member),
        )
        .route(
            &format!("{t}/groups/{{id}}/members/{{person}}/remove"),
            post(pages::groups::detail::remove_member),
        )
        .route(&format!("{t}/licenses"), get(pages::licenses::show))
        .route(&format!("{t}/reports"), get(pages::reports::show))
        .route(
            &format!("{t}/exports/{{file}}"),
            get(pages::exports::download),
        )
        .route(
            &format!("{t}/users/{{person_id}}/licenses/{{kind}}/resend"),
            post(pages::resend::resend),
        )
        .route(
            &format!("{t}/users"),
            get(pages::users::list::show).post(pages::users::edit::create),
        )
        .route(&format!("{t}/users/new"), get(pages::users::edit::new))
        .route(
            &format!("{t}/users/{{person_id}}"),
            get(pages::users::person::show),
        )
        .route(
            &format!("{t}/users/{{person_id}}/edit"),
            get(pages::users::edit::edit).post(pages::users::edit::update),
        )
        .route(
            &format!("{t}/users/{{person_id}}/remove"),
            get(pages::users::edit::confirm_remove).post(pages::users::edit::remove),
        )
        .route(
            &format!("{t}/users/{{person_id}}/licenses"),
            post(pages::users::licenses::give),
        )
        .route(
            &format!("{t}/users/{{person_id}}/licenses/{{kind}}/revoke"),
            post(pages::users::licenses::revoke),
        )
        .route("/admin", get(not_found))
        .route("/admin/", get(not_found))
        .route("/admin/{tenant}/{*rest}", get(not_found).post(not_found))
        .layer(session::layer(&state, Area::Admin));
    let operator = Router::new()
        .route("/operator", get(operator::tenants::list))
        .route(
            operator::LOGIN,
            get(operator::login::form).post(operator::login::submit),
        )
        .route("/operator/logout", post(operator::login::logout))
        .route("/operator/tenants", post(operator::tenants::create))
        .route("/operator/tenants/{slug}", get(operator::tenants::show))
        .route(
            "/operator/tenants/{slug}/seats",
            post(operator::tenants::set_seats),
        )
        .route(
            "/operator/tenants/{slug}/status",
            post(operator::tenants::set_status),
        )
        .route(
            "/operator/tenants/{slug}/limits",
            get(operator::limits::show).post(operator::limits::save),
        )
        .route("/operator/{*rest}", get(not_found).post(not_found))
        .layer(session::layer(&state, Area::Operator));
    Router::new()
        .merge(admin)
        .merge(operator)
        .merge(activation::routes())
        .route("/admin/static/{file}", get(static_files::serve))
        .layer(middleware::map_response_with_state(
            state.clone(),
            headers::secure,
        ))
        .with_state(state)
}

/// `/admin/{tenant}` without the slash: the overview (or, signed out, the sign-in page).
async fn to_overview(Path(slug): Path<String>) -> Result<Response, AdminError> {
    let slug: TenantSlug = slug.parse().map_err(|_| AdminError::NotFound)?;
    Ok(Redirect::permanent(&format!("/admin/{slug}/")).into_response())
}

async fn not_found() -> AdminError {
    AdminError::NotFound
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_secure_exactly_when_the_public_url_is_https() {
        for (url, secure) in [
            ("https://rosterd.example.com", true),
            ("HTTPS://rosterd.example.com/", true),
            ("http://127.0.0.1:8080", false),
            ("http", false),
        ] {
            assert_eq!(is_https(url), secure, "{url}");
        }
    }
}
