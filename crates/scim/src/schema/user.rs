//! The core User schema, `urn:ietf:params:scim:schemas:core:2.0:User`, with the characteristics
//! of RFC 7643 section 8.7.1.

use super::define::{boolean, complex, display, primary, reference, string, type_of, value};
use super::{AttrType, AttributeDef, Mutability, Returned, SchemaDef, USER_SCHEMA, Uniqueness};

const NAME_SUBS: &[AttributeDef] = &[
    string(
        "formatted",
        "The full name, including all middle names, titles, and suffixes as appropriate, \
         formatted for display.",
    ),
    string("familyName", "The family name of the User, or last name."),
    string("givenName", "The given name of the User, or first name."),
    string("middleName", "The middle name(s) of the User."),
    string(
        "honorificPrefix",
        "The honorific prefix(es) of the User, e.g. 'Ms.'.",
    ),
    string(
        "honorificSuffix",
        "The honorific suffix(es) of the User, e.g. 'III'.",
    ),
];

const EMAIL_SUBS: &[AttributeDef] = &[
    value("Email address for the User, normalized per RFC 5321."),
    display(),
    type_of(&["work", "home", "other"]),
    primary(),
];

const PHONE_SUBS: &[AttributeDef] = &[
    value("Phone number of the User, in the form specified by RFC 3966."),
    display(),
    type_of(&["work", "home", "mobile", "fax", "pager", "other"]),
    primary(),
];

const IM_SUBS: &[AttributeDef] = &[
    value("Instant messaging address for the User."),
    display(),
    type_of(&["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"]),
    primary(),
];

const PHOTO_SUBS: &[AttributeDef] = &[
    reference("value", &["external"], "URL of a photo of the User."),
    display(),
    type_of(&["photo", "thumbnail"]),
    primary(),
];

const ADDRESS_SUBS: &[AttributeDef] = &[
    string(
        "formatted",
        "The full mailing address, formatted for display or use with a mailing label.",
    ),
    string(
        "streetAddress",
        "The full street address component, which may include house number, street name, P.O. \
         box, and multi-line extended street address information.",
    ),
    string("locality", "The city or locality component."),
    string("region", "The state or region component."),
    string("postalCode", "The zip code or postal code component."),
    string(
        "country",
        "The country name component, as an ISO 3166-1 alpha-2 code.",
    ),
    type_of(&["work", "home", "other"]),
    primary(),
];

const GROUP_REF_SUBS: &[AttributeDef] = &[
    value("The identifier of the User's group.").read_only(),
    reference(
        "$ref",
        &["User", "Group"],
        "The URI of the corresponding 'Group' resource to which the user belongs.",
    )
    .read_only(),
    display().read_only(),
    type_of(&["direct", "indirect"]).read_only(),
];

const ENTITLEMENT_SUBS: &[AttributeDef] = &[
    value("The value of an entitlement."),
    display(),
    type_of(&[]),
    primary(),
];

const ROLE_SUBS: &[AttributeDef] = &[
    value("The value of a role."),
    display(),
    type_of(&[]),
    primary(),
];

const CERTIFICATE_SUBS: &[AttributeDef] = &[
    super::define::attr(
        "value",
        AttrType::Binary,
        "The value of an X.509 certificate.",
    ),
    display(),
    type_of(&[]),
    primary(),
];

const USER_ATTRIBUTES: &[AttributeDef] = &[
    string(
        "userName",
        "Unique identifier for the User, typically used by the user to directly authenticate to \
         the service provider. REQUIRED.",
    )
    .required()
    .uniqueness(Uniqueness::Server),
    complex("name", NAME_SUBS, "The components of the user's real name."),
    string(
        "displayName",
        "The name of the User, suitable for display to end-users.",
    ),
    string(
        "nickName",
        "The casual way to address the user in real life.",
    ),
    reference(
        "profileUrl",
        &["external"],
        "A fully qualified URL pointing to a page representing the User's online profile.",
    ),
    string("title", "The user's title, such as 'Vice President'."),
    string(
        "userType",
        "Used to identify the relationship between the organization and the user, e.g. \
         'Employee' or 'Contractor'.",
    ),
    string(
        "preferredLanguage",
        "Indicates the User's preferred written or spoken language, e.g. 'en-US'.",
    ),
    string(
        "locale",
        "Used to indicate the User's default location for localization, e.g. 'en-US'.",
    ),
    string(
        "timezone",
        "The User's time zone in the 'Olson' time zone database format, e.g. \
         'America/Los_Angeles'.",
    ),
    boolean(
        "active",
        "A Boolean value indicating the User's administrative status.",
    ),
    string(
        "password",
        "The User's cleartext password. rosterd never stores or returns it.",
    )
    .mutability(Mutability::WriteOnly)
    .returned(Returned::Never),
    complex("emails", EMAIL_SUBS, "Email addresses for the user.").multi(),
    complex("phoneNumbers", PHONE_SUBS, "Phone numbers for the User.").multi(),
    complex("ims", IM_SUBS, "Instant messaging addresses for the User.").multi(),
    complex("photos", PHOTO_SUBS, "URLs of photos of the User.").multi(),
    complex(
        "addresses",
        ADDRESS_SUBS,
        "A physical mailing address for this User.",
    )
    .multi(),
    complex(
        "groups",
        GROUP_REF_SUBS,
        "A list of groups to which the user belongs, either through direct membership, through \
         nested groups, or dynamically calculated.",
    )
    .multi()
    .read_only(),
    complex(
        "entitlements",
        ENTITLEMENT_SUBS,
        "A list of entitlements for the User that represent a thing the User has.",
    )
    .multi(),
    complex(
        "roles",
        ROLE_SUBS,
        "A list of roles for the User that collectively represent who the User is, e.g. \
         'Student', 'Faculty'.",
    )
    .multi(),
    complex(
        "x509Certificates",
        CERTIFICATE_SUBS,
        "A list of certificates issued to the User.",
    )
    .multi(),
];

/// The core User schema.
pub static USER: SchemaDef = SchemaDef {
    id: USER_SCHEMA,
    name: "User",
    description: "User Account",
    attributes: USER_ATTRIBUTES,
};
