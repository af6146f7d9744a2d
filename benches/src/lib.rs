//! What the benchmark programs share: databases made for one run and dropped after it, connected
//! as the server connects (pool sizes, and WAL for SQLite).

use std::time::Duration;

use anyhow::{Context as _, Result};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection};
use tempfile::TempDir;

/// What to remove when a database is done with.
pub enum Cleanup {
    /// A database the caller named and keeps.
    Kept,
    Sqlite(TempDir),
    Postgres {
        server: String,
        name: String,
    },
}

/// Connects as the server does (`rosterd::db::connect`): pool sizes, and WAL for SQLite.
pub async fn connect(url: &str) -> Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30));
    if url.starts_with("sqlite:") {
        options.max_connections(8).min_connections(1);
    } else {
        options.max_connections(32);
    }
    let db = Database::connect(options)
        .await
        .with_context(|| format!("connecting to {url}"))?;
    if db.get_database_backend() == DatabaseBackend::Sqlite {
        db.execute_unprepared("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
            .await?;
    }
    Ok(db)
}

/// A fresh, empty database: a SQLite file in a temporary directory, or with `postgres` (a
/// server URL) a database `rosterd_bench_<uuid>` on it.
pub async fn open(postgres: Option<&str>) -> Result<(DatabaseConnection, Cleanup)> {
    let Some(server) = postgres else {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}/rosterd.db?mode=rwc", dir.path().display());
        return Ok((connect(&url).await?, Cleanup::Sqlite(dir)));
    };
    let name = format!("rosterd_bench_{}", uuid::Uuid::new_v4().simple());
    let admin = connect(&format!("{server}/postgres")).await?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .with_context(|| format!("creating database {name}"))?;
    admin.close().await?;
    eprintln!("created database {name}");
    let cleanup = Cleanup::Postgres {
        server: server.to_owned(),
        name: name.clone(),
    };
    match connect(&format!("{server}/{name}")).await {
        Ok(conn) => Ok((conn, cleanup)),
        Err(err) => {
            drop_pg(server, &name).await?;
            Err(err)
        }
    }
}

/// Closes `conn` and removes its database.
pub async fn drop_database(conn: DatabaseConnection, cleanup: Cleanup) -> Result<()> {
    conn.close().await?;
    match cleanup {
        Cleanup::Kept => Ok(()),
        Cleanup::Sqlite(dir) => {
            dir.close()?;
            Ok(())
        }
        Cleanup::Postgres { server, name } => drop_pg(&server, &name).await,
    }
}

async fn drop_pg(server: &str, name: &str) -> Result<()> {
    let admin = connect(&format!("{server}/postgres")).await?;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
        .await
        .with_context(|| format!("dropping database {name}"))?;
    admin.close().await?;
    eprintln!("dropped database {name}");
    Ok(())
}
