//! Configuration: embedded defaults, then an optional TOML file, then environment variables,
//! then command-line flags. Validated once at start; an error names the key, its environment
//! variable and what it expects. Each key is spelled once in [`ENV`] (its file key and its
//! variable) and read once by its validation; the layers only fill a map.
//! Every key is documented in `docs/configuration.md`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rosterd_domain::Secret;
use serde::Deserialize;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// A secret because a PostgreSQL URL may carry a password.
    pub database_url: Secret,
    pub redis_url: Option<Secret>,
    pub listen: SocketAddr,
    /// Base of every absolute URL rosterd prints or returns, without a trailing slash.
    pub public_url: String,
    pub log_format: LogFormat,
    pub log_level: String,
    pub max_body_bytes: usize,
    pub migrate_on_start: bool,
    pub otlp_endpoint: Option<String>,
    /// How often metrics are pushed to the OTLP endpoint.
    pub otlp_metrics_interval: Duration,
    /// Where `/metrics` is served (Prometheus text format); `None`: not served. Never the
    /// public listener.
    pub metrics_listen: Option<SocketAddr>,
    pub scim: ScimConfig,
    /// Where activation notices go; `None`: written to the log (development only).
    pub smtp: Option<SmtpConfig>,
    pub provisioning_log: ProvisioningLogConfig,
    /// Proxies whose `X-Forwarded-For` names the client of a sign-in (none by default).
    pub trusted_proxies: rosterd_admin_center::TrustedProxies,
    /// Password hashes (sign-ins, password changes) run at once; four times as many may wait.
    pub password_hash_concurrency: usize,
    /// Timeouts and the connection cap of the HTTP server.
    pub http: HttpConfig,
    /// How long one PostgreSQL statement may run before it is cancelled (not used on SQLite).
    pub database_statement_timeout: Duration,
    /// Each app's request rate and each tenant's concurrent writes.
    pub fair_share: FairShareConfig,
    /// How long an access token of the OAuth token endpoint lives, in minutes (60..=360).
    pub oauth_access_token_minutes: u32,
}

/// The HTTP server's limits on connections (see `docs/operations.md`, "Limits").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpConfig {
    /// A client must send a request's whole header within this; a connection waiting for its
    /// next request is closed after it too.
    pub header_timeout: Duration,
    /// A request body must arrive within this.
    pub body_timeout: Duration,
    /// A connection with no request running is closed after this.
    pub idle_timeout: Duration,
    /// A request is answered within this, or with 503.
    pub request_timeout: Duration,
    /// Connections open at once; more wait to be accepted.
    pub max_connections: usize,
}

/// Fair share between apps and tenants (see `docs/operations.md`, "Limits").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FairShareConfig {
    /// Requests per second each app (token) may sustain.
    pub requests_per_second: u32,
    /// Requests an app may send at once above its rate.
    pub burst: u32,
    /// SCIM writes of one tenant running at once; more wait their turn.
    pub tenant_max_concurrent_writes: u32,
    /// How long a write waits for its turn before it is refused with 429.
    pub write_wait: Duration,
    /// How long after its last request another tenant still competes (the limits above bite
    /// only while one does).
    pub contention_window: Duration,
    /// What the fair share's Redis keys start with, when `redis_url` is set (one fleet's
    /// replicas share it; another deployment on the same Redis needs its own).
    pub redis_prefix: String,
}

/// The provisioning log's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProvisioningLogConfig {
    /// Entries older than this many days are purged (hourly).
    pub retention_days: u32,
    /// Fair-share refusals (429) of one app within this long after its first are collapsed
    /// into one entry that counts them.
    pub refusal_window: Duration,
}

/// The mail server of the outbox worker.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    /// `smtp://` (STARTTLS with `?tls=required`) or `smtps://` (TLS), with credentials if any:
    /// a secret.
    pub url: Secret,
    /// The notices' sender, e.g. `rosterd <no-reply@example.com>`.
    pub from: lettre::message::Mailbox,
}

/// SCIM limits advertised in `/ServiceProviderConfig` and enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScimConfig {
    pub max_results: u32,
    pub bulk_max_operations: u32,
    pub bulk_max_payload_bytes: u64,
    pub max_patch_operations: u32,
    pub max_values_per_attribute: u32,
}

/// The raw layered values, before validation: each key's text as last set, by its flat key
/// (the TOML key; a table's keys carry the table's name in front).
#[derive(Debug, Default)]
struct Raw(BTreeMap<&'static str, String>);

/// A configuration value that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `key` names the setting and its environment variable, e.g.
    /// `http.idle_timeout_secs (ROSTERD_HTTP_IDLE_TIMEOUT_SECS)`.
    #[error("{key}: {message}")]
    Invalid { key: String, message: String },
    #[error("config file {path}: {message}")]
    File { path: PathBuf, message: String },
}

