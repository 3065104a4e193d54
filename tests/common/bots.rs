//! The real bots started against their stand-ins for end-to-end tests, and
//! the customer's side of a Telegram chat (what the bot said, its buttons).

use std::time::Duration;

use chatorder_discord_standin::StandIn;
use chatorder_telegram_standin::{BotMessage, TOKEN as TG_TOKEN, TelegramStandIn, User};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::TestEnv;

/// How long a test waits for a bot's answer or for a bot to stop.
pub const BOT_WAIT: Duration = Duration::from_secs(60);

/// The customer bot on its own Telegram stand-in.
pub struct Telegram {
    pub standin: TelegramStandIn,
    cancel: CancellationToken,
    handle: JoinHandle<anyhow::Result<()>>,
}

impl Telegram {
    /// Starts the bot and waits until it listens for events, so the
    /// customer hears about everything that follows.
    pub async fn start(env: &TestEnv) -> Self {
        let standin = TelegramStandIn::start().await.unwrap();
        let mut settings = env.settings.clone();
        settings.telegram.token = Some(TG_TOKEN.to_owned().into());
        settings.telegram.api_url = standin.api_url();
        let cancel = CancellationToken::new();
        let handle = tokio::spawn(chatorder_telegram::run::run(settings, cancel.clone()));
        env.wait_telegram_listening().await;
        Self {
            standin,
            cancel,
            handle,
        }
    }

    /// The id of the last message in the customer's chat (0: none yet).
    pub fn last(&self, user: &User) -> i64 {
        self.standin
            .messages(user.id)
            .last()
            .map_or(0, |m| m.message_id)
    }

    /// The bot's first message after `after` that contains `needle`.
    pub async fn said_after(&self, user: &User, after: i64, needle: &str) -> BotMessage {
        self.standin
            .wait_for(user.id, BOT_WAIT, |m| {
                m.message_id > after && m.text.contains(needle)
            })
            .await
            .unwrap_or_else(|| {
                panic!(
                    "the bot never said `{needle}`; chat: {:#?}",
                    self.standin.messages(user.id)
                )
            })
    }

    /// The data of the button under `msg` whose data starts with `prefix`.
    pub fn button(msg: &BotMessage, prefix: &str) -> String {
        msg.buttons()
            .into_iter()
            .map(|(_, d)| d)
            .find(|d| d.starts_with(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` button on {msg:#?}"))
    }

    /// Stops the bot; it must stop cleanly and in time.
    pub async fn stop(self) {
        stop(self.cancel, self.handle).await;
    }
}

/// The owner bot on a Discord stand-in.
pub struct Discord {
    cancel: CancellationToken,
    handle: JoinHandle<anyhow::Result<()>>,
}

impl Discord {
    /// Starts the bot on `standin`'s owners' channel and waits until it is
    /// on the gateway and listens for events.
    pub async fn start(env: &TestEnv, standin: &StandIn) -> Self {
        let mut settings = env.settings.clone();
        settings.discord.token = Some("standin-token".to_owned().into());
        settings.discord.api_url = standin.url();
        settings.discord.channel_id = Some(StandIn::CHANNEL_ID);
        let cancel = CancellationToken::new();
        let mut handle = tokio::spawn(chatorder_discord::run(settings, cancel.clone()));
        tokio::select! {
            ready = standin.wait_ready(BOT_WAIT) => ready.expect("the bot connects to the gateway"),
            ended = &mut handle => panic!("the bot stopped before connecting: {ended:?}"),
        }
        env.wait_discord_listening().await;
        Self { cancel, handle }
    }

    /// Stops the bot; it must stop cleanly and in time.
    pub async fn stop(self) {
        stop(self.cancel, self.handle).await;
    }
}

/// Cancels a bot's task and waits for it: it must stop cleanly and in time.
async fn stop(cancel: CancellationToken, handle: JoinHandle<anyhow::Result<()>>) {
    cancel.cancel();
    tokio::time::timeout(BOT_WAIT, handle)
        .await
        .expect("bot stops in time")
        .expect("no panic")
        .expect("bot stops cleanly");
}

/// Polls until the owners' channel has a message whose text (content and
/// embeds) contains `needle`, and returns that text.
pub async fn channel_says(standin: &StandIn, needle: &str) -> String {
    let deadline = std::time::Instant::now() + BOT_WAIT;
    loop {
        if let Some(m) = standin
            .messages(StandIn::CHANNEL_ID)
            .into_iter()
            .find(|m| m.text().contains(needle))
        {
            return m.text();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the channel never said `{needle}`: {:#?}",
            standin.messages(StandIn::CHANNEL_ID)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// What the Discord bot finally answered the owner's slash command `name`.
pub async fn owner_slash(standin: &StandIn, name: &str, options: serde_json::Value) -> String {
    let owner = chatorder_discord_standin::User::new(super::OWNER_ID.parse().unwrap(), "Olga");
    let id = standin.slash(&owner, name, options).await.unwrap();
    let reply = standin.response_final(id, BOT_WAIT).await.unwrap();
    reply.content.unwrap_or_default()
}
