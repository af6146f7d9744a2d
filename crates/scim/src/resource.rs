//! Resource documents: [`normalize`] turns a client's POST or PUT body into the canonical stored
//! document, and small accessors read the fields storage indexes.
//!
//! The canonical document is the SCIM wire JSON with the schema's attribute-name casing,
//! extension attributes nested under their schema URN, a `schemas` array of the core schema plus
//! the extensions present, and none of the server-managed `id`, `meta`, `groups` (User) or
//! `members` (Group; returned separately as [`MemberRef`]s), and never `password`.
//!
//! Normalization is tolerant of what IdPs send and strict about what rosterd keeps:
//! - Unknown attributes, unknown sub-attributes and unknown extension schemas are dropped, not
//!   refused: IdPs push custom attributes rosterd has no use for, and refusing them would break
//!   provisioning for every tenant with a custom mapping. Known attributes are type-checked.
//! - readOnly attributes are dropped (Okta PUTs back the whole resource it read, `id`, `meta`
//!   and `groups` included; RFC 7644 section 3.5.1 says to ignore them), and so is `password`.
//! - Legacy OneLogin URNs and Microsoft's AD group schema are accepted in `schemas` and as
//!   extension keys; an attribute may also be sent under a flat key such as `name.givenName` or
//!   `urn:...:enterprise:2.0:User:department`, or unqualified when only an extension defines it.
//! - null and empty lists mean unassigned (RFC 7643 section 2.5) and are left out.

mod limits;
mod members;
mod value;

use serde_json::{Map, Value};

pub use self::limits::check_value_counts;
pub(crate) use self::limits::nul_error;
pub use self::members::{MemberRef, member_refs};
use crate::ScimError;
pub use crate::schema::ResourceKind;
use crate::schema::{
    ENTERPRISE_USER_SCHEMA, ResolvedAttr, is_ignored_schema, resolve, schema_in, schemas_for,
    split_name,
};
use value::{canonical_value, writable};

/// Which write the body came with. POST and PUT carry a whole resource and follow the same rules
/// here; the caller compares `immutable` attributes with the stored resource on PUT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// `POST /Users`, `POST /Groups`.
    Create,
    /// `PUT /Users/{id}`, `PUT /Groups/{id}`.
    Replace,
}

/// A normalized write: the canonical document, and for a Group the members the body named.
#[derive(Debug, Clone, PartialEq)]
pub struct Normalized {
    pub document: Value,
    /// `None` when the body had no `members` (or the resource is a User); `Some(empty)` when it
    /// said `[]` or null.
    pub members: Option<Vec<MemberRef>>,
}

/// Turns a client body into the canonical document (see the module docs for the rules).
///
/// Errors are 400s: `invalidSyntax` when the body is not a JSON object or `schemas` is not a
/// list of strings; `invalidValue` naming the attribute when a value has the wrong type, when
/// `primary` is true more than once, when a required attribute (`userName`, a Group's
/// `displayName`) is missing or blank, or when any string holds a NUL character (`\u0000`:
/// PostgreSQL cannot store it, and no IdP means one).
pub fn normalize(
    kind: ResourceKind,
    input: Value,
    _mode: WriteMode,
) -> Result<Normalized, ScimError> {
    let Value::Object(body) = input else {
        return Err(ScimError::invalid_syntax(
            "The request body must be a JSON object.",
        ));
    };
    let mut writer = DocumentWriter {
        kind,
        doc: Map::new(),
        extensions: Vec::new(),
        members: None,
    };
    for (key, field) in body {
        if key.eq_ignore_ascii_case("schemas") {
            check_schemas(&field)?;
        } else if let Some(container) = container_schema(kind, &key) {
            match field {
                Value::Null => {}
                Value::Object(fields) => {
                    for (name, field) in fields {
                        writer.put(Some(container), &name, field)?;
                    }
                }
                other => return Err(value::expected(container, "an object", &other)),
            }
        } else if !is_ignored_schema(&key) {
            writer.put(None, &key, field)?;
        }
    }
    writer.finish()
}

