//! Finding attribute definitions by the names clients write: case-insensitive, URN-qualified or
//! not, with the legacy URNs OneLogin still sends mapped onto the RFC 7643 ones.

use super::{
    AttributeDef, COMMON_ATTRIBUTES, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA,
    LICENSE_EXTENSION_SCHEMA, MICROSOFT_AD_GROUP_SCHEMA, ResourceKind, SchemaDef, USER_SCHEMA,
    find, schema_def,
};
use crate::filter::AttrPath;

/// Legacy spellings some IdPs send, and the schema each stands for. The core ones stand for the
/// core schema of whatever resource they appear in (see [`resolve`]).
const LEGACY_URNS: [(&str, &str); 3] = [
    ("urn:scim:schemas:core:2.0", USER_SCHEMA),
    ("urn:scim:schemas:core:1.0", USER_SCHEMA),
    (
        "urn:scim:schemas:extension:enterprise:2.0",
        ENTERPRISE_USER_SCHEMA,
    ),
];

const KNOWN_URNS: [&str; 5] = [
    USER_SCHEMA,
    ENTERPRISE_USER_SCHEMA,
    LICENSE_EXTENSION_SCHEMA,
    GROUP_SCHEMA,
    MICROSOFT_AD_GROUP_SCHEMA,
];

const USER_EXTENSIONS: &[&str] = &[ENTERPRISE_USER_SCHEMA, LICENSE_EXTENSION_SCHEMA];

/// An attribute found by [`resolve`]: the canonical URN of the schema that defines it (the core
/// schema for the common attributes `id`, `externalId`, `meta`), its definition, and the
/// sub-attribute's definition when the path named one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResolvedAttr {
    pub schema: &'static str,
    pub def: &'static AttributeDef,
    pub sub: Option<&'static AttributeDef>,
}

impl ResolvedAttr {
    /// Whether the attribute lives in an extension, i.e. nested under its URN in documents.
    pub fn is_extension(&self) -> bool {
        self.schema != USER_SCHEMA && self.schema != GROUP_SCHEMA
    }

    /// The definition the path ends at: the sub-attribute if one was named, else the attribute.
    pub fn leaf(&self) -> &'static AttributeDef {
        self.sub.unwrap_or(self.def)
    }
}

/// The canonical spelling of a schema URN rosterd knows, compared case-insensitively.
///
/// Legacy URNs map onto their RFC 7643 names: `urn:scim:schemas:core:2.0` and
/// `urn:scim:schemas:core:1.0` to the core User schema, `urn:scim:schemas:extension:enterprise:2.0`
/// to the enterprise extension. Microsoft's AD group schema is known and returned as
/// [`MICROSOFT_AD_GROUP_SCHEMA`], but it defines nothing: check [`is_ignored_schema`] and drop it.
/// Anything else is `None`.
pub fn canonical_schema_urn(urn: &str) -> Option<&'static str> {
    let urn = urn.trim();
    KNOWN_URNS
        .iter()
        .copied()
        .find(|known| known.eq_ignore_ascii_case(urn))
        .or_else(|| {
            LEGACY_URNS
                .iter()
                .find(|(legacy, _)| legacy.eq_ignore_ascii_case(urn))
                .map(|(_, canonical)| *canonical)
        })
}

/// Whether `urn` is a schema rosterd recognises but keeps nothing of (Microsoft's AD group
/// schema): accept it in requests, leave it out of stored documents.
pub fn is_ignored_schema(urn: &str) -> bool {
    canonical_schema_urn(urn) == Some(MICROSOFT_AD_GROUP_SCHEMA)
}

