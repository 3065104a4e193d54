//! The teloxide shell: turns updates into conversation inputs, performs the
//! actions, sends the replies. Updates of one chat are handled in order.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chatorder_shared::commands::{
    CancelOrder, PlaceOrder, RegisterCustomer, SendMessage, UpdateOrder,
};
use chatorder_shared::config::Settings;
use chatorder_shared::domain::{Actor, Currency, Fulfilment, Platform, Role};
use chatorder_shared::events::{CatalogItem, OrderSnapshot};
use chatorder_shared::payment::Payment;
use chatorder_shared::queries::{Catalog, CustomerOrders, GetOrder, ListCatalog, OrderPage};
use chatorder_shared::subjects::{CommandKind, QueryKind};
use secrecy::ExposeSecret as _;
use teloxide::prelude::*;
use teloxide::types::{
    BotCommand, ButtonRequest, InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton,
    KeyboardMarkup, KeyboardRemove, LabeledPrice, MessageId, PreCheckoutQuery, ReplyMarkup,
};
use tokio::sync::RwLock;
use uuid::Uuid;

use crate::conversation::{self, Action, Input, Keyboard, Reply, Session, Shop};
use crate::inbox::Inbox;
use crate::parse::Matcher;
use crate::receipts::Receipts;
use crate::store::Store;
use crate::texts as t;
use crate::workers::{Unanswered, Workers};

use crate::client::Bill;
pub use crate::client::TgBot;
type HandlerResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// How long a fetched catalog is used before asking again.
const CATALOG_TTL: Duration = Duration::from_secs(60);

struct CachedCatalog {
    items: Vec<CatalogItem>,
    matcher: Matcher,
    fetched: Instant,
}

pub struct App {
    pub settings: Arc<Settings>,
    pub workers: Workers,
    pub store: Store,
    pub receipts: Receipts,
    /// Updates taken and not yet handled ([`crate::inbox`]).
    pub inbox: Arc<Inbox>,
    catalog: RwLock<Option<Arc<CachedCatalog>>>,
    flood: crate::flood::FloodGate,
}

impl App {
    pub fn new(
        settings: Arc<Settings>,
        workers: Workers,
        store: Store,
        receipts: Receipts,
        inbox: Arc<Inbox>,
    ) -> Self {
        let flood = crate::flood::FloodGate::new(
            settings.telegram.flood_burst,
            settings.telegram.flood_per_second,
        );
        Self {
            settings,
            workers,
            store,
            receipts,
            inbox,
            catalog: RwLock::new(None),
            flood,
        }
    }

    fn shop<'a>(&'a self, catalog: &'a CachedCatalog) -> Shop<'a> {
        Shop {
            name: &self.settings.shop.name,
            currency: self.settings.shop.currency,
            catalog: &catalog.items,
            matcher: &catalog.matcher,
            payments: self.settings.telegram.payment_provider_token.is_some(),
        }
    }

    /// Forgets the catalog so the next message fetches it again.
    pub async fn catalog_changed(&self) {
        *self.catalog.write().await = None;
    }

    async fn catalog(&self) -> Result<Arc<CachedCatalog>, Unanswered> {
        if let Some(c) = self.catalog.read().await.as_ref()
            && c.fetched.elapsed() < CATALOG_TTL
        {
            return Ok(c.clone());
        }
        let catalog: Catalog = self
            .workers
            .query(QueryKind::Catalog, &ListCatalog {})
            .await?;
        let fresh = Arc::new(CachedCatalog {
            matcher: Matcher::new(&catalog.items),
            items: catalog.items,
            fetched: Instant::now(),
        });
        *self.catalog.write().await = Some(fresh.clone());
        Ok(fresh)
    }
}

fn actor(user: &teloxide::types::User) -> Actor {
    Actor {
        role: Role::Customer,
        platform: Platform::Telegram,
        id: user.id.0.to_string(),
        name: Some(user.first_name.chars().take(Actor::MAX_NAME_LEN).collect()),
        roles: vec![],
    }
}