fn invalid(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: label(key),
        message: message.into(),
    }
}

/// How an error names `key`: the setting (a table's key with a dot, as the file may write it)
/// and its environment variable.
fn label(key: &str) -> String {
    let var = ENV
        .iter()
        .find(|(k, _)| *k == key)
        .map_or("", |(_, var)| var);
    let shown = ["provisioning_log", "http", "fair_share", "database"]
        .iter()
        .find_map(|table| {
            let rest = key.strip_prefix(table)?.strip_prefix('_')?;
            (key != "database_url").then(|| format!("{table}.{rest}"))
        })
        .unwrap_or_else(|| key.to_owned());
    format!("{shown} ({var})")
}

/// The environment variable for each key.
const ENV: &[(&str, &str)] = &[
    ("database_url", "DATABASE_URL"),
    ("redis_url", "REDIS_URL"),
    ("listen", "ROSTERD_LISTEN"),
    ("public_url", "ROSTERD_PUBLIC_URL"),
    ("log_format", "ROSTERD_LOG_FORMAT"),
    ("log_level", "ROSTERD_LOG"),
    ("max_body_bytes", "ROSTERD_MAX_BODY_BYTES"),
    ("migrate_on_start", "ROSTERD_MIGRATE_ON_START"),
    ("otlp_endpoint", "OTEL_EXPORTER_OTLP_ENDPOINT"),
    (
        "otlp_metrics_interval_secs",
        "ROSTERD_OTLP_METRICS_INTERVAL_SECS",
    ),
    ("metrics_listen", "ROSTERD_METRICS_LISTEN"),
    ("scim_max_results", "ROSTERD_SCIM_MAX_RESULTS"),
    (
        "scim_bulk_max_operations",
        "ROSTERD_SCIM_BULK_MAX_OPERATIONS",
    ),
    (
        "scim_bulk_max_payload_bytes",
        "ROSTERD_SCIM_BULK_MAX_PAYLOAD_BYTES",
    ),
    ("smtp_url", "ROSTERD_SMTP_URL"),
    ("smtp_from", "ROSTERD_SMTP_FROM"),
    (
        "provisioning_log_retention_days",
        "ROSTERD_PROVISIONING_LOG_RETENTION_DAYS",
    ),
    (
        "provisioning_log_refusal_window_secs",
        "ROSTERD_PROVISIONING_LOG_REFUSAL_WINDOW_SECS",
    ),
    ("trusted_proxies", "ROSTERD_TRUSTED_PROXIES"),
    (
        "password_hash_concurrency",
        "ROSTERD_PASSWORD_HASH_CONCURRENCY",
    ),
    (
        "scim_max_patch_operations",
        "ROSTERD_SCIM_MAX_PATCH_OPERATIONS",
    ),
    (
        "scim_max_values_per_attribute",
        "ROSTERD_SCIM_MAX_VALUES_PER_ATTRIBUTE",
    ),
    (
        "http_header_timeout_secs",
        "ROSTERD_HTTP_HEADER_TIMEOUT_SECS",
    ),
    ("http_body_timeout_secs", "ROSTERD_HTTP_BODY_TIMEOUT_SECS"),
    ("http_idle_timeout_secs", "ROSTERD_HTTP_IDLE_TIMEOUT_SECS"),
    (
        "http_request_timeout_secs",
        "ROSTERD_HTTP_REQUEST_TIMEOUT_SECS",
    ),
    ("http_max_connections", "ROSTERD_HTTP_MAX_CONNECTIONS"),
    (
        "database_statement_timeout_ms",
        "ROSTERD_DATABASE_STATEMENT_TIMEOUT_MS",
    ),
    (
        "fair_share_requests_per_second",
        "ROSTERD_FAIR_SHARE_REQUESTS_PER_SECOND",
    ),
    ("fair_share_burst", "ROSTERD_FAIR_SHARE_BURST"),
    (
        "fair_share_tenant_max_concurrent_writes",
        "ROSTERD_FAIR_SHARE_TENANT_MAX_CONCURRENT_WRITES",
    ),
    (
        "fair_share_write_wait_ms",
        "ROSTERD_FAIR_SHARE_WRITE_WAIT_MS",
    ),
    (
        "fair_share_contention_window_ms",
        "ROSTERD_FAIR_SHARE_CONTENTION_WINDOW_MS",
    ),
    ("fair_share_redis_prefix", "ROSTERD_FAIR_SHARE_REDIS_PREFIX"),
    (
        "oauth_access_token_minutes",
        "ROSTERD_OAUTH_ACCESS_TOKEN_MINUTES",
    ),
];

