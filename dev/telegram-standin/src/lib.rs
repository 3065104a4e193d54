//! A local Telegram Bot API stand-in for tests and the demo (dev tooling).
//!
//! It speaks the Bot API wire format on 127.0.0.1: `POST /bot<token>/<Method>`
//! with a JSON body, answered `{"ok":true,"result":…}` or, for errors,
//! `{"ok":false,"error_code":…,"description":…}` with HTTP 200 (teloxide
//! sleeps 10 s after any 5xx). `getUpdates` is long-polled with offsets, so
//! the real teloxide client runs against it unchanged via `Bot::set_api_url`.
//!
//! Tests inject what a user does (a text, a shared contact, a button press)
//! and read what the bot sent, including later edits.
//!
//! Payments: the bot's `sendInvoice` is kept as a [`SentInvoice`] (and shown
//! in the chat as a message); a test then plays Telegram's side of paying
//! it, [`TelegramStandIn::pre_checkout`] (a `pre_checkout_query` update, whose
//! `answerPreCheckoutQuery` it reads back) and
//! [`TelegramStandIn::successful_payment`] (a message with
//! `successful_payment`), as Telegram sends them.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Json};
use axum::routing::any;
use serde_json::{Value, json};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// The token the stand-in's bot uses; any token is accepted.
pub const TOKEN: &str = "1000000001:STANDIN-token";
/// The stand-in bot's own user id.
pub const BOT_ID: i64 = 1_000_000_001;
/// Longest a `getUpdates` call is held open.
const MAX_POLL: Duration = Duration::from_secs(10);

/// A person talking to the bot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub first_name: String,
    /// The IETF tag of the user's client language (`from.language_code`),
    /// "en" unless set; `None` leaves the field out, as Telegram may.
    pub language_code: Option<String>,
}

impl User {
    pub fn new(id: i64, first_name: &str) -> Self {
        Self {
            id,
            first_name: first_name.to_owned(),
            language_code: Some("en".to_owned()),
        }
    }

    /// The same user with their client in another language ("es", "es-AR").
    pub fn speaking(mut self, language_code: &str) -> Self {
        self.language_code = Some(language_code.to_owned());
        self
    }
}

/// A message the bot sent to a chat, as it stands now (edits applied).
#[derive(Debug, Clone, PartialEq)]
pub struct BotMessage {
    pub chat_id: i64,
    pub message_id: i64,
    pub text: String,
    pub parse_mode: Option<String>,
    pub reply_markup: Option<Value>,
    /// How many times it was edited.
    pub edits: u32,
}

impl BotMessage {
    /// The `callback_data` of every inline button, in order.
    pub fn buttons(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(rows) = self
            .reply_markup
            .as_ref()
            .and_then(|m| m.get("inline_keyboard"))
            .and_then(Value::as_array)
        {
            for row in rows {
                for b in row.as_array().into_iter().flatten() {
                    let text = b.get("text").and_then(Value::as_str).unwrap_or_default();
                    if let Some(data) = b.get("callback_data").and_then(Value::as_str) {
                        out.push((text.to_owned(), data.to_owned()));
                    }
                }
            }
        }
        out
    }
}

/// A bill the bot sent (`sendInvoice`), as Telegram would show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentInvoice {
    pub chat_id: i64,
    pub message_id: i64,
    pub title: String,
    pub description: String,
    pub payload: String,
    pub currency: String,
    pub provider_token: String,
    /// (label, amount in minor units), in order.
    pub prices: Vec<(String, i64)>,
}

impl SentInvoice {
    /// What the customer pays: the sum of the prices.
    pub fn total(&self) -> i64 {
        self.prices.iter().map(|(_, a)| a).sum()
    }
}

/// The bot's `answerPreCheckoutQuery`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreCheckoutAnswer {
    pub ok: bool,
    /// Why not, as Telegram would show it in the payment form.
    pub error_message: Option<String>,
}

/// One call the bot made.
#[derive(Debug, Clone)]
pub struct Call {
    /// Lower-case method name, e.g. `sendmessage`.
    pub method: String,
    pub body: Value,
}

