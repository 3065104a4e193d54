//! Payment in chat end to end: the real customer bot (teloxide) against the
//! Telegram stand-in speaking the payment updates, the order worker, NATS,
//! MariaDB and Redis; and the owner bot (serenity) against the Discord
//! stand-in for what owners see of a paid order.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use chatorder_discord_standin::{StandIn, User as DUser};
use chatorder_shared::commands::{CatalogChange, ShopChange};
use chatorder_shared::domain::{OrderNumber, Role, Sku};
use chatorder_shared::envelope::Envelope;
use chatorder_shared::events::Event;
use chatorder_shared::payment::Payment;
use chatorder_shared::promo::{Discount, PromoCode, PromoTerms};
use chatorder_shared::refusal::Refusal;
use chatorder_shared::subjects::CommandKind;
use chatorder_telegram_standin::{BotMessage, SentInvoice, TOKEN, TelegramStandIn, User};
use common::*;
use serde_json::json;
use tokio_util::sync::CancellationToken;

/// How long something may take to happen before the test fails (generous: CI
/// runs heavy tests side by side on 2 cores; nothing waits this long blind).
const WAIT: Duration = Duration::from_secs(60);
const PROVIDER_TOKEN: &str = "284685063:TEST:standin-provider";

struct Bot {
    standin: TelegramStandIn,
    cancel: CancellationToken,
    handle: tokio::task::JoinHandle<anyhow::Result<()>>,
}

