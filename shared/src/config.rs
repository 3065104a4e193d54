//! Layered, typed, strict configuration.
//!
//! `config/default.toml` → `config/{CHATORDER_ENV}.toml` (if `CHATORDER_ENV`
//! is set) → environment variables `CHATORDER__SECTION__KEY`. Unknown keys are
//! errors, so a typo fails at start-up. Secrets are `SecretString`: their
//! `Debug` output is redacted and nothing here prints them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use secrecy::SecretString;
use serde::{Deserialize, Deserializer};

use crate::domain::Currency;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub nats: NatsSettings,
    pub database: DatabaseSettings,
    pub redis: RedisSettings,
    pub telegram: TelegramSettings,
    pub discord: DiscordSettings,
    pub api: ApiSettings,
    pub metrics: MetricsSettings,
    pub shop: ShopSettings,
    pub worker: WorkerSettings,
    pub catalog: CatalogSettings,
    pub demand: DemandSettings,
    pub log: LogSettings,
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NatsSettings {
    /// May carry a user and password (`nats://user:pass@host:4222`); they
    /// are never printed (see [`redact_url`]).
    pub url: String,
    /// Prepended to every subject and stream name (tests use one each).
    #[serde(default)]
    pub prefix: String,
    /// A NATS `.creds` file for deployments with accounts.
    #[serde(default)]
    pub credentials_file: Option<PathBuf>,
    /// How long events stay in `ORDERS_EVT`.
    pub events_max_age_days: u32,
    /// Replicas of each stream (1 on a single server, 3 on a cluster).
    pub stream_replicas: usize,
    /// Publish this many events or more as atomic batches (one fsync per
    /// batch; NATS 2.12+); fewer, one by one. 0 never batches: right when
    /// JetStream does not fsync every write, where single publishes are
    /// faster (docs/performance.md).
    #[serde(default = "default_atomic_batch_from")]
    pub atomic_batch_from: usize,
}

fn default_atomic_batch_from() -> usize {
    24
}

impl std::fmt::Debug for NatsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsSettings")
            .field("url", &redact_url(&self.url))
            .field("prefix", &self.prefix)
            .field("credentials_file", &self.credentials_file)
            .field("events_max_age_days", &self.events_max_age_days)
            .field("stream_replicas", &self.stream_replicas)
            .field("atomic_batch_from", &self.atomic_batch_from)
            .finish()
    }
}