#[derive(Default)]
struct Inner {
    updates: Vec<(i64, Value)>,
    next_update_id: i64,
    next_message_id: i64,
    calls: Vec<Call>,
    /// message id → message, for every message the bot sent.
    messages: HashMap<i64, BotMessage>,
    /// chat id → its message ids, oldest first.
    by_chat: HashMap<i64, Vec<i64>>,
    /// Callback query ids answered by the bot.
    answered: Vec<String>,
    /// Answer the next N send calls with a 429 `retry_after`.
    rate_limit_next: u32,
    /// Every bill sent, oldest first.
    invoices: Vec<SentInvoice>,
    /// Pre-checkout query id → the bot's answer.
    pre_checkout_answers: HashMap<String, PreCheckoutAnswer>,
    next_query: u64,
}

#[derive(Default)]
struct Shared {
    inner: Mutex<Inner>,
    /// Wakes a held `getUpdates` when an update arrives.
    new_update: Notify,
    /// Wakes tests waiting for the bot to say something.
    bot_spoke: Notify,
    /// Per chat, so a test waiting on one customer is not woken by all.
    chat_spoke: Mutex<HashMap<i64, Arc<Notify>>>,
}

impl Shared {
    fn chat_notify(&self, chat: i64) -> Arc<Notify> {
        let mut map = self
            .chat_spoke
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.entry(chat).or_default().clone()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock only happens in a failing test.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A running stand-in. Dropping it stops the server.
pub struct TelegramStandIn {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl Drop for TelegramStandIn {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl TelegramStandIn {
    /// Starts on a free port of 127.0.0.1.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_on("127.0.0.1:0").await
    }

    pub async fn start_on(addr: &str) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::default());
        {
            let mut inner = shared.lock();
            inner.next_update_id = 1;
            inner.next_message_id = 1;
        }
        let app = Router::new()
            .route("/{bot}/{method}", any(handle))
            .with_state(shared.clone());
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "Telegram stand-in stopped");
            }
        });
        Ok(Self {
            addr,
            shared,
            server,
        })
    }

    /// The base URL to give `Bot::set_api_url`.
    pub fn api_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn push_update(&self, kind: &str, payload: Value) -> i64 {
        let id = {
            let mut inner = self.shared.lock();
            let id = inner.next_update_id;
            inner.next_update_id += 1;
            let mut update = json!({ "update_id": id });
            update[kind] = payload;
            inner.updates.push((id, update));
            id
        };
        self.shared.new_update.notify_waiters();
        id
    }

    fn next_message_id(&self) -> i64 {
        let mut inner = self.shared.lock();
        let id = inner.next_message_id;
        inner.next_message_id += 1;
        id
    }

    /// The user types `text` in their private chat with the bot.
    pub fn send_text(&self, user: &User, text: &str) -> i64 {
        let mut msg = user_message(user, self.next_message_id());
        msg["text"] = json!(text);
        if let Some(command) = text.strip_prefix('/') {
            let len = command.split_whitespace().next().map_or(0, str::len) + 1;
            msg["entities"] = json!([{ "type": "bot_command", "offset": 0, "length": len }]);
        }
        self.push_update("message", msg)
    }

    /// The user sends a photo (something that is not text).
    pub fn send_photo(&self, user: &User) -> i64 {
        let mut msg = user_message(user, self.next_message_id());
        msg["photo"] = json!([{ "file_id": "photo-1", "file_unique_id": "u-photo-1", "width": 90, "height": 90 }]);
        self.push_update("message", msg)
    }

    /// The user shares their own contact (the "share phone" button).
    pub fn share_contact(&self, user: &User, phone: &str) -> i64 {
        let mut msg = user_message(user, self.next_message_id());
        msg["contact"] =
            json!({ "phone_number": phone, "first_name": user.first_name, "user_id": user.id });
        self.push_update("message", msg)
    }

    /// The user presses an inline button with `data` under the bot's message
    /// `message_id` (data is sent as given: tests may forge it).
    pub fn press_button(&self, user: &User, message_id: i64, data: &str) -> String {
        let (chat_id, text) = {
            let inner = self.shared.lock();
            inner
                .messages
                .get(&message_id)
                .map_or((user.id, String::new()), |m| (m.chat_id, m.text.clone()))
        };
        let query_id = format!("cbq-{}-{message_id}-{}", user.id, self.next_message_id());
        let payload = json!({
            "id": query_id,
            "from": user_json(user),
            "chat_instance": format!("ci-{chat_id}"),
            "data": data,
            "message": {
                "message_id": message_id,
                "date": now(),
                "chat": private_chat(chat_id, &user.first_name),
                "from": bot_user(),
                "text": text,
            },
        });
        self.push_update("callback_query", payload);
        query_id
    }

    /// Bills sent to a chat, oldest first.
    pub fn invoices(&self, chat_id: i64) -> Vec<SentInvoice> {
        let inner = self.shared.lock();
        inner
            .invoices
            .iter()
            .filter(|i| i.chat_id == chat_id)
            .cloned()
            .collect()
    }

    /// Waits until a bill sent to `chat_id` satisfies `pred` (the newest first).
    pub async fn wait_invoice(
        &self,
        chat_id: i64,
        timeout: Duration,
        pred: impl Fn(&SentInvoice) -> bool,
    ) -> Option<SentInvoice> {
        let deadline = tokio::time::Instant::now() + timeout;
        let spoke = self.shared.chat_notify(chat_id);
        loop {
            let notified = spoke.notified();
            if let Some(i) = self.invoices(chat_id).into_iter().rev().find(|i| pred(i)) {
                return Some(i);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return None;
            }
        }
    }

    /// The user presses Pay on `invoice`: Telegram asks the bot, with a
    /// `pre_checkout_query`, whether it may charge them. Returns the query id.
    pub fn pre_checkout(&self, user: &User, invoice: &SentInvoice) -> String {
        self.pre_checkout_for(user, &invoice.currency, invoice.total(), &invoice.payload)
    }

    /// A `pre_checkout_query` as given (tests may forge the amount or payload).
    pub fn pre_checkout_for(
        &self,
        user: &User,
        currency: &str,
        total: i64,
        payload: &str,
    ) -> String {
        let id = {
            let mut inner = self.shared.lock();
            inner.next_query += 1;
            format!("pcq-{}-{}", user.id, inner.next_query)
        };
        self.push_update(
            "pre_checkout_query",
            json!({
                "id": id,
                "from": user_json(user),
                "currency": currency,
                "total_amount": total,
                "invoice_payload": payload,
            }),
        );
        id
    }

    /// The bot's answer to pre-checkout query `id`, once it has given one.
    pub fn pre_checkout_answer(&self, id: &str) -> Option<PreCheckoutAnswer> {
        self.shared.lock().pre_checkout_answers.get(id).cloned()
    }

    /// Waits for the bot's answer to pre-checkout query `id`.
    pub async fn wait_pre_checkout_answer(
        &self,
        id: &str,
        timeout: Duration,
    ) -> Option<PreCheckoutAnswer> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.bot_spoke.notified();
            if let Some(a) = self.pre_checkout_answer(id) {
                return Some(a);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return None;
            }
        }
    }

    /// Telegram charged the user for `invoice`: the message with
    /// `successful_payment` it sends the bot. `charge` becomes the
    /// `telegram_payment_charge_id` (and, prefixed, the provider's).
    pub fn successful_payment(&self, user: &User, invoice: &SentInvoice, charge: &str) -> i64 {
        let mut msg = user_message(user, self.next_message_id());
        msg["successful_payment"] = json!({
            "currency": invoice.currency,
            "total_amount": invoice.total(),
            "invoice_payload": invoice.payload,
            "telegram_payment_charge_id": charge,
            "provider_payment_charge_id": format!("provider-{charge}"),
        });
        self.push_update("message", msg)
    }

    /// The next `n` sendMessage calls are refused with 429 and `retry_after: 1`.
    pub fn rate_limit_next(&self, n: u32) {
        self.shared.lock().rate_limit_next = n;
    }

    /// Every call made so far, optionally only of one method (any case).
    pub fn calls(&self, method: Option<&str>) -> Vec<Call> {
        let inner = self.shared.lock();
        inner
            .calls
            .iter()
            .filter(|c| method.is_none_or(|m| c.method == m.to_ascii_lowercase()))
            .cloned()
            .collect()
    }

    /// Messages in a chat, oldest first, as they stand now.
    pub fn messages(&self, chat_id: i64) -> Vec<BotMessage> {
        let inner = self.shared.lock();
        inner
            .by_chat
            .get(&chat_id)
            .into_iter()
            .flatten()
            .filter_map(|id| inner.messages.get(id).cloned())
            .collect()
    }

    /// Whether the bot answered a callback query.
    pub fn was_answered(&self, query_id: &str) -> bool {
        self.shared.lock().answered.iter().any(|q| q == query_id)
    }

    /// Waits until a message (or edit) in `chat_id` satisfies `pred`.
    pub async fn wait_for(
        &self,
        chat_id: i64,
        timeout: Duration,
        pred: impl Fn(&BotMessage) -> bool,
    ) -> Option<BotMessage> {
        let deadline = tokio::time::Instant::now() + timeout;
        let spoke = self.shared.chat_notify(chat_id);
        loop {
            let notified = spoke.notified();
            if let Some(m) = self.messages(chat_id).into_iter().rev().find(|m| pred(m)) {
                return Some(m);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return None;
            }
        }
    }

    /// Waits until the callback query `query_id` has been answered.
    pub async fn wait_answered(&self, query_id: &str, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.bot_spoke.notified();
            if self.was_answered(query_id) {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return false;
            }
        }
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn user_json(user: &User) -> Value {
    let mut json = json!({ "id": user.id, "is_bot": false, "first_name": user.first_name });
    if let Some(code) = &user.language_code {
        json["language_code"] = json!(code);
    }
    json
}

