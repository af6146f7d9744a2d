//! Statements of the write hot path by a text built once. A SCIM create writes a person, a user,
//! its e-mails, a license, a ledger entry and its audit event; sea-query built each of those
//! texts anew for every request, as long for the ledger's four statements as running them
//! (`perf` under 32 clients' creates on SQLite: the ledger's statement building 7.5% of the
//! server's samples, `execute_together` 9.6%). A [`StatementText`] keeps the text sea-query
//! builds the first time, per backend, and a later statement of the same shape binds only its
//! values.
//!
//! The text is kept only when sea-query bound exactly the values the caller gave, in that
//! order; otherwise (a value sea-query writes inline, an expression around a value) every call
//! builds anew, as before, so a mistaken shape costs time, never correctness.

use std::sync::OnceLock;

use sea_orm::{ActiveModelTrait, ActiveValue, DbBackend, EntityTrait, Iterable, QueryTrait};
use sea_orm::{Statement, Value, Values};

/// The kept text of one statement shape, per backend. Declare one per call site, as a
/// `static`; a shape is also told apart by `shape` (for an insert, which columns it sets), so a
/// call site whose shape varies builds anew for the ones it did not keep.
pub struct StatementText {
    texts: [OnceLock<Option<(u64, String)>>; 2],
}

impl Default for StatementText {
    fn default() -> Self {
        Self::new()
    }
}

impl StatementText {
    pub const fn new() -> Self {
        Self {
            texts: [OnceLock::new(), OnceLock::new()],
        }
    }

    /// The statement of `values` (in the order sea-query binds them) for a shape `shape`:
    /// the kept text when there is one, else `build()` (sea-query), whose text is kept for
    /// next time if it bound exactly `values`.
    pub fn bind(
        &self,
        backend: DbBackend,
        shape: u64,
        values: Vec<Value>,
        build: impl FnOnce() -> Statement,
    ) -> Statement {
        let Some(slot) = self.slot(backend) else {
            return build();
        };
        if let Some(Some((kept_shape, text))) = slot.get() {
            if *kept_shape == shape {
                return Statement {
                    sql: text.clone(),
                    values: Some(Values(values)),
                    db_backend: backend,
                };
            }
            return build();
        }
        let built = build();
        let same = built.values.as_ref().map(|v| &v.0) == Some(&values);
        let _ = slot.set(same.then(|| (shape, built.sql.clone())));
        built
    }

    /// Whether a text is kept for `backend` (a test's way to see that a call site's shape is
    /// one sea-query binds as the caller does).
    pub fn is_kept(&self, backend: DbBackend) -> bool {
        self.slot(backend)
            .is_some_and(|slot| matches!(slot.get(), Some(Some(_))))
    }

    fn slot(&self, backend: DbBackend) -> Option<&OnceLock<Option<(u64, String)>>> {
        match backend {
            DbBackend::Sqlite => Some(&self.texts[0]),
            DbBackend::Postgres => Some(&self.texts[1]),
            _ => None,
        }
    }
}

/// A one-row `INSERT` of `model` (the columns it sets, in the entity's order, as
/// `Entity::insert(model).build(backend)` writes it), its text kept in `text`.
pub fn insert_one<A>(text: &StatementText, backend: DbBackend, model: A) -> Statement
where
    A: ActiveModelTrait,
{
    let mut shape = 0u64;
    let mut values = Vec::new();
    let columns = <A::Entity as EntityTrait>::Column::iter();
    for (index, column) in columns.enumerate() {
        match model.get(column) {
            ActiveValue::Set(value) | ActiveValue::Unchanged(value) => {
                // Past 64 columns the shape cannot tell them apart: never kept.
                shape |= 1u64.checked_shl(index as u32).unwrap_or(u64::MAX);
                values.push(value);
            }
            ActiveValue::NotSet => {}
        }
    }
    if shape == u64::MAX {
        return <A::Entity as EntityTrait>::insert(model).build(backend);
    }
    text.bind(backend, shape, values, || {
        <A::Entity as EntityTrait>::insert(model).build(backend)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{ActiveValue::NotSet, Set};

    mod thing {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "things")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub id: String,
            pub name: Option<String>,
            pub size: i64,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }

    fn row(id: &str, name: Option<&str>) -> thing::ActiveModel {
        thing::ActiveModel {
            id: Set(id.to_owned()),
            name: Set(name.map(str::to_owned)),
            size: Set(3),
        }
    }

    #[test]
    fn an_insert_binds_what_sea_query_would_build_on_both_backends() {
        static TEXT: StatementText = StatementText::new();
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            for (id, name) in [("a", Some("one")), ("b", None), ("c", Some("three"))] {
                let built = thing::Entity::insert(row(id, name)).build(backend);
                assert_eq!(insert_one(&TEXT, backend, row(id, name)), built);
            }
        }
        // Both backends kept their text.
        assert!(TEXT.is_kept(DbBackend::Sqlite) && TEXT.is_kept(DbBackend::Postgres));
    }

    #[test]
    fn another_set_of_columns_is_built_anew() {
        static TEXT: StatementText = StatementText::new();
        let backend = DbBackend::Postgres;
        assert_eq!(
            insert_one(&TEXT, backend, row("a", Some("x"))),
            thing::Entity::insert(row("a", Some("x"))).build(backend)
        );
        let fewer = thing::ActiveModel {
            name: NotSet,
            ..row("b", None)
        };
        let built = thing::Entity::insert(fewer.clone()).build(backend);
        assert!(!built.sql.contains("name"));
        assert_eq!(insert_one(&TEXT, backend, fewer), built);
    }

    #[test]
    fn a_text_whose_values_differ_from_the_callers_is_not_kept() {
        static TEXT: StatementText = StatementText::new();
        let backend = DbBackend::Sqlite;
        let literal = || Statement::from_string(backend, "UPDATE things SET size = 1");
        let first = TEXT.bind(backend, 1, vec![1.into()], literal);
        assert_eq!(first, literal());
        // Not kept: the next call builds again, with its own (different) statement.
        let other = Statement::from_sql_and_values(backend, "SELECT ?", [2.into()]);
        assert_eq!(
            TEXT.bind(backend, 1, vec![2.into()], || other.clone()),
            other
        );
    }

    #[test]
    fn a_kept_text_binds_the_new_values() {
        static TEXT: StatementText = StatementText::new();
        let backend = DbBackend::Sqlite;
        let build = |v: i64| Statement::from_sql_and_values(backend, "SELECT ?", [v.into()]);
        assert_eq!(
            TEXT.bind(backend, 7, vec![1i64.into()], || build(1)),
            build(1)
        );
        let second = TEXT.bind(backend, 7, vec![2i64.into()], || panic!("built again"));
        assert_eq!(second, build(2));
    }
}
