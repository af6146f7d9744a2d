//! `/admin/{tenant}/login` (form and submit) and `/admin/{tenant}/logout`. Sign-in counts the
//! attempt first (the throttle), then checks the password; success starts the session (a new
//! session id and CSRF token). Before that there is no session at all: the form's CSRF token is
//! a double-submit cookie ([`LoginToken`]). The page and its answers are the same whether or not
//! the tenant exists.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use rosterd_domain::{Secret, TenantSlug};
use rosterd_tenancy::{AdminSignIn, Tenant, TenantStatus};
use serde::Deserialize;
use tower_sessions::Session;

use crate::AdminState;
use crate::csrf::{Checked, CsrfOnly, LoginChecked, LoginToken, csrf_form};
use crate::error::AdminError;
use crate::render::{Chrome, page};
use crate::session::{self, Area, Freshness, SignIn};
use crate::throttle::{self, Attempt, ClientAddr};

/// The sign-in form, shared by the admin center and the operator console.
#[derive(Template)]
#[template(path = "access/login.html")]
pub struct LoginPage {
    pub chrome: Chrome,
    pub heading: String,
    pub action: String,
    pub csrf: String,
    pub email: String,
    pub error: Option<String>,
    pub info: Option<String>,
}

/// `?expired=idle` or `?expired=absolute` after a timeout, `?signed_out=1` after logout.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginQuery {
    pub expired: Option<String>,
    pub signed_out: Option<String>,
}

impl LoginQuery {
    /// The explanation shown above the form.
    pub fn info(&self) -> Option<String> {
        if self.expired.as_deref() == Some("absolute") {
            Some("Your session reached its 12-hour limit. Sign in again to continue.".into())
        } else if self.expired.is_some() {
            Some(
                "Your session ended after a period of inactivity. Sign in again to continue."
                    .into(),
            )
        } else if self.signed_out.is_some() {
            Some("You have signed out.".into())
        } else {
            None
        }
    }
}

/// The sign-in form's fields.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    pub csrf: String,
    pub email: String,
    pub password: String,
}
csrf_form!(LoginForm);

/// The tenant slug of a sign-in path; only a string that cannot be a slug is "not found".
fn slug_of(slug: &str) -> Result<TenantSlug, AdminError> {
    slug.parse().map_err(|_| AdminError::NotFound)
}

/// The sign-in form of `slug`. It names the tenant by the slug in the address, never by its
/// name from the database, so a tenant that does not exist gets the very same page.
fn form_page(slug: &TenantSlug, csrf: String, email: String) -> LoginPage {
    LoginPage {
        chrome: Chrome::bare(format!("Sign in to {slug}")),
        heading: format!("Sign in to {slug}"),
        action: format!("/admin/{slug}/login"),
        csrf,
        email,
        error: None,
        info: None,
    }
}

/// `GET /admin/{tenant}/login`; an admin already signed in to this tenant goes to the overview.
/// Showing the form writes nothing: no session, only the form's CSRF cookie.
pub async fn form(
    State(state): State<AdminState>,
    Path(slug): Path<String>,
    Query(query): Query<LoginQuery>,
    headers: HeaderMap,
    session: Session,
) -> Result<Response, AdminError> {
    let slug = slug_of(&slug)?;
    if let Some(sign_in) = session::sign_in(&session).await?
        && matches!(
            sign_in.freshness(state.clock.now()),
            Freshness::Fresh { .. }
        )
        && let Some(tenant_id) = sign_in.tenant_id.as_deref().and_then(|t| t.parse().ok())
        && let Ok(tenant) = rosterd_tenancy::find_tenant_by_id(&state.db, tenant_id).await
        && tenant.slug == slug
    {
        return Ok(Redirect::to(&format!("/admin/{slug}/")).into_response());
    }
    let token = LoginToken::for_page(&headers, &state, Area::Admin);
    let mut login = form_page(&slug, token.value.clone(), String::new());
    login.info = query.info();
    Ok(token.attach(page(StatusCode::OK, &login)))
}

