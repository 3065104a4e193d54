//! The teloxide shell: turns updates into conversation inputs, performs the
//! actions, sends the replies. Updates of one chat are handled in order.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chatorder_shared::commands::{
    CancelOrder, LineRequest, PlaceOrder, RegisterCustomer, SendMessage, UpdateOrder,
};
use chatorder_shared::config::Settings;
use chatorder_shared::domain::{Actor, Currency, Fulfilment, Platform, Role};
use chatorder_shared::events::{CatalogItem, OrderSnapshot};
use chatorder_shared::payment::Payment;
use chatorder_shared::queries::{
    Catalog, CustomerOrders, GetOrder, ListCatalog, OrderPage, PromoQuote, QuotePromo,
};
use chatorder_shared::subjects::{CommandKind, QueryKind};
use secrecy::ExposeSecret as _;
use teloxide::prelude::*;
use teloxide::types::{
    BotCommand, ButtonRequest, InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton,
    KeyboardMarkup, KeyboardRemove, LabeledPrice, MessageId, PreCheckoutQuery, ReplyMarkup,
};
use tokio::sync::RwLock;
use uuid::Uuid;

use crate::conversation::{self, Action, Closed, Input, Keyboard, Reply, Session, Shop};
use crate::inbox::Inbox;
use crate::parse::Matcher;
use crate::receipts::Receipts;
use crate::store::Store;
use crate::texts::{Lang, Texts};
use crate::workers::{Unanswered, Workers};

use crate::client::Bill;
pub use crate::client::TgBot;
type HandlerResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// How long a fetched catalog is used before asking again.
const CATALOG_TTL: Duration = Duration::from_secs(60);

