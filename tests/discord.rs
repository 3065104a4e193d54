//! The owner bot end to end: the real serenity client against the local
//! Discord stand-in, the order worker, NATS, MariaDB and Redis (and, where
//! the customer must hear about it, the Telegram bot and its stand-in).

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use chatorder_discord_standin::{StandIn, StoredMessage, User as DUser};
use chatorder_shared::api_keys::Scope;
use chatorder_shared::domain::{Actor, Fulfilment, OrderNumber, OrderStatus, Role};
use chatorder_shared::envelope::Envelope;
use chatorder_shared::events::{Event, OrderSnapshot};
use chatorder_shared::owners::{OwnerPost, PostKind};
use chatorder_shared::refusal::{Refusal, TextField};
use chatorder_shared::subjects::CommandKind;
use chatorder_telegram_standin::{TOKEN as TG_TOKEN, TelegramStandIn, User as TUser};
use common::*;
use serde_json::json;
use tokio_util::sync::CancellationToken;

/// How long something may take to happen before the test fails (generous: CI
/// runs heavy tests side by side on 2 cores; nothing waits this long blind).
const WAIT: Duration = Duration::from_secs(60);
const OWNER_ROLE: u64 = 4242;

struct Bot {
    cancel: CancellationToken,
    handle: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Bot {
    async fn stop(self) {
        self.cancel.cancel();
        let r = tokio::time::timeout(WAIT, self.handle)
            .await
            .expect("bot stops in time")
            .expect("bot task did not panic");
        r.expect("bot ended cleanly");
    }
}

fn owner_user() -> DUser {
    DUser::new(OWNER_ID.parse().unwrap(), "Olga")
}

fn role_owner() -> DUser {
    DUser::new(777_001, "Rosa").with_roles(vec![OWNER_ROLE])
}

fn stranger() -> DUser {
    DUser::new(666_001, "Mallory").with_roles(vec![1, 2])
}

async fn env() -> TestEnv {
    let mut env = TestEnv::with(|s| s.discord.owner_role_ids = vec![OWNER_ROLE.to_string()]).await;
    env.spawn_worker();
    env.wait_queries_served().await;
    env
}

async fn start_bot(env: &TestEnv, standin: &StandIn) -> Bot {
    let mut settings = env.settings.clone();
    settings.discord.token = Some("standin-token".to_owned().into());
    settings.discord.api_url = standin.url();
    settings.discord.channel_id = Some(StandIn::CHANNEL_ID);
    let cancel = CancellationToken::new();
    let mut handle = tokio::spawn(chatorder_discord::run(settings, cancel.clone()));
    tokio::select! {
        ready = standin.wait_ready(WAIT) => ready.expect("the bot connects to the gateway"),
        ended = &mut handle => panic!("the bot stopped before connecting: {ended:?}"),
    }
    // Commands are registered before the gateway connects.
    assert!(!standin.commands().is_empty(), "slash commands registered");
    env.wait_discord_listening().await;
    Bot { cancel, handle }
}

/// Starts the customer bot on its own stand-in and waits until it listens
/// for events, so the customer hears about everything that follows.
async fn start_telegram(
    env: &TestEnv,
) -> (
    TelegramStandIn,
    CancellationToken,
    tokio::task::JoinHandle<anyhow::Result<()>>,
) {
    let tg = TelegramStandIn::start().await.unwrap();
    let mut settings = env.settings.clone();
    settings.telegram.token = Some(TG_TOKEN.to_owned().into());
    settings.telegram.api_url = tg.api_url();
    let cancel = CancellationToken::new();
    let bot = tokio::spawn(chatorder_telegram::run::run(settings, cancel.clone()));
    telegram_listening(env).await;
    (tg, cancel, bot)
}

async fn telegram_listening(env: &TestEnv) {
    env.wait_telegram_listening().await;
}

/// Polls until `f` finds something (a condition, not a blind wait).
async fn until<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(t) = f() {
            return t;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn card_of(standin: &StandIn, number: OrderNumber) -> Option<StoredMessage> {
    let tag = format!("Order {number} ");
    standin
        .messages(StandIn::CHANNEL_ID)
        .into_iter()
        .find(|m| m.text().contains(&tag))
}

fn labels(m: &StoredMessage) -> Vec<String> {
    m.buttons().into_iter().map(|(_, label, _)| label).collect()
}

fn button(m: &StoredMessage, label: &str) -> String {
    m.buttons()
        .into_iter()
        .find(|(_, l, _)| l == label)
        .map(|(id, _, _)| id)
        .unwrap_or_else(|| panic!("no `{label}` button on {m:#?}"))
}

/// Presses the button labelled `label` on `card` as `user`.
async fn press(
    standin: &StandIn,
    user: &DUser,
    card: &StoredMessage,
    label: &str,
) -> chatorder_discord_standin::InteractionId {
    standin
        .click(user, card.channel_id, card.id, &button(card, label))
        .await
        .unwrap()
}

async fn status_in_mysql(env: &TestEnv, number: OrderNumber) -> String {
    #[derive(diesel::QueryableByName)]
    struct S {
        #[diesel(sql_type = diesel::sql_types::Text)]
        status: String,
    }
    use diesel_async::RunQueryDsl as _;
    let mut conn = env.db().await;
    diesel::sql_query(format!(
        "SELECT status FROM orders WHERE number = {}",
        number.0
    ))
    .get_result::<S>(&mut conn)
    .await
    .unwrap()
    .status
}

async fn place_and_see(
    env: &TestEnv,
    standin: &StandIn,
    customer_id: &str,
) -> (OrderNumber, StoredMessage) {
    let id = env
        .place(&customer(customer_id), &[("hawaiian_m", 2)])
        .await;
    let order = env.wait_placed(id).await;
    let card = until("the board card", || {
        card_of(standin, order.number).filter(|m| !m.buttons().is_empty())
    })
    .await;
    (order.number, card)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owner_accepts_from_the_board_and_the_customer_hears() {
    let env = env().await;
    let (tg, tg_cancel, tg_bot) = start_telegram(&env).await;
    let standin = StandIn::start().await.unwrap();
    let bot = start_bot(&env, &standin).await;

    let customer_user = TUser::new(5_550_001, "Ada");
    let (number, card) = place_and_see(&env, &standin, &customer_user.id.to_string()).await;
    let text = card.text();
    assert!(text.contains("Pending"), "{text}");
    assert!(text.contains("2 × "), "items: {text}");
    assert!(text.contains("Customer"), "{text}");
    assert_eq!(labels(&card), ["Accept", "Reject", "Cancel…"]);
    // The thread is started right after the card is posted.
    until("a thread per order", || {
        standin
            .threads()
            .into_iter()
            .find(|t| t.parent_message_id == Some(card.id))
    })
    .await;

    let click = press(&standin, &owner_user(), &card, "Accept").await;
    let reply = standin.response(click, WAIT).await.unwrap();
    assert!(
        reply.answered_after < Duration::from_secs(3),
        "{:?}",
        reply.answered_after
    );

    let edited = until("the card to show Accepted", || {
        standin
            .message(card.channel_id, card.id)
            .filter(|m| m.text().contains("Accepted"))
    })
    .await;
    assert_eq!(status_in_mysql(&env, number).await, "accepted");
    assert!(
        labels(&edited).contains(&"Preparing".to_owned()),
        "{:?}",
        labels(&edited)
    );
    assert!(
        edited.text().contains("Accepted by Olga"),
        "who: {}",
        edited.text()
    );
    assert_eq!(
        standin
            .messages(StandIn::CHANNEL_ID)
            .iter()
            .filter(|m| m.text().contains(&format!("Order {number} ")))
            .count(),
        1,
        "edited in place, not posted again"
    );
    tg.wait_for(customer_user.id, WAIT, |m| m.text.contains("accepted"))
        .await
        .expect("the customer is told in Telegram");

    // A finished order loses its buttons.
    let done = press(&standin, &owner_user(), &edited, "Completed").await;
    standin.response(done, WAIT).await.unwrap();
    until("the card to lose its buttons", || {
        standin
            .message(card.channel_id, card.id)
            .filter(|m| m.text().contains("Completed") && m.buttons().is_empty())
    })
    .await;
    assert_eq!(status_in_mysql(&env, number).await, "completed");

    bot.stop().await;
    tg_cancel.cancel();
    let _ = tg_bot.await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_owners_are_refused_and_nothing_changes() {
    let env = env().await;
    let standin = StandIn::start().await.unwrap();
    let bot = start_bot(&env, &standin).await;
    let (number, card) = place_and_see(&env, &standin, "5550002").await;

    let click = press(&standin, &stranger(), &card, "Accept").await;
    let reply = standin.response(click, WAIT).await.unwrap();
    assert!(reply.ephemeral, "refusals are private");
    assert!(
        reply
            .content
            .unwrap_or_default()
            .contains("Only the shop's owners")
    );
    let slash = standin
        .slash(&stranger(), "status", json!([{"name":"number","type":4,"value":number.0},{"name":"status","type":3,"value":"rejected"}]))
        .await
        .unwrap();
    let reply = standin.response(slash, WAIT).await.unwrap();
    assert!(
        reply.ephemeral
            && reply
                .content
                .unwrap_or_default()
                .contains("Only the shop's owners")
    );
    // The owner's click goes through; the stranger's did not.
    press(&standin, &owner_user(), &card, "Accept").await;
    env.wait_event("the owner's accept", |e| {
        matches!(e.data, Event::StatusChanged { .. })
    })
    .await;
    env.settle().await;
    let statuses: Vec<(String, String)> = env
        .events()
        .await
        .into_iter()
        .filter_map(|e| match e.data {
            Event::StatusChanged { to, .. } => Some((e.actor.id.clone(), to.to_string())),
            _ => None,
        })
        .collect();
    assert_eq!(statuses, vec![(OWNER_ID.to_owned(), "accepted".to_owned())]);

    // An owner by role may act.
    let by_role = standin
        .slash(&role_owner(), "status", json!([{"name":"number","type":4,"value":number.0},{"name":"status","type":3,"value":"preparing"}]))
        .await
        .unwrap();
    let reply = standin.response_final(by_role, WAIT).await.unwrap();
    assert!(reply.ephemeral);
    assert_eq!(
        reply.content.as_deref(),
        Some(format!("Order {number} is now preparing.").as_str())
    );
    assert_eq!(status_in_mysql(&env, number).await, "preparing");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reply_reaches_the_customer_and_the_thread_carries_the_conversation() {
    let env = env().await;
    let (tg, tg_cancel, tg_bot) = start_telegram(&env).await;
    let standin = StandIn::start().await.unwrap();
    let bot = start_bot(&env, &standin).await;
    let ada = TUser::new(5_550_003, "Ada");
    let (number, card) = place_and_see(&env, &standin, &ada.id.to_string()).await;
    let thread = until("the order's thread", || {
        standin
            .threads()
            .into_iter()
            .find(|t| t.parent_message_id == Some(card.id))
    })
    .await;

    // The customer writes; it shows in the thread.
    let msg = chatorder_shared::envelope::Envelope::new(
        "order.message",
        customer(&ada.id.to_string()),
        chatorder_shared::commands::SendMessage {
            number,
            text: "Can you make it extra crispy? @everyone".into(),
        },
    );
    env.send(Role::Customer, CommandKind::Message, &msg, true)
        .await;
    let posted = until("the customer's message in the thread", || {
        standin
            .messages(thread.id)
            .into_iter()
            .find(|m| m.content.contains("extra crispy"))
    })
    .await;
    assert!(
        !posted.content.contains("@everyone"),
        "defanged: {}",
        posted.content
    );
    assert_no_mentions(&posted);

    // The owner replies with /reply; the customer gets it in Telegram.
    let slash = standin
        .slash(&owner_user(), "reply", json!([{"name":"number","type":4,"value":number.0},{"name":"text","type":3,"value":"Sure, extra crispy it is!"}]))
        .await
        .unwrap();
    let reply = standin.response_final(slash, WAIT).await.unwrap();
    assert!(
        reply.content.unwrap_or_default().starts_with("Sent to"),
        "confirmed"
    );
    tg.wait_for(ada.id, WAIT, |m| {
        m.text.contains("Sure, extra crispy it is!")
    })
    .await
    .expect("the reply reaches Telegram");
    until("the reply in the thread", || {
        standin
            .messages(thread.id)
            .into_iter()
            .find(|m| m.content.contains("Olga") && m.content.contains("extra crispy it is"))
    })
    .await;
    bot.stop().await;
    tg_cancel.cancel();
    let _ = tg_bot.await;
}

fn assert_no_mentions(m: &StoredMessage) {
    let am = m
        .allowed_mentions
        .clone()
        .expect("allowed_mentions is always sent");
    assert_eq!(am["parse"], json!([]), "{am}");
    assert!(am.get("users").is_none_or(|u| u == &json!([])), "{am}");
    assert!(am.get("roles").is_none_or(|r| r == &json!([])), "{am}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_note_fits_and_pings_nobody_and_an_oversized_one_is_refused() {
    let env = env().await;
    let standin = StandIn::start().await.unwrap();
    let bot = start_bot(&env, &standin).await;
    // The longest note the worker accepts, full of would-be mentions, on
    // the biggest order it accepts.
    let note = format!(
        "@everyone @here <@{OWNER_ID}> {}",
        "ring the bell twice, ".repeat(30)
    );
    let note: String = note.chars().take(500).collect();
    let lines: Vec<(String, u32)> = [
        "hawaiian",
        "classic_dlx",
        "bbq_ckn",
        "cali_ckn",
        "five_cheese",
    ]
    .iter()
    .flat_map(|p| ["s", "m", "l"].map(|s| (format!("{p}_{s}"), 50)))
    .filter(|(sku, _)| sku != "five_cheese_s" && sku != "five_cheese_m")
    .collect();
    let mut cmd = place_cmd(
        &lines
            .iter()
            .map(|(s, q)| (s.as_str(), *q))
            .collect::<Vec<_>>(),
    );
    cmd.note = Some(note.clone());
    let env_cmd =
        chatorder_shared::envelope::Envelope::new("order.place", customer("5550004"), cmd);
    env.send(Role::Customer, CommandKind::Place, &env_cmd, true)
        .await;
    let order = env.wait_placed(env_cmd.id).await;
    let card = until("the board card", || card_of(&standin, order.number)).await;
    assert_no_mentions(&card);
    let text = card.text();
    assert!(
        !text.contains("@everyone") && !text.contains("@here"),
        "{text}"
    );
    assert!(text.contains("ring the bell twice"), "{text}");

    // Over the limit: the worker refuses it with a sentence; no card appears.
    let mut big = place_cmd(&[("hawaiian_m", 1)]);
    big.note = Some("x".repeat(3000));
    let big_cmd =
        chatorder_shared::envelope::Envelope::new("order.place", customer("5550004"), big);
    env.send(Role::Customer, CommandKind::Place, &big_cmd, true)
        .await;
    let rejection = env.wait_rejection(big_cmd.id).await;
    assert_eq!(
        rejection.refusal,
        Refusal::TooLong {
            field: TextField::Note,
            len: 3000,
            max: 500
        }
    );
    let said = chatorder_telegram::texts::Texts::rejected_command(
        &chatorder_telegram::texts::English,
        &rejection.refusal,
        chrono::Utc::now(),
        env.settings.shop.time_zone,
    );
    assert!(said.contains("500"), "{said}");
    env.settle().await;
    let cards = standin
        .messages(StandIn::CHANNEL_ID)
        .iter()
        .filter(|m| m.text().contains("Order #"))
        .count();
    assert_eq!(cards, 1);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_bot_edits_its_old_cards_and_posts_nothing_twice() {
    let env = env().await;
    let standin = StandIn::start().await.unwrap();
    let bot = start_bot(&env, &standin).await;
    let (number, card) = place_and_see(&env, &standin, "5550005").await;
    let post = OwnerPost::new(PostKind::Summary, "Morning summary", "Yesterday: 3 orders");
    publish_post(&env, &post, "first").await;
    until("the summary", || {
        standin
            .messages(StandIn::CHANNEL_ID)
            .into_iter()
            .find(|m| m.content.contains("Morning summary"))
    })
    .await;
    bot.stop().await;

    // While the bot is down: the order moves, and the summary comes again
    // (a second publish with a different message id, as a retrying sender would).
    env.set_status(number, OrderStatus::Accepted).await;
    publish_post(&env, &post, "second").await;
    let id2 = env.place(&customer("5550006"), &[("hawaiian_l", 1)]).await;
    let second = env.wait_placed(id2).await;
    env.settle().await;

    let standin_sessions = standin.sessions();
    let bot = start_bot(&env, &standin).await;
    assert!(
        standin.sessions() > standin_sessions,
        "a new gateway session"
    );
    until("the old card edited to Accepted", || {
        standin
            .message(card.channel_id, card.id)
            .filter(|m| m.text().contains("Accepted"))
    })
    .await;
    until("the order placed while down", || {
        card_of(&standin, second.number)
    })
    .await;
    let msgs = standin.messages(StandIn::CHANNEL_ID);
    let count = |needle: &str| msgs.iter().filter(|m| m.text().contains(needle)).count();
    assert_eq!(count(&format!("Order {number} ")), 1, "no duplicate card");
    assert_eq!(count(&format!("Order {} ", second.number)), 1);
    assert_eq!(count("Morning summary"), 1, "the summary once");
    bot.stop().await;
}

/// A card can fall behind its order: a bot killed between posting the card
/// and keeping its board entry, or an edit that was lost. The next event
/// brings a card whose entry was lost up to date, and a press the worker
/// refuses shows a card left behind as the order is now.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_left_behind_its_order_catches_up() {
    let env = env().await;
    let standin = StandIn::start().await.unwrap();
    let bot = start_bot(&env, &standin).await;
    let (number, card) = place_and_see(&env, &standin, "5550031").await;
    bot.stop().await;

    // The board forgets every card (as if the entry was never kept) and
    // the order is accepted meanwhile. The restarted bot posts for the
    // "accepted" event with the same nonce, and Discord hands back the old
    // card: it must show "Accepted", not offer Accept again.
    let bucket = env.settings.subjects().stream("DISCORD_BOARD");
    env.js.delete_stream(format!("KV_{bucket}")).await.unwrap();
    env.set_status(number, OrderStatus::Accepted).await;
    env.settle().await;
    let bot = start_bot(&env, &standin).await;
    let accepted = until("the old card brought up to Accepted", || {
        standin
            .message(card.channel_id, card.id)
            .filter(|m| m.text().contains("· Accepted"))
    })
    .await;
    assert!(
        labels(&accepted).contains(&"Preparing".to_owned())
            && !labels(&accepted).contains(&"Accept".to_owned()),
        "{:?}",
        labels(&accepted)
    );

    // Now the board believes it has shown a far later version, so the
    // "preparing" event changes nothing on the card.
    let store = env.js.get_key_value(&bucket).await.unwrap();
    let key = format!("order.{}", number.0);
    let mut entry: serde_json::Value =
        serde_json::from_slice(&store.get(&key).await.unwrap().unwrap()).unwrap();
    entry["version"] = json!(999);
    store
        .put(&key, serde_json::to_vec(&entry).unwrap().into())
        .await
        .unwrap();
    let click = press(&standin, &owner_user(), &accepted, "Preparing").await;
    standin.response(click, WAIT).await.unwrap();
    let waited = Instant::now();
    while status_in_mysql(&env, number).await != "preparing" {
        assert!(waited.elapsed() < WAIT, "the order moves to preparing");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let behind = standin.message(card.channel_id, card.id).unwrap();
    assert!(
        behind.text().contains("· Accepted"),
        "the card is behind the order: {}",
        behind.text()
    );
    // The owner presses the stale button again: refused, and the card is
    // shown afresh with the move that is possible now.
    let again = press(&standin, &owner_user(), &behind, "Preparing").await;
    standin.response(again, WAIT).await.unwrap();
    let healed = until("the card shown afresh", || {
        standin
            .message(card.channel_id, card.id)
            .filter(|m| m.text().contains("· Preparing"))
    })
    .await;
    assert!(
        !labels(&healed).contains(&"Preparing".to_owned()),
        "{:?}",
        labels(&healed)
    );
    let cards = standin
        .messages(StandIn::CHANNEL_ID)
        .iter()
        .filter(|m| m.text().contains(&format!("Order {number} ")))
        .count();
    assert_eq!(cards, 1, "one card, edited in place");
    bot.stop().await;
}

async fn publish_post(env: &TestEnv, post: &OwnerPost, msg_id: &str) {
    use async_nats::jetstream::message::PublishMessage;
    env.js
        .send_publish(
            env.subjects.owners_post(post.kind),
            PublishMessage::build()
                .payload(post.to_json().into())
                .message_id(format!("{}-{msg_id}", post.id)),
        )
        .await
        .unwrap()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slash_commands_page_cancel_with_a_reason_and_change_the_catalog() {
    let env = env().await;
    let standin = StandIn::start().await.unwrap();
    let bot = start_bot(&env, &standin).await;
    let mut numbers = Vec::new();
    for i in 0..12 {
        let id = env
            .place(&customer(&format!("55510{i:02}")), &[("hawaiian_s", 1)])
            .await;
        numbers.push(env.wait_placed(id).await.number);
    }
    // /pending: oldest first, 10 a page, with a Next button.
    let p = standin
        .slash(&owner_user(), "pending", json!([]))
        .await
        .unwrap();
    let page1 = standin.response_final(p, WAIT).await.unwrap();
    let content = page1.content.clone().unwrap_or_default();
    assert!(content.contains("page 1 of 2"), "{content}");
    assert!(
        content.find(&format!("**{}**", numbers[0])) < content.find(&format!("**{}**", numbers[1]))
    );
    assert!(content.chars().count() <= 2000);
    let original = standin
        .read(|s| {
            s.all_messages(StandIn::CHANNEL_ID)
                .into_iter()
                .find(|m| Some(m.id) == page1.message_id)
                .cloned()
        })
        .expect("the deferred reply");
    let next = original
        .buttons()
        .into_iter()
        .find(|(_, l, _)| l.starts_with("Next"))
        .expect("Next")
        .0;
    let click = standin
        .click(&owner_user(), original.channel_id, original.id, &next)
        .await
        .unwrap();
    let page2 = standin.response(click, WAIT).await.unwrap();
    assert!(page2.content.unwrap_or_default().contains("page 2 of 2"));

    // Cancel asks why; the reason is kept.
    let card = until("a card", || card_of(&standin, numbers[0])).await;
    let click = press(&standin, &owner_user(), &card, "Cancel…").await;
    let form = standin.response(click, WAIT).await.unwrap();
    assert_eq!(form.kind, 9, "a form asking why");
    let submit = standin
        .submit_modal(
            &owner_user(),
            &format!("why:{}:cancelled", numbers[0].0),
            &[("reason", "out of dough")],
        )
        .await
        .unwrap();
    standin.response(submit, WAIT).await.unwrap();
    until("the card to show the cancellation", || {
        standin
            .message(card.channel_id, card.id)
            .filter(|m| m.text().contains("Cancelled") && m.text().contains("out of dough"))
    })
    .await;
    assert_eq!(status_in_mysql(&env, numbers[0]).await, "cancelled");

    // A move the lifecycle forbids is refused with the worker's reason.
    let s = standin
        .slash(&owner_user(), "status", json!([{"name":"number","type":4,"value":numbers[0].0},{"name":"status","type":3,"value":"accepted"}]))
        .await
        .unwrap();
    let refused = standin.response_final(s, WAIT).await.unwrap();
    assert!(refused.content.unwrap_or_default().starts_with("Not done:"));

    // The catalog.
    let c = standin
        .slash(&owner_user(), "catalog", json!([{"name":"price","type":1,"options":[{"name":"sku","type":3,"value":"hawaiian_m"},{"name":"price","type":3,"value":"14.25"}]}]))
        .await
        .unwrap();
    let changed = standin.response_final(c, WAIT).await.unwrap();
    assert!(changed.content.unwrap_or_default().contains("14.25"));
    // /forecast says clearly that there is none yet when no demand worker runs.
    let f = standin
        .slash(&owner_user(), "forecast", json!([]))
        .await
        .unwrap();
    let none = standin.response_final(f, WAIT).await.unwrap();
    let none = none.content.unwrap_or_default();
    assert!(none.contains("No forecast yet"), "{none}");
    bot.stop().await;
}

/// Places an order for `who` (any name) with a note, and returns it as placed.
async fn place_as(
    env: &TestEnv,
    who: &Actor,
    lines: &[(&str, u32)],
    fulfilment: Fulfilment,
    note: Option<&str>,
) -> OrderSnapshot {
    let mut cmd = place_cmd(lines);
    cmd.fulfilment = fulfilment;
    cmd.note = note.map(str::to_owned);
    let placed = Envelope::new("order.place", who.clone(), cmd);
    env.send(Role::Customer, CommandKind::Place, &placed, true)
        .await;
    env.wait_placed(placed.id).await
}

/// The shop's day an order was placed on.
fn shop_day(env: &TestEnv, order: &OrderSnapshot) -> chrono::NaiveDate {
    order
        .placed_at
        .with_timezone(&env.settings.shop.time_zone)
        .date_naive()
}

fn utc(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_attaches_the_days_orders_as_the_http_api_writes_them() {
    let env = env().await;
    let standin = StandIn::start().await.unwrap();
    let bot = start_bot(&env, &standin).await;
    let api = common::api::Api::start(&env).await;
    let (_, reader) = common::api::Api::key(&env, &[Scope::Read]).await;

    // A name and a note with a comma, quotes and a line break; an address
    // with a comma; a note a spreadsheet would run as a formula.
    let tricky_name = "O'Hara, \"Bo\"\nJr";
    let tricky_note = "ring twice, then say \"pizza\"\nback door";
    let mut bo = customer("5550901");
    bo.name = Some(tricky_name.to_owned());
    let first = place_as(
        &env,
        &bo,
        &[("hawaiian_m", 2), ("hawaiian_s", 1)],
        Fulfilment::Delivery {
            address: "1 Main St, Flat 2".to_owned(),
        },
        Some(tricky_note),
    )
    .await;
    let second = place_as(
        &env,
        &customer("5550902"),
        &[("hawaiian_m", 1)],
        Fulfilment::Pickup,
        Some("=1+1"),
    )
    .await;
    env.set_status(second.number, OrderStatus::Accepted).await;
    let second = match env
        .wait_event("the second order accepted", |e| {
            matches!(&e.data, Event::StatusChanged { order, .. } if order.number == second.number)
        })
        .await
        .data
    {
        Event::StatusChanged { order, .. } => order,
        _ => unreachable!(),
    };
    let third = place_as(
        &env,
        &customer("5550903"),
        &[("hawaiian_s", 3)],
        Fulfilment::Pickup,
        None,
    )
    .await;

    let (from, to) = (shop_day(&env, &first), shop_day(&env, &third));
    let slash = standin
        .slash(
            &owner_user(),
            "export",
            json!([{"name":"from","type":3,"value":from.to_string()},{"name":"to","type":3,"value":to.to_string()}]),
        )
        .await
        .unwrap();
    let reply = standin.response_final(slash, WAIT).await.unwrap();
    assert!(
        reply.ephemeral,
        "customers' names stay with the owner who asked"
    );
    let content = reply.content.clone().unwrap_or_default();
    assert!(content.starts_with("**3 orders** placed "), "{content}");
    assert!(content.contains("Europe/London"), "{content}");
    assert_eq!(reply.attachments.len(), 1, "{reply:?}");
    let file = &reply.attachments[0];
    let name = if from == to {
        format!("orders-{from}.csv")
    } else {
        format!("orders-{from}-to-{to}.csv")
    };
    assert_eq!(file.filename, name);
    assert_eq!(file.content_type.as_deref(), Some("text/csv"));

    // Read it back as a spreadsheet import would: every row, every column.
    let mut csv = csv::Reader::from_reader(file.bytes.as_slice());
    let header: Vec<String> = csv.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(header, chatorder_shared::export::COLUMNS);
    let rows: Vec<Vec<String>> = csv
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let expected: Vec<Vec<String>> = [
        [
            third.number.0.to_string(),
            utc(third.placed_at),
            utc(third.updated_at),
            "pending".into(),
            "telegram".into(),
            "Customer 5550903".into(),
            "pickup".into(),
            String::new(),
            "hawaiian_s x 3".into(),
            "3".into(),
            "3150".into(),
            "USD".into(),
            String::new(),
            "0".into(),
            "on_pickup".into(),
            String::new(),
            String::new(),
        ],
        [
            second.number.0.to_string(),
            utc(second.placed_at),
            utc(second.updated_at),
            "accepted".into(),
            "telegram".into(),
            "Customer 5550902".into(),
            "pickup".into(),
            String::new(),
            "hawaiian_m x 1".into(),
            "1".into(),
            "1325".into(),
            "USD".into(),
            "'=1+1".into(),
            "0".into(),
            "on_pickup".into(),
            String::new(),
            String::new(),
        ],
        [
            first.number.0.to_string(),
            utc(first.placed_at),
            utc(first.updated_at),
            "pending".into(),
            "telegram".into(),
            tricky_name.into(),
            "delivery".into(),
            "1 Main St, Flat 2".into(),
            "hawaiian_m x 2; hawaiian_s x 1".into(),
            "3".into(),
            "3700".into(),
            "USD".into(),
            tricky_note.into(),
            "0".into(),
            "on_delivery".into(),
            String::new(),
            String::new(),
        ],
    ]
    .into_iter()
    .map(Vec::from)
    .collect();
    assert_eq!(rows, expected, "newest first");

    // The same file the HTTP API offers for the same period, byte for byte.
    let days = chatorder_discord::export::Days {
        first: from,
        last: to,
    };
    let period = chatorder_discord::export::period(days, env.settings.shop.time_zone).unwrap();
    let from_api = api
        .http
        .get(api.url("/orders/export"))
        .query(&[
            ("placed_from", period.from().to_rfc3339()),
            ("placed_before", period.before().to_rfc3339()),
        ])
        .bearer_auth(&reader)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&from_api),
        file.text(),
        "the HTTP API's file"
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_refuses_bad_days_and_strangers_and_says_when_a_day_is_empty() {
    let env = env().await;
    let standin = StandIn::start().await.unwrap();
    let bot = start_bot(&env, &standin).await;
    place_as(
        &env,
        &customer("5550911"),
        &[("hawaiian_m", 1)],
        Fulfilment::Pickup,
        None,
    )
    .await;
    let export = |user: DUser, args: serde_json::Value| {
        let standin = &standin;
        async move {
            let id = standin.slash(&user, "export", args).await.unwrap();
            standin.response_final(id, WAIT).await.unwrap()
        }
    };
    let day = |name: &str, value: &str| json!({"name": name, "type": 3, "value": value});

    // Someone who is not an owner gets no file, whatever they ask.
    let refused = export(stranger(), json!([])).await;
    assert!(refused.ephemeral && refused.attachments.is_empty());
    assert!(
        refused
            .content
            .unwrap_or_default()
            .contains("Only the shop's owners"),
    );

    let said = |reply: chatorder_discord_standin::InteractionReply| {
        assert!(reply.ephemeral, "{reply:?}");
        assert!(reply.attachments.is_empty(), "no file: {reply:?}");
        reply.content.unwrap_or_default()
    };
    let not_a_day = said(export(owner_user(), json!([day("from", "31/12/2026")])).await);
    assert_eq!(
        not_a_day,
        "`31/12/2026` is not a day; write it like 2026-12-04, or `today` or `yesterday`."
    );
    let impossible = said(export(owner_user(), json!([day("from", "2026-02-30")])).await);
    assert!(impossible.contains("is not a day"), "{impossible}");
    let backwards = said(
        export(
            owner_user(),
            json!([day("from", "2026-12-04"), day("to", "2026-12-01")]),
        )
        .await,
    );
    assert_eq!(
        backwards,
        "`from` (Fri 4 Dec 2026) comes after `to` (Tue 1 Dec 2026): put the earlier day first."
    );
    let future = said(export(owner_user(), json!([day("from", "2999-01-01")])).await);
    assert!(future.contains("hasn't come yet"), "{future}");
    let too_long = said(
        export(
            owner_user(),
            json!([day("from", "2020-01-01"), day("to", "2022-01-01")]),
        )
        .await,
    );
    assert_eq!(
        too_long,
        "That is 732 days; export at most 366 days at a time."
    );
    // A day without orders: a sentence, not an empty file.
    let empty = said(export(owner_user(), json!([day("from", "2020-01-01")])).await);
    assert_eq!(
        empty,
        "No orders were placed on Wed 1 Jan 2020 (shop time, Europe/London), so there is no file."
    );
    bot.stop().await;
}