/// Values given on the command line; they win over everything else.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub database_url: Option<String>,
    pub listen: Option<String>,
    pub public_url: Option<String>,
}

impl Config {
    /// Loads from `file` (if any), the process environment and `overrides`.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Self, ConfigError> {
        Self::load_from(file, |name| std::env::var(name).ok(), overrides)
    }

    /// Loads with an explicit environment, for tests.
    pub fn load_from(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
        overrides: &Overrides,
    ) -> Result<Self, ConfigError> {
        let mut raw = match file {
            Some(path) => read_file(path)?,
            None => Raw::default(),
        };
        for (key, var) in ENV {
            if let Some(value) = env(var).filter(|v| !v.trim().is_empty()) {
                raw.set(key, value);
            }
        }
        if let Some(url) = &overrides.database_url {
            raw.set("database_url", url.clone());
        }
        if let Some(listen) = &overrides.listen {
            raw.set("listen", listen.clone());
        }
        if let Some(public_url) = &overrides.public_url {
            raw.set("public_url", public_url.clone());
        }
        raw.validate()
    }
}

fn read_file(path: &Path) -> Result<Raw, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    // Every value is read as a string so the file and the environment share one validation.
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| ConfigError::File {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
    // A table's keys are the flat keys with the table's name in front: `[provisioning_log]
    // retention_days = 30` is `provisioning_log_retention_days = 30`.
    let mut flat = Vec::new();
    for (key, value) in table {
        match value {
            toml::Value::Table(inner) => {
                flat.extend(inner.into_iter().map(|(k, v)| (format!("{key}_{k}"), v)));
            }
            value => flat.push((key, value)),
        }
    }
    let mut raw = Raw::default();
    for (key, value) in flat {
        let Some((known, _)) = ENV.iter().find(|(k, _)| *k == key) else {
            return Err(ConfigError::File {
                path: path.to_owned(),
                message: format!(
                    "unknown key `{key}`; known keys: {}",
                    ENV.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")
                ),
            });
        };
        let text = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(n) => n.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            toml::Value::Float(f) => f.to_string(),
            _ => {
                return Err(ConfigError::File {
                    path: path.to_owned(),
                    message: format!("`{key}` must be a string, number or boolean"),
                });
            }
        };
        raw.set(known, text);
    }
    Ok(raw)
}

impl Raw {
    fn set(&mut self, key: &'static str, value: String) {
        self.0.insert(key, value);
    }

    /// The value of `key`, taken: what `validate` leaves behind was read by nobody.
    fn take(&mut self, key: &'static str) -> Option<String> {
        self.0.remove(key)
    }

