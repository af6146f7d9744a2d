//! Partial representations (RFC 7644 section 3.9 and 3.4.2.5): which attributes a response
//! carries, from the `attributes` / `excludedAttributes` query parameters and each attribute's
//! `returned` characteristic.
//!
//! - `returned: always` (`id`, and the `schemas` list) is in every response, even when excluded
//!   or not asked for; `returned: never` (`password`) is in none; `returned: default` appears
//!   unless `attributes` leaves it out or `excludedAttributes` names it; `returned: request`
//!   only when `attributes` names it. `userName` and a Group's `displayName` are `default` in
//!   RFC 7643, so `attributes=emails` leaves them out.
//! - Names are comma-separated, case-insensitive, optionally URN-qualified, and may name a
//!   sub-attribute (`name.givenName`) or a whole extension (its URN).
//! - Names rosterd does not define are ignored rather than refused: RFC 7644 does not say to
//!   fail, and IdPs ask for their custom attributes when they read a resource back.
//! - When both parameters are given, `attributes` wins and `excludedAttributes` is ignored.

use serde_json::{Map, Value};

use crate::schema::{
    AttributeDef, ResourceKind, Returned, resolve, resolve_name, schema_in, split_name,
};

/// A parsed `attributes` / `excludedAttributes` pair.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Projection {
    selection: Selection,
}

#[derive(Debug, Clone, Default, PartialEq)]
enum Selection {
    /// Neither parameter: the default set.
    #[default]
    Default,
    /// `attributes=...`: only these (and the `always` ones).
    Include(Vec<Named>),
    /// `excludedAttributes=...`: the default set less these (but never the `always` ones).
    Exclude(Vec<Named>),
}

