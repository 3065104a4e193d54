//! Notification receipts: which events' notifications were sent, so that a
//! redelivered event is not sent again.
//!
//! They live in a JetStream key-value bucket (`TG_RECEIPTS`, one key per
//! event id, replicated like the streams, kept a week), not in Redis: they
//! survive Redis losing its data, a NATS node failing in a cluster, and any
//! restart of the bot. Before a send the bot creates the key as a
//! "sending" mark (only one bot can create it); after the send it becomes
//! "sent". A mark left by a bot that died mid-send is taken over once that
//! bot has been silent for [`ALIVE_TTL`] (each bot process says it is alive
//! every 2 s in a second bucket, `TG_RECEIPTS_ALIVE`, whose
//! entries expire after [`ALIVE_TTL`]), or at the latest after
//! [`SENDING_MARK`]; the event, redelivered, is then sent again. Such a send
//! was in flight when the bot died, so Telegram may or may not have taken
//! it: the customer hears it once or twice, never not at all
//! (docs/reliability.md). Those are the only notifications that can come
//! twice, and each is logged and counted (`resent_after_cut`).
//!
//! Memory keeps the last hour's receipts (fewer round trips for repeats)
//! and the final receipts the bucket could not take while NATS was away,
//! written by [`Receipts::flush`] once it is back.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use async_nats::jetstream::{self, kv};
use serde::{Deserialize, Serialize};

/// The bucket's name (before the deployment's prefix).
pub const BUCKET: &str = "TG_RECEIPTS";
/// How long a receipt is kept: longer than any redelivery can come.
const KEEP: Duration = Duration::from_secs(7 * 24 * 3600);
/// How long memory keeps a receipt.
const IN_MEMORY: Duration = Duration::from_secs(3600);
/// Memory is pruned every this many checks.
const PRUNE_EVERY: u32 = 1024;
/// How long a begun send holds off other deliveries of the same event.
/// Longer than any send takes (rate limiter included); short enough that a
/// send cut short by a stopped bot is made again within a minute or so.
pub const SENDING_MARK: Duration = Duration::from_secs(60);
/// The liveness bucket's name suffix (after the receipts bucket's name).
pub const ALIVE_SUFFIX: &str = "_ALIVE";
/// How long a bot process that stopped saying it is alive still counts as
/// alive: its marks are not taken over before.
pub const ALIVE_TTL: Duration = Duration::from_secs(10);
/// How often a bot process says it is alive, in shares of the liveness
/// lifetime (every 2 s for [`ALIVE_TTL`]).
pub const ALIVE_TIMES_PER_TTL: u32 = 5;

/// A receipt as stored: a send under way (with what it was about, for the
/// operator and the chaos run) or a send made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum Mark {
    Sending {
        /// When the send began (milliseconds since the Unix epoch).
        since_ms: i64,
        /// The bot process making the send (marks written before this
        /// field existed have none and lapse after [`SENDING_MARK`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<String>,
        chat: i64,
        /// The notification's first line.
        about: String,
    },
    Sent,
}

/// Where an event's notification stands when a consumer receives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Nobody has sent it: send it now, then call [`Receipts::delivered`].
    New,
    /// It was sent: acknowledge it without sending.
    Sent,
    /// A send began and has not finished (here, or in a bot that stopped
    /// mid-send): try again later. The mark lapses after [`SENDING_MARK`].
    Underway,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Sending,
    Sent,
}

#[derive(Default)]
struct Memory {
    /// Events this process is sending or has sent, with since when.
    known: HashMap<String, (Stage, Instant)>,
    /// Sent events whose final receipt the bucket does not have yet.
    unwritten: HashSet<String>,
    checks_since_prune: u32,
}

impl Memory {
    fn prune(&mut self) {
        self.checks_since_prune += 1;
        if self.checks_since_prune >= PRUNE_EVERY {
            self.checks_since_prune = 0;
            self.known.retain(|_, (_, at)| at.elapsed() < IN_MEMORY);
        }
    }
}

pub struct Receipts {
    kv: kv::Store,
    /// Which bot processes are alive: one key per process, expiring
    /// [`Receipts::alive_ttl`] after its last refresh.
    alive: kv::Store,
    alive_ttl: Duration,
    /// This process's name in marks and in the liveness bucket.
    instance: String,
    memory: Mutex<Memory>,
}

impl Receipts {
    /// Opens (or creates) the bucket `name` (the prefixed [`BUCKET`]) and
    /// its liveness bucket, and says this process is alive.
    pub async fn open(
        js: &jetstream::Context,
        name: String,
        replicas: usize,
    ) -> anyhow::Result<Self> {
        Self::open_with(js, name, replicas, ALIVE_TTL).await
    }