    fn validate(mut self) -> Result<Config, ConfigError> {
        let database_url = self
            .take("database_url")
            .unwrap_or_else(|| "sqlite://./data/rosterd.db?mode=rwc".to_owned());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(invalid(
                "database_url",
                "expected a `sqlite:` or `postgres://` URL",
            ));
        }
        let redis_url = match self.take("redis_url") {
            Some(url) if url.starts_with("redis://") || url.starts_with("rediss://") => {
                Some(Secret::new(url))
            }
            Some(_) => {
                return Err(invalid(
                    "redis_url",
                    "expected a `redis://` or `rediss://` URL",
                ));
            }
            None => None,
        };
        let listen_text = self
            .take("listen")
            .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
        let listen: SocketAddr = listen_text.parse().map_err(|_| {
            invalid(
                "listen",
                format!("expected an address and port such as 127.0.0.1:8080, got `{listen_text}`"),
            )
        })?;
        let public_url = match self.take("public_url") {
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                url.trim_end_matches('/').to_owned()
            }
            Some(url) => {
                return Err(invalid(
                    "public_url",
                    format!("expected an http:// or https:// URL, got `{url}`"),
                ));
            }
            None => format!("http://{listen}"),
        };
        let log_format = match self
            .take("log_format")
            .as_deref()
            .map(str::to_ascii_lowercase)
        {
            None => LogFormat::Pretty,
            Some(f) if f == "pretty" => LogFormat::Pretty,
            Some(f) if f == "json" => LogFormat::Json,
            Some(other) => {
                return Err(invalid(
                    "log_format",
                    format!("expected `pretty` or `json`, got `{other}`"),
                ));
            }
        };
        let log_level = self.take("log_level").unwrap_or_else(|| "info".to_owned());
        if tracing_subscriber::EnvFilter::try_new(&log_level).is_err() {
            return Err(invalid(
                "log_level",
                format!(
                    "expected a level such as `info` or a filter such as `info,rosterd=debug`, got `{log_level}`"
                ),
            ));
        }
        let max_body_bytes = number(
            self.take("max_body_bytes"),
            "max_body_bytes",
            1024 * 1024,
            1024,
        )?;
        let migrate_on_start = match self.take("migrate_on_start").as_deref() {
            None => true,
            Some("true" | "1" | "yes") => true,
            Some("false" | "0" | "no") => false,
            Some(other) => {
                return Err(invalid(
                    "migrate_on_start",
                    format!("expected `true` or `false`, got `{other}`"),
                ));
            }
        };
        let otlp_endpoint = match self.take("otlp_endpoint") {
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => Some(url),
            Some(url) => {
                return Err(invalid(
                    "otlp_endpoint",
                    format!("expected an http:// or https:// URL, got `{url}`"),
                ));
            }
            None => None,
        };
        let otlp_metrics_interval = Duration::from_secs(number(
            self.take("otlp_metrics_interval_secs"),
            "otlp_metrics_interval_secs",
            60,
            1,
        )?);
        let metrics_listen = match self.take("metrics_listen") {
            Some(text) => Some(text.parse::<SocketAddr>().map_err(|_| {
                invalid(
                    "metrics_listen",
                    format!("expected an address and port such as 127.0.0.1:9464, got `{text}`"),
                )
            })?),
            None => None,
        };
        if metrics_listen.is_some_and(|m| m == listen) {
            return Err(invalid(
                "metrics_listen",
                "must differ from `listen`: metrics are never served on the public listener",
            ));
        }
        let scim = ScimConfig {
            max_results: number(self.take("scim_max_results"), "scim_max_results", 1000, 1)?,
            bulk_max_operations: number(
                self.take("scim_bulk_max_operations"),
                "scim_bulk_max_operations",
                1000,
                1,
            )?,
            bulk_max_payload_bytes: number(
                self.take("scim_bulk_max_payload_bytes"),
                "scim_bulk_max_payload_bytes",
                1024 * 1024,
                1024,
            )?,
            max_patch_operations: number(
                self.take("scim_max_patch_operations"),
                "scim_max_patch_operations",
                1000,
                1,
            )?,
            max_values_per_attribute: number(
                self.take("scim_max_values_per_attribute"),
                "scim_max_values_per_attribute",
                10_000,
                1,
            )?,
        };
        let smtp = smtp(self.take("smtp_url"), self.take("smtp_from"))?;
        let provisioning_log = ProvisioningLogConfig {
            retention_days: number(
                self.take("provisioning_log_retention_days"),
                "provisioning_log_retention_days",
                30,
                1,
            )?,
            refusal_window: Duration::from_secs(number(
                self.take("provisioning_log_refusal_window_secs"),
                "provisioning_log_refusal_window_secs",
                10,
                1,
            )?),
        };
        let trusted_proxies = match self.take("trusted_proxies") {
            Some(list) => list.parse().map_err(|e: String| {
                invalid(
                    "trusted_proxies",
                    format!("expected addresses or CIDR networks separated by commas: {e}"),
                )
            })?,
            None => rosterd_admin_center::TrustedProxies::none(),
        };
        let cpus = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        let password_hash_concurrency = number(
            self.take("password_hash_concurrency"),
            "password_hash_concurrency",
            cpus,
            1,
        )?;
        let seconds = |value, key, default| number(value, key, default, 1).map(Duration::from_secs);
        let http = HttpConfig {
            header_timeout: seconds(
                self.take("http_header_timeout_secs"),
                "http_header_timeout_secs",
                10,
            )?,
            body_timeout: seconds(
                self.take("http_body_timeout_secs"),
                "http_body_timeout_secs",
                30,
            )?,
            idle_timeout: seconds(
                self.take("http_idle_timeout_secs"),
                "http_idle_timeout_secs",
                60,
            )?,
            request_timeout: seconds(
                self.take("http_request_timeout_secs"),
                "http_request_timeout_secs",
                60,
            )?,
            max_connections: number(
                self.take("http_max_connections"),
                "http_max_connections",
                1024,
                1,
            )?,
        };
        let database_statement_timeout = Duration::from_millis(number(
            self.take("database_statement_timeout_ms"),
            "database_statement_timeout_ms",
            30_000,
            100,
        )?);
        let fair_share = FairShareConfig {
            requests_per_second: number(
                self.take("fair_share_requests_per_second"),
                "fair_share_requests_per_second",
                50,
                1,
            )?,
            burst: number(self.take("fair_share_burst"), "fair_share_burst", 200, 1)?,
            tenant_max_concurrent_writes: number(
                self.take("fair_share_tenant_max_concurrent_writes"),
                "fair_share_tenant_max_concurrent_writes",
                4,
                1,
            )?,
            write_wait: Duration::from_millis(number(
                self.take("fair_share_write_wait_ms"),
                "fair_share_write_wait_ms",
                10_000,
                1,
            )?),
            contention_window: Duration::from_millis(number(
                self.take("fair_share_contention_window_ms"),
                "fair_share_contention_window_ms",
                2_000,
                0,
            )?),
            redis_prefix: redis_prefix(self.take("fair_share_redis_prefix"))?,
        };
        let oauth_access_token_minutes =
            oauth_access_token_minutes(self.take("oauth_access_token_minutes"))?;
        debug_assert!(
            self.0.is_empty(),
            "keys no validation read: {:?}",
            self.0.keys()
        );
        Ok(Config {
            database_url: Secret::new(database_url),
            redis_url,
            listen,
            public_url,
            log_format,
            log_level,
            max_body_bytes,
            migrate_on_start,
            otlp_endpoint,
            otlp_metrics_interval,
            metrics_listen,
            scim,
            smtp,
            provisioning_log,
            trusted_proxies,
            password_hash_concurrency,
            http,
            database_statement_timeout,
            fair_share,
            oauth_access_token_minutes,
        })
    }
}

