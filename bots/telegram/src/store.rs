//! Customer sessions (cart and checkout stage) and notification receipts.
//!
//! Sessions are kept in memory (the bot is the one process polling its
//! token) and written through to Redis, so a Redis outage or restart loses
//! no open cart or checkout, and a restarted bot finds them in Redis.
//! Sessions that could not be written while Redis was away are written as
//! soon as it answers again ([`Store::flush`], also run at shutdown).
//! Abandoned carts expire after `telegram.session_ttl_hours`.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
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
    /// Notification receipts of the last hour, and those Redis lacks.
    receipts: Mutex<Receipts>,
}

#[derive(Default)]
struct Receipts {
    /// Events this process is sending or has sent, with since when.
    known: HashMap<String, (Stage, Instant)>,
    /// Sent events whose final receipt Redis does not have yet.
    unwritten: HashSet<String>,
    checks_since_prune: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Sending,
    Sent,
}

impl Receipts {
    fn prune(&mut self) {
        self.checks_since_prune += 1;
        if self.checks_since_prune >= PRUNE_EVERY {
            self.checks_since_prune = 0;
            self.known
                .retain(|_, (_, at)| at.elapsed() < RECEIPTS_IN_MEMORY);
        }
    }
}

/// Where an event's notification stands when a consumer receives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Nobody has sent it: send it now, then call [`Store::delivered`].
    New,
    /// It was sent: acknowledge it without sending.
    Sent,
    /// A send began and has not finished (here, or in a bot that stopped
    /// mid-send): try again later. The mark lapses after
    /// [`SENDING_MARK`], so a send cut short is made again, never lost.
    Underway,
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
/// How long Redis keeps a notification receipt, and memory does.
const RECEIPT_TTL: Duration = Duration::from_secs(7 * 24 * 3600);
const RECEIPTS_IN_MEMORY: Duration = Duration::from_secs(3600);
/// How long a begun send holds off other deliveries of the same event.
/// Longer than any send takes (rate limiter included); short enough that a
/// send cut short by a stopped bot is made again within a minute or so.
pub const SENDING_MARK: Duration = Duration::from_secs(60);
/// Redis values of a receipt: a send under way, and a send made. Receipts
/// written before the two stages existed hold "1" and count as made.
const MARK_SENDING: &str = "sending";
const MARK_SENT: &str = "sent";

