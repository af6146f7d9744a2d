//! What Microsoft Entra ID and Okta actually send, one case per habit: the Entra SCIM
//! validator's sequence, string booleans, dotted and URN-qualified keys, `manager` as a string,
//! filters that match nothing yet, Okta's path-less writes and Group Push.

use serde_json::json;

use super::MemberChange::{Add, Remove};
use super::tests_support::{
    Case, ENTERPRISE, GroupCase, USER, bjensen, run_group_cases, run_user_cases, tour_guides, with,
};

const MANAGER_ID: &str = "26118915-6090-4610-87e4-49d8ca9f808d";

fn with_enterprise(fields: serde_json::Value) -> serde_json::Value {
    with(
        bjensen(),
        json!({"schemas": [USER, ENTERPRISE], ENTERPRISE: fields}),
    )
}

#[test]
fn entra_id_user_dialect() {
    run_user_cases(vec![
        Case {
            name: "Entra: Replace active with the string \"False\" deactivates",
            before: bjensen(),
            ops: json!([{"op": "Replace", "path": "active", "value": "False"}]),
            after: with(bjensen(), json!({"active": false})),
        },
        Case {
            name: "Entra: string booleans inside a path-less value object",
            before: bjensen(),
            ops: json!([{"op": "Replace", "value": {"active": "False"}}]),
            after: with(bjensen(), json!({"active": false})),
        },
        Case {
            name: "Entra: Add emails[type eq \"work\"].value replaces the work address",
            before: bjensen(),
            ops: json!([{"op": "Add", "path": "emails[type eq \"work\"].value",
                "value": "barbara@example.com"}]),
            after: with(
                bjensen(),
                json!({"emails":
                [{"value": "barbara@example.com", "type": "work", "primary": true}]}),
            ),
        },
        Case {
            name: "Entra: Add emails[type eq \"work\"].value creates the element when absent",
            before: with(bjensen(), json!({"emails": null})),
            ops: json!([{"op": "Add", "path": "emails[type eq \"work\"].value",
                "value": "babs@example.com"}]),
            after: with(
                bjensen(),
                json!({"emails":
                [{"value": "babs@example.com", "type": "work"}]}),
            ),
        },
        Case {
            name: "Entra/Okta: Replace on a value path that matches nothing creates (tolerance)",
            before: bjensen(),
            ops: json!([{"op": "Replace", "path": "phoneNumbers[type eq \"mobile\"].value",
                "value": "+1 555 0100"}]),
            after: with(
                bjensen(),
                json!({"phoneNumbers":
                [{"value": "+1 555 0100", "type": "mobile"}]}),
            ),
        },
        Case {
            name: "Entra: Add addresses[type eq \"work\"].locality sets it on the work address",
            before: bjensen(),
            ops: json!([{"op": "Add", "path": "addresses[type eq \"work\"].locality",
                "value": "Burbank"}]),
            after: with(
                bjensen(),
                json!({"addresses": [{"type": "work",
                "streetAddress": "100 Universal City Plaza", "locality": "Burbank"}]}),
            ),
        },
        Case {
            name: "Entra: Add phoneNumbers[type eq \"mobile\"] with a whole element",
            before: bjensen(),
            ops: json!([{"op": "Add", "path": "phoneNumbers[type eq \"mobile\"]",
                "value": {"value": "+1 555 0100"}}]),
            after: with(
                bjensen(),
                json!({"phoneNumbers":
                [{"type": "mobile", "value": "+1 555 0100"}]}),
            ),
        },
        Case {
            name: "Entra: the validator's sequence in one request",
            before: bjensen(),
            ops: json!([
                {"op": "Replace", "path": "name.givenName", "value": "Ann"},
                {"op": "Replace", "path": "displayName", "value": "Ann Jensen"},
                {"op": "Add", "path": "title", "value": "Tour Guide"},
                {"op": "Replace", "path": "externalId", "value": "ann"},
                {"op": "Add", "path": format!("{ENTERPRISE}:employeeNumber"), "value": "701984"},
                {"op": "Add", "path": format!("{ENTERPRISE}:manager"), "value": MANAGER_ID},
            ]),
            after: with(
                bjensen(),
                json!({
                    "schemas": [USER, ENTERPRISE],
                    "name": {"givenName": "Ann", "familyName": "Jensen"},
                    "displayName": "Ann Jensen",
                    "title": "Tour Guide",
                    "externalId": "ann",
                    ENTERPRISE: {"employeeNumber": "701984", "manager": {"value": MANAGER_ID}},
                }),
            ),
        },
        Case {
            name: "Entra: path names written in another case (Name.GivenName)",
            before: bjensen(),
            ops: json!([{"op": "Replace", "path": "Name.GivenName", "value": "Ann"},
                        {"op": "Replace", "path": "DISPLAYNAME", "value": "Ann"}]),
            after: with(
                bjensen(),
                json!({
                    "name": {"givenName": "Ann", "familyName": "Jensen"},
                    "displayName": "Ann",
                }),
            ),
        },
        Case {
            name: "Entra: path-less value with dotted and URN-qualified keys",
            before: bjensen(),
            ops: json!([{"op": "Replace", "value": {
                "name.givenName": "Ann",
                format!("{ENTERPRISE}:department"): "Sales",
            }}]),
            after: with(
                bjensen(),
                json!({
                    "schemas": [USER, ENTERPRISE],
                    "name": {"givenName": "Ann", "familyName": "Jensen"},
                    ENTERPRISE: {"department": "Sales"},
                }),
            ),
        },
        Case {
            name: "Entra: path-less value keyed by the extension URN merges into it",
            before: with_enterprise(json!({"department": "Ops", "costCenter": "4130"})),
            ops: json!([{"op": "Add", "value": {ENTERPRISE: {"department": "Sales"}}}]),
            after: with_enterprise(json!({"department": "Sales", "costCenter": "4130"})),
        },
        Case {
            name: "a path that is the extension URN itself takes an object of its attributes",
            before: bjensen(),
            ops: json!([{"op": "replace", "path": ENTERPRISE, "value": {"division": "West"}}]),
            after: with_enterprise(json!({"division": "West"})),
        },
        Case {
            name: "Entra: manager as a plain string id becomes {value}",
            before: with_enterprise(json!({"manager": {"value": "old-manager"}})),
            ops: json!([{"op": "Replace", "path": format!("{ENTERPRISE}:manager"),
                "value": MANAGER_ID}]),
            after: with_enterprise(json!({"manager": {"value": MANAGER_ID}})),
        },
        Case {
            name: "Entra: manager \"\" clears it (and the emptied extension)",
            before: with_enterprise(json!({"manager": {"value": MANAGER_ID}})),
            ops: json!([{"op": "Add", "path": format!("{ENTERPRISE}:manager"), "value": ""}]),
            after: bjensen(),
        },
        Case {
            name: "Entra: manager {\"value\": \"\"} clears it too",
            before: with_enterprise(json!({"manager": {"value": MANAGER_ID}, "division": "W"})),
            ops: json!([{"op": "Replace", "path": format!("{ENTERPRISE}:manager"),
                "value": {"value": ""}}]),
            after: with_enterprise(json!({"division": "W"})),
        },
        Case {
            name: "Entra: Remove of manager",
            before: with_enterprise(json!({"manager": {"value": MANAGER_ID}})),
            ops: json!([{"op": "Remove", "path": format!("{ENTERPRISE}:manager")}]),
            after: bjensen(),
        },
        Case {
            name: "Entra: string \"True\" for primary inside added objects",
            before: with(bjensen(), json!({"emails": null})),
            ops: json!([{"op": "Add", "path": "roles",
                "value": [{"primary": "True", "value": "Tour Lead"}]}]),
            after: with(
                bjensen(),
                json!({"emails": null,
                "roles": [{"primary": true, "value": "Tour Lead"}]}),
            ),
        },
        Case {
            name: "an explicit null value clears the attribute",
            before: bjensen(),
            ops: json!([{"op": "replace", "path": "displayName", "value": null}]),
            after: with(bjensen(), json!({"displayName": null})),
        },
        Case {
            name: "unknown attributes (custom IdP mappings) are ignored, as normalize does",
            before: bjensen(),
            ops: json!([
                {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:acme:2.0:User:badge",
                 "value": "42"},
                {"op": "replace", "value": {"favouriteColour": "teal", "title": "Guide"}},
            ]),
            after: with(bjensen(), json!({"title": "Guide"})),
        },
    ]);
}

