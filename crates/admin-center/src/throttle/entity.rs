//! `login_throttle`: failed sign-ins per throttled key (an account or a client address).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_throttle")]
pub struct Model {
    /// SHA-256 of `account:...` or `addr:...`, so the table holds no emails or addresses.
    #[sea_orm(primary_key, auto_increment = false)]
    pub throttle_key: String,
    pub failures: i64,
    pub window_started_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
