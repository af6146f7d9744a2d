//! Connecting to the database (SQLite file or PostgreSQL) and running the migrations.

use anyhow::Context as _;
use rosterd_migrations::Migrator;
use rosterd_migrations::MigratorTrait as _;
use sea_orm::DatabaseConnection;

use rosterd_database::{connect_url_with, sqlite_path};

use crate::config::Config;

/// Opens the configured database. For a SQLite file, creates its directory first.
pub async fn connect(config: &Config) -> anyhow::Result<DatabaseConnection> {
    let url = config.database_url.expose();
    if let Some(path) = sqlite_path(url)
        && let Some(dir) = std::path::Path::new(path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the data directory {}", dir.display()))?;
    }
    connect_url_with(url, config.database_statement_timeout)
        .await
        .context("connecting to the database (check database_url / DATABASE_URL)")
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .context("running database migrations")
}
