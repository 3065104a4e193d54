//! Starts the customer bot: NATS (sessions, inbox, receipts), Redis (hourly
//! order counts), teloxide polling, notifications.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use chatorder_shared::config::Settings;
use secrecy::ExposeSecret as _;
use teloxide::prelude::*;
use tokio_util::sync::CancellationToken;

use crate::bot::{App, TgBot};
use crate::inbox::{Inbox, Poller};
use crate::receipts::Receipts;
use crate::store::Store;
use crate::workers::Workers;

/// Runs the bot until `cancel`. Needs `telegram.token` (the CLI starts the
/// local stand-in and fills it in when there is none).
pub async fn run(settings: Settings, cancel: CancellationToken) -> anyhow::Result<()> {
    let token = settings
        .telegram
        .token
        .as_ref()
        .context("telegram.token is not set (CHATORDER__TELEGRAM__TOKEN)")?
        .expose_secret()
        .to_owned();
    let api_url: reqwest::Url = settings.telegram.api_url.parse().with_context(|| {
        format!(
            "telegram.api_url `{}` is not a URL",
            settings.telegram.api_url
        )
    })?;
    crate::metrics::describe();
    let settings = Arc::new(settings);
    let subjects = settings.subjects();
    let client = chatorder_bus::connect(&settings.nats, "chatorder-telegram-bot").await?;
    let js = async_nats::jetstream::new(client.clone());
    chatorder_bus::ensure_streams(&js, &subjects, &settings.nats).await?;
    let store = Store::open(
        &js,
        subjects.stream(crate::store::BUCKET),
        settings.nats.stream_replicas,
        Duration::from_secs(settings.telegram.session_ttl_hours * 3600),
        settings.redis.url.expose_secret(),
        &settings.redis.prefix,
    )
    .await?;
    let receipts = Receipts::open(
        &js,
        subjects.stream(crate::receipts::BUCKET),
        settings.nats.stream_replicas,
    )
    .await?;
    let inbox = Arc::new(
        Inbox::open(
            &js,
            subjects.stream(crate::inbox::BUCKET),
            settings.nats.stream_replicas,
        )
        .await?,
    );
    let left = inbox.left().await?;
    if !left.is_empty() {
        tracing::info!(
            updates = left.len(),
            "handling the updates the last run took and did not finish"
        );
    }
    let app = Arc::new(App::new(
        settings.clone(),
        Workers::new(client, subjects),
        store,
        receipts,
        inbox.clone(),
    ));
    let plain = Bot::new(token).set_api_url(api_url);
    let bot = TgBot::new(plain.clone(), settings.telegram.rate_limit);
    let me = bot
        .me()
        .await
        .context("Telegram refused the bot token (getMe failed)")?;
    tracing::info!(bot = %me.username(), "Telegram bot connected");
    crate::bot::register_commands(&bot).await;

    let events = crate::notify::consumer(&app).await?;
    let notifier = tokio::spawn(crate::notify::run(
        app.clone(),
        bot.clone(),
        events,
        cancel.clone(),
    ));
    // Polling is not rate-limited; replies go through `bot` (a dependency).
    // Each update is kept in the inbox before Telegram hears it was taken.
    let listener = Poller::new(plain.clone(), inbox, left);
    let mut dispatcher = Dispatcher::builder(plain, crate::bot::schema())
        .dependencies(dptree::deps![app.clone(), bot])
        .build();
    let shutdown = dispatcher.shutdown_token();
    let stopper = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            cancel.cancelled().await;
            // The dispatcher may still be starting; ask until it listens.
            loop {
                match shutdown.shutdown() {
                    Ok(done) => {
                        done.await;
                        return;
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            }
        })
    };
    // Other bot processes must know this one is alive, or they would take
    // its sends under way for ones cut short (`receipts`).
    let heartbeat = {
        let (app, cancel) = (app.clone(), cancel.clone());
        tokio::spawn(async move { app.receipts.keep_alive(cancel).await })
    };
    // Receipts written while NATS was away reach the bucket once it is back.
    let flusher = {
        let (app, cancel) = (app.clone(), cancel.clone());
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(1));
            loop {
                tokio::select! {
                    () = cancel.cancelled() => return,
                    _ = every.tick() => {}
                }
                if app.receipts.unwritten() > 0 {
                    app.receipts.flush().await;
                }
            }
        })
    };
    dispatcher
        .dispatch_with_listener(
            listener,
            teloxide::error_handlers::LoggingErrorHandler::with_custom_text(
                "An error from the update listener",
            ),
        )
        .await;
    cancel.cancel();
    let _ = stopper.await;
    let _ = flusher.await;
    let _ = heartbeat.await;
    if app.receipts.flush().await > 0 {
        tracing::warn!(
            receipts = app.receipts.unwritten(),
            "NATS is away: receipts of notifications sent while it was away are lost with this process; \
             those notifications may be sent again"
        );
    }
    let result = match notifier.await {
        Ok(Err(e)) => Err(e),
        _ => Ok(()),
    };
    // Acknowledgements are buffered: send them before the process ends, or
    // the events they settle come back after `ack_wait`.
    let _ = app.workers.client.flush().await;
    result
}
