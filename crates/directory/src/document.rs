//! Stored SCIM documents read back.

use rosterd_scim::ScimError;
use rosterd_scim::resource::ResourceKind;
use serde_json::Value;

use crate::error::{Failure, Outcome};

/// Parses a stored document; a corrupt one is an internal error (its content is not logged).
pub(crate) fn parse_document(text: &str, kind: ResourceKind, id: &str) -> Outcome<Value> {
    serde_json::from_str(text).map_err(|err| {
        tracing::error!(kind = kind.as_str(), id, error = %err, "a stored SCIM document is not JSON");
        Failure::Scim(ScimError::internal())
    })
}
