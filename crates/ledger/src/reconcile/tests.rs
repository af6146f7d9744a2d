//! The planner, case by case: a small ledger built by hand, a policy, and what the plan says.

use std::collections::BTreeMap;

use rosterd_domain::{LicenseKind, PersonId, Product};

use super::model::{Holding, LedgerState, PoolNumbers, WaitingPerson, simulate};
use super::plan::Plan;
use super::{Candidate, Mode, PolicySubject, Refusal, plan_policy};
use crate::license::LicenseSource;
use crate::policy::{LicensePolicy, Subject};
use crate::waitlist::WaitKey;
use LicenseKind::{
    SalesNavigatorAdvanced as Advanced, SalesNavigatorAdvancedPlus as AdvancedPlus,
    SalesNavigatorCore as Core,
};

const SN: Product = Product::SalesNavigator;
const SCIM: LicenseSource = LicenseSource::Scim(Product::SalesNavigator);

/// A test world: people by name, a ledger state.
struct World {
    people: Vec<(String, PersonId)>,
    state: LedgerState,
}

impl World {
    /// Pools with these capacities (in use counted from the licenses added later).
    fn new(capacities: &[(LicenseKind, i64)]) -> Self {
        let pools: BTreeMap<LicenseKind, PoolNumbers> = [Core, Advanced, AdvancedPlus]
            .into_iter()
            .map(|k| {
                let capacity = capacities
                    .iter()
                    .find(|(kind, _)| *kind == k)
                    .map_or(100, |c| c.1);
                (
                    k,
                    PoolNumbers {
                        capacity,
                        in_use: 0,
                    },
                )
            })
            .collect();
        Self {
            people: Vec::new(),
            state: LedgerState {
                pools,
                ..LedgerState::default()
            },
        }
    }

    fn id(&mut self, name: &str) -> PersonId {
        if let Some((_, id)) = self.people.iter().find(|(n, _)| n == name) {
            return *id;
        }
        let id = PersonId::new();
        self.people.push((name.to_owned(), id));
        id
    }

    fn holds(&mut self, name: &str, kind: LicenseKind, source: LicenseSource) -> &mut Self {
        let person = self.id(name);
        let n = self.state.licenses.len();
        self.state.licenses.push(Holding {
            id: format!("db-{n}"),
            person,
            kind,
            source,
        });
        self.state.pools.entry(kind).or_default().in_use += 1;
        self
    }

    fn waits(&mut self, name: &str, kind: LicenseKind, employee: &str) -> &mut Self {
        let person = self.id(name);
        self.state.waiting.push(WaitingPerson {
            person,
            kind,
            key: key(employee),
        });
        self
    }

    /// A provisioned user with groups and a department.
    fn subject(&mut self, name: &str, groups: &[&str], department: Option<&str>) -> PolicySubject {
        self.subject_with(name, groups, department, true, "")
    }

    fn subject_with(
        &mut self,
        name: &str,
        groups: &[&str],
        department: Option<&str>,
        active: bool,
        employee: &str,
    ) -> PolicySubject {
        PolicySubject {
            person: self.id(name),
            name: name.to_owned(),
            active,
            subject: Subject {
                groups: groups
                    .iter()
                    .map(|g| (format!("id-{g}"), (*g).to_owned()))
                    .collect(),
                attributes: department
                    .map(|d| ("department".to_owned(), d.to_owned()))
                    .into_iter()
                    .collect(),
            },
            key: key(employee),
        }
    }

    fn plan(&self, policy: &str, subjects: &[PolicySubject]) -> Plan {
        plan_policy(&self.state, SN, &parse(policy), subjects)
    }
}

fn key(employee: &str) -> WaitKey {
    WaitKey {
        employee_number: (!employee.is_empty()).then(|| employee.to_owned()),
        family_name: None,
        given_name: None,
    }
}

/// `"none; group:Sales EMEA=advanced; department:Sales=core"`.
fn parse(text: &str) -> LicensePolicy {
    let mut parts = text.split(';').map(str::trim);
    let default = parts.next().unwrap_or("none");
    let rules: Vec<&str> = parts.filter(|p| !p.is_empty()).collect();
    LicensePolicy::parse(default, &rules).expect("test policy")
}

