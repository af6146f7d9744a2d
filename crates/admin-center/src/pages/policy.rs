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
use rosterd_domain::{LicenseKind, Product, TenantId};
use rosterd_ledger::{
    Actor, LicensePolicy, Matcher, Plan, PolicySubject, RULE_ATTRIBUTES, Rule, Subject, WaitKey,
    parse_tier, tier_name,
};
use rosterd_tenancy::AdminRole;
use sea_orm::{ConnectionTrait, TransactionTrait};

use crate::AdminState;
use crate::auth::{LicenseAdmin, Section, SignedIn};
use crate::csrf::{Checked, Fields};
use crate::error::AdminError;
use crate::render::{Chrome, page};

const PRODUCT: Product = Product::SalesNavigator;
const TIERS: [LicenseKind; 3] = [
    LicenseKind::SalesNavigatorCore,
    LicenseKind::SalesNavigatorAdvanced,
    LicenseKind::SalesNavigatorAdvancedPlus,
];

#[derive(Template)]
#[template(path = "licenses/policy.html")]
struct PolicyPage {
    chrome: Chrome,
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

/// One row as submitted: what it matches (`group` or an attribute), the name or value, the tier.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Row {
    matcher: String,
    value: String,
    tier: String,
}

/// The form as submitted.
#[derive(Debug, Clone, Default)]
struct Draft {
    default: String,
    rows: Vec<Row>,
}

impl Draft {
    fn of(policy: &LicensePolicy) -> Self {
        Self {
            default: policy.default_name().to_owned(),
            rows: policy
                .rules
                .iter()
                .map(|rule| match &rule.matcher {
                    Matcher::Group(name) => Row {
                        matcher: "group".into(),
                        value: name.clone(),
                        tier: tier_name(rule.kind).into(),
                    },
                    Matcher::Attribute { name, value } => Row {
                        matcher: name.clone(),
                        value: value.clone(),
                        tier: tier_name(rule.kind).into(),
                    },
                })
                .collect(),
        }
    }

    /// Reads `default`, and `match-N`, `value-N`, `tier-N` for N = 0, 1, ... while present.
    fn read(form: &Fields) -> Self {
        let mut rows = Vec::new();
        for n in 0.. {
            let matcher = form.get(&format!("match-{n}"));
            if matcher.is_empty() {
                break;
            }
            rows.push(Row {
                matcher: matcher.to_owned(),
                value: form.get(&format!("value-{n}")).trim().to_owned(),
                tier: form.get(&format!("tier-{n}")).to_owned(),
            });
        }
        Self {
            default: form.get("default").to_owned(),
            rows,
        }
    }

    /// Applies a row edit (`add`, `remove-N`, `up-N`, `down-N`); anything else leaves it.
    fn edit(&mut self, op: &str) {
        let at = |prefix: &str| {
            op.strip_prefix(prefix)
                .and_then(|n| n.parse::<usize>().ok())
        };
        let len = self.rows.len();
        if op == "add" {
            self.rows.push(Row {
                matcher: "group".into(),
                value: String::new(),
                tier: "core".into(),
            });
        } else if let Some(n) = at("remove-").filter(|n| *n < len) {
            self.rows.remove(n);
        } else if let Some(n) = at("up-").filter(|n| *n > 0 && *n < len) {
            self.rows.swap(n - 1, n);
        } else if let Some(n) = at("down-").filter(|n| n + 1 < len) {
            self.rows.swap(n, n + 1);
        }
    }

    /// The policy, or the problems by row (`None`: the default).
    fn policy(&self) -> Result<LicensePolicy, Vec<(Option<usize>, String)>> {
        let mut errors = Vec::new();
        let default = match self.default.as_str() {
            "none" => None,
            tier => match parse_tier(tier) {
                Ok(kind) => Some(kind),
                Err(_) => {
                    errors.push((None, "Choose a default tier, or no license.".to_owned()));
                    None
                }
            },
        };
        // Rows that did not parse stay as `None`, so rule numbers stay the rows' numbers.
        let mut rules: Vec<Option<Rule>> = Vec::new();
        for (n, row) in self.rows.iter().enumerate() {
            match rule(row) {
                Ok(rule) => {
                    let earlier = rules
                        .iter()
                        .position(|r| r.as_ref().is_some_and(|r| same(&r.matcher, &rule.matcher)));
                    if let Some(earlier) = earlier {
                        errors.push((
                            Some(n),
                            format!(
                                "Rule {} already tests this; the first match wins, so this rule \
                                 would never apply. Remove one of them.",
                                earlier + 1
                            ),
                        ));
                    }
                    rules.push(Some(rule));
                }
                Err(message) => {
                    errors.push((Some(n), message));
                    rules.push(None);
                }
            }
        }
        if errors.is_empty() {
            let rules = rules.into_iter().flatten().collect();
            Ok(LicensePolicy { default, rules })
        } else {
            Err(errors)
        }
    }
}

/// One row as a rule, or what to fix.
fn rule(row: &Row) -> Result<Rule, String> {
    let kind = parse_tier(&row.tier).map_err(|_| "Choose a tier for this rule.".to_owned())?;
    let matcher = if row.matcher == "group" {
        if row.value.is_empty() {
            return Err("Enter the group's name (its displayName in your IdP) or id.".into());
        }
        Matcher::Group(row.value.clone())
    } else {
        let Some(name) = RULE_ATTRIBUTES.iter().find(|a| **a == row.matcher) else {
            return Err("Choose what this rule matches: a group or a user attribute.".into());
        };
        if row.value.is_empty() {
            return Err(format!("Enter the {name} value this rule matches."));
        }
        Matcher::Attribute {
            name: (*name).to_owned(),
            value: row.value.clone(),
        }
    };
    Ok(Rule { matcher, kind })
}

