//! `/admin/{tenant}/admins` (full admins only): the tenant's admin accounts, and creating one
//! with a role. A new account gets a generated one-time password, shown once on the response;
//! its owner changes it after signing in.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use rosterd_tenancy::{AdminAccount, AdminRole};
use serde::Deserialize;

use crate::AdminState;
use crate::auth::{FullAdmin, Section, SignedIn, role_label};
use crate::csrf::{Checked, csrf_form};
use crate::error::AdminError;
use crate::pages::{admin_actor, change};
use crate::render::{Chrome, page, when, when_or_never};

const ROLES: [AdminRole; 3] = [
    AdminRole::FullAdmin,
    AdminRole::LicenseAdmin,
    AdminRole::Reporting,
];

#[derive(Template)]
#[template(path = "admins/index.html")]
struct AdminsPage {
    chrome: Chrome,
    action: String,
    csrf: String,
    admins: Vec<AdminRow>,
    roles: Vec<RoleOption>,
    email: String,
    error: Option<String>,
    created: Option<Created>,
}

struct AdminRow {
    email: String,
    role: &'static str,
    created: String,
    last_login: String,
    you: bool,
}

struct RoleOption {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

/// A just-created account and its one-time password.
struct Created {
    email: String,
    role: &'static str,
    password: String,
    login_url: String,
}

/// The create form's fields.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CreateForm {
    csrf: String,
    email: String,
    role: String,
}
csrf_form!(CreateForm);

async fn render(
    state: &AdminState,
    who: &SignedIn,
    status: StatusCode,
    form: &CreateForm,
    error: Option<String>,
    created: Option<Created>,
) -> Result<Response, AdminError> {
    let admins = rosterd_tenancy::list_admins(&state.db, who.tenant.id)
        .await?
        .into_iter()
        .map(|a: AdminAccount| AdminRow {
            you: a.id == who.admin.id,
            role: role_label(a.role),
            created: when(a.created_at),
            last_login: when_or_never(a.last_login_at),
            email: a.email,
        })
        .collect();
    let roles = ROLES
        .into_iter()
        .map(|r| RoleOption {
            value: r.slug(),
            label: role_label(r),
            selected: if form.role.is_empty() {
                r == AdminRole::Reporting
            } else {
                form.role == r.slug()
            },
        })
        .collect();
    Ok(page(
        status,
        &AdminsPage {
            chrome: who.chrome("Admins", Section::Admins),
            action: format!("{}/admins", who.base()),
            csrf: who.csrf.clone(),
            admins,
            roles,
            email: if created.is_some() {
                String::new()
            } else {
                form.email.clone()
            },
            error,
            created,
        },
    ))
}

/// `GET /admin/{tenant}/admins`.
pub async fn list(
    State(state): State<AdminState>,
    FullAdmin(who): FullAdmin,
) -> Result<Response, AdminError> {
    render(
        &state,
        &who,
        StatusCode::OK,
        &CreateForm::default(),
        None,
        None,
    )
    .await
}

/// `POST /admin/{tenant}/admins`.
pub async fn create(
    State(state): State<AdminState>,
    FullAdmin(who): FullAdmin,
    Checked(form): Checked<CreateForm>,
) -> Result<Response, AdminError> {
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;
    let Ok(role) = form.role.parse::<AdminRole>() else {
        let error = Some("Choose a role for the new admin.".to_owned());
        return render(&state, &who, invalid, &form, error, None).await;
    };
    let password = rosterd_tenancy::generate_password();
    let actor = admin_actor(&who);
    let created =
        rosterd_tenancy::create_admin(change(&state, &who, &actor), &form.email, role, &password)
            .await;
    let error = match created {
        Ok(account) => {
            let created = Created {
                role: role_label(account.role),
                password: password.expose().to_owned(),
                login_url: format!("{}{}/login", state.public_url, who.base()),
                email: account.email,
            };
            return render(
                &state,
                &who,
                StatusCode::CREATED,
                &form,
                None,
                Some(created),
            )
            .await;
        }
        Err(rosterd_tenancy::Error::InvalidEmail(_)) => {
            "Enter the new admin's email address, like name@example.com.".to_owned()
        }
        Err(rosterd_tenancy::Error::AdminExists(email)) => {
            format!("{email} is already an admin of {}.", who.tenant.name)
        }
        Err(other) => return Err(other.into()),
    };
    render(&state, &who, invalid, &form, Some(error), None).await
}
