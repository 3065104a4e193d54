//! Opening hours and the owners' pause end to end, through the real bots
//! (on their stand-ins), the order worker, NATS, MariaDB and Redis: the
//! worker refuses orders outside the hours or while paused, whoever sends
//! them; customers hear when the shop opens again or why it paused; owners
//! pause and resume from Discord, and the pause outlives a worker restart.

#![allow(clippy::unwrap_used)]

mod common;

use chatorder_discord_standin::StandIn;
use chatorder_shared::config::Settings;
use chatorder_shared::hours::WeeklyHours;
use chatorder_shared::refusal::Refusal;
use chatorder_telegram_standin::{BotMessage, User as TUser};
use chrono::{DateTime, Utc};
use common::bots::{Discord, Telegram, channel_says, owner_slash};
use common::*;
use serde_json::json;

/// A test kit whose shop is closed until the day after tomorrow, with its
/// order worker serving; and when the shop opens.
async fn closed_shop() -> (TestEnv, DateTime<Utc>) {
    let mut opens = None;
    let mut env = TestEnv::with(|s| opens = Some(closed_until_the_day_after_tomorrow(s))).await;
    env.spawn_worker();
    env.wait_queries_served().await;
    (env, opens.unwrap())
}

impl Telegram {
    /// Puts two small pepperoni in the cart of a closed shop and checks
    /// out; returns the question that offers times in the next opening.
    async fn checkout_while_closed(&self, user: &TUser) -> BotMessage {
        self.standin.send_text(user, "2 small pepperoni");
        self.said_after(user, 0, "Added to your cart").await;
        let last = self.last(user);
        self.standin.send_text(user, "/checkout");
        self.said_after(user, last, "when should your order be ready?")
            .await
    }

    /// Orders two small pepperoni for pickup and confirms; returns the id of
    /// the summary message, after which the worker's answer arrives.
    async fn order(&self, user: &TUser) -> i64 {
        let last = self.last(user);
        self.standin.send_text(user, "2 small pepperoni");
        self.said_after(user, last, "Added to your cart").await;
        self.checkout(user).await.message_id
    }

