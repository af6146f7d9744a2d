//! `/admin/{tenant}/groups/{id}`: one group and its members. An IdP group is read-only (its
//! identity provider owns its name and members); a manual group can be renamed, deleted (after
//! a confirmation page) and given or relieved of members, picked by searching their email.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rosterd_directory::manual_groups::{self, GroupError, GroupInfo, GroupSource};
use rosterd_domain::{GroupId, PersonId};
use serde::Deserialize;

use super::{dir_error, group_url, may_edit, name_problem, source_label};
use crate::AdminState;
use crate::auth::{LicenseAdmin, Section, SignedIn};
use crate::csrf::{Checked, CsrfOnly, csrf_form};
use crate::error::AdminError;
use crate::pages::{admin_actor, change};
use crate::render::{Chrome, page, when};
use crate::session;

/// Members listed on the page; a bigger group says how many more there are.
const SHOWN_MEMBERS: u64 = 1000;

#[derive(Template)]
#[template(path = "groups/show.html")]
struct GroupPage {
    chrome: Chrome,
    name: String,
    product: &'static str,
    source: &'static str,
    idp: bool,
    member_count: u64,
    created: String,
    updated: String,
    members: Vec<MemberRow>,
    more: u64,
    /// The forms of a manual group, for admins who may change it.
    edit: Option<EditView>,
    back: String,
}

struct MemberRow {
    email: String,
    name: String,
    idp: bool,
    /// The remove form's action, when the admin may remove.
    remove: Option<String>,
}

struct EditView {
    csrf: String,
    rename_action: String,
    name: String,
    error: Option<String>,
    search_action: String,
    query: String,
    /// `None` before a search.
    results: Option<Vec<Candidate>>,
    add_action: String,
    delete: String,
}

struct Candidate {
    person: String,
    email: String,
    name: String,
    idp: bool,
    member: bool,
}

#[derive(Template)]
#[template(path = "groups/delete.html")]
struct DeletePage {
    chrome: Chrome,
    name: String,
    product: &'static str,
    member_count: u64,
    action: String,
    csrf: String,
    back: String,
}

/// The page's query: an email search for people to add.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SearchQuery {
    q: String,
}

/// The rename form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RenameForm {
    csrf: String,
    name: String,
}

/// The add-member form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AddForm {
    csrf: String,
    person: String,
}
csrf_form!(RenameForm, AddForm);

fn group_id(raw: &str) -> Result<GroupId, AdminError> {
    raw.parse().map_err(|_| AdminError::NotFound)
}

/// The group of the tenant with this id, any source; otherwise 404.
async fn group(state: &AdminState, who: &SignedIn, raw: &str) -> Result<GroupInfo, AdminError> {
    manual_groups::find_group(&state.db, who.tenant.id, group_id(raw)?)
        .await
        .map_err(dir_error)?
        .ok_or(AdminError::NotFound)
}

/// A manual group change that failed on something other than the name.
fn change_error(err: GroupError, who: &SignedIn) -> AdminError {
    match err {
        GroupError::NotFound | GroupError::PersonNotFound => AdminError::NotFound,
        GroupError::NotManual => AdminError::Forbidden(format!(
            "This group is managed by your identity provider, so rosterd shows it read-only. \
             Change its name or members in the identity provider; the next sync brings the change here. \
             (Signed in as {}.)",
            who.admin.email
        )),
        GroupError::Directory(err) => dir_error(err),
        other => AdminError::internal(format!("groups: {other}")),
    }
}

async fn render(
    state: &AdminState,
    who: &SignedIn,
    group: &GroupInfo,
    status: StatusCode,
    query: &str,
    rename: Option<(&str, String)>,
) -> Result<Response, AdminError> {
    let tenant = who.tenant.id;
    let url = group_url(who, group);
    let editable = group.source == GroupSource::Manual && may_edit(who);
    let members = manual_groups::members(&state.db, tenant, group.id, SHOWN_MEMBERS)
        .await
        .map_err(dir_error)?;
    let member_ids: std::collections::HashSet<PersonId> =
        members.iter().map(|m| m.person_id).collect();
    let edit = if editable {
        let results = if query.trim().is_empty() {
            None
        } else {
            let found = manual_groups::search_people(&state.db, tenant, query)
                .await
                .map_err(dir_error)?;
            Some(
                found
                    .into_iter()
                    .map(|p| Candidate {
                        member: member_ids.contains(&p.person_id),
                        person: p.person_id.to_string(),
                        email: p.email.unwrap_or_default(),
                        name: p.display_name.unwrap_or_default(),
                        idp: p.from_idp,
                    })
                    .collect(),
            )
        };
        let (name, error) = match rename {
            Some((name, error)) => (name.to_owned(), Some(error)),
            None => (group.name.clone(), None),
        };
        Some(EditView {
            csrf: who.csrf.clone(),
            rename_action: format!("{url}/rename"),
            name,
            error,
            search_action: url.clone(),
            query: query.to_owned(),
            results,
            add_action: format!("{url}/members"),
            delete: format!("{url}/delete"),
        })
    } else {
        None
    };
    let rows = members
        .into_iter()
        .map(|m| MemberRow {
            remove: editable.then(|| format!("{url}/members/{}/remove", m.person_id)),
            email: m.email.unwrap_or_else(|| "(no email)".to_owned()),
            name: m.display_name.unwrap_or_default(),
            idp: m.from_idp,
        })
        .collect::<Vec<_>>();
    let more = group.members.saturating_sub(rows.len() as u64);
    Ok(page(
        status,
        &GroupPage {
            chrome: who.chrome(format!("Group {}", group.name), Section::Groups),
            name: group.name.clone(),
            product: group.product.display_name(),
            source: source_label(group.source),
            idp: group.source == GroupSource::Idp,
            member_count: group.members,
            created: when(group.created_at),
            updated: when(group.updated_at),
            members: rows,
            more,
            edit,
            back: format!("{}/groups", who.base()),
        },
    ))
}

