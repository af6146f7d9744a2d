//! `GET /admin/{tenant}/users/{person_id}`: one person's attributes, licenses (state and
//! source), waiting lists, groups and audit trail, with the forms an admin of their role may use.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use rosterd_directory::people_list::{self, ListedPerson};
use rosterd_domain::{LicenseKind, PersonId, Product};
use rosterd_ledger::{LicenseSource, LicenseState};
use serde::Deserialize;

use super::{apps_label, can_change, display_name, managed_reason, person_id};
use crate::AdminState;
use crate::auth::{Section, SignedIn};
use crate::error::AdminError;
use crate::render::{Chrome, page, when};

/// How many audit events the person page shows.
const TRAIL: u64 = 50;

/// The `{person_id}` of a person path (the tenant comes from the session).
#[derive(Debug, Deserialize)]
pub struct PersonPath {
    pub person_id: String,
}

#[derive(Template)]
#[template(path = "users/person.html")]
struct PersonPage {
    chrome: Chrome,
    users: String,
    here: String,
    csrf: String,
    can_change: bool,
    name: String,
    email: String,
    idp: Option<String>,
    managed: Option<String>,
    facts: Vec<Fact>,
    licenses: Vec<LicenseRow>,
    waiting: Vec<WaitRow>,
    grantable: Vec<KindOption>,
    error: Option<String>,
    groups: Vec<GroupRow>,
    events: Vec<EventRow>,
}

struct Fact {
    label: &'static str,
    value: String,
}

struct LicenseRow {
    kind: &'static str,
    slug: &'static str,
    state: &'static str,
    live: bool,
    source: String,
    since: String,
    /// Revocable here: a live manual license and an admin who may change.
    revocable: bool,
    /// Why it cannot be revoked here (an IdP owns it).
    owned: Option<String>,
    /// An activation notice can be resent (assigned, not yet activated).
    resend: bool,
}

struct WaitRow {
    kind: &'static str,
}

struct KindOption {
    slug: &'static str,
    label: String,
}

struct GroupRow {
    name: String,
    product: &'static str,
    idp: bool,
}

struct EventRow {
    when: String,
    channel: &'static str,
    actor: String,
    action: String,
    detail: String,
}

/// The person, or 404 (unknown, removed, or of another tenant: the query is the tenant's).
pub(super) async fn load(
    state: &AdminState,
    who: &SignedIn,
    id: PersonId,
) -> Result<ListedPerson, AdminError> {
    people_list::find_person(&state.db, who.tenant.id, id)
        .await
        .map_err(super::directory_failure)?
        .ok_or(AdminError::NotFound)
}

fn source_label(source: LicenseSource) -> String {
    match source {
        LicenseSource::Manual => "Given by hand".to_owned(),
        LicenseSource::Scim(product) => format!("{} SCIM app", product.display_name()),
    }
}

fn channel_label(channel: rosterd_audit::Channel) -> &'static str {
    match channel {
        rosterd_audit::Channel::Scim => "SCIM app",
        rosterd_audit::Channel::Admin => "Admin",
        rosterd_audit::Channel::Operator => "Operator",
        rosterd_audit::Channel::System => "rosterd",
        rosterd_audit::Channel::Person => "The person",
    }
}

