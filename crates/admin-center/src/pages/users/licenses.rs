//! Giving and revoking licenses by hand (full and license admins), through the ledger's
//! `grant_manual` and `revoke_manual`, which write the ledger entries (and their audit events).
//! A full pool or an IdP-owned license is a message on the person page; nothing changes.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rosterd_domain::LicenseKind;
use serde::Deserialize;

use super::person::{PersonPath, load, render};
use super::{display_name, person_id};
use crate::AdminState;
use crate::auth::LicenseAdmin;
use crate::csrf::{Checked, CsrfOnly, csrf_form};
use crate::error::AdminError;
use crate::pages::{admin_actor, change};
use crate::session;

/// The give form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GiveForm {
    csrf: String,
    kind: String,
}
csrf_form!(GiveForm);

/// `{person_id}` and `{kind}` of a license path.
#[derive(Debug, Deserialize)]
pub struct LicensePath {
    person_id: String,
    kind: String,
}

/// `POST /admin/{tenant}/users/{person_id}/licenses`: gives a license of the chosen kind.
pub async fn give(
    State(state): State<AdminState>,
    LicenseAdmin(who): LicenseAdmin,
    Path(path): Path<PersonPath>,
    Checked(form): Checked<GiveForm>,
) -> Result<Response, AdminError> {
    let id = person_id(&path.person_id)?;
    let listed = load(&state, &who, id).await?;
    let name = display_name(&listed.person);
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;
    let Ok(kind) = form.kind.parse::<LicenseKind>() else {
        let message = "Choose which license to give.".to_owned();
        return render(&state, &who, id, invalid, Some(message)).await;
    };
    let reason = format!("given by {} in the admin center", who.admin.email);
    let actor = admin_actor(&who);
    let given = rosterd_ledger::give_license(change(&state, &who, &actor), id, kind, &reason).await;
    let message = match given {
        Ok(rosterd_ledger::Given::New(_)) => None,
        Ok(rosterd_ledger::Given::AlreadyHeld(_)) => Some(format!(
            "{name} already holds a {} license.",
            kind.display_name()
        )),
        Err(rosterd_ledger::Error::AlreadyLicensed { kind: held }) => Some(format!(
            "{name} already holds a {} license. Revoke it first to give {} instead.",
            held.display_name(),
            kind.display_name()
        )),
        Err(err @ rosterd_ledger::Error::PoolFull { .. }) => Some(format!(
            "No {} seat is free, so {name} was not given one and nothing changed ({err}). Ask rosterd to raise the pool's capacity, or revoke a license you no longer need.",
            kind.display_name()
        )),
        Err(rosterd_ledger::Error::PoolNotFound(_)) => Some(format!(
            "Your organisation has no {} seats. Ask rosterd to add some.",
            kind.display_name()
        )),
        Err(other) => return Err(other.into()),
    };
    if let Some(message) = message {
        return render(&state, &who, id, StatusCode::CONFLICT, Some(message)).await;
    }
    session::notify(
        &who.session,
        format!(
            "{name} was given a {} license. They activate it from the notice they receive.",
            kind.display_name()
        ),
    )
    .await?;
    Ok(Redirect::to(&format!("{}/users/{id}", who.base())).into_response())
}

/// `POST /admin/{tenant}/users/{person_id}/licenses/{kind}/revoke`: revokes a manual license.
/// One an IdP owns is refused with where to change it.
pub async fn revoke(
    State(state): State<AdminState>,
    LicenseAdmin(who): LicenseAdmin,
    Path(path): Path<LicensePath>,
    Checked(_): Checked<CsrfOnly>,
) -> Result<Response, AdminError> {
    let id = person_id(&path.person_id)?;
    let kind: LicenseKind = path.kind.parse().map_err(|_| AdminError::NotFound)?;
    let listed = load(&state, &who, id).await?;
    let name = display_name(&listed.person);
    let reason = format!("revoked by {} in the admin center", who.admin.email);
    let actor = admin_actor(&who);
    let revoked =
        rosterd_ledger::revoke_license_by_hand(change(&state, &who, &actor), id, kind, &reason)
            .await;
    let message = match revoked {
        Ok(_) => None,
        Err(rosterd_ledger::Error::OwnedByScim { product }) => Some(format!(
            "{name}'s {} license is managed by your identity provider through the {} SCIM app, so it can't be revoked here. Change it in your identity provider: unassign {name} from the app (or from the group or attribute that gives the license).",
            kind.display_name(),
            product.display_name()
        )),
        Err(rosterd_ledger::Error::NoLiveLicense { .. }) => Some(format!(
            "{name} holds no {} license, so there was nothing to revoke.",
            kind.display_name()
        )),
        Err(other) => return Err(other.into()),
    };
    if let Some(message) = message {
        return render(&state, &who, id, StatusCode::CONFLICT, Some(message)).await;
    }
    session::notify(
        &who.session,
        format!(
            "{name}'s {} license was revoked; the seat is free again.",
            kind.display_name()
        ),
    )
    .await?;
    Ok(Redirect::to(&format!("{}/users/{id}", who.base())).into_response())
}
