//! Turns order events into messages to the customer they concern: every
//! status change, every shop reply, every refused command, once.
//!
//! A durable consumer (`telegram-bot`) on `ORDERS_EVT` survives restarts; a
//! receipt per event id in Redis keeps a redelivered event from being sent
//! twice.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream::{self, AckKind, consumer::pull};
use chatorder_shared::domain::{Platform, Role};
use chatorder_shared::envelope::Envelope;
use chatorder_shared::events::{Event, decode_event};
use teloxide::prelude::*;
use tokio_util::sync::CancellationToken;

use crate::bot::{App, TgBot};
use crate::texts as t;

pub const DURABLE: &str = "telegram-bot";

/// Who should hear about an event, and what.
pub fn notification(env: &Envelope<Event>) -> Option<(i64, String)> {
    let to_customer = |platform: Platform, id: &str| {
        (platform == Platform::Telegram)
            .then(|| id.parse::<i64>().ok())
            .flatten()
    };
    match &env.data {
        Event::Placed { order } => Some((
            to_customer(order.customer.platform, &order.customer.id)?,
            t::placed(order),
        )),
        Event::Updated { order } => Some((
            to_customer(order.customer.platform, &order.customer.id)?,
            t::updated(order),
        )),
        Event::StatusChanged { order, reason, .. } => Some((
            to_customer(order.customer.platform, &order.customer.id)?,
            t::status_changed(order, reason.as_deref()),
        )),
        Event::Cancelled { order, by, reason } => Some((
            to_customer(order.customer.platform, &order.customer.id)?,
            t::cancelled(order, *by, reason.as_deref()),
        )),
        Event::Rejected(r) if r.to.role == Role::Customer => Some((
            to_customer(r.to.platform, &r.to.id)?,
            t::rejected_command(&r.reason),
        )),
        Event::Message(m) if m.from == Role::Owner => Some((
            to_customer(m.customer.platform, &m.customer.id)?,
            t::shop_message(m.number, &m.text),
        )),
        _ => None,
    }
}

/// Creates (or finds) the bot's durable event consumer.
pub async fn consumer(app: &App) -> anyhow::Result<jetstream::consumer::PullConsumer> {
    let subjects = &app.gateway.subjects;
    let stream = app
        .gateway
        .js
        .get_stream(subjects.events_stream())
        .await
        .with_context(|| format!("finding stream {}", subjects.events_stream()))?;
    let consumer = stream
        .create_consumer(pull::Config {
            durable_name: Some(DURABLE.to_owned()),
            description: Some("Telegram bot: notify customers".into()),
            // A new bot starts from now, never replaying old news.
            deliver_policy: jetstream::consumer::DeliverPolicy::New,
            ack_policy: jetstream::consumer::AckPolicy::Explicit,
            ack_wait: Duration::from_secs(30),
            filter_subject: subjects.events_wildcard(),
            max_ack_pending: 1000,
            ..Default::default()
        })
        .await
        .context("creating the telegram-bot consumer")?;
    Ok(consumer)
}

/// Delivers notifications until cancelled.
/// An event as pulled, and as read (`None` if it could not be read).
type Pulled = (jetstream::Message, Option<Envelope<Event>>);

/// Most events handled at once; one customer's are still sent in order.
const BATCH: usize = 256;

pub async fn run(
    app: Arc<App>,
    bot: TgBot,
    consumer: jetstream::consumer::PullConsumer,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    let mut messages = chatorder_shared::nats::pull(&consumer, BATCH)
        .await
        .context("pulling events")?;
    while let Some(batch) =
        chatorder_shared::nats::next_batch(&mut messages, BATCH, &cancel).await?
    {
        // Different customers in parallel, each customer's events in order.
        let mut by_chat: HashMap<Option<i64>, Vec<Pulled>> = HashMap::new();
        for msg in batch {
            let env = match decode_event(&msg.payload) {
                Ok(env) => Some(env),
                Err(e) => {
                    tracing::warn!(error = %e, subject = %msg.subject, "skipping an event this bot cannot read");
                    None
                }
            };
            let chat = env.as_ref().and_then(notification).map(|(chat, _)| chat);
            by_chat.entry(chat).or_default().push((msg, env));
        }
        let app = &app;
        let bot = &bot;
        futures::future::join_all(by_chat.into_values().map(|events| async move {
            for (msg, env) in events {
                deliver(app, bot, msg, env).await;
            }
        }))
        .await;
    }
    Ok(())
}

/// Sends one event's notification (once) and settles the message.
async fn deliver(app: &App, bot: &TgBot, msg: jetstream::Message, env: Option<Envelope<Event>>) {
    let Some(env) = env else {
        let _ = msg.ack().await;
        return;
    };
    if matches!(env.data, Event::CatalogChanged { .. }) {
        app.catalog_changed().await;
    }
    if let Some((chat, text)) = notification(&env) {
        let id = env.id.to_string();
        if !app.store.first_delivery(&id).await {
            crate::metrics::notification("duplicate");
        } else if let Err(e) = bot.send(ChatId(chat), text, None).await {
            use teloxide::{ApiError, RequestError};
            crate::metrics::api_error("send");
            match e {
                // The customer blocked the bot: nothing to retry.
                RequestError::Api(
                    ApiError::BotBlocked | ApiError::ChatNotFound | ApiError::UserDeactivated,
                ) => {
                    crate::metrics::notification("unreachable");
                    tracing::info!(
                        chat,
                        "customer unreachable on Telegram; notification dropped"
                    );
                }
                other => {
                    crate::metrics::notification("retry");
                    tracing::warn!(error = %other, chat, "notification failed; will retry");
                    app.store.forget_delivery(&id).await;
                    let _ = msg
                        .ack_with(AckKind::Nak(Some(Duration::from_secs(2))))
                        .await;
                    return;
                }
            }
        } else {
            crate::metrics::notification("sent");
        }
    }
    let _ = msg.ack().await;
}
