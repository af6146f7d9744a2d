//! Multi-valued attributes: `primary` stays unique, adds merge with the value already there,
//! and a filter that matches several values changes them all.

use serde_json::json;

use super::apply_user_patch;
use super::tests_support::{Case, bjensen, parse, run_user_cases, with};

#[test]
fn primary_stays_unique() {
    run_user_cases(vec![
        Case {
            name: "adding a new primary email clears primary on the old one",
            before: bjensen(),
            ops: json!([{"op": "add", "path": "emails",
                "value": [{"value": "babs@jensen.org", "type": "home", "primary": true}]}]),
            after: with(
                bjensen(),
                json!({"emails": [
                    {"value": "bjensen@example.com", "type": "work", "primary": false},
                    {"value": "babs@jensen.org", "type": "home", "primary": true},
                ]}),
            ),
        },
        Case {
            name: "setting primary through a value path clears it elsewhere",
            before: with(
                bjensen(),
                json!({"emails": [
                    {"value": "bjensen@example.com", "type": "work", "primary": true},
                    {"value": "babs@jensen.org", "type": "home"},
                ]}),
            ),
            ops: json!([{"op": "replace", "path": "emails[type eq \"home\"].primary",
                "value": "True"}]),
            after: with(
                bjensen(),
                json!({"emails": [
                    {"value": "bjensen@example.com", "type": "work", "primary": false},
                    {"value": "babs@jensen.org", "type": "home", "primary": true},
                ]}),
            ),
        },
        Case {
            name: "re-adding an existing value as primary merges instead of duplicating",
            before: with(
                bjensen(),
                json!({"emails": [
                    {"value": "bjensen@example.com", "type": "work", "primary": true},
                    {"value": "babs@jensen.org", "type": "home"},
                ]}),
            ),
            ops: json!([{"op": "add", "path": "emails",
                "value": [{"value": "babs@jensen.org", "type": "home", "primary": true}]}]),
            after: with(
                bjensen(),
                json!({"emails": [
                    {"value": "bjensen@example.com", "type": "work", "primary": false},
                    {"value": "babs@jensen.org", "type": "home", "primary": true},
                ]}),
            ),
        },
        Case {
            name: "a non-primary add leaves the existing primary alone",
            before: bjensen(),
            ops: json!([{"op": "add", "path": "emails",
                "value": [{"value": "babs@jensen.org", "type": "home"}]}]),
            after: with(
                bjensen(),
                json!({"emails": [
                    {"value": "bjensen@example.com", "type": "work", "primary": true},
                    {"value": "babs@jensen.org", "type": "home"},
                ]}),
            ),
        },
        Case {
            name: "the primary added to phoneNumbers does not touch emails",
            before: bjensen(),
            ops: json!([{"op": "add", "path": "phoneNumbers",
                "value": [{"value": "+1 555 0100", "type": "work", "primary": true}]}]),
            after: with(
                bjensen(),
                json!({"phoneNumbers":
                [{"value": "+1 555 0100", "type": "work", "primary": true}]}),
            ),
        },
    ]);
}

