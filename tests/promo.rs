//! Promo codes end to end, through the real bots (on their stand-ins), the
//! order worker, NATS, MariaDB and Redis: owners create, list and switch
//! off codes in Discord; customers name one in Telegram and get the
//! discount the worker works out from catalog prices, or hear in plain
//! words which rule it broke; the board card shows the discount. And the
//! race: many customers after a code's last use, over two worker replicas,
//! get exactly one success, as do many orders of one customer after a
//! once-per-customer code.

#![allow(clippy::unwrap_used)]

mod common;

use chatorder_discord_standin::StandIn;
use chatorder_shared::commands::ShopChange;
use chatorder_shared::domain::{Actor, Role};
use chatorder_shared::envelope::Envelope;
use chatorder_shared::events::Event;
use chatorder_shared::promo::{Discount, PromoCode, PromoProblem, PromoTerms};
use chatorder_shared::refusal::Refusal;
use chatorder_shared::subjects::CommandKind;
use chatorder_telegram_standin::{BotMessage, User as TUser};
use common::bots::{Discord, Telegram, channel_says, owner_slash};
use common::*;
use serde_json::json;
use uuid::Uuid;

impl Telegram {
    /// Types `what`, gives `/promo code`, checks out for pickup and
    /// confirms; returns the id of the summary, after which the worker's
    /// answer arrives.
    async fn order(&self, user: &TUser, what: &str, code: &str) -> BotMessage {
        let last = self.last(user);
        self.standin.send_text(user, what);
        let added = self.said_after(user, last, "Added to your cart").await;
        self.standin.send_text(user, &format!("/promo {code}"));
        let noted = self
            .said_after(user, added.message_id, "noted: the shop checks it")
            .await;
        self.standin.send_text(user, "/checkout");
        let ask = self
            .said_after(user, noted.message_id, "Pickup or delivery")
            .await;
        self.standin
            .press_button(user, ask.message_id, &Self::button(&ask, "f:p:"));
        let summary = self.said_after(user, ask.message_id, "Please check").await;
        assert!(
            summary
                .text
                .contains(&format!("Promo code {}", code.to_ascii_uppercase())),
            "{}",
            summary.text
        );
        self.standin
            .press_button(user, summary.message_id, &Self::button(&summary, "ok:"));
        summary
    }
}

