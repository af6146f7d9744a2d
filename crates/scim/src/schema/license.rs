//! rosterd's license extension, `urn:rosterd:params:scim:schemas:extension:license:2.0:User`:
//! a read-only view of the licenses the ledger holds for the User in this product. Clients
//! cannot write it; writes that carry it (an IdP echoing a read resource) are ignored.

use super::define::{complex, string};
use super::{AttributeDef, LICENSE_EXTENSION_SCHEMA, SchemaDef};

const LICENSE_SUBS: &[AttributeDef] = &[
    string(
        "kind",
        "The license kind, e.g. 'sales-navigator-advanced' or 'learning'.",
    )
    .case_exact()
    .read_only(),
    string(
        "state",
        "The license's state: 'assigned' (waiting for the person to activate it) or 'active'.",
    )
    .case_exact()
    .canonical(&["assigned", "active"])
    .read_only(),
    string(
        "source",
        "What gave the license: the SCIM app, or a manual admin action.",
    )
    .case_exact()
    .read_only(),
];

const LICENSE_ATTRIBUTES: &[AttributeDef] = &[complex(
    "licenses",
    LICENSE_SUBS,
    "The licenses this User holds in this product. Read-only: licenses follow from provisioning \
     and the admin's rules.",
)
.multi()
.read_only()];

/// The license extension.
pub static LICENSE_EXTENSION: SchemaDef = SchemaDef {
    id: LICENSE_EXTENSION_SCHEMA,
    name: "License",
    description: "The licenses a User holds in this product",
    attributes: LICENSE_ATTRIBUTES,
};