/// The fair share's Redis key prefix: printable ASCII, no spaces (it is part of every key).
fn redis_prefix(value: Option<String>) -> Result<String, ConfigError> {
    let Some(prefix) = value else {
        return Ok("rosterd:fair:".to_owned());
    };
    if (1..=100).contains(&prefix.len()) && prefix.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(prefix)
    } else {
        Err(invalid(
            "fair_share_redis_prefix",
            "expected 1 to 100 printable ASCII characters, no spaces",
        ))
    }
}

/// The OAuth access tokens' lifetime: what Microsoft Entra ID accepts, 60 to 360 minutes.
fn oauth_access_token_minutes(value: Option<String>) -> Result<u32, ConfigError> {
    const KEY: &str = "oauth_access_token_minutes";
    let range = rosterd_tenancy::oauth::ACCESS_TOKEN_MINUTES_RANGE;
    let minutes = number(
        value,
        KEY,
        rosterd_tenancy::oauth::ACCESS_TOKEN_MINUTES_DEFAULT,
        0,
    )?;
    if !range.contains(&minutes) {
        return Err(invalid(
            KEY,
            format!(
                "expected {} to {} minutes (what Microsoft Entra ID accepts), got {minutes}",
                range.start(),
                range.end()
            ),
        ));
    }
    Ok(minutes)
}

fn smtp(url: Option<String>, from: Option<String>) -> Result<Option<SmtpConfig>, ConfigError> {
    let Some(url) = url else {
        if from.is_some() {
            return Err(invalid(
                "smtp_from",
                "is set but smtp_url (ROSTERD_SMTP_URL) is not; set both to send mail",
            ));
        }
        return Ok(None);
    };
    if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
        // The URL may carry a password: do not echo it.
        return Err(invalid(
            "smtp_url",
            "expected an `smtp://` or `smtps://` URL",
        ));
    }
    let Some(from) = from else {
        return Err(invalid(
            "smtp_from",
            "is required with smtp_url: the sender of activation notices, e.g. `rosterd <no-reply@example.com>`",
        ));
    };
    let from = from.parse().map_err(|_| {
        invalid(
            "smtp_from",
            format!("expected an address such as `rosterd <no-reply@example.com>`, got `{from}`"),
        )
    })?;
    Ok(Some(SmtpConfig {
        url: Secret::new(url),
        from,
    }))
}