/// Accumulates the canonical document attribute by attribute.
struct DocumentWriter {
    kind: ResourceKind,
    doc: Map<String, Value>,
    /// Extension attributes by schema URN, moved into `doc` at the end.
    extensions: Vec<(&'static str, Map<String, Value>)>,
    members: Option<Vec<MemberRef>>,
}

impl DocumentWriter {
    /// Writes the attribute a client called `key` (inside the extension object `container` if
    /// given); unknown names are dropped.
    fn put(&mut self, container: Option<&str>, key: &str, field: Value) -> Result<(), ScimError> {
        let Some(mut path) = split_name(key) else {
            return Ok(());
        };
        if path.schema.is_none() {
            path.schema = container.map(str::to_owned);
        }
        let Some(attr) = resolve(self.kind, &path) else {
            tracing::debug!(attribute = %key, "ignoring an attribute rosterd does not define");
            return Ok(());
        };
        if !writable(attr.def) {
            return Ok(());
        }
        if self.kind == ResourceKind::Group && attr.def.name == "members" {
            if attr.sub.is_none() {
                self.members = Some(member_refs(field)?);
            }
            return Ok(());
        }
        let field = manager_shorthand(&attr, field);
        match attr.sub {
            None => {
                let value = canonical_value(attr.def, field, attr.def.name)?;
                let target = self.target(&attr);
                match value {
                    Some(value) => merge_into(target, attr.def.name, value),
                    None => {
                        target.remove(attr.def.name);
                    }
                }
            }
            // A flat `name.givenName` key; a sub-attribute of a multi-valued attribute has no
            // single place to go, so it is dropped.
            Some(sub) if !attr.def.multi_valued && writable(sub) => {
                let at = format!("{}.{}", attr.def.name, sub.name);
                if let Some(value) = value::primitive(sub, field, &at)? {
                    merge_into(
                        self.target(&attr),
                        attr.def.name,
                        Value::Object(Map::from_iter([(sub.name.to_owned(), value)])),
                    );
                }
            }
            Some(_) => {}
        }
        Ok(())
    }

    /// The object an attribute lives in: the document, or its extension's object.
    fn target(&mut self, attr: &ResolvedAttr) -> &mut Map<String, Value> {
        if !attr.is_extension() {
            return &mut self.doc;
        }
        let index = match self
            .extensions
            .iter()
            .position(|(urn, _)| *urn == attr.schema)
        {
            Some(index) => index,
            None => {
                self.extensions.push((attr.schema, Map::new()));
                self.extensions.len() - 1
            }
        };
        &mut self.extensions[index].1
    }

    fn finish(mut self) -> Result<Normalized, ScimError> {
        let (core, extension_order) = schemas_for(self.kind);
        // A cleared `manager` (or `name`) leaves an empty object behind: unassigned.
        let not_empty =
            |_: &String, value: &mut Value| !value.as_object().is_some_and(Map::is_empty);
        self.doc.retain(not_empty);
        let mut schemas = vec![Value::from(core)];
        for urn in extension_order {
            let Some((_, mut attributes)) = self
                .extensions
                .iter()
                .position(|(schema, _)| schema == urn)
                .map(|index| self.extensions.swap_remove(index))
            else {
                continue;
            };
            attributes.retain(not_empty);
            if !attributes.is_empty() {
                schemas.push(Value::from(*urn));
                self.doc
                    .insert((*urn).to_owned(), Value::Object(attributes));
            }
        }
        for def in self.kind.core_schema().attributes {
            if def.required && writable(def) {
                let present = self
                    .doc
                    .get(def.name)
                    .and_then(Value::as_str)
                    .is_some_and(|text| !text.trim().is_empty());
                if !present {
                    return Err(ScimError::invalid_value(format!(
                        "The attribute '{}' is required and must not be blank.",
                        def.name
                    )));
                }
            }
        }
        limits::check_no_nul(&self.doc)?;
        self.doc.insert("schemas".to_owned(), Value::Array(schemas));
        Ok(Normalized {
            document: Value::Object(self.doc),
            members: self.members,
        })
    }
}

/// The schema a top-level key names when it is a container of attributes: an extension URN of
/// this resource, or its core URN (some clients nest core attributes under it).
fn container_schema(kind: ResourceKind, key: &str) -> Option<&'static str> {
    schema_in(kind, key)
}

