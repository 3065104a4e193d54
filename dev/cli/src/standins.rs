//! `chatorder-dev run`: the product's components in one process, with the
//! local Telegram and Discord stand-ins in place of the platforms a token is
//! missing for, and the playground page when both stand-ins run.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use chatorder_discord_standin::StandIn;
use chatorder_shared::config::Settings;
use chatorder_telegram_standin::TelegramStandIn;
use tokio_util::sync::CancellationToken;

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Where to serve the playground page: a loopback address (port 0 picks
    /// one); `off` serves none. The page acts as any customer and as the
    /// owner, so it never listens beyond this machine.
    #[arg(long, env = "CHATORDER_PLAYGROUND_LISTEN", default_value = "127.0.0.1:8089", value_parser = playground_addr)]
    pub playground: Playground,
}

/// Where the playground listens, if anywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Playground(pub Option<SocketAddr>);

/// A loopback address, or `off`/empty for none.
pub fn playground_addr(raw: &str) -> Result<Playground, String> {
    let raw = raw.trim();
    if raw.is_empty() || raw == "off" {
        return Ok(Playground(None));
    }
    match raw.parse::<SocketAddr>() {
        Ok(a) if a.ip().is_loopback() => Ok(Playground(Some(a))),
        _ => Err(format!(
            "`{raw}` is not a loopback address such as 127.0.0.1:8089 (the page acts as any \
             customer and the owner; `off` turns it off)"
        )),
    }
}

pub async fn run(
    settings: Settings,
    args: RunArgs,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    // The worker must know the stand-in's owner too, so owner settings are
    // filled in before anything starts.
    let (settings, discord) = with_discord_standin(settings).await?;
    let (settings, telegram) = with_telegram_standin(settings).await?;
    let telegram = telegram.map(Arc::new);
    match (&telegram, &discord, args.playground.0) {
        (Some(t), Some(d), Some(listen)) => {
            let addr =
                crate::playground::serve(listen, t.clone(), d.clone(), cancel.clone()).await?;
            eprintln!(
                "chatorder-dev: playground: http://{addr}/ (chat as a customer on the left, work the owner board on the right)"
            );
        }
        (_, _, None) => {}
        _ => eprintln!(
            "chatorder-dev: no playground: it is only for the local Telegram and Discord stand-ins, and a real token is configured"
        ),
    }
    eprintln!(
        "chatorder-dev run: starting the order worker, the demand worker, the Telegram bot, the Discord bot and the HTTP API on http://{}/api/v1 ({})",
        settings.api.listen,
        if settings.metrics.listen.is_empty() {
            "metrics off".to_owned()
        } else {
            format!("metrics on http://{}/metrics", settings.metrics.listen)
        }
    );
    let web = settings.api.listen;
    match web_owner(&settings).await {
        Ok((email, password)) => eprintln!(
            "chatorder-dev: web shop: http://{web}/ · owner dashboard: http://{web}/owner/ (log in as {email}, password {password})"
        ),
        Err(e) => eprintln!("chatorder-dev: web shop: http://{web}/ (no owner login: {e:#})"),
    }
    // The stand-ins live as long as the components.
    let result = chatorder::cli::run_all(settings, cancel).await;
    drop((telegram, discord));
    result
}

/// A web owner account for this run, with a fresh password
/// (printed once, as `chatorder account create-owner` does).
pub async fn web_owner(settings: &Settings) -> anyhow::Result<(String, String)> {
    let client = chatorder_bus::connect(&settings.nats, "chatorder-dev-owner").await?;
    let js = async_nats::jetstream::new(client);
    let accounts = chatorder_api::accounts::Accounts::open_bucket(
        &js,
        chatorder_api::accounts_bucket(&settings.subjects()),
        settings.nats.stream_replicas,
    )
    .await?;
    let password = chatorder_api::secrets::random_token();
    let email = format!(
        "owner-{}@demo.chatorder.local",
        chatorder_api::secrets::readable_id(6)
    );
    let new = chatorder_api::accounts::NewAccount::parse(
        &email,
        "Demo owner",
        None,
        chatorder_shared::domain::Role::Owner,
        &password,
    )?;
    accounts
        .register(new)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((email, password))
}

/// Without a Telegram token, starts the local stand-in and points the bot
/// at it (the stand-in lives as long as the returned handle).
pub async fn with_telegram_standin(
    mut settings: Settings,
) -> anyhow::Result<(Settings, Option<TelegramStandIn>)> {
    if settings.telegram.token.is_some() {
        return Ok((settings, None));
    }
    let standin = TelegramStandIn::start()
        .await
        .context("starting the local Telegram stand-in")?;
    eprintln!(
        "chatorder-dev: no telegram.token set: the Telegram bot talks to the local stand-in at {}",
        standin.api_url()
    );
    settings.telegram.token = Some(chatorder_telegram_standin::TOKEN.to_owned().into());
    settings.telegram.api_url = standin.api_url();
    Ok((settings, Some(standin)))
}

/// Without a Discord token, starts the local stand-in and points the bot at
/// it, with the stand-in's owner as the shop's owner (unless owners are
/// configured).
pub async fn with_discord_standin(
    mut settings: Settings,
) -> anyhow::Result<(Settings, Option<StandIn>)> {
    if settings.discord.token.is_some() {
        return Ok((settings, None));
    }
    let standin = StandIn::start()
        .await
        .context("starting the local Discord stand-in")?;
    eprintln!(
        "chatorder-dev: no discord.token set: the Discord bot talks to the local stand-in at {}",
        standin.url()
    );
    settings.discord.token = Some("local-standin".to_owned().into());
    settings.discord.api_url = standin.url();
    settings.discord.channel_id = Some(StandIn::CHANNEL_ID);
    if settings.discord.owner_user_ids.is_empty() && settings.discord.owner_role_ids.is_empty() {
        settings.discord.owner_user_ids = vec![StandIn::OWNER_USER_ID.to_string()];
    }
    Ok((settings, Some(standin)))
}

#[cfg(test)]
mod tests {
    use super::{Playground, playground_addr};

    #[test]
    fn the_playground_listens_on_loopback_only() {
        for ok in ["127.0.0.1:0", "[::1]:8089", "127.0.0.1:8089"] {
            assert!(
                matches!(playground_addr(ok), Ok(Playground(Some(_)))),
                "{ok:?} is accepted"
            );
        }
        for off in ["", "off", "  "] {
            assert_eq!(
                playground_addr(off),
                Ok(Playground(None)),
                "{off:?} turns it off"
            );
        }
        for bad in ["0.0.0.0:8089", "localhost", "8089", "192.168.1.2:80"] {
            assert!(playground_addr(bad).is_err(), "{bad:?} is refused");
        }
    }
}
