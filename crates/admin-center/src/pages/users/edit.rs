//! Adding, editing and removing manual people (full and license admins). Each change and its
//! audit event commit in one transaction. Removing revokes the person's manual licenses through
//! the ledger first (freeing their seats), in the same transaction.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rosterd_directory::manual_people::{self, PersonEdit};
use rosterd_domain::PersonId;
use rosterd_ledger::{Actor, LicenseSource};
use sea_orm::TransactionTrait as _;
use serde::Deserialize;

use super::person::{PersonPath, load};
use super::{display_name, managed_reason, person_id};
use crate::AdminState;
use crate::auth::{LicenseAdmin, Section, SignedIn};
use crate::csrf::{Checked, CsrfOnly, csrf_form};
use crate::error::AdminError;
use crate::render::{Chrome, page};
use crate::session;

#[derive(Template)]
#[template(path = "users/form.html")]
struct FormPage {
    chrome: Chrome,
    heading: String,
    action: String,
    cancel: String,
    submit: &'static str,
    csrf: String,
    form: PersonForm,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "users/remove.html")]
struct RemovePage {
    chrome: Chrome,
    name: String,
    action: String,
    cancel: String,
    csrf: String,
    revokes: Vec<&'static str>,
}

/// The add and edit forms' fields.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct PersonForm {
    csrf: String,
    email: String,
    given_name: String,
    family_name: String,
    employee_number: String,
    department: String,
    title: String,
}
csrf_form!(PersonForm);

impl PersonForm {
    fn edit(&self) -> PersonEdit {
        let opt = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        PersonEdit {
            email: self.email.trim().to_owned(),
            given_name: self.given_name.trim().to_owned(),
            family_name: self.family_name.trim().to_owned(),
            employee_number: opt(&self.employee_number),
            department: opt(&self.department),
            title: opt(&self.title),
        }
    }

    /// The first thing to fix, if any.
    fn problem(&self) -> Option<String> {
        if !manual_people::is_email(self.email.trim()) {
            return Some("Enter the person's email address, like name@example.com.".into());
        }
        if self.given_name.trim().is_empty() && self.family_name.trim().is_empty() {
            return Some("Enter the person's given name, family name, or both.".into());
        }
        None
    }
}

fn actor(who: &SignedIn) -> Actor {
    Actor::admin(who.admin.email.clone())
}

/// Records an admin's change to a person on `conn` (the change's transaction).
async fn audit(
    conn: &impl sea_orm::ConnectionTrait,
    state: &AdminState,
    who: &SignedIn,
    action: &str,
    person: PersonId,
    detail: &str,
) -> Result<(), AdminError> {
    rosterd_audit::record(
        conn,
        state.clock.as_ref(),
        who.tenant.id,
        rosterd_audit::NewEvent {
            channel: rosterd_audit::Channel::Admin,
            actor: &who.admin.email,
            action,
            target_type: "person",
            target_id: &person.to_string(),
            detail,
        },
    )
    .await?;
    Ok(())
}

fn form_page(
    who: &SignedIn,
    status: StatusCode,
    editing: Option<(PersonId, String)>,
    form: PersonForm,
    error: Option<String>,
) -> Response {
    let users = format!("{}/users", who.base());
    let (heading, action, cancel, submit) = match editing {
        Some((id, name)) => (
            format!("Edit {name}"),
            format!("{users}/{id}/edit"),
            format!("{users}/{id}"),
            "Save changes",
        ),
        None => (
            "Add a person".to_owned(),
            users.clone(),
            users,
            "Add person",
        ),
    };
    page(
        status,
        &FormPage {
            chrome: who.chrome(heading.clone(), Section::Users),
            heading,
            action,
            cancel,
            submit,
            csrf: who.csrf.clone(),
            form,
            error,
        },
    )
}

/// `GET /admin/{tenant}/users/new`.
pub async fn new(LicenseAdmin(who): LicenseAdmin) -> Response {
    form_page(&who, StatusCode::OK, None, PersonForm::default(), None)
}