    /// [`Receipts::open`] with a chosen liveness lifetime (tests).
    pub async fn open_with(
        js: &jetstream::Context,
        name: String,
        replicas: usize,
        alive_ttl: Duration,
    ) -> anyhow::Result<Self> {
        let alive =
            chatorder_bus::kv::bucket(js, format!("{name}{ALIVE_SUFFIX}"), alive_ttl, replicas)
                .await
                .context("opening the Telegram bots' liveness bucket")?;
        let kv = chatorder_bus::kv::bucket(js, name, KEEP, replicas)
            .await
            .context("opening the Telegram bot's notification receipts")?;
        let receipts = Self {
            kv,
            alive,
            alive_ttl,
            instance: uuid::Uuid::now_v7().to_string(),
            memory: Mutex::default(),
        };
        receipts.say_alive().await;
        Ok(receipts)
    }

    /// Says this process is alive (its marks are not to be taken over).
    /// [`Receipts::keep_alive`] calls it a few times per liveness lifetime.
    pub async fn say_alive(&self) {
        let now = chrono::Utc::now().timestamp_millis().to_string();
        if let Err(e) = self.alive.put(&self.instance, now.into()).await {
            tracing::debug!(error = %e, "cannot say the bot is alive");
        }
    }

    /// Says this process is alive [`ALIVE_TIMES_PER_TTL`] times per
    /// liveness lifetime until `stop`.
    pub async fn keep_alive(&self, stop: tokio_util::sync::CancellationToken) {
        let mut every = tokio::time::interval(self.alive_ttl / ALIVE_TIMES_PER_TTL);
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                _ = every.tick() => self.say_alive().await,
            }
        }
    }

    /// Whether the bot process `instance` said it was alive within the
    /// liveness lifetime. When the bucket cannot be read, it counts as alive.
    async fn is_alive(&self, instance: &str) -> bool {
        match self.alive.get(instance).await {
            Ok(found) => found.is_some(),
            Err(e) => {
                tracing::debug!(error = %e, "cannot read the bots' liveness; taken as alive");
                true
            }
        }
    }

    fn memory(&self) -> std::sync::MutexGuard<'_, Memory> {
        self.memory
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Marks an event's notification as being sent to `chat`, unless it was
    /// sent or a send is under way ([`Delivery`]).
    pub async fn begin(&self, event_id: &str, chat: i64, text: &str) -> Delivery {
        self.begin_for(event_id, chat, text, SENDING_MARK).await
    }

    /// [`Receipts::begin`] with a chosen mark lifetime (tests).
    pub async fn begin_for(
        &self,
        event_id: &str,
        chat: i64,
        text: &str,
        mark: Duration,
    ) -> Delivery {
        {
            let mut m = self.memory();
            m.prune();
            match m.known.get(event_id) {
                Some((Stage::Sent, _)) => return Delivery::Sent,
                Some((Stage::Sending, at)) if at.elapsed() < mark => return Delivery::Underway,
                _ => {}
            }
            m.known
                .insert(event_id.to_owned(), (Stage::Sending, Instant::now()));
        }
        let sending = Mark::Sending {
            since_ms: chrono::Utc::now().timestamp_millis(),
            by: Some(self.instance.clone()),
            chat,
            about: text
                .lines()
                .next()
                .unwrap_or("")
                .chars()
                .take(120)
                .collect(),
        };
        let value = serde_json::to_vec(&sending).unwrap_or_default();
        let stage = match self.kv.create(event_id, value.clone().into()).await {
            Ok(_) => return Delivery::New,
            Err(e) if e.kind() == kv::CreateErrorKind::AlreadyExists => {
                self.found(event_id, value, mark).await
            }
            Err(e) => {
                // NATS is away: memory alone guards this process's sends
                // (and the event cannot be acknowledged either).
                tracing::warn!(error = %e, "cannot mark a notification as being sent; sending anyway");
                return Delivery::New;
            }
        };
        let mut m = self.memory();
        match stage {
            Delivery::Sent => {
                m.known
                    .insert(event_id.to_owned(), (Stage::Sent, Instant::now()));
            }
            // Another bot's mark: ask the bucket again next time.
            Delivery::Underway => {
                m.known.remove(event_id);
            }
            Delivery::New => {}
        }
        stage
    }

    /// The key exists: sent, under way, or a mark left by a send cut short.
    async fn found(&self, event_id: &str, value: Vec<u8>, mark: Duration) -> Delivery {
        let entry = match self.kv.entry(event_id).await {
            Ok(Some(e)) if e.operation == kv::Operation::Put => e,
            // Deleted or purged between the two calls: look again later.
            Ok(_) => return Delivery::Underway,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read a notification receipt; will look again");
                return Delivery::Underway;
            }
        };
        match serde_json::from_slice::<Mark>(&entry.value) {
            Ok(Mark::Sent) => Delivery::Sent,
            Ok(Mark::Sending {
                since_ms, chat, by, ..
            }) => {
                let age = chrono::Utc::now()
                    .timestamp_millis()
                    .saturating_sub(since_ms);
                let age = Duration::from_millis(u64::try_from(age).unwrap_or(0));
                // Another process's send: it died if it has been silent for
                // the liveness lifetime (the mark is at least that old, so
                // it had time to say it was alive since).
                let writer_died = match by {
                    Some(by) if by != self.instance && age >= self.alive_ttl => {
                        !self.is_alive(&by).await
                    }
                    _ => false,
                };
                if age < mark && !writer_died {
                    return Delivery::Underway;
                }
                // A bot died mid-send. Take the mark over (one bot wins).
                match self.kv.update(event_id, value.into(), entry.revision).await {
                    Ok(_) => {
                        crate::metrics::notification("resent_after_cut");
                        tracing::warn!(
                            event = event_id,
                            chat,
                            "a send was cut short (the bot stopped mid-send); sending again: \
                             the customer may hear this notification twice"
                        );
                        Delivery::New
                    }
                    Err(_) => Delivery::Underway,
                }
            }
            Err(_) => {
                tracing::warn!(
                    event = event_id,
                    "a notification receipt this version cannot read; taken as sent"
                );
                Delivery::Sent
            }
        }
    }

    /// Makes the receipt final after a successful send. A receipt the
    /// bucket could not take is written once NATS is back
    /// ([`Receipts::flush`]).
    pub async fn delivered(&self, event_id: &str) {
        self.memory()
            .known
            .insert(event_id.to_owned(), (Stage::Sent, Instant::now()));
        if !self.write_sent(event_id).await {
            self.memory().unwritten.insert(event_id.to_owned());
        }
    }

    async fn write_sent(&self, event_id: &str) -> bool {
        let value = serde_json::to_vec(&Mark::Sent).unwrap_or_default();
        self.kv.put(event_id, value.into()).await.is_ok()
    }

    /// Undoes [`Receipts::begin`] after a failed send, so a retry sends.
    pub async fn forget(&self, event_id: &str) {
        {
            let mut m = self.memory();
            m.known.remove(event_id);
            m.unwritten.remove(event_id);
        }
        // If this fails, the mark lapses after SENDING_MARK instead.
        let _ = self.kv.delete(event_id).await;
    }

    /// How many final receipts the bucket does not have yet.
    pub fn unwritten(&self) -> usize {
        self.memory().unwritten.len()
    }

    /// Writes the final receipts the bucket missed; stops at the first
    /// failure. Returns how many are still unwritten.
    pub async fn flush(&self) -> usize {
        let ids: Vec<String> = self.memory().unwritten.iter().cloned().collect();
        for id in ids {
            if !self.write_sent(&id).await {
                break;
            }
            self.memory().unwritten.remove(&id);
        }
        self.unwritten()
    }
}

