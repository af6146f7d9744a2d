//! A tower-sessions store on Redis, used when `REDIS_URL` is set: sessions survive restarts and
//! are shared by every replica without touching the database on each page.
//!
//! One key per session, `<prefix><sha256(id)>` (the key never holds a usable cookie value),
//! whose value is the session's data as JSON and whose TTL is the idle timeout, renewed on every
//! save; Redis deletes idle sessions itself. The absolute timeout is kept by the sign-in stored
//! in the data ([`super::SignIn`]), checked on every request whatever the store. The connection
//! is made on first use and re-made after a failure (redis' connection manager); a Redis that
//! cannot be reached is a logged 500, never a silent sign-out.

use chrono::Duration;
use redis::aio::ConnectionManager;
use sha2::{Digest as _, Sha256};
use tokio::sync::OnceCell;
use tower_sessions::cookie::time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

/// The Redis-backed session store; clones share one connection.
#[derive(Clone)]
pub struct RedisSessionStore {
    client: redis::Client,
    conn: std::sync::Arc<OnceCell<ConnectionManager>>,
    prefix: String,
    idle: Duration,
}

/// Never prints the client: its URL may hold a password.
impl std::fmt::Debug for RedisSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisSessionStore")
            .field("prefix", &self.prefix)
            .field("idle", &self.idle)
            .finish_non_exhaustive()
    }
}

fn backend(what: &str, err: &redis::RedisError) -> session_store::Error {
    session_store::Error::Backend(format!("session store (redis): {what}: {err}"))
}

impl RedisSessionStore {
    /// A store on the Redis at `url` whose keys start with `prefix` (e.g. `rosterd:admin:`) and
    /// expire `idle` after the last save. Connects on first use.
    pub fn new(url: &str, prefix: &str, idle: Duration) -> Result<Self, String> {
        let client = redis::Client::open(url).map_err(|e| format!("REDIS_URL: {e}"))?;
        Ok(Self {
            client,
            conn: std::sync::Arc::new(OnceCell::new()),
            prefix: prefix.to_owned(),
            idle,
        })
    }

    /// The same Redis and connection with another key prefix (one per browser area).
    pub fn with_prefix(&self, prefix: &str) -> Self {
        Self {
            prefix: prefix.to_owned(),
            ..self.clone()
        }
    }

    async fn conn(&self) -> session_store::Result<ConnectionManager> {
        self.conn
            .get_or_try_init(|| self.client.get_connection_manager())
            .await
            .cloned()
            .map_err(|e| backend("connecting", &e))
    }

    /// Checks that Redis answers (at start, so a wrong URL is reported at once).
    pub async fn ping(&self) -> session_store::Result<()> {
        let mut conn = self.conn().await?;
        redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .map(|_| ())
            .map_err(|e| backend("ping", &e))
    }

    fn key(&self, id: &Id) -> String {
        format!(
            "{}{}",
            self.prefix,
            hex::encode(Sha256::digest(id.to_string().as_bytes()))
        )
    }

    fn ttl_seconds(&self) -> u64 {
        u64::try_from(self.idle.num_seconds()).unwrap_or(1).max(1)
    }

    /// Writes the record; with `only_new`, only when the key does not exist yet. True when
    /// written.
    async fn write(&self, record: &Record, only_new: bool) -> session_store::Result<bool> {
        let data = serde_json::to_string(&record.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.key(&record.id))
            .arg(data)
            .arg("EX")
            .arg(self.ttl_seconds());
        if only_new {
            cmd.arg("NX");
        }
        let mut conn = self.conn().await?;
        let reply: Option<String> = cmd
            .query_async(&mut conn)
            .await
            .map_err(|e| backend("saving a session", &e))?;
        Ok(reply.is_some())
    }
}