/// A URL fit for logs: `scheme://user:***@host/…` (the password hidden).
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: SecretString,
    pub pool_size: usize,
    /// Apply pending migrations when a component starts.
    pub migrate_on_start: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedisSettings {
    pub url: SecretString,
    /// Prepended to every key.
    pub prefix: String,
    /// A Redis call slower than this counts as a cache error.
    pub timeout_ms: u64,
    pub snapshot_ttl_seconds: u64,
    pub list_ttl_seconds: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelegramSettings {
    #[serde(default)]
    pub token: Option<SecretString>,
    pub api_url: String,
    /// Orders one customer may place per hour before a friendly refusal.
    pub max_orders_per_hour: u32,
    /// An untouched cart (and checkout) is forgotten after this long.
    pub session_ttl_hours: u64,
    /// Keep to Telegram's rate limits (1 message/s per chat, 30/s overall).
    /// Only a benchmark against the local stand-in turns this off.
    pub rate_limit: bool,
    /// Flood control per customer: this many updates at once…
    pub flood_burst: u32,
    /// …then no faster than this many per second (0 turns it off). A
    /// flooding customer is slowed; nobody else waits for them.
    pub flood_per_second: f64,
    /// The payment provider's token from @BotFather (Bot Settings →
    /// Payments). Set: checkout sends an invoice and an order is placed
    /// only once paid. Unset: every order is paid on pickup or delivery.
    #[serde(default)]
    pub payment_provider_token: Option<SecretString>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscordSettings {
    #[serde(default)]
    pub token: Option<SecretString>,
    pub api_url: String,
    #[serde(default)]
    pub channel_id: Option<u64>,
    /// Discord role ids whose members are owners. A list or `a,b,c`.
    #[serde(default, deserialize_with = "list_or_csv")]
    pub owner_role_ids: Vec<String>,
    /// Discord user ids that are owners. A list or `a,b,c`.
    #[serde(default, deserialize_with = "list_or_csv")]
    pub owner_user_ids: Vec<String>,
}

/// The HTTP edge (`chatorder api`): the REST API and, later, the web app.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiSettings {
    /// Where the API listens, e.g. `127.0.0.1:8080`. Loopback by default:
    /// put a TLS-terminating proxy in front to serve it to the world.
    pub listen: SocketAddr,
    /// A request that takes longer is answered 503 (and its work dropped).
    pub request_timeout_ms: u64,
    /// Larger request bodies are refused (413) before they are read.
    pub max_body_bytes: usize,
    /// How long to wait for the worker's answer to a command before saying
    /// "accepted, still processing" (202) instead of the result.
    pub command_wait_ms: u64,
    /// How long a customer's or web owner's login lasts (a bearer token
    /// that stops working after it, or at log-out).
    pub session_ttl_secs: u64,
    /// Mark the web app's login cookie `Secure` always (set it when a TLS
    /// proxy fronts the API; a request with `X-Forwarded-Proto: https`
    /// gets it anyway).
    pub secure_cookies: bool,
    /// Requests per second each caller (an API key, a login, or an address
    /// for calls without either) may make on average; more get 429 with
    /// Retry-After. 0 turns the limit off.
    pub rate_per_second: u32,
    /// How many requests a caller may make at once above that rate.
    pub rate_burst: u32,
    /// A webhook receiver that has not answered after this long has failed
    /// this attempt.
    pub webhook_timeout_ms: u64,
    /// How long a failing webhook delivery is retried before it goes to
    /// the dead letters.
    pub webhook_retry_for_secs: u64,
    /// The longest wait between two attempts (they start 1 s apart and
    /// double).
    pub webhook_max_backoff_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSettings {
    /// Where `/metrics` is served; empty turns it off.
    pub listen: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShopSettings {
    pub name: String,
    /// Parsed once at load: a name that is not an IANA zone stops the load.
    #[serde(deserialize_with = "iana_time_zone")]
    pub time_zone: chrono_tz::Tz,
    /// Parsed once at load: an ISO 4217 code such as USD or EUR.
    pub currency: Currency,
    /// Opening ranges per weekday in `time_zone` (`mon = ["11:00-23:00"]`);
    /// a day left out is closed. Without `[shop.hours]` the shop is always
    /// open, as before hours existed. A bad range stops the load.
    #[serde(default)]
    pub hours: Option<crate::hours::WeeklyHours>,
    /// Whole days closed (`["2026-12-25"]`): the ranges that start on them.
    #[serde(default, deserialize_with = "crate::hours::closed_dates")]
    pub closed_dates: std::collections::BTreeSet<chrono::NaiveDate>,
    /// Ignore `hours` and `closed_dates` and take orders around the clock
    /// (demos, benchmarks, tests: `CHATORDER__SHOP__ALWAYS_OPEN=true`).
    #[serde(default)]
    pub always_open: bool,
}

impl ShopSettings {
    /// When the shop takes orders.
    pub fn schedule(&self) -> crate::hours::Schedule {
        match &self.hours {
            Some(week) if !self.always_open => crate::hours::Schedule::new(
                self.time_zone,
                Some(week.clone()),
                self.closed_dates.clone(),
            ),
            _ => crate::hours::Schedule::always(self.time_zone),
        }
    }
}

fn iana_time_zone<'de, D: serde::Deserializer<'de>>(d: D) -> Result<chrono_tz::Tz, D::Error> {
    let raw = String::deserialize(d)?;
    raw.parse().map_err(|_| {
        serde::de::Error::custom(format!(
            "`{raw}` is not an IANA time zone such as Europe/London"
        ))
    })
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkerSettings {
    /// Most commands applied in one MySQL transaction.
    pub batch_max: usize,
    /// Batches one worker applies at the same time, each in its own MySQL
    /// transaction on its own connection (as that many replicas would):
    /// their commits share MariaDB's fsyncs. 1 applies one after another.
    pub batches_in_flight: usize,
    /// Deliveries of one command before it goes to the dead-letter subject.
    pub max_deliver: i64,
    pub ack_wait_seconds: u64,
    /// Delay before a command that failed for a passing reason is retried.
    pub retry_delay_ms: u64,
    /// How often the outbox relay looks for events not yet published.
    pub outbox_poll_ms: u64,
    /// Outbox rows younger than this are left to the worker that wrote them.
    pub outbox_grace_ms: u64,
}

/// The demand worker: where models live, its schedules (cron expressions
/// with a seconds field first, in `shop.time_zone`), and the pending alert.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemandSettings {
    /// Directory for trained models (`.bpk` plus a `.json` sidecar).
    pub model_dir: PathBuf,
    /// When to retrain, e.g. `0 30 3 * * *` (03:30 every night).
    pub retrain_cron: String,
    /// When owners get the morning summary, e.g. `0 0 8 * * *`.
    pub summary_cron: String,
    /// How often to look for orders waiting too long, e.g. `0 * * * * *`.
    pub alert_cron: String,
    /// Alert when a pending order has waited longer than this.
    pub pending_alert_minutes: u32,
    /// How many days of history to learn from.
    pub history_days: u32,
    /// Which model the demand worker trains: see [`TrainingProfile`].
    pub training: TrainingProfile,
}

/// `demand.training`: how much model the demand worker trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TrainingProfile {
    /// The model `chatorder evaluate` measures (docs/demand-model.md).
    Full,
    /// A small model trained in seconds: for demos, tests and a shop that
    /// just started (a few weeks of sales is all it needs).
    Quick,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogSettings {
    /// Loaded into an empty catalog by `chatorder migrate`.
    pub seed_file: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// `text` or `json`.
    pub format: LogFormat,
    /// A `tracing` filter such as `info,chatorder_orders=debug`.
    pub filter: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

fn list_or_csv<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        List(Vec<String>),
        Text(String),
        Number(u64),
    }
    Ok(match Raw::deserialize(d)? {
        Raw::List(v) => v,
        Raw::Text(s) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        Raw::Number(n) => vec![n.to_string()],
    })
}

/// Why configuration could not be loaded, said so an operator can fix it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error(
        "configuration directory `{0}` has no default.toml; run from the project root or set CHATORDER_CONFIG_DIR"
    )]
    MissingDefaults(PathBuf),
    #[error("configuration is invalid: {0}")]
    Invalid(String),
}