/// The core schema URN and the extension URNs of a resource type.
pub fn schemas_for(kind: ResourceKind) -> (&'static str, &'static [&'static str]) {
    match kind {
        ResourceKind::User => (USER_SCHEMA, USER_EXTENSIONS),
        ResourceKind::Group => (GROUP_SCHEMA, &[]),
    }
}

/// The canonical URN `urn` stands for within a resource of `kind`, if it is one of its schemas.
/// A legacy core URN stands for the resource's own core schema (OneLogin sends
/// `urn:scim:schemas:core:2.0` for Groups too).
pub(crate) fn schema_in(kind: ResourceKind, urn: &str) -> Option<&'static str> {
    let canonical = canonical_schema_urn(urn)?;
    let (core, extensions) = schemas_for(kind);
    if canonical == core || extensions.contains(&canonical) {
        return Some(canonical);
    }
    let legacy_core = LEGACY_URNS
        .iter()
        .any(|(legacy, target)| *target == USER_SCHEMA && legacy.eq_ignore_ascii_case(urn.trim()));
    legacy_core.then_some(core)
}

/// The definition of the attribute at `path` in a resource of `kind`, compared
/// case-insensitively.
///
/// - A URN prefix may be written for core attributes (`urn:...:core:2.0:User:userName`) and
///   legacy URNs are accepted; the common attributes (`id`, `externalId`, `meta`) resolve with or
///   without the core URN.
/// - Extension attributes resolve when qualified with their URN, and also unqualified when no
///   core or common attribute has that name (`employeeNumber`, `department`, `licenses`):
///   filters and PATCH paths from some IdPs omit the URN. The core schema always wins a clash.
/// - `None` for unknown schemas, unknown attributes, and a sub-attribute that the attribute does
///   not have (or a sub-attribute of a non-complex attribute).
pub fn resolve(kind: ResourceKind, path: &AttrPath) -> Option<ResolvedAttr> {
    let (schema, def) = match &path.schema {
        Some(urn) => {
            let schema = schema_in(kind, urn)?;
            let (core, _) = schemas_for(kind);
            let def = schema_def(schema)?.attribute(&path.attr).or_else(|| {
                (schema == core)
                    .then(|| find(&COMMON_ATTRIBUTES, &path.attr))
                    .flatten()
            })?;
            (schema, def)
        }
        None => resolve_unqualified(kind, &path.attr)?,
    };
    let sub = match &path.sub_attr {
        Some(name) => Some(def.sub_attribute(name)?),
        None => None,
    };
    Some(ResolvedAttr { schema, def, sub })
}

fn resolve_unqualified(
    kind: ResourceKind,
    name: &str,
) -> Option<(&'static str, &'static AttributeDef)> {
    let (core, extensions) = schemas_for(kind);
    if let Some(def) = find(&COMMON_ATTRIBUTES, name).or_else(|| kind.core_schema().attribute(name))
    {
        return Some((core, def));
    }
    extensions.iter().find_map(|urn| {
        let schema: &SchemaDef = schema_def(urn)?;
        Some((schema.id, schema.attribute(name)?))
    })
}

/// Like [`resolve`], for a name written as one string, as IdPs send keys in path-less PATCH
/// values and in `attributes=` lists: `name.givenName`,
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`,
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`. The URN is
/// everything before the last colon; the rest is `attr[.subAttr]`.
pub fn resolve_name(kind: ResourceKind, name: &str) -> Option<ResolvedAttr> {
    resolve(kind, &split_name(name)?)
}

/// Splits `[urn:]attr[.subAttr]` into an [`AttrPath`]; `None` when a part is empty.
pub(crate) fn split_name(name: &str) -> Option<AttrPath> {
    let name = name.trim();
    let (schema, rest) = match name.rsplit_once(':') {
        Some((urn, rest)) => (Some(urn.to_owned()), rest),
        None => (None, name),
    };
    let (attr, sub_attr) = match rest.split_once('.') {
        Some((attr, sub)) => (attr, Some(sub.to_owned())),
        None => (rest, None),
    };
    if attr.is_empty() || sub_attr.as_deref().is_some_and(str::is_empty) {
        return None;
    }
    Some(AttrPath {
        schema,
        attr: attr.to_owned(),
        sub_attr,
    })
}
