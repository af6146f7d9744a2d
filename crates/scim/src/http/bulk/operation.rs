//! One operation of a Bulk request: parsed from the client's JSON, its `bulkId:` references
//! found and substituted, and its entry in the BulkResponse.

use std::collections::BTreeSet;

use http::StatusCode;
use serde_json::{Map, Value, json};

use crate::ScimError;
use crate::resource::ResourceKind;
use crate::store::Precondition;

/// The prefix of a reference to a resource created earlier in the same request.
const BULK_ID_PREFIX: &str = "bulkId:";

/// The HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BulkMethod {
    Post,
    Put,
    Patch,
    Delete,
}

impl BulkMethod {
    fn parse(name: &str) -> Option<Self> {
        [
            (Self::Post, "POST"),
            (Self::Put, "PUT"),
            (Self::Patch, "PATCH"),
            (Self::Delete, "DELETE"),
        ]
        .into_iter()
        .find(|(_, text)| text.eq_ignore_ascii_case(name.trim()))
        .map(|(method, _)| method)
    }

    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }
}

/// A well-formed operation, possibly still holding `bulkId:` references.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Operation {
    /// Zero-based position in `Operations`.
    pub index: usize,
    pub method: BulkMethod,
    pub kind: ResourceKind,
    /// The target resource's id (or `bulkId:...`); `None` for POST.
    pub id: Option<String>,
    pub bulk_id: Option<String>,
    pub data: Option<Value>,
    pub version: Option<String>,
}

/// What the response echoes of an operation, known even when it did not parse.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Echo {
    pub method: Option<String>,
    pub bulk_id: Option<String>,
}

impl Echo {
    pub(super) fn of(raw: &Value) -> Self {
        let text = |name| get(raw, name).and_then(Value::as_str).map(str::to_owned);
        Self {
            method: text("method").map(|m| m.trim().to_ascii_uppercase()),
            bulk_id: text("bulkId"),
        }
    }

    /// A BulkResponse entry: `status` as a string, `location` and `version` when known, and
    /// the SCIM error body as `response` for a failure.
    pub(super) fn response(
        &self,
        status: StatusCode,
        location: Option<String>,
        version: Option<String>,
        error: Option<&ScimError>,
    ) -> Value {
        let mut entry = json!({ "status": status.as_u16().to_string() });
        let fields = [
            ("method", self.method.clone()),
            ("bulkId", self.bulk_id.clone()),
            ("location", location),
            ("version", version),
        ];
        for (key, value) in fields {
            if let Some(value) = value {
                entry[key] = value.into();
            }
        }
        if let Some(error) = error {
            entry["response"] = error.body();
        }
        entry
    }
}

impl Operation {
    /// Parses `Operations[index]`; errors are 400s naming the operation.
    pub(super) fn parse(index: usize, raw: &Value) -> Result<Self, ScimError> {
        let at =
            |detail: String| ScimError::invalid_syntax(format!("Operations[{index}]: {detail}"));
        if !raw.is_object() {
            return Err(at(
                "an operation must be an object with `method` and `path`.".into(),
            ));
        }
        let method = get(raw, "method")
            .and_then(Value::as_str)
            .and_then(BulkMethod::parse)
            .ok_or_else(|| at("`method` must be POST, PUT, PATCH or DELETE.".into()))?;
        let path = get(raw, "path")
            .and_then(Value::as_str)
            .ok_or_else(|| at("`path` is missing, e.g. \"/Users\" or \"/Groups/{id}\".".into()))?;
        let (kind, id) = parse_path(path).ok_or_else(|| {
            at(format!(
                "`path` \"{path}\" is not /Users, /Groups, /Users/{{id}} or /Groups/{{id}}."
            ))
        })?;
        match (method, &id) {
            (BulkMethod::Post, Some(_)) => {
                return Err(at(format!(
                    "a POST `path` names the endpoint (\"{}\"), not a resource.",
                    kind.endpoint()
                )));
            }
            (BulkMethod::Put | BulkMethod::Patch | BulkMethod::Delete, None) => {
                return Err(at(format!(
                    "a {} `path` must name a resource: \"{}/{{id}}\".",
                    method.as_str(),
                    kind.endpoint()
                )));
            }
            _ => {}
        }
        let bulk_id = match get(raw, "bulkId") {
            None | Some(Value::Null) => None,
            Some(Value::String(id)) if !id.trim().is_empty() => Some(id.trim().to_owned()),
            Some(_) => return Err(at("`bulkId` must be a non-empty string.".into())),
        };
        if method == BulkMethod::Post && bulk_id.is_none() {
            return Err(at("a POST needs a `bulkId` (RFC 7644 section 3.7).".into()));
        }
        let data = get(raw, "data").filter(|d| !d.is_null()).cloned();
        if method != BulkMethod::Delete && data.is_none() {
            return Err(at(format!("a {} needs `data`.", method.as_str())));
        }
        let version = get(raw, "version")
            .and_then(Value::as_str)
            .map(str::to_owned);
        Ok(Self {
            index,
            method,
            kind,
            id,
            bulk_id,
            data,
            version,
        })
    }