fn bot_user() -> Value {
    json!({ "id": BOT_ID, "is_bot": true, "first_name": "Chatorder", "username": "chatorder_standin_bot" })
}

fn private_chat(id: i64, first_name: &str) -> Value {
    json!({ "id": id, "type": "private", "first_name": first_name })
}

fn user_message(user: &User, message_id: i64) -> Value {
    json!({
        "message_id": message_id,
        "date": now(),
        "chat": private_chat(user.id, &user.first_name),
        "from": user_json(user),
    })
}

fn ok(result: Value) -> Json<Value> {
    Json(json!({ "ok": true, "result": result }))
}

fn error(code: u16, description: &str) -> Json<Value> {
    Json(json!({ "ok": false, "error_code": code, "description": description }))
}

fn chat_id_of(body: &Value) -> Option<i64> {
    match body.get("chat_id")? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    Path((bot, method)): Path<(String, String)>,
    body: Bytes,
) -> impl IntoResponse {
    if !bot.starts_with("bot") {
        return error(404, "Not Found");
    }
    let method = method.to_ascii_lowercase();
    let body: Value = serde_json::from_slice(&body).unwrap_or_else(|_| json!({}));
    if method != "getupdates" {
        shared.lock().calls.push(Call {
            method: method.clone(),
            body: body.clone(),
        });
    }
    let reply = match method.as_str() {
        "getme" => ok(json!({
            "id": BOT_ID, "is_bot": true, "first_name": "Chatorder", "username": "chatorder_standin_bot",
            "can_join_groups": false, "can_read_all_group_messages": false, "supports_inline_queries": false,
            "can_connect_to_business": false, "has_main_web_app": false
        })),
        "getwebhookinfo" => {
            ok(json!({ "url": "", "has_custom_certificate": false, "pending_update_count": 0 }))
        }
        "deletewebhook" | "setmycommands" | "deletemycommands" | "sendchataction"
        | "setchatmenubutton" => ok(json!(true)),
        "getupdates" => get_updates(&shared, &body).await,
        "sendmessage" => send_message(&shared, &body),
        "sendinvoice" => send_invoice(&shared, &body),
        "answerprecheckoutquery" => answer_pre_checkout(&shared, &body),
        "editmessagetext" | "editmessagereplymarkup" => edit_message(&shared, &body, &method),
        "deletemessage" => {
            let id = body
                .get("message_id")
                .and_then(Value::as_i64)
                .unwrap_or_default();
            let removed = shared.lock().messages.remove(&id).is_some();
            if removed {
                ok(json!(true))
            } else {
                error(400, "Bad Request: message to delete not found")
            }
        }
        "answercallbackquery" => {
            let id = body
                .get("callback_query_id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            shared.lock().answered.push(id);
            ok(json!(true))
        }
        _ => error(
            400,
            "Bad Request: method not supported by the chatorder stand-in",
        ),
    };
    shared.bot_spoke.notify_waiters();
    if let Some(chat) = chat_id_of(&body) {
        shared.chat_notify(chat).notify_waiters();
    }
    reply
}

async fn get_updates(shared: &Shared, body: &Value) -> Json<Value> {
    let offset = body.get("offset").and_then(Value::as_i64).unwrap_or(0);
    let limit = body
        .get("limit")
        .and_then(Value::as_u64)
        .unwrap_or(100)
        .clamp(1, 100) as usize;
    let timeout =
        Duration::from_secs(body.get("timeout").and_then(Value::as_u64).unwrap_or(0)).min(MAX_POLL);
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let notified = shared.new_update.notified();
        {
            let mut inner = shared.lock();
            // An offset confirms every update before it.
            inner.updates.retain(|(id, _)| *id >= offset);
            if !inner.updates.is_empty() {
                let batch: Vec<Value> = inner
                    .updates
                    .iter()
                    .take(limit)
                    .map(|(_, u)| u.clone())
                    .collect();
                return ok(Value::Array(batch));
            }
        }
        if tokio::time::timeout_at(deadline, notified).await.is_err() {
            return ok(json!([]));
        }
    }
}

