//! The PATCH examples of RFC 7644 section 3.5.2, one case each, plus the RFC rules they stand
//! for (add merges, replace of a missing attribute adds, remove of a missing value succeeds).

use serde_json::json;

use super::MemberChange::{Add, Remove, RemoveAll, ReplaceAll};
use super::tests_support::{
    Case, ENTERPRISE, GroupCase, USER, bjensen, run_group_cases, run_user_cases, tour_guides, with,
};

const BABS: &str = "2819c223-7f76-453a-919d-413861904646";
const JAMES: &str = "08e1d05d-121c-4561-8b96-473d93df9210";

#[test]
fn rfc_7644_user_examples() {
    let work_email = json!({"value": "bjensen@example.com", "type": "work", "primary": true});
    run_user_cases(vec![
        Case {
            name: "3.5.2.1 path-less add appends an email and sets nickName (RFC spells it nickname)",
            before: bjensen(),
            ops: json!([{"op": "add", "value": {
                "emails": [{"value": "babs@jensen.org", "type": "home"}],
                "nickname": "Babs",
            }}]),
            after: with(
                bjensen(),
                json!({
                    "emails": [work_email, {"value": "babs@jensen.org", "type": "home"}],
                    "nickName": "Babs",
                }),
            ),
        },
        Case {
            name: "3.5.2.1 add of a value already present changes nothing",
            before: bjensen(),
            ops: json!([{"op": "add", "path": "emails",
                "value": [{"value": "BJensen@example.com", "type": "work"}]}]),
            after: bjensen(),
        },
        Case {
            name: "3.5.2.1 add to a complex attribute merges sub-attributes",
            before: bjensen(),
            ops: json!([{"op": "add", "path": "name", "value": {"middleName": "Jane"}}]),
            after: with(
                bjensen(),
                json!({"name":
                {"givenName": "Barbara", "familyName": "Jensen", "middleName": "Jane"}}),
            ),
        },
        Case {
            name: "3.5.2.1 add to a single-valued attribute replaces it",
            before: bjensen(),
            ops: json!([{"op": "add", "path": "displayName", "value": "Barbara J."}]),
            after: with(bjensen(), json!({"displayName": "Barbara J."})),
        },
        Case {
            name: "3.5.2.2 remove of a single-valued attribute unassigns it",
            before: bjensen(),
            ops: json!([{"op": "remove", "path": "displayName"}]),
            after: with(bjensen(), json!({"displayName": null})),
        },
        Case {
            name: "3.5.2.2 remove with a filter drops the matching values only",
            before: with(
                bjensen(),
                json!({"emails": [
                    work_email,
                    {"value": "babs@jensen.org", "type": "work"},
                    {"value": "babs@example.com", "type": "home"},
                ]}),
            ),
            ops: json!([{"op": "remove",
                "path": "emails[type eq \"work\" and value ew \"example.com\"]"}]),
            after: with(
                bjensen(),
                json!({"emails": [
                    {"value": "babs@jensen.org", "type": "work"},
                    {"value": "babs@example.com", "type": "home"},
                ]}),
            ),
        },
        Case {
            name: "3.5.2.2 remove of the last filtered value unassigns the attribute",
            before: bjensen(),
            ops: json!([{"op": "remove", "path": "emails[type eq \"work\"]"}]),
            after: with(bjensen(), json!({"emails": null})),
        },
        Case {
            name: "3.5.2.2 remove with a filter that matches nothing succeeds unchanged",
            before: bjensen(),
            ops: json!([{"op": "remove", "path": "emails[type eq \"home\"]"}]),
            after: bjensen(),
        },
        Case {
            name: "3.5.2.2 remove of a whole multi-valued attribute",
            before: bjensen(),
            ops: json!([{"op": "remove", "path": "addresses"}]),
            after: with(bjensen(), json!({"addresses": null})),
        },
        Case {
            name: "3.5.2.2 remove of a sub-attribute of filtered values",
            before: bjensen(),
            ops: json!([{"op": "remove", "path": "addresses[type eq \"work\"].locality"}]),
            after: with(
                bjensen(),
                json!({"addresses":
                [{"type": "work", "streetAddress": "100 Universal City Plaza"}]}),
            ),
        },
        Case {
            name: "3.5.2.2 remove of a sub-attribute of a complex attribute",
            before: bjensen(),
            ops: json!([{"op": "remove", "path": "name.familyName"}]),
            after: with(bjensen(), json!({"name": {"givenName": "Barbara"}})),
        },
        Case {
            name: "3.5.2.2 remove of an attribute that is not there succeeds",
            before: bjensen(),
            ops: json!([{"op": "remove", "path": "title"},
                        {"op": "remove", "path": format!("{ENTERPRISE}:department")}]),
            after: bjensen(),
        },
        Case {
            name: "3.5.2.3 replace of the work address element",
            before: bjensen(),
            ops: json!([{"op": "replace", "path": "addresses[type eq \"work\"]", "value": {
                "type": "work",
                "streetAddress": "911 Universal City Plaza",
                "locality": "Hollywood",
                "region": "CA",
                "postalCode": "91608",
                "country": "US",
                "formatted": "911 Universal City Plaza\nHollywood, CA 91608 US",
                "primary": true,
            }}]),
            after: with(
                bjensen(),
                json!({"addresses": [{
                    "type": "work",
                    "streetAddress": "911 Universal City Plaza",
                    "locality": "Hollywood",
                    "region": "CA",
                    "postalCode": "91608",
                    "country": "US",
                    "formatted": "911 Universal City Plaza\nHollywood, CA 91608 US",
                    "primary": true,
                }]}),
            ),
        },
        Case {
            name: "3.5.2.3 replace of a sub-attribute of the work address",
            before: bjensen(),
            ops: json!([{"op": "replace", "path": "addresses[type eq \"work\"].streetAddress",
                "value": "1010 Broadway Ave"}]),
            after: with(
                bjensen(),
                json!({"addresses":
                [{"type": "work", "streetAddress": "1010 Broadway Ave", "locality": "Hollywood"}]}),
            ),
        },
        Case {
            name: "3.5.2.3 replace of the emails[type eq \"work\"] element",
            before: bjensen(),
            ops: json!([{"op": "replace", "path": "emails[type eq \"work\"]",
                "value": {"value": "barbara@example.com", "type": "work", "primary": true}}]),
            after: with(
                bjensen(),
                json!({"emails":
                [{"value": "barbara@example.com", "type": "work", "primary": true}]}),
            ),
        },
        Case {
            name: "3.5.2.3 replace of a filtered element keeps the filter's eq fields left out",
            before: bjensen(),
            ops: json!([{"op": "replace", "path": "addresses[type eq \"work\"]",
                "value": {"locality": "Burbank"}}]),
            after: with(
                bjensen(),
                json!({"addresses": [{"type": "work", "locality": "Burbank"}]}),
            ),
        },
        Case {
            name: "3.5.2.3 path-less replace swaps emails wholesale and sets nickName",
            before: bjensen(),
            ops: json!([{"op": "replace", "value": {
                "emails": [work_email, {"value": "babs@jensen.org", "type": "home"}],
                "nickname": "Babs",
            }}]),
            after: with(
                bjensen(),
                json!({
                    "emails": [work_email, {"value": "babs@jensen.org", "type": "home"}],
                    "nickName": "Babs",
                }),
            ),
        },
        Case {
            name: "3.5.2.3 replace of a complex attribute leaves unnamed sub-attributes",
            before: bjensen(),
            ops: json!([{"op": "replace", "path": "name", "value": {"givenName": "Babs"}}]),
            after: with(
                bjensen(),
                json!({"name": {"givenName": "Babs", "familyName": "Jensen"}}),
            ),
        },
        Case {
            name: "3.5.2.3 replace of an unset attribute adds it",
            before: bjensen(),
            ops: json!([{"op": "replace", "path": "title", "value": "Tour Guide"}]),
            after: with(bjensen(), json!({"title": "Tour Guide"})),
        },
        Case {
            name: "3.5.2.3 replace of an extension attribute adds the extension to schemas",
            before: bjensen(),
            ops: json!([{"op": "replace", "path": format!("{ENTERPRISE}:costCenter"),
                "value": "4130"}]),
            after: with(
                bjensen(),
                json!({
                    "schemas": [USER, ENTERPRISE],
                    ENTERPRISE: {"costCenter": "4130"},
                }),
            ),
        },
        Case {
            name: "removing the last extension attribute drops the extension from schemas",
            before: with(
                bjensen(),
                json!({
                    "schemas": [USER, ENTERPRISE],
                    ENTERPRISE: {"costCenter": "4130"},
                }),
            ),
            ops: json!([{"op": "remove", "path": format!("{ENTERPRISE}:costCenter")}]),
            after: bjensen(),
        },
    ]);
}