fn user_key(user: &teloxide::types::User) -> i64 {
    i64::try_from(user.id.0).unwrap_or(i64::MAX)
}

/// The update handler tree.
pub fn schema()
-> teloxide::dispatching::UpdateHandler<Box<dyn std::error::Error + Send + Sync + 'static>> {
    dptree::entry()
        .branch(Update::filter_message().endpoint(on_message))
        .branch(Update::filter_callback_query().endpoint(on_callback))
        .branch(Update::filter_pre_checkout_query().endpoint(on_pre_checkout))
}

async fn on_pre_checkout(
    bot: TgBot,
    q: PreCheckoutQuery,
    app: Arc<App>,
    update: Update,
) -> HandlerResult {
    pre_checkout(&bot, q, &app).await;
    app.inbox.done(update.id.0).await;
    Ok(())
}

/// Telegram asks whether a bill may be paid; it must hear back within 10 s,
/// so this checks only what is at hand: the session, the (cached) catalog
/// and the opening hours. A pause, or a price changed since, is caught by
/// the order worker, whose refusal tells the owners to refund.
#[tracing::instrument(skip_all, fields(user = q.from.id.0))]
async fn pre_checkout(bot: &TgBot, q: PreCheckoutQuery, app: &App) {
    let started = std::time::Instant::now();
    let verdict = match app.catalog().await {
        Err(e) => {
            tracing::warn!(error = %e, "no catalog to check a bill against");
            Err(t::pay_unreachable())
        }
        Ok(catalog) if app.settings.telegram.payment_provider_token.is_some() => {
            let shop = app.shop(&catalog);
            let session = app.store.load(user_key(&q.from)).await;
            let asked = conversation::PreCheckout {
                payload: q.invoice_payload.clone(),
                currency: q.currency.clone(),
                total_minor: i64::from(q.total_amount),
            };
            let open = app.settings.shop.schedule().is_open(chrono::Utc::now());
            conversation::pre_checkout(&session, &shop, &asked, open)
        }
        Ok(_) => Err(t::pay_stale()),
    };
    tracing::info!(ok = verdict.is_ok(), "answering a pre-checkout question");
    if let Err(e) = bot.answer_pre_checkout(q.id, verdict).await {
        crate::metrics::api_error("answer_pre_checkout");
        tracing::warn!(error = %e, "answering a pre-checkout question failed");
    }
    crate::metrics::update("pre_checkout", started.elapsed().as_secs_f64());
}

async fn on_message(bot: TgBot, msg: Message, app: Arc<App>, update: Update) -> HandlerResult {
    let handled = message(&bot, msg, &app, update.id.0).await;
    app.inbox.done(update.id.0).await;
    handled
}

async fn message(bot: &TgBot, msg: Message, app: &App, update: u32) -> HandlerResult {
    let Some(user) = msg.from.clone() else {
        return Ok(());
    };
    if !msg.chat.is_private() {
        return Ok(());
    }
    let input = if let Some(paid) = msg.successful_payment() {
        match Currency::parse(&paid.currency) {
            Ok(currency) => Input::Paid(conversation::Paid {
                payload: paid.invoice_payload.clone(),
                payment: Payment {
                    total_minor: i64::from(paid.total_amount),
                    currency,
                    telegram_payment_charge_id: paid.telegram_payment_charge_id.0.clone(),
                    provider_payment_charge_id: paid.provider_payment_charge_id.clone(),
                },
            }),
            Err(_) => {
                // Never for a bill of ours (Telegram echoes its currency).
                tracing::error!(
                    charge = %paid.telegram_payment_charge_id,
                    "a payment in an unknown currency; it needs a refund by hand"
                );
                Input::Other
            }
        }
    } else if let Some(text) = msg.text() {
        Input::Text(text.to_owned())
    } else if let Some(contact) = msg.contact() {
        // Only the customer's own number counts.
        if contact.user_id == Some(user.id) {
            Input::Contact(contact.phone_number.chars().take(32).collect())
        } else {
            Input::Other
        }
    } else {
        Input::Other
    };
    step(bot, app, &user, msg.chat.id, None, (update, input)).await
}

