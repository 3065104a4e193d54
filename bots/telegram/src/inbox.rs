//! Customers' messages the bot has taken from Telegram and not finished
//! handling, kept in NATS so that a bot killed mid-handling loses none.
//!
//! Telegram forgets an update once the bot asks for the next ones, and
//! long polling asks again as soon as the last batch is handed to the
//! handlers, before they finish: a bot that dies then (a SIGKILL, an OOM
//! kill, a power cut) would leave those customers unanswered. So each
//! update is written to a JetStream key-value bucket (`TG_INBOX`,
//! replicated like the streams, kept a day as Telegram keeps updates)
//! before Telegram is told the bot has it, and deleted once handled. A
//! starting bot handles what is left there first. An update handled but
//! not yet deleted when the bot died comes again, and the customer's
//! session, which remembers the last updates it took in, ignores it
//! ([`crate::conversation::Session::take_update`]).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream::{self, kv};
use std::collections::VecDeque;

use futures::{StreamExt as _, TryStreamExt as _, stream::BoxStream};
use teloxide::RequestError;
use teloxide::errors::AsResponseParameters as _;
use teloxide::prelude::*;
use teloxide::stop::{StopFlag, StopToken, mk_stop_token};
use teloxide::types::{AllowedUpdate, Update, UpdateKind};
use teloxide::update_listeners::{AsUpdateStream, UpdateListener};

/// The bucket's name (before the deployment's prefix).
pub const BUCKET: &str = "TG_INBOX";
/// Telegram keeps an update a day; so does the inbox.
const KEEP: Duration = Duration::from_secs(24 * 3600);

pub struct Inbox {
    kv: kv::Store,
}

impl Inbox {
    /// Opens (or creates) the bucket `name` (the prefixed [`BUCKET`]).
    pub async fn open(
        js: &jetstream::Context,
        name: String,
        replicas: usize,
    ) -> anyhow::Result<Self> {
        let kv = chatorder_bus::kv::bucket(js, name, KEEP, replicas)
            .await
            .context("opening the Telegram bot's inbox")?;
        Ok(Self { kv })
    }

    /// Keeps `update` until [`Inbox::done`]; retries while NATS is away
    /// (Telegram keeps the update meanwhile, since the bot does not ask
    /// for the next ones).
    pub async fn keep(&self, update: &Update) {
        let Ok(json) = serde_json::to_vec(update) else {
            return;
        };
        let key = update.id.0.to_string();
        let mut wait = Duration::from_millis(100);
        while let Err(e) = self.kv.put(&key, json.clone().into()).await {
            tracing::warn!(error = %e, update = update.id.0, "cannot keep an update in NATS; trying again");
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(2));
        }
    }

    /// Forgets a handled update.
    pub async fn done(&self, id: u32) {
        tracing::debug!(update = id, "update handled");
        if let Err(e) = self.kv.purge(id.to_string()).await {
            // It comes again at the next start, and the session ignores it.
            tracing::debug!(error = %e, update = id, "cannot forget a handled update");
        }
    }

    /// The updates a previous run took and did not finish, oldest first.
    pub async fn left(&self) -> anyhow::Result<Vec<Update>> {
        let keys: Vec<String> = match self.kv.keys().await {
            Ok(keys) => keys.try_collect().await.context("listing the inbox")?,
            Err(e) => return Err(e).context("listing the inbox"),
        };
        let mut left = Vec::new();
        for key in keys {
            let Some(raw) = self.kv.get(&key).await.context("reading the inbox")? else {
                continue;
            };
            match serde_json::from_slice::<Update>(&raw) {
                Ok(u) => left.push(u),
                Err(e) => {
                    tracing::warn!(error = %e, key, "an update in the inbox cannot be read; dropped");
                    let _ = self.kv.purge(&key).await;
                }
            }
        }
        left.sort_by_key(|u| u.id.0);
        Ok(left)
    }
}

/// Whether the bot handles updates of this kind (and so marks them done).
pub fn handled(update: &Update) -> bool {
    matches!(
        update.kind,
        UpdateKind::Message(_) | UpdateKind::CallbackQuery(_) | UpdateKind::PreCheckoutQuery(_)
    )
}

/// Telegram's long polling, keeping every update in the [`Inbox`] before
/// the next poll tells Telegram it was taken, and handing out the updates
/// a previous run left there first. (teloxide's own polling asks for the
/// next updates as soon as the last are handed out, which would confirm
/// them before they are kept.) A batch's updates are kept concurrently.
pub struct Poller {
    bot: teloxide::Bot,
    inbox: Arc<Inbox>,
    left: Vec<Update>,
    token: StopToken,
    flag: StopFlag,
    allowed: Option<Vec<AllowedUpdate>>,
}

/// How long a poll waits for updates at Telegram.
const LONG_POLL_SECS: u32 = 10;

