//! The teloxide shell: turns updates into conversation inputs, performs the
//! actions, sends the replies. Updates of one chat are handled in order.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chatorder_shared::commands::{
    CancelOrder, LineRequest, RegisterCustomer, SendMessage, UpdateOrder,
};
use chatorder_shared::config::Settings;
use chatorder_shared::domain::{Actor, Platform, Role};
use chatorder_shared::events::{CatalogItem, OrderSnapshot};
use chatorder_shared::queries::{Catalog, CustomerOrders, GetOrder, ListCatalog, OrderPage};
use chatorder_shared::subjects::{CommandKind, QueryKind};
use teloxide::prelude::*;
use teloxide::types::{
    BotCommand, ButtonRequest, InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton,
    KeyboardMarkup, KeyboardRemove, MessageId, ReplyMarkup,
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
        (opens_at != Some(now)).then_some(Closed { now, opens_at })
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
    let input = if let Some(text) = msg.text() {
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
    let shop = Shop {
        name: &app.settings.shop.name,
        currency: app.settings.shop.currency,
        catalog: &catalog.items,
        matcher: &catalog.matcher,
        time_zone: app.settings.shop.time_zone,
        closed: app.closed_now(),
    };
    let started = std::time::Instant::now();
    let kind = match &input {
        Input::Text(_) => "text",
        Input::Button(_) => "button",
        Input::Contact(_) => "contact",
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
        let replies = perform(app, &mut session, user, action, &shop).await;
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
            let limit = app.settings.telegram.max_orders_per_hour;
            if let Some(n) = app.store.count_order(user_key(user)).await
                && n > u64::from(limit)
            {
                return say(t.too_many_orders(limit));
            }
            let basket = order.lines.clone();
            let new_order = Some(&basket[..]);
            send_checkout(app, session, &who, CommandKind::Place, new_order, id, order).await
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
                .send(CommandKind::Cancel, &who, Uuid::now_v7(), cmd)
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
                .send(CommandKind::Message, &who, Uuid::now_v7(), cmd)
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