/// `GET /admin/{tenant}/groups/{id}[?q=email]` (every admin role).
pub async fn show(
    State(state): State<AdminState>,
    who: SignedIn,
    Path((_, id)): Path<(String, String)>,
    Query(search): Query<SearchQuery>,
) -> Result<Response, AdminError> {
    let group = group(&state, &who, &id).await?;
    render(&state, &who, &group, StatusCode::OK, &search.q, None).await
}

/// `POST /admin/{tenant}/groups/{id}/rename`.
pub async fn rename(
    State(state): State<AdminState>,
    LicenseAdmin(who): LicenseAdmin,
    Path((_, id)): Path<(String, String)>,
    Checked(form): Checked<RenameForm>,
) -> Result<Response, AdminError> {
    let current = group(&state, &who, &id).await?;
    let actor = admin_actor(&who);
    let renamed =
        manual_groups::rename_manual(change(&state, &who, &actor), current.id, &form.name).await;
    let renamed = match renamed {
        Ok(renamed) => renamed,
        Err(
            err @ (GroupError::EmptyName | GroupError::NameTooLong | GroupError::NameTaken { .. }),
        ) => {
            let error = name_problem(err, current.product)?;
            let invalid = StatusCode::UNPROCESSABLE_ENTITY;
            return render(
                &state,
                &who,
                &current,
                invalid,
                "",
                Some((&form.name, error)),
            )
            .await;
        }
        Err(err) => return Err(change_error(err, &who)),
    };
    session::notify(&who.session, renamed.summary).await?;
    Ok(Redirect::to(&group_url(&who, &renamed.group)).into_response())
}

/// `GET /admin/{tenant}/groups/{id}/delete`: asks before deleting.
pub async fn confirm_delete(
    State(state): State<AdminState>,
    LicenseAdmin(who): LicenseAdmin,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, AdminError> {
    let group = group(&state, &who, &id).await?;
    if group.source != GroupSource::Manual {
        return Err(change_error(GroupError::NotManual, &who));
    }
    let url = group_url(&who, &group);
    Ok(page(
        StatusCode::OK,
        &DeletePage {
            chrome: who.chrome(format!("Delete group {}", group.name), Section::Groups),
            name: group.name.clone(),
            product: group.product.display_name(),
            member_count: group.members,
            action: format!("{url}/delete"),
            csrf: who.csrf.clone(),
            back: url,
        },
    ))
}

/// `POST /admin/{tenant}/groups/{id}/delete`.
pub async fn delete(
    State(state): State<AdminState>,
    LicenseAdmin(who): LicenseAdmin,
    Path((_, id)): Path<(String, String)>,
    Checked(_): Checked<CsrfOnly>,
) -> Result<Response, AdminError> {
    let id = group_id(&id)?;
    let actor = admin_actor(&who);
    let deleted = manual_groups::delete_manual(change(&state, &who, &actor), id)
        .await
        .map_err(|e| change_error(e, &who))?;
    session::notify(&who.session, deleted.summary).await?;
    Ok(Redirect::to(&format!("{}/groups", who.base())).into_response())
}

/// `POST /admin/{tenant}/groups/{id}/members`: adds a person (IdP or manual) to a manual group.
pub async fn add_member(
    State(state): State<AdminState>,
    LicenseAdmin(who): LicenseAdmin,
    Path((_, id)): Path<(String, String)>,
    Checked(form): Checked<AddForm>,
) -> Result<Response, AdminError> {
    let id = group_id(&id)?;
    let person: PersonId = form.person.parse().map_err(|_| AdminError::NotFound)?;
    let actor = admin_actor(&who);
    let added = manual_groups::add_member(change(&state, &who, &actor), id, person)
        .await
        .map_err(|e| change_error(e, &who))?;
    session::notify(&who.session, added.summary).await?;
    Ok(Redirect::to(&group_url(&who, &added.group)).into_response())
}

/// `POST /admin/{tenant}/groups/{id}/members/{person}/remove`.
pub async fn remove_member(
    State(state): State<AdminState>,
    LicenseAdmin(who): LicenseAdmin,
    Path((_, id, person)): Path<(String, String, String)>,
    Checked(_): Checked<CsrfOnly>,
) -> Result<Response, AdminError> {
    let id = group_id(&id)?;
    let person: PersonId = person.parse().map_err(|_| AdminError::NotFound)?;
    let actor = admin_actor(&who);
    let removed = manual_groups::remove_member(change(&state, &who, &actor), id, person)
        .await
        .map_err(|e| change_error(e, &who))?;
    session::notify(&who.session, removed.summary).await?;
    Ok(Redirect::to(&group_url(&who, &removed.group)).into_response())
}
