//! Shared fixtures and table runners for the PATCH engine tests: canonical documents, a body
//! builder, and runners that name the failing case.

use http::StatusCode;
use serde_json::{Value, json};

use super::{
    MemberChange, PATCH_OP_SCHEMA, PatchOperation, apply_group_patch, apply_user_patch,
    parse_patch_request,
};
use crate::schema::ResourceKind;
use crate::{ScimError, ScimType};

pub(super) const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub(super) const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub(super) const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// A canonical User as storage holds it (RFC 7643 section 8.2, trimmed).
pub(super) fn bjensen() -> Value {
    json!({
        "schemas": [USER],
        "userName": "bjensen@example.com",
        "externalId": "bjensen",
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "displayName": "Babs Jensen",
        "active": true,
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
        ],
        "addresses": [
            {"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood"},
        ],
    })
}

/// A canonical Group (never with `members`).
pub(super) fn tour_guides() -> Value {
    json!({"schemas": [GROUP], "displayName": "Tour Guides", "externalId": "tg-1"})
}

/// `base` with top-level keys replaced by those of `changes` (`null` removes the key).
pub(super) fn with(base: Value, changes: Value) -> Value {
    let (Value::Object(mut base), Value::Object(changes)) = (base, changes) else {
        panic!("with() takes two objects");
    };
    for (key, value) in changes {
        if value.is_null() {
            base.remove(&key);
        } else {
            base.insert(key, value);
        }
    }
    Value::Object(base)
}

/// A PatchOp body around `operations`.
pub(super) fn body(operations: Value) -> Value {
    json!({"schemas": [PATCH_OP_SCHEMA], "Operations": operations})
}

pub(super) fn parse(operations: Value) -> Vec<PatchOperation> {
    parse_patch_request(&body(operations)).unwrap_or_else(|err| panic!("parse failed: {err}"))
}

/// A successful case: `before` patched with `ops` is exactly `after`.
pub(super) struct Case {
    pub name: &'static str,
    pub before: Value,
    pub ops: Value,
    pub after: Value,
}

pub(super) fn run_user_cases(cases: Vec<Case>) {
    for case in cases {
        let mut doc = case.before;
        apply_user_patch(&mut doc, &parse(case.ops))
            .unwrap_or_else(|err| panic!("{}: unexpected error {err}", case.name));
        assert_eq!(doc, case.after, "{}", case.name);
    }
}

/// A successful Group case: the document and the member changes, in order.
pub(super) struct GroupCase {
    pub name: &'static str,
    pub ops: Value,
    pub after: Value,
    pub changes: Vec<MemberChange>,
}

pub(super) fn run_group_cases(cases: Vec<GroupCase>) {
    for case in cases {
        let mut doc = tour_guides();
        let changes = apply_group_patch(&mut doc, &parse(case.ops))
            .unwrap_or_else(|err| panic!("{}: unexpected error {err}", case.name));
        assert_eq!(doc, case.after, "{}: document", case.name);
        assert_eq!(changes, case.changes, "{}: member changes", case.name);
    }
}

/// A failing case: the whole request body, the 400's `scimType`, a fragment of the detail. The
/// stored document must come out untouched.
pub(super) struct ErrorCase {
    pub name: &'static str,
    pub kind: ResourceKind,
    pub body: Value,
    pub scim_type: ScimType,
    pub detail_has: &'static str,
}

pub(super) fn run_error_cases(cases: Vec<ErrorCase>) {
    for case in cases {
        let before = match case.kind {
            ResourceKind::User => bjensen(),
            ResourceKind::Group => tour_guides(),
        };
        let mut doc = before.clone();
        let result: Result<(), ScimError> =
            parse_patch_request(&case.body).and_then(|ops| match case.kind {
                ResourceKind::User => apply_user_patch(&mut doc, &ops),
                ResourceKind::Group => apply_group_patch(&mut doc, &ops).map(|_| ()),
            });
        let err = result.expect_err(case.name);
        assert_eq!(err.status, StatusCode::BAD_REQUEST, "{}: {err}", case.name);
        assert_eq!(err.scim_type, Some(case.scim_type), "{}: {err}", case.name);
        assert!(
            err.detail.contains(case.detail_has),
            "{}: detail {:?} lacks {:?}",
            case.name,
            err.detail,
            case.detail_has
        );
        assert_eq!(doc, before, "{}: document changed on error", case.name);
    }
}
