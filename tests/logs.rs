//! Secrets and customers' personal data never reach the logs. The whole
//! path runs in this process with every log line captured at `debug`, in the
//! production JSON format with spans: a customer orders a delivery with a
//! shared phone number and an address through the real Telegram bot, the
//! owner accepts it on the real Discord bot, the customer is told. Then the
//! captured logs are searched for the bot tokens, the NATS password-free
//! URLs aside, the phone number and the address.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chatorder_discord_standin::{StandIn, User as DUser};
use chatorder_telegram_standin::{TelegramStandIn, User};
use common::*;
use tokio_util::sync::CancellationToken;

const WAIT: Duration = Duration::from_secs(30);
const TELEGRAM_TOKEN: &str = "1000000001:AAHsecretTelegramTokenForLogTest";
const DISCORD_TOKEN: &str = "MTAwMDAwsecretDiscordTokenForLogTest";
const PHONE: &str = "+44 7700 900123";
const ADDRESS: &str = "221B Baker Street, Flat 3, London NW1 6XE";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

fn button(data: &[(String, String)], prefix: &str) -> String {
    data.iter()
        .map(|(_, d)| d.clone())
        .find(|d| d.starts_with(prefix))
        .unwrap_or_else(|| panic!("no `{prefix}` button in {data:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_phones_and_addresses_never_reach_the_logs() {
    let logs = Captured::default();
    tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(true)
        .with_env_filter(tracing_subscriber::EnvFilter::new("debug"))
        .with_writer(logs.clone())
        .init();

    let mut env = TestEnv::new().await;
    env.spawn_worker();
    env.wait_queries_served().await;
    let cancel = CancellationToken::new();

    let telegram = TelegramStandIn::start().await.expect("Telegram stand-in");
    let mut settings = env.settings.clone();
    settings.telegram.token = Some(TELEGRAM_TOKEN.to_owned().into());
    settings.telegram.api_url = telegram.api_url();
    let tbot = tokio::spawn(chatorder_telegram::run::run(settings, cancel.clone()));
    env.wait_telegram_listening().await;

    let discord = StandIn::start().await.expect("Discord stand-in");
    let mut settings = env.settings.clone();
    settings.discord.token = Some(DISCORD_TOKEN.to_owned().into());
    settings.discord.api_url = discord.url();
    settings.discord.channel_id = Some(StandIn::CHANNEL_ID);
    let dbot = tokio::spawn(chatorder_discord::run(settings, cancel.clone()));
    discord
        .wait_ready(WAIT)
        .await
        .expect("the owner bot connects");
    env.wait_discord_listening().await;

    // A delivery order with a shared phone number and an address.
    let ada = User::new(4242, "Ada");
    let said = |pred: &dyn Fn(&str) -> bool| {
        telegram
            .messages(ada.id)
            .into_iter()
            .rev()
            .find(|m| pred(&m.text))
    };
    async fn until<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(v) = f() {
                return v;
            }
            assert!(Instant::now() < deadline, "waited too long for {what}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    telegram.send_text(&ada, "2 large hawaiian");
    until("Added", || said(&|t| t.contains("Added"))).await;
    telegram.send_text(&ada, "/checkout");
    let ask = until("Pickup or delivery", || {
        said(&|t| t.contains("Pickup or delivery"))
    })
    .await;
    telegram.press_button(&ada, ask.message_id, &button(&ask.buttons(), "f:d:"));
    until("the address question", || {
        said(&|t| t.to_lowercase().contains("address"))
    })
    .await;
    telegram.send_text(&ada, ADDRESS);
    until("the phone question", || {
        said(&|t| t.to_lowercase().contains("phone"))
    })
    .await;
    telegram.share_contact(&ada, PHONE);
    let summary = until("the summary", || said(&|t| t.contains("Please check"))).await;
    telegram.press_button(&ada, summary.message_id, &button(&summary.buttons(), "ok:"));
    until("received", || said(&|t| t.contains("received"))).await;

    // The owner accepts on the board (whose card shows the address).
    let card = until("the card", || {
        discord
            .messages(StandIn::CHANNEL_ID)
            .into_iter()
            .find(|m| m.text().contains("Order #"))
    })
    .await;
    assert!(
        card.text().contains("Baker Street"),
        "the owner needs the address"
    );
    let accept = card
        .buttons()
        .into_iter()
        .find(|(_, label, _)| label == "Accept")
        .expect("an Accept button")
        .0;
    let owner = DUser::new(OWNER_ID.parse().unwrap(), "Olga");
    let click = discord
        .click(&owner, StandIn::CHANNEL_ID, card.id, &accept)
        .await
        .expect("click");
    discord.response(click, WAIT).await.expect("acknowledged");
    until("accepted", || {
        said(&|t| t.to_lowercase().contains("accepted"))
    })
    .await;

    // A refusal with the customer's text in it goes through the logs too.
    telegram.send_text(&ada, &format!("/msg 999999 call me on {PHONE}"));
    until("couldn't find", || said(&|t| t.contains("couldn't find"))).await;

    env.settle().await;
    cancel.cancel();
    let _ = tokio::time::timeout(WAIT, tbot).await;
    let _ = tokio::time::timeout(WAIT, dbot).await;
    env.stop_workers().await;

    let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    let lines = text.lines().count();
    assert!(
        lines > 50,
        "the logs were captured ({lines} lines): the check would be empty otherwise"
    );
    assert!(
        text.contains("order") || text.contains("command"),
        "the captured logs are the system's"
    );
    let digits: String = PHONE.chars().filter(char::is_ascii_digit).collect();
    for (what, needle) in [
        ("the Telegram token", TELEGRAM_TOKEN),
        ("the Telegram token's secret part", "AAHsecretTelegramToken"),
        ("the Discord token", DISCORD_TOKEN),
        ("the phone number", PHONE),
        ("the phone number's digits", digits.as_str()),
        ("the phone number's last digits", "900123"),
        ("the address", ADDRESS),
        ("the street", "Baker Street"),
        ("the postcode", "NW1 6XE"),
    ] {
        if let Some(line) = text.lines().find(|l| l.contains(needle)) {
            let mut out = std::io::stderr();
            let _ = writeln!(out, "{line}");
            panic!("{what} appears in the logs (line above)");
        }
    }
}
