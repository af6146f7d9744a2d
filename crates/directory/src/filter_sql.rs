//! SCIM filters as SQL: a [`Filter`] becomes one `WHERE` expression, so nothing is filtered in
//! memory after loading a page.
//!
//! - Indexed columns serve `id`, `userName` (`user_name_lower`), `externalId`, `active`,
//!   `meta.created`, `meta.lastModified`, a Group's `displayName` (`display_name_lower`);
//!   `emails`/`emails.value`, a User's `groups` and a Group's `members` are `IN` subqueries on
//!   their own indexed tables.
//! - Every other attribute is read from the stored document with the backend's JSON functions
//!   (`json_extract`/`json_each` on SQLite, `jsonb_extract_path_text`/`jsonb_array_elements` on
//!   PostgreSQL); multi-valued ones and `attr[valFilter]` are `EXISTS` over the array elements.
//! - A User's `emails[...]` whose value filter requires `value eq "x"` (Entra's
//!   `emails[type eq "work"].value eq "x"`, which the parser reads as
//!   `emails[type eq "work" and value eq "x"]`) adds the indexed `emails.value eq "x"` lookup
//!   before the per-element check, so it is an index lookup too.
//! - An unknown attribute is 400 `invalidFilter` naming it.

mod elements;
mod operand;
mod targets;

use rosterd_scim::ScimError;
use rosterd_scim::filter::{AttrPath, Filter};
use rosterd_scim::resource::ResourceKind;
use sea_orm::DatabaseBackend;
use sea_orm::sea_query::SimpleExpr;

pub(crate) use operand::{always, never};
pub(crate) use targets::KeyKind;
use targets::{Elements, Target};

use crate::scope::Scope;

/// Translates `filter` on resources of `kind` in `scope` into a condition on the resource
/// table (`scim_users` or `user_groups`).
pub(crate) fn to_sql(
    filter: &Filter,
    kind: ResourceKind,
    scope: &Scope,
    backend: DatabaseBackend,
) -> Result<SimpleExpr, ScimError> {
    Translator {
        kind,
        scope,
        backend,
    }
    .root(filter)
}

/// The sort key of `sortBy` on resources of `kind`: its SQL expression and kind.
pub(crate) fn sort_key(
    path: &AttrPath,
    kind: ResourceKind,
    scope: &Scope,
    backend: DatabaseBackend,
) -> Result<(SimpleExpr, KeyKind), ScimError> {
    Translator {
        kind,
        scope,
        backend,
    }
    .sort_key(path)
}

/// The attribute as the client wrote it, for error details.
fn written(path: &AttrPath) -> String {
    path.to_string()
}

struct Translator<'a> {
    kind: ResourceKind,
    scope: &'a Scope,
    backend: DatabaseBackend,
}

impl Translator<'_> {
    fn root(&self, filter: &Filter) -> Result<SimpleExpr, ScimError> {
        Ok(match filter {
            Filter::And(left, right) => self.root(left)?.and(self.root(right)?),
            Filter::Or(left, right) => self.root(left)?.or(self.root(right)?),
            Filter::Not(inner) => self.root(inner)?.not(),
            Filter::Present(path) => self.target(path)?.present(self),
            Filter::Compare { path, op, value } => {
                self.target(path)?
                    .compare(self, *op, value, &written(path))?
            }
            Filter::ValuePath { path, filter } => {
                let elements = self.value_path(path)?;
                let exact = elements.any(self, |element| self.inner(element, filter))?;
                match self.indexed_emails(path, &elements, filter)? {
                    Some(indexed) => indexed.and(exact),
                    None => exact,
                }
            }
        })
    }

    /// A `[valFilter]`'s inner filter, on one element of the multi-valued attribute.
    fn inner(&self, element: &Elements, filter: &Filter) -> Result<SimpleExpr, ScimError> {
        Ok(match filter {
            Filter::And(left, right) => self.inner(element, left)?.and(self.inner(element, right)?),
            Filter::Or(left, right) => self.inner(element, left)?.or(self.inner(element, right)?),
            Filter::Not(inner) => self.inner(element, inner)?.not(),
            Filter::Present(path) => element.field(self, path)?.present(self),
            Filter::Compare { path, op, value } => {
                let name = format!("{}.{}", element.name, written(path));
                element
                    .field(self, path)?
                    .compare(self, *op, value, &name)?
            }
            Filter::ValuePath { path, .. } => {
                return Err(ScimError::invalid_filter(format!(
                    "`{}` cannot nest a value filter inside `{}[...]`",
                    written(path),
                    element.name
                )));
            }
        })
    }
}

/// 400 for an attribute rosterd does not define.
fn unknown(path: &AttrPath) -> ScimError {
    ScimError::invalid_filter(format!(
        "unknown attribute `{}` in filter; see /Schemas for the attributes this app supports",
        written(path)
    ))
}

/// 400 for an attribute that exists but cannot be filtered on.
fn unfilterable(path: &AttrPath, why: &str) -> ScimError {
    ScimError::invalid_filter(format!("cannot filter on `{}`: {why}", written(path)))
}

impl Target {
    fn present(&self, t: &Translator<'_>) -> SimpleExpr {
        match self {
            Target::Single(operand) => operand.present(),
            Target::Constant(_) => always(),
            Target::Many(elements) => elements.any_present(t),
        }
    }

    fn compare(
        &self,
        t: &Translator<'_>,
        op: rosterd_scim::filter::CompareOp,
        value: &rosterd_scim::filter::CompValue,
        name: &str,
    ) -> Result<SimpleExpr, ScimError> {
        use rosterd_scim::filter::{CompValue, CompareOp};
        match self {
            Target::Single(operand) => operand.compare(t.backend, op, value, name),
            Target::Constant(constant) => Ok(match (op, value) {
                (CompareOp::Eq, CompValue::String(s)) if s == constant => always(),
                (CompareOp::Ne, CompValue::String(s)) if s != constant => always(),
                (CompareOp::Ne, CompValue::Null) => always(),
                _ => never(),
            }),
            Target::Many(elements) => match (op, value) {
                // "no non-null value" and its negation.
                (CompareOp::Eq, CompValue::Null) => Ok(elements.any_present(t).not()),
                (CompareOp::Ne, CompValue::Null) => Ok(elements.any_present(t)),
                _ => elements.any(t, |element| {
                    element
                        .default_field(t)?
                        .compare(t.backend, op, value, name)
                }),
            },
        }
    }
}
