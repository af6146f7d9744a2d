//! `ledger_entries`: the append-only history of every seat and license change.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub kind: String,
    pub license_kind: String,
    pub from_license_kind: Option<String>,
    pub person_id: Option<String>,
    pub license_id: Option<String>,
    pub capacity_before: Option<i64>,
    pub capacity_after: Option<i64>,
    pub actor_kind: String,
    pub actor: String,
    pub reason: String,
    pub created_at: DateTimeUtc,
    /// Commit order within the tenant: a PostgreSQL sequence, the rowid on SQLite. Left unset on
    /// insert; the database fills it.
    pub seq: Option<i64>,
    /// `manual` or `scim:<product>`: the source an assign or adopt entry gives its license.
    pub license_source: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
