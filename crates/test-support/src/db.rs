//! Fresh databases for tests.

use rosterd_migrations::{Migrator, MigratorTrait as _};
use sea_orm::{ConnectionTrait as _, Database, DatabaseConnection};
use tempfile::TempDir;

/// The environment variable naming a PostgreSQL server for tests, e.g.
/// `postgres://postgres@127.0.0.1:5432`. Unset: tests use SQLite files.
pub const POSTGRES_ENV: &str = "ROSTERD_TEST_POSTGRES";

/// The environment variable with the prefix of PostgreSQL test database names, so one run can
/// drop exactly the databases it made (default `rosterd_test`).
pub const PREFIX_ENV: &str = "ROSTERD_TEST_DB_PREFIX";

/// `postgres` or `sqlite`: which backend this test run uses.
pub fn backend_name() -> &'static str {
    if postgres_server().is_some() {
        "postgres"
    } else {
        "sqlite"
    }
}

fn postgres_server() -> Option<String> {
    std::env::var(POSTGRES_ENV)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .map(|v| v.trim_end_matches('/').to_owned())
}

/// A database of its own for one test, migrated. A SQLite file disappears with the value; a
/// PostgreSQL database is named `<prefix>_<uuid>` (see [`PREFIX_ENV`]; CI drops its own after
/// the run).
pub struct TestDb {
    pub url: String,
    pub conn: DatabaseConnection,
    _dir: Option<TempDir>,
}

impl TestDb {
    /// Creates and migrates a fresh database.
    pub async fn fresh() -> Self {
        let db = Self::fresh_unmigrated().await;
        Migrator::up(&db.conn, None).await.unwrap();
        db
    }

    /// Another connection to the database at `url` (made by [`TestDb::fresh`], which owns it:
    /// this one removes nothing when dropped).
    pub async fn on(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            conn: Database::connect(url).await.unwrap(),
            _dir: None,
        }
    }

    /// Creates a fresh, empty database (for migration tests).
    pub async fn fresh_unmigrated() -> Self {
        match postgres_server() {
            Some(server) => {
                let prefix = std::env::var(PREFIX_ENV)
                    .ok()
                    .filter(|p| {
                        !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    })
                    .unwrap_or_else(|| "rosterd_test".to_owned());
                let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
                let admin = Database::connect(format!("{server}/postgres"))
                    .await
                    .unwrap();
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .unwrap();
                admin.close().await.unwrap();
                let url = format!("{server}/{name}");
                let conn = Database::connect(&url).await.unwrap();
                Self {
                    url,
                    conn,
                    _dir: None,
                }
            }
            None => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}/rosterd.db?mode=rwc", dir.path().display());
                let conn = Database::connect(&url).await.unwrap();
                conn.execute_unprepared("PRAGMA journal_mode = WAL;")
                    .await
                    .unwrap();
                Self {
                    url,
                    conn,
                    _dir: Some(dir),
                }
            }
        }
    }
}
