//! `seat_pools`: capacity and seats in use per tenant and license kind.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "seat_pools")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub license_kind: String,
    pub capacity: i64,
    /// Licenses `assigned` or `active`; kept equal to their count, and never above `capacity`
    /// (a CHECK constraint and the conditional update that takes a seat).
    pub in_use: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