fn pool(plan: &Plan, kind: LicenseKind) -> &super::PoolPlan {
    plan.pools
        .iter()
        .find(|p| p.kind == kind)
        .expect("every pool of the product is in the plan")
}

fn names(list: &[super::Named]) -> Vec<&str> {
    list.iter().map(|n| n.name.as_str()).collect()
}

const RULES: &str = "none; group:Sales EMEA=advanced; department:Sales=core";

#[test]
fn a_group_rule_assigns_its_tier_and_an_attribute_rule_its_own() {
    let mut w = World::new(&[]);
    let s = [
        w.subject("ann", &["Sales EMEA"], None),
        w.subject("bob", &[], Some("sales")),
        w.subject("cat", &[], Some("Marketing")),
    ];
    let plan = w.plan(RULES, &s);
    assert_eq!(names(&pool(&plan, Advanced).assigned), ["ann"]);
    assert_eq!(
        names(&pool(&plan, Core).assigned),
        ["bob"],
        "attribute values match case-insensitively"
    );
    assert_eq!(plan.people, 3);
    assert_eq!(pool(&plan, Core).in_use_after, 1);
    assert!(pool(&plan, AdvancedPlus).is_empty());
}

#[test]
fn the_first_matching_rule_wins() {
    let mut w = World::new(&[]);
    let s = [w.subject("ann", &["Sales EMEA"], Some("Sales"))];
    let plan = w.plan(RULES, &s);
    assert_eq!(names(&pool(&plan, Advanced).assigned), ["ann"]);
    assert!(pool(&plan, Core).assigned.is_empty());
}

#[test]
fn a_default_tier_licenses_everyone_no_rule_matches() {
    let mut w = World::new(&[]);
    let s = [
        w.subject("ann", &[], None),
        w.subject("bob", &[], Some("Sales")),
    ];
    let plan = w.plan("advanced-plus; department:Sales=core", &s);
    assert_eq!(names(&pool(&plan, AdvancedPlus).assigned), ["ann"]);
    assert_eq!(names(&pool(&plan, Core).assigned), ["bob"]);
}

#[test]
fn a_new_tier_is_a_change_not_a_revoke_and_an_assign() {
    let mut w = World::new(&[]);
    w.holds("ann", Core, SCIM);
    let s = [w.subject("ann", &["Sales EMEA"], Some("Sales"))];
    let plan = w.plan(RULES, &s);
    let advanced = pool(&plan, Advanced);
    assert_eq!(advanced.changed.len(), 1);
    assert_eq!(advanced.changed[0].name, "ann");
    assert_eq!(advanced.changed[0].from, Core);
    assert!(advanced.assigned.is_empty());
    assert!(pool(&plan, Core).revoked.is_empty());
    assert_eq!(
        (
            pool(&plan, Core).in_use_before,
            pool(&plan, Core).in_use_after
        ),
        (1, 0)
    );
}

#[test]
fn no_longer_matching_revokes_a_scim_license_and_keeps_a_manual_one() {
    let mut w = World::new(&[]);
    w.holds("ann", Advanced, SCIM);
    w.holds("bob", Advanced, LicenseSource::Manual);
    let s = [w.subject("ann", &[], None), w.subject("bob", &[], None)];
    let plan = w.plan(RULES, &s);
    assert_eq!(names(&pool(&plan, Advanced).revoked), ["ann"]);
    assert_eq!(pool(&plan, Advanced).in_use_after, 1, "bob keeps his seat");
}

#[test]
fn an_inactive_user_loses_the_license_even_when_matching() {
    let mut w = World::new(&[]);
    w.holds("ann", Advanced, SCIM);
    let s = [w.subject_with("ann", &["Sales EMEA"], None, false, "")];
    let plan = w.plan(RULES, &s);
    assert_eq!(names(&pool(&plan, Advanced).revoked), ["ann"]);
}

#[test]
fn a_manual_license_is_adopted_when_its_holder_becomes_eligible() {
    let mut w = World::new(&[]);
    w.holds("ann", Advanced, LicenseSource::Manual);
    w.holds("bob", Advanced, LicenseSource::Manual);
    let s = [
        w.subject("ann", &["Sales EMEA"], None),
        w.subject("bob", &[], Some("Sales")),
    ];
    let plan = w.plan(RULES, &s);
    assert_eq!(names(&pool(&plan, Advanced).adopted), ["ann"]);
    let core = pool(&plan, Core);
    assert_eq!(
        names(&core.adopted),
        ["bob"],
        "listed under the tier it ends in"
    );
    assert_eq!(core.changed.len(), 1, "bob's adopted license moves to core");
    assert_eq!(core.changed[0].name, "bob");
    assert!(pool(&plan, Advanced).assigned.is_empty(), "no second seat");
}

