//! `/admin/{tenant}/licenses/policy`: the Sales Navigator license policy editor. The default
//! tier and ordered rules (an IdP group, or a user attribute's value, gives a tier; the first
//! match wins) in one server-side form: rows are added, removed and moved with submit buttons,
//! no script needed. Preview shows what saving would do, per pool, with names, without saving;
//! saving stores the policy and re-evaluates everyone the app provisions in one transaction,
//! then shows what changed. Full and license admins edit; reporting admins read.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use rosterd_ledger::{Actor, Plan, RULE_ATTRIBUTES, parse_tier, tier_name};
use rosterd_scim_sales_navigator as sales_navigator;
use rosterd_tenancy::AdminRole;

use crate::AdminState;
use crate::auth::{LicenseAdmin, Section, SignedIn};
use crate::csrf::{Checked, Fields};
use crate::error::AdminError;
use crate::render::{Chrome, page};

mod draft;

use draft::Draft;

#[derive(Template)]
#[template(path = "licenses/policy.html")]
struct PolicyPage {
    chrome: Chrome,
    /// The licenses overview, this page's parent.
    licenses: String,
    /// Whether the admin may edit (full and license admins).
    editable: bool,
    action: String,
    preview_action: String,
    csrf: String,
    default_options: Vec<Choice>,
    rows: Vec<RowView>,
    /// A message about the form as a whole (e.g. nothing to preview).
    error: Option<String>,
    /// "Preview" or "Saved": what the plan below is.
    plan_title: Option<&'static str>,
    plan: Option<PlanView>,
    updated: String,
}

/// An option of a select.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// One rule row as the form shows it.
struct RowView {
    index: usize,
    number: usize,
    matches: Vec<Choice>,
    value: String,
    tiers: Vec<Choice>,
    error: Option<String>,
    first: bool,
    last: bool,
    /// For the read-only view.
    summary: String,
}

/// A plan as the page shows it.
struct PlanView {
    people: usize,
    empty: bool,
    pools: Vec<PoolView>,
}

