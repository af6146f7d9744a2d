//! rosterd's license extension, `urn:rosterd:params:scim:schemas:extension:license:2.0:User`:
//! a read-only view of the licenses the ledger holds for the User in this product. Clients
//! cannot write it; writes that carry it (an IdP echoing a read resource) are ignored.

use super::define::{complex, string};
use super::{AttributeDef, LICENSE_EXTENSION_SCHEMA, Returned, SchemaDef};

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
.read_only()
// Computed from the ledger on every read; returned when asked for (`attributes=` the URN or
// `licenses`), so default responses stay the resource the IdP wrote and an IdP that PUTs back
// what it read, or a checker that expects its writes echoed, never meets server-owned data.
.returned(Returned::Request)];

/// The license extension.
pub static LICENSE_EXTENSION: SchemaDef = SchemaDef {
    id: LICENSE_EXTENSION_SCHEMA,
    name: "License",
    description: "The licenses a User holds in this product",
    attributes: LICENSE_ATTRIBUTES,
};