/// `POST /admin/{tenant}/users`: adds a manual person.
pub async fn create(
    State(state): State<AdminState>,
    LicenseAdmin(who): LicenseAdmin,
    Checked(form): Checked<PersonForm>,
) -> Result<Response, AdminError> {
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;
    if let Some(problem) = form.problem() {
        return Ok(form_page(&who, invalid, None, form, Some(problem)));
    }
    let edit = form.edit();
    let txn = state.db.begin().await?;
    let created = rosterd_directory::people::create_manual(
        &txn,
        state.clock.as_ref(),
        who.tenant.id,
        &rosterd_directory::people::NewPerson {
            email: &edit.email,
            given: &edit.given_name,
            family: &edit.family_name,
            employee_number: edit.employee_number.as_deref(),
        },
    )
    .await;
    let person = match created {
        Ok(person) => person,
        Err(rosterd_directory::Error::EmailTaken(email)) => {
            let message = format!("{email} already belongs to someone in {}.", who.tenant.name);
            return Ok(form_page(&who, invalid, None, form, Some(message)));
        }
        Err(other) => return Err(super::directory_failure(other)),
    };
    // Department and title are not part of creating; set them in the same transaction.
    let person =
        manual_people::update_manual(&txn, state.clock.as_ref(), who.tenant.id, person.id, &edit)
            .await
            .map_err(super::directory_failure)?;
    let name = display_name(&person);
    audit(
        &txn,
        &state,
        &who,
        "person.create",
        person.id,
        &format!("added {name} ({})", edit.email),
    )
    .await?;
    txn.commit().await?;
    session::notify(
        &who.session,
        format!("{name} was added. Give them a license below."),
    )
    .await?;
    Ok(Redirect::to(&format!("{}/users/{}", who.base(), person.id)).into_response())
}

/// The person for an edit or removal: 404 if unknown, refused with the reason if IdP-managed.
async fn manual_person(
    state: &AdminState,
    who: &SignedIn,
    id: PersonId,
) -> Result<rosterd_directory::Person, AdminError> {
    let listed = load(state, who, id).await?;
    if !listed.apps.is_empty() {
        return Err(AdminError::Forbidden(managed_reason(&listed.apps)));
    }
    Ok(listed.person)
}

/// `GET /admin/{tenant}/users/{person_id}/edit`.
pub async fn edit(
    State(state): State<AdminState>,
    LicenseAdmin(who): LicenseAdmin,
    Path(path): Path<PersonPath>,
) -> Result<Response, AdminError> {
    let id = person_id(&path.person_id)?;
    let p = manual_person(&state, &who, id).await?;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let form = PersonForm {
        csrf: String::new(),
        email: text(&p.email),
        given_name: text(&p.given_name),
        family_name: text(&p.family_name),
        employee_number: text(&p.employee_number),
        department: text(&p.department),
        title: text(&p.title),
    };
    Ok(form_page(
        &who,
        StatusCode::OK,
        Some((id, display_name(&p))),
        form,
        None,
    ))
}

/// `POST /admin/{tenant}/users/{person_id}/edit`.
pub async fn update(
    State(state): State<AdminState>,
    LicenseAdmin(who): LicenseAdmin,
    Path(path): Path<PersonPath>,
    Checked(form): Checked<PersonForm>,
) -> Result<Response, AdminError> {
    let id = person_id(&path.person_id)?;
    let before = manual_person(&state, &who, id).await?;
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;
    let editing = Some((id, display_name(&before)));
    if let Some(problem) = form.problem() {
        return Ok(form_page(&who, invalid, editing, form, Some(problem)));
    }
    let edit = form.edit();
    let txn = state.db.begin().await?;
    let updated =
        manual_people::update_manual(&txn, state.clock.as_ref(), who.tenant.id, id, &edit).await;
    let person = match updated {
        Ok(person) => person,
        Err(rosterd_directory::Error::EmailTaken(email)) => {
            let message = format!(
                "{email} already belongs to someone else in {}.",
                who.tenant.name
            );
            return Ok(form_page(&who, invalid, editing, form, Some(message)));
        }
        Err(rosterd_directory::Error::ManagedByIdp(apps)) => {
            return Err(AdminError::Forbidden(managed_reason(&apps)));
        }
        Err(other) => return Err(super::directory_failure(other)),
    };
    let changes = changed_fields(&before, &person);
    let name = display_name(&person);
    let detail = if changes.is_empty() {
        format!("saved {name} without changes")
    } else {
        format!("changed {} of {name}", changes.join(", "))
    };
    audit(&txn, &state, &who, "person.update", id, &detail).await?;
    txn.commit().await?;
    session::notify(&who.session, format!("{name} was saved.")).await?;
    Ok(Redirect::to(&format!("{}/users/{id}", who.base())).into_response())
}