impl Settings {
    /// Loads from `CHATORDER_CONFIG_DIR` (default `./config`).
    pub fn load() -> Result<Self, ConfigError> {
        let dir = std::env::var_os("CHATORDER_CONFIG_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("config"));
        Self::load_from(&dir)
    }

    /// Loads from a given configuration directory, then the environment.
    pub fn load_from(dir: &Path) -> Result<Self, ConfigError> {
        let defaults = dir.join("default.toml");
        if !defaults.is_file() {
            return Err(ConfigError::MissingDefaults(dir.to_path_buf()));
        }
        let mut builder = config::Config::builder().add_source(config::File::from(defaults));
        if let Ok(env) = std::env::var("CHATORDER_ENV")
            && !env.is_empty()
        {
            builder = builder.add_source(config::File::from(dir.join(format!("{env}.toml"))));
        }
        let settings: Settings = builder
            .add_source(
                config::Environment::with_prefix("CHATORDER")
                    .prefix_separator("__")
                    .separator("__"),
            )
            .build()
            .and_then(config::Config::try_deserialize)
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        let settings = settings.resolve_paths(dir);
        settings.validate()?;
        Ok(settings)
    }

    fn resolve_paths(mut self, dir: &Path) -> Self {
        if self.catalog.seed_file.is_relative() {
            // Relative to the project root, i.e. the config dir's parent.
            let root = dir.parent().unwrap_or(Path::new("."));
            self.catalog.seed_file = root.join(&self.catalog.seed_file);
        }
        self
    }

    /// Checks values that parse but make no sense.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: String| Err(ConfigError::Invalid(m));
        if let Err(e) = crate::subjects::Subjects::new(&self.nats.prefix) {
            return bad(e.to_string());
        }
        if !self.metrics.listen.is_empty() && self.metrics.listen.parse::<SocketAddr>().is_err() {
            return bad(format!(
                "metrics.listen `{}` is not an address such as 127.0.0.1:9464",
                self.metrics.listen
            ));
        }
        if !(1..=10_000).contains(&self.worker.batch_max) {
            return bad("worker.batch_max must be between 1 and 10000".into());
        }
        if !(1..=64).contains(&self.worker.batches_in_flight) {
            return bad("worker.batches_in_flight must be between 1 and 64".into());
        }
        if self.worker.batches_in_flight + 2 > self.database.pool_size {
            return bad(format!(
                "database.pool_size ({}) must be at least worker.batches_in_flight ({}) + 2: one connection per batch in flight, one to clear the outbox and one for queries",
                self.database.pool_size, self.worker.batches_in_flight
            ));
        }
        if self.worker.max_deliver < 2 {
            return bad("worker.max_deliver must be at least 2".into());
        }
        if self.database.pool_size == 0 {
            return bad("database.pool_size must be at least 1".into());
        }
        Ok(())
    }

