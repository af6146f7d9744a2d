//! `rosterd serve`: the server, optionally with a demo tenant.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::server::{AppState, serve, shutdown_signal};

/// How often the outbox worker looks for notices to write and deliver.
const OUTBOX_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5);

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (overrides ROSTERD_LISTEN).
    #[arg(long)]
    pub listen: Option<String>,
    /// Create (once) a `demo` tenant with seats, an admin and a token per product, and print them.
    #[arg(long)]
    pub demo: bool,
    /// Do not run database migrations at start.
    #[arg(long)]
    pub no_migrate: bool,
}

pub async fn run(
    config: Config,
    args: ServeArgs,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<ExitCode> {
    let _telemetry = crate::telemetry::init(&config)?;
    let db = crate::db::connect(&config).await?;
    if config.migrate_on_start && !args.no_migrate {
        crate::db::migrate(&db).await?;
    }
    let listener = TcpListener::bind(config.listen).await.map_err(|e| {
        anyhow::anyhow!(
            "cannot listen on {} (listen / ROSTERD_LISTEN / --listen): {e}",
            config.listen
        )
    })?;
    if args.demo {
        let demo = crate::demo::ensure(&db, &config).await?;
        write!(out, "{}", demo.describe())?;
        out.flush()?;
    }
    tracing::info!(listen = %config.listen, public_url = %config.public_url, "rosterd serving");
    let clock: Arc<dyn rosterd_domain::Clock> = Arc::new(rosterd_domain::SystemClock);
    let delivery = crate::outbox::Delivery::from_config(config.smtp.as_ref())?;
    if matches!(delivery, crate::outbox::Delivery::Log) {
        tracing::warn!(
            "no smtp_url configured: activation notices (with their links) are written to the log; configure SMTP in production"
        );
    }
    let metrics = crate::metrics::Metrics::from_config(&config)?;
    let worker = crate::outbox::OutboxWorker {
        db: db.clone(),
        clock: clock.clone(),
        delivery,
        public_url: config.public_url.clone(),
        metrics: metrics.clone(),
    };
    let (stop_worker, worker_stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = tokio::spawn(worker.run(OUTBOX_INTERVAL, async {
        let _ = worker_stopped.await;
    }));
    let writer = rosterd_database::connect_writer_with(
        config.database_url.expose(),
        &db,
        config.database_statement_timeout,
    )
    .await?;
    let inline_reads = rosterd_database::inline_reads::InlineReader::open(
        config.database_url.expose(),
        config.database_statement_timeout,
    )?;
    let inline_writer = crate::server::inline_writer(
        config.database_url.expose(),
        config.database_statement_timeout,
    )?;
    let state = AppState {
        writer,
        inline_reads,
        inline_writer,
        db,
        clock,
        config: Arc::new(config),
        metrics,
    };
    serve(listener, state, shutdown_signal()).await?;
    let _ = stop_worker.send(());
    let _ = worker.await;
    Ok(ExitCode::SUCCESS)
}
