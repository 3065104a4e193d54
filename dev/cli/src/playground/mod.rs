//! The playground: a local web page with a Telegram-like chat (you are a
//! customer) beside the Discord-like owners' channel (you are the owner).
//! Both drive the real bots through the local stand-ins, so what you see is
//! exactly what a customer and an owner would get.
//!
//! Served on 127.0.0.1 only, and only when the bots run against the
//! stand-ins. The page polls `/api/state`; every action is a small JSON POST.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chatorder_discord_standin::StandIn;
use chatorder_telegram_standin::{TelegramStandIn, User};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

const PAGE: &str = include_str!("page.html");
/// Customer ids the page may use (so it can't speak for simulated ones).
const CUSTOMER_IDS: std::ops::Range<i64> = 700_000..800_000;
/// Longest text the page forwards (the bot has its own, smaller limits).
const MAX_TEXT: usize = 4_096;

/// Per customer: (bot messages before it, what they typed).
type Typed = HashMap<i64, Vec<(i64, String)>>;

#[derive(Clone)]
struct App {
    telegram: Arc<TelegramStandIn>,
    discord: StandIn,
    /// What each playground customer typed: (bot messages before it, text).
    typed: Arc<Mutex<Typed>>,
}

impl App {
    /// Keeps what a customer sent, placed after the bot's latest message.
    fn remember(&self, user: i64, text: String) {
        let after = self
            .telegram
            .messages(user)
            .last()
            .map_or(0, |m| m.message_id);
        self.typed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(user)
            .or_default()
            .push((after, text));
    }
}

/// A refusal the page shows as it is.
struct Refusal(StatusCode, String);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

fn bad(why: impl Into<String>) -> Refusal {
    Refusal(StatusCode::BAD_REQUEST, why.into())
}

fn customer(id: i64, name: Option<&str>) -> Result<User, Refusal> {
    if !CUSTOMER_IDS.contains(&id) {
        return Err(bad(format!(
            "customer id {id} is not a playground id ({}..{})",
            CUSTOMER_IDS.start, CUSTOMER_IDS.end
        )));
    }
    let name: String = name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or("Guest")
        .chars()
        .take(64)
        .collect();
    Ok(User::new(id, &name))
}

fn owner() -> chatorder_discord_standin::User {
    chatorder_discord_standin::User::new(StandIn::OWNER_USER_ID, "You (owner)")
}

/// Serves the playground on `listen` until `cancel`; returns the address.
pub async fn serve(
    addr: SocketAddr,
    telegram: Arc<TelegramStandIn>,
    discord: StandIn,
    cancel: CancellationToken,
) -> anyhow::Result<SocketAddr> {
    anyhow::ensure!(
        addr.ip().is_loopback(),
        "the playground must listen on a loopback address (it drives the bots as anyone): got {addr}"
    );
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding the playground to {addr}"))?;
    let addr = listener.local_addr()?;
    let app = App {
        telegram,
        discord,
        typed: Arc::default(),
    };
    let router = Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        .route("/api/state", get(state))
        .route("/api/telegram/send", post(telegram_send))
        .route("/api/telegram/press", post(telegram_press))
        .route("/api/telegram/contact", post(telegram_contact))
        .route("/api/discord/click", post(discord_click))
        .route("/api/discord/modal", post(discord_modal))
        .with_state(app);
    tokio::spawn(async move {
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(async move { cancel.cancelled().await })
            .await;
        if let Err(e) = served {
            tracing::warn!(error = %e, "the playground stopped");
        }
    });
    Ok(addr)
}

#[derive(Deserialize)]
struct StateQuery {
    user: i64,
}

