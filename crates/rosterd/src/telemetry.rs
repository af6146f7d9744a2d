//! Logging and tracing: pretty or JSON log lines on stderr, and, when an OTLP endpoint is
//! configured, the same spans exported as OpenTelemetry traces over OTLP/HTTP. With no endpoint
//! no exporter exists, so tracing costs nothing beyond the log lines. The lines are written in
//! batches by a thread of their own ([`batched`]).

pub mod batched;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer as _};

use crate::config::{Config, LogFormat};

/// Flushes the exporter and the log on drop; keep it alive for the life of the process.
#[must_use = "dropping the guard stops trace export and log writing"]
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
    /// Dropped after the provider's shutdown, so what it logs is written too.
    _log: batched::Flusher,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(err) = provider.shutdown()
        {
            eprintln!("flushing traces failed: {err}");
        }
    }
}

/// Installs the global subscriber. The database driver's own statement logging is kept at
/// `warn`: its debug output would carry bound values such as token hashes.
pub fn init(config: &Config) -> anyhow::Result<TelemetryGuard> {
    let filter = EnvFilter::try_new(format!(
        "{},sea_orm=warn,sqlx=warn,hyper=warn,reqwest=warn,opentelemetry=warn",
        config.log_level
    ))?;
    let (log, flusher) = batched::Batched::stderr()?;
    let fmt = match config.log_format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .with_writer(log)
            .boxed(),
        // Colours only for a terminal: a log file or a collector gets plain text.
        LogFormat::Pretty => tracing_subscriber::fmt::layer()
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .with_writer(log)
            .boxed(),
    };
    let (otel, provider) = match &config.otlp_endpoint {
        Some(endpoint) => {
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .with_endpoint(format!("{}/v1/traces", endpoint.trim_end_matches('/')))
                .build()?;
            let provider = SdkTracerProvider::builder()
                .with_batch_exporter(exporter)
                .with_resource(
                    opentelemetry_sdk::Resource::builder()
                        .with_service_name("rosterd")
                        .build(),
                )
                .build();
            let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("rosterd"));
            (Some(layer), Some(provider))
        }
        None => (None, None),
    };
    tracing_subscriber::registry()
        .with(filter)
        .with(fmt)
        .with(otel)
        .try_init()?;
    Ok(TelemetryGuard {
        provider,
        _log: flusher,
    })
}