async fn on_callback(bot: TgBot, q: CallbackQuery, app: Arc<App>, update: Update) -> HandlerResult {
    let handled = callback(&bot, q, &app, update.id.0).await;
    app.inbox.done(update.id.0).await;
    handled
}

async fn callback(bot: &TgBot, q: CallbackQuery, app: &App, update: u32) -> HandlerResult {
    // Always answer, or the customer's client keeps spinning.
    if let Err(e) = bot.answer(q.id.clone()).await {
        crate::metrics::api_error("answer");
        tracing::warn!(error = %e, "answering a callback query failed");
    }
    let chat = q
        .message
        .as_ref()
        .map_or(ChatId(user_key(&q.from)), |m| m.chat().id);
    if chat.0 != user_key(&q.from) {
        // Buttons live in the customer's private chat only.
        return Ok(());
    }
    let message_id = q.message.as_ref().map(|m| m.id());
    let data = q.data.clone().unwrap_or_default();
    step(
        bot,
        app,
        &q.from,
        chat,
        message_id,
        (update, Input::Button(data)),
    )
    .await
}

#[tracing::instrument(skip_all, fields(chat = chat.0))]
async fn step(
    bot: &TgBot,
    app: &App,
    user: &teloxide::types::User,
    chat: ChatId,
    pressed: Option<MessageId>,
    (update, input): (u32, Input),
) -> HandlerResult {
    if let crate::flood::Verdict::Wait { wait, notify } =
        app.flood.check(user_key(user), std::time::Instant::now())
    {
        crate::metrics::flood_delayed();
        if notify {
            send(bot, chat, None, Reply::text(t::slow_down())).await;
        }
        tokio::time::sleep(wait).await;
    }
    let catalog = match app.catalog().await {
        Ok(c) => c,
        Err(e) => {
            send(bot, chat, None, Reply::text(e.to_string())).await;
            return Ok(());
        }
    };
    let shop = app.shop(&catalog);
    let started = std::time::Instant::now();
    let kind = match &input {
        Input::Text(_) => "text",
        Input::Button(_) => "button",
        Input::Contact(_) => "contact",
        Input::Paid(_) => "payment",
        Input::Other => "other",
    };
    let key = user_key(user);
    let mut session = app.store.load(key).await;
    tracing::debug!(update, kind, "handling an update");
    if !session.take_update(update) {
        // Telegram sent it again: a bot killed after handling it, before
        // confirming it. Its effect is in the session already.
        crate::metrics::update("repeat", started.elapsed().as_secs_f64());
        tracing::info!(update, "an update handled before came again; ignored");
        return Ok(());
    }
    let turn = conversation::handle(&mut session, input, &shop, &user.first_name);
    deliver(bot, chat, pressed, turn.replies).await;
    for action in turn.actions {
        let replies = perform(app, (bot, chat), &mut session, user, action, &shop).await;
        deliver(bot, chat, None, replies).await;
    }
    app.store.save(key, &session).await;
    crate::metrics::update(kind, started.elapsed().as_secs_f64());
    Ok(())
}

async fn deliver(bot: &TgBot, chat: ChatId, pressed: Option<MessageId>, replies: Vec<Reply>) {
    for reply in replies {
        send(bot, chat, pressed, reply).await;
    }
}

fn inline(rows: &[Vec<(String, String)>]) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(rows.iter().map(|row| {
        row.iter()
            .map(|(label, data)| InlineKeyboardButton::callback(label.clone(), data.clone()))
            .collect::<Vec<_>>()
    }))
}