#[async_trait::async_trait]
impl SessionStore for RedisSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A 128-bit random id practically never collides; if it does, draw another.
        while !self.write(record, true).await? {
            record.id = Id::default();
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.write(record, false).await.map(|_| ())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let mut conn = self.conn().await?;
        let found: Option<String> = redis::cmd("GET")
            .arg(self.key(id))
            .query_async(&mut conn)
            .await
            .map_err(|e| backend("loading a session", &e))?;
        let Some(text) = found else {
            return Ok(None);
        };
        let data =
            serde_json::from_str(&text).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date = OffsetDateTime::now_utc()
            + tower_sessions::cookie::time::Duration::seconds(self.idle.num_seconds());
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        let mut conn = self.conn().await?;
        redis::cmd("DEL")
            .arg(self.key(id))
            .query_async::<i64>(&mut conn)
            .await
            .map_err(|e| backend("deleting a session", &e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// A store on the tests' Redis (`ROSTERD_TEST_REDIS`); `None`: the test is skipped.
    fn store(idle: Duration) -> Option<RedisSessionStore> {
        let url = rosterd_test_support::redis_url()?;
        let prefix = format!("rosterd-test:{}:", uuid_like());
        Some(RedisSessionStore::new(&url, &prefix, idle).unwrap())
    }

    fn uuid_like() -> String {
        let mut bytes = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
        hex::encode(bytes)
    }

    fn record(value: &str) -> Record {
        let mut data = HashMap::new();
        data.insert("sign_in".to_owned(), serde_json::json!({ "who": value }));
        Record {
            id: Id::default(),
            data,
            expiry_date: OffsetDateTime::now_utc(),
        }
    }

    async fn ttl(store: &RedisSessionStore, id: &Id) -> i64 {
        let mut conn = store.conn().await.unwrap();
        redis::cmd("TTL")
            .arg(store.key(id))
            .query_async(&mut conn)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn sessions_round_trip_expire_by_ttl_and_are_deleted() {
        let Some(store) = store(Duration::minutes(30)) else {
            return;
        };
        store.ping().await.unwrap();
        let mut rec = record("ada");
        store.create(&mut rec).await.unwrap();
        let loaded = store.load(&rec.id).await.unwrap().unwrap();
        assert_eq!(loaded.data, rec.data);
        let ttl_now = ttl(&store, &rec.id).await;
        assert!(
            (1790..=1800).contains(&ttl_now),
            "TTL is the idle timeout: {ttl_now}"
        );
        // The key is the id's hash: the cookie value is not in Redis.
        let mut conn = store.conn().await.unwrap();
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}*", store.prefix))
            .query_async(&mut conn)
            .await
            .unwrap();
        assert_eq!(keys, vec![store.key(&rec.id)]);
        assert!(!keys[0].contains(&rec.id.to_string()));

        rec.data.insert("notice".into(), serde_json::json!("saved"));
        store.save(&rec).await.unwrap();
        assert_eq!(store.load(&rec.id).await.unwrap().unwrap().data, rec.data);

        store.delete(&rec.id).await.unwrap();
        assert_eq!(store.load(&rec.id).await.unwrap(), None);
        assert_eq!(store.load(&Id::default()).await.unwrap(), None);
    }

    #[tokio::test]
    async fn an_idle_session_is_gone_when_its_ttl_runs_out() {
        let Some(store) = store(Duration::seconds(1)) else {
            return;
        };
        let mut rec = record("bob");
        store.create(&mut rec).await.unwrap();
        assert!(store.load(&rec.id).await.unwrap().is_some());
        tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
        assert_eq!(store.load(&rec.id).await.unwrap(), None);
    }

    #[tokio::test]
    async fn create_never_overwrites_an_existing_session() {
        let Some(store) = store(Duration::minutes(5)) else {
            return;
        };
        let mut first = record("first");
        store.create(&mut first).await.unwrap();
        let mut second = record("second");
        second.id = first.id;
        store.create(&mut second).await.unwrap();
        assert_ne!(second.id, first.id, "a colliding id is redrawn");
        assert_eq!(
            store.load(&first.id).await.unwrap().unwrap().data,
            first.data
        );
        assert_eq!(
            store.load(&second.id).await.unwrap().unwrap().data,
            second.data
        );
    }

    #[tokio::test]
    async fn areas_share_the_connection_but_not_the_keys() {
        let Some(admin) = store(Duration::minutes(5)) else {
            return;
        };
        let operator = admin.with_prefix(&format!("{}op:", admin.prefix));
        let mut rec = record("ada");
        admin.create(&mut rec).await.unwrap();
        assert_eq!(operator.load(&rec.id).await.unwrap(), None);
        admin.delete(&rec.id).await.unwrap();
    }
}
