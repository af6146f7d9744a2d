//! `secret_routes`: which tenant holds the secret with this hash, for the two lookups that start
//! from a secret alone, a SCIM bearer token and an activation link. Their own tables are keyed
//! and unique by `(tenant_id, hash)`, as every tenant-owned table is, so that the schema can be
//! distributed by `tenant_id`; this small table (a reference table on a distributed database,
//! one row per issued secret, never updated) says which tenant to look in first.
//!
//! A route is written before the secret's own row, in the caller's transaction when it has one,
//! so a secret that can be presented always has one. [`find`] is the first step of a lookup;
//! the owning crate then reads its row scoped to the tenant found, and compares the hash there.
//! The migration that made this table wrote the routes of every secret issued before it. A
//! secret an older rosterd issues while an upgrade rolls out has no route: the owning crates
//! then look for it by hash alone (a plain, non-unique index serves that), which on a
//! distributed database asks every shard; that fallback goes once no older version runs.

use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{ConnectionTrait, DbErr};

/// What kind of secret a route leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    /// A SCIM bearer token (`scim_tokens.secret_hash`).
    ScimToken,
    /// An activation link (`activation_links.token_hash`).
    ActivationLink,
}

impl SecretKind {
    fn as_str(self) -> &'static str {
        match self {
            SecretKind::ScimToken => "scim_token",
            SecretKind::ActivationLink => "activation_link",
        }
    }
}

const TABLE: &str = "secret_routes";

/// Records that the secret hashing to `hash` belongs to `tenant_id`. Hashes of 256-bit random
/// secrets never collide; a second route for one hash is a unique violation.
pub async fn add(
    db: &impl ConnectionTrait,
    hash: &str,
    tenant_id: &str,
    kind: SecretKind,
) -> Result<(), DbErr> {
    let insert = Query::insert()
        .into_table(Alias::new(TABLE))
        .columns([
            Alias::new("secret_hash"),
            Alias::new("tenant_id"),
            Alias::new("kind"),
        ])
        .values_panic([hash.into(), tenant_id.into(), kind.as_str().into()])
        .to_owned();
    db.execute(db.get_database_backend().build(&insert)).await?;
    Ok(())
}

/// The tenant holding the secret of `kind` that hashes to `hash`, if any.
pub async fn find(
    db: &impl ConnectionTrait,
    hash: &str,
    kind: SecretKind,
) -> Result<Option<String>, DbErr> {
    let select = Query::select()
        .column(Alias::new("tenant_id"))
        .from(Alias::new(TABLE))
        .and_where(Expr::col(Alias::new("secret_hash")).eq(hash))
        .and_where(Expr::col(Alias::new("kind")).eq(kind.as_str()))
        .to_owned();
    let row = db
        .query_one(db.get_database_backend().build(&select))
        .await?;
    row.map(|row| row.try_get::<String>("", "tenant_id"))
        .transpose()
}
