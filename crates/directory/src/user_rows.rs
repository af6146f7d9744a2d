//! SCIM users read with their groups in the same statement: a `groups` column computed per row
//! by a correlated subquery (the user's memberships of the app's SCIM groups, by name, as a JSON
//! array of `[id, displayName]`), so a lookup, a filtered search or a page of users is one
//! statement instead of one for the rows and one for their groups. On SQLite every statement is
//! a hand-off to the connection's thread and back, and on PostgreSQL a round trip.

use rosterd_scim::store::Reference;
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{DatabaseBackend, FromQueryResult, QueryResult};

use crate::entity::scim_user;
use crate::error::{Failure, Outcome};
use crate::scope::{SOURCE_IDP, Scope};

/// The name of the computed column.
const GROUPS: &str = "groups_json";

/// A user row, with its groups when the query asked for them ([`with_groups`]).
pub(crate) struct UserRow {
    pub model: scim_user::Model,
    groups: Option<String>,
}

impl FromQueryResult for UserRow {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, sea_orm::DbErr> {
        Ok(Self {
            model: scim_user::Model::from_query_result(res, pre)?,
            groups: res.try_get::<Option<String>>(pre, GROUPS).ok().flatten(),
        })
    }
}

impl UserRow {
    /// The user's groups, if they were read.
    pub fn groups(&self) -> Outcome<Option<Vec<Reference>>> {
        let Some(text) = &self.groups else {
            return Ok(None);
        };
        let pairs: Vec<(String, String)> = serde_json::from_str(text).map_err(|err| {
            tracing::error!(user = %self.model.id, error = %err, "a user's groups did not read back as JSON");
            Failure::Scim(rosterd_scim::ScimError::internal())
        })?;
        Ok(Some(
            pairs
                .into_iter()
                .map(|(value, display)| Reference {
                    value,
                    display: Some(display),
                    kind: "Group",
                })
                .collect(),
        ))
    }
}

/// The `groups` column and its name, for `select.column_as(expr, name)` on `scim_users`.
pub(crate) fn with_groups(scope: &Scope, backend: DatabaseBackend) -> (SimpleExpr, &'static str) {
    // Aggregates ordered by name (SQLite 3.44 and later take ORDER BY inside the aggregate).
    let aggregate = match backend {
        DatabaseBackend::Postgres => {
            "COALESCE(json_agg(json_build_array(g.id, g.display_name) \
             ORDER BY g.display_name_lower), '[]')::text"
        }
        _ => "json_group_array(json_array(g.id, g.display_name) ORDER BY g.display_name_lower)",
    };
    // sea-query's custom expressions take the backend's own placeholders.
    let (product, source) = match backend {
        DatabaseBackend::Postgres => ("$1", "$2"),
        _ => ("?", "?"),
    };
    let sql = format!(
        "(SELECT {aggregate} FROM group_members m JOIN user_groups g \
         ON g.tenant_id = m.tenant_id AND g.id = m.group_id \
         WHERE m.tenant_id = scim_users.tenant_id AND m.member_id = scim_users.id \
         AND g.product = {product} AND g.source = {source})"
    );
    (
        Expr::cust_with_values(sql, [scope.product, SOURCE_IDP]),
        GROUPS,
    )
}
