//! Rule evaluation, case by case.

use super::*;
use LicenseKind::{
    SalesNavigatorAdvanced as Advanced, SalesNavigatorAdvancedPlus as AdvancedPlus,
    SalesNavigatorCore as Core,
};

fn subject(groups: &[(&str, &str)], attributes: &[(&str, &str)]) -> Subject {
    Subject {
        groups: groups
            .iter()
            .map(|(id, name)| ((*id).to_owned(), (*name).to_owned()))
            .collect(),
        attributes: attributes
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    }
}

fn group(name: &str, kind: LicenseKind) -> Rule {
    Rule {
        matcher: Matcher::Group(name.into()),
        kind,
    }
}

fn attribute(name: &str, value: &str, kind: LicenseKind) -> Rule {
    Rule {
        matcher: Matcher::Attribute {
            name: name.into(),
            value: value.into(),
        },
        kind,
    }
}

fn sales_policy(default: Option<LicenseKind>) -> LicensePolicy {
    LicensePolicy {
        default,
        rules: vec![
            group("Sales EMEA", Advanced),
            attribute("department", "Sales", Core),
            attribute("costCenter", "CC-42", AdvancedPlus),
            group("g-7f3a", AdvancedPlus),
        ],
    }
}

#[test]
fn evaluation_cases() {
    let no_default = sales_policy(None);
    let with_default = sales_policy(Some(Core));
    let cases = [
        (
            &no_default,
            subject(&[("g1", "Sales EMEA")], &[]),
            Some((Advanced, Basis::Rule(0))),
            "a group rule matches by displayName",
        ),
        (
            &no_default,
            subject(&[("g1", "sales emea ")], &[]),
            Some((Advanced, Basis::Rule(0))),
            "group names match case-insensitively, spaces trimmed",
        ),
        (
            &no_default,
            subject(&[("G-7F3A", "Renamed")], &[]),
            Some((AdvancedPlus, Basis::Rule(3))),
            "a group rule matches by id too",
        ),
        (
            &no_default,
            subject(&[("g1", "Sales EMEA")], &[("department", "Sales")]),
            Some((Advanced, Basis::Rule(0))),
            "the first matching rule wins over later ones",
        ),
        (
            &no_default,
            subject(&[], &[("department", "SALES")]),
            Some((Core, Basis::Rule(1))),
            "attribute values match case-insensitively",
        ),
        (
            &no_default,
            subject(&[], &[("costcenter", "cc-42")]),
            Some((AdvancedPlus, Basis::Rule(2))),
            "camelCase attribute names look up the lowercase key",
        ),
        (
            &no_default,
            subject(&[], &[("department", "Sales Ops")]),
            None,
            "attribute values match whole, not as a prefix",
        ),
        (
            &no_default,
            subject(&[("g2", "Marketing")], &[("title", "Sales")]),
            None,
            "no rule matches and no default: no license",
        ),
        (
            &with_default,
            subject(&[("g2", "Marketing")], &[]),
            Some((Core, Basis::EveryUser)),
            "no rule matches: the default, as an every-user license",
        ),
        (
            &with_default,
            subject(&[("g1", "Sales EMEA")], &[]),
            Some((Advanced, Basis::Rule(0))),
            "a rule beats the default",
        ),
        (
            &no_default,
            subject(&[], &[]),
            None,
            "someone with nothing gets nothing",
        ),
    ];
    for (policy, subject, expected, why) in cases {
        let got = policy.eligibility(&subject).map(|e| (e.kind, e.basis));
        assert_eq!(got, expected, "{why}");
        assert_eq!(policy.evaluate(&subject), expected.map(|(k, _)| k), "{why}");
    }
}

#[test]
fn rule_driven_eligibility_waits_and_every_user_eligibility_is_refused() {
    let policy = sales_policy(Some(Core));
    let by_rule = policy
        .eligibility(&subject(&[("g1", "Sales EMEA")], &[]))
        .unwrap();
    assert!(by_rule.waits_when_full());
    let by_default = policy.eligibility(&subject(&[], &[])).unwrap();
    assert!(!by_default.waits_when_full());
}

#[test]
fn a_policy_decides_for_active_users_and_inactive_users_get_nothing() {
    let policy = sales_policy(None);
    let emea = subject(&[("g1", "Sales EMEA")], &[]);
    let got = eligible_kind(&policy, &emea, true).unwrap();
    assert_eq!(got.kind, Advanced);
    assert_eq!(eligible_kind(&policy, &emea, false), None);
    let other = subject(&[], &[]);
    assert_eq!(eligible_kind(&policy, &other, true), None);
}
