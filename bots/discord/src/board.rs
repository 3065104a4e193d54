//! The order board: one message per order in the owners' channel, edited in
//! place as the order moves, with a thread per order for the conversation
//! with the customer.
//!
//! Idempotent: the board bucket remembers each order's message and the
//! version it shows, so a redelivered or stale event changes nothing and a
//! restarted bot edits the message it posted before instead of posting again.

use std::sync::Arc;

use anyhow::Context as _;
use async_nats::jetstream::kv;
use chatorder_shared::domain::{OrderNumber, OrderStatus, Role};
use chatorder_shared::envelope::Envelope;
use chatorder_shared::events::{Event, OrderMessage, OrderSnapshot, ShopPause};
use serde::{Deserialize, Serialize};
use serenity::all::{ChannelId, CreateMessage, CreateThread, EditMessage, Http, MessageId, Nonce};

use crate::discord::{embed, no_mentions, retrying, rows};
use crate::render::{self, Change, limits};
use crate::texts;
use crate::workers::Workers;

/// What the bot remembers about an order's board message.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    channel_id: u64,
    message_id: u64,
    #[serde(default)]
    thread_id: Option<u64>,
    version: u32,
}

pub struct Board {
    pub workers: Workers,
    pub http: Arc<Http>,
    pub channel: ChannelId,
    /// The shop's zone, for the times in pause notices.
    pub time_zone: chatorder_shared::hours::Tz,
}

fn key(number: OrderNumber) -> String {
    format!("order.{}", number.0)
}

/// Who caused an event, as the card's footer says it.
fn who(env: &Envelope<Event>) -> String {
    match env.actor.role {
        Role::Customer => "the customer".to_owned(),
        Role::Owner => env
            .actor
            .name
            .clone()
            .unwrap_or_else(|| format!("owner {}", env.actor.id)),
    }
}

fn is_not_found(e: &serenity::Error) -> bool {
    matches!(e, serenity::Error::Http(h) if h.status_code().is_some_and(|s| s.as_u16() == 404))
}

impl Board {
    /// Shows one event on the board. Safe to call again with the same event.
    pub async fn handle(&self, env: &Envelope<Event>) -> anyhow::Result<()> {
        match &env.data {
            Event::Placed { order } => self.show(order, None).await,
            Event::Updated { order } => {
                let change = Change {
                    what: "Items changed".into(),
                    by: who(env),
                    reason: None,
                };
                self.show(order, Some(change)).await
            }
            Event::StatusChanged {
                order, to, reason, ..
            } => {
                let change = Change {
                    what: render::status_title(*to),
                    by: who(env),
                    reason: reason.clone(),
                };
                self.show(order, Some(change)).await
            }
            Event::Cancelled { order, reason, .. } => {
                let change = Change {
                    what: render::status_title(OrderStatus::Cancelled),
                    by: who(env),
                    reason: reason.clone(),
                };
                self.show(order, Some(change)).await
            }
            Event::Message(m) => self.converse(env, m).await,
            Event::ShopChanged { pause } => self.announce(env, pause.as_ref()).await,
            Event::Rejected(r) => match &r.payment {
                Some(paid) => self.say_once(env, &texts::paid_refused(r, paid)).await,
                None => Ok(()),
            },
            Event::CatalogChanged { .. } | Event::PromoChanged { .. } => Ok(()),
        }
    }

