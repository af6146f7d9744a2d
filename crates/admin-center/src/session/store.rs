//! A tower-sessions store on the database (SQLite or PostgreSQL, through sea-orm): sessions
//! survive restarts and every replica sees the same ones.
//!
//! Rows are keyed by the SHA-256 of the session id, so the table never holds a usable cookie
//! value. A row's expiry is computed from the injected clock (last save + the idle timeout), not
//! from the record, so tests that move the clock see sessions expire. Expired rows are deleted
//! whenever a new session is created; that keeps the table small without a background task.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use rosterd_domain::Clock;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set};
use sha2::{Digest as _, Sha256};
use tower_sessions::cookie::time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

use super::entity::{self as admin_session, Column};

/// The database-backed session store.
#[derive(Debug, Clone)]
pub struct DbSessionStore {
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
    idle: Duration,
}

fn id_hash(id: &Id) -> String {
    hex::encode(Sha256::digest(id.to_string().as_bytes()))
}

/// Store errors carry no ids or data, only what failed.
fn backend(what: &str, err: &DbErr) -> session_store::Error {
    session_store::Error::Backend(format!("session store: {what}: {err}"))
}

fn encode(record: &Record) -> session_store::Result<String> {
    serde_json::to_string(&record.data).map_err(|e| session_store::Error::Encode(e.to_string()))
}

impl DbSessionStore {
    /// A store whose sessions expire `idle` after their last save.
    pub fn new(db: DatabaseConnection, clock: Arc<dyn Clock>, idle: Duration) -> Self {
        Self { db, clock, idle }
    }

    fn expires_at(&self) -> DateTime<Utc> {
        self.clock.now() + self.idle
    }

    /// Deletes every expired session; returns how many went.
    pub async fn delete_expired(&self) -> session_store::Result<u64> {
        let _announced = rosterd_database::PoolWrite::on(&self.db);
        let deleted = admin_session::Entity::delete_many()
            .filter(Column::ExpiresAt.lte(self.clock.now()))
            .exec(&self.db)
            .await
            .map_err(|e| backend("deleting expired sessions", &e))?;
        Ok(deleted.rows_affected)
    }
}

#[async_trait::async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let _announced = rosterd_database::PoolWrite::on(&self.db);
        self.delete_expired().await?;
        let data = encode(record)?;
        // A 128-bit random id practically never collides; if it does, draw another.
        loop {
            let inserted = admin_session::Entity::insert(admin_session::ActiveModel {
                id_hash: Set(id_hash(&record.id)),
                data: Set(data.clone()),
                expires_at: Set(self.expires_at()),
            })
            .exec(&self.db)
            .await;
            match inserted {
                Ok(_) => return Ok(()),
                Err(err)
                    if matches!(
                        err.sql_err(),
                        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                    ) =>
                {
                    record.id = Id::default();
                }
                Err(err) => return Err(backend("creating a session", &err)),
            }
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let _announced = rosterd_database::PoolWrite::on(&self.db);
        admin_session::Entity::insert(admin_session::ActiveModel {
            id_hash: Set(id_hash(&record.id)),
            data: Set(encode(record)?),
            expires_at: Set(self.expires_at()),
        })
        .on_conflict(
            OnConflict::column(Column::IdHash)
                .update_columns([Column::Data, Column::ExpiresAt])
                .to_owned(),
        )
        .exec(&self.db)
        .await
        .map_err(|e| backend("saving a session", &e))?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let row = admin_session::Entity::find_by_id(id_hash(id))
            .filter(Column::ExpiresAt.gt(self.clock.now()))
            .one(&self.db)
            .await
            .map_err(|e| backend("loading a session", &e))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let data = serde_json::from_str(&row.data)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date = OffsetDateTime::from_unix_timestamp(row.expires_at.timestamp())
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        let _announced = rosterd_database::PoolWrite::on(&self.db);
        admin_session::Entity::delete_by_id(id_hash(id))
            .exec(&self.db)
            .await
            .map_err(|e| backend("deleting a session", &e))?;
        Ok(())
    }
}