/// Every "sending" mark in the bucket: sends under way, or cut short by a
/// bot that died mid-send (the chaos run reads them after a SIGKILL).
pub async fn sending_marks(store: &kv::Store) -> anyhow::Result<Vec<Mark>> {
    Ok(chatorder_bus::kv::all_json::<Mark>(store)
        .await
        .context("reading the notification receipts")?
        .into_iter()
        .filter(|m| matches!(m, Mark::Sending { .. }))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_read_back_as_written() {
        let m = Mark::Sending {
            since_ms: 1_700_000_000_000,
            by: Some("0193c5d0-0000-7000-8000-000000000000".into()),
            chat: 42,
            about: "Order #7 is ready for pickup!".into(),
        };
        let json = serde_json::to_string(&m).unwrap_or_default();
        assert!(json.contains("\"stage\":\"sending\""), "{json}");
        assert_eq!(serde_json::from_str::<Mark>(&json).ok(), Some(m));
        assert_eq!(
            serde_json::from_str::<Mark>("{\"stage\":\"sent\"}").ok(),
            Some(Mark::Sent)
        );
        // A mark from before marks named their bot reads, with no bot.
        let old = r#"{"stage":"sending","since_ms":1,"chat":42,"about":"x"}"#;
        assert!(
            matches!(
                serde_json::from_str::<Mark>(old),
                Ok(Mark::Sending {
                    by: None,
                    chat: 42,
                    ..
                })
            ),
            "{old}"
        );
    }
}
