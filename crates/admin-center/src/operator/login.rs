//! `/operator/login` and `/operator/logout`.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use rosterd_domain::Secret;
use tower_sessions::Session;

use super::LOGIN;
use crate::AdminState;
use crate::access::login::{LoginForm, LoginPage, LoginQuery};
use crate::csrf::{Checked, CsrfOnly, LoginChecked, LoginToken};
use crate::error::AdminError;
use crate::render::{Chrome, page};
use crate::session::{self, Area, SignIn};
use crate::throttle::{self, Attempt, ClientAddr};

fn form_page(csrf: String, email: String) -> LoginPage {
    LoginPage {
        chrome: Chrome::bare("Operator sign-in"),
        heading: "Sign in to the operator console".into(),
        action: LOGIN.into(),
        csrf,
        email,
        error: None,
        info: None,
    }
}

/// `GET /operator/login`: writes no session, only the form's CSRF cookie.
pub async fn form(
    State(state): State<AdminState>,
    Query(query): Query<LoginQuery>,
    headers: HeaderMap,
) -> Response {
    let token = LoginToken::for_page(&headers, &state, Area::Operator);
    let mut login = form_page(token.value.clone(), String::new());
    login.info = query.info();
    token.attach(page(StatusCode::OK, &login))
}

/// `POST /operator/login`.
pub async fn submit(
    State(state): State<AdminState>,
    session: Session,
    addr: ClientAddr,
    checked: LoginChecked<LoginForm>,
) -> Result<Response, AdminError> {
    let LoginChecked { form, token } = checked;
    let account_key = throttle::account_key("operator", "-", &form.email);
    let keys = addr.keys(account_key.clone());
    let clock = state.clock.as_ref();
    let again = |status: StatusCode, error: String| {
        let mut login = form_page(token.clone(), form.email.clone());
        login.error = Some(error);
        Ok::<_, AdminError>(page(status, &login))
    };
    let ticket = match throttle::attempt(&state.db, clock, &keys).await? {
        Attempt::Allowed(ticket) => ticket,
        Attempt::Refused { wait, .. } => {
            tracing::warn!("operator sign-in refused: too many attempts");
            return again(
                StatusCode::TOO_MANY_REQUESTS,
                throttle::locked_message(wait),
            );
        }
    };
    let password = Secret::new(form.password.clone());
    let verified = rosterd_tenancy::verify_operator_password(
        &state.db,
        &state.password_work,
        &form.email,
        &password,
    )
    .await;
    let verified = match verified {
        Ok(verified) => verified,
        Err(err) => {
            ticket.not_verified(&state.db).await?;
            return Err(err.into());
        }
    };
    let Some(account) = verified else {
        tracing::warn!(client = ?addr.0, "operator sign-in failed");
        return match ticket.failed() {
            Some(wait) => again(
                StatusCode::TOO_MANY_REQUESTS,
                throttle::locked_message(wait),
            ),
            None => again(
                StatusCode::UNPROCESSABLE_ENTITY,
                "That email and password don't match an operator account.".into(),
            ),
        };
    };
    ticket.succeeded(&state.db, &account_key).await?;
    session::begin(
        &session,
        &SignIn::new(account.id.clone(), None, clock.now()),
    )
    .await?;
    rosterd_tenancy::record_operator_login(&state.db, clock, &account.id).await?;
    Ok(Redirect::to("/operator").into_response())
}

/// `POST /operator/logout`.
pub async fn logout(
    session: Session,
    Checked(_): Checked<CsrfOnly>,
) -> Result<Response, AdminError> {
    session::end(&session).await?;
    Ok(Redirect::to(&format!("{LOGIN}?signed_out=1")).into_response())
}
