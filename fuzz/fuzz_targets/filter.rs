//! The filter parser on any text: it never panics, and a filter that parses prints (its
//! canonical text) to a text that parses back to the same tree, as `filter/display.rs` promises.
//! The evaluator then runs the filter over a User document, and the PATCH path parser and the
//! attribute path parser get the same text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rosterd_scim::filter::{MAX_INPUT_LEN, matches, parse_attr_path, parse_filter, parse_patch_path};
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(filter) = parse_filter(text) {
        let canonical = filter.to_string();
        if canonical.len() <= MAX_INPUT_LEN {
            let again = parse_filter(&canonical)
                .unwrap_or_else(|err| panic!("{canonical:?} (from {text:?}) does not parse: {err:?}"));
            assert_eq!(again, filter, "{canonical:?} from {text:?}");
        }
        let user = json!({
            "userName": "ada@example.com", "active": true, "displayName": "Ada",
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "emails": [{"value": "ada@example.com", "type": "work", "primary": true},
                       {"value": "a@home.example", "type": "home"}],
            "meta": {"lastModified": "2026-01-01T00:00:00Z"},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "7"}
        });
        let _ = matches(&filter, &user, &|path| path.attr == "id");
    }
    if let Ok(path) = parse_patch_path(text) {
        let canonical = path.to_string();
        if canonical.len() <= MAX_INPUT_LEN {
            let again = parse_patch_path(&canonical)
                .unwrap_or_else(|err| panic!("{canonical:?} (from {text:?}) does not parse: {err:?}"));
            assert_eq!(again, path, "{canonical:?} from {text:?}");
        }
    }
    let _ = parse_attr_path(text);
});