    /// The bulkIds this operation refers to, in its path and anywhere in its data.
    pub(super) fn references(&self) -> BTreeSet<String> {
        let mut found = BTreeSet::new();
        if let Some(id) = self
            .id
            .as_deref()
            .and_then(|id| id.strip_prefix(BULK_ID_PREFIX))
        {
            found.insert(id.to_owned());
        }
        if let Some(data) = &self.data {
            collect_references(data, &mut found);
        }
        found
    }

    /// Replaces every `bulkId:x` in the path and data by the id `resolve(x)` gives.
    pub(super) fn substitute(&mut self, resolve: &dyn Fn(&str) -> Option<String>) {
        if let Some(id) = &mut self.id {
            substitute_value(id, resolve);
        }
        if let Some(data) = &mut self.data {
            walk_strings(data, &mut |text| substitute_value(text, resolve));
        }
    }

    /// The precondition `version` sets (RFC 7644 section 3.7: the ETag of the resource).
    pub(super) fn precondition(&self) -> Precondition {
        Precondition(self.version.clone())
    }
}

fn substitute_value(text: &mut String, resolve: &dyn Fn(&str) -> Option<String>) {
    if let Some(id) = text.strip_prefix(BULK_ID_PREFIX).and_then(resolve) {
        *text = id;
    }
}

fn collect_references(value: &Value, found: &mut BTreeSet<String>) {
    match value {
        Value::String(text) => {
            if let Some(id) = text.strip_prefix(BULK_ID_PREFIX) {
                found.insert(id.to_owned());
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|item| collect_references(item, found)),
        Value::Object(fields) => fields
            .values()
            .for_each(|item| collect_references(item, found)),
        _ => {}
    }
}

fn walk_strings(value: &mut Value, visit: &mut dyn FnMut(&mut String)) {
    match value {
        Value::String(text) => visit(text),
        Value::Array(items) => items.iter_mut().for_each(|item| walk_strings(item, visit)),
        Value::Object(fields) => fields
            .values_mut()
            .for_each(|item| walk_strings(item, visit)),
        _ => {}
    }
}

/// `/Users`, `/Groups/{id}`, ... into the resource type and the id, if any.
fn parse_path(path: &str) -> Option<(ResourceKind, Option<String>)> {
    let rest = path.trim().strip_prefix('/')?;
    let (endpoint, id) = match rest.split_once('/') {
        Some((endpoint, id)) => (endpoint, Some(id)),
        None => (rest, None),
    };
    let kind = [ResourceKind::User, ResourceKind::Group]
        .into_iter()
        .find(|kind| kind.endpoint()[1..].eq_ignore_ascii_case(endpoint))?;
    match id {
        None => Some((kind, None)),
        Some(id) if !id.is_empty() && !id.contains('/') => Some((kind, Some(id.to_owned()))),
        Some(_) => None,
    }
}

/// A member of an object by case-insensitive name.
pub(super) fn get<'a>(value: &'a Value, name: &str) -> Option<&'a Value> {
    value
        .as_object()
        .and_then(|fields: &Map<String, Value>| {
            fields
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
        })
        .map(|(_, value)| value)
}
