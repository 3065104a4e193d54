//! Customer sessions (cart and checkout stage) and notification receipts in
//! Redis, so carts survive a bot restart. Abandoned carts expire. If Redis is
//! away the bot keeps sessions in memory meanwhile and says so in the log.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::conversation::Session;

pub struct Store {
    client: Option<redis::Client>,
    conn: tokio::sync::Mutex<Option<ConnectionManager>>,
    prefix: String,
    session_ttl: u64,
    fallback: Mutex<HashMap<i64, Session>>,
}

const TIMEOUT: Duration = Duration::from_millis(500);

impl Store {
    pub fn new(url: &str, prefix: &str, session_ttl: Duration) -> Self {
        Self {
            client: redis::Client::open(url).ok(),
            conn: tokio::sync::Mutex::new(None),
            prefix: prefix.to_owned(),
            session_ttl: session_ttl.as_secs().max(60),
            fallback: Mutex::new(HashMap::new()),
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

    /// The customer's session: from Redis, or (while Redis is away) from the
    /// in-memory copy kept since it went away.
    pub async fn load(&self, user: i64) -> Session {
        if let Some(mut conn) = self.conn().await {
            let got: Result<Option<String>, _> = redis::cmd("GET")
                .arg(self.session_key(user))
                .query_async(&mut conn)
                .await;
            match got {
                Ok(found) => {
                    // Redis is back: a copy kept during an outage is newer.
                    if let Some(kept) = self.fallback.lock().ok().and_then(|mut m| m.remove(&user))
                    {
                        return kept;
                    }
                    return found
                        .and_then(|json| serde_json::from_str(&json).ok())
                        .unwrap_or_default();
                }
                Err(e) => {
                    tracing::warn!(error = %e, "Redis unavailable; using the in-memory session")
                }
            }
        }
        self.fallback
            .lock()
            .ok()
            .and_then(|m| m.get(&user).cloned())
            .unwrap_or_default()
    }

    /// Saves to Redis with the session TTL; only if Redis is away is the
    /// session kept in memory (so memory holds just an outage's sessions).
    pub async fn save(&self, user: i64, session: &Session) {
        let json = serde_json::to_string(session).unwrap_or_default();
        let saved = match self.conn().await {
            Some(mut conn) => redis::cmd("SET")
                .arg(self.session_key(user))
                .arg(json)
                .arg("EX")
                .arg(self.session_ttl)
                .query_async::<()>(&mut conn)
                .await
                .map_err(|e| tracing::warn!(error = %e, "could not save a session to Redis; kept in memory"))
                .is_ok(),
            None => false,
        };
        if let Ok(mut m) = self.fallback.lock() {
            if saved {
                m.remove(&user);
            } else {
                m.insert(user, session.clone());
            }
        }
    }

    /// Records that an event was delivered; false if it already was. With
    /// Redis away it answers true (deliver at least once rather than never).
    pub async fn first_delivery(&self, event_id: &str) -> bool {
        let Some(mut conn) = self.conn().await else {
            return true;
        };
        let r: Result<Option<String>, _> = redis::cmd("SET")
            .arg(format!("{}tg:delivered:{event_id}", self.prefix))
            .arg(1)
            .arg("NX")
            .arg("EX")
            .arg(7 * 24 * 3600)
            .query_async(&mut conn)
            .await;
        !matches!(r, Ok(None))
    }

    /// Undoes [`Store::first_delivery`] after a failed send, so a retry sends.
    pub async fn forget_delivery(&self, event_id: &str) {
        let Some(mut conn) = self.conn().await else {
            return;
        };
        let _: Result<(), _> = redis::cmd("DEL")
            .arg(format!("{}tg:delivered:{event_id}", self.prefix))
            .query_async(&mut conn)
            .await;
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