    async fn show(&self, order: &OrderSnapshot, change: Option<Change>) -> anyhow::Result<()> {
        let key = key(order.number);
        let board = render::board_message(order, change.as_ref());
        // A few rounds in case another replica writes the same entry.
        for _ in 0..5 {
            let Some(found) = self.workers.board.entry(&key).await? else {
                let mut entry = self.post(order, &board).await?;
                if order.version > 1 {
                    // No entry, yet not the order's first event: an earlier
                    // post may have reached Discord without its entry being
                    // kept (a SIGKILL, a store that timed out), and Discord
                    // answers a repeated nonce with that earlier card. Show
                    // this version on it, or the card keeps old buttons.
                    entry = self.edit(entry, order, &board).await?;
                }
                match self
                    .workers
                    .board
                    .create(&key, serde_json::to_vec(&entry)?.into())
                    .await
                {
                    Ok(_) => {
                        self.open_thread(order, entry).await;
                        return Ok(());
                    }
                    Err(e) if e.kind() == kv::CreateErrorKind::AlreadyExists => continue,
                    Err(e) => return Err(e.into()),
                }
            };
            if found.operation != kv::Operation::Put {
                anyhow::bail!("board entry {key} was deleted; leaving it alone");
            }
            let entry: Entry = serde_json::from_slice(&found.value)
                .with_context(|| format!("board entry {key} is unreadable"))?;
            if entry.version >= order.version {
                crate::metrics::board("stale");
                return Ok(());
            }
            let mut entry = self.edit(entry, order, &board).await?;
            entry.version = order.version;
            match self
                .workers
                .board
                .update(&key, serde_json::to_vec(&entry)?.into(), found.revision)
                .await
            {
                Ok(_) => return Ok(()),
                Err(e) if e.kind() == kv::UpdateErrorKind::WrongLastRevision => continue,
                Err(e) => return Err(e.into()),
            }
        }
        anyhow::bail!("board entry {key} kept changing under us")
    }

    /// Shows `board` on the card `entry` points at; a card someone deleted
    /// is posted again. Returns the entry, moved to the new card if so.
    async fn edit(
        &self,
        mut entry: Entry,
        order: &OrderSnapshot,
        board: &render::BoardMessage,
    ) -> anyhow::Result<Entry> {
        let edit = EditMessage::new()
            .content("")
            .embed(embed(&board.card))
            .components(rows(&board.rows))
            .allowed_mentions(no_mentions());
        let (channel, message) = (
            ChannelId::new(entry.channel_id),
            MessageId::new(entry.message_id),
        );
        match retrying(|| channel.edit_message(&self.http, message, edit.clone())).await {
            Ok(_) => crate::metrics::board("edited"),
            Err(e) if is_not_found(&e) => {
                // Someone deleted the card: post it again.
                tracing::info!(order = %order.number, "board message was deleted; posting it again");
                let fresh = self.post(order, board).await?;
                entry.channel_id = fresh.channel_id;
                entry.message_id = fresh.message_id;
            }
            Err(e) => {
                crate::metrics::api_error("edit");
                return Err(e).context("editing a board message");
            }
        }
        Ok(entry)
    }

    async fn post(
        &self,
        order: &OrderSnapshot,
        board: &render::BoardMessage,
    ) -> anyhow::Result<Entry> {
        let msg = CreateMessage::new()
            .embed(embed(&board.card))
            .components(rows(&board.rows))
            .allowed_mentions(no_mentions())
            // Discord drops a second post with the same nonce, which covers
            // a crash between posting and remembering the post.
            .nonce(Nonce::String(format!("order-{}", order.number.0)))
            .enforce_nonce(true);
        let posted = retrying(|| self.channel.send_message(&self.http, msg.clone()))
            .await
            .map_err(|e| {
                crate::metrics::api_error("post");
                anyhow::Error::from(e).context("posting a board message")
            })?;
        crate::metrics::board("posted");
        Ok(Entry {
            channel_id: posted.channel_id.get(),
            message_id: posted.id.get(),
            thread_id: None,
            version: order.version,
        })
    }

