//! The core Group schema, `urn:ietf:params:scim:schemas:core:2.0:Group` (RFC 7643 sections 4.2
//! and 8.7.1).

use super::define::{complex, reference, string, type_of};
use super::{AttributeDef, GROUP_SCHEMA, Mutability, SchemaDef};

const MEMBER_SUBS: &[AttributeDef] = &[
    string("value", "Identifier of the member of this Group.")
        .case_exact()
        .mutability(Mutability::Immutable),
    reference(
        "$ref",
        &["User", "Group"],
        "The URI corresponding to a SCIM resource that is a member of this Group.",
    )
    .mutability(Mutability::Immutable),
    string(
        "display",
        "The member's display name. Set by the service provider.",
    )
    .read_only(),
    type_of(&["User", "Group"]).mutability(Mutability::Immutable),
];

const GROUP_ATTRIBUTES: &[AttributeDef] = &[
    string(
        "displayName",
        "A human-readable name for the Group. REQUIRED.",
    )
    .required(),
    complex("members", MEMBER_SUBS, "A list of members of the Group.").multi(),
];

/// The core Group schema.
pub static GROUP: SchemaDef = SchemaDef {
    id: GROUP_SCHEMA,
    name: "Group",
    description: "Group",
    attributes: GROUP_ATTRIBUTES,
};