/// The customer bot on its own stand-in, with payments on or off; returns
/// once it listens for events.
async fn start_bot(env: &TestEnv, payments: bool) -> Bot {
    let standin = TelegramStandIn::start().await.expect("stand-in starts");
    let mut settings = env.settings.clone();
    settings.telegram.token = Some(TOKEN.to_owned().into());
    settings.telegram.api_url = standin.api_url();
    if payments {
        settings.telegram.payment_provider_token = Some(PROVIDER_TOKEN.to_owned().into());
    }
    let cancel = CancellationToken::new();
    let handle = tokio::spawn(chatorder_telegram::run::run(settings, cancel.clone()));
    env.wait_telegram_listening().await;
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

    /// The newest message containing `needle` after message `after`.
    async fn said_after(&self, user: &User, after: i64, needle: &str) -> BotMessage {
        self.expect(user, needle, |m| {
            m.message_id > after && m.text.contains(needle)
        })
        .await
    }

    fn button(msg: &BotMessage, prefix: &str) -> String {
        msg.buttons()
            .into_iter()
            .map(|(_, d)| d)
            .find(|d| d.starts_with(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` button on {msg:#?}"))
    }

    /// Types an order, checks out for pickup and confirms; returns the
    /// confirmed summary message.
    async fn order_and_confirm(&self, user: &User, text: &str) -> BotMessage {
        let last = self.last(user);
        self.standin.send_text(user, text);
        let added = self.said_after(user, last, "Added to your cart").await;
        self.standin.send_text(user, "/checkout");
        let ask = self
            .said_after(user, added.message_id, "Pickup or delivery")
            .await;
        self.standin
            .press_button(user, ask.message_id, &Bot::button(&ask, "f:p:"));
        let summary = self.said_after(user, ask.message_id, "Please check").await;
        let q = self
            .standin
            .press_button(user, summary.message_id, &Bot::button(&summary, "ok:"));
        assert!(self.standin.wait_answered(&q, WAIT).await);
        summary
    }

    /// The bill sent after message `after`.
    async fn bill_after(&self, user: &User, after: i64) -> SentInvoice {
        self.standin
            .wait_invoice(user.id, WAIT, |i| i.message_id > after)
            .await
            .unwrap_or_else(|| {
                panic!(
                    "no bill; chat: {:#?}, calls: {:#?}",
                    self.standin.messages(user.id),
                    self.standin.calls(Some("sendInvoice"))
                )
            })
    }

    /// Presses Pay: the bot's answer to Telegram's pre-checkout question.
    async fn pre_checkout(&self, user: &User, bill: &SentInvoice) -> (bool, Option<String>) {
        let q = self.standin.pre_checkout(user, bill);
        let a = self
            .standin
            .wait_pre_checkout_answer(&q, WAIT)
            .await
            .expect("the bot answers the pre-checkout question");
        (a.ok, a.error_message)
    }

    /// Asks (each question answered) until the bot refuses the bill, for
    /// what it learns a moment after it has spoken; returns why.
    async fn refused(&self, user: &User, bill: &SentInvoice) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            match self.pre_checkout(user, bill).await {
                (false, why) => return why.expect("a refusal says why"),
                (true, _) => assert!(Instant::now() < deadline, "the bill is never refused"),
            }
        }
    }

    fn last(&self, user: &User) -> i64 {
        self.standin
            .messages(user.id)
            .last()
            .map_or(0, |m| m.message_id)
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

async fn env() -> TestEnv {
    let mut env = TestEnv::new().await;
    env.spawn_worker();
    env.wait_queries_served().await;
    env
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paid_order_is_placed_once_with_its_charge_ids_and_a_cancel_is_refunded() {
    let env = env().await;
    let bot = start_bot(&env, true).await;
    let ada = User::new(5_512_345, "Ada");

    let summary = bot
        .order_and_confirm(&ada, "2 large hawaiian and a medium pepperoni")
        .await;
    let bill = bot.bill_after(&ada, summary.message_id).await;
    // The lines and total come from the catalog, in the shop's currency.
    assert_eq!(bill.currency, env.settings.shop.currency.as_str());
    assert_eq!(bill.provider_token, PROVIDER_TOKEN);
    assert_eq!(bill.prices.len(), 2, "{bill:#?}");
    assert!(
        bill.prices[0].0.contains("2 × The Hawaiian Pizza (L)"),
        "{bill:#?}"
    );
    assert_eq!(bill.prices[0].1, 2 * 1650);
    assert_eq!(bill.total(), 2 * 1650 + 1250);
    assert!(bill.payload.len() <= 128);
    // Nothing is ordered before it is paid.
    env.settle().await;
    assert_eq!(env.count("SELECT COUNT(*) AS n FROM orders").await, 0);

    assert_eq!(bot.pre_checkout(&ada, &bill).await, (true, None));
    bot.standin.successful_payment(&ada, &bill, "tg-charge-1");
    let received = bot.said_after(&ada, summary.message_id, "received!").await;
    assert!(received.text.contains("(paid)"), "{}", received.text);
    let number = order_number(&received);
    env.settle().await;
    assert_eq!(
        env.count(&format!(
            "SELECT COUNT(*) AS n FROM orders WHERE number = {number} AND total_minor = {} \
             AND currency = '{}' AND telegram_payment_charge_id = 'tg-charge-1' \
             AND provider_payment_charge_id = 'provider-tg-charge-1'",
            bill.total(),
            bill.currency
        ))
        .await,
        1,
        "the order keeps what was paid and the charge ids"
    );

    // Telegram tells the same payment again, and the customer pays the
    // same bill a second time: still one order, and the customer is told.
    bot.standin.successful_payment(&ada, &bill, "tg-charge-1");
    bot.standin.successful_payment(&ada, &bill, "tg-charge-2");
    bot.said_after(&ada, received.message_id, "already have a payment")
        .await;
    // A bill paid already is refused before any charge.
    let (ok, why) = bot.pre_checkout(&ada, &bill).await;
    assert!(!ok && why.unwrap().contains("paid already"));
    env.settle().await;
    assert_eq!(env.count("SELECT COUNT(*) AS n FROM orders").await, 1);

    // The order as owners read it says paid.
    let order = env.get_order(owner(), OrderNumber(number)).await.unwrap();
    assert_eq!(
        order
            .payment
            .as_ref()
            .map(|p| p.telegram_payment_charge_id.as_str()),
        Some("tg-charge-1")
    );
    assert_eq!(chatorder_shared::export::row(&order)[14], "paid");

    // The shop cancels it: the customer hears they are refunded.
    let cancel = Envelope::new(
        "order.status",
        owner(),
        chatorder_shared::commands::SetStatus {
            number: OrderNumber(number),
            status: chatorder_shared::domain::OrderStatus::Cancelled,
            reason: Some("out of dough".into()),
            expected_version: None,
        },
    );
    env.send(Role::Owner, CommandKind::Status, &cancel, true)
        .await;
    let told = bot
        .said_after(&ada, received.message_id, "cancelled order")
        .await;
    assert!(told.text.contains("will be refunded"), "{}", told.text);
    bot.stop().await;
}

/// Creates a promo code as the owner, straight on the bus, and waits for it.
async fn create_promo(env: &TestEnv, code: &str, discount: Discount) {
    let terms = PromoTerms {
        code: PromoCode::parse(code).unwrap(),
        discount,
        min_total_minor: None,
        from: None,
        until: None,
        max_uses: None,
        once_per_customer: false,
    };
    let create = Envelope::new(
        CommandKind::Shop.envelope_type(),
        owner(),
        ShopChange::PromoCreate { promo: terms },
    );
    env.send(Role::Owner, CommandKind::Shop, &create, true)
        .await;
    env.wait_event(
        "promo.changed",
        |e| matches!(&e.data, Event::PromoChanged { .. } if e.cause == Some(create.id)),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_promo_code_the_bill_is_the_total_after_the_discount() {
    let env = env().await;
    create_promo(&env, "TEN", Discount::Percent(10)).await;
    let bot = start_bot(&env, true).await;
    let ada = User::new(5_512_350, "Ada");

    // A code that does not apply: told as the worker would, and no bill.
    bot.standin.send_text(&ada, "/promo nope");
    bot.said_after(&ada, 0, "NOPE noted").await;
    let summary = bot.order_and_confirm(&ada, "2 large hawaiian").await;
    bot.said_after(&ada, summary.message_id, "there is no promo code NOPE")
        .await;
    assert!(bot.standin.calls(Some("sendInvoice")).is_empty());
    assert!(
        !bot.standin
            .messages(ada.id)
            .iter()
            .any(|m| m.text.contains("Here's your bill")),
        "no bill was promised: {:#?}",
        bot.standin.messages(ada.id)
    );

    // A code that does: one price, what is left to pay after 10% off.
    let last = bot.last(&ada);
    bot.standin.send_text(&ada, "/promo ten");
    let noted = bot.said_after(&ada, last, "TEN noted").await;
    bot.standin.send_text(&ada, "/checkout");
    let ask = bot
        .said_after(&ada, noted.message_id, "Pickup or delivery")
        .await;
    bot.standin
        .press_button(&ada, ask.message_id, &Bot::button(&ask, "f:p:"));
    let summary = bot.said_after(&ada, ask.message_id, "Please check").await;
    bot.standin
        .press_button(&ada, summary.message_id, &Bot::button(&summary, "ok:"));
    let bill = bot.bill_after(&ada, summary.message_id).await;
    bot.said_after(&ada, summary.message_id, "Here's your bill")
        .await;
    assert_eq!(bill.prices.len(), 1, "{bill:#?}");
    assert!(bill.prices[0].0.contains("promo code TEN"), "{bill:#?}");
    assert_eq!(bill.total(), 2 * 1650 - 330);

    assert_eq!(bot.pre_checkout(&ada, &bill).await, (true, None));
    bot.standin
        .successful_payment(&ada, &bill, "tg-charge-promo");
    let received = bot.said_after(&ada, summary.message_id, "received!").await;
    assert!(received.text.contains("(paid)"), "{}", received.text);
    let number = order_number(&received);
    env.settle().await;
    assert_eq!(
        env.count(&format!(
            "SELECT COUNT(*) AS n FROM orders WHERE number = {number} AND total_minor = 2970 \
             AND discount_minor = 330 AND promo_code = 'TEN' \
             AND telegram_payment_charge_id = 'tg-charge-promo'"
        ))
        .await,
        1,
        "placed with its discount, for what was paid"
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bill_for_a_changed_cart_or_price_is_refused_and_a_late_payment_refunded() {
    let env = env().await;
    let bot = start_bot(&env, true).await;
    let bo = User::new(5_512_346, "Bo");

    // The cart changes after the bill: Telegram is told not to charge.
    let summary = bot.order_and_confirm(&bo, "a large hawaiian").await;
    let bill = bot.bill_after(&bo, summary.message_id).await;
    bot.standin.send_text(&bo, "a small hawaiian");
    bot.said_after(&bo, summary.message_id, "Added to your cart")
        .await;
    // The bot answers before it stores the cart: ask until it has.
    let why = bot.refused(&bo, &bill).await;
    assert!(why.contains("cart changed"), "{why}");

    // A new bill, then the shop changes a price on it.
    bot.standin.send_text(&bo, "/checkout");
    let ask = bot
        .said_after(&bo, bill.message_id, "Pickup or delivery")
        .await;
    bot.standin
        .press_button(&bo, ask.message_id, &Bot::button(&ask, "f:p:"));
    let summary = bot.said_after(&bo, ask.message_id, "Please check").await;
    bot.standin
        .press_button(&bo, summary.message_id, &Bot::button(&summary, "ok:"));
    let bill = bot.bill_after(&bo, summary.message_id).await;
    assert_eq!(bill.total(), 1650 + 1050);
    assert_eq!(bot.pre_checkout(&bo, &bill).await, (true, None));
    let price = Envelope::new(
        "catalog.change",
        owner(),
        CatalogChange::Price {
            sku: Sku::parse("hawaiian_l").unwrap(),
            price_minor: 1700,
        },
    );
    env.send(Role::Owner, CommandKind::Catalog, &price, true)
        .await;
    env.wait_event(
        "catalog.changed",
        |e| matches!(&e.data, Event::CatalogChanged { item } if item.price_minor == 1700),
    )
    .await;
    // The bot hears of the change on its event feed; until then it may
    // still say yes. Ask again (each question answered) until it says no.
    let why = bot.refused(&bo, &bill).await;
    assert!(why.contains("price"), "{why}");

    // Telegram charged anyway (the question was answered before the change):
    // the worker, pricing from the catalog, refuses, and the customer and the
    // owners hear that a refund is due. No order.
    bot.standin.successful_payment(&bo, &bill, "tg-late-1");
    let told = bot.said_after(&bo, bill.message_id, "refund").await;
    assert!(told.text.contains("now costs"), "{}", told.text);
    let rejected = env
        .wait_event(
            "the refusal of the paid order",
            |e| matches!(&e.data, Event::Rejected(r) if r.payment.is_some()),
        )
        .await;
    let Event::Rejected(r) = rejected.data else {
        unreachable!()
    };
    assert_eq!(
        r.refusal,
        Refusal::PaymentMismatch {
            paid_minor: 1650 + 1050,
            paid_currency: env.settings.shop.currency,
            total_minor: 1700 + 1050,
            currency: env.settings.shop.currency,
        }
    );
    assert_eq!(
        r.payment.map(|p| p.telegram_payment_charge_id),
        Some("tg-late-1".to_owned())
    );
    env.settle().await;
    assert_eq!(env.count("SELECT COUNT(*) AS n FROM orders").await, 0);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_provider_token_checkout_places_the_order_as_before() {
    let env = env().await;
    let bot = start_bot(&env, false).await;
    let cy = User::new(5_512_347, "Cy");
    let summary = bot.order_and_confirm(&cy, "a large hawaiian").await;
    let received = bot.said_after(&cy, summary.message_id, "received!").await;
    assert!(!received.text.contains("paid"), "{}", received.text);
    env.settle().await;
    assert!(bot.standin.calls(Some("sendInvoice")).is_empty());
    assert_eq!(
        env.count("SELECT COUNT(*) AS n FROM orders WHERE telegram_payment_charge_id IS NULL AND provider_payment_charge_id IS NULL")
            .await,
        1
    );
    // A forged payment update for a bill the bot never sent places nothing
    // either: with no provider, there is no bill to pay.
    let number = order_number(&received);
    let order = env.get_order(owner(), OrderNumber(number)).await.unwrap();
    assert_eq!(chatorder_shared::export::row(&order)[14], "on_pickup");
    bot.stop().await;
}

/// Owners see "paid" on the board card; cancelling the paid order says on
/// the card and in the reply that a refund is due; a paid order the worker
/// refuses is announced in the channel as a refund due.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_see_paid_and_are_told_a_refund_is_due() {
    let env = env().await;
    let standin = StandIn::start().await.unwrap();
    let discord = bots::Discord::start(&env, &standin).await;
    let olga = DUser::new(OWNER_ID.parse().unwrap(), "Olga");

    let paid = |total_minor, charge: &str| Payment {
        total_minor,
        currency: env.settings.shop.currency,
        telegram_payment_charge_id: charge.to_owned(),
        provider_payment_charge_id: format!("provider-{charge}"),
    };
    let mut cmd = place_cmd(&[("hawaiian_m", 2)]);
    cmd.payment = Some(paid(2 * 1325, "tg-board-1"));
    let placed = Envelope::new("order.place", customer("5550001"), cmd);
    env.send(Role::Customer, CommandKind::Place, &placed, true)
        .await;
    let order = env.wait_placed(placed.id).await;
    let tag = format!("Order {} ", order.number);
    let card = until("the paid card", || {
        standin
            .messages(StandIn::CHANNEL_ID)
            .into_iter()
            .find(|m| m.text().contains(&tag) && m.text().contains("Paid"))
    })
    .await;
    assert!(!card.text().contains("Refund due"), "{}", card.text());

    let s = standin
        .slash(
            &olga,
            "status",
            json!([
                {"name":"number","type":4,"value":order.number.0},
                {"name":"status","type":3,"value":"cancelled"},
                {"name":"reason","type":3,"value":"out of dough"}
            ]),
        )
        .await
        .unwrap();
    let reply = standin.response_final(s, WAIT).await.unwrap();
    let reply = reply.content.unwrap_or_default();
    assert!(
        reply.contains("cancelled") && reply.contains("Refund due"),
        "{reply}"
    );
    assert!(reply.contains("tg-board-1"), "{reply}");
    until("the card to say a refund is due", || {
        standin
            .message(card.channel_id, card.id)
            .filter(|m| m.text().contains("Refund due") && m.text().contains("tg-board-1"))
    })
    .await;

    // A payment that does not match the order's total is refused, and the
    // channel is told to refund it.
    let mut cmd = place_cmd(&[("hawaiian_m", 1)]);
    cmd.payment = Some(paid(1, "tg-short-1"));
    let short = Envelope::new("order.place", customer("5550002"), cmd);
    env.send(Role::Customer, CommandKind::Place, &short, true)
        .await;
    let r = env.wait_rejection(short.id).await;
    assert_eq!(r.refusal.code(), "payment_mismatch");
    until("the refund notice", || {
        standin
            .messages(StandIn::CHANNEL_ID)
            .into_iter()
            .find(|m| m.text().contains("Refund due") && m.text().contains("tg-short-1"))
    })
    .await;
    env.settle().await;
    assert_eq!(
        env.count(
            "SELECT COUNT(*) AS n FROM orders WHERE telegram_payment_charge_id = 'tg-short-1'"
        )
        .await,
        0
    );
    discord.stop().await;
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