/// Sends a reply, or edits the pressed message when the reply asks to.
async fn send(bot: &TgBot, chat: ChatId, pressed: Option<MessageId>, reply: Reply) {
    let text: String = reply.text.chars().take(4000).collect();
    let edit = reply.edit && pressed.is_some();
    let result = match (reply.edit, pressed, reply.keyboard) {
        (true, Some(id), Keyboard::Inline(rows)) => {
            bot.edit(chat, id, text, Some(inline(&rows))).await
        }
        (true, Some(id), Keyboard::None) => bot.edit(chat, id, text, None).await,
        (_, _, Keyboard::Inline(rows)) => {
            bot.send(chat, text, Some(ReplyMarkup::InlineKeyboard(inline(&rows))))
                .await
        }
        (_, _, Keyboard::RequestContact) => {
            let keyboard = KeyboardMarkup::new([[
                KeyboardButton::new(t::BTN_SHARE_PHONE).request(ButtonRequest::Contact)
            ]])
            .one_time_keyboard()
            .resize_keyboard();
            bot.send(chat, text, Some(ReplyMarkup::Keyboard(keyboard)))
                .await
        }
        (_, _, Keyboard::None) => {
            bot.send(
                chat,
                text,
                Some(ReplyMarkup::KeyboardRemove(KeyboardRemove::new())),
            )
            .await
        }
    };
    if let Err(e) = result {
        crate::metrics::api_error(if edit { "edit" } else { "send" });
        tracing::warn!(error = %e, chat = chat.0, "sending a message to Telegram failed");
    }
}

async fn perform(
    app: &App,
    (bot, chat): (&TgBot, ChatId),
    session: &mut Session,
    user: &teloxide::types::User,
    action: Action,
    shop: &Shop<'_>,
) -> Vec<Reply> {
    let who = actor(user);
    let say = |text: String| vec![Reply::text(text)];
    match action {
        Action::Place { id, order } => {
            let paid = order.payment.is_some();
            // A paid order was counted when its bill was sent.
            if !paid && let Some(refusal) = over_limit(app, user).await {
                return say(refusal);
            }
            let replies = send_checkout(app, session, &who, CommandKind::Place, id, order).await;
            if paid && !replies.is_empty() {
                tracing::error!(checkout = %id, "a paid order could not be sent to the shop");
                return say(t::paid_unreachable());
            }
            replies
        }
        Action::Invoice {
            id,
            order,
            total_minor,
        } => {
            if let Some(refusal) = over_limit(app, user).await {
                return say(refusal);
            }
            send_bill(app, bot, chat, id, &order, total_minor, shop).await
        }
        Action::Register => {
            let cmd = RegisterCustomer {
                phone: session.phone.clone(),
            };
            if let Err(e) = app
                .workers
                .commands
                .send(CommandKind::Register, &who, Uuid::now_v7(), cmd)
                .await
            {
                tracing::warn!(error = %e, "could not register the customer; their first order will");
            }
            Vec::new()
        }
        Action::Update { id, number, lines } => {
            let cmd = UpdateOrder {
                number,
                lines,
                note: None,
                expected_version: None,
            };
            send_checkout(app, session, &who, CommandKind::Update, id, cmd).await
        }
        Action::Edit(number) => {
            let got: Result<OrderSnapshot, Unanswered> = app
                .workers
                .query(QueryKind::Get, &GetOrder { actor: who, number })
                .await;
            match got {
                Ok(order) => vec![conversation::edit_order(session, &order)],
                Err(e) => say(e.to_string()),
            }
        }
        Action::Cancel(number) => {
            let cmd = CancelOrder {
                number,
                reason: None,
                expected_version: None,
            };
            match app
                .workers
                .commands
                .send(CommandKind::Cancel, &who, Uuid::now_v7(), cmd)
                .await
            {
                Ok(()) => Vec::new(),
                Err(_) => say(t::shop_unreachable()),
            }
        }
        Action::Message(number, text) => {
            let cmd = SendMessage { number, text };
            match app
                .workers
                .commands
                .send(CommandKind::Message, &who, Uuid::now_v7(), cmd)
                .await
            {
                Ok(()) => say(t::message_sent(number)),
                Err(_) => say(t::shop_unreachable()),
            }
        }
        Action::ShowOrders => {
            let page: Result<OrderPage, Unanswered> = app
                .workers
                .query(
                    QueryKind::Customer,
                    &CustomerOrders {
                        actor: who,
                        limit: 10,
                    },
                )
                .await;
            match page {
                Ok(page) => vec![conversation::order_list(&page.orders)],
                Err(e) => say(e.to_string()),
            }
        }
        Action::ShowStatus(number) => {
            let got: Result<OrderSnapshot, Unanswered> = app
                .workers
                .query(QueryKind::Get, &GetOrder { actor: who, number })
                .await;
            say(got.map_or_else(|e| e.to_string(), |o| t::order_details(&o)))
        }
        Action::Reorder(number) => {
            let got: Result<OrderSnapshot, Unanswered> = app
                .workers
                .query(QueryKind::Get, &GetOrder { actor: who, number })
                .await;
            match got {
                Ok(order) => conversation::order_again(session, &order, shop),
                Err(e) => say(e.to_string()),
            }
        }
    }
}

