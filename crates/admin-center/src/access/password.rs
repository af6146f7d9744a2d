//! `/admin/{tenant}/account/password`: a signed-in admin changes their own password. Each try
//! counts against the sign-in throttle like a sign-in. A change keeps this session (with a new
//! id) and ends the admin's every other session.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rosterd_domain::Secret;
use serde::Deserialize;

use crate::AdminState;
use crate::auth::{Section, SignedIn};
use crate::csrf::{Checked, csrf_form};
use crate::error::AdminError;
use crate::pages::audit::record;
use crate::pages::scim::admin_event;
use crate::render::{Chrome, page};
use crate::session;
use crate::throttle::{self, Attempt, ClientAddr};

/// The password change form.
#[derive(Template)]
#[template(path = "access/password.html")]
struct PasswordPage {
    chrome: Chrome,
    action: String,
    csrf: String,
    min: usize,
    error: Option<String>,
}

/// The form's fields.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    csrf: String,
    current: String,
    new: String,
    confirm: String,
}
csrf_form!(PasswordForm);

fn form_page(who: &SignedIn, error: Option<String>) -> PasswordPage {
    PasswordPage {
        chrome: who.chrome("Change your password", Section::Account),
        action: format!("{}/account/password", who.base()),
        csrf: who.csrf.clone(),
        min: rosterd_tenancy::MIN_PASSWORD_LEN,
        error,
    }
}

/// `GET /admin/{tenant}/account/password`.
pub async fn form(who: SignedIn) -> Response {
    page(StatusCode::OK, &form_page(&who, None))
}

/// `POST /admin/{tenant}/account/password`.
pub async fn submit(
    State(state): State<AdminState>,
    who: SignedIn,
    addr: ClientAddr,
    Checked(form): Checked<PasswordForm>,
) -> Result<Response, AdminError> {
    let again = |message: String| {
        Ok::<_, AdminError>(page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &form_page(&who, Some(message)),
        ))
    };
    if form.new != form.confirm {
        return again("The new password and its confirmation don't match.".into());
    }
    let account_key = throttle::account_key("admin", who.tenant.slug.as_str(), &who.admin.email);
    let keys = addr.keys(account_key.clone());
    let ticket = match throttle::attempt(&state.db, state.clock.as_ref(), &keys).await? {
        Attempt::Allowed(ticket) => ticket,
        Attempt::Refused { wait, .. } => return again(throttle::locked_message(wait)),
    };
    let changed = rosterd_tenancy::change_admin_password(
        &state.db,
        &state.password_work,
        who.tenant.id,
        who.admin.id,
        &Secret::new(form.current),
        &Secret::new(form.new),
    )
    .await;
    match changed {
        Ok(account) => {
            ticket.succeeded(&state.db, &account_key).await?;
            record(
                &state.db,
                state.clock.as_ref(),
                who.tenant.id,
                admin_event(
                    &who,
                    "admin.password_change",
                    "admin",
                    &who.admin.id.to_string(),
                    &format!("{} changed their password", who.admin.email),
                ),
            )
            .await?;
            session::password_changed(&who.session, account.credential).await?;
            session::notify(&who.session, "Your password was changed.").await?;
            Ok(Redirect::to(&format!("{}/", who.base())).into_response())
        }
        Err(rosterd_tenancy::Error::WrongPassword) => match ticket.failed() {
            Some(wait) => again(throttle::locked_message(wait)),
            None => again("Your current password is not right.".into()),
        },
        Err(rosterd_tenancy::Error::WeakPassword { min }) => {
            // Refused before the current password was checked: the attempt does not count.
            ticket.not_verified(&state.db).await?;
            again(format!(
                "Choose a new password of at least {min} characters."
            ))
        }
        Err(other) => {
            ticket.not_verified(&state.db).await?;
            Err(other.into())
        }
    }
}
