//! The customer bot end to end: the real teloxide client against the local
//! Telegram stand-in, the order worker, NATS, MariaDB and Redis.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use chatorder_shared::domain::{OrderNumber, OrderStatus};
use chatorder_telegram_standin::{BotMessage, TOKEN, TelegramStandIn, User};
use common::*;
use tokio_util::sync::CancellationToken;

/// How long something may take to happen before the test fails (generous: CI
/// runs heavy tests side by side on 2 cores; nothing waits this long blind).
const WAIT: Duration = Duration::from_secs(60);

struct Bot {
    standin: TelegramStandIn,
    cancel: CancellationToken,
    handle: tokio::task::JoinHandle<anyhow::Result<()>>,
}

async fn start_bot(env: &TestEnv) -> Bot {
    start_bot_with(env, |_| {}).await
}

async fn start_bot_with(
    env: &TestEnv,
    tweak: impl FnOnce(&mut chatorder_shared::config::Settings),
) -> Bot {
    let standin = TelegramStandIn::start().await.expect("stand-in starts");
    let mut settings = env.settings.clone();
    tweak(&mut settings);
    run_on(standin, settings)
}

fn run_on(standin: TelegramStandIn, mut settings: chatorder_shared::config::Settings) -> Bot {
    settings.telegram.token = Some(TOKEN.to_owned().into());
    settings.telegram.api_url = standin.api_url();
    let cancel = CancellationToken::new();
    let handle = tokio::spawn(chatorder_telegram::run::run(settings, cancel.clone()));
    Bot {
        standin,
        cancel,
        handle,
    }
}

impl Bot {
    async fn expect(
        &self,
        user: &User,
        what: &str,
        pred: impl Fn(&BotMessage) -> bool,
    ) -> BotMessage {
        self.standin
            .wait_for(user.id, WAIT, pred)
            .await
            .unwrap_or_else(|| {
                panic!(
                    "bot never said {what}; chat: {:#?}",
                    self.standin.messages(user.id)
                )
            })
    }

    async fn said(&self, user: &User, needle: &str) -> BotMessage {
        self.expect(user, needle, |m| m.text.contains(needle)).await
    }