    /// Checks out what is in the cart, for pickup, and confirms; returns
    /// the summary confirmed.
    async fn checkout(&self, user: &TUser) -> BotMessage {
        let last = self.last(user);
        self.standin.send_text(user, "/checkout");
        let ask = self.said_after(user, last, "Pickup or delivery").await;
        self.standin
            .press_button(user, ask.message_id, &Self::button(&ask, "f:p:"));
        let summary = self.said_after(user, ask.message_id, "Please check").await;
        self.standin
            .press_button(user, summary.message_id, &Self::button(&summary, "ok:"));
        summary
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_hours_the_worker_refuses_and_the_customer_hears_when_it_opens() {
    let (mut env, opens) = closed_shop().await;

    // Through the Telegram bot: at checkout the customer is told when the
    // shop opens and offered times then instead of a refusal (the next
    // test orders that way).
    let tg = Telegram::start(&env).await;
    let ada = TUser::new(5_560_001, "Ada");
    let told = tg.checkout_while_closed(&ada).await;
    assert!(
        told.text.starts_with("We're closed now; we open again") && told.text.contains("10:00"),
        "{}",
        told.text
    );

    // Straight onto the bus, as an edge that never looked at the hours:
    // the worker refuses it all the same, naming the next opening.
    let id = env.place(&customer("1001"), &[("hawaiian_m", 1)]).await;
    let r = env.wait_rejection(id).await;
    assert_eq!(
        r.refusal,
        Refusal::Closed {
            opens_at: Some(opens)
        }
    );

    // Through the HTTP API (and so the web app, which shows the detail).
    let api = common::api::Api::start(&env).await;
    let token = api.customer("Cleo").await;
    let answer = api.place(&token, &[("hawaiian_m", 1)]).await;
    assert_eq!(answer.status(), reqwest::StatusCode::CONFLICT);
    let problem = common::api::json(answer).await;
    assert_eq!(problem["code"], "closed", "{problem}");
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("We're closed now; we open again") && detail.contains("10:00"),
        "{detail}"
    );

    env.settle().await;
    assert_eq!(env.count("SELECT COUNT(*) AS n FROM orders").await, 0);
    drop(api);
    tg.stop().await;
    env.stop_workers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_pause_and_resume_from_discord_and_customers_hear_why() {
    let mut env = TestEnv::new().await;
    env.spawn_worker();
    env.wait_queries_served().await;
    let tg = Telegram::start(&env).await;
    let standin = StandIn::start().await.unwrap();
    let discord = Discord::start(&env, &standin).await;
    let ada = TUser::new(5_560_002, "Ada");

    let said = owner_slash(
        &standin,
        "pause",
        json!([{"name":"for","type":3,"value":"2h"},{"name":"reason","type":3,"value":"Oven repair"}]),
    )
    .await;
    assert!(said.starts_with("Paused:"), "{said}");
    assert!(said.contains("Oven repair"), "{said}");
    assert_eq!(env.count("SELECT COUNT(*) AS n FROM shop_pause").await, 1);
    // Every owner sees it in the channel, not only the one who paused.
    channel_says(&standin, "Olga paused new orders until").await;
    channel_says(&standin, ": Oven repair.").await;

    let summary = tg.order(&ada).await;
    tg.said_after(
        &ada,
        summary,
        "We're not taking orders right now (Oven repair). We expect to take them again",
    )
    .await;

    // The pause is in MySQL: a worker started afterwards (another replica,
    // or this one restarted) refuses too, with the reason.
    env.stop_workers().await;
    env.spawn_worker();
    env.wait_queries_served().await;
    let id = env.place(&customer("1002"), &[("hawaiian_m", 1)]).await;
    match env.wait_rejection(id).await.refusal {
        Refusal::Paused {
            reason: Some(reason),
            until: Some(until),
        } => {
            assert_eq!(reason, "Oven repair");
            let left = until - Utc::now();
            assert!(
                left > chrono::Duration::minutes(100) && left <= chrono::Duration::hours(2),
                "a two-hour pause: {left}"
            );
        }
        other => panic!("expected a timed pause with its reason: {other:?}"),
    }

    let said = owner_slash(&standin, "resume", json!([])).await;
    assert_eq!(said, "Taking orders again.");
    channel_says(&standin, "Taking orders again (Olga resumed).").await;
    assert_eq!(env.count("SELECT COUNT(*) AS n FROM shop_pause").await, 0);
    let summary = tg.order(&ada).await;
    tg.said_after(&ada, summary, "received").await;
    env.settle().await;
    assert_eq!(env.count("SELECT COUNT(*) AS n FROM orders").await, 1);

    // A pause of no time at all is refused before it reaches the worker.
    let said = owner_slash(
        &standin,
        "pause",
        json!([{"name":"for","type":3,"value":"soon"}]),
    )
    .await;
    assert!(said.contains("not a length of time"), "{said}");

    discord.stop().await;
    tg.stop().await;
    env.stop_workers().await;
}

/// The lines of a checkout summary (everything before the total).
/// Hours with no opening at all: closed, and no opening planned.
fn never_open(s: &mut Settings) {
    s.shop.hours = Some(WeeklyHours::default());
    s.shop.always_open = false;
}

fn summary_lines(summary: &BotMessage) -> &str {
    summary.text.split("\n\nTotal").next().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shop_with_no_opening_warns_before_checkout_and_a_refused_customer_gets_the_cart_back() {
    let mut env = TestEnv::with(never_open).await;
    env.spawn_worker();
    env.wait_queries_served().await;
    let tg = Telegram::start(&env).await;
    let ada = TUser::new(5_560_003, "Ada");
    let warning = "You can fill your cart now and order then.";

    // Starting an order while closed: told at once, in the worker's words,
    // and the cart still fills.
    tg.standin
        .send_text(&ada, "2 small pepperoni and a large hawaiian");
    tg.said_after(&ada, 0, "Added to your cart").await;
    let told = tg.said_after(&ada, 0, warning).await;
    assert!(
        told.text
            .starts_with("We're closed, and no opening is planned yet."),
        "{}",
        told.text
    );

    // With no time to offer, /checkout says it again before Pickup or
    // delivery; they confirm anyway.
    let before = tg.last(&ada);
    let confirmed = tg.checkout(&ada).await;
    let at_checkout: Vec<_> = tg
        .standin
        .messages(ada.id)
        .into_iter()
        .filter(|m| m.message_id > before && m.message_id < confirmed.message_id)
        .map(|m| m.text)
        .collect();
    assert!(
        at_checkout.first().is_some_and(|t| t == &told.text),
        "the warning comes first at checkout: {at_checkout:#?}"
    );
    let refused = tg
        .said_after(&ada, confirmed.message_id, "We're closed, and no opening")
        .await;
    assert!(
        refused
            .text
            .contains("Your cart is back as you confirmed it"),
        "{}",
        refused.text
    );

    // Checking out again shows exactly the lines confirmed before.
    let again = tg.checkout(&ada).await;
    assert_eq!(summary_lines(&again), summary_lines(&confirmed));
    assert!(summary_lines(&again).contains("2 × "), "{}", again.text);
    tg.said_after(&ada, again.message_id, "Your cart is back")
        .await;
    env.settle().await;
    assert_eq!(env.count("SELECT COUNT(*) AS n FROM orders").await, 0);
    tg.stop().await;
    env.stop_workers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_shop_takes_an_order_for_a_time_in_its_next_opening() {
    let (mut env, opens) = closed_shop().await;
    let tg = Telegram::start(&env).await;
    let standin = StandIn::start().await.unwrap();
    let discord = Discord::start(&env, &standin).await;
    let ada = TUser::new(5_560_006, "Ada");

    let ask = tg.checkout_while_closed(&ada).await;
    // The opening is 10:00-11:00: two half hours to choose from.
    let buttons = ask.buttons();
    let times: Vec<&str> = buttons.iter().map(|(label, _)| label.as_str()).collect();
    assert_eq!(times, ["10:00", "10:30", "Cancel"], "{ask:?}");
    let half_past = buttons[1].1.clone();
    tg.standin.press_button(&ada, ask.message_id, &half_past);
    let ask = tg
        .said_after(&ada, ask.message_id - 1, "10:30. Pickup or delivery?")
        .await;
    tg.standin
        .press_button(&ada, ask.message_id, &Telegram::button(&ask, "f:p:"));
    let summary = tg.said_after(&ada, ask.message_id, "Please check").await;
    assert!(summary.text.contains("\nReady for: "), "{}", summary.text);
    tg.standin
        .press_button(&ada, summary.message_id, &Telegram::button(&summary, "ok:"));
    let received = tg.said_after(&ada, summary.message_id, "received!").await;
    assert!(
        received.text.contains("Ready for: ") && received.text.contains(" 10:30"),
        "{}",
        received.text
    );

    // Stored with its time; the owners' card shows it.
    let wanted = opens + chrono::Duration::minutes(30);
    env.settle().await;
    assert_eq!(
        env.count(&format!(
            "SELECT COUNT(*) AS n FROM orders WHERE scheduled_for = '{}'",
            wanted.naive_utc()
        ))
        .await,
        1
    );
    channel_says(
        &standin,
        &format!("⏰ Ready for\n<t:{}:F>", wanted.timestamp()),
    )
    .await;

    // Through the HTTP API: a time in the opening is taken, one after it
    // is refused with the window to choose from.
    let api = common::api::Api::start(&env).await;
    let token = api.customer("Cleo").await;
    let order = |at: DateTime<Utc>| {
        serde_json::json!({
            "lines": [{"sku": "hawaiian_m", "quantity": 1}],
            "fulfilment": {"type": "pickup"},
            "scheduled_for": at.to_rfc3339(),
        })
    };
    let answer = api.place_body(&token, &order(opens)).await;
    assert_eq!(answer.status(), reqwest::StatusCode::CREATED);
    let placed = common::api::json(answer).await;
    assert_eq!(
        placed["scheduled_for"]
            .as_str()
            .map(|t| t.parse::<DateTime<Utc>>().unwrap()),
        Some(opens),
        "{placed}"
    );
    let late = opens + chrono::Duration::hours(2);
    let answer = api.place_body(&token, &order(late)).await;
    assert_eq!(answer.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let problem = common::api::json(answer).await;
    assert_eq!(problem["code"], "bad_time", "{problem}");
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("Choose `scheduled_for` from"), "{detail}");

    env.settle().await;
    assert_eq!(env.count("SELECT COUNT(*) AS n FROM orders").await, 2);
    drop(api);
    discord.stop().await;
    tg.stop().await;
    env.stop_workers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_shop_gives_the_cart_back_and_it_is_ordered_after_resume() {
    use chatorder_shared::commands::ShopChange;
    use chatorder_shared::domain::Role;
    use chatorder_shared::envelope::Envelope;
    use chatorder_shared::events::Event;
    use chatorder_shared::subjects::CommandKind;

    let mut env = TestEnv::new().await;
    env.spawn_worker();
    env.wait_queries_served().await;
    let tg = Telegram::start(&env).await;
    let ada = TUser::new(5_560_004, "Ada");
    // An owner pauses or resumes (as the Discord bot sends it); waits
    // until the worker has the shop in that state.
    let shop = async |change: ShopChange| {
        let paused = matches!(change, ShopChange::Pause { .. });
        let cmd = Envelope::new("shop.change", owner(), change);
        env.send(Role::Owner, CommandKind::Shop, &cmd, true).await;
        env.wait_event(
            "the shop change",
            |e| matches!(&e.data, Event::ShopChanged { pause } if pause.is_some() == paused),
        )
        .await;
    };
    shop(ShopChange::Pause {
        minutes: None,
        reason: Some("Oven repair".into()),
    })
    .await;

    tg.standin
        .send_text(&ada, "2 small pepperoni and a large hawaiian");
    tg.said_after(&ada, 0, "Added to your cart").await;
    let confirmed = tg.checkout(&ada).await;
    let refused = tg
        .said_after(&ada, confirmed.message_id, "(Oven repair)")
        .await;
    assert!(
        refused
            .text
            .contains("Your cart is back as you confirmed it"),
        "{}",
        refused.text
    );

    shop(ShopChange::Resume).await;
    let again = tg.checkout(&ada).await;
    assert_eq!(summary_lines(&again), summary_lines(&confirmed));
    tg.said_after(&ada, again.message_id, "received").await;
    env.settle().await;
    assert_eq!(env.count("SELECT COUNT(*) AS n FROM orders").await, 1);
    assert_eq!(
        env.count("SELECT COALESCE(SUM(quantity), 0) AS n FROM order_lines")
            .await,
        3,
        "2 small pepperoni and a large hawaiian, once"
    );
    tg.stop().await;
    env.stop_workers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_after_a_new_cart_was_started_offers_the_basket_and_adds_it_once() {
    let mut env = TestEnv::with(never_open).await;
    env.spawn_worker();
    env.wait_queries_served().await;
    let tg = Telegram::start(&env).await;
    let ada = TUser::new(5_560_005, "Ada");
    tg.standin.send_text(&ada, "2 small pepperoni");
    tg.said_after(&ada, 0, "Added to your cart").await;

    // The worker is away while Ada confirms and starts another cart, so
    // its refusal comes after that cart (the command waits in the stream).
    env.stop_workers().await;
    let confirmed = tg.checkout(&ada).await;
    tg.said_after(&ada, confirmed.message_id - 1, "Sending your order")
        .await;
    let last = tg.last(&ada);
    tg.standin.send_text(&ada, "a large hawaiian");
    let added = tg.said_after(&ada, last, "Added to your cart").await;
    assert!(!added.text.contains("Pepperoni"), "{}", added.text);
    env.spawn_worker();

    let refused = tg
        .said_after(&ada, added.message_id, "You've started another cart since")
        .await;
    assert!(
        refused
            .text
            .starts_with("Sorry: We're closed, and no opening")
            && refused.text.contains("Pepperoni"),
        "the refusal, then the basket it held: {}",
        refused.text
    );
    let back = Telegram::button(&refused, "cb:");
    let last = tg.last(&ada);
    tg.standin.press_button(&ada, refused.message_id, &back);
    let merged = tg.said_after(&ada, last, "Added to your cart").await;
    assert!(merged.text.contains("2 × "), "{}", merged.text);

    let last = tg.last(&ada);
    tg.standin.send_text(&ada, "/cart");
    let cart = tg.said_after(&ada, last, "Your cart:").await;
    assert!(
        cart.text.contains("2 × ")
            && cart.text.contains("Pepperoni")
            && cart.text.contains("1 × ")
            && cart.text.contains("Hawaiian"),
        "both carts, once: {}",
        cart.text
    );
    // A second tap adds nothing more.
    let last = tg.last(&ada);
    tg.standin.press_button(&ada, refused.message_id, &back);
    tg.said_after(&ada, last, "when you first tapped").await;
    let last = tg.last(&ada);
    tg.standin.send_text(&ada, "/cart");
    let again = tg.said_after(&ada, last, "Your cart:").await;
    assert_eq!(again.text, cart.text);
    env.settle().await;
    assert_eq!(env.count("SELECT COUNT(*) AS n FROM orders").await, 0);
    tg.stop().await;
    env.stop_workers().await;
}