/// The attributes that differ, by name (values stay out of the audit log's detail).
fn changed_fields(
    a: &rosterd_directory::Person,
    b: &rosterd_directory::Person,
) -> Vec<&'static str> {
    [
        ("email", a.email != b.email),
        ("given name", a.given_name != b.given_name),
        ("family name", a.family_name != b.family_name),
        ("employee number", a.employee_number != b.employee_number),
        ("department", a.department != b.department),
        ("title", a.title != b.title),
    ]
    .into_iter()
    .filter_map(|(name, changed)| changed.then_some(name))
    .collect()
}

/// `GET /admin/{tenant}/users/{person_id}/remove`: what removing will do, and the confirmation.
pub async fn confirm_remove(
    State(state): State<AdminState>,
    LicenseAdmin(who): LicenseAdmin,
    Path(path): Path<PersonPath>,
) -> Result<Response, AdminError> {
    let id = person_id(&path.person_id)?;
    let p = manual_person(&state, &who, id).await?;
    let licenses = rosterd_ledger::licenses_of(&state.db, who.tenant.id, id).await?;
    let here = format!("{}/users/{id}", who.base());
    let name = display_name(&p);
    Ok(page(
        StatusCode::OK,
        &RemovePage {
            chrome: who.chrome(format!("Remove {name}"), Section::Users),
            name,
            action: format!("{here}/remove"),
            cancel: here,
            csrf: who.csrf.clone(),
            revokes: licenses
                .iter()
                .filter(|l| l.state.is_live())
                .map(|l| l.kind.display_name())
                .collect(),
        },
    ))
}

/// `POST /admin/{tenant}/users/{person_id}/remove`: revokes the person's manual licenses,
/// takes them off waiting lists, and removes them.
pub async fn remove(
    State(state): State<AdminState>,
    LicenseAdmin(who): LicenseAdmin,
    Path(path): Path<PersonPath>,
    Checked(_): Checked<CsrfOnly>,
) -> Result<Response, AdminError> {
    let id = person_id(&path.person_id)?;
    let listed = load(&state, &who, id).await?;
    if !listed.apps.is_empty() {
        return Err(AdminError::Forbidden(managed_reason(&listed.apps)));
    }
    let name = display_name(&listed.person);
    let tenant = who.tenant.id;
    let clock = state.clock.as_ref();
    let txn = state.db.begin().await?;
    let live: Vec<_> = rosterd_ledger::licenses_of(&txn, tenant, id)
        .await?
        .into_iter()
        .filter(|l| l.state.is_live())
        .collect();
    if let Some(owned) = live.iter().find(|l| l.source != LicenseSource::Manual) {
        return Err(AdminError::Forbidden(format!(
            "{name} holds a {} license that an identity provider manages; it must be revoked there before {name} can be removed.",
            owned.kind.display_name()
        )));
    }
    let reason = format!("{name} removed by {}", who.admin.email);
    for license in &live {
        rosterd_ledger::revoke_manual(
            &rosterd_ledger::TenantLedger::new(&txn, clock, tenant, &actor(&who)),
            id,
            license.kind,
            &reason,
        )
        .await?;
    }
    for kind in &listed.waiting {
        rosterd_ledger::dequeue(&txn, tenant, id, *kind).await?;
    }
    manual_people::remove_manual(&txn, clock, tenant, id)
        .await
        .map_err(super::directory_failure)?;
    let revoked: Vec<&str> = live.iter().map(|l| l.kind.display_name()).collect();
    let detail = if revoked.is_empty() {
        format!("removed {name}")
    } else {
        format!("removed {name}, revoking {}", revoked.join(", "))
    };
    audit(&txn, &state, &who, "person.remove", id, &detail).await?;
    txn.commit().await?;
    let notice = if revoked.is_empty() {
        format!("{name} was removed.")
    } else {
        format!(
            "{name} was removed, and their {} seats are free again.",
            revoked.join(", ")
        )
    };
    session::notify(&who.session, notice).await?;
    Ok(Redirect::to(&format!("{}/users", who.base())).into_response())
}
