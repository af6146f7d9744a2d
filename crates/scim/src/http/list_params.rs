//! The parameters of a list or search request (RFC 7644 section 3.4.2, RFC 9865 cursors), read
//! from a query string or a `.search` body, validated, and turned into a store [`ListQuery`]
//! plus the response's [`Projection`].
//!
//! Tolerances and limits: a `startIndex` below 1 counts as 1 and a negative `count` as 0
//! (RFC 7644 section 3.4.2.4); a `count` above `filter.maxResults`, or none, is that maximum; a
//! blank `filter` is no filter. Refused with 400 `invalidValue`: a `sortOrder` other than
//! ascending/descending, a number that is not an integer, `cursor` together with `startIndex`.

use serde_json::{Map, Value};

use super::body::QueryParams;
use super::resources::wants;
use crate::ScimError;
use crate::discovery::ServiceLimits;
use crate::filter::{parse_attr_path, parse_filter};
use crate::projection::Projection;
use crate::resource::ResourceKind;
use crate::store::{ListQuery, Paging, SortOrder};

/// `urn:ietf:params:scim:api:messages:2.0:SearchRequest`
pub(super) const SEARCH_REQUEST_SCHEMA: &str =
    "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// The list parameters as the client sent them, not yet validated.
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct ListParams {
    pub filter: Option<String>,
    pub sort_by: Option<String>,
    pub sort_order: Option<String>,
    pub start_index: Option<i64>,
    pub count: Option<i64>,
    /// `Some("")` asks for the first page in cursor mode.
    pub cursor: Option<String>,
    pub attributes: Option<String>,
    pub excluded_attributes: Option<String>,
}

/// A validated list request for one resource type.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ListRequest {
    pub query: ListQuery,
    pub projection: Projection,
}

impl ListParams {
    /// Reads the query parameters of `GET /Users` or `GET /Groups`.
    pub(super) fn from_query(params: &QueryParams) -> Result<Self, ScimError> {
        let text = |name: &str| params.get(name).map(str::to_owned);
        let integer = |name: &str| {
            params
                .get(name)
                .map(|raw| {
                    raw.trim().parse::<i64>().map_err(|_| {
                        ScimError::invalid_value(format!(
                            "`{name}` must be an integer; got `{raw}`."
                        ))
                    })
                })
                .transpose()
        };
        Ok(Self {
            filter: text("filter"),
            sort_by: text("sortBy"),
            sort_order: text("sortOrder"),
            start_index: integer("startIndex")?,
            count: integer("count")?,
            cursor: text("cursor"),
            attributes: text("attributes"),
            excluded_attributes: text("excludedAttributes"),
        })
    }

    /// Reads a `POST .search` body (RFC 7644 section 3.4.3): a SearchRequest message whose
    /// `startIndex`/`count` are numbers and `attributes`/`excludedAttributes` arrays of names.
    pub(super) fn from_search_body(body: &Value) -> Result<Self, ScimError> {
        let Value::Object(body) = body else {
            return Err(ScimError::invalid_syntax(
                "The .search body must be a JSON object (a SearchRequest message).",
            ));
        };
        let names_search = |v: &Value| {
            v.as_str()
                .is_some_and(|s| s.trim().eq_ignore_ascii_case(SEARCH_REQUEST_SCHEMA))
        };
        match field(body, "schemas") {
            Some(Value::Array(list)) if list.iter().any(names_search) => {}
            _ => {
                return Err(ScimError::invalid_syntax(format!(
                    "`schemas` must be [\"{SEARCH_REQUEST_SCHEMA}\"]: a .search body is a \
                     SearchRequest message."
                )));
            }
        }
        Ok(Self {
            filter: string(body, "filter")?,
            sort_by: string(body, "sortBy")?,
            sort_order: string(body, "sortOrder")?,
            start_index: number(body, "startIndex")?,
            count: number(body, "count")?,
            cursor: string(body, "cursor")?,
            attributes: names(body, "attributes")?,
            excluded_attributes: names(body, "excludedAttributes")?,
        })
    }