#[test]
fn multi_valued_merges_and_matches() {
    run_user_cases(vec![
        Case {
            name: "an add with the same value but another type appends",
            before: bjensen(),
            ops: json!([{"op": "add", "path": "emails",
                "value": [{"value": "bjensen@example.com", "type": "home"}]}]),
            after: with(
                bjensen(),
                json!({"emails": [
                    {"value": "bjensen@example.com", "type": "work", "primary": true},
                    {"value": "bjensen@example.com", "type": "home"},
                ]}),
            ),
        },
        Case {
            name: "a lone object where an array belongs is one value",
            before: bjensen(),
            ops: json!([{"op": "add", "path": "phoneNumbers",
                "value": {"value": "+1 555 0100", "type": "Mobile"}}]),
            after: with(
                bjensen(),
                json!({"phoneNumbers":
                [{"value": "+1 555 0100", "type": "mobile"}]}),
            ),
        },
        Case {
            name: "a filter matching two values changes both",
            before: with(
                bjensen(),
                json!({"phoneNumbers": [
                {"value": "1", "type": "work"}, {"value": "2", "type": "work"},
                {"value": "3", "type": "home"}]}),
            ),
            ops: json!([{"op": "replace", "path": "phoneNumbers[type eq \"work\"].display",
                "value": "office"}]),
            after: with(
                bjensen(),
                json!({"phoneNumbers": [
                {"value": "1", "type": "work", "display": "office"},
                {"value": "2", "type": "work", "display": "office"},
                {"value": "3", "type": "home"}]}),
            ),
        },
        Case {
            name: "a value filter compares the type case-insensitively (caseExact false)",
            before: bjensen(),
            ops: json!([{"op": "replace", "path": "emails[type eq \"WORK\"].value",
                "value": "ann@example.com"}]),
            after: with(
                bjensen(),
                json!({"emails":
                [{"value": "ann@example.com", "type": "work", "primary": true}]}),
            ),
        },
        Case {
            name: "an and-of-eq filter that matches nothing creates with both fields",
            before: bjensen(),
            ops: json!([{"op": "add",
                "path": "emails[type eq \"home\" and primary eq true].value",
                "value": "babs@jensen.org"}]),
            after: with(
                bjensen(),
                json!({"emails": [
                    {"value": "bjensen@example.com", "type": "work", "primary": false},
                    {"value": "babs@jensen.org", "type": "home", "primary": true},
                ]}),
            ),
        },
        Case {
            name: "remove with a value array on a user attribute removes those values",
            before: with(
                bjensen(),
                json!({"roles": [{"value": "a"}, {"value": "b"}]}),
            ),
            ops: json!([{"op": "remove", "path": "roles", "value": [{"value": "A"}]}]),
            after: with(bjensen(), json!({"roles": [{"value": "b"}]})),
        },
    ]);
}

/// No User or Group attribute rosterd serves is `immutable` outside `members` (which storage
/// owns), so the rule is checked on a synthetic definition.
#[test]
fn immutable_attributes_can_be_set_once() {
    use super::PatchOp::{Add, Remove, Replace};
    use super::attr::apply_attr;
    use crate::schema::{AttrType, AttributeDef, Mutability, ResolvedAttr, Returned, Uniqueness};

    static BADGE: AttributeDef = AttributeDef {
        name: "badge",
        kind: AttrType::String,
        multi_valued: false,
        description: "",
        required: false,
        case_exact: true,
        mutability: Mutability::Immutable,
        returned: Returned::Default,
        uniqueness: Uniqueness::None,
        canonical_values: &[],
        reference_types: &[],
        sub_attributes: &[],
    };
    let badge = ResolvedAttr {
        schema: super::tests_support::USER,
        def: &BADGE,
        sub: None,
    };
    let run = |doc: serde_json::Value, op, value: Option<serde_json::Value>| {
        let serde_json::Value::Object(mut doc) = doc else {
            unreachable!("fixtures are objects")
        };
        apply_attr(&mut doc, op, &badge, None, value).map(|()| serde_json::Value::Object(doc))
    };
    let set = json!({"badge": "B-1"});
    let cases = [
        (
            "add to an unset immutable attribute",
            json!({}),
            Add,
            Some(json!("B-1")),
            Some(set.clone()),
        ),
        (
            "replace of an unset immutable attribute adds",
            json!({}),
            Replace,
            Some(json!("B-1")),
            Some(set.clone()),
        ),
        (
            "re-sending the same value is a no-op",
            set.clone(),
            Replace,
            Some(json!("B-1")),
            Some(set.clone()),
        ),
        (
            "changing a set immutable attribute is refused",
            set.clone(),
            Add,
            Some(json!("B-2")),
            None,
        ),
        (
            "removing a set immutable attribute is refused",
            set,
            Remove,
            None,
            None,
        ),
        (
            "removing an unset immutable attribute is a no-op",
            json!({}),
            Remove,
            None,
            Some(json!({})),
        ),
    ];
    for (name, before, op, value, expected) in cases {
        match (run(before, op, value), expected) {
            (Ok(doc), Some(expected)) => assert_eq!(doc, expected, "{name}"),
            (Err(err), None) => {
                assert_eq!(err.scim_type, Some(crate::ScimType::Mutability), "{name}");
            }
            (got, _) => panic!("{name}: unexpected {got:?}"),
        }
    }
}

