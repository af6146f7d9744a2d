//! What the benchmark programs share: databases made for one run and dropped after it, connected
//! as the server connects (`rosterd_database::connect_url`).

use std::time::Duration;

use anyhow::{Context as _, Result};
use sea_orm::{ConnectionTrait, DatabaseConnection};
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

/// Connects as the server does ([`rosterd_database::connect_url`]): pool sizes, and WAL with
/// `synchronous = NORMAL` on every SQLite connection.
pub async fn connect(url: &str) -> Result<DatabaseConnection> {
    rosterd_database::connect_url(url)
        .await
        .with_context(|| format!("connecting to {url}"))
}

/// A fresh, empty database: a SQLite file in a temporary directory, or with `postgres` (a
/// server URL) a database `rosterd_bench_<uuid>` on it.
pub async fn open(postgres: Option<&str>) -> Result<(DatabaseConnection, Cleanup)> {
    let Some(server) = postgres else {
        let dir = tempfile::tempdir()?;
        let conn = connect(&sqlite_url(&dir)).await?;
        return Ok((conn, Cleanup::Sqlite(dir)));
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

/// The connection the server would write on for a database [`open`] made
/// ([`rosterd_database::connect_writer`]: on SQLite one connection of its own, else `conn`).
pub async fn writer(conn: &DatabaseConnection, cleanup: &Cleanup) -> Result<DatabaseConnection> {
    match cleanup {
        Cleanup::Sqlite(dir) => Ok(rosterd_database::connect_writer(&sqlite_url(dir), conn).await?),
        Cleanup::Kept | Cleanup::Postgres { .. } => Ok(conn.clone()),
    }
}

fn sqlite_url(dir: &TempDir) -> String {
    format!("sqlite://{}/rosterd.db?mode=rwc", dir.path().display())
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

/// Median, p95 and mean of a series.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    pub n: usize,
    pub median: Duration,
    pub p95: Duration,
    pub mean: Duration,
}

impl Stats {
    pub fn of(mut samples: Vec<Duration>) -> Self {
        samples.sort_unstable();
        let n = samples.len();
        // Nearest-rank percentile: the smallest sample with at least `pct`% of samples at or
        // below it.
        let at = |pct: usize| {
            let rank = (pct * n).div_ceil(100).clamp(1, n.max(1));
            samples.get(rank - 1).copied().unwrap_or_default()
        };
        let total: Duration = samples.iter().sum();
        Self {
            n,
            median: at(50),
            p95: at(95),
            mean: total / u32::try_from(n.max(1)).unwrap_or(u32::MAX),
        }
    }
}
