//! `user_groups`: a group of one product, from SCIM (`source = 'idp'`) or made by hand
//! (`source = 'manual'`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "user_groups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub product: String,
    pub source: String,
    pub display_name: String,
    pub display_name_lower: String,
    pub external_id: Option<String>,
    /// The canonical SCIM document (never with `members`), as JSON text.
    pub document: String,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