#[test]
fn a_stored_document_that_is_not_an_object_is_an_internal_error() {
    let mut doc = json!("corrupt");
    let ops =
        super::tests_support::parse(json!([{"op": "replace", "path": "title", "value": "x"}]));
    let err = super::apply_user_patch(&mut doc, &ops).expect_err("not an object");
    assert_eq!(err.status, http::StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(doc, json!("corrupt"));
}

#[test]
fn adding_many_values_merges_duplicates_by_value_and_type() {
    // 20,000 existing e-mails, then 20,000 more of which half repeat existing ones (in another
    // case, some with their type): the duplicates merge, the new ones append, in order. A
    // quadratic merge would take minutes here; the hash index takes milliseconds.
    let existing: Vec<_> = (0..20_000)
        .map(|i| json!({"value": format!("user{i}@example.com"), "type": "work"}))
        .collect();
    let added: Vec<_> = (10_000..30_000)
        .map(|i| {
            if i % 2 == 0 {
                json!({"value": format!("USER{i}@example.com"), "display": "merged"})
            } else {
                json!({"value": format!("user{i}@Example.com"), "type": "WORK"})
            }
        })
        .collect();
    let mut doc = with(bjensen(), json!({"emails": existing}));
    let started = std::time::Instant::now();
    apply_user_patch(
        &mut doc,
        &parse(json!([{"op": "add", "path": "emails", "value": added}])),
    )
    .expect("patch");
    let elapsed = started.elapsed();
    let emails = doc["emails"].as_array().expect("emails");
    assert_eq!(emails.len(), 30_000);
    assert_eq!(emails[10_000]["display"], "merged");
    assert_eq!(emails[10_000]["value"], "user10000@example.com");
    assert_eq!(
        emails[10_001]["value"], "user10001@example.com",
        "the old spelling stays"
    );
    assert_eq!(emails[20_000]["value"], "USER20000@example.com");
    assert!(
        elapsed < std::time::Duration::from_secs(20),
        "40,000 values took {elapsed:?}"
    );
}

#[test]
fn a_typed_value_only_merges_with_the_same_type() {
    run_user_cases(vec![
        Case {
            name: "the same address with another type is a new value",
            before: with(
                bjensen(),
                json!({"emails": [{"value": "a@x.org", "type": "work"}]}),
            ),
            ops: json!([{"op": "add", "path": "emails",
                "value": [{"value": "A@x.org", "type": "home"}, {"value": "a@X.org"}]}]),
            after: with(
                bjensen(),
                json!({"emails": [
                    {"value": "a@x.org", "type": "work"},
                    {"value": "A@x.org", "type": "home"},
                ]}),
            ),
        },
        Case {
            name: "removing by value and type keeps the other types",
            before: with(
                bjensen(),
                json!({"emails": [
                    {"value": "a@x.org", "type": "work"},
                    {"value": "a@x.org", "type": "home"},
                    {"value": "b@x.org"},
                ]}),
            ),
            ops: json!([{"op": "remove", "path": "emails",
                "value": [{"value": "A@X.ORG", "type": "HOME"}, {"value": "B@x.org", "type": "work"}]}]),
            after: with(
                bjensen(),
                json!({"emails": [
                    {"value": "a@x.org", "type": "work"},
                    {"value": "b@x.org"},
                ]}),
            ),
        },
        Case {
            name: "removing by value alone removes every type",
            before: with(
                bjensen(),
                json!({"emails": [
                    {"value": "a@x.org", "type": "work"},
                    {"value": "a@x.org", "type": "home"},
                    {"value": "c@x.org"},
                ]}),
            ),
            ops: json!([{"op": "remove", "path": "emails", "value": [{"value": "a@x.org"}]}]),
            after: with(bjensen(), json!({"emails": [{"value": "c@x.org"}]})),
        },
    ]);
}

#[test]
fn a_filtered_remove_of_many_values_keeps_the_rest_in_order() {
    let emails: Vec<_> = (0..20_000)
        .map(|i| {
            let kind = if i % 2 == 0 { "work" } else { "home" };
            json!({"value": format!("u{i}@x.org"), "type": kind})
        })
        .collect();
    let mut doc = with(bjensen(), json!({"emails": emails}));
    apply_user_patch(
        &mut doc,
        &parse(json!([{"op": "remove", "path": "emails[type eq \"work\"]"}])),
    )
    .expect("patch");
    let left = doc["emails"].as_array().expect("emails");
    assert_eq!(left.len(), 10_000);
    assert_eq!(left[0]["value"], "u1@x.org");
    assert_eq!(left[9_999]["value"], "u19999@x.org");
}