#[test]
fn a_full_pool_puts_people_on_the_waiting_list_in_employee_number_order() {
    let mut w = World::new(&[(Advanced, 2)]);
    let s = [
        w.subject_with("cat", &["Sales EMEA"], None, true, "30"),
        w.subject_with("ann", &["Sales EMEA"], None, true, "10"),
        w.subject_with("dan", &["Sales EMEA"], None, true, "9"),
        w.subject_with("bob", &["Sales EMEA"], None, true, "20"),
    ];
    let plan = w.plan(RULES, &s);
    let advanced = pool(&plan, Advanced);
    assert_eq!(
        names(&advanced.assigned),
        ["ann", "dan"],
        "seats go to 9 and 10"
    );
    assert_eq!(names(&advanced.waiting), ["bob", "cat"]);
    assert_eq!(advanced.waiting_after, 2);
    assert_eq!(advanced.in_use_after, 2);
}

#[test]
fn seats_freed_by_revocations_serve_the_people_the_policy_makes_eligible() {
    let mut w = World::new(&[(Advanced, 1)]);
    w.holds("ann", Advanced, SCIM);
    let s = [
        w.subject("ann", &[], None),
        w.subject("bob", &["Sales EMEA"], None),
    ];
    let plan = w.plan(RULES, &s);
    let advanced = pool(&plan, Advanced);
    assert_eq!(names(&advanced.revoked), ["ann"]);
    assert_eq!(names(&advanced.assigned), ["bob"]);
    assert!(advanced.waiting.is_empty());
}

#[test]
fn a_tier_change_into_a_full_pool_keeps_the_old_license_and_waits() {
    let mut w = World::new(&[(Advanced, 1)]);
    w.holds("zed", Advanced, LicenseSource::Manual);
    w.holds("ann", Core, SCIM);
    let s = [w.subject("ann", &["Sales EMEA"], None)];
    let plan = w.plan(RULES, &s);
    assert_eq!(names(&pool(&plan, Advanced).waiting), ["ann"]);
    assert!(pool(&plan, Advanced).changed.is_empty());
    assert!(pool(&plan, Core).is_empty(), "ann keeps core");
    assert_eq!(pool(&plan, Core).in_use_after, 1);
}

#[test]
fn a_waiting_tier_change_is_served_as_a_change_and_frees_the_old_seat_for_the_next() {
    // Ann holds core and waits for advanced; bob waits for core. Zed's advanced seat is freed.
    let mut w = World::new(&[(Advanced, 1), (Core, 1)]);
    w.holds("zed", Advanced, SCIM);
    w.holds("ann", Core, SCIM);
    w.waits("ann", Advanced, "1");
    w.waits("bob", Core, "2");
    let s = [
        w.subject("zed", &[], None),
        w.subject_with("ann", &["Sales EMEA"], None, true, "1"),
        w.subject_with("bob", &[], Some("Sales"), true, "2"),
    ];
    let plan = w.plan(RULES, &s);
    assert_eq!(names(&pool(&plan, Advanced).revoked), ["zed"]);
    let advanced = pool(&plan, Advanced);
    assert_eq!(advanced.changed.len(), 1);
    assert_eq!(
        (advanced.changed[0].name.as_str(), advanced.changed[0].from),
        ("ann", Core)
    );
    assert_eq!(
        names(&pool(&plan, Core).assigned),
        ["bob"],
        "the cascade reaches core"
    );
    assert_eq!(pool(&plan, Core).waiting_after, 0);
    assert_eq!(pool(&plan, Advanced).waiting_after, 0);
}