    fn button(msg: &BotMessage, prefix: &str) -> String {
        msg.buttons()
            .into_iter()
            .map(|(_, d)| d)
            .find(|d| d.starts_with(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` button on {msg:#?}"))
    }

    /// `/checkout`, then Pickup; returns the summary (newer than `after`).
    async fn checkout_pickup(&self, user: &User, after: i64) -> BotMessage {
        self.standin.send_text(user, "/checkout");
        let ask = self
            .expect(user, "Pickup or delivery", |m| {
                m.message_id > after && m.text.contains("Pickup or delivery")
            })
            .await;
        self.standin
            .press_button(user, ask.message_id, &Bot::button(&ask, "f:p:"));
        self.expect(user, "the summary", |m| {
            m.message_id > ask.message_id && m.text.contains("Please check")
        })
        .await
    }

    /// Stops the bot, runs `meanwhile`, and starts it again on the same
    /// stand-in (the chats stay).
    async fn restart<F: std::future::Future<Output = ()>>(
        self,
        env: &TestEnv,
        meanwhile: impl FnOnce() -> F,
    ) -> Bot {
        self.restart_with(env.settings.clone(), meanwhile).await
    }

    /// [`Bot::restart`] with these settings.
    async fn restart_with<F: std::future::Future<Output = ()>>(
        self,
        settings: chatorder_shared::config::Settings,
        meanwhile: impl FnOnce() -> F,
    ) -> Bot {
        self.cancel.cancel();
        tokio::time::timeout(WAIT, self.handle)
            .await
            .expect("bot stops in time")
            .expect("no panic")
            .expect("bot stops cleanly");
        meanwhile().await;
        run_on(self.standin, settings)
    }

    async fn stop(self) {
        self.cancel.cancel();
        tokio::time::timeout(WAIT, self.handle)
            .await
            .expect("bot stops in time")
            .expect("no panic")
            .expect("bot stops cleanly");
    }
}

/// The order number in a "received" message.
fn order_number(received: &BotMessage) -> u64 {
    received
        .text
        .split_whitespace()
        .find_map(|w| w.strip_prefix('#').and_then(|n| n.parse().ok()))
        .expect("order number in the message")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_orders_in_plain_words_and_hears_every_step() {
    let mut env = TestEnv::new().await;
    env.spawn_worker();
    env.wait_queries_served().await;
    let bot = start_bot(&env).await;
    let ada = User::new(5_512_345, "Ada");

    bot.standin.send_text(&ada, "/start");
    bot.said(&ada, "welcome").await;
    // The bot answers first and registers next: wait for the row.
    env.wait_count(
        "SELECT COUNT(*) AS n FROM customers WHERE id = 'telegram:5512345' AND display_name = 'Ada'",
        1,
    )
    .await;
    // Browse the menu and add by button: category → item → size.
    bot.standin.send_text(&ada, "/menu");
    let menu = bot.said(&ada, "pick a category").await;
    bot.standin
        .press_button(&ada, menu.message_id, &Bot::button(&menu, "c:"));
    let items = bot
        .expect(&ada, "the items", |m| {
            m.message_id == menu.message_id && m.text.contains("pick an item")
        })
        .await;
    bot.standin
        .press_button(&ada, menu.message_id, &Bot::button(&items, "n:"));
    let sizes = bot
        .expect(&ada, "the sizes", |m| {
            m.message_id == menu.message_id && m.text.contains("pick a size")
        })
        .await;
    bot.standin
        .press_button(&ada, menu.message_id, &Bot::button(&sizes, "a:"));
    bot.said(&ada, "Added to your cart").await;

    bot.standin
        .send_text(&ada, "2 large hawaiian and a small five cheese please");
    let added = bot
        .expect(&ada, "the typed order", |m| {
            m.text.contains("2 × The Hawaiian Pizza (L)")
        })
        .await;
    assert!(added.text.contains("Added to your cart"), "{}", added.text);

    let summary = bot.checkout_pickup(&ada, 0).await;
    let ok = Bot::button(&summary, "ok:");
    // An impatient customer taps Confirm three times.
    for _ in 0..3 {
        let q = bot.standin.press_button(&ada, summary.message_id, &ok);
        assert!(
            bot.standin.wait_answered(&q, WAIT).await,
            "callback {q} answered"
        );
    }
    let received = bot.said(&ada, "received").await;
    env.settle().await;
    assert_eq!(
        env.count("SELECT COUNT(*) AS n FROM orders").await,
        1,
        "one order however often Confirm is tapped"
    );
    assert_eq!(
        env.count("SELECT COUNT(*) AS n FROM order_lines WHERE sku = 'hawaiian_l' AND quantity = 2 AND unit_price_minor = 1650")
            .await,
        1,
        "priced from the catalog"
    );
    assert_eq!(
        env.count("SELECT COUNT(*) AS n FROM orders WHERE customer_id = 'telegram:5512345'")
            .await,
        1
    );
    let number = order_number(&received);

    // The shop accepts: the customer hears it.
    env.set_status(OrderNumber(number), OrderStatus::Accepted)
        .await;
    bot.said(&ada, "accepted").await;

    // Status and history through the worker's queries.
    bot.standin.send_text(&ada, &format!("/status {number}"));
    bot.said(&ada, ": accepted").await;
    bot.standin.send_text(&ada, "/orders");
    let list = bot.said(&ada, "Your recent orders").await;
    let again = Bot::button(&list, "r:");

    // Another customer forging Ada's "order again" button learns nothing.
    let bob = User::new(7_000_001, "Bob");
    bot.standin.press_button(&bob, list.message_id, &again);
    bot.standin.send_text(&bob, "/cart");
    bot.said(&bob, "Your cart is empty").await;
    assert!(
        bot.standin
            .messages(bob.id)
            .iter()
            .all(|m| !m.text.contains("Hawaiian")),
        "{:#?}",
        bot.standin.messages(bob.id)
    );

    // Ada's own button refills her cart.
    bot.standin.press_button(&ada, list.message_id, &again);
    bot.expect(&ada, "the reorder", |m| {
        m.text.contains("Added to your cart") && m.message_id > list.message_id
    })
    .await;

    // Nothing was sent twice.
    let placed_msgs = bot
        .standin
        .messages(ada.id)
        .iter()
        .filter(|m| m.text.contains("received"))
        .count();
    assert_eq!(placed_msgs, 1);
    bot.stop().await;
    env.stop_workers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spanish_customer_orders_in_spanish_and_hears_spanish_news_after_a_restart() {
    let mut env = TestEnv::new().await;
    env.spawn_worker();
    env.wait_queries_served().await;
    let bot = start_bot(&env).await;
    let lucia = User::new(5_512_346, "Lucía").speaking("es-AR");

    bot.standin.send_text(&lucia, "/start");
    bot.said(&lucia, "te damos la bienvenida").await;
    bot.standin.send_text(
        &lucia,
        "hola, quiero dos pizzas hawaianas grandes y una pepperoni pequeña por favor",
    );
    let added = bot
        .expect(&lucia, "the typed order", |m| {
            m.text.contains("Añadido a tu carrito")
        })
        .await;
    assert!(
        added.text.contains("2 × The Hawaiian Pizza (L)")
            && added.text.contains("1 × The Pepperoni Pizza (S)"),
        "{}",
        added.text
    );
    // 2 × 16.50 + 9.75 in the shop's dollars, written the Spanish way.
    assert!(added.text.contains("42,75 US$"), "{}", added.text);

    bot.standin.send_text(&lucia, "/checkout");
    let ask = bot.said(&lucia, "¿Recogida o envío a domicilio?").await;
    let labels: Vec<String> = ask.buttons().into_iter().map(|(l, _)| l).collect();
    assert!(labels.contains(&"Recogida".to_owned()), "{labels:?}");
    bot.standin
        .press_button(&lucia, ask.message_id, &Bot::button(&ask, "f:p:"));
    let summary = bot.said(&lucia, "Revisa tu pedido").await;
    assert!(
        summary.text.contains("Recogida en la tienda"),
        "{}",
        summary.text
    );
    bot.standin
        .press_button(&lucia, summary.message_id, &Bot::button(&summary, "ok:"));
    let received = bot.said(&lucia, "recibido!").await;
    assert!(received.text.starts_with("¡Pedido #"), "{}", received.text);
    let number = order_number(&received);
    assert_eq!(
        env.count(
            "SELECT COUNT(*) AS n FROM order_lines WHERE sku = 'hawaiian_l' AND quantity = 2"
        )
        .await,
        1,
        "the Spanish words ordered the right item, size and quantity"
    );

    // The bot restarts (its memory of the chat is gone); the news that
    // comes later still comes in Spanish, and an English customer's in English.
    let bot = bot.restart(&env, || async {}).await;
    env.set_status(OrderNumber(number), OrderStatus::Accepted)
        .await;
    bot.said(&lucia, "Buenas noticias: la tienda ha aceptado el pedido")
        .await;
    env.set_status(OrderNumber(number), OrderStatus::Ready)
        .await;
    bot.said(&lucia, "está listo para recoger!").await;

    bot.standin.send_text(&lucia, "/orders");
    let list = bot.said(&lucia, "Tus últimos pedidos").await;
    assert!(list.text.contains("listo – 42,75 US$"), "{}", list.text);

    assert!(
        bot.standin
            .messages(lucia.id)
            .iter()
            .all(|m| !m.text.contains("Order #") && !m.text.contains("Your cart")),
        "nothing in English: {:#?}",
        bot.standin.messages(lucia.id)
    );

    // A client without a language code reads English.
    let mut ann = User::new(7_000_002, "Ann");
    ann.language_code = None;
    bot.standin.send_text(&ann, "dos pizzas hawaianas grandes");
    bot.said(&ann, "Added to your cart").await;
    bot.stop().await;
    env.stop_workers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_reach_the_customer_and_carts_survive_a_restart() {
    let mut env = TestEnv::new().await;
    env.spawn_worker();
    env.wait_queries_served().await;
    let bot = start_bot(&env).await;
    let ada = User::new(42, "Ada");
    bot.standin.send_text(&ada, "3 small pepperoni");
    bot.said(&ada, "Added to your cart").await;
    bot.standin.send_text(&ada, "a blue whale");
    bot.said(&ada, "didn't understand").await;

    // Restart the bot in the middle of checkout: the cart and the open
    // checkout are still there (Redis), and Confirm on the old summary works.
    let summary = bot.checkout_pickup(&ada, 0).await;
    assert!(
        summary.text.contains("3 × The Pepperoni Pizza (S)"),
        "{}",
        summary.text
    );
    let bot = bot.restart(&env, || async {}).await;
    bot.standin
        .press_button(&ada, summary.message_id, &Bot::button(&summary, "ok:"));
    bot.said(&ada, "received").await;

    // Cancelling someone else's order number is refused, with a sentence.
    bot.standin.send_text(&ada, "/cancel 999999");
    bot.said(&ada, "couldn't find order #999999").await;
    bot.stop().await;
    env.stop_workers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_orders_can_be_changed_limits_hold_and_rate_limits_are_honoured() {
    let mut env = TestEnv::new().await;
    env.spawn_worker();
    env.wait_queries_served().await;
    let bot = start_bot_with(&env, |s| s.telegram.max_orders_per_hour = 1).await;
    let ada = User::new(77, "Ada");

    // Telegram says "slow down" once: the message still arrives.
    bot.standin.rate_limit_next(1);
    bot.standin.send_text(&ada, "/start");
    bot.said(&ada, "welcome").await;

    bot.standin.send_text(&ada, "a small hawaiian");
    bot.said(&ada, "Added to your cart").await;
    let summary = bot.checkout_pickup(&ada, 0).await;
    bot.standin
        .press_button(&ada, summary.message_id, &Bot::button(&summary, "ok:"));
    let received = bot.said(&ada, "received").await;
    let number = order_number(&received);

    // Change it while pending.
    bot.standin.send_text(&ada, &format!("/edit {number}"));
    bot.said(&ada, "is in your cart now").await;
    bot.standin.send_text(&ada, "a small pepperoni");
    bot.said(&ada, "Added to your cart").await;
    bot.standin.send_text(&ada, "/checkout");
    let change = bot.said(&ada, "Change order").await;
    bot.standin
        .press_button(&ada, change.message_id, &Bot::button(&change, "ok:"));
    let updated = bot.said(&ada, "updated").await;
    assert!(
        updated.text.contains("The Pepperoni Pizza (S)"),
        "{}",
        updated.text
    );

    // Once accepted, a change is refused before anything is sent.
    env.set_status(OrderNumber(number), OrderStatus::Accepted)
        .await;
    bot.said(&ada, "accepted").await;
    bot.standin.send_text(&ada, &format!("/edit {number}"));
    bot.said(&ada, "can't be changed").await;

    // A second order within the hour is over this shop's limit of one.
    bot.standin.send_text(&ada, "a small hawaiian");
    bot.expect(&ada, "a second add", |m| {
        m.text.contains("Added to your cart") && m.message_id > updated.message_id
    })
    .await;
    let summary = bot.checkout_pickup(&ada, updated.message_id).await;
    bot.standin
        .press_button(&ada, summary.message_id, &Bot::button(&summary, "ok:"));
    bot.said(&ada, "our limit").await;
    env.settle().await;
    assert_eq!(env.count("SELECT COUNT(*) AS n FROM orders").await, 1);
    bot.stop().await;
    env.stop_workers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_sensible_answer_and_notes_are_stored_verbatim() {
    let mut env = TestEnv::new().await;
    env.spawn_worker();
    env.wait_queries_served().await;
    let bot = start_bot(&env).await;
    let eve = User::new(666, "Eve <script>");
    let inputs: Vec<(String, &str)> = vec![
        ("a".repeat(4096), "too long"),
        ("🍕🍕🍕".into(), "didn't understand"),
        ("مرحبا، أريد بيتزا".into(), "didn't understand"),
        (
            "<b>*bold*</b> _x_ [link](http://example.com) `code`".into(),
            "didn't understand",
        ),
        ("1'; DROP TABLE orders; --".into(), "didn't understand"),
        ("/frobnicate now".into(), "don't know that command"),
        ("/status".into(), "Which order"),
        ("/cancel abc".into(), "Which order"),
    ];
    let mut last = 0;
    for (text, expect) in &inputs {
        bot.standin.send_text(&eve, text);
        let reply = bot
            .expect(&eve, expect, |m| {
                m.message_id > last && m.text.contains(expect)
            })
            .await;
        assert!(
            reply.parse_mode.is_none(),
            "replies are plain text, never parsed as markup"
        );
        last = reply.message_id;
    }
    bot.standin.send_photo(&eve);
    let reply = bot
        .expect(&eve, "a photo answer", |m| {
            m.message_id > last && m.text.contains("only read text")
        })
        .await;
    last = reply.message_id;

    // Odd text in a note reaches MySQL exactly as typed.
    let note = "<b>no onions</b>'; DROP TABLE orders; -- 🍕 بدون بصل";
    bot.standin.send_text(&eve, "a small hawaiian");
    bot.expect(&eve, "added", |m| {
        m.message_id > last && m.text.contains("Added")
    })
    .await;
    let summary = bot.checkout_pickup(&eve, last).await;
    bot.standin
        .press_button(&eve, summary.message_id, &Bot::button(&summary, "nt:"));
    bot.said(&eve, "Send your note").await;
    bot.standin.send_text(&eve, note);
    let summary = bot
        .expect(&eve, "summary with note", |m| {
            m.text.contains("Note: <b>no onions</b>")
        })
        .await;
    bot.standin
        .press_button(&eve, summary.message_id, &Bot::button(&summary, "ok:"));
    let received = bot.said(&eve, "received").await;
    let number = order_number(&received);
    env.settle().await;
    let order: chatorder_shared::events::OrderSnapshot = env
        .get_order(owner(), OrderNumber(number))
        .await
        .expect("order");
    assert_eq!(order.note.as_deref(), Some(note));
    assert_eq!(order.customer.name.as_deref(), Some("Eve <script>"));
    assert_eq!(
        env.count("SELECT COUNT(*) AS n FROM orders").await,
        1,
        "the orders table survived"
    );
    bot.stop().await;
    env.stop_workers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_keeps_working_while_redis_is_away() {
    let mut env = TestEnv::new().await;
    env.spawn_worker();
    env.wait_queries_served().await;
    let bot = start_bot_with(&env, |s| {
        s.redis.url = "redis://127.0.0.1:1/0".to_owned().into()
    })
    .await;
    let ada = User::new(31, "Ada");
    bot.standin.send_text(&ada, "2 small hawaiian");
    bot.said(&ada, "Added to your cart").await;
    let summary = bot.checkout_pickup(&ada, 0).await;
    bot.standin
        .press_button(&ada, summary.message_id, &Bot::button(&summary, "ok:"));
    bot.said(&ada, "received").await;
    bot.stop().await;
    env.stop_workers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooding_customer_is_slowed_and_nobody_else_waits_for_them() {
    let mut env = TestEnv::new().await;
    env.spawn_worker();
    env.wait_queries_served().await;
    let bot = start_bot_with(&env, |s| {
        s.telegram.flood_burst = 5;
        s.telegram.flood_per_second = 5.0;
        // Telegram's own send limits (20 a minute per chat) are not what is
        // measured here.
        s.telegram.rate_limit = false;
    })
    .await;
    let flooder = User::new(6101, "Flo");
    let other = User::new(6102, "Otto");
    // Both are known to the bot first, so the catalog is loaded.
    bot.standin.send_text(&other, "/help");
    bot.said(&other, "/menu").await;

    for _ in 0..30 {
        bot.standin.send_text(&flooder, "/help");
    }
    bot.standin.send_text(&other, "/start");
    bot.said(&other, "welcome").await;
    let answered = |chat: i64| {
        bot.standin
            .messages(chat)
            .iter()
            .filter(|m| m.text.contains("/menu"))
            .count()
    };
    // 25 of the flooder's messages wait their turn at 5 per second; the
    // other customer was answered while the flooder's were still queued.
    assert!(
        answered(flooder.id) < 30,
        "the other customer was answered only after the whole flood"
    );
    // Nothing is dropped: every message is answered, and the flooder is
    // told once why it is slow.
    let deadline = std::time::Instant::now() + WAIT;
    while answered(flooder.id) < 30 {
        assert!(
            std::time::Instant::now() < deadline,
            "the flooder's messages were all answered in the end (got {})",
            answered(flooder.id)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let notices = bot
        .standin
        .messages(flooder.id)
        .iter()
        .filter(|m| m.text.contains("faster than I can keep up"))
        .count();
    assert_eq!(notices, 1, "one notice, not one per message");
    assert!(
        bot.standin
            .messages(other.id)
            .iter()
            .all(|m| !m.text.contains("faster than I can keep up")),
        "the other customer is not slowed"
    );
    bot.stop().await;
    env.stop_workers().await;
}

/// A send cut short by a bot that died is made again as soon as that bot
/// has been silent for the liveness lifetime, not after the mark's minute;
/// a live bot's send under way is never taken over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_bots_send_is_taken_over_once_it_stops_saying_it_is_alive() {
    use chatorder_telegram::receipts::{BUCKET, Delivery, Receipts};
    let env = TestEnv::new().await;
    let bucket = env.subjects.stream(BUCKET);
    let alive_ttl = Duration::from_secs(1);
    let open = || Receipts::open_with(&env.js, bucket.clone(), 1, alive_ttl);
    // Marks that would hold for an hour, so only liveness can free them.
    let mark = Duration::from_secs(3600);
    let text = "Order #8 is ready for pickup!";

    // A bot that keeps saying it is alive, and one that dies after marking.
    let live = std::sync::Arc::new(open().await.unwrap());
    let stop = tokio_util::sync::CancellationToken::new();
    let heartbeat = tokio::spawn({
        let (live, stop) = (live.clone(), stop.clone());
        async move { live.keep_alive(stop).await }
    });
    assert_eq!(live.begin_for("live", 8, text, mark).await, Delivery::New);
    let dead = open().await.unwrap();
    assert_eq!(dead.begin_for("cut", 8, text, mark).await, Delivery::New);
    drop(dead);

    let successor = open().await.unwrap();
    assert_eq!(
        successor.begin_for("cut", 8, text, mark).await,
        Delivery::Underway,
        "a fresh mark is not taken over at once"
    );
    // The dead bot's liveness expires (NATS removes it a little after its
    // lifetime); its mark is then taken over, by one bot only.
    let mut taken = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if successor.begin_for("cut", 8, text, mark).await == Delivery::New {
            taken = true;
            break;
        }
    }
    assert!(taken, "the dead bot's mark was never taken over");
    assert_eq!(
        open().await.unwrap().begin_for("cut", 8, text, mark).await,
        Delivery::Underway,
        "only one bot takes a mark over"
    );
    // The live bot's mark, older than the liveness lifetime by now, holds.
    assert_eq!(
        successor.begin_for("live", 8, text, mark).await,
        Delivery::Underway,
        "a live bot's send under way is not taken over"
    );
    stop.cancel();
    let _ = heartbeat.await;
}

/// A notification receipt is final only after the send: a bot stopped
/// between marking an event and sending it (a SIGKILL, a send cut short)
/// must not leave a receipt that stops the next bot from sending it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receipt_is_final_only_after_the_send() {
    use chatorder_telegram::receipts::{BUCKET, Delivery, Mark, Receipts, sending_marks};
    let env = TestEnv::new().await;
    let bucket = env.subjects.stream(BUCKET);
    let open = || Receipts::open(&env.js, bucket.clone(), 1);
    let mark = Duration::from_millis(800);
    let text = "Order #7 is ready for pickup!\nSee you soon.";

    // The first bot marks the event and dies before recording the send.
    let first = open().await.unwrap();
    assert_eq!(first.begin_for("e1", 7, text, mark).await, Delivery::New);
    assert_eq!(
        first.begin_for("e1", 7, text, mark).await,
        Delivery::Underway,
        "the same bot does not send an event twice at once"
    );
    // Its mark is in NATS, saying whom it was for and what.
    let store = env.js.get_key_value(&bucket).await.unwrap();
    let marks = sending_marks(&store).await.unwrap();
    assert!(
        matches!(
            marks.as_slice(),
            [Mark::Sending { chat: 7, about, .. }] if about == "Order #7 is ready for pickup!"
        ),
        "{marks:?}"
    );
    // A restarted bot holds off while the mark lasts, then sends.
    let second = open().await.unwrap();
    assert_eq!(
        second.begin_for("e1", 7, text, mark).await,
        Delivery::Underway
    );
    tokio::time::sleep(mark + Duration::from_millis(400)).await;
    assert_eq!(
        second.begin_for("e1", 7, text, mark).await,
        Delivery::New,
        "a send cut short is made again once its mark lapses"
    );
    // Only one bot takes a lapsed mark over.
    assert_eq!(
        open().await.unwrap().begin_for("e1", 7, text, mark).await,
        Delivery::Underway
    );
    second.delivered("e1").await;
    assert!(sending_marks(&store).await.unwrap().is_empty());
    // Once sent, nobody sends it again, even long after the mark's lifetime.
    tokio::time::sleep(mark + Duration::from_millis(400)).await;
    assert_eq!(
        open().await.unwrap().begin_for("e1", 7, text, mark).await,
        Delivery::Sent
    );
    assert_eq!(first.begin_for("e1", 7, text, mark).await, Delivery::Sent);
    assert_eq!(second.begin_for("e1", 7, text, mark).await, Delivery::Sent);

    // A failed send is forgotten, so the retry (by any bot) sends it.
    assert_eq!(first.begin_for("e2", 7, text, mark).await, Delivery::New);
    first.forget("e2").await;
    assert_eq!(
        open().await.unwrap().begin_for("e2", 7, text, mark).await,
        Delivery::New
    );
}

/// The receipts are in NATS: a bot restarted after Redis lost every key of
/// the deployment does not tell a customer twice when an event it already
/// notified comes again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_double_notification_after_redis_loses_its_data() {
    use chatorder_shared::events::{Event, decode_event};
    let mut env = TestEnv::new().await;
    env.spawn_worker();
    env.wait_queries_served().await;
    let bot = start_bot(&env).await;
    let ada = User::new(5_512_777, "Ada");
    bot.standin.send_text(&ada, "2 small hawaiian");
    bot.said(&ada, "Added to your cart").await;
    let summary = bot.checkout_pickup(&ada, 0).await;
    bot.standin
        .press_button(&ada, summary.message_id, &Bot::button(&summary, "ok:"));
    let received = bot.said(&ada, "received").await;
    let number = order_number(&received);

    // Redis loses everything of this deployment while the bot is down.
    let bot = bot
        .restart(&env, || async {
            let redis = secrecy::ExposeSecret::expose_secret(&env.settings.redis.url).to_owned();
            let client = redis::Client::open(redis).unwrap();
            let mut conn = client.get_multiplexed_async_connection().await.unwrap();
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg(format!("{}*", env.settings.redis.prefix))
                .query_async(&mut conn)
                .await
                .unwrap();
            assert!(!keys.is_empty(), "the bot had kept something in Redis");
            let _: () = redis::cmd("DEL")
                .arg(keys)
                .query_async(&mut conn)
                .await
                .unwrap();
        })
        .await;

    // The "placed" event comes again (as a redelivery would), then news.
    let placed = read_stream(&env.js, &env.subjects.events_stream())
        .await
        .into_iter()
        .find(|m| {
            decode_event(&m.payload).is_ok_and(
                |e| matches!(e.data, Event::Placed { ref order } if order.number.0 == number),
            )
        })
        .expect("the placed event is in the stream");
    env.js
        .publish(placed.subject.to_string(), placed.payload.clone())
        .await
        .unwrap()
        .await
        .unwrap();
    env.set_status(OrderNumber(number), OrderStatus::Accepted)
        .await;
    bot.said(&ada, "accepted").await;
    let told = bot
        .standin
        .messages(ada.id)
        .iter()
        .filter(|m| m.text.starts_with(&format!("Order #{number} received!")))
        .count();
    assert_eq!(told, 1, "the customer was told \"received\" {told} times");
    bot.stop().await;
    env.stop_workers().await;
}

/// A bot killed after Telegram forgot its updates and before it handled
/// them (or before it said it had): the next bot handles what the inbox
/// kept, and an update it had already taken in changes nothing again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_killed_mid_handling_loses_no_message_and_applies_none_twice() {
    use chatorder_telegram::inbox::{BUCKET, Inbox};
    let mut env = TestEnv::new().await;
    env.spawn_worker();
    env.wait_queries_served().await;
    let bot = start_bot(&env).await;
    let ada = User::new(5_512_888, "Ada");
    let first = bot.standin.send_text(&ada, "2 small hawaiian");
    bot.said(&ada, "Added to your cart").await;

    // What a bot killed mid-batch leaves in the inbox: the update it had
    // handled, and one Telegram had already forgotten.
    let bot = bot
        .restart(&env, || async {
            Inbox::open(&env.js, env.subjects.stream(BUCKET), 1)
                .await
                .unwrap();
            let kv = env
                .js
                .get_key_value(env.subjects.stream(BUCKET))
                .await
                .unwrap();
            let message = |id: i64, text: &str| {
                serde_json::json!({
                    "update_id": id,
                    "message": {
                        "message_id": 900_000 + id, "date": 1_764_800_000,
                        "chat": { "id": ada.id, "type": "private", "first_name": "Ada" },
                        "from": { "id": ada.id, "is_bot": false, "first_name": "Ada" },
                        "text": text
                    }
                })
            };
            for (id, text) in [(first, "2 small hawaiian"), (9_000, "1 large pepperoni")] {
                kv.put(id.to_string(), message(id, text).to_string().into())
                    .await
                    .unwrap();
            }
        })
        .await;
    let added = bot
        .expect(&ada, "the forgotten message handled", |m| {
            m.text.contains("The Pepperoni Pizza (L)")
        })
        .await;
    bot.standin.send_text(&ada, "/cart");
    let cart = bot
        .expect(&ada, "the cart", |m| {
            m.message_id > added.message_id && m.text.contains("Hawaiian")
        })
        .await;
    assert!(
        cart.text.contains("2 × The Hawaiian Pizza (S)")
            && cart.text.contains("1 × The Pepperoni Pizza (L)"),
        "the handled update was applied again, or the other not at all: {}",
        cart.text
    );
    // Both are done: a later start finds the inbox empty.
    let inbox = Inbox::open(&env.js, env.subjects.stream(BUCKET), 1)
        .await
        .unwrap();
    let until = std::time::Instant::now() + WAIT;
    while !inbox.left().await.unwrap().is_empty() {
        assert!(
            std::time::Instant::now() < until,
            "the inbox keeps handled updates"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bot.stop().await;
    env.stop_workers().await;
}

/// Sessions are state kept in NATS, not in Redis: a bot stopped while
/// Redis is away, and started again once it is back, finds each customer
/// where they were. (When sessions lived in Redis, with memory standing in
/// during an outage, the restarted bot read the session from before the
/// outage: the order placed meanwhile was still in the cart, and went into
/// the customer's next order, as a chaos run saw.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_restarted_after_a_redis_outage_finds_every_session_as_it_left_it() {
    use chatorder_kit::servers::{OwnServers, Which};
    let mut own = OwnServers::start().unwrap();
    let mut env = TestEnv::new().await;
    env.spawn_worker();
    env.wait_queries_served().await;
    let mut settings = env.settings.clone();
    settings.redis.url = own.redis_url().into();
    let bot = run_on(
        TelegramStandIn::start().await.expect("stand-in starts"),
        settings.clone(),
    );
    let ada = User::new(5_512_901, "Ada");
    bot.standin.send_text(&ada, "2 small hawaiian");
    bot.said(&ada, "Added to your cart").await;
    let summary = bot.checkout_pickup(&ada, 0).await;

    // Redis goes away; the order is placed meanwhile (the cart empties).
    // (Stopped, not frozen: a frozen Redis still runs the writes queued
    // on its sockets once thawed.)
    own.stop(Which::Redis);
    bot.standin
        .press_button(&ada, summary.message_id, &Bot::button(&summary, "ok:"));
    let received = bot.said(&ada, "received").await;
    // The bot stops while Redis is still away, and starts once it is back.
    let bot = bot
        .restart_with(settings, || async { own.up(Which::Redis).unwrap() })
        .await;

    bot.standin.send_text(&ada, "1 large pepperoni");
    let added = bot
        .expect(&ada, "the next basket added", |m| {
            m.message_id > received.message_id && m.text.contains("Added to your cart")
        })
        .await;
    let next = bot.checkout_pickup(&ada, added.message_id).await;
    assert!(
        next.text.contains("1 × The Pepperoni Pizza (L)") && !next.text.contains("Hawaiian"),
        "the next order must hold only what was typed since the last one: {}",
        next.text
    );
    bot.stop().await;
    env.stop_workers().await;
}