fn send_message(shared: &Shared, body: &Value) -> Json<Value> {
    let Some(chat_id) = chat_id_of(body) else {
        return error(400, "Bad Request: chat_id is empty");
    };
    let text = body
        .get("text")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if text.is_empty() {
        return error(400, "Bad Request: message text is empty");
    }
    if text.chars().count() > 4096 {
        return error(400, "Bad Request: message is too long");
    }
    let mut inner = shared.lock();
    if inner.rate_limit_next > 0 {
        inner.rate_limit_next -= 1;
        return Json(json!({
            "ok": false, "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": { "retry_after": 1 }
        }));
    }
    let message_id = inner.next_message_id;
    inner.next_message_id += 1;
    let msg = BotMessage {
        chat_id,
        message_id,
        text: text.clone(),
        parse_mode: body
            .get("parse_mode")
            .and_then(Value::as_str)
            .map(str::to_owned),
        reply_markup: body.get("reply_markup").cloned(),
        edits: 0,
    };
    inner.messages.insert(message_id, msg);
    inner.by_chat.entry(chat_id).or_default().push(message_id);
    ok(sent_json(
        chat_id,
        message_id,
        &text,
        body.get("reply_markup"),
    ))
}

fn sent_json(chat_id: i64, message_id: i64, text: &str, markup: Option<&Value>) -> Value {
    let mut m = json!({
        "message_id": message_id,
        "date": now(),
        "chat": { "id": chat_id, "type": "private", "first_name": "Customer" },
        "from": bot_user(),
        "text": text,
    });
    if let Some(markup) = markup.filter(|m| m.get("inline_keyboard").is_some()) {
        m["reply_markup"] = markup.clone();
    }
    m
}