fn same(a: &Matcher, b: &Matcher) -> bool {
    let eq = |x: &str, y: &str| x.trim().to_lowercase() == y.trim().to_lowercase();
    match (a, b) {
        (Matcher::Group(x), Matcher::Group(y)) => eq(x, y),
        (
            Matcher::Attribute {
                name: n1,
                value: v1,
            },
            Matcher::Attribute {
                name: n2,
                value: v2,
            },
        ) => eq(n1, n2) && eq(v1, v2),
        _ => false,
    }
}

/// Everyone the Sales Navigator app provisions, as the policy sees them.
async fn subjects(
    db: &impl ConnectionTrait,
    tenant: TenantId,
) -> Result<Vec<PolicySubject>, AdminError> {
    let users = rosterd_directory::subjects::app_users(db, tenant, PRODUCT)
        .await
        .map_err(|e| AdminError::internal(format!("directory: {e}")))?;
    Ok(users
        .iter()
        .map(|user| PolicySubject {
            person: user.person_id,
            name: user.user_name.clone(),
            active: user.active,
            subject: Subject {
                groups: user.groups.clone(),
                attributes: user.attribute_values(&RULE_ATTRIBUTES),
            },
            key: WaitKey {
                employee_number: user.employee_number(),
                family_name: user.family_name(),
                given_name: user.given_name(),
            },
        })
        .collect())
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
    let stored = rosterd_ledger::get_policy(&state.db, who.tenant.id, PRODUCT).await?;
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
            TIERS
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
            let tiers = TIERS
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
            chrome: who.chrome("Sales Navigator license policy", Section::Overview),
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
    let stored = rosterd_ledger::get_policy(&state.db, who.tenant.id, PRODUCT).await?;
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
    let subjects = subjects(&state.db, who.tenant.id).await?;
    let plan =
        rosterd_ledger::preview_policy(&state.db, who.tenant.id, PRODUCT, &policy, &subjects)
            .await?;
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
    let txn = state.db.begin().await?;
    let subjects = subjects(&txn, who.tenant.id).await?;
    let actor = Actor::admin(who.admin.email.clone())
        .with_cause("Sales Navigator policy saved in the admin center");
    let (_, plan) = rosterd_ledger::apply_policy(
        &txn,
        state.clock.as_ref(),
        who.tenant.id,
        PRODUCT,
        &policy,
        &subjects,
        &actor,
    )
    .await?;
    txn.commit().await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn row(matcher: &str, value: &str, tier: &str) -> Row {
        Row {
            matcher: matcher.into(),
            value: value.into(),
            tier: tier.into(),
        }
    }

    fn draft(rows: &[Row]) -> Draft {
        Draft {
            default: "none".into(),
            rows: rows.to_vec(),
        }
    }

    #[test]
    fn row_edits_add_remove_and_move_within_bounds() {
        let (a, b) = (
            row("group", "A", "core"),
            row("department", "B", "advanced"),
        );
        let mut d = draft(&[a.clone(), b.clone()]);
        d.edit("down-0");
        assert_eq!(d.rows, [b.clone(), a.clone()]);
        d.edit("up-1");
        assert_eq!(d.rows, [a.clone(), b.clone()]);
        d.edit("up-0");
        d.edit("down-1");
        d.edit("remove-9");
        d.edit("nonsense");
        assert_eq!(d.rows, [a, b.clone()], "out of range edits do nothing");
        d.edit("remove-0");
        assert_eq!(d.rows, [b]);
        d.edit("add");
        assert_eq!(d.rows.len(), 2);
        assert_eq!(d.rows[1].value, "");
    }

    #[test]
    fn a_valid_draft_is_the_policy_it_shows() {
        let d = Draft {
            default: "advanced".into(),
            rows: vec![
                row("group", "Sales EMEA", "advanced-plus"),
                row("department", "Sales", "core"),
            ],
        };
        let policy = d.policy().unwrap();
        assert_eq!(
            policy,
            LicensePolicy::parse(
                "advanced",
                &["group:Sales EMEA=advanced-plus", "department:Sales=core"]
            )
            .unwrap()
        );
        let again = Draft::of(&policy);
        assert_eq!(again.rows, d.rows);
        assert_eq!(again.default, "advanced");
    }

    #[test]
    fn problems_are_reported_against_their_row() {
        let cases = [
            (row("group", "", "core"), "Enter the group's name"),
            (row("department", "", "core"), "Enter the department value"),
            (
                row("shoe-size", "42", "core"),
                "Choose what this rule matches",
            ),
            (row("group", "X", "platinum"), "Choose a tier"),
        ];
        for (bad, message) in cases {
            let errors = draft(&[row("group", "ok", "core"), bad])
                .policy()
                .unwrap_err();
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert_eq!(errors[0].0, Some(1));
            assert!(errors[0].1.contains(message), "{errors:?}");
        }
    }

    #[test]
    fn a_repeated_matcher_is_refused_naming_the_earlier_rule() {
        let errors = draft(&[
            row("group", "Sales", "core"),
            row("group", " sales ", "advanced"),
        ])
        .policy()
        .unwrap_err();
        assert_eq!(errors[0].0, Some(1));
        assert!(
            errors[0].1.contains("Rule 1 already tests this"),
            "{errors:?}"
        );
    }

    #[test]
    fn an_unknown_default_is_a_form_error() {
        let mut d = draft(&[]);
        d.default = "gold".into();
        let errors = d.policy().unwrap_err();
        assert_eq!(
            errors,
            [(None, "Choose a default tier, or no license.".to_owned())]
        );
    }
}
