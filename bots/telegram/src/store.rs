//! Customer sessions (cart and checkout stage) and the hourly order count.
//! (Notification receipts are in NATS: [`crate::receipts`].)
//!
//! Sessions are kept in memory (the bot is the one process polling its
//! token) and written through to Redis, so a Redis outage or restart loses
//! no open cart or checkout, and a restarted bot finds them in Redis.
//! Sessions that could not be written while Redis was away are written as
//! soon as it answers again ([`Store::flush`], also run at shutdown).
//! Abandoned carts expire after `telegram.session_ttl_hours`.
//!
//! Two tasks change a session: the handler of the customer's updates and
//! the notifier (a refused order puts the cart back). Each holds the
//! customer's [`Store::lock`] from load to save, so neither overwrites the
//! other's change.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::conversation::Session;

pub struct Store {
    client: Option<redis::Client>,
    conn: tokio::sync::Mutex<Option<ConnectionManager>>,
    prefix: String,
    session_ttl: u64,
    /// Every session this process loaded or saved, with when it last did.
    sessions: Mutex<Sessions>,
    /// One lock per customer whose session is being changed.
    locks: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
}

#[derive(Default)]
struct Sessions {
    by_user: HashMap<i64, (Session, Instant)>,
    /// Users whose latest session Redis does not have yet.
    unwritten: HashSet<i64>,
    saves_since_prune: u32,
}

const TIMEOUT: Duration = Duration::from_millis(500);
/// Expired sessions are dropped from memory every this many saves.
const PRUNE_EVERY: u32 = 1024;

impl Store {
    pub fn new(url: &str, prefix: &str, session_ttl: Duration) -> Self {
        Self {
            client: redis::Client::open(url).ok(),
            conn: tokio::sync::Mutex::new(None),
            prefix: prefix.to_owned(),
            session_ttl: session_ttl.as_secs().max(60),
            sessions: Mutex::new(Sessions::default()),
            locks: Mutex::new(HashMap::new()),
        }
    }

    /// Holds the customer's session for one load-change-save; another
    /// task changing the same session waits until the guard is dropped.
    pub async fn lock(&self, user: i64) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
            if locks.len() >= PRUNE_EVERY as usize {
                // Nobody else holds these: they can go.
                locks.retain(|_, l| Arc::strong_count(l) > 1);
            }
            locks.entry(user).or_default().clone()
        };
        lock.lock_owned().await
    }

    /// The customer's lock if nobody holds it.
    fn try_lock(&self, user: i64) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        let lock = {
            let mut locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
            locks.entry(user).or_default().clone()
        };
        lock.try_lock_owned().ok()
    }

    async fn conn(&self) -> Option<ConnectionManager> {
        let client = self.client.as_ref()?;
        let mut guard = self.conn.lock().await;
        if let Some(c) = guard.as_ref() {
            return Some(c.clone());
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT))
            .set_number_of_retries(1);
        match tokio::time::timeout(
            TIMEOUT * 2,
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

    fn session_key(&self, user: i64) -> String {
        format!("{}tg:session:{user}", self.prefix)
    }

    fn ttl(&self) -> Duration {
        Duration::from_secs(self.session_ttl)
    }

    fn remembered(&self, user: i64) -> Option<Session> {
        let sessions = self.sessions.lock().ok()?;
        let (session, at) = sessions.by_user.get(&user)?;
        (at.elapsed() < self.ttl()).then(|| session.clone())
    }

    fn remember(&self, user: i64, session: &Session) {
        let ttl = self.ttl();
        if let Ok(mut s) = self.sessions.lock() {
            s.by_user.insert(user, (session.clone(), Instant::now()));
            s.saves_since_prune += 1;
            if s.saves_since_prune >= PRUNE_EVERY {
                s.saves_since_prune = 0;
                s.by_user.retain(|_, (_, at)| at.elapsed() < ttl);
            }
        }
    }

    /// The customer's session: the one this process last saved, else the
    /// one in Redis (written by an earlier run of the bot), else a new one.
    pub async fn load(&self, user: i64) -> Session {
        if let Some(session) = self.remembered(user) {
            return session;
        }
        let Some(mut conn) = self.conn().await else {
            return Session::default();
        };
        let got: Result<Option<String>, _> = redis::cmd("GET")
            .arg(self.session_key(user))
            .query_async(&mut conn)
            .await;
        match got {
            Ok(found) => found
                .and_then(|json| serde_json::from_str(&json).ok())
                .unwrap_or_default(),
            Err(e) => {
                tracing::warn!(error = %e, "Redis unavailable; a customer last seen before this bot started starts a new session");
                Session::default()
            }
        }
    }

    /// Keeps the session in memory and writes it through to Redis with the
    /// session TTL. If Redis is away, memory keeps it and it is written
    /// when Redis answers again.
    pub async fn save(&self, user: i64, session: &Session) {
        self.remember(user, session);
        if self.write(user, session).await {
            self.mark(user, false);
            if self.unwritten() > 0 {
                self.flush().await;
            }
        } else {
            self.mark(user, true);
        }
    }

    fn mark(&self, user: i64, unwritten: bool) {
        if let Ok(mut s) = self.sessions.lock() {
            if unwritten {
                s.unwritten.insert(user);
            } else {
                s.unwritten.remove(&user);
            }
        }
    }

    /// How many sessions Redis does not have yet.
    pub fn unwritten(&self) -> usize {
        self.sessions.lock().map_or(0, |s| s.unwritten.len())
    }

    /// Writes the sessions Redis missed while it was away, except those
    /// whose customer's lock is held (the holder saves them);
    /// stops at the first failure (Redis still away). Returns how many are
    /// still unwritten.
    pub async fn flush(&self) -> usize {
        let users: Vec<i64> = self
            .sessions
            .lock()
            .map(|s| s.unwritten.iter().copied().collect())
            .unwrap_or_default();
        for user in users {
            // A task holding the customer's lock is changing the session
            // and saves it itself; a write from here could land after its
            // newer one and leave Redis with the older session (a restarted
            // bot would then lose the customer's checkout).
            let Some(_held) = self.try_lock(user) else {
                continue;
            };
            let Some(session) = self.remembered(user) else {
                self.mark(user, false);
                continue;
            };
            if !self.write(user, &session).await {
                break;
            }
            self.mark(user, false);
        }
        let left = self.unwritten();
        if left == 0 {
            tracing::debug!("every session is in Redis again");
        }
        left
    }

    async fn write(&self, user: i64, session: &Session) -> bool {
        let json = serde_json::to_string(session).unwrap_or_default();
        let Some(mut conn) = self.conn().await else {
            return false;
        };
        redis::cmd("SET")
            .arg(self.session_key(user))
            .arg(json)
            .arg("EX")
            .arg(self.session_ttl)
            .query_async::<()>(&mut conn)
            .await
            .map_err(|e| tracing::warn!(error = %e, "could not write a session to Redis; it is kept in memory"))
            .is_ok()
    }

    /// Counts an order towards the customer's hourly limit; returns the count.
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
