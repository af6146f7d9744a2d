//! The operator console at `/operator`: the platform operator signs in with an operator account
//! (created with `rosterd operator create EMAIL`), lists and creates tenants, sets seat
//! capacities, sets a tenant's own fair-share limits and suspends or reactivates tenants. Its own session cookie, same protections as
//! the admin center (CSRF, throttling, timeouts, headers).

pub mod limits;
pub mod login;
pub mod tenants;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use rosterd_tenancy::OperatorAccount;
use tower_sessions::Session;

use crate::AdminState;
use crate::auth::request_session;
use crate::error::AdminError;
use crate::render::{Chrome, Nav, NavLink};
use crate::session::{self, Current};

/// The operator console's sign-in page.
pub const LOGIN: &str = "/operator/login";

/// A signed-in operator.
#[derive(Debug, Clone)]
pub struct Operator {
    pub account: OperatorAccount,
    pub csrf: String,
    pub notice: Option<String>,
    pub session: Session,
}

impl Operator {
    /// The layout's chrome for an operator page.
    pub fn chrome(&self, title: impl Into<String>) -> Chrome {
        Chrome {
            title: title.into(),
            notice: self.notice.clone(),
            nav: Some(Nav {
                home: "/operator".into(),
                org: "Operator console".into(),
                who: self.account.email.clone(),
                role: "Operator",
                links: vec![NavLink {
                    href: "/operator".into(),
                    label: "Tenants",
                    current: true,
                }],
                account: None,
                logout_action: "/operator/logout".into(),
                csrf: self.csrf.clone(),
            }),
        }
    }
}

impl FromRequestParts<AdminState> for Operator {
    type Rejection = AdminError;

    async fn from_request_parts(parts: &mut Parts, state: &AdminState) -> Result<Self, AdminError> {
        let session = request_session(parts, state).await?;
        let sign_in = match session::current(&session, state.clock.now()).await? {
            Current::SignedIn(sign_in) => sign_in,
            Current::SignedOut => return Err(AdminError::SignIn(LOGIN.into())),
            Current::Expired(why) => return Err(AdminError::SignIn(format!("{LOGIN}{why}"))),
        };
        // An admin session can never be an operator's: different cookie, and no tenant here.
        if sign_in.tenant_id.is_some() {
            return Err(AdminError::SignIn(LOGIN.into()));
        }
        let Some(account) = rosterd_tenancy::find_operator(&state.db, &sign_in.account_id).await?
        else {
            session::end(&session).await?;
            return Err(AdminError::SignIn(LOGIN.into()));
        };
        Ok(Operator {
            account,
            csrf: crate::csrf::token(&session).await?,
            notice: session::take_notice(&session).await?,
            session,
        })
    }
}