/// `POST /admin/{tenant}/login`. A tenant that does not exist is answered exactly like a wrong
/// password (same status, page and hash work), and is throttled the same way.
pub async fn submit(
    State(state): State<AdminState>,
    Path(slug): Path<String>,
    session: Session,
    addr: ClientAddr,
    checked: LoginChecked<LoginForm>,
) -> Result<Response, AdminError> {
    let slug = slug_of(&slug)?;
    let LoginChecked { form, token } = checked;
    let account_key = throttle::account_key("admin", slug.as_str(), &form.email);
    let keys = addr.keys(account_key.clone());
    let clock = state.clock.as_ref();
    let again = |status: StatusCode, error: String| {
        let mut login = form_page(&slug, token.clone(), form.email.clone());
        login.error = Some(error);
        Ok::<_, AdminError>(page(status, &login))
    };
    let ticket = match throttle::attempt(&state.db, clock, &keys).await? {
        Attempt::Allowed(ticket) => ticket,
        Attempt::Refused { wait, first } => {
            if first
                && let Ok(tenant) = rosterd_tenancy::find_tenant(&state.db, slug.as_str()).await
            {
                sign_in_event(&state, &tenant, &form.email, &addr, Refusal::Locked).await?;
            }
            return again(
                StatusCode::TOO_MANY_REQUESTS,
                throttle::locked_message(wait),
            );
        }
    };
    let password = Secret::new(form.password.clone());
    let checked = rosterd_tenancy::check_admin_sign_in(
        &state.db,
        &state.password_work,
        slug.as_str(),
        &form.email,
        &password,
    )
    .await;
    let (tenant, admin) = match checked {
        Ok(AdminSignIn::Verified { tenant, admin }) => (tenant, admin),
        Ok(AdminSignIn::Refused { tenant }) => {
            let remaining = ticket.remaining();
            let locked = ticket.failed();
            if let Some(tenant) = &tenant {
                let why = Refusal::Wrong { remaining };
                sign_in_event(&state, tenant, &form.email, &addr, why).await?;
            }
            return match locked {
                Some(wait) => again(
                    StatusCode::TOO_MANY_REQUESTS,
                    throttle::locked_message(wait),
                ),
                None => again(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("That email and password don't match an admin account of {slug}."),
                ),
            };
        }
        Err(err) => {
            ticket.not_verified(&state.db).await?;
            return Err(err.into());
        }
    };
    if tenant.status == TenantStatus::Suspended {
        return again(
            StatusCode::FORBIDDEN,
            "This organisation's account is suspended. Contact rosterd support.".into(),
        );
    }
    ticket.succeeded(&state.db, &account_key).await?;
    let now = clock.now();
    let sign_in = SignIn::new(admin.id.to_string(), Some(tenant.id.to_string()), now)
        .with_credential(admin.credential.clone());
    session::begin(&session, &sign_in).await?;
    rosterd_tenancy::record_admin_login(&state.db, clock, tenant.id, admin.id).await?;
    Ok(Redirect::to(&format!("/admin/{}/", tenant.slug)).into_response())
}

/// Why a sign-in was refused, for its audit event.
enum Refusal {
    /// A wrong password (or no such admin); `remaining` attempts are left in the window.
    Wrong { remaining: i64 },
    /// Too many attempts: not verified.
    Locked,
}

/// Records a refused sign-in in the tenant's audit log: who was tried, from where, and why.
/// The password is never part of it.
async fn sign_in_event(
    state: &AdminState,
    tenant: &Tenant,
    email: &str,
    addr: &ClientAddr,
    why: Refusal,
) -> Result<(), AdminError> {
    let email: String = email.trim().chars().take(254).collect();
    let from = addr
        .0
        .as_deref()
        .map_or_else(String::new, |a| format!(" from {a}"));
    let (action, detail) = match why {
        Refusal::Wrong { remaining } => (
            "admin.sign_in_failed",
            format!(
                "Failed sign-in as {email}{from}: wrong password or no such admin; {remaining} attempt{} left before a {}-minute lock",
                if remaining == 1 { "" } else { "s" },
                throttle::WINDOW.num_minutes()
            ),
        ),
        Refusal::Locked => (
            "admin.sign_in_refused",
            format!(
                "Sign-in as {email}{from} refused without checking the password: too many attempts; locked for the rest of the {}-minute window",
                throttle::WINDOW.num_minutes()
            ),
        ),
    };
    tracing::info!(tenant = %tenant.slug, action, "admin sign-in refused");
    crate::pages::audit::record(
        &state.db,
        state.clock.as_ref(),
        tenant.id,
        rosterd_audit::NewEvent {
            channel: rosterd_audit::Channel::Admin,
            actor: &email,
            action,
            target_type: "admin",
            target_id: "",
            detail: &detail,
        },
    )
    .await
}

/// `POST /admin/{tenant}/logout`.
pub async fn logout(
    Path(slug): Path<String>,
    session: Session,
    Checked(_): Checked<CsrfOnly>,
) -> Result<Response, AdminError> {
    let slug: TenantSlug = slug.parse().map_err(|_| AdminError::NotFound)?;
    session::end(&session).await?;
    Ok(Redirect::to(&format!("/admin/{slug}/login?signed_out=1")).into_response())
}