#[test]
fn people_no_longer_eligible_leave_the_waiting_list_before_seats_are_given() {
    let mut w = World::new(&[(Advanced, 1)]);
    w.holds("zed", Advanced, SCIM);
    w.waits("amy", Advanced, "1");
    w.waits("bob", Advanced, "2");
    let s = [
        w.subject("zed", &[], None),
        w.subject_with("amy", &[], None, true, "1"),
        w.subject_with("bob", &["Sales EMEA"], None, true, "2"),
    ];
    let plan = w.plan(RULES, &s);
    let advanced = pool(&plan, Advanced);
    assert_eq!(names(&advanced.left_waiting), ["amy"]);
    assert_eq!(
        names(&advanced.assigned),
        ["bob"],
        "not amy, though she was first"
    );
    assert!(advanced.revoked.iter().all(|n| n.name == "zed"));
}

#[test]
fn people_still_eligible_keep_waiting_and_are_not_listed_as_new() {
    let mut w = World::new(&[(Advanced, 0)]);
    w.waits("ann", Advanced, "1");
    let s = [w.subject_with("ann", &["Sales EMEA"], None, true, "1")];
    let plan = w.plan(RULES, &s);
    assert!(plan.is_empty(), "{plan:?}");
    assert_eq!(pool(&plan, Advanced).waiting_after, 1);
}

#[test]
fn an_unchanged_policy_plans_nothing() {
    let mut w = World::new(&[]);
    w.holds("ann", Advanced, SCIM);
    w.holds("bob", Core, SCIM);
    let s = [
        w.subject("ann", &["Sales EMEA"], None),
        w.subject("bob", &[], Some("Sales")),
        w.subject("cat", &[], None),
    ];
    let plan = w.plan(RULES, &s);
    assert!(plan.is_empty(), "{plan:?}");
    assert_eq!(plan.people, 3);
}

#[test]
fn licenses_of_people_outside_the_app_are_left_alone() {
    let mut w = World::new(&[(Core, 1)]);
    w.holds("out", Core, SCIM);
    let s = [w.subject("ann", &[], Some("Sales"))];
    let plan = w.plan(RULES, &s);
    assert!(pool(&plan, Core).revoked.is_empty());
    assert_eq!(names(&pool(&plan, Core).waiting), ["ann"]);
}

#[test]
fn a_request_for_an_every_user_license_into_a_full_pool_is_refused() {
    let mut w = World::new(&[(Core, 0)]);
    let ann = w.subject("ann", &[], None);
    let candidate = ann.candidate(&parse("core"));
    let (after, refusal) = simulate(&w.state, SN, vec![candidate.clone()], Mode::Request);
    assert_eq!(
        refusal,
        Some(Refusal {
            kind: Core,
            subject: "ann".into(),
            in_use: 0,
            capacity: 0,
        })
    );
    assert!(after.waiting.is_empty());
    let (after, refusal) = simulate(&w.state, SN, vec![candidate], Mode::Background);
    assert_eq!(refusal, None, "an active user changing waits instead");
    assert_eq!(after.waiting.len(), 1);
}

#[test]
fn a_request_for_a_rule_license_into_a_full_pool_waits() {
    let mut w = World::new(&[(Advanced, 0)]);
    let ann = w.subject("ann", &["Sales EMEA"], None);
    let candidate = ann.candidate(&parse(RULES));
    let (after, refusal) = simulate(&w.state, SN, vec![candidate], Mode::Request);
    assert_eq!(refusal, None);
    assert_eq!(after.waiting.len(), 1);
}

#[test]
fn a_candidate_with_no_target_leaves_every_waiting_list() {
    let mut w = World::new(&[(Advanced, 0)]);
    w.waits("ann", Advanced, "1");
    let person = w.id("ann");
    let candidate = Candidate {
        person,
        name: "ann".into(),
        target: None,
        fresh: false,
    };
    let (after, _) = simulate(&w.state, SN, vec![candidate], Mode::Background);
    assert!(after.waiting.is_empty());
}

#[test]
fn plans_are_deterministic_and_sorted_by_name() {
    let mut w = World::new(&[]);
    let s = [
        w.subject("cat", &["Sales EMEA"], None),
        w.subject("ann", &["Sales EMEA"], None),
        w.subject("bob", &["Sales EMEA"], None),
    ];
    let first = w.plan(RULES, &s);
    assert_eq!(
        names(&pool(&first, Advanced).assigned),
        ["ann", "bob", "cat"]
    );
    assert_eq!(first, w.plan(RULES, &s));
}