#[test]
fn rfc_7644_group_examples() {
    let member = |id: &str| json!({"display": "x", "$ref": format!("https://example.com/v2/Users/{id}"), "value": id});
    run_group_cases(vec![
        GroupCase {
            name: "3.5.2.1 adding a member",
            ops: json!([{"op": "add", "path": "members", "value": [member(BABS)]}]),
            after: tour_guides(),
            changes: vec![Add(vec![BABS.into()])],
        },
        GroupCase {
            name: "3.5.2.2 removing a single member",
            ops: json!([{"op": "remove", "path": format!("members[value eq \"{BABS}\"]")}]),
            after: tour_guides(),
            changes: vec![Remove(vec![BABS.into()])],
        },
        GroupCase {
            name: "3.5.2.2 removing all members",
            ops: json!([{"op": "remove", "path": "members"}]),
            after: tour_guides(),
            changes: vec![RemoveAll],
        },
        GroupCase {
            name: "3.5.2.2 removing members with an or filter",
            ops: json!([{"op": "remove",
                "path": format!("members[value eq \"{BABS}\" or value eq \"{JAMES}\"]")}]),
            after: tour_guides(),
            changes: vec![Remove(vec![BABS.into(), JAMES.into()])],
        },
        GroupCase {
            name: "3.5.2.2 removing all members then adding some, in one request, in order",
            ops: json!([
                {"op": "remove", "path": "members"},
                {"op": "add", "path": "members", "value": [member(BABS), member(JAMES)]},
            ]),
            after: tour_guides(),
            changes: vec![RemoveAll, Add(vec![BABS.into(), JAMES.into()])],
        },
        GroupCase {
            name: "3.5.2.3 replacing all members",
            ops: json!([{"op": "replace", "path": "members",
                "value": [member(BABS), member(JAMES)]}]),
            after: tour_guides(),
            changes: vec![ReplaceAll(vec![BABS.into(), JAMES.into()])],
        },
        GroupCase {
            name: "3.5.2.3 replacing members with an empty list empties the group",
            ops: json!([{"op": "replace", "path": "members", "value": []}]),
            after: tour_guides(),
            changes: vec![ReplaceAll(vec![])],
        },
        GroupCase {
            name: "3.5.2.1 path-less add of members",
            ops: json!([{"op": "add", "value": {"members": [member(BABS)]}}]),
            after: tour_guides(),
            changes: vec![Add(vec![BABS.into()])],
        },
        GroupCase {
            name: "3.5.2.3 replacing displayName touches the document, not the members",
            ops: json!([{"op": "replace", "path": "displayName", "value": "Guides"}]),
            after: with(tour_guides(), json!({"displayName": "Guides"})),
            changes: vec![],
        },
    ]);
}
