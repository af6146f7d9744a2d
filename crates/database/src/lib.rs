//! The database, below every crate that stores something: connecting as the server does
//! ([`connect_url`], [`connect_writer`], [`spawn_checkpointer`]) and the one classification of
//! driver errors ([`classify`], [`DatabaseError`]); and [`secret_route`], the tenant of a secret
//! presented alone (a SCIM token, an activation link), for a schema distributed by tenant.
//!
//! Error policy: a crate that runs queries turns a `DbErr` into its own error through
//! [`DatabaseError`] (or answers on [`classify`]); no `DbErr` appears in another crate's public
//! error type, and nobody above the storage crates matches on driver messages.

mod connect;
mod error;
pub mod inline_reads;
pub mod inline_writes;
pub mod secret_route;
pub mod statement_text;

pub use connect::{
    DEFAULT_STATEMENT_TIMEOUT, connect_url, connect_url_with, connect_writer, connect_writer_with,
    ping, pool_connections, spawn_checkpointer, sqlite_path,
};
pub use error::{DatabaseError, DbFailure, classify, is_unique_violation};
pub use inline_writes::{InlineWriter, PoolWrite, WriteTransaction, WriterBusy};
pub use statement_text::{StatementText, insert_one};

/// Begins a write transaction. On SQLite it takes the database write lock at once (what
/// `BEGIN IMMEDIATE` does): a transaction that reads first and writes later would otherwise fail
/// with `SQLITE_BUSY` when another writer committed in between, without waiting. The statement
/// matches no row. (An [`InlineWriter`] begins its own transactions that way too.)
pub async fn begin_write(
    db: &sea_orm::DatabaseConnection,
) -> Result<WriteTransaction, sea_orm::DbErr> {
    use sea_orm::{ConnectionTrait as _, TransactionTrait as _};
    let txn = db.begin().await?;
    if txn.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        let _announced = PoolWrite::announce(sea_orm::DatabaseBackend::Sqlite);
        txn.execute_unprepared("UPDATE people SET updated_at = updated_at WHERE 0 = 1")
            .await?;
    }
    Ok(WriteTransaction::pooled(txn))
}
