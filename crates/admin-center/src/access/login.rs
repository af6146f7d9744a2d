//! `/admin/{tenant}/login` (form and submit) and `/admin/{tenant}/logout`. Sign-in checks the
//! throttle first, then the password; success cycles the session id and the CSRF token.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rosterd_domain::{Secret, TenantSlug};
use rosterd_tenancy::{Tenant, TenantStatus};
use serde::Deserialize;
use tower_sessions::Session;

use crate::AdminState;
use crate::csrf::{self, Checked, CsrfOnly, csrf_form};
use crate::error::AdminError;
use crate::render::{Chrome, page};
use crate::session::{self, Freshness, SignIn};
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

async fn tenant_of(state: &AdminState, slug: &str) -> Result<Tenant, AdminError> {
    let slug: TenantSlug = slug.parse().map_err(|_| AdminError::NotFound)?;
    Ok(rosterd_tenancy::find_tenant(&state.db, slug.as_str()).await?)
}

fn form_page(tenant: &Tenant, csrf: String, email: String) -> LoginPage {
    LoginPage {
        chrome: Chrome::bare(format!("Sign in to {}", tenant.name)),
        heading: format!("Sign in to {}", tenant.name),
        action: format!("/admin/{}/login", tenant.slug),
        csrf,
        email,
        error: None,
        info: None,
    }
}

/// `GET /admin/{tenant}/login`; an admin already signed in to this tenant goes to the overview.
pub async fn form(
    State(state): State<AdminState>,
    Path(slug): Path<String>,
    Query(query): Query<LoginQuery>,
    session: Session,
) -> Result<Response, AdminError> {
    let tenant = tenant_of(&state, &slug).await?;
    if let Some(sign_in) = session::sign_in(&session).await?
        && sign_in.tenant_id.as_deref() == Some(tenant.id.to_string().as_str())
        && matches!(
            sign_in.freshness(state.clock.now()),
            Freshness::Fresh { .. }
        )
    {
        return Ok(Redirect::to(&format!("/admin/{}/", tenant.slug)).into_response());
    }
    let mut login = form_page(&tenant, csrf::token(&session).await?, String::new());
    login.info = query.info();
    Ok(page(StatusCode::OK, &login))
}

/// `POST /admin/{tenant}/login`.
pub async fn submit(
    State(state): State<AdminState>,
    Path(slug): Path<String>,
    session: Session,
    addr: ClientAddr,
    Checked(form): Checked<LoginForm>,
) -> Result<Response, AdminError> {
    let tenant = tenant_of(&state, &slug).await?;
    let account_key = throttle::account_key("admin", &tenant.id.to_string(), &form.email);
    let keys = addr.keys(account_key.clone());
    let clock = state.clock.as_ref();
    let csrf = csrf::token(&session).await?;
    let again = |status: StatusCode, error: String| {
        let mut login = form_page(&tenant, csrf.clone(), form.email.clone());
        login.error = Some(error);
        Ok::<_, AdminError>(page(status, &login))
    };
    let ticket = match throttle::attempt(&state.db, clock, &keys).await? {
        Attempt::Allowed(ticket) => ticket,
        Attempt::Refused { wait, first } => {
            if first {
                sign_in_event(&state, &tenant, &form.email, &addr, Refusal::Locked).await?;
            }
            return again(
                StatusCode::TOO_MANY_REQUESTS,
                throttle::locked_message(wait),
            );
        }
    };
    let password = Secret::new(form.password.clone());
    let verified =
        rosterd_tenancy::verify_admin_password(&state.db, tenant.id, &form.email, &password)
            .await?;
    let Some(admin) = verified else {
        let remaining = ticket.remaining();
        let locked = ticket.failed();
        sign_in_event(
            &state,
            &tenant,
            &form.email,
            &addr,
            Refusal::Wrong { remaining },
        )
        .await?;
        return match locked {
            Some(wait) => again(
                StatusCode::TOO_MANY_REQUESTS,
                throttle::locked_message(wait),
            ),
            None => again(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!(
                    "That email and password don't match an admin account of {}.",
                    tenant.name
                ),
            ),
        };
    };
    if tenant.status == TenantStatus::Suspended {
        return again(
            StatusCode::FORBIDDEN,
            "This organisation's account is suspended. Contact rosterd support.".into(),
        );
    }
    ticket.succeeded(&state.db, &account_key).await?;
    let now = clock.now();
    let sign_in = SignIn::new(admin.id.to_string(), Some(tenant.id.to_string()), now);
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