#[test]
fn okta_user_dialect() {
    run_user_cases(vec![
        Case {
            name: "Okta: path-less replace of active=false",
            before: bjensen(),
            ops: json!([{"op": "replace", "value": {"active": false}}]),
            after: with(bjensen(), json!({"active": false})),
        },
        Case {
            name: "Okta: read-only keys in a path-less value (id, meta, groups) are ignored",
            before: bjensen(),
            ops: json!([{"op": "replace", "value": {
                "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
                "meta": {"resourceType": "User"},
                "groups": [{"value": "g1"}],
                "schemas": [USER],
                "displayName": "Barbara Jensen",
            }}]),
            after: with(bjensen(), json!({"displayName": "Barbara Jensen"})),
        },
        Case {
            name: "Okta: password in a path-less value is dropped, never stored",
            before: bjensen(),
            ops: json!([{"op": "replace", "value": {"password": "t1meMa$heen"}}]),
            after: bjensen(),
        },
    ]);
}

#[test]
fn idp_group_dialects() {
    run_group_cases(vec![
        GroupCase {
            name: "Entra: Remove members with a value array removes exactly those",
            ops: json!([{"op": "Remove", "path": "members",
                "value": [{"value": "u1"}, {"value": "u2"}]}]),
            after: tour_guides(),
            changes: vec![Remove(vec!["u1".into(), "u2".into()])],
        },
        GroupCase {
            name: "Entra: Remove members with an empty value array changes nothing",
            ops: json!([{"op": "Remove", "path": "members", "value": []}]),
            after: tour_guides(),
            changes: vec![],
        },
        GroupCase {
            name: "Entra: Add members, duplicates collapsed, Replace displayName and externalId",
            ops: json!([
                {"op": "Add", "path": "members", "value": [{"value": "u1"}, {"value": "u1"}]},
                {"op": "Replace", "path": "displayName", "value": "Guides"},
                {"op": "Replace", "path": "externalId", "value": "tg-2"},
            ]),
            after: with(
                tour_guides(),
                json!({"displayName": "Guides", "externalId": "tg-2"}),
            ),
            changes: vec![Add(vec!["u1".into()])],
        },
        GroupCase {
            name: "Okta Group Push: rename (id ignored), add and filtered remove in one request",
            ops: json!([
                {"op": "replace", "value": {"id": "abf4dd94-a4c0-4f67-89c9-76b03340cb9b",
                                            "displayName": "Tour Guides West"}},
                {"op": "add", "path": "members", "value": [{"value": "u3", "display": "c"}]},
                {"op": "remove", "path": "members[value eq \"u4\"]"},
            ]),
            after: with(tour_guides(), json!({"displayName": "Tour Guides West"})),
            changes: vec![Add(vec!["u3".into()]), Remove(vec!["u4".into()])],
        },
        GroupCase {
            name: "path-less remove with a members value removes those members",
            ops: json!([{"op": "remove", "value": {"members": [{"value": "u5"}]}}]),
            after: tour_guides(),
            changes: vec![Remove(vec!["u5".into()])],
        },
        GroupCase {
            name: "Entra's AD group schema and the core URN-qualified members path are accepted",
            ops: json!([
                {"op": "add", "path": "urn:ietf:params:scim:schemas:core:2.0:Group:members",
                 "value": [{"value": "u6"}]},
                {"op": "replace", "value": {
                    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group":
                        {"description": "x"},
                    "displayName": "TG"}},
            ]),
            after: with(tour_guides(), json!({"displayName": "TG"})),
            changes: vec![Add(vec!["u6".into()])],
        },
    ]);
}
