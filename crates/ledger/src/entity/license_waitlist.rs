//! `license_waitlist`: people eligible for a license kind whose pool had no free seat.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "license_waitlist")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub license_kind: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub person_id: String,
    pub sort_employee_number: Option<String>,
    pub sort_family_name: Option<String>,
    pub sort_given_name: Option<String>,
    pub source_product: String,
    pub reason: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
