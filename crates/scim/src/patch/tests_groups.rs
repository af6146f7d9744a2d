//! Group membership as deltas: the member value shapes IdPs send, and that the engine's cost
//! does not depend on how many members a Group has (it never sees them).

use serde_json::{Value, json};

use super::MemberChange::{Add, Remove, RemoveAll, ReplaceAll};
use super::apply_group_patch;
use super::tests_support::{GroupCase, parse, run_group_cases, tour_guides, with};

#[test]
fn member_value_shapes() {
    run_group_cases(vec![
        GroupCase {
            name: "a lone member object instead of an array is one member",
            ops: json!([{"op": "add", "path": "members", "value": {"value": "u1"}}]),
            after: tour_guides(),
            changes: vec![Add(vec!["u1".into()])],
        },
        GroupCase {
            name: "bare id strings are accepted as members",
            ops: json!([{"op": "add", "path": "members", "value": ["u1", "u2"]}]),
            after: tour_guides(),
            changes: vec![Add(vec!["u1".into(), "u2".into()])],
        },
        GroupCase {
            name: "member keys compare case-insensitively ({\"Value\": ...})",
            ops: json!([{"op": "add", "path": "Members", "value": [{"Value": "u1"}]}]),
            after: tour_guides(),
            changes: vec![Add(vec!["u1".into()])],
        },
        GroupCase {
            name: "member ids are case-exact: U1 and u1 are two members",
            ops: json!([{"op": "add", "path": "members", "value": [{"value": "U1"}, {"value": "u1"}]}]),
            after: tour_guides(),
            changes: vec![Add(vec!["U1".into(), "u1".into()])],
        },
        GroupCase {
            name: "an add of an empty list asks for nothing",
            ops: json!([{"op": "add", "path": "members", "value": []}]),
            after: tour_guides(),
            changes: vec![],
        },
        GroupCase {
            name: "replace of members with null removes all",
            ops: json!([{"op": "replace", "path": "members", "value": null}]),
            after: tour_guides(),
            changes: vec![RemoveAll],
        },
        GroupCase {
            name: "path-less replace of members replaces all, beside other attributes",
            ops: json!([{"op": "replace", "value": {"displayName": "G", "members": [{"value": "u1"}]}}]),
            after: with(tour_guides(), json!({"displayName": "G"})),
            changes: vec![ReplaceAll(vec!["u1".into()])],
        },
        GroupCase {
            name: "a three-way or filter removes three members, duplicates collapsed",
            ops: json!([{"op": "remove",
                "path": "members[value eq \"a\" or (value eq \"b\" or value eq \"a\")]"}]),
            after: tour_guides(),
            changes: vec![Remove(vec!["a".into(), "b".into()])],
        },
    ]);
}

#[test]
fn a_hundred_thousand_member_replace_is_a_single_delta() {
    let members: Vec<Value> = (0..100_000)
        .map(|i| json!({"value": format!("u{i}")}))
        .collect();
    let mut doc = tour_guides();
    let ops = parse(json!([{"op": "replace", "path": "members", "value": members}]));
    let changes = apply_group_patch(&mut doc, &ops).unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(doc, tour_guides());
    match changes.as_slice() {
        [ReplaceAll(ids)] => {
            assert_eq!(ids.len(), 100_000);
            assert_eq!(ids[99_999], "u99999");
        }
        other => panic!("expected one ReplaceAll, got {} changes", other.len()),
    }
}