/// Renders the person page with `status`, and `error` above the license form.
pub(super) async fn render(
    state: &AdminState,
    who: &SignedIn,
    id: PersonId,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response, AdminError> {
    let listed = load(state, who, id).await?;
    let p = &listed.person;
    let tenant = who.tenant.id;
    let changer = can_change(who);
    let licenses = rosterd_ledger::licenses_of(&state.db, tenant, id).await?;
    let pools = rosterd_ledger::pools(&state.db, tenant).await?;
    let groups = people_list::groups_of_person(&state.db, tenant, id)
        .await
        .map_err(super::directory_failure)?;
    let events = rosterd_audit::list(
        &state.db,
        tenant,
        &rosterd_audit::Query {
            target: Some(("person".to_owned(), id.to_string())),
            limit: Some(TRAIL),
            ..rosterd_audit::Query::default()
        },
    )
    .await?;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let facts = vec![
        Fact {
            label: "Email",
            value: text(&p.email),
        },
        Fact {
            label: "Given name",
            value: text(&p.given_name),
        },
        Fact {
            label: "Family name",
            value: text(&p.family_name),
        },
        Fact {
            label: "Display name",
            value: text(&p.display_name),
        },
        Fact {
            label: "Employee number",
            value: text(&p.employee_number),
        },
        Fact {
            label: "Department",
            value: text(&p.department),
        },
        Fact {
            label: "Title",
            value: text(&p.title),
        },
        Fact {
            label: "Created",
            value: when(p.created_at),
        },
        Fact {
            label: "Last changed",
            value: when(p.updated_at),
        },
    ];
    // Live licenses first, then the history of revoked ones, newest first within each.
    let mut ordered = licenses.clone();
    ordered.sort_by_key(|l| (!l.state.is_live(), std::cmp::Reverse(l.created_at)));
    let license_rows = ordered
        .iter()
        .map(|l| {
            let live = l.state.is_live();
            let owned = match l.source {
                LicenseSource::Scim(product) if live => Some(format!(
                    "Managed by the {} SCIM app: change it in your identity provider.",
                    product.display_name()
                )),
                _ => None,
            };
            LicenseRow {
                kind: l.kind.display_name(),
                slug: l.kind.slug(),
                state: l.state.as_str(),
                live,
                source: source_label(l.source),
                since: when(l.created_at),
                revocable: changer && live && l.source == LicenseSource::Manual,
                owned,
                resend: changer && l.state == LicenseState::Assigned,
            }
        })
        .collect();
    let held: Vec<Product> = licenses
        .iter()
        .filter(|l| l.state.is_live())
        .map(|l| l.kind.product())
        .collect();
    let grantable = LicenseKind::ALL
        .into_iter()
        .filter(|k| !held.contains(&k.product()))
        .map(|k| {
            let free = pools
                .iter()
                .find(|pool| pool.license_kind == k)
                .map_or(0, |pool| (pool.capacity - pool.in_use).max(0));
            KindOption {
                slug: k.slug(),
                label: format!("{} ({free} free)", k.display_name()),
            }
        })
        .collect();
    let here = format!("{}/users/{id}", who.base());
    let page_data = PersonPage {
        chrome: who.chrome(display_name(p), Section::Users),
        users: format!("{}/users", who.base()),
        csrf: who.csrf.clone(),
        can_change: changer,
        name: display_name(p),
        email: text(&p.email),
        idp: (!listed.apps.is_empty()).then(|| apps_label(&listed.apps)),
        managed: (!listed.apps.is_empty()).then(|| managed_reason(&listed.apps)),
        facts,
        licenses: license_rows,
        waiting: listed
            .waiting
            .iter()
            .map(|k| WaitRow {
                kind: k.display_name(),
            })
            .collect(),
        grantable,
        error,
        groups: groups
            .into_iter()
            .map(|g| GroupRow {
                product: g.product.map_or("", Product::display_name),
                idp: g.source == "idp",
                name: g.name,
            })
            .collect(),
        events: events
            .into_iter()
            .map(|e| EventRow {
                when: when(e.created_at),
                channel: channel_label(e.channel),
                actor: e.actor,
                action: e.action,
                detail: e.detail,
            })
            .collect(),
        here,
    };
    Ok(page(status, &page_data))
}

/// `GET /admin/{tenant}/users/{person_id}`.
pub async fn show(
    State(state): State<AdminState>,
    who: SignedIn,
    Path(path): Path<PersonPath>,
) -> Result<Response, AdminError> {
    let id = person_id(&path.person_id)?;
    render(&state, &who, id, StatusCode::OK, None).await
}
