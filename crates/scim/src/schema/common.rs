//! The common attributes every resource carries (RFC 7643 section 3.1): `id`, `externalId` and
//! `meta`. They belong to no schema, so `/Schemas` does not list them.

use super::define::{complex, date_time, reference, string};
use super::{AttributeDef, Returned, Uniqueness};

/// `id`: the service provider's identifier; readOnly, returned always, caseExact. Listed as
/// not `required` because clients never send it (the server always assigns it).
pub const ID: AttributeDef = string(
    "id",
    "A unique identifier for a SCIM resource as defined by the service provider.",
)
.case_exact()
.read_only()
.returned(Returned::Always)
.uniqueness(Uniqueness::Server);

/// `externalId`: the client's identifier for the resource; caseExact.
pub const EXTERNAL_ID: AttributeDef = string(
    "externalId",
    "A String that is an identifier for the resource as defined by the provisioning client.",
)
.case_exact();

const META_SUBS: &[AttributeDef] = &[
    string(
        "resourceType",
        "The name of the resource type of the resource.",
    )
    .case_exact()
    .read_only(),
    date_time(
        "created",
        "The DateTime that the resource was added to the service provider.",
    )
    .read_only(),
    date_time(
        "lastModified",
        "The most recent DateTime that the details of this resource were updated at the service \
         provider.",
    )
    .read_only(),
    reference(
        "location",
        &["uri"],
        "The URI of the resource being returned.",
    )
    .case_exact()
    .read_only(),
    string(
        "version",
        "The version (ETag) of the resource being returned.",
    )
    .case_exact()
    .read_only(),
];

/// `meta`: resource metadata the server maintains; readOnly.
pub const META: AttributeDef = complex(
    "meta",
    META_SUBS,
    "A complex attribute containing resource metadata.",
)
.read_only();

/// The three common attributes, in wire order.
pub static COMMON_ATTRIBUTES: [AttributeDef; 3] = [ID, EXTERNAL_ID, META];