/// One name from a parameter, resolved to canonical spellings.
#[derive(Debug, Clone, PartialEq)]
enum Named {
    /// Every attribute of a schema (the parameter named its URN).
    Schema(&'static str),
    Attribute {
        schema: &'static str,
        attr: &'static str,
        sub: Option<&'static str>,
    },
}

/// How one attribute of a response is to be rendered.
#[derive(Debug, PartialEq)]
enum Keep {
    Nothing,
    /// The attribute, with sub-attributes filtered by their own `returned`.
    Whole,
    /// Only these sub-attributes (and any `always` ones).
    Subs(Vec<&'static str>),
    /// The attribute less these sub-attributes.
    AllBut(Vec<&'static str>),
}

impl Projection {
    /// Parses the query parameters for a resource of `kind`.
    pub fn parse(
        kind: ResourceKind,
        attributes: Option<&str>,
        excluded_attributes: Option<&str>,
    ) -> Self {
        let selection = match (attributes, excluded_attributes) {
            (Some(list), _) if !list.trim().is_empty() => Selection::Include(names(kind, list)),
            (_, Some(list)) if !list.trim().is_empty() => Selection::Exclude(names(kind, list)),
            _ => Selection::Default,
        };
        Self { selection }
    }

    /// Whether a response would carry any part of the top-level attribute `attr_name`, so that
    /// storage can skip loading it (`members` with `excludedAttributes=members`). Unknown names
    /// are wanted: the caller knows best what it stores.
    pub fn wants(&self, kind: ResourceKind, attr_name: &str) -> bool {
        match resolve_name(kind, attr_name) {
            Some(attr) => self.keep(attr.schema, attr.def) != Keep::Nothing,
            None => !matches!(self.selection, Selection::Include(_)),
        }
    }

    /// Removes from a full resource representation what the response must not carry. Keys that
    /// are neither `schemas`, an attribute of `kind`, nor one of its extensions are kept only
    /// when no `attributes` list was given.
    pub fn apply(&self, kind: ResourceKind, resource: &mut Value) {
        let Value::Object(fields) = resource else {
            return;
        };
        let (core, _) = crate::schema::schemas_for(kind);
        fields.retain(|key, value| {
            if key == "schemas" {
                return true;
            }
            if let Some(urn) = schema_in(kind, key).filter(|urn| *urn != core) {
                if let Value::Object(ext) = value {
                    ext.retain(|name, value| self.retain_attr(kind, Some(urn), name, value));
                    return !ext.is_empty();
                }
                return !matches!(self.selection, Selection::Include(_));
            }
            self.retain_attr(kind, Some(core), key, value)
        });
        // `schemas` names only the extensions the response still carries.
        let present: Vec<String> = fields.keys().map(|k| k.to_ascii_lowercase()).collect();
        if let Some(Value::Array(schemas)) = fields.get_mut("schemas") {
            schemas.retain(|urn| {
                urn.as_str().is_none_or(|urn| {
                    urn.eq_ignore_ascii_case(core) || present.contains(&urn.to_ascii_lowercase())
                })
            });
        }
    }

    /// Applies the projection to one attribute `name` of `schema`, filtering its sub-attributes
    /// in place; false when the attribute goes.
    fn retain_attr(
        &self,
        kind: ResourceKind,
        schema: Option<&str>,
        name: &str,
        value: &mut Value,
    ) -> bool {
        let path = split_name(name).map(|mut path| {
            path.schema = schema.map(str::to_owned);
            path
        });
        let Some(attr) = path.and_then(|path| resolve(kind, &path)) else {
            return !matches!(self.selection, Selection::Include(_));
        };
        let keep = self.keep(attr.schema, attr.def);
        if keep == Keep::Nothing {
            return false;
        }
        if attr.def.sub_attributes.is_empty() {
            return true;
        }
        match value {
            Value::Object(fields) => filter_subs(attr.def, &keep, fields),
            // rosterd's license extension always shows its list, `[]` when the User holds no
            // license: an IdP admin reads "no licenses" rather than a missing extension.
            Value::Array(items)
                if items.is_empty() && attr.schema == crate::schema::LICENSE_EXTENSION_SCHEMA =>
            {
                true
            }
            Value::Array(items) => {
                for item in items.iter_mut() {
                    if let Value::Object(fields) = item {
                        filter_subs(attr.def, &keep, fields);
                    }
                }
                items.retain(|item| !item.as_object().is_some_and(Map::is_empty));
                !items.is_empty()
            }
            _ => true,
        }
    }

    fn keep(&self, schema: &'static str, def: &'static AttributeDef) -> Keep {
        match def.returned {
            Returned::Never => return Keep::Nothing,
            Returned::Always => return Keep::Whole,
            Returned::Default | Returned::Request => {}
        }
        let default = if def.returned == Returned::Default {
            Keep::Whole
        } else {
            Keep::Nothing
        };
        match &self.selection {
            Selection::Default => default,
            Selection::Include(named) => {
                let mut subs = Vec::new();
                for name in named {
                    match name.subject(schema, def) {
                        Subject::Whole => return Keep::Whole,
                        Subject::Sub(sub) => subs.push(sub),
                        Subject::Other => {}
                    }
                }
                if subs.is_empty() {
                    Keep::Nothing
                } else {
                    Keep::Subs(subs)
                }
            }
            Selection::Exclude(named) => {
                if default == Keep::Nothing {
                    return Keep::Nothing;
                }
                let mut subs = Vec::new();
                for name in named {
                    match name.subject(schema, def) {
                        Subject::Whole => return Keep::Nothing,
                        Subject::Sub(sub) => subs.push(sub),
                        Subject::Other => {}
                    }
                }
                Keep::AllBut(subs)
            }
        }
    }
}

/// What a parameter name says about one attribute.
enum Subject {
    Whole,
    Sub(&'static str),
    Other,
}

impl Named {
    fn subject(&self, schema: &str, def: &AttributeDef) -> Subject {
        match self {
            Named::Schema(urn) if *urn == schema => Subject::Whole,
            Named::Attribute {
                schema: named_schema,
                attr,
                sub,
            } if *named_schema == schema && *attr == def.name => {
                sub.map_or(Subject::Whole, Subject::Sub)
            }
            _ => Subject::Other,
        }
    }
}

/// Keeps the sub-attributes of one complex value that `keep` and their `returned` allow;
/// false when none are left.
fn filter_subs(def: &AttributeDef, keep: &Keep, fields: &mut Map<String, Value>) -> bool {
    fields.retain(|name, _| {
        let Some(sub) = def.sub_attribute(name) else {
            return !matches!(keep, Keep::Subs(_));
        };
        match sub.returned {
            Returned::Never => false,
            Returned::Always => true,
            Returned::Default | Returned::Request => match keep {
                Keep::Nothing => false,
                Keep::Whole => true,
                Keep::Subs(subs) => subs.contains(&sub.name),
                Keep::AllBut(subs) => !subs.contains(&sub.name),
            },
        }
    });
    !fields.is_empty()
}

/// Resolves a comma-separated parameter; names rosterd does not define are skipped.
fn names(kind: ResourceKind, list: &str) -> Vec<Named> {
    list.split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .filter_map(|name| {
            if let Some(urn) = schema_in(kind, name) {
                return Some(Named::Schema(urn));
            }
            let Some(attr) = resolve_name(kind, name) else {
                tracing::debug!(
                    attribute = name,
                    "ignoring an unknown attribute in a projection"
                );
                return None;
            };
            Some(Named::Attribute {
                schema: attr.schema,
                attr: attr.def.name,
                sub: attr.sub.map(|sub| sub.name),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