async fn state(
    State(app): State<App>,
    Query(q): Query<StateQuery>,
) -> Result<Json<Value>, Refusal> {
    let user = customer(q.user, None)?;
    let mut chat: Vec<(i64, u8, Value)> = app
        .telegram
        .messages(user.id)
        .into_iter()
        .map(|m| {
            (
                m.message_id,
                1,
                json!({
                    "from": "bot",
                    "id": m.message_id,
                    "text": m.text,
                    "markup": m.reply_markup,
                    "edits": m.edits,
                }),
            )
        })
        .collect();
    if let Some(typed) = app
        .typed
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(&user.id)
    {
        chat.extend(
            typed
                .iter()
                .map(|(after, text)| (*after, 2, json!({ "from": "me", "text": text }))),
        );
    }
    chat.sort_by_key(|(at, kind, _)| (*at, *kind));
    let board: Vec<Value> = app
        .discord
        .messages(StandIn::CHANNEL_ID)
        .into_iter()
        .map(|m| {
            json!({
                // Discord ids pass 2^53: as strings, or JavaScript rounds them.
                "id": m.id.to_string(),
                "content": m.content,
                "embeds": m.embeds,
                "buttons": m.buttons().into_iter().map(|(id, label, disabled)| {
                    json!({ "id": id, "label": label, "disabled": disabled })
                }).collect::<Vec<_>>(),
                "edits": m.edits,
            })
        })
        .collect();
    Ok(Json(json!({
        "telegram": chat.into_iter().map(|(_, _, v)| v).collect::<Vec<_>>(),
        "discord": board,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Send {
    user: i64,
    #[serde(default)]
    name: Option<String>,
    text: String,
}

async fn telegram_send(
    State(app): State<App>,
    Json(req): Json<Send>,
) -> Result<Json<Value>, Refusal> {
    let user = customer(req.user, req.name.as_deref())?;
    let text = req.text.trim();
    if text.is_empty() {
        return Err(bad("type something first"));
    }
    if text.chars().count() > MAX_TEXT {
        return Err(bad(format!("that is over {MAX_TEXT} characters")));
    }
    app.remember(user.id, text.to_owned());
    app.telegram.send_text(&user, text);
    Ok(Json(json!({ "ok": true })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Press {
    user: i64,
    #[serde(default)]
    name: Option<String>,
    message_id: i64,
    data: String,
}

async fn telegram_press(
    State(app): State<App>,
    Json(req): Json<Press>,
) -> Result<Json<Value>, Refusal> {
    let user = customer(req.user, req.name.as_deref())?;
    let mine = app
        .telegram
        .messages(user.id)
        .iter()
        .any(|m| m.message_id == req.message_id);
    if !mine {
        return Err(bad("that message is not in your chat"));
    }
    let query = app.telegram.press_button(&user, req.message_id, &req.data);
    let answered = app
        .telegram
        .wait_answered(&query, Duration::from_secs(5))
        .await;
    Ok(Json(json!({ "ok": true, "answered": answered })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Contact {
    user: i64,
    #[serde(default)]
    name: Option<String>,
    phone: String,
}

async fn telegram_contact(
    State(app): State<App>,
    Json(req): Json<Contact>,
) -> Result<Json<Value>, Refusal> {
    let user = customer(req.user, req.name.as_deref())?;
    let phone = req.phone.trim();
    if phone.is_empty() || phone.chars().count() > 32 {
        return Err(bad("a phone number has 1 to 32 characters"));
    }
    app.remember(user.id, format!("📞 {phone}"));
    app.telegram.share_contact(&user, phone);
    Ok(Json(json!({ "ok": true })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Click {
    /// A Discord id, as a string.
    message_id: String,
    custom_id: String,
}

/// What the owner bot answered to a click or a form: a form to fill in
/// (`modal`), a private note (`notice`), or nothing to show.
async fn answer_of(
    app: &App,
    id: chatorder_discord_standin::InteractionId,
) -> Result<Json<Value>, Refusal> {
    let reply = app
        .discord
        .response(id, Duration::from_secs(5))
        .await
        .map_err(|e| {
            Refusal(
                StatusCode::GATEWAY_TIMEOUT,
                format!("the owner bot did not answer: {e:#}"),
            )
        })?;
    if let Some(modal) = reply.modal {
        return Ok(Json(json!({ "modal": modal })));
    }
    // A deferred private answer is completed by an edit a moment later.
    let notice = if reply.ephemeral {
        match app.discord.response_final(id, Duration::from_secs(5)).await {
            Ok(r) => Some(r.text()),
            Err(_) => Some(reply.text()),
        }
    } else {
        None
    };
    Ok(Json(
        json!({ "notice": notice.filter(|n| !n.trim().is_empty()) }),
    ))
}

async fn discord_click(
    State(app): State<App>,
    Json(req): Json<Click>,
) -> Result<Json<Value>, Refusal> {
    let message_id: u64 = req
        .message_id
        .parse()
        .map_err(|_| bad(format!("`{}` is not a message id", req.message_id)))?;
    let id = app
        .discord
        .click(&owner(), StandIn::CHANNEL_ID, message_id, &req.custom_id)
        .await
        .map_err(|e| bad(format!("{e:#}")))?;
    answer_of(&app, id).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModalSubmit {
    custom_id: String,
    /// Field custom id → value.
    fields: HashMap<String, String>,
}

async fn discord_modal(
    State(app): State<App>,
    Json(req): Json<ModalSubmit>,
) -> Result<Json<Value>, Refusal> {
    if req.fields.values().any(|v| v.chars().count() > MAX_TEXT) {
        return Err(bad(format!("a field is over {MAX_TEXT} characters")));
    }
    let fields: Vec<(&str, &str)> = req
        .fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let id = app
        .discord
        .submit_modal(&owner(), &req.custom_id, &fields)
        .await
        .map_err(|e| bad(format!("{e:#}")))?;
    answer_of(&app, id).await
}