/// What the Discord bot finally answered `/promo <sub>`.
async fn promo(standin: &StandIn, sub: &str, options: serde_json::Value) -> String {
    owner_slash(
        standin,
        "promo",
        json!([{"name": sub, "type": 1, "options": options}]),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_make_codes_in_discord_and_customers_get_the_discount_in_telegram() {
    let mut env = TestEnv::new().await;
    env.spawn_worker();
    env.wait_queries_served().await;
    let tg = Telegram::start(&env).await;
    let standin = StandIn::start().await.unwrap();
    let discord = Discord::start(&env, &standin).await;

    // Bad input never reaches the worker; it gets a sentence.
    let said = promo(
        &standin,
        "create",
        json!([{"name":"code","type":3,"value":"SAVE10"},{"name":"discount","type":3,"value":"ten"}]),
    )
    .await;
    assert!(said.contains("is not a discount"), "{said}");

    let said = promo(
        &standin,
        "create",
        json!([
            {"name":"code","type":3,"value":"save10"},
            {"name":"discount","type":3,"value":"10%"},
            {"name":"min","type":3,"value":"15.00"},
            {"name":"uses","type":4,"value":5},
            {"name":"once_per_customer","type":5,"value":true}
        ]),
    )
    .await;
    assert!(said.contains("Promo code `SAVE10` is on"), "{said}");
    // A second code of the same name is refused by the worker, in words.
    let said = promo(
        &standin,
        "create",
        json!([{"name":"code","type":3,"value":"SAVE10"},{"name":"discount","type":3,"value":"5"}]),
    )
    .await;
    assert!(
        said.contains("there is already a promo code `SAVE10`"),
        "{said}"
    );

    // Ada: two small pepperoni (2 × 9.75 = 19.50), 10% off: 1.95.
    let ada = TUser::new(5_570_001, "Ada");
    let summary = tg.order(&ada, "2 small pepperoni", "save10").await;
    let placed = tg.said_after(&ada, summary.message_id, "received!").await;
    assert!(
        placed.text.contains("Subtotal: $19.50")
            && placed.text.contains("Promo code SAVE10: −$1.95")
            && placed.text.contains("Total: $17.55"),
        "{}",
        placed.text
    );
    assert_eq!(
        env.count("SELECT COUNT(*) AS n FROM orders WHERE promo_code = 'SAVE10' AND discount_minor = 195 AND total_minor = 1755")
            .await,
        1
    );
    assert_eq!(
        env.count("SELECT COUNT(*) AS n FROM promo_codes WHERE code = 'SAVE10' AND uses = 1")
            .await,
        1
    );
    // The owners' board card shows it.
    let card = channel_says(&standin, "SAVE10").await;
    assert!(card.contains("1.95"), "{card}");

    // Every rule is the worker's, told in plain words.
    let refused = |r: &str| format!("Sorry: {r}");
    // Ada again: the code is once per customer.
    let again = tg.order(&ada, "2 small pepperoni", "SAVE10").await;
    tg.said_after(
        &ada,
        again.message_id,
        &refused("promo code SAVE10 is one per customer and you have used it already"),
    )
    .await;
    // Bob: one small pepperoni (9.75) is under the code's minimum.
    let bob = TUser::new(5_570_002, "Bob");
    let small = tg.order(&bob, "1 small pepperoni", "SAVE10").await;
    tg.said_after(
        &bob,
        small.message_id,
        &refused("promo code SAVE10 needs an order of at least $15.00"),
    )
    .await;
    // Cleo: a code that does not exist.
    let cleo = TUser::new(5_570_003, "Cleo");
    let nope = tg.order(&cleo, "2 small pepperoni", "NOPE10").await;
    tg.said_after(&cleo, nope.message_id, "there is no promo code NOPE10")
        .await;

    let list = promo(&standin, "list", json!([])).await;
    assert!(
        list.contains("`SAVE10`: 10% off, orders from USD 15.00, used 1 of 5, once per customer"),
        "{list}"
    );

    // Switched off: the next customer hears so; nothing was placed for them.
    let said = promo(
        &standin,
        "disable",
        json!([{"name":"code","type":3,"value":"SAVE10"}]),
    )
    .await;
    assert!(said.contains("`SAVE10` is switched off"), "{said}");
    let dan = TUser::new(5_570_004, "Dan");
    let off = tg.order(&dan, "2 small pepperoni", "SAVE10").await;
    tg.said_after(&dan, off.message_id, "promo code SAVE10 is no longer valid")
        .await;
    let said = promo(
        &standin,
        "disable",
        json!([{"name":"code","type":3,"value":"GHOST"}]),
    )
    .await;
    assert!(said.contains("there is no promo code `GHOST`"), "{said}");

    env.settle().await;
    assert_eq!(env.count("SELECT COUNT(*) AS n FROM orders").await, 1);
    assert_eq!(env.count("SELECT COUNT(*) AS n FROM promo_uses").await, 1);

    discord.stop().await;
    tg.stop().await;
    env.stop_workers().await;
}

fn code(c: &str) -> PromoCode {
    PromoCode::parse(c).unwrap()
}

/// Creates a code as the owner, straight on the bus, and waits for it.
async fn create(env: &TestEnv, terms: PromoTerms) {
    let env_ = Envelope::new(
        CommandKind::Shop.envelope_type(),
        owner(),
        ShopChange::PromoCreate { promo: terms },
    );
    env.send(Role::Owner, CommandKind::Shop, &env_, true).await;
    env.wait_event(
        "promo.changed",
        |e| matches!(&e.data, Event::PromoChanged { .. } if e.cause == Some(env_.id)),
    )
    .await;
}

/// Places an order with `promo` as `who`, all at once with the others.
async fn place_all(env: &TestEnv, who: &[Actor], promo: &PromoCode) -> Vec<Uuid> {
    let envelopes: Vec<_> = who
        .iter()
        .map(|a| {
            let mut cmd = place_cmd(&[("pepperoni_s", 2)]);
            cmd.promo = Some(promo.clone());
            Envelope::new("order.place", a.clone(), cmd)
        })
        .collect();
    futures::future::join_all(
        envelopes
            .iter()
            .map(|e| env.send(Role::Customer, CommandKind::Place, e, true)),
    )
    .await;
    envelopes.iter().map(|e| e.id).collect()
}

/// Each order's outcome: `Ok(discount)` placed, `Err(problem)` refused.
async fn outcomes(env: &TestEnv, ids: &[Uuid]) -> Vec<Result<i64, PromoProblem>> {
    let mut out = Vec::new();
    for id in ids {
        let e = env
            .wait_event("the order's outcome", |e| match &e.data {
                Event::Placed { order } => order.id == *id,
                Event::Rejected(r) => r.command_id == *id,
                _ => false,
            })
            .await;
        out.push(match e.data {
            Event::Placed { order } => Ok(order.discount_minor()),
            Event::Rejected(r) => match r.refusal {
                Refusal::Promo { why, .. } => Err(why),
                other => panic!("refused for another reason: {other:?}"),
            },
            _ => unreachable!(),
        });
    }
    out
}

/// Two worker replicas, one command per transaction (so every order is
/// its own race for the code's row), many customers at once after the last
/// use: exactly one gets it, the others hear it is used up, and MySQL
/// counts one use. Then one customer sends many orders at once with a
/// once-per-customer code: exactly one is placed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_customers_get_the_last_use_exactly_once_across_replicas() {
    let mut env = TestEnv::with(|s| s.worker.batch_max = 1).await;
    env.spawn_worker();
    env.spawn_worker();
    env.wait_queries_served().await;

    let terms = |c: &str| PromoTerms {
        code: code(c),
        discount: Discount::Amount(500),
        min_total_minor: None,
        from: None,
        until: None,
        max_uses: None,
        once_per_customer: false,
    };
    // Two uses left: two earlier customers took the others.
    let mut last = terms("LAST");
    last.max_uses = Some(3);
    create(&env, last).await;
    let early = place_all(&env, &[customer("5580001")], &code("LAST")).await;
    assert_eq!(outcomes(&env, &early).await, [Ok(500)]);
    let early = place_all(&env, &[customer("5580002")], &code("LAST")).await;
    assert_eq!(outcomes(&env, &early).await, [Ok(500)]);

    let racers: Vec<Actor> = (0..16).map(|i| customer(&format!("55810{i:02}"))).collect();
    let ids = place_all(&env, &racers, &code("LAST")).await;
    let got = outcomes(&env, &ids).await;
    let won = got.iter().filter(|o| **o == Ok(500)).count();
    let used_up = got
        .iter()
        .filter(|o| **o == Err(PromoProblem::UsedUp))
        .count();
    assert_eq!((won, used_up), (1, 15), "{got:?}");
    assert_eq!(
        env.count("SELECT COUNT(*) AS n FROM promo_codes WHERE code = 'LAST' AND uses = 3")
            .await,
        1
    );
    assert_eq!(
        env.count("SELECT COUNT(*) AS n FROM promo_uses WHERE code = 'LAST'")
            .await,
        3
    );

    // One customer, many orders at once, a once-per-customer code.
    let mut once = terms("ONCE");
    once.once_per_customer = true;
    create(&env, once).await;
    let same: Vec<Actor> = (0..10).map(|_| customer("5582000")).collect();
    let ids = place_all(&env, &same, &code("ONCE")).await;
    let got = outcomes(&env, &ids).await;
    let won = got.iter().filter(|o| **o == Ok(500)).count();
    let already = got
        .iter()
        .filter(|o| **o == Err(PromoProblem::AlreadyUsed))
        .count();
    assert_eq!((won, already), (1, 9), "{got:?}");
    assert_eq!(
        env.count("SELECT COUNT(*) AS n FROM promo_uses WHERE code = 'ONCE'")
            .await,
        1
    );

    env.settle().await;
    env.stop_workers().await;
}
