//! `/admin/{tenant}/groups`: every group of the tenant. IdP groups (pushed by a product app's
//! identity provider) are shown read-only with their app; manual groups are made here by
//! full and license admins, for reporting. Names are unique per product across both kinds, and
//! a name that is taken is explained next to the field ([`name_problem`]). Every manual group
//! change writes an audit event on the change's own transaction.

pub mod detail;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rosterd_directory::manual_groups::{self, GroupError, GroupInfo, GroupSource};
use rosterd_domain::{Product, TenantId};
use rosterd_tenancy::AdminRole;
use serde::Deserialize;

use crate::AdminState;
use crate::auth::{LicenseAdmin, Section, SignedIn};
use crate::csrf::{Checked, csrf_form};
use crate::error::AdminError;
use crate::render::{Chrome, page, when};
use crate::session;

#[derive(Template)]
#[template(path = "groups/index.html")]
struct GroupsPage {
    chrome: Chrome,
    groups: Vec<GroupRow>,
    /// The create form, for admins who may change groups.
    create: Option<CreateView>,
}

struct GroupRow {
    href: String,
    name: String,
    product: &'static str,
    idp: bool,
    members: u64,
    updated: String,
}

struct CreateView {
    action: String,
    csrf: String,
    products: Vec<ProductOption>,
    name: String,
    error: Option<String>,
}

struct ProductOption {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

/// The create form's fields.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CreateForm {
    csrf: String,
    product: String,
    name: String,
}
csrf_form!(CreateForm);

/// Whether this admin may change manual groups (full and license admins).
pub(crate) fn may_edit(who: &SignedIn) -> bool {
    who.admin.role != AdminRole::Reporting
}

pub(crate) fn dir_error(err: rosterd_directory::Error) -> AdminError {
    AdminError::internal(format!("directory: {err}"))
}

/// A group-change error the admin can fix, in words; anything else is an internal error.
pub(crate) fn name_problem(err: GroupError, product: Product) -> Result<String, AdminError> {
    let app = product.display_name();
    Ok(match err {
        GroupError::EmptyName => "Enter a name for the group.".to_owned(),
        GroupError::NameTooLong => format!(
            "Use a shorter name: at most {} characters.",
            manual_groups::MAX_NAME_CHARS
        ),
        GroupError::NameTaken {
            name,
            holder: Some(GroupSource::Idp),
        } => format!(
            "“{name}” is already the name of a group your identity provider manages in {app}. \
             Group names are unique within a product, across IdP and manual groups, so that the \
             IdP can never overwrite a group made here. Choose another name, such as “{name} (reporting)”."
        ),
        GroupError::NameTaken {
            name,
            holder: Some(GroupSource::Manual),
        } => format!(
            "There is already a manual group called “{name}” in {app}. Choose another name, \
             or open that group and add the people to it."
        ),
        GroupError::NameTaken { name, holder: None } => format!(
            "Another group in {app} took the name “{name}” a moment ago. Choose another name."
        ),
        GroupError::Directory(err) => return Err(dir_error(err)),
        other => return Err(AdminError::internal(format!("groups: {other}"))),
    })
}

pub(crate) fn group_url(who: &SignedIn, group: &GroupInfo) -> String {
    format!("{}/groups/{}", who.base(), group.id)
}

pub(crate) fn source_label(source: GroupSource) -> &'static str {
    match source {
        GroupSource::Idp => "IdP",
        GroupSource::Manual => "Manual",
    }
}

async fn render(
    state: &AdminState,
    who: &SignedIn,
    status: StatusCode,
    form: &CreateForm,
    error: Option<String>,
) -> Result<Response, AdminError> {
    let tenant: TenantId = who.tenant.id;
    let groups = manual_groups::list_groups(&state.db, tenant, None)
        .await
        .map_err(dir_error)?
        .iter()
        .map(|g| GroupRow {
            href: group_url(who, g),
            name: g.name.clone(),
            product: g.product.display_name(),
            idp: g.source == GroupSource::Idp,
            members: g.members,
            updated: when(g.updated_at),
        })
        .collect();
    let create = may_edit(who).then(|| CreateView {
        action: format!("{}/groups", who.base()),
        csrf: who.csrf.clone(),
        products: Product::ALL
            .into_iter()
            .map(|p| ProductOption {
                value: p.slug(),
                label: p.display_name(),
                selected: form.product == p.slug(),
            })
            .collect(),
        name: form.name.clone(),
        error,
    });
    Ok(page(
        status,
        &GroupsPage {
            chrome: who.chrome("Groups", Section::Groups),
            groups,
            create,
        },
    ))
}

/// `GET /admin/{tenant}/groups` (every admin role).
pub async fn list(State(state): State<AdminState>, who: SignedIn) -> Result<Response, AdminError> {
    render(&state, &who, StatusCode::OK, &CreateForm::default(), None).await
}

/// `POST /admin/{tenant}/groups` (full and license admins): creates a manual group.
pub async fn create(
    State(state): State<AdminState>,
    LicenseAdmin(who): LicenseAdmin,
    Checked(form): Checked<CreateForm>,
) -> Result<Response, AdminError> {
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;
    let Ok(product) = form.product.parse::<Product>() else {
        let error = Some("Choose the product the group is for.".to_owned());
        return render(&state, &who, invalid, &form, error).await;
    };
    let actor = crate::pages::admin_actor(&who);
    let change = crate::pages::change(&state, &who, &actor);
    let created = match manual_groups::create_manual(change, product, &form.name).await {
        Ok(created) => created,
        Err(err) => {
            let error = name_problem(err, product)?;
            return render(&state, &who, invalid, &form, Some(error)).await;
        }
    };
    session::notify(&who.session, created.summary).await?;
    Ok(Redirect::to(&group_url(&who, &created.group)).into_response())
}
