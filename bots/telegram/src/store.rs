//! Customer sessions (cart and checkout stage) and the hourly order count.
//! (Notification receipts are in NATS too: [`crate::receipts`].)
//!
//! Sessions live in a JetStream key-value bucket (`TG_SESSIONS`, replicated
//! like the streams, one key per customer, expiring
//! `telegram.session_ttl_hours` after its last change). A session is state,
//! not a cache: a cart the customer was told about, or a checkout already
//! sent as an order, must not come back older after a restart. They were
//! kept in Redis before, with memory standing in while Redis was away; a
//! bot stopped during a Redis outage then lost the latest sessions, and the
//! next bot read older ones (a placed order's basket still in the cart,
//! updates already applied not marked as taken), which could place a wrong
//! order. NATS is what the bot cannot work without anyway (every update is
//! kept in its inbox first), so sessions now share its fate and nothing
//! else's. While NATS is away a load or save waits for it (up to
//! [`PATIENCE`]).
//!
//! Two tasks change a session: the handler of the customer's updates and
//! the notifier (a refused order puts the cart back). Each holds the
//! customer's [`Store::lock`] from load to save, so neither overwrites the
//! other's change.
//!
//! Redis keeps only the hourly order count per customer: losing it (Redis
//! away or emptied) lets a customer past the hourly limit, nothing worse.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream::{self, kv};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::conversation::Session;

/// The bucket's name (before the deployment's prefix).
pub const BUCKET: &str = "TG_SESSIONS";
/// How long a load or save waits for NATS before giving up.
pub const PATIENCE: Duration = Duration::from_secs(60);

pub struct Store {
    sessions: kv::Store,
    redis: Option<redis::Client>,
    conn: tokio::sync::Mutex<Option<ConnectionManager>>,
    prefix: String,
    patience: Duration,
    /// One lock per customer whose session is being changed.
    locks: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
}

const REDIS_TIMEOUT: Duration = Duration::from_millis(500);
/// Locks nobody holds are dropped when there are this many.
const PRUNE_LOCKS: usize = 1024;

impl Store {
    /// Opens (or creates) the sessions bucket `name` (the prefixed
    /// [`BUCKET`]), whose entries expire `session_ttl` after their last
    /// change, and the Redis at `redis_url` for the hourly counts (keys
    /// under `redis_prefix`). The lifetime is set when the bucket is made:
    /// a deployment that changes `telegram.session_ttl_hours` later changes
    /// the bucket's `max_age` with the NATS CLI.
    pub async fn open(
        js: &jetstream::Context,
        name: String,
        replicas: usize,
        session_ttl: Duration,
        redis_url: &str,
        redis_prefix: &str,
    ) -> anyhow::Result<Self> {
        let sessions =
            chatorder_bus::kv::bucket(js, name, session_ttl.max(Duration::from_secs(60)), replicas)
                .await
                .context("opening the Telegram bot's sessions")?;
        Ok(Self {
            sessions,
            redis: redis::Client::open(redis_url).ok(),
            conn: tokio::sync::Mutex::new(None),
            prefix: redis_prefix.to_owned(),
            patience: PATIENCE,
            locks: Mutex::new(HashMap::new()),
        })
    }

    /// This store, waiting at most `patience` for NATS (tests).
    #[must_use]
    pub fn with_patience(mut self, patience: Duration) -> Self {
        self.patience = patience;
        self
    }

    /// Holds the customer's session for one load-change-save; another
    /// task changing the same session waits until the guard is dropped.
    pub async fn lock(&self, user: i64) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
            if locks.len() >= PRUNE_LOCKS {
                // Nobody else holds these: they can go.
                locks.retain(|_, l| Arc::strong_count(l) > 1);
            }
            locks.entry(user).or_default().clone()
        };
        lock.lock_owned().await
    }

    /// The customer's session, or a new one if they have none (or theirs
    /// expired, or was written by a version that cannot be read). Waits
    /// for NATS while it is away; an error once [`PATIENCE`] has passed.
    pub async fn load(&self, user: i64) -> anyhow::Result<Session> {
        let key = user.to_string();
        let raw = self
            .patiently("reading a customer's session", || self.sessions.get(&key))
            .await?;
        Ok(raw
            .and_then(|raw| match serde_json::from_slice(&raw) {
                Ok(session) => Some(session),
                Err(e) => {
                    tracing::warn!(error = %e, user, "a session this version cannot read; the customer starts a new one");
                    None
                }
            })
            .unwrap_or_default())
    }

    /// Writes the session (its lifetime starts again). Waits for NATS
    /// while it is away; an error once [`PATIENCE`] has passed (counted in
    /// `chatorder_telegram_session_writes_lost_total`).
    pub async fn save(&self, user: i64, session: &Session) -> anyhow::Result<()> {
        let key = user.to_string();
        let json =
            serde_json::to_vec(session).context("a session that cannot be written as JSON")?;
        self.patiently("writing a customer's session", || {
            self.sessions.put(&key, json.clone().into())
        })
        .await
        .inspect_err(|_| crate::metrics::session_lost())?;
        Ok(())
    }

    /// Runs `op` until it works, retrying with a growing pause while it
    /// fails, for at most [`Store::patience`].
    async fn patiently<T, E, F>(&self, what: &str, op: impl Fn() -> F) -> anyhow::Result<T>
    where
        F: std::future::Future<Output = Result<T, E>>,
        E: std::error::Error + Send + Sync + 'static,
    {
        let until = tokio::time::Instant::now() + self.patience;
        let mut pause = Duration::from_millis(50);
        loop {
            match op().await {
                Ok(v) => return Ok(v),
                Err(e) if tokio::time::Instant::now() + pause < until => {
                    tracing::warn!(error = %e, "{what} failed (NATS away?); trying again");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(2));
                }
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!("{what}: NATS did not answer for {:?}", self.patience)
                    });
                }
            }
        }
    }

    async fn conn(&self) -> Option<ConnectionManager> {
        let client = self.redis.as_ref()?;
        let mut guard = self.conn.lock().await;
        if let Some(c) = guard.as_ref() {
            return Some(c.clone());
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(REDIS_TIMEOUT))
            .set_response_timeout(Some(REDIS_TIMEOUT))
            .set_number_of_retries(1);
        match tokio::time::timeout(
            REDIS_TIMEOUT * 2,
            ConnectionManager::new_with_config(client.clone(), config),
        )
        .await
        {
            Ok(Ok(c)) => {
                *guard = Some(c.clone());
                Some(c)
            }
            _ => None,
        }
    }

    /// Counts an order towards the customer's hourly limit; returns the
    /// count, or `None` if Redis is away (the order is not held up).
    pub async fn count_order(&self, user: i64) -> Option<u64> {
        let mut conn = self.conn().await?;
        let hour = chrono::Utc::now().timestamp() / 3600;
        let key = format!("{}tg:orders:{user}:{hour}", self.prefix);
        let (n,): (u64,) = redis::pipe()
            .atomic()
            .incr(&key, 1)
            .expire(&key, 3600)
            .ignore()
            .query_async(&mut conn)
            .await
            .ok()?;
        Some(n)
    }
}