fn edit_message(shared: &Shared, body: &Value, method: &str) -> Json<Value> {
    let id = body
        .get("message_id")
        .and_then(Value::as_i64)
        .unwrap_or_default();
    let mut inner = shared.lock();
    let Some(msg) = inner.messages.get_mut(&id) else {
        return error(400, "Bad Request: message to edit not found");
    };
    if method == "editmessagetext" {
        if let Some(text) = body.get("text").and_then(Value::as_str) {
            if text == msg.text && body.get("reply_markup") == msg.reply_markup.as_ref() {
                return error(400, "Bad Request: message is not modified");
            }
            msg.text = text.to_owned();
        }
        msg.parse_mode = body
            .get("parse_mode")
            .and_then(Value::as_str)
            .map(str::to_owned);
    }
    msg.reply_markup = body.get("reply_markup").cloned();
    msg.edits += 1;
    let result = sent_json(
        msg.chat_id,
        msg.message_id,
        &msg.text.clone(),
        msg.reply_markup.clone().as_ref(),
    );
    ok(result)
}

/// `sendInvoice`, checked as Telegram checks it: title 1–32 characters,
/// description 1–255, payload 1–128 bytes, a currency code, at least one
/// price, a positive total, and a provider token (but for Stars, `XTR`).
fn send_invoice(shared: &Shared, body: &Value) -> Json<Value> {
    let Some(chat_id) = chat_id_of(body) else {
        return error(400, "Bad Request: chat_id is empty");
    };
    let text = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let (title, description, payload, currency) = (
        text("title"),
        text("description"),
        text("payload"),
        text("currency"),
    );
    let provider_token = text("provider_token");
    let prices: Vec<(String, i64)> = body
        .get("prices")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| {
            (
                p.get("label")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                p.get("amount").and_then(Value::as_i64).unwrap_or_default(),
            )
        })
        .collect();
    let total: i64 = prices.iter().map(|(_, a)| a).sum();
    let bad = if !(1..=32).contains(&title.chars().count()) {
        Some("Bad Request: invoice title length must be 1-32 characters")
    } else if !(1..=255).contains(&description.chars().count()) {
        Some("Bad Request: invoice description length must be 1-255 characters")
    } else if !(1..=128).contains(&payload.len()) {
        Some("Bad Request: invoice payload length must be 1-128 bytes")
    } else if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        Some("Bad Request: CURRENCY_INVALID")
    } else if prices.is_empty() || prices.iter().any(|(l, _)| l.is_empty()) || total <= 0 {
        Some("Bad Request: CURRENCY_TOTAL_AMOUNT_INVALID")
    } else if provider_token.is_empty() && currency != "XTR" {
        Some("Bad Request: PAYMENT_PROVIDER_INVALID")
    } else {
        None
    };
    if let Some(why) = bad {
        return error(400, why);
    }
    let mut inner = shared.lock();
    let message_id = inner.next_message_id;
    inner.next_message_id += 1;
    inner.messages.insert(
        message_id,
        BotMessage {
            chat_id,
            message_id,
            text: format!("{title}\n{description}"),
            parse_mode: None,
            reply_markup: None,
            edits: 0,
        },
    );
    inner.by_chat.entry(chat_id).or_default().push(message_id);
    inner.invoices.push(SentInvoice {
        chat_id,
        message_id,
        title: title.clone(),
        description: description.clone(),
        payload,
        currency: currency.clone(),
        provider_token,
        prices,
    });
    ok(json!({
        "message_id": message_id,
        "date": now(),
        "chat": { "id": chat_id, "type": "private", "first_name": "Customer" },
        "from": bot_user(),
        "invoice": {
            "title": title,
            "description": description,
            "start_parameter": "",
            "currency": currency,
            "total_amount": total,
        },
    }))
}

/// `answerPreCheckoutQuery`: `ok`, or not with an `error_message`, which
/// Telegram requires when `ok` is false.
fn answer_pre_checkout(shared: &Shared, body: &Value) -> Json<Value> {
    let id = body
        .get("pre_checkout_query_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let Some(ok_) = body.get("ok").and_then(Value::as_bool) else {
        return error(400, "Bad Request: parameter \"ok\" is required");
    };
    let error_message = body
        .get("error_message")
        .and_then(Value::as_str)
        .map(str::to_owned);
    if !ok_ && error_message.as_deref().is_none_or(str::is_empty) {
        return error(
            400,
            "Bad Request: error_message is required when ok is false",
        );
    }
    let mut inner = shared.lock();
    if !inner.pre_checkout_answers.contains_key(&id) && id.starts_with("pcq-") {
        inner.pre_checkout_answers.insert(
            id,
            PreCheckoutAnswer {
                ok: ok_,
                error_message,
            },
        );
        ok(json!(true))
    } else {
        error(
            400,
            "Bad Request: query is too old and response timeout expired or query ID is invalid",
        )
    }
}
