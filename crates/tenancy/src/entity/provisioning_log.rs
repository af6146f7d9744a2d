//! `provisioning_log`: one row per SCIM request of a product app.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "provisioning_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    /// The request id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub product: String,
    pub created_at: DateTimeUtc,
    pub method: String,
    pub path: String,
    pub status: i32,
    pub outcome: String,
    pub scim_type: Option<String>,
    pub detail: Option<String>,
    /// The changed resources as a JSON array of `{type, id, name}`.
    pub resources: String,
    /// Lowercased names and ids of the request's subject, for the "user contains" filter.
    pub subject: String,
    pub summary: Option<String>,
    pub latency_ms: i64,
    /// How many requests the entry stands for: 1, or a collapsed run of refusals.
    pub repeats: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