impl Poller {
    pub fn new(bot: teloxide::Bot, inbox: Arc<Inbox>, left: Vec<Update>) -> Self {
        let (token, flag) = mk_stop_token();
        Self {
            bot,
            inbox,
            left,
            token,
            flag,
            allowed: None,
        }
    }
}

impl UpdateListener for Poller {
    type Err = RequestError;

    fn stop_token(&mut self) -> StopToken {
        self.token.clone()
    }

    fn hint_allowed_updates(&mut self, hint: &mut dyn Iterator<Item = AllowedUpdate>) {
        self.allowed = Some(hint.collect());
    }
}

/// Where the polling loop stands.
struct Polling {
    bot: teloxide::Bot,
    inbox: Arc<Inbox>,
    flag: StopFlag,
    allowed: Option<Vec<AllowedUpdate>>,
    /// The next update id to ask for (confirms every one before it).
    offset: i32,
    ready: VecDeque<Update>,
    failures: u32,
    stopped: bool,
}

impl Polling {
    /// The next update, polling Telegram when none is ready.
    async fn next(&mut self) -> Option<Result<Update, RequestError>> {
        loop {
            if let Some(update) = self.ready.pop_front() {
                return Some(Ok(update));
            }
            if self.stopped {
                return None;
            }
            let mut ask = self
                .bot
                .get_updates()
                .offset(self.offset)
                .timeout(LONG_POLL_SECS);
            if let Some(allowed) = self.allowed.take() {
                ask = ask.allowed_updates(allowed);
            }
            let got = tokio::select! {
                () = self.flag.clone() => {
                    // Stopping: tell Telegram what was taken (all of it is
                    // kept), and end.
                    self.stopped = true;
                    let _ = self.bot.get_updates().offset(self.offset).limit(1).timeout(0).await;
                    return None;
                }
                got = ask.send() => got,
            };
            match got {
                Ok(updates) => {
                    self.failures = 0;
                    futures::future::join_all(
                        updates
                            .iter()
                            .filter(|u| handled(u))
                            .map(|u| self.inbox.keep(u)),
                    )
                    .await;
                    if let Some(last) = updates.last() {
                        tracing::debug!(
                            first = updates.first().map_or(0, |u| u.id.0),
                            last = last.id.0,
                            "updates taken and kept"
                        );
                        self.offset = last.id.as_offset();
                    }
                    self.ready.extend(updates);
                }
                Err(e) => {
                    let wait = e.retry_after().map_or_else(
                        || Duration::from_millis(250 * 2u64.pow(self.failures.min(5))),
                        |s| s.duration(),
                    );
                    self.failures += 1;
                    tokio::time::sleep(wait).await;
                    return Some(Err(e));
                }
            }
        }
    }
}

impl<'a> AsUpdateStream<'a> for Poller {
    type StreamErr = RequestError;
    type Stream = BoxStream<'a, Result<Update, RequestError>>;

    fn as_stream(&'a mut self) -> Self::Stream {
        let polling = Polling {
            bot: self.bot.clone(),
            inbox: self.inbox.clone(),
            flag: self.flag.clone(),
            allowed: self.allowed.take(),
            offset: 0,
            ready: std::mem::take(&mut self.left).into(),
            failures: 0,
            stopped: false,
        };
        futures::stream::unfold(polling, |mut p| async move {
            let next = p.next().await?;
            Some((next, p))
        })
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the inbox writes, teloxide reads back as the same update.
    #[test]
    fn updates_read_back_as_written() {
        let wire = serde_json::json!([
            {
                "update_id": 41,
                "message": {
                    "message_id": 7, "date": 1_764_800_000,
                    "chat": { "id": 42, "type": "private", "first_name": "Ada" },
                    "from": { "id": 42, "is_bot": false, "first_name": "Ada", "language_code": "es" },
                    "text": "/checkout",
                    "entities": [{ "type": "bot_command", "offset": 0, "length": 9 }]
                }
            },
            {
                "update_id": 42,
                "callback_query": {
                    "id": "q-1", "chat_instance": "ci",
                    "from": { "id": 42, "is_bot": false, "first_name": "Ada" },
                    "message": {
                        "message_id": 8, "date": 1_764_800_001,
                        "chat": { "id": 42, "type": "private", "first_name": "Ada" },
                        "from": { "id": 1, "is_bot": true, "first_name": "Shop", "username": "shop_bot" },
                        "text": "Please check"
                    },
                    "data": "ok:1"
                }
            }
        ]);
        let updates: Vec<Update> = serde_json::from_str(&wire.to_string()).unwrap_or_default();
        assert_eq!(updates.len(), 2);
        for u in &updates {
            assert!(handled(u), "{u:?}");
            let kept = serde_json::to_vec(u).unwrap_or_default();
            let back = serde_json::from_slice::<Update>(&kept);
            assert!(back.as_ref().is_ok_and(|b| b == u), "{back:?}");
        }
    }
}