impl Store {
    pub fn new(url: &str, prefix: &str, session_ttl: Duration) -> Self {
        Self {
            client: redis::Client::open(url).ok(),
            conn: tokio::sync::Mutex::new(None),
            prefix: prefix.to_owned(),
            session_ttl: session_ttl.as_secs().max(60),
            sessions: Mutex::new(Sessions::default()),
            receipts: Mutex::new(Receipts::default()),
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

    /// How many sessions and receipts Redis does not have yet.
    pub fn unwritten(&self) -> usize {
        self.sessions.lock().map_or(0, |s| s.unwritten.len())
            + self.receipts.lock().map_or(0, |r| r.unwritten.len())
    }

    /// Writes the sessions and receipts Redis missed while it was away;
    /// stops at the first failure (Redis still away). Returns how many are
    /// still unwritten.
    pub async fn flush(&self) -> usize {
        if !self.flush_receipts().await {
            return self.unwritten();
        }
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
            tracing::debug!("every session and receipt is in Redis again");
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

    /// Marks an event's notification as being sent, unless it was sent or
    /// a send is under way ([`Delivery`]). Receipts are kept in memory for an
    /// hour and in Redis for a week. The mark is final only once
    /// [`Store::delivered`] is called after the send: a bot stopped between
    /// the two leaves a mark that lapses after [`SENDING_MARK`], and the
    /// redelivered event is sent then.
    pub async fn begin_delivery(&self, event_id: &str) -> Delivery {
        self.begin_delivery_for(event_id, SENDING_MARK).await
    }

    /// [`Store::begin_delivery`] with a chosen mark lifetime (tests).
    pub async fn begin_delivery_for(&self, event_id: &str, mark: Duration) -> Delivery {
        if let Ok(mut r) = self.receipts.lock() {
            r.prune();
            match r.known.get(event_id) {
                Some((Stage::Sent, _)) => return Delivery::Sent,
                Some((Stage::Sending, at)) if at.elapsed() < mark => return Delivery::Underway,
                _ => {}
            }
            r.known
                .insert(event_id.to_owned(), (Stage::Sending, Instant::now()));
        }
        let Some(mut conn) = self.conn().await else {
            // Redis is away: memory alone guards this process's sends.
            return Delivery::New;
        };
        let key = self.receipt_key(event_id);
        let set: Result<Option<String>, _> = redis::cmd("SET")
            .arg(&key)
            .arg(MARK_SENDING)
            .arg("NX")
            .arg("PX")
            .arg(u64::try_from(mark.as_millis()).unwrap_or(u64::MAX).max(1))
            .query_async(&mut conn)
            .await;
        let found = match set {
            Ok(Some(_)) | Err(_) => return Delivery::New,
            Ok(None) => redis::cmd("GET")
                .arg(&key)
                .query_async::<Option<String>>(&mut conn)
                .await
                .ok()
                .flatten(),
        };
        let stage = match found.as_deref() {
            Some(MARK_SENDING) | None => Delivery::Underway,
            Some(_) => Delivery::Sent,
        };
        if let Ok(mut r) = self.receipts.lock() {
            if stage == Delivery::Sent {
                r.known
                    .insert(event_id.to_owned(), (Stage::Sent, Instant::now()));
            } else {
                // Another bot's mark: ask Redis again next time.
                r.known.remove(event_id);
            }
        }
        stage
    }

    /// Makes the receipt final after a successful send. A receipt Redis
    /// could not take is written once it is back, so a restarted bot does
    /// not send the notification again.
    pub async fn delivered(&self, event_id: &str) {
        if let Ok(mut r) = self.receipts.lock() {
            r.known
                .insert(event_id.to_owned(), (Stage::Sent, Instant::now()));
        }
        if !self.write_receipt(event_id).await {
            self.receipt_unwritten(event_id, true);
        }
    }

    async fn write_receipt(&self, event_id: &str) -> bool {
        let Some(mut conn) = self.conn().await else {
            return false;
        };
        redis::cmd("SET")
            .arg(self.receipt_key(event_id))
            .arg(MARK_SENT)
            .arg("EX")
            .arg(RECEIPT_TTL.as_secs())
            .query_async::<()>(&mut conn)
            .await
            .is_ok()
    }

    fn receipt_key(&self, event_id: &str) -> String {
        format!("{}tg:delivered:{event_id}", self.prefix)
    }

    fn receipt_unwritten(&self, event_id: &str, unwritten: bool) {
        if let Ok(mut r) = self.receipts.lock() {
            if unwritten {
                r.unwritten.insert(event_id.to_owned());
            } else {
                r.unwritten.remove(event_id);
            }
        }
    }

    /// Undoes [`Store::begin_delivery`] after a failed send, so a retry sends.
    pub async fn forget_delivery(&self, event_id: &str) {
        if let Ok(mut r) = self.receipts.lock() {
            r.known.remove(event_id);
            r.unwritten.remove(event_id);
        }
        let Some(mut conn) = self.conn().await else {
            return;
        };
        let _: Result<(), _> = redis::cmd("DEL")
            .arg(self.receipt_key(event_id))
            .query_async(&mut conn)
            .await;
    }

    /// Writes receipts Redis missed; false at the first failure.
    async fn flush_receipts(&self) -> bool {
        let ids: Vec<String> = self
            .receipts
            .lock()
            .map(|r| r.unwritten.iter().cloned().collect())
            .unwrap_or_default();
        for id in ids {
            if !self.write_receipt(&id).await {
                return false;
            }
            self.receipt_unwritten(&id, false);
        }
        true
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
