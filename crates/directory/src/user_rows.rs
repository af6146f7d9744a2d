//! SCIM users read with their groups in the same statement: a `groups` column computed per row
//! by a correlated subquery (the user's memberships of the app's SCIM groups, by name, as a JSON
//! array of `[id, displayName]`), so a lookup, a filtered search or a page of users is one
//! statement instead of one for the rows and one for their groups. On SQLite every statement is
//! a hand-off to the connection's thread and back, and on PostgreSQL a round trip.

use std::sync::OnceLock;

use rosterd_scim::store::Reference;
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{
    ColumnTrait as _, DatabaseBackend, FromQueryResult, QueryFilter as _, QueryResult,
    QuerySelect as _, QueryTrait as _, Statement,
};

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

/// The unique key a point read goes by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PointKey {
    /// `GET /Users/{id}`.
    Id,
    /// The IdP's `filter=userName eq "..."`: the value is the lowercased userName.
    UserNameLower,
}

/// A point read of one user: the app's users ([`Scope::users`]) where `key` is `value`, with the
/// `groups` column when wanted.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PointRead<'a> {
    pub backend: DatabaseBackend,
    pub key: PointKey,
    pub value: &'a str,
    pub groups: bool,
}

impl PointRead<'_> {
    /// The statement. Its text is what sea-query builds for the select ([`Self::built`]),
    /// built once per backend, key and groups; a read only binds its values (building the
    /// select anew was 16% of the server's CPU under 32 clients' lookups on SQLite).
    pub fn statement(&self, scope: &Scope) -> Statement {
        static TEXTS: [[[OnceLock<String>; 2]; 2]; 2] = [
            [
                [OnceLock::new(), OnceLock::new()],
                [OnceLock::new(), OnceLock::new()],
            ],
            [
                [OnceLock::new(), OnceLock::new()],
                [OnceLock::new(), OnceLock::new()],
            ],
        ];
        let backend = usize::from(self.backend == DatabaseBackend::Postgres);
        let text = TEXTS[backend][self.key as usize][usize::from(self.groups)]
            .get_or_init(|| self.built(scope).sql);
        // In sea-query's order: the selected columns' values (the groups column's), then the
        // conditions' (tenant, app, key).
        let mut values: Vec<sea_orm::Value> = Vec::with_capacity(5);
        if self.groups {
            values.extend([scope.product.into(), SOURCE_IDP.into()]);
        }
        values.extend([
            scope.tenant.as_str().into(),
            scope.product.into(),
            self.value.into(),
        ]);
        Statement::from_sql_and_values(self.backend, text.clone(), values)
    }

    /// The statement as sea-query builds it.
    fn built(&self, scope: &Scope) -> Statement {
        let mut select = scope.users().filter(match self.key {
            PointKey::Id => scim_user::Column::Id.eq(self.value),
            PointKey::UserNameLower => scim_user::Column::UserNameLower.eq(self.value),
        });
        if self.groups {
            let (expr, name) = with_groups(scope, self.backend);
            select = select.column_as(expr, name);
        }
        select.build(self.backend)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(tenant: rosterd_domain::TenantId, product: rosterd_domain::Product) -> Scope {
        Scope::of(&rosterd_scim::context::ScimContext {
            tenant,
            product,
            base_url: String::new(),
            actor: String::new(),
            request_id: String::new(),
        })
    }

    #[test]
    fn a_point_read_binds_what_sea_query_would_build() {
        for product in rosterd_domain::Product::ALL {
            let scope = scope(rosterd_domain::TenantId::new(), product);
            for backend in [DatabaseBackend::Sqlite, DatabaseBackend::Postgres] {
                for key in [PointKey::Id, PointKey::UserNameLower] {
                    for groups in [false, true] {
                        for value in ["0192-a", "jane@example.com", "it's"] {
                            let read = PointRead {
                                backend,
                                key,
                                value,
                                groups,
                            };
                            assert_eq!(
                                read.statement(&scope),
                                read.built(&scope),
                                "{read:?}, {product}"
                            );
                        }
                    }
                }
            }
        }
    }
}
