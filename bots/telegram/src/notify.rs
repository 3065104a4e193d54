//! Turns order events into messages to the customer they concern: every
//! status change, every shop reply, every refused command, once. A refused
//! new order also gives the customer their cart back ([`cart_back`]).
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
use chatorder_shared::domain::{OrderStatus, Platform, Role};
use chatorder_shared::envelope::Envelope;
use chatorder_shared::events::{CatalogItem, Event, OrderSnapshot, decode_event};
use chatorder_shared::subjects::CommandKind;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardMarkup, ReplyMarkup};
use tokio_util::sync::CancellationToken;

use crate::bot::{App, TgBot};
use crate::buttons::Button;
use crate::conversation::{self, CartBack};
use crate::receipts::Delivery;
use crate::texts::{self, Texts};

pub const DURABLE: &str = "telegram-bot";

/// Which customer's chat should hear about an event, if any.
pub fn recipient(env: &Envelope<Event>) -> Option<i64> {
    let to_customer = |platform: Platform, id: &str| {
        (platform == Platform::Telegram)
            .then(|| id.parse::<i64>().ok())
            .flatten()
    };
    match &env.data {
        Event::Placed { order }
        | Event::Updated { order }
        | Event::StatusChanged { order, .. }
        | Event::Cancelled { order, .. } => {
            to_customer(order.customer.platform, &order.customer.id)
        }
        Event::Rejected(r) if r.to.role == Role::Customer => to_customer(r.to.platform, &r.to.id),
        Event::Message(m) if m.from == Role::Owner => {
            to_customer(m.customer.platform, &m.customer.id)
        }
        _ => None,
    }
}

/// Who should hear about an event, and what, in their language `t` (times
/// in the shop's zone `tz`).
pub fn notification(
    env: &Envelope<Event>,
    tz: chatorder_shared::hours::Tz,
    t: &dyn Texts,
) -> Option<(i64, String)> {
    let chat = recipient(env)?;
    let text = match &env.data {
        Event::Placed { order } => t.placed(order, tz),
        Event::Updated { order } => t.updated(order),
        Event::StatusChanged { order, reason, .. } => {
            refund_note(t, order, t.status_changed(order, reason.as_deref()))
        }
        Event::Cancelled { order, by, reason } => {
            refund_note(t, order, t.cancelled(order, *by, reason.as_deref()))
        }
        // A paid order refused: not placed, and the owners were told to
        // refund it (the Discord bot's alert).
        Event::Rejected(r) => match &r.payment {
            Some(paid) => {
                t.rejected_paid(&t.rejected_command(&r.refusal, env.at, tz), paid.money())
            }
            None => t.rejected_command(&r.refusal, env.at, tz),
        },
        Event::Message(m) => t.shop_message(m.number, &m.text),
        _ => return None,
    };
    Some((chat, text))
}

/// A paid order that ended cancelled or rejected: the customer hears that
/// they are refunded.
fn refund_note(t: &dyn Texts, o: &OrderSnapshot, text: String) -> String {
    match &o.payment {
        Some(p) if matches!(o.status, OrderStatus::Cancelled | OrderStatus::Rejected) => {
            format!("{text}\n{}", t.refund_due(p.money()))
        }
        _ => text,
    }
}

/// A refused new order: its basket goes back to the customer (`user`, whose
/// private chat has the same id), under the session's lock so an update
/// being handled meanwhile is not overwritten. Returns the sentence that
/// says so, with the button that adds a basket kept aside to the cart, or
/// `None` if this bot did not send that order (or forgot it). Doing it
/// twice does it once ([`conversation::refused`]).
async fn cart_back(
    app: &App,
    t: &dyn Texts,
    user: i64,
    checkout: uuid::Uuid,
) -> Option<(String, Option<InlineKeyboardMarkup>)> {
    let (back, lines) = {
        let _held = app.store.lock(user).await;
        let mut session = app
            .store
            .load(user)
            .await
            .map_err(|e| tracing::error!(error = format!("{e:#}"), user, "cannot read the session of a customer whose order was refused; the basket is not given back"))
            .ok()?;
        let back = conversation::refused(&mut session, checkout)?;
        if let Err(e) = app.store.save(user, &session).await {
            tracing::error!(
                error = format!("{e:#}"),
                user,
                "cannot save the basket given back after a refusal"
            );
        }
        back
    };
    let catalog = match back {
        CartBack::Restored => None,
        CartBack::Kept => app.catalog().await.ok(),
    };
    let lines: Vec<String> = lines
        .iter()
        .map(|l| {
            let name = catalog
                .as_ref()
                .and_then(|c| c.items.iter().find(|i| i.sku == l.sku))
                .map_or_else(|| l.sku.to_string(), CatalogItem::display_name);
            texts::line(l.qty, &name)
        })
        .collect();
    tracing::info!(
        user,
        ?back,
        "a refused order's cart went back to the customer"
    );
    let button = (back == CartBack::Kept).then(|| {
        crate::bot::inline(&[vec![(t.btn_cart_back(), Button::CartBack(checkout).data())]])
    });
    Some((t.cart_back(back, &lines), button))
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
            ack_wait: chatorder_bus::feed::ACK_WAIT,
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
        recipient,
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
    let Some(chat) = recipient(&env) else {
        return Settle::Ack;
    };
    // In the language the customer last wrote to the bot in, kept in their
    // session (English once it has expired).
    let lang = match app.store.load(chat).await {
        Ok(session) => session.lang,
        Err(e) => {
            tracing::warn!(
                error = format!("{e:#}"),
                "cannot read the customer's session for their language; trying again"
            );
            return Settle::Retry(Duration::from_secs(2));
        }
    };
    let t = texts::of(lang);
    let Some((chat, text)) = notification(&env, app.settings.shop.time_zone, t) else {
        return Settle::Ack;
    };
    if cancel.is_cancelled() {
        // Stopping: the next bot sends it, without a mark to wait for.
        return Settle::Retry(Duration::from_secs(1));
    }
    let (text, button) = match &env.data {
        Event::Rejected(r) if r.command_type == CommandKind::Place.envelope_type() => {
            match cart_back(app, t, chat, r.command_id).await {
                Some((back, button)) => (format!("{text}\n\n{back}"), button),
                None => (text, None),
            }
        }
        _ => (text, None),
    };
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
    let markup = button.map(ReplyMarkup::InlineKeyboard);
    let Err(e) = bot.send(ChatId(chat), text, markup).await else {
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
