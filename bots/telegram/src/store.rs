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
//! Each customer's language is also kept on its own (`tg:lang:<chat>`,
//! for [`LANG_TTL`]) so that news about an order ("ready") comes in their
//! language long after their cart has expired.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use chatorder_shared::lang::Lang;

use crate::conversation::Session;

pub struct Store {
    client: Option<redis::Client>,
    conn: tokio::sync::Mutex<Option<ConnectionManager>>,
    prefix: String,
    session_ttl: u64,
    /// Every session this process loaded or saved, with when it last did.
    sessions: Mutex<Sessions>,
}

#[derive(Default)]
struct Sessions {
    by_user: HashMap<i64, (Session, Instant)>,
    /// Users whose latest session Redis does not have yet.
    unwritten: HashSet<i64>,
    saves_since_prune: u32,
}

const TIMEOUT: Duration = Duration::from_millis(500);
/// How long a customer's language is remembered after their last message.
pub const LANG_TTL: Duration = Duration::from_secs(400 * 24 * 3600);
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
        }
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

    fn lang_key(&self, user: i64) -> String {
        format!("{}tg:lang:{user}", self.prefix)
    }

    /// The language the customer last wrote in: their session's, else the
    /// one kept in Redis, else English.
    pub async fn lang(&self, user: i64) -> Lang {
        if let Some(session) = self.remembered(user) {
            return session.lang;
        }
        let Some(mut conn) = self.conn().await else {
            return Lang::default();
        };
        let got: Result<Option<String>, _> = redis::cmd("GET")
            .arg(self.lang_key(user))
            .query_async(&mut conn)
            .await;
        got.ok()
            .flatten()
            .map_or_else(Lang::default, |code| Lang::from_tag(&code))
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

    /// Writes the sessions Redis missed while it was away;
    /// stops at the first failure (Redis still away). Returns how many are
    /// still unwritten.
    pub async fn flush(&self) -> usize {
        let users: Vec<i64> = self
            .sessions
            .lock()
            .map(|s| s.unwritten.iter().copied().collect())
            .unwrap_or_default();
        for user in users {
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
        redis::pipe()
            .cmd("SET")
            .arg(self.session_key(user))
            .arg(json)
            .arg("EX")
            .arg(self.session_ttl)
            .ignore()
            .cmd("SET")
            .arg(self.lang_key(user))
            .arg(session.lang.code())
            .arg("EX")
            .arg(LANG_TTL.as_secs())
            .ignore()
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
