//! Adding, editing and removing manual people (full and license admins). Each change and its
//! audit event commit in one transaction. Removing revokes the person's manual licenses through
//! the ledger first (freeing their seats), in the same transaction.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rosterd_directory::manual_people::{self, PersonEdit};
use rosterd_domain::PersonId;
use serde::Deserialize;

use super::person::{PersonPath, load};
use super::{display_name, managed_reason, person_id};
use crate::AdminState;
use crate::auth::{LicenseAdmin, Section, SignedIn};
use crate::csrf::{Checked, CsrfOnly, csrf_form};
use crate::error::AdminError;
use crate::pages::{admin_actor, change};
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
    let actor = admin_actor(&who);
    let created = manual_people::add(change(&state, &who, &actor), &form.edit()).await;
    let person = match created {
        Ok(person) => person,
        Err(rosterd_directory::Error::EmailTaken(email)) => {
            let message = format!("{email} already belongs to someone in {}.", who.tenant.name);
            return Ok(form_page(&who, invalid, None, form, Some(message)));
        }
        Err(other) => return Err(super::directory_failure(other)),
    };
    let name = display_name(&person);
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
    let actor = admin_actor(&who);
    let updated = manual_people::edit(change(&state, &who, &actor), id, &form.edit()).await;
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
    let name = display_name(&person);
    session::notify(&who.session, format!("{name} was saved.")).await?;
    Ok(Redirect::to(&format!("{}/users/{id}", who.base())).into_response())
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
    let actor = admin_actor(&who);
    let removed = rosterd_licensing::remove_manual_person(change(&state, &who, &actor), id).await;
    let removed = match removed {
        Ok(removed) => removed,
        Err(err @ rosterd_licensing::Error::HeldThroughIdp { .. }) => {
            return Err(AdminError::Forbidden(err.to_string()));
        }
        Err(rosterd_licensing::Error::Directory(rosterd_directory::Error::ManagedByIdp(apps))) => {
            return Err(AdminError::Forbidden(managed_reason(&apps)));
        }
        Err(rosterd_licensing::Error::Directory(err)) => return Err(super::directory_failure(err)),
        Err(other) => return Err(AdminError::internal(other.to_string())),
    };
    let name = display_name(&removed.person);
    let revoked: Vec<&str> = removed.revoked.iter().map(|k| k.display_name()).collect();
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