pub(crate) struct CachedCatalog {
    pub(crate) items: Vec<CatalogItem>,
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
    /// The shop's hours, read once from the settings.
    schedule: chatorder_shared::hours::Schedule,
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
            workers,
            store,
            receipts,
            inbox,
            catalog: RwLock::new(None),
            flood,
            schedule: settings.shop.schedule(),
            settings,
        }
    }

    /// While the shop's hours keep it closed: when it opens (the worker
    /// enforces; this only warns, in the worker's words).
    fn closed_now(&self) -> Option<Closed> {
        let now = chrono::Utc::now();
        let opens_at = self.schedule.next_open(now);
        (opens_at != Some(now)).then(|| Closed {
            now,
            opens_at,
            slots: self.schedule.offered_times(now),
        })
    }

    fn shop<'a>(&'a self, catalog: &'a CachedCatalog) -> Shop<'a> {
        Shop {
            name: &self.settings.shop.name,
            currency: self.settings.shop.currency,
            catalog: &catalog.items,
            matcher: &catalog.matcher,
            time_zone: self.settings.shop.time_zone,
            closed: self.closed_now(),
            payments: self.settings.telegram.payment_provider_token.is_some(),
        }
    }

    /// Forgets the catalog so the next message fetches it again.
    pub async fn catalog_changed(&self) {
        *self.catalog.write().await = None;
    }

    /// The catalog, fetched at most every [`CATALOG_TTL`].
    pub(crate) async fn catalog(&self) -> Result<Arc<CachedCatalog>, Unanswered> {
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
/// and the opening hours. A pause, a price changed since, or a promo code
/// that ran out meanwhile is caught by the order worker, whose refusal
/// tells the owners to refund.
#[tracing::instrument(skip_all, fields(user = q.from.id.0))]
async fn pre_checkout(bot: &TgBot, q: PreCheckoutQuery, app: &App) {
    let started = std::time::Instant::now();
    let lang = Lang::from_tag(q.from.language_code.as_deref().unwrap_or_default());
    let t = crate::texts::of(lang);
    let verdict = match app.catalog().await {
        Err(e) => {
            tracing::warn!(error = %e, "no catalog to check a bill against");
            Err(t.pay_unreachable())
        }
        Ok(catalog) if app.settings.telegram.payment_provider_token.is_some() => {
            // Under the session's lock: the update that sent the bill saves
            // the session (with the bill in it) after sending it, and a
            // customer quick to pay must not be told the bill is gone.
            let _held = app.store.lock(user_key(&q.from)).await;
            match app.store.load(user_key(&q.from)).await {
                Ok(session) => {
                    let shop = app.shop(&catalog);
                    let asked = conversation::PreCheckout {
                        payload: q.invoice_payload.clone(),
                        currency: q.currency.clone(),
                        total_minor: i64::from(q.total_amount),
                    };
                    let now = chrono::Utc::now();
                    let takes = |at: Option<chrono::DateTime<chrono::Utc>>| match at {
                        Some(at) => app.schedule.check_scheduled(at, now).is_ok(),
                        None => app.schedule.is_open(now),
                    };
                    conversation::pre_checkout(&session, &shop, &asked, takes)
                }
                Err(e) => {
                    tracing::warn!(
                        error = format!("{e:#}"),
                        "no session to check a bill against"
                    );
                    Err(t.pay_unreachable())
                }
            }
        }
        Ok(_) => Err(t.pay_stale()),
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
    // The customer's language follows their Telegram client's, on every update.
    let lang = Lang::from_tag(user.language_code.as_deref().unwrap_or_default());
    let t = crate::texts::of(lang);
    if let crate::flood::Verdict::Wait { wait, notify } =
        app.flood.check(user_key(user), std::time::Instant::now())
    {
        crate::metrics::flood_delayed();
        if notify {
            send(bot, chat, None, Reply::text(t.slow_down()), t).await;
        }
        tokio::time::sleep(wait).await;
    }
    let catalog = match app.catalog().await {
        Ok(c) => c,
        Err(e) => {
            send(bot, chat, None, Reply::text(e.say(t)), t).await;
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
    // Held until the session is saved: the notifier may put a refused
    // order's cart back meanwhile ([`crate::notify`]).
    let _held = app.store.lock(key).await;
    let mut session = match app.store.load(key).await {
        Ok(session) => session,
        Err(e) => {
            // Nothing was done: the customer tries again.
            tracing::error!(
                error = format!("{e:#}"),
                update,
                "cannot read the customer's session"
            );
            send(bot, chat, None, Reply::text(t.shop_unreachable()), t).await;
            return Ok(());
        }
    };
    session.lang = lang;
    tracing::debug!(update, kind, "handling an update");
    if !session.take_update(update) {
        // Telegram sent it again: a bot killed after handling it, before
        // confirming it. Its effect is in the session already.
        crate::metrics::update("repeat", started.elapsed().as_secs_f64());
        tracing::info!(update, "an update handled before came again; ignored");
        return Ok(());
    }
    let turn = conversation::handle(&mut session, input, &shop, &user.first_name);
    deliver(bot, chat, pressed, turn.replies, t).await;
    for action in turn.actions {
        let replies = perform(app, (bot, chat), &mut session, user, action, &shop).await;
        deliver(bot, chat, None, replies, t).await;
    }
    if let Err(e) = app.store.save(key, &session).await {
        // The replies are out; handling the update again later could apply
        // it twice on top of what the customer does meanwhile, so it is not.
        tracing::error!(
            error = format!("{e:#}"),
            update,
            "the customer's session could not be saved; this update's change to it is lost"
        );
    }
    crate::metrics::update(kind, started.elapsed().as_secs_f64());
    Ok(())
}

async fn deliver(
    bot: &TgBot,
    chat: ChatId,
    pressed: Option<MessageId>,
    replies: Vec<Reply>,
    t: &dyn Texts,
) {
    for reply in replies {
        send(bot, chat, pressed, reply, t).await;
    }
}

pub(crate) fn inline(rows: &[Vec<(String, String)>]) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(rows.iter().map(|row| {
        row.iter()
            .map(|(label, data)| InlineKeyboardButton::callback(label.clone(), data.clone()))
            .collect::<Vec<_>>()
    }))
}

/// Sends a reply, or edits the pressed message when the reply asks to.
async fn send(bot: &TgBot, chat: ChatId, pressed: Option<MessageId>, reply: Reply, t: &dyn Texts) {
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
                KeyboardButton::new(t.btn_share_phone()).request(ButtonRequest::Contact)
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
    let t = session.texts();
    let say = |text: String| vec![Reply::text(text)];
    match action {
        Action::Place { id, order } => {
            let paid = order.payment.is_some();
            // A paid order was counted when its bill was sent.
            if !paid && let Some(refusal) = over_limit(app, user, t).await {
                return say(refusal);
            }
            let basket = order.lines.clone();
            let new_order = Some(&basket[..]);
            let replies =
                send_checkout(app, session, &who, CommandKind::Place, new_order, id, order).await;
            if paid && !replies.is_empty() {
                tracing::error!(checkout = %id, "a paid order could not be sent to the shop");
                return say(t.paid_unreachable());
            }
            replies
        }
        Action::Invoice { id, order } => {
            if let Some(refusal) = over_limit(app, user, t).await {
                session.invoice = None;
                return say(refusal);
            }
            bill(app, (bot, chat), session, &who, id, order, shop).await
        }
        Action::Register => {
            let cmd = RegisterCustomer {
                phone: session.phone.clone(),
            };
            if let Err(e) = app
                .workers
                .commands
                .send(
                    CommandKind::Register,
                    &who,
                    session.fresh_id("register"),
                    cmd,
                )
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
            send_checkout(app, session, &who, CommandKind::Update, None, id, cmd).await
        }
        Action::Edit(number) => {
            let got: Result<OrderSnapshot, Unanswered> = app
                .workers
                .query(QueryKind::Get, &GetOrder { actor: who, number })
                .await;
            match got {
                Ok(order) => vec![conversation::edit_order(session, &order)],
                Err(e) => say(e.say(t)),
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
                .send(CommandKind::Cancel, &who, session.fresh_id("cancel"), cmd)
                .await
            {
                Ok(()) => Vec::new(),
                Err(_) => say(t.shop_unreachable()),
            }
        }
        Action::Message(number, text) => {
            let cmd = SendMessage { number, text };
            match app
                .workers
                .commands
                .send(CommandKind::Message, &who, session.fresh_id("message"), cmd)
                .await
            {
                Ok(()) => say(t.message_sent(number)),
                Err(_) => say(t.shop_unreachable()),
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
                Ok(page) => vec![conversation::order_list(&page.orders, t, shop.time_zone)],
                Err(e) => say(e.say(t)),
            }
        }
        Action::ShowStatus(number) => {
            let got: Result<OrderSnapshot, Unanswered> = app
                .workers
                .query(QueryKind::Get, &GetOrder { actor: who, number })
                .await;
            say(got.map_or_else(|e| e.say(t), |o| t.order_details(&o)))
        }
        Action::Reorder(number) => {
            let got: Result<OrderSnapshot, Unanswered> = app
                .workers
                .query(QueryKind::Get, &GetOrder { actor: who, number })
                .await;
            match got {
                Ok(order) => conversation::order_again(session, &order, shop),
                Err(e) => say(e.say(t)),
            }
        }
    }
}

/// The friendly refusal once a customer has ordered too often this hour.
async fn over_limit(app: &App, user: &teloxide::types::User, t: &dyn Texts) -> Option<String> {
    let limit = app.settings.telegram.max_orders_per_hour;
    app.store
        .count_order(user_key(user))
        .await
        .filter(|n| *n > u64::from(limit))
        .map(|_| t.too_many_orders(limit))
}

/// Confirm with payments on: works out what the bill of checkout `id`
/// asks (the lines at the catalog's prices, less what the order's promo
/// code takes off, as the order worker quotes it now), notes it in the
/// session's open bill and sends it. An order with nothing left to pay
/// is placed as it is.
async fn bill(
    app: &App,
    (bot, chat): (&TgBot, ChatId),
    session: &mut Session,
    who: &Actor,
    id: Uuid,
    order: PlaceOrder,
    shop: &Shop<'_>,
) -> Vec<Reply> {
    let t = session.texts();
    let say = |text: String| vec![Reply::text(text)];
    let Some(subtotal_minor) = session
        .invoice
        .as_ref()
        .filter(|i| i.checkout == id)
        .map(|i| i.subtotal_minor)
    else {
        return say(t.invoice_failed());
    };
    let discount_minor = match &order.promo {
        None => 0,
        Some(code) => {
            let asked = QuotePromo {
                actor: who.clone(),
                lines: order.lines.clone(),
                promo: code.clone(),
            };
            let quoted: Result<PromoQuote, Unanswered> =
                app.workers.query(QueryKind::Quote, &asked).await;
            match quoted {
                Ok(q) if q.subtotal_minor != subtotal_minor => {
                    // The worker's prices are newer than this bot's.
                    session.invoice = None;
                    app.catalog_changed().await;
                    return say(t.pay_price_changed());
                }
                Ok(PromoQuote {
                    problem: Some(why), ..
                }) => {
                    session.invoice = None;
                    return say(t.promo_refused(code, &why));
                }
                Ok(q) => q.discount_minor,
                Err(e) => {
                    session.invoice = None;
                    return say(e.say(t));
                }
            }
        }
    };
    let total_minor = subtotal_minor - discount_minor;
    if total_minor <= 0 {
        // The promo code took it all: nothing to pay, so no bill.
        session.invoice = None;
        let basket = order.lines.clone();
        let new_order = Some(&basket[..]);
        let mut out = say(t.nothing_to_pay());
        out.extend(
            send_checkout(app, session, who, CommandKind::Place, new_order, id, order).await,
        );
        return out;
    }
    let Some(invoice) = session.invoice.as_mut() else {
        return say(t.invoice_failed());
    };
    invoice.discount_minor = discount_minor;
    invoice.total_minor = total_minor;
    let invoice = invoice.clone();
    // Now, and only now, the bill is coming: say so just before it.
    send(bot, chat, None, Reply::text(t.invoice_sent()), t).await;
    let replies = send_bill(app, bot, chat, &invoice, shop, t).await;
    if !replies.is_empty() {
        // Not sent: no bill is open.
        session.invoice = None;
    }
    replies
}

/// Sends `invoice` (payment in chat).
async fn send_bill(
    app: &App,
    bot: &TgBot,
    chat: ChatId,
    invoice: &conversation::Invoice,
    shop: &Shop<'_>,
    t: &dyn Texts,
) -> Vec<Reply> {
    let Some(token) = app.settings.telegram.payment_provider_token.as_ref() else {
        return vec![Reply::text(t.invoice_failed())];
    };
    let Some(prices) = conversation::prices(invoice, shop, t) else {
        return vec![Reply::text(t.invoice_too_large())];
    };
    let order = &invoice.order;
    let place = match &order.fulfilment {
        Fulfilment::Pickup => t.pickup(),
        Fulfilment::Delivery { address } => t.delivery_to(address),
    };
    let bill = Bill {
        title: t.invoice_title(shop.name),
        description: t
            .invoice_description(order.lines.len(), &place)
            .chars()
            .take(255)
            .collect(),
        payload: conversation::payload(invoice.checkout),
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
            vec![Reply::text(t.invoice_failed())]
        }
    }
}

/// Sends the command a checkout ends in (`id` is the checkout id,
/// `new_order` a place command's lines); once JetStream has stored it the
/// cart is spent ([`conversation::placed`]).
async fn send_checkout<T: serde::Serialize>(
    app: &App,
    session: &mut Session,
    who: &Actor,
    kind: CommandKind,
    new_order: Option<&[LineRequest]>,
    id: Uuid,
    command: T,
) -> Vec<Reply> {
    match app.workers.commands.send(kind, who, id, command).await {
        Ok(()) => {
            conversation::placed(session, id, new_order);
            Vec::new()
        }
        Err(e) => {
            let what = if kind == CommandKind::Update {
                "an update"
            } else {
                "a place"
            };
            tracing::warn!(error = %e, "could not publish {what} command");
            vec![Reply::text(session.texts().shop_unreachable())]
        }
    }
}

/// Registers the command list shown in Telegram's menu: English for every
/// client, and each other language for clients in it.
pub async fn register_commands(bot: &TgBot) {
    for lang in Lang::ALL {
        let commands = crate::texts::of(lang)
            .commands()
            .map(|(c, d)| BotCommand::new(c, d));
        let language = (lang != Lang::En).then(|| lang.code());
        if let Err(e) = bot.set_commands(commands.to_vec(), language).await {
            tracing::warn!(error = %e, lang = lang.code(), "could not register bot commands");
        }
    }
}
