//! The schemas rosterd serves (RFC 7643): User, the enterprise User extension, Group, and the
//! rosterd license extension; each attribute with its characteristics. Discovery renders these,
//! and the resource and PATCH code look attributes up here.
//!
//! The definitions are `&'static` data (see the submodules); [`resolve`] and [`resolve_name`]
//! find an attribute by the names clients write, case-insensitively and with the legacy URNs
//! some IdPs still send.

mod common;
mod define;
mod enterprise;
mod group;
mod license;
mod lookup;
mod user;

pub use common::{COMMON_ATTRIBUTES, EXTERNAL_ID, ID, META};
pub use enterprise::ENTERPRISE_USER;
pub use group::GROUP;
pub use license::LICENSE_EXTENSION;
pub use lookup::{
    ResolvedAttr, canonical_schema_urn, is_ignored_schema, resolve, resolve_name, schemas_for,
};
pub(crate) use lookup::{schema_in, split_name};
pub use user::USER;

/// `urn:ietf:params:scim:schemas:core:2.0:User`
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`
pub const ENTERPRISE_USER_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// `urn:ietf:params:scim:schemas:core:2.0:Group`
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// rosterd's read-only extension that shows a User's licenses.
pub const LICENSE_EXTENSION_SCHEMA: &str =
    "urn:rosterd:params:scim:schemas:extension:license:2.0:User";

/// Microsoft's Active Directory group schema, which Entra ID lists in a Group's `schemas`. It
/// defines nothing rosterd keeps: [`canonical_schema_urn`] knows it and [`is_ignored_schema`] says
/// to drop it.
pub const MICROSOFT_AD_GROUP_SCHEMA: &str =
    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";

/// The two SCIM resource types rosterd serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    User,
    Group,
}

impl ResourceKind {
    /// The resource type's name, as in `meta.resourceType` and `/ResourceTypes/{name}`.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::User => "User",
            ResourceKind::Group => "Group",
        }
    }

    /// The resource type's endpoint below the SCIM base URL.
    pub fn endpoint(self) -> &'static str {
        match self {
            ResourceKind::User => "/Users",
            ResourceKind::Group => "/Groups",
        }
    }

    /// The resource type's core schema definition.
    pub fn core_schema(self) -> &'static SchemaDef {
        match self {
            ResourceKind::User => &USER,
            ResourceKind::Group => &GROUP,
        }
    }
}

/// One schema (RFC 7643 section 7): its URN, name, description and attributes. The common
/// attributes (`id`, `externalId`, `meta`) are in [`COMMON_ATTRIBUTES`], not here (RFC 7643
/// section 3.1).
#[derive(Debug, PartialEq)]
pub struct SchemaDef {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub attributes: &'static [AttributeDef],
}

impl SchemaDef {
    /// The top-level attribute called `name`, compared case-insensitively.
    pub fn attribute(&self, name: &str) -> Option<&'static AttributeDef> {
        find(self.attributes, name)
    }
}

/// Every schema rosterd serves, in the order `/Schemas` lists them.
pub static ALL_SCHEMAS: [&SchemaDef; 4] = [&USER, &ENTERPRISE_USER, &LICENSE_EXTENSION, &GROUP];

/// The schema whose URN is `urn` (case-insensitive, legacy URNs mapped).
pub fn schema_def(urn: &str) -> Option<&'static SchemaDef> {
    let urn = canonical_schema_urn(urn)?;
    ALL_SCHEMAS.iter().copied().find(|schema| schema.id == urn)
}

/// The attribute called `name` in `defs`, compared case-insensitively.
pub(crate) fn find(defs: &'static [AttributeDef], name: &str) -> Option<&'static AttributeDef> {
    defs.iter().find(|def| def.name.eq_ignore_ascii_case(name))
}

/// RFC 7643 section 7 attribute types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    String,
    Boolean,
    Decimal,
    Integer,
    DateTime,
    Binary,
    Reference,
    Complex,
}

/// RFC 7643 section 7 `mutability`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    ReadOnly,
    ReadWrite,
    Immutable,
    WriteOnly,
}

/// RFC 7643 section 7 `returned`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returned {
    Always,
    Never,
    Default,
    Request,
}

/// RFC 7643 section 7 `uniqueness`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uniqueness {
    None,
    Server,
    Global,
}

/// One attribute's definition.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeDef {
    pub name: &'static str,
    pub kind: AttrType,
    pub multi_valued: bool,
    pub description: &'static str,
    pub required: bool,
    pub case_exact: bool,
    pub mutability: Mutability,
    pub returned: Returned,
    pub uniqueness: Uniqueness,
    pub canonical_values: &'static [&'static str],
    pub reference_types: &'static [&'static str],
    pub sub_attributes: &'static [AttributeDef],
}

impl AttributeDef {
    /// The sub-attribute called `name`, compared case-insensitively.
    pub fn sub_attribute(&self, name: &str) -> Option<&'static AttributeDef> {
        find(self.sub_attributes, name)
    }

    /// Whether clients may not set it (RFC 7643 `readOnly`): writes ignore it.
    pub fn is_read_only(&self) -> bool {
        self.mutability == Mutability::ReadOnly
    }
}

impl AttrType {
    /// The type's name in a schema document.
    pub fn as_str(self) -> &'static str {
        match self {
            AttrType::String => "string",
            AttrType::Boolean => "boolean",
            AttrType::Decimal => "decimal",
            AttrType::Integer => "integer",
            AttrType::DateTime => "dateTime",
            AttrType::Binary => "binary",
            AttrType::Reference => "reference",
            AttrType::Complex => "complex",
        }
    }
}

impl Mutability {
    /// The value's name in a schema document.
    pub fn as_str(self) -> &'static str {
        match self {
            Mutability::ReadOnly => "readOnly",
            Mutability::ReadWrite => "readWrite",
            Mutability::Immutable => "immutable",
            Mutability::WriteOnly => "writeOnly",
        }
    }
}

impl Returned {
    /// The value's name in a schema document.
    pub fn as_str(self) -> &'static str {
        match self {
            Returned::Always => "always",
            Returned::Never => "never",
            Returned::Default => "default",
            Returned::Request => "request",
        }
    }
}

impl Uniqueness {
    /// The value's name in a schema document.
    pub fn as_str(self) -> &'static str {
        match self {
            Uniqueness::None => "none",
            Uniqueness::Server => "server",
            Uniqueness::Global => "global",
        }
    }
}

#[cfg(test)]
mod tests;