    /// Validates the parameters for a list of `kind`.
    pub(super) fn request(
        &self,
        kind: ResourceKind,
        limits: &ServiceLimits,
    ) -> Result<ListRequest, ScimError> {
        let filter = match self.filter.as_deref().map(str::trim) {
            Some(text) if !text.is_empty() => Some(parse_filter(text)?),
            _ => None,
        };
        let sort_by = match self.sort_by.as_deref().map(str::trim) {
            Some(text) if !text.is_empty() => Some(parse_attr_path(text).map_err(|err| {
                ScimError::invalid_value(format!("`sortBy` is not an attribute path: {err}"))
            })?),
            _ => None,
        };
        let projection = Projection::parse(
            kind,
            self.attributes.as_deref(),
            self.excluded_attributes.as_deref(),
        );
        Ok(ListRequest {
            query: ListQuery {
                filter,
                sort_by,
                sort_order: self.sort_order()?,
                paging: self.paging(limits)?,
                wants: wants(&projection, kind),
            },
            projection,
        })
    }

    fn sort_order(&self) -> Result<SortOrder, ScimError> {
        match self.sort_order.as_deref().map(str::trim) {
            None | Some("") => Ok(SortOrder::Ascending),
            Some(order) if order.eq_ignore_ascii_case("ascending") => Ok(SortOrder::Ascending),
            Some(order) if order.eq_ignore_ascii_case("descending") => Ok(SortOrder::Descending),
            Some(order) => Err(ScimError::invalid_value(format!(
                "`sortOrder` must be \"ascending\" or \"descending\"; got \"{order}\"."
            ))),
        }
    }

    fn paging(&self, limits: &ServiceLimits) -> Result<Paging, ScimError> {
        let max = u64::from(limits.max_results);
        let count = self
            .count
            .map_or(max, |count| u64::try_from(count).unwrap_or(0).min(max));
        match (&self.cursor, self.start_index) {
            (Some(_), Some(_)) => Err(ScimError::invalid_value(
                "`cursor` and `startIndex` cannot be combined: use `cursor` for cursor-based \
                 paging (RFC 9865) or `startIndex` for index-based paging, not both.",
            )),
            (Some(cursor), None) => Ok(Paging::Cursor {
                cursor: Some(cursor.trim())
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned),
                count,
            }),
            (None, start_index) => Ok(Paging::Index {
                start_index: start_index.map_or(1, |s| u64::try_from(s).unwrap_or(1).max(1)),
                count,
            }),
        }
    }
}

/// A member of `body`, by case-insensitive name; `null` counts as absent.
fn field<'a>(body: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    body.iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
        .filter(|value| !value.is_null())
}

fn string(body: &Map<String, Value>, name: &str) -> Result<Option<String>, ScimError> {
    match field(body, name) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(other) => Err(ScimError::invalid_value(format!(
            "`{name}` must be a string; got {other}."
        ))),
    }
}

fn number(body: &Map<String, Value>, name: &str) -> Result<Option<i64>, ScimError> {
    match field(body, name) {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_u64().map(|_| i64::MAX))
            .map(Some)
            .ok_or_else(|| {
                ScimError::invalid_value(format!("`{name}` must be an integer; got {n}."))
            }),
        Some(other) => Err(ScimError::invalid_value(format!(
            "`{name}` must be a number; got {other}."
        ))),
    }
}

/// `attributes` as an array of names (a comma-separated string is tolerated), joined with
/// commas as the query parameter would carry them.
fn names(body: &Map<String, Value>, name: &str) -> Result<Option<String>, ScimError> {
    match field(body, name) {
        None => Ok(None),
        Some(Value::String(list)) => Ok(Some(list.clone())),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str().ok_or_else(|| {
                    ScimError::invalid_value(format!(
                        "`{name}` must be an array of attribute names; got {item} in it."
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(|list| Some(list.join(","))),
        Some(other) => Err(ScimError::invalid_value(format!(
            "`{name}` must be an array of attribute names; got {other}."
        ))),
    }
}
