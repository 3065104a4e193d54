//! Starts the owner bot: NATS, the serenity client, the board and post feeds.

use std::sync::Arc;

use anyhow::Context as _;
use chatorder_shared::config::Settings;
use secrecy::ExposeSecret as _;
use serenity::all::{ChannelId, Command, GatewayIntents, HttpBuilder};
use tokio_util::sync::CancellationToken;

use crate::board::Board;
use crate::handler::{App, Handler};
use crate::verdicts::Verdicts;
use crate::workers::Workers;

/// Runs the bot until `cancel`. Needs `discord.token` and
/// `discord.channel_id` (the CLI starts the local stand-in and fills both in
/// when there is no token).
pub async fn run(settings: Settings, cancel: CancellationToken) -> anyhow::Result<()> {
    let token = settings
        .discord
        .token
        .as_ref()
        .context("discord.token is not set (CHATORDER__DISCORD__TOKEN)")?
        .expose_secret()
        .to_owned();
    let channel = ChannelId::new(settings.discord.channel_id.context(
        "discord.channel_id is not set: the id of the channel where orders are posted (CHATORDER__DISCORD__CHANNEL_ID)",
    )?);
    if settings.discord.owner_role_ids.is_empty() && settings.discord.owner_user_ids.is_empty() {
        tracing::warn!(
            "no discord.owner_role_ids or owner_user_ids: nobody can change orders from Discord"
        );
    }
    crate::metrics::describe();
    let settings = Arc::new(settings);
    let subjects = settings.subjects();
    let client = chatorder_bus::connect(&settings.nats, "chatorder-discord-bot").await?;
    let js = async_nats::jetstream::new(client.clone());
    // Kept to flush acknowledgements still buffered when the bot stops.
    let nats = client.clone();
    chatorder_bus::ensure_streams(&js, &subjects, &settings.nats).await?;
    let workers = Workers::new(
        client.clone(),
        subjects.clone(),
        settings.nats.stream_replicas,
    )
    .await?;

    let mut http = HttpBuilder::new(&token);
    if settings.discord.api_url.trim_end_matches('/') != "https://discord.com" {
        // serenity's rate limiter would still call discord.com itself, so it
        // is off behind a proxy; `board` retries 429s on its own then.
        http = http
            .proxy(settings.discord.api_url.trim_end_matches('/'))
            .ratelimiter_disabled(true);
    }
    let http = http.build();
    let verdicts = Arc::new(Verdicts::default());
    let app = Arc::new(App {
        settings: settings.clone(),
        workers: workers.clone(),
        verdicts: verdicts.clone(),
    });
    let mut discord = serenity::all::ClientBuilder::new_with_http(http, GatewayIntents::GUILDS)
        .event_handler(Handler { app })
        .await
        .context("building the Discord client")?;
    let http = discord.http.clone();
    let me = http
        .get_current_application_info()
        .await
        .context("Discord refused the bot token (could not read the application)")?;
    http.set_application_id(me.id);
    register_commands(&http, channel).await?;

    let board = Arc::new(Board {
        workers,
        http: http.clone(),
        channel,
        time_zone: settings.shop.time_zone,
    });
    let mut tasks = tokio::task::JoinSet::new();
    tasks.spawn(verdicts.run(client, subjects.events_wildcard(), cancel.clone()));
    tasks.spawn(crate::feeds::run_events(board.clone(), cancel.clone()));
    tasks.spawn(crate::feeds::run_posts(board, cancel.clone()));
    let shards = discord.shard_manager.clone();
    tasks.spawn({
        let cancel = cancel.clone();
        async move {
            cancel.cancelled().await;
            shards.shutdown_all().await;
            Ok(())
        }
    });
    tracing::info!(channel = %channel, "Discord bot starting");
    let result = tokio::select! {
        r = discord.start() => r.context("the Discord gateway connection failed"),
        Some(r) = tasks.join_next() => match r {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(e),
            Err(e) => Err(anyhow::anyhow!("a bot task panicked: {e}")),
        },
    };
    cancel.cancel();
    while let Some(r) = tasks.join_next().await {
        if let Ok(Err(e)) = r {
            tracing::warn!(error = %e, "a bot task ended with an error");
        }
    }
    // Acknowledgements are buffered: send them before the process ends, or
    // the events they settle come back after `ack_wait`.
    let _ = nats.flush().await;
    result
}

/// Registers the slash commands in the board channel's server (instant),
/// or globally if the channel is not in a server.
async fn register_commands(http: &serenity::all::Http, channel: ChannelId) -> anyhow::Result<()> {
    let defs = crate::commands::definitions();
    let guild = channel
        .to_channel(http)
        .await
        .with_context(|| format!("Discord channel {channel} is not reachable: check discord.channel_id and that the bot was invited to that server"))?
        .guild()
        .map(|c| c.guild_id);
    match guild {
        Some(g) => g.set_commands(http, defs).await.map(|_| ()),
        None => Command::set_global_commands(http, defs).await.map(|_| ()),
    }
    .context("registering slash commands with Discord")
}
