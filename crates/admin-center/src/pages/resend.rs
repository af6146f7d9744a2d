//! Resending an activation notice (full and license admins), from the person page:
//! `POST /admin/{tenant}/users/{person_id}/licenses/{kind}/resend`. Every link sent so far for
//! that license stops working, and the outbox worker sends the person a new one within
//! seconds. Back on the person page, a notice says so.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use rosterd_domain::{LicenseKind, PersonId};

use crate::AdminState;
use crate::auth::LicenseAdmin;
use crate::csrf::{Checked, CsrfOnly};
use crate::error::AdminError;
use crate::session;

/// `POST /admin/{tenant}/users/{person_id}/licenses/{kind}/resend`.
pub async fn resend(
    State(state): State<AdminState>,
    LicenseAdmin(who): LicenseAdmin,
    Path((_, person, kind)): Path<(String, String, String)>,
    Checked(_): Checked<CsrfOnly>,
) -> Result<Response, AdminError> {
    let person: PersonId = person.parse().map_err(|_| AdminError::NotFound)?;
    let kind: LicenseKind = kind.parse().map_err(|_| AdminError::NotFound)?;
    let back = format!("{}/users/{person}", who.base());
    let actor = crate::pages::admin_actor(&who);
    let change = crate::pages::change(&state, &who, &actor);
    // The query is the tenant's: a person of another tenant has no license here, and is a 404.
    match rosterd_ledger::resend_notice(change, person, kind).await {
        Ok(_) => {}
        Err(rosterd_ledger::Error::NoLiveLicense { .. }) => return Err(AdminError::NotFound),
        Err(rosterd_ledger::Error::AlreadyActive) => {
            session::notify(
                &who.session,
                format!(
                    "This {} license is already active: there is nothing to resend.",
                    kind.display_name()
                ),
            )
            .await?;
            return Ok(Redirect::to(&back).into_response());
        }
        Err(other) => return Err(other.into()),
    };
    session::notify(
        &who.session,
        format!(
            "A new activation link for {} is on its way; links sent before no longer work.",
            kind.display_name()
        ),
    )
    .await?;
    Ok(Redirect::to(&back).into_response())
}