struct PoolView {
    name: &'static str,
    capacity: i64,
    in_use_before: i64,
    in_use_after: i64,
    /// `(label, count, names)` of each non-empty list.
    lists: Vec<(&'static str, usize, String)>,
    waiting_after: usize,
}

fn tier_label(tier: &str) -> String {
    match parse_tier(tier) {
        Ok(kind) => kind.display_name().to_owned(),
        Err(_) => "No license".to_owned(),
    }
}

fn view_plan(plan: &Plan) -> PlanView {
    let join = |names: Vec<String>| names.join(", ");
    PlanView {
        people: plan.people,
        empty: plan.is_empty(),
        pools: plan
            .pools
            .iter()
            .map(|p| {
                let lists = [
                    (
                        "Assigned",
                        p.assigned.len(),
                        join(p.assigned.iter().map(|n| n.name.clone()).collect()),
                    ),
                    (
                        "Changed tier",
                        p.changed.len(),
                        join(
                            p.changed
                                .iter()
                                .map(|c| format!("{} (from {})", c.name, c.from.display_name()))
                                .collect(),
                        ),
                    ),
                    (
                        "Revoked",
                        p.revoked.len(),
                        join(p.revoked.iter().map(|n| n.name.clone()).collect()),
                    ),
                    (
                        "Adopted from manual",
                        p.adopted.len(),
                        join(p.adopted.iter().map(|n| n.name.clone()).collect()),
                    ),
                    (
                        "Put on the waiting list",
                        p.waiting.len(),
                        join(p.waiting.iter().map(|n| n.name.clone()).collect()),
                    ),
                    (
                        "Taken off the waiting list",
                        p.left_waiting.len(),
                        join(p.left_waiting.iter().map(|n| n.name.clone()).collect()),
                    ),
                ]
                .into_iter()
                .filter(|(_, count, _)| *count > 0)
                .collect();
                PoolView {
                    name: p.kind.display_name(),
                    capacity: p.capacity,
                    in_use_before: p.in_use_before,
                    in_use_after: p.in_use_after,
                    lists,
                    waiting_after: p.waiting_after,
                }
            })
            .collect(),
    }
}

/// What a render shows besides the form.
struct Shown {
    status: StatusCode,
    errors: Vec<(Option<usize>, String)>,
    plan: Option<(&'static str, Plan)>,
}

async fn render(
    state: &AdminState,
    who: &SignedIn,
    draft: &Draft,
    shown: Shown,
) -> Result<Response, AdminError> {
    let stored = sales_navigator::policy(&state.db, who.tenant.id).await?;
    let mut by_row: HashMap<usize, String> = HashMap::new();
    let mut error = None;
    for (row, message) in shown.errors {
        match row {
            Some(n) => {
                by_row.entry(n).or_insert(message);
            }
            None => error = Some(message),
        }
    }
    let choice = |value: &str, label: String, current: &str| Choice {
        selected: value == current,
        value: value.to_owned(),
        label,
    };
    let default_options = std::iter::once(choice("none", "No license".into(), &draft.default))
        .chain(
            sales_navigator::TIERS
                .iter()
                .map(|k| choice(tier_name(*k), k.display_name().into(), &draft.default)),
        )
        .collect();
    let len = draft.rows.len();
    let rows = draft
        .rows
        .iter()
        .enumerate()
        .map(|(index, row)| {
            let matches = std::iter::once(choice("group", "Group".into(), &row.matcher))
                .chain(
                    RULE_ATTRIBUTES
                        .iter()
                        .map(|a| choice(a, format!("Attribute: {a}"), &row.matcher)),
                )
                .collect();
            let tiers = sales_navigator::TIERS
                .iter()
                .map(|k| choice(tier_name(*k), k.display_name().into(), &row.tier))
                .collect();
            let what = if row.matcher == "group" {
                format!("member of group “{}”", row.value)
            } else {
                format!("{} is “{}”", row.matcher, row.value)
            };
            RowView {
                index,
                number: index + 1,
                matches,
                value: row.value.clone(),
                tiers,
                error: by_row.remove(&index),
                first: index == 0,
                last: index + 1 == len,
                summary: format!("{what} → {}", tier_label(&row.tier)),
            }
        })
        .collect();
    let (plan_title, plan) = match shown.plan {
        Some((title, plan)) => (Some(title), Some(view_plan(&plan))),
        None => (None, None),
    };
    let base = who.base();
    Ok(page(
        shown.status,
        &PolicyPage {
            chrome: who.chrome("Sales Navigator license policy", Section::Licenses),
            licenses: format!("{base}/licenses"),
            editable: who.admin.role != AdminRole::Reporting,
            action: format!("{base}/licenses/policy"),
            preview_action: format!("{base}/licenses/policy/preview"),
            csrf: who.csrf.clone(),
            default_options,
            rows,
            error,
            plan_title,
            plan,
            updated: stored.updated_at.map_or_else(
                || "never (the built-in policy applies)".to_owned(),
                crate::render::when,
            ),
        },
    ))
}

/// `GET /admin/{tenant}/licenses/policy`: the stored policy (any admin).
pub async fn show(State(state): State<AdminState>, who: SignedIn) -> Result<Response, AdminError> {
    let stored = sales_navigator::policy(&state.db, who.tenant.id).await?;
    let shown = Shown {
        status: StatusCode::OK,
        errors: Vec::new(),
        plan: None,
    };
    render(&state, &who, &Draft::of(&stored.policy), shown).await
}

/// `POST /admin/{tenant}/licenses/policy/preview`: edits rows (`op` = `add`, `remove-N`,
/// `up-N`, `down-N`) or previews (`op` = `preview`); never saves.
pub async fn preview(
    State(state): State<AdminState>,
    LicenseAdmin(who): LicenseAdmin,
    Checked(form): Checked<Fields>,
) -> Result<Response, AdminError> {
    let mut draft = Draft::read(&form);
    let op = form.get("op");
    if op != "preview" {
        draft.edit(op);
        let shown = Shown {
            status: StatusCode::OK,
            errors: Vec::new(),
            plan: None,
        };
        return render(&state, &who, &draft, shown).await;
    }
    let policy = match draft.policy() {
        Ok(policy) => policy,
        Err(errors) => return invalid(&state, &who, &draft, errors).await,
    };
    let plan = sales_navigator::preview(&state.db, who.tenant.id, &policy).await?;
    let shown = Shown {
        status: StatusCode::OK,
        errors: Vec::new(),
        plan: Some(("Preview: what saving would do (nothing is saved yet)", plan)),
    };
    render(&state, &who, &draft, shown).await
}

/// `POST /admin/{tenant}/licenses/policy`: saves the policy and re-evaluates everyone the app
/// provisions, in one transaction; shows what changed.
pub async fn save(
    State(state): State<AdminState>,
    LicenseAdmin(who): LicenseAdmin,
    Checked(form): Checked<Fields>,
) -> Result<Response, AdminError> {
    let draft = Draft::read(&form);
    let policy = match draft.policy() {
        Ok(policy) => policy,
        Err(errors) => return invalid(&state, &who, &draft, errors).await,
    };
    let actor = Actor::admin(who.admin.email.clone())
        .with_cause("Sales Navigator policy saved in the admin center");
    let (_, plan) = sales_navigator::save(
        &state.db,
        state.clock.as_ref(),
        who.tenant.id,
        &policy,
        &actor,
    )
    .await?;
    let shown = Shown {
        status: StatusCode::OK,
        errors: Vec::new(),
        plan: Some(("Saved: what changed", plan)),
    };
    render(&state, &who, &Draft::of(&policy), shown).await
}

async fn invalid(
    state: &AdminState,
    who: &SignedIn,
    draft: &Draft,
    errors: Vec<(Option<usize>, String)>,
) -> Result<Response, AdminError> {
    let shown = Shown {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        errors,
        plan: None,
    };
    render(state, who, draft, shown).await
}