fn number<T>(value: Option<String>, key: &'static str, default: T, min: T) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let Some(text) = value else {
        return Ok(default);
    };
    match text.trim().parse::<T>() {
        Ok(n) if n >= min => Ok(n),
        _ => Err(invalid(
            key,
            format!("expected a whole number of at least {min}, got `{text}`"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::load_from(
            None,
            |name| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()),
            &Overrides::default(),
        )
    }

    #[test]
    fn defaults_need_no_other_server() {
        let config = load(&[]).unwrap();
        assert!(config.database_url.expose().starts_with("sqlite:"));
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.public_url, "http://127.0.0.1:8080");
        assert_eq!(config.max_body_bytes, 1024 * 1024);
        assert!(config.migrate_on_start);
        assert!(config.redis_url.is_none() && config.otlp_endpoint.is_none());
        assert!(config.smtp.is_none(), "no SMTP: notices go to the log");
        assert_eq!(config.provisioning_log.retention_days, 30);
        assert_eq!(
            config.provisioning_log.refusal_window,
            Duration::from_secs(10)
        );
        assert_eq!(config.fair_share.redis_prefix, "rosterd:fair:");
    }

    #[test]
    fn every_key_is_read_from_a_file_and_named_with_its_variable_when_wrong() {
        let values = [
            ("database_url", "\"sqlite::memory:\""),
            ("redis_url", "\"redis://127.0.0.1:6379\""),
            ("listen", "\"127.0.0.1:8081\""),
            ("public_url", "\"https://rosterd.example\""),
            ("log_format", "\"json\""),
            ("log_level", "\"debug\""),
            ("max_body_bytes", "2097152"),
            ("migrate_on_start", "false"),
            ("otlp_endpoint", "\"http://127.0.0.1:4318\""),
            ("otlp_metrics_interval_secs", "30"),
            ("metrics_listen", "\"127.0.0.1:9464\""),
            ("scim_max_results", "500"),
            ("scim_bulk_max_operations", "100"),
            ("scim_bulk_max_payload_bytes", "2097152"),
            ("smtp_url", "\"smtp://127.0.0.1:2525\""),
            ("smtp_from", "\"rosterd <no-reply@rosterd.example>\""),
            ("provisioning_log_retention_days", "7"),
            ("provisioning_log_refusal_window_secs", "3"),
            ("trusted_proxies", "\"10.0.0.0/8\""),
            ("password_hash_concurrency", "2"),
            ("scim_max_patch_operations", "100"),
            ("scim_max_values_per_attribute", "100"),
            ("http_header_timeout_secs", "5"),
            ("http_body_timeout_secs", "6"),
            ("http_idle_timeout_secs", "7"),
            ("http_request_timeout_secs", "8"),
            ("http_max_connections", "100"),
            ("database_statement_timeout_ms", "1000"),
            ("fair_share_requests_per_second", "10"),
            ("fair_share_burst", "20"),
            ("fair_share_tenant_max_concurrent_writes", "2"),
            ("fair_share_write_wait_ms", "500"),
            ("fair_share_contention_window_ms", "1000"),
            ("fair_share_redis_prefix", "\"fleet-a:fair:\""),
            ("oauth_access_token_minutes", "120"),
        ];
        let mut keys: Vec<&str> = ENV.iter().map(|(k, _)| *k).collect();
        keys.sort_unstable();
        let mut given: Vec<&str> = values.iter().map(|(k, _)| *k).collect();
        given.sort_unstable();
        assert_eq!(given, keys, "a key was added: give it a value here");

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("rosterd.toml");
        let text: String = values.iter().map(|(k, v)| format!("{k} = {v}\n")).collect();
        std::fs::write(&file, text).unwrap();
        // Validation would stop on a key it never read (a debug assertion).
        let config = Config::load_from(Some(&file), |_| None, &Overrides::default()).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8081");
        assert_eq!(config.http.idle_timeout, Duration::from_secs(7));
        assert_eq!(config.fair_share.burst, 20);
        assert_eq!(config.fair_share.redis_prefix, "fleet-a:fair:");
        assert_eq!(config.provisioning_log.retention_days, 7);

        for (key, var) in ENV {
            let err = load(&[(var, "\u{1}not a value")]).unwrap_err();
            let ConfigError::Invalid { key: named, .. } = err else {
                panic!("{key}: {err}");
            };
            assert!(named.ends_with(&format!(" ({var})")), "{key}: {named}");
        }
    }

    #[test]
    fn metrics_are_off_unless_given_their_own_listener() {
        let config = load(&[]).unwrap();
        assert_eq!(config.metrics_listen, None);
        assert_eq!(config.otlp_metrics_interval, Duration::from_secs(60));
        let config = load(&[("ROSTERD_METRICS_LISTEN", "0.0.0.0:9464")]).unwrap();
        assert_eq!(config.metrics_listen.unwrap().to_string(), "0.0.0.0:9464");
        let err = load(&[("ROSTERD_METRICS_LISTEN", "9464")])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("metrics_listen (ROSTERD_METRICS_LISTEN): expected an address"),
            "{err}"
        );
        let err = load(&[
            ("ROSTERD_LISTEN", "127.0.0.1:8080"),
            ("ROSTERD_METRICS_LISTEN", "127.0.0.1:8080"),
        ])
        .unwrap_err()
        .to_string();
        assert!(err.contains("never served on the public listener"), "{err}");
    }

    #[test]
    fn retention_comes_from_a_table_or_the_environment_and_is_at_least_a_day() {
        let dir = std::env::temp_dir().join(format!("rosterd-retention-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("rosterd.toml");
        std::fs::write(&file, "[provisioning_log]\nretention_days = 7\n").unwrap();
        let config = Config::load_from(Some(&file), |_| None, &Overrides::default()).unwrap();
        assert_eq!(config.provisioning_log.retention_days, 7);
        let config = load(&[("ROSTERD_PROVISIONING_LOG_RETENTION_DAYS", "90")]).unwrap();
        assert_eq!(config.provisioning_log.retention_days, 90);
        let err = load(&[("ROSTERD_PROVISIONING_LOG_RETENTION_DAYS", "0")])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(
                "provisioning_log.retention_days (ROSTERD_PROVISIONING_LOG_RETENTION_DAYS)"
            ),
            "{err}"
        );
    }

    #[test]
    fn smtp_needs_a_url_and_a_sender() {
        let config = load(&[
            ("ROSTERD_SMTP_URL", "smtp://mail.example:25"),
            ("ROSTERD_SMTP_FROM", "rosterd <no-reply@example.com>"),
        ])
        .unwrap();
        let smtp = config.smtp.unwrap();
        assert_eq!(smtp.from.email.to_string(), "no-reply@example.com");
        let cases = [
            (
                vec![("ROSTERD_SMTP_URL", "smtp://u:hunter2@mail.example")],
                "smtp_from (ROSTERD_SMTP_FROM): is required",
            ),
            (
                vec![("ROSTERD_SMTP_FROM", "no-reply@example.com")],
                "smtp_from (ROSTERD_SMTP_FROM): is set but smtp_url",
            ),
            (
                vec![
                    ("ROSTERD_SMTP_URL", "http://u:hunter2@mail.example"),
                    ("ROSTERD_SMTP_FROM", "no-reply@example.com"),
                ],
                "smtp_url (ROSTERD_SMTP_URL): expected an `smtp://`",
            ),
            (
                vec![
                    ("ROSTERD_SMTP_URL", "smtp://mail.example"),
                    ("ROSTERD_SMTP_FROM", "not an address"),
                ],
                "smtp_from (ROSTERD_SMTP_FROM): expected an address",
            ),
        ];
        for (env, expected) in cases {
            let err = load(&env).unwrap_err().to_string();
            assert!(err.starts_with(expected), "{env:?}: {err}");
            assert!(
                !err.contains("hunter2"),
                "the password is never echoed: {err}"
            );
        }
    }

    #[test]
    fn bad_values_name_the_key_and_what_is_expected() {
        let cases = [
            (
                "ROSTERD_LISTEN",
                "localhost",
                "listen (ROSTERD_LISTEN): expected an address",
            ),
            (
                "DATABASE_URL",
                "mysql://x",
                "database_url (DATABASE_URL): expected a `sqlite:`",
            ),
            (
                "ROSTERD_LOG_FORMAT",
                "xml",
                "log_format (ROSTERD_LOG_FORMAT): expected `pretty` or `json`",
            ),
            (
                "ROSTERD_MAX_BODY_BYTES",
                "lots",
                "max_body_bytes (ROSTERD_MAX_BODY_BYTES): expected a whole number",
            ),
            (
                "ROSTERD_PUBLIC_URL",
                "rosterd.example",
                "public_url (ROSTERD_PUBLIC_URL): expected an http",
            ),
            (
                "REDIS_URL",
                "localhost:6379",
                "redis_url (REDIS_URL): expected a `redis://`",
            ),
            (
                "ROSTERD_MIGRATE_ON_START",
                "maybe",
                "migrate_on_start (ROSTERD_MIGRATE_ON_START)",
            ),
        ];
        for (var, value, expected) in cases {
            let err = load(&[(var, value)]).unwrap_err().to_string();
            assert!(err.starts_with(expected), "{var}={value}: {err}");
        }
    }

    #[test]
    fn public_url_loses_its_trailing_slash() {
        let config = load(&[("ROSTERD_PUBLIC_URL", "https://rosterd.example/")]).unwrap();
        assert_eq!(config.public_url, "https://rosterd.example");
    }

    #[test]
    fn file_then_env_then_flags() {
        let dir = std::env::temp_dir().join(format!("rosterd-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("rosterd.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:9000\"\nmax_body_bytes = 2048\n",
        )
        .unwrap();
        let env = |name: &str| (name == "ROSTERD_MAX_BODY_BYTES").then(|| "4096".to_owned());
        let config = Config::load_from(Some(&file), env, &Overrides::default()).unwrap();
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(config.max_body_bytes, 4096);
        let flags = Overrides {
            listen: Some("127.0.0.1:9100".into()),
            ..Overrides::default()
        };
        let config = Config::load_from(Some(&file), |_| None, &flags).unwrap();
        assert_eq!(config.listen.port(), 9100);
        std::fs::write(&file, "lissen = \"x\"\n").unwrap();
        let err = Config::load_from(Some(&file), |_| None, &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown key `lissen`"), "{err}");
    }

    #[test]
    fn trusted_proxies_are_none_by_default_and_bad_networks_are_named() {
        assert!(load(&[]).unwrap().trusted_proxies.is_empty());
        let config = load(&[("ROSTERD_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.1")]).unwrap();
        assert_eq!(
            config.trusted_proxies.to_string(),
            "10.0.0.0/8,192.168.1.1/32"
        );
        let err = load(&[("ROSTERD_TRUSTED_PROXIES", "10.0.0.0/40")])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("trusted_proxies (ROSTERD_TRUSTED_PROXIES): expected addresses")
                && err.contains("10.0.0.0/40"),
            "{err}"
        );
    }

    #[test]
    fn password_hash_concurrency_defaults_to_the_cpus_and_is_at_least_one() {
        assert!(load(&[]).unwrap().password_hash_concurrency >= 1);
        let config = load(&[("ROSTERD_PASSWORD_HASH_CONCURRENCY", "3")]).unwrap();
        assert_eq!(config.password_hash_concurrency, 3);
        let err = load(&[("ROSTERD_PASSWORD_HASH_CONCURRENCY", "0")])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("password_hash_concurrency (ROSTERD_PASSWORD_HASH_CONCURRENCY)"),
            "{err}"
        );
    }

    #[test]
    fn limits_have_safe_defaults_and_come_from_tables_or_the_environment() {
        let config = load(&[]).unwrap();
        assert_eq!(config.scim.max_patch_operations, 1000);
        assert_eq!(config.scim.max_values_per_attribute, 10_000);
        assert_eq!(config.http.header_timeout, Duration::from_secs(10));
        assert_eq!(config.http.max_connections, 1024);
        assert_eq!(config.database_statement_timeout, Duration::from_secs(30));
        assert_eq!(config.fair_share.requests_per_second, 50);
        assert_eq!(config.fair_share.tenant_max_concurrent_writes, 4);
        assert_eq!(config.fair_share.contention_window, Duration::from_secs(2));
        let dir = std::env::temp_dir().join(format!("rosterd-limits-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("rosterd.toml");
        std::fs::write(
            &file,
            "[http]\nheader_timeout_secs = 3\n[fair_share]\nburst = 10\n",
        )
        .unwrap();
        let config = Config::load_from(Some(&file), |_| None, &Overrides::default()).unwrap();
        assert_eq!(config.http.header_timeout, Duration::from_secs(3));
        assert_eq!(config.fair_share.burst, 10);
        let config = load(&[("ROSTERD_SCIM_MAX_PATCH_OPERATIONS", "20")]).unwrap();
        assert_eq!(config.scim.max_patch_operations, 20);
        let err = load(&[("ROSTERD_HTTP_IDLE_TIMEOUT_SECS", "0")])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("http.idle_timeout_secs (ROSTERD_HTTP_IDLE_TIMEOUT_SECS)"),
            "{err}"
        );
    }

    #[test]
    fn oauth_access_tokens_live_an_hour_unless_set_within_60_to_360_minutes() {
        assert_eq!(load(&[]).unwrap().oauth_access_token_minutes, 60);
        let config = load(&[("ROSTERD_OAUTH_ACCESS_TOKEN_MINUTES", "360")]).unwrap();
        assert_eq!(config.oauth_access_token_minutes, 360);
        for bad in ["59", "361", "0", "an hour"] {
            let err = load(&[("ROSTERD_OAUTH_ACCESS_TOKEN_MINUTES", bad)])
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with(
                    "oauth_access_token_minutes (ROSTERD_OAUTH_ACCESS_TOKEN_MINUTES): expected"
                ),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn debug_never_shows_the_database_url() {
        let config = load(&[("DATABASE_URL", "postgres://u:pw@db/rosterd")]).unwrap();
        assert!(!format!("{config:?}").contains("pw@"));
    }
}
