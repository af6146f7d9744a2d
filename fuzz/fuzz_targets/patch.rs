//! The PATCH request parser and engine on any JSON body: parsing never panics, and operations
//! that parse are applied to a User and to a Group without panicking. A User patch that succeeds
//! leaves a document that normalizes (it is still a valid canonical User).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rosterd_scim::patch::{apply_group_patch, apply_user_patch, parse_patch_request};
use rosterd_scim::resource::{ResourceKind, WriteMode, normalize};
use serde_json::{Value, json};

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let Ok(ops) = parse_patch_request(&body) else {
        return;
    };
    let mut user = normalize(
        ResourceKind::User,
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "userName": "ada@example.com", "active": true, "displayName": "Ada",
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "emails": [{"value": "ada@example.com", "type": "work", "primary": true},
                       {"value": "a@home.example", "type": "home"}],
            "phoneNumbers": [{"value": "+1 555 0100", "type": "work"}],
            "addresses": [{"type": "work", "locality": "London", "primary": true}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
                {"employeeNumber": "7", "manager": {"value": "boss"}}
        }),
        WriteMode::Create,
    )
    .expect("the seed user normalizes")
    .document;
    if apply_user_patch(&mut user, &ops).is_ok() {
        if let Err(err) = normalize(ResourceKind::User, user.clone(), WriteMode::Replace) {
            panic!("a patched user does not normalize: {err:?}\n{user}");
        }
    }
    let mut group = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "Sales"
    });
    let _ = apply_group_patch(&mut group, &ops);
});
