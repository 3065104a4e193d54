//! Turns order events into messages to the customer they concern: every
//! status change, every shop reply, every refused command, once.
//!
//! A durable consumer (`telegram-bot`) on `ORDERS_EVT` survives restarts; a
//! receipt per event id in a JetStream key-value bucket keeps a redelivered
//! event from being sent twice ([`crate::receipts`]). The receipt becomes
//! final only after the send: a bot killed in between leaves a "sending"
//! mark, and the event, redelivered, is sent once that mark lapses. A bot
//! that is stopping sends nothing new: the rest of its batch goes back to
//! the stream.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{self, consumer::pull};
use chatorder_bus::{FeedOptions, Settle};
use chatorder_shared::domain::{Platform, Role};
use chatorder_shared::envelope::Envelope;
use chatorder_shared::events::{Event, decode_event};
use teloxide::prelude::*;
use tokio_util::sync::CancellationToken;

use crate::bot::{App, TgBot};
use crate::receipts::Delivery;
use crate::texts as t;

pub const DURABLE: &str = "telegram-bot";

/// Who should hear about an event, and what (times in the shop's zone `tz`).
pub fn notification(
    env: &Envelope<Event>,
    tz: chatorder_shared::hours::Tz,
) -> Option<(i64, String)> {
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
            t::refund_note(order, t::status_changed(order, reason.as_deref())),
        )),
        Event::Cancelled { order, by, reason } => Some((
            to_customer(order.customer.platform, &order.customer.id)?,
            t::cancelled(order, *by, reason.as_deref()),
        )),
        Event::Rejected(r) if r.to.role == Role::Customer => Some((
            to_customer(r.to.platform, &r.to.id)?,
            match &r.payment {
                Some(paid) => {
                    t::rejected_paid(&t::rejected_command(&r.refusal, env.at, tz), &paid.money())
                }
                None => t::rejected_command(&r.refusal, env.at, tz),
            },
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
    let subjects = &app.workers.subjects;
    chatorder_bus::durable(
        &app.workers.js,
        &subjects.events_stream(),
        pull::Config {
            durable_name: Some(DURABLE.to_owned()),
            description: Some("Telegram bot: notify customers".into()),
            // A new bot starts from now, never replaying old news.
            deliver_policy: jetstream::consumer::DeliverPolicy::New,
            ack_policy: jetstream::consumer::AckPolicy::Explicit,
            ack_wait: Duration::from_secs(30),
            filter_subject: subjects.events_wildcard(),
            max_ack_pending: 1000,
            ..Default::default()
        },
    )
    .await
}

/// When to look again at an event whose send is under way elsewhere.
const UNDERWAY_RETRY: Duration = Duration::from_secs(5);

/// Most events handled at once; one customer's are still sent in order.
const BATCH: usize = 256;

/// Delivers notifications until cancelled: different customers at once,
/// each customer's events in order.
pub async fn run(
    app: Arc<App>,
    bot: TgBot,
    consumer: jetstream::consumer::PullConsumer,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    chatorder_bus::run_keyed(
        &consumer,
        FeedOptions {
            name: "notify",
            batch: BATCH,
        },
        |msg| decode_event(&msg.payload),
        |env| notification(env, app.settings.shop.time_zone).map(|(chat, _)| chat),
        |env| deliver(&app, &bot, env, &cancel),
        &cancel,
    )
    .await
}

/// Sends one event's notification (once).
async fn deliver(
    app: &App,
    bot: &TgBot,
    env: Envelope<Event>,
    cancel: &CancellationToken,
) -> Settle {
    if matches!(env.data, Event::CatalogChanged { .. }) {
        app.catalog_changed().await;
    }
    let Some((chat, text)) = notification(&env, app.settings.shop.time_zone) else {
        return Settle::Ack;
    };
    if cancel.is_cancelled() {
        // Stopping: the next bot sends it, without a mark to wait for.
        return Settle::Retry(Duration::from_secs(1));
    }
    let id = env.id.to_string();
    match app.receipts.begin(&id, chat, &text).await {
        Delivery::New => {}
        Delivery::Sent => {
            crate::metrics::notification("duplicate");
            return Settle::Ack;
        }
        Delivery::Underway => {
            crate::metrics::notification("underway");
            return Settle::Retry(UNDERWAY_RETRY);
        }
    }
    let Err(e) = bot.send(ChatId(chat), text, None).await else {
        app.receipts.delivered(&id).await;
        crate::metrics::notification("sent");
        return Settle::Ack;
    };
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
            Settle::Ack
        }
        other => {
            crate::metrics::notification("retry");
            tracing::warn!(error = %other, chat, "notification failed; will retry");
            app.receipts.forget(&id).await;
            Settle::Retry(Duration::from_secs(2))
        }
    }
}