    pub fn subjects(&self) -> crate::subjects::Subjects {
        crate::subjects::Subjects::new(&self.nats.prefix)
            .unwrap_or_else(|_| unreachable!("validate() checked nats.prefix"))
    }

    pub fn is_owner(&self, actor: &crate::domain::Actor) -> bool {
        actor.platform == crate::domain::Platform::Discord
            && (self.discord.owner_user_ids.contains(&actor.id)
                || actor
                    .roles
                    .iter()
                    .any(|r| self.discord.owner_role_ids.contains(r)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../config")
    }

    #[test]
    fn defaults_load_and_secrets_are_redacted() {
        let s = Settings::load_from(&dir()).expect("defaults load");
        assert_eq!(s.nats.url, "nats://127.0.0.1:4223");
        let printed = format!("{s:?}");
        assert!(
            !printed.contains("mysql://"),
            "database url leaked: {printed}"
        );
        let mut s = s;
        s.nats.url = "nats://telegram-bot:hunter2@nats:4222".into();
        let printed = format!("{s:?}");
        assert!(
            !printed.contains("hunter2"),
            "NATS password leaked: {printed}"
        );
        assert!(printed.contains("nats://telegram-bot:***@nats:4222"));
    }

    #[test]
    fn csv_lists_parse() {
        #[derive(Deserialize)]
        struct T {
            #[serde(deserialize_with = "list_or_csv")]
            ids: Vec<String>,
        }
        let t: T = serde_json::from_str(r#"{"ids":"1, 2,3"}"#).expect("csv");
        assert_eq!(t.ids, ["1", "2", "3"]);
        let t: T = serde_json::from_str(r#"{"ids":["4"]}"#).expect("list");
        assert_eq!(t.ids, ["4"]);
    }

    /// The shop's zone and currency are parsed once, at load: a typo stops
    /// the load with the key and the value, instead of a fallback later.
    #[test]
    fn a_bad_time_zone_currency_range_date_or_worker_size_stops_the_load_and_says_which() {
        let defaults = std::fs::read_to_string(dir().join("default.toml")).expect("defaults");
        let s = Settings::load_from(&dir()).expect("defaults load");
        assert_eq!(s.shop.currency.as_str(), "USD");
        assert!(
            !s.shop.schedule().is_always_open(),
            "default.toml has hours"
        );
        for (from, to, says) in [
            (
                "time_zone = \"Europe/London\"",
                "time_zone = \"Europe/Lodnon\"",
                "Europe/Lodnon",
            ),
            ("currency = \"USD\"", "currency = \"usd\"", "usd"),
            (
                "batches_in_flight = 3",
                "batches_in_flight = 7",
                "database.pool_size (8) must be at least worker.batches_in_flight (7) + 2",
            ),
            (
                "batches_in_flight = 3",
                "batches_in_flight = 0",
                "worker.batches_in_flight must be between 1 and 64",
            ),
            (
                "tue = [\"11:00-23:00\"]",
                "tue = [\"11:00-2300\"]",
                "tue = 11:00-2300",
            ),
            (
                "closed_dates = [\"2026-12-25\"",
                "closed_dates = [\"2026-12-32\"",
                "2026-12-32",
            ),
        ] {
            assert!(defaults.contains(from), "default.toml has {from}");
            let tmp =
                std::env::temp_dir().join(format!("chatorder-config-{}", uuid::Uuid::new_v4()));
            std::fs::create_dir_all(&tmp).expect("temp dir");
            std::fs::write(tmp.join("default.toml"), defaults.replace(from, to)).expect("write");
            let err = Settings::load_from(&tmp).expect_err("refused").to_string();
            std::fs::remove_dir_all(&tmp).ok();
            assert!(err.contains(says), "{err}");
        }
    }
}