    /// Opens the order's thread; the board works without one if it fails.
    async fn open_thread(&self, order: &OrderSnapshot, mut entry: Entry) {
        let thread = ChannelId::new(entry.channel_id)
            .create_thread_from_message(
                &self.http,
                MessageId::new(entry.message_id),
                CreateThread::new(render::thread_name(order))
                    .auto_archive_duration(serenity::all::AutoArchiveDuration::OneDay),
            )
            .await;
        let thread = match thread {
            Ok(t) => t.id,
            Err(e) => {
                crate::metrics::api_error("thread");
                tracing::warn!(error = %e, order = %order.number, "could not open a thread for the order");
                return;
            }
        };
        entry.thread_id = Some(thread.get());
        let key = key(order.number);
        if let Ok(Some(found)) = self.workers.board.entry(&key).await
            && let Ok(mut current) = serde_json::from_slice::<Entry>(&found.value)
            && let Ok(json) = {
                current.thread_id = entry.thread_id;
                serde_json::to_vec(&current)
            }
        {
            let _ = self
                .workers
                .board
                .update(&key, json.into(), found.revision)
                .await;
        }
        let mut opening = texts::thread_opening(order);
        if let Some(note) = order.note.as_deref()
            && note.chars().count() > limits::FIELD_VALUE
        {
            opening = format!("{opening}\n{}", texts::full_note(note));
        }
        let _ = self.say(thread, &opening).await;
    }

    /// Posts `text` (split to fit) in `channel`, mentioning nobody.
    pub async fn say(&self, channel: ChannelId, text: &str) -> anyhow::Result<()> {
        for piece in render::split(text, limits::CONTENT) {
            let msg = CreateMessage::new()
                .content(piece)
                .allowed_mentions(no_mentions());
            retrying(|| channel.send_message(&self.http, msg.clone()))
                .await
                .map_err(|e| {
                    crate::metrics::api_error("post");
                    anyhow::Error::from(e).context("posting a message")
                })?;
        }
        Ok(())
    }

    /// A pause or resume, in the channel, so every owner knows orders stopped
    /// (or started) coming. Once per event.
    async fn announce(
        &self,
        env: &Envelope<Event>,
        pause: Option<&ShopPause>,
    ) -> anyhow::Result<()> {
        let seen = format!("event.{}", env.id);
        if self.workers.seen.get(&seen).await?.is_some() {
            return Ok(());
        }
        let text = texts::shop_changed(&who(env), pause, env.at, self.time_zone);
        self.say(self.channel, &text).await?;
        self.workers.seen.put(&seen, "1".into()).await?;
        Ok(())
    }

    /// A notice in the channel, once per event.
    async fn say_once(&self, env: &Envelope<Event>, text: &str) -> anyhow::Result<()> {
        let seen = format!("event.{}", env.id);
        if self.workers.seen.get(&seen).await?.is_some() {
            return Ok(());
        }
        self.say(self.channel, text).await?;
        self.workers.seen.put(&seen, "1".into()).await?;
        Ok(())
    }

    /// A customer's message or an owner's reply, in the order's thread (or
    /// the channel if the order has none). Once per event.
    async fn converse(&self, env: &Envelope<Event>, m: &OrderMessage) -> anyhow::Result<()> {
        let seen = format!("event.{}", env.id);
        if self.workers.seen.get(&seen).await?.is_some() {
            return Ok(());
        }
        let entry = match self.workers.board.get(key(m.number)).await? {
            Some(v) => serde_json::from_slice::<Entry>(&v).ok(),
            None => None,
        };
        let (channel, text) = match (m.from, entry.and_then(|e| e.thread_id)) {
            (Role::Customer, Some(t)) => (
                ChannelId::new(t),
                texts::customer_message(
                    m.customer.name.as_deref().unwrap_or("The customer"),
                    &m.text,
                ),
            ),
            (Role::Customer, None) => (
                self.channel,
                format!(
                    "Order {}: {}",
                    m.number,
                    texts::customer_message(
                        m.customer.name.as_deref().unwrap_or("The customer"),
                        &m.text
                    )
                ),
            ),
            (_, thread) => (
                thread.map_or(self.channel, ChannelId::new),
                texts::owner_reply(&who(env), &m.text),
            ),
        };
        self.say(channel, &text).await?;
        self.workers.seen.put(&seen, "1".into()).await?;
        Ok(())
    }
}
