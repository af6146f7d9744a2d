//! Operator console accounts: the platform operator's people, who create tenants, set seat
//! capacities and suspend tenants. They belong to no tenant. Created only from the CLI
//! (`rosterd operator create EMAIL`), hashed like admin passwords (see [`crate::password`]).

use chrono::{DateTime, Utc};
use rosterd_domain::{Clock, Secret};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    sea_query::Expr,
};
use serde::Serialize;

use crate::admin::valid_email;
use crate::entity::operator_account;
use crate::error::{Error, Result, is_unique_violation};
use crate::password::{PasswordWork, hash_password, verify_password_with};

/// An operator account (without its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperatorAccount {
    /// A UUID, as text.
    pub id: String,
    pub email: String,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

fn account_from(m: operator_account::Model) -> OperatorAccount {
    OperatorAccount {
        id: m.id,
        email: m.email,
        created_at: m.created_at,
        last_login_at: m.last_login_at,
    }
}

/// Creates an operator account.
pub async fn create_operator(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    email: &str,
    password: &Secret,
) -> Result<OperatorAccount> {
    let email = email.trim();
    if !valid_email(email) {
        return Err(Error::InvalidEmail(email.to_owned()));
    }
    let hash = hash_password(password).await?;
    let inserted = operator_account::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        email: Set(email.to_owned()),
        email_lower: Set(email.to_lowercase()),
        password_hash: Set(hash),
        created_at: Set(clock.now()),
        last_login_at: Set(None),
    }
    .insert(db)
    .await;
    match inserted {
        Ok(model) => Ok(account_from(model)),
        Err(err) if is_unique_violation(&err) => Err(Error::OperatorExists(email.to_owned())),
        Err(err) => Err(err.into()),
    }
}

/// Every operator account, by email.
pub async fn list_operators(db: &impl ConnectionTrait) -> Result<Vec<OperatorAccount>> {
    Ok(operator_account::Entity::find()
        .order_by_asc(operator_account::Column::EmailLower)
        .all(db)
        .await?
        .into_iter()
        .map(account_from)
        .collect())
}

/// The operator with this id, if the account still exists.
pub async fn find_operator(db: &impl ConnectionTrait, id: &str) -> Result<Option<OperatorAccount>> {
    Ok(operator_account::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .map(account_from))
}

/// The account when `password` is right for `email`, else `None`; unknown emails cost the same
/// hash work as known ones. Within `work`'s limits ([`Error::Busy`] beyond them).
pub async fn verify_operator_password(
    db: &impl ConnectionTrait,
    work: &PasswordWork,
    email: &str,
    password: &Secret,
) -> Result<Option<OperatorAccount>> {
    let row = operator_account::Entity::find()
        .filter(operator_account::Column::EmailLower.eq(email.trim().to_lowercase()))
        .one(db)
        .await?;
    let ok = verify_password_with(
        work,
        row.as_ref().map(|m| m.password_hash.as_str()),
        password,
    )
    .await?;
    Ok(if ok { row.map(account_from) } else { None })
}

/// Notes a successful operator sign-in.
pub async fn record_operator_login(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    id: &str,
) -> Result<()> {
    operator_account::Entity::update_many()
        .col_expr(
            operator_account::Column::LastLoginAt,
            Expr::value(clock.now()),
        )
        .filter(operator_account::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}