/// The friendly refusal once a customer has ordered too often this hour.
async fn over_limit(app: &App, user: &teloxide::types::User) -> Option<String> {
    let limit = app.settings.telegram.max_orders_per_hour;
    app.store
        .count_order(user_key(user))
        .await
        .filter(|n| *n > u64::from(limit))
        .map(|_| t::too_many_orders(limit))
}

/// Sends the bill of checkout `id` (payment in chat).
async fn send_bill(
    app: &App,
    bot: &TgBot,
    chat: ChatId,
    id: Uuid,
    order: &PlaceOrder,
    total_minor: i64,
    shop: &Shop<'_>,
) -> Vec<Reply> {
    let Some(token) = app.settings.telegram.payment_provider_token.as_ref() else {
        return vec![Reply::text(t::invoice_failed())];
    };
    let Some(prices) = conversation::prices(order, shop)
        .filter(|p| p.iter().map(|(_, a)| i64::from(*a)).sum::<i64>() == total_minor)
    else {
        return vec![Reply::text(t::invoice_too_large())];
    };
    let place = match &order.fulfilment {
        Fulfilment::Pickup => t::pickup(),
        Fulfilment::Delivery { address } => t::delivery_to(address),
    };
    let bill = Bill {
        title: t::invoice_title(shop.name),
        description: t::invoice_description(order.lines.len(), &place)
            .chars()
            .take(255)
            .collect(),
        payload: conversation::payload(id),
        currency: shop.currency.as_str().to_owned(),
        prices: prices
            .into_iter()
            .map(|(label, amount)| LabeledPrice::new(label, amount))
            .collect(),
        provider_token: token.expose_secret().to_owned(),
    };
    match bot.invoice(chat, bill).await {
        Ok(()) => Vec::new(),
        Err(e) => {
            crate::metrics::api_error("invoice");
            tracing::warn!(error = %e, "sending an invoice failed");
            vec![Reply::text(t::invoice_failed())]
        }
    }
}

/// Sends the command a checkout ends in (`id` is the checkout id); once
/// JetStream has stored it the cart is spent.
async fn send_checkout<T: serde::Serialize>(
    app: &App,
    session: &mut Session,
    who: &Actor,
    kind: CommandKind,
    id: Uuid,
    command: T,
) -> Vec<Reply> {
    match app.workers.commands.send(kind, who, id, command).await {
        Ok(()) => {
            conversation::placed(session, id);
            Vec::new()
        }
        Err(e) => {
            let what = if kind == CommandKind::Update {
                "an update"
            } else {
                "a place"
            };
            tracing::warn!(error = %e, "could not publish {what} command");
            vec![Reply::text(t::shop_unreachable())]
        }
    }
}

/// Registers the command list shown in Telegram's menu.
pub async fn register_commands(bot: &TgBot) {
    let commands = [
        ("menu", "Browse the menu"),
        ("cart", "Your cart"),
        ("checkout", "Order what's in your cart"),
        ("orders", "Your recent orders"),
        ("status", "Where is my order? /status 1042"),
        ("cancel", "Cancel a pending order: /cancel 1042"),
        ("edit", "Change a pending order: /edit 1042"),
        ("msg", "Message the shop: /msg 1042 text"),
        ("help", "What I can do"),
    ]
    .map(|(c, d)| BotCommand::new(c, d));
    if let Err(e) = bot.set_commands(commands.to_vec()).await {
        tracing::warn!(error = %e, "could not register bot commands");
    }
}
