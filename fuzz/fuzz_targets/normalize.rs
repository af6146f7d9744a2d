//! Resource normalization on any JSON body, as a User and as a Group: it never panics, and the
//! canonical document it returns is a fixed point (normalizing it again gives it back).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rosterd_scim::resource::{ResourceKind, WriteMode, check_value_counts, normalize};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    for kind in [ResourceKind::User, ResourceKind::Group] {
        let Ok(normalized) = normalize(kind, body.clone(), WriteMode::Create) else {
            continue;
        };
        let _ = check_value_counts(&normalized.document, 3);
        let again = normalize(kind, normalized.document.clone(), WriteMode::Replace)
            .unwrap_or_else(|err| panic!("canonical {kind:?} refused: {err:?}\n{}", normalized.document));
        assert_eq!(again.document, normalized.document, "{kind:?} from {body}");
    }
});