/// `schemas` must be a list of strings; which URNs it lists does not matter, because the
/// stored `schemas` is derived from the attributes present (unknown URNs are custom extensions
/// rosterd drops, legacy ones are mapped).
fn check_schemas(field: &Value) -> Result<(), ScimError> {
    match field {
        Value::Null => Ok(()),
        Value::Array(urns) if urns.iter().all(Value::is_string) => Ok(()),
        _ => Err(ScimError::invalid_syntax(
            "'schemas' must be a list of schema URNs.",
        )),
    }
}

/// The enterprise `manager` given as a plain id string becomes `{"value": id}`; an empty string
/// (or an empty `value`) clears it.
fn manager_shorthand(attr: &ResolvedAttr, field: Value) -> Value {
    if attr.schema != ENTERPRISE_USER_SCHEMA || attr.def.name != "manager" {
        return field;
    }
    match (attr.sub, field) {
        (None, Value::String(id)) if id.trim().is_empty() => Value::Null,
        (None, Value::String(id)) => {
            Value::Object(Map::from_iter([("value".to_owned(), id.into())]))
        }
        (None, Value::Object(mut fields)) => {
            fields.retain(|key, value| {
                !(key.eq_ignore_ascii_case("value")
                    && value.as_str().is_some_and(|v| v.trim().is_empty()))
            });
            Value::Object(fields)
        }
        (Some(sub), Value::String(id)) if sub.name == "value" && id.trim().is_empty() => {
            Value::Null
        }
        (_, field) => field,
    }
}

/// Sets `name` in `target`, merging into an object already there (a flat `name.givenName`
/// beside a `name` object).
fn merge_into(target: &mut Map<String, Value>, name: &str, value: Value) {
    match (target.get_mut(name), value) {
        (Some(Value::Object(existing)), Value::Object(new)) => existing.extend(new),
        (_, value) => {
            target.insert(name.to_owned(), value);
        }
    }
}

/// A User document's `userName`.
pub fn user_name(doc: &Value) -> Option<&str> {
    doc.get("userName").and_then(Value::as_str)
}

/// A document's `externalId`.
pub fn external_id(doc: &Value) -> Option<&str> {
    doc.get("externalId").and_then(Value::as_str)
}

/// A User document's `active`; an absent `active` means active (RFC 7643 leaves the default to
/// the service provider, and every IdP treats a new user as active).
pub fn active(doc: &Value) -> bool {
    doc.get("active").and_then(Value::as_bool).unwrap_or(true)
}

/// A User document's email addresses, the primary one first, then in document order.
pub fn emails(doc: &Value) -> Vec<String> {
    let mut entries: Vec<(bool, String)> = doc
        .get("emails")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|email| {
            let value = email.get("value")?.as_str()?;
            let primary = email.get("primary").and_then(Value::as_bool) == Some(true);
            Some((primary, value.to_owned()))
        })
        .collect();
    entries.sort_by_key(|(primary, _)| !primary);
    entries.into_iter().map(|(_, value)| value).collect()
}

/// A Group document's `displayName` (also a User's, if it has one).
pub fn display_name(doc: &Value) -> Option<&str> {
    doc.get("displayName").and_then(Value::as_str)
}

#[cfg(test)]
mod tests;
