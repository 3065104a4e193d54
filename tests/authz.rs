//! Authorisation audit: a customer cannot read, change, cancel or message
//! about another customer's order by any route (raw commands, the Telegram
//! bot's commands, forged button data, queries), and owner rights come only
//! from the shop's configured Discord owners. Real NATS, MariaDB, Redis and
//! the real Telegram bot against its stand-in.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use chatorder_shared::commands::{
    CancelOrder, CatalogChange, LineRequest, SendMessage, SetStatus, UpdateOrder,
};
use chatorder_shared::domain::{Actor, OrderNumber, OrderStatus, Platform, Role, Sku};
use chatorder_shared::envelope::Envelope;
use chatorder_shared::events::{Event, OrderSnapshot};
use chatorder_shared::queries::{CustomerOrders, OrderPage, PendingOrders, QueryRefusal};
use chatorder_shared::refusal::Refusal;
use chatorder_shared::subjects::{CommandKind, QueryKind};
use chatorder_telegram_standin::{TOKEN, TelegramStandIn, User};
use common::*;
use tokio_util::sync::CancellationToken;

/// How long something may take to happen before the test fails (generous: CI
/// runs heavy tests side by side on 2 cores; nothing waits this long blind).
const WAIT: Duration = Duration::from_secs(60);

/// Ada's pending order, placed over NATS as the Telegram bot would.
async fn adas_order(env: &TestEnv, ada: &Actor) -> OrderSnapshot {
    let id = env.place(ada, &[("hawaiian_m", 2)]).await;
    env.wait_placed(id).await
}

/// The order as the owner sees it now.
async fn as_owner_sees(env: &TestEnv, number: OrderNumber) -> OrderSnapshot {
    env.get_order(owner(), number)
        .await
        .expect("the owner can read any order")
}

/// Every event about `number` other than its placement.
async fn changes_to(env: &TestEnv, number: OrderNumber) -> Vec<String> {
    env.events()
        .await
        .into_iter()
        .filter(|e| number_of(e) == Some(number))
        .filter(|e| !matches!(e.data, Event::Placed { .. } | Event::Rejected(_)))
        .map(|e| e.kind)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_cannot_touch_another_customers_order_by_command_or_query() {
    let mut env = TestEnv::new().await;
    env.spawn_worker();
    let ada = customer("1001");
    let bob = customer("1002");
    let order = adas_order(&env, &ada).await;
    let n = order.number;

    // Bob changes, cancels and messages about Ada's order.
    let update = Envelope::new(
        "order.update",
        bob.clone(),
        UpdateOrder {
            number: n,
            lines: vec![LineRequest {
                sku: Sku::parse("hawaiian_l").unwrap(),
                qty: 9,
            }],
            note: Some("all for Bob".into()),
            expected_version: None,
        },
    );
    let cancel = Envelope::new(
        "order.cancel",
        bob.clone(),
        CancelOrder {
            number: n,
            reason: None,
            expected_version: None,
        },
    );
    let message = Envelope::new(
        "order.message",
        bob.clone(),
        SendMessage {
            number: n,
            text: "send it to my address instead".into(),
        },
    );
    env.send(Role::Customer, CommandKind::Update, &update, true)
        .await;
    env.send(Role::Customer, CommandKind::Cancel, &cancel, true)
        .await;
    env.send(Role::Customer, CommandKind::Message, &message, true)
        .await;
    for id in [update.id, cancel.id, message.id] {
        let r = env.wait_rejection(id).await;
        assert_eq!(r.refusal.code(), "not_found", "{r:?}");
        assert_eq!(r.to.key(), bob.key(), "the refusal goes to Bob only");
        // The refusal does not reveal that the order exists: not on the
        // wire, not in what Bob's bot tells him.
        let wire = serde_json::to_string(&r).expect("serialise");
        let said = chatorder_telegram::texts::Texts::rejected_command(
            &chatorder_telegram::texts::English,
            &r.refusal,
            chrono::Utc::now(),
            env.settings.shop.time_zone,
        );
        for text in [&wire, &said] {
            assert!(
                !text.contains("Hawaiian") && !text.contains("Customer 1001"),
                "{text}"
            );
        }
    }

    // Bob can't read it either: not by number, not in his list.
    let got = env.get_order(bob.clone(), n).await;
    assert!(got.is_err(), "Bob must not read Ada's order: {got:?}");
    assert_eq!(
        got.unwrap_err(),
        QueryRefusal::NotFound { number: n },
        "someone else's order looks exactly like a missing one"
    );
    assert_eq!(
        env.get_order(bob.clone(), OrderNumber(999_999))
            .await
            .unwrap_err(),
        QueryRefusal::NotFound {
            number: OrderNumber(999_999)
        }
    );
    let bobs: OrderPage = env
        .query(
            QueryKind::Customer,
            &CustomerOrders {
                actor: bob.clone(),
                limit: 50,
            },
        )
        .await
        .expect("Bob's own list");
    assert!(bobs.orders.iter().all(|o| o.number != n));
    // The pending queue is the owners'.
    let pending: Result<OrderPage, QueryRefusal> = env
        .query(
            QueryKind::Pending,
            &PendingOrders {
                actor: bob.clone(),
                limit: 50,
                offset: 0,
            },
        )
        .await;
    assert_eq!(
        pending.expect_err("a customer can't list pending orders"),
        QueryRefusal::NotOwner
    );

    // Ada's order is exactly as she left it; Ada herself still can read it.
    env.settle().await;
    let now = as_owner_sees(&env, n).await;
    assert_eq!(now.status, OrderStatus::Pending);
    assert_eq!(now.version, order.version);
    assert_eq!(now.lines, order.lines);
    assert_eq!(now.note, order.note);
    assert!(changes_to(&env, n).await.is_empty());
    assert!(env.get_order(ada, n).await.is_ok());
    env.stop_workers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owner_rights_come_only_from_configured_discord_owners() {
    let mut env = TestEnv::new().await;
    env.spawn_worker();
    let ada = customer("2001");
    let order = adas_order(&env, &ada).await;
    let n = order.number;
    let accept = |actor: Actor| {
        Envelope::new(
            "order.status",
            actor,
            SetStatus {
                number: n,
                status: OrderStatus::Accepted,
                reason: None,
                expected_version: None,
            },
        )
    };

    // A Discord user who is not an owner, on the owners' subject.
    let stranger = Actor {
        id: "555".into(),
        name: Some("Mallory".into()),
        ..owner()
    };
    // The owner's id, but claimed from Telegram.
    let telegram_owner = Actor {
        platform: Platform::Telegram,
        ..owner()
    };
    // A role id nobody configured.
    let fake_role = Actor {
        id: "556".into(),
        roles: vec!["1234".into()],
        ..owner()
    };
    for actor in [stranger.clone(), telegram_owner, fake_role] {
        let cmd = accept(actor);
        env.send(Role::Owner, CommandKind::Status, &cmd, true).await;
        assert_eq!(env.wait_rejection(cmd.id).await.refusal, Refusal::NotOwner);
    }
    let price = Envelope::new(
        "catalog.change",
        stranger.clone(),
        CatalogChange::Price {
            sku: Sku::parse("hawaiian_m").unwrap(),
            price_minor: 1,
        },
    );
    env.send(Role::Owner, CommandKind::Catalog, &price, true)
        .await;
    assert_eq!(
        env.wait_rejection(price.id).await.refusal,
        Refusal::NotOwner
    );
    let pending: Result<OrderPage, QueryRefusal> = env
        .query(
            QueryKind::Pending,
            &PendingOrders {
                actor: stranger.clone(),
                limit: 10,
                offset: 0,
            },
        )
        .await;
    assert_eq!(
        pending.expect_err("a stranger can't list pending orders"),
        QueryRefusal::NotOwner
    );
    assert!(env.get_order(stranger, n).await.is_err());
    // The real owner's identity claimed on the customers' query subject
    // (which the customer bot may publish to) reads nothing: owners' queries
    // are answered only on `orders.query.owner.*`.
    for (kind, body) in [
        (
            QueryKind::Get,
            serde_json::json!({"actor": owner(), "number": n}),
        ),
        (
            QueryKind::Pending,
            serde_json::json!({"actor": owner(), "limit": 10}),
        ),
    ] {
        let reply = env
            .client
            .request(env.subjects.query(kind), body.to_string().into())
            .await
            .expect("answered");
        let reply: chatorder_shared::queries::QueryReply<serde_json::Value> =
            serde_json::from_slice(&reply.payload).expect("a reply");
        assert_eq!(
            reply.into_result().expect_err(&format!(
                "{kind:?} claimed as owner on the customer subject must be refused"
            )),
            QueryRefusal::NotOwner
        );
    }

    // A customer's subject can't carry an owner's command or role: those
    // are dead-lettered before any rule runs (the NATS permissions in
    // docs/security.md keep the customer bot off the owners' subjects).
    let as_owner_on_customer_subject = accept(owner());
    env.send_raw(
        &env.subjects.command(Role::Customer, CommandKind::Cancel),
        Envelope::new(
            "order.cancel",
            owner(),
            CancelOrder {
                number: n,
                reason: Some("forged".into()),
                expected_version: None,
            },
        )
        .to_json(),
    )
    .await;
    env.send_raw(
        &env.subjects.command(Role::Customer, CommandKind::Status),
        as_owner_on_customer_subject.to_json(),
    )
    .await;
    let customer_status = accept(ada.clone());
    env.send_raw(
        &env.subjects.command(Role::Customer, CommandKind::Status),
        customer_status.to_json(),
    )
    .await;
    env.send_raw(
        &env.subjects.command(Role::Owner, CommandKind::Status),
        customer_status.to_json(),
    )
    .await;
    env.settle().await;
    let dead = read_stream(&env.js, &env.subjects.dead_letter_stream()).await;
    assert_eq!(dead.len(), 4, "every forged command is dead-lettered");

    // Nothing moved; the real owner still can.
    let now = as_owner_sees(&env, n).await;
    assert_eq!(now.status, OrderStatus::Pending);
    assert_eq!(now.version, order.version);
    assert!(changes_to(&env, n).await.is_empty());
    env.set_status(n, OrderStatus::Accepted).await;
    env.wait_event("accepted", |e| {
        matches!(&e.data, Event::StatusChanged { order, .. } if order.number == n && order.status == OrderStatus::Accepted)
    })
    .await;
    env.stop_workers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_telegram_bot_gives_nobody_anothers_order_by_command_or_forged_button() {
    let mut env = TestEnv::new().await;
    env.spawn_worker();
    env.wait_queries_served().await;
    let standin = TelegramStandIn::start().await.expect("stand-in");
    let mut settings = env.settings.clone();
    settings.telegram.token = Some(TOKEN.to_owned().into());
    settings.telegram.api_url = standin.api_url();
    let cancel_bot = CancellationToken::new();
    let bot = tokio::spawn(chatorder_telegram::run::run(settings, cancel_bot.clone()));

    let ada_user = User::new(3001, "Ada");
    let bob = User::new(3002, "Bob");
    let ada = customer(&ada_user.id.to_string());
    env.wait_telegram_listening().await;
    let order = adas_order(&env, &ada).await;
    let n = order.number.0;
    // Ada hears that her order was received; that is all she may hear.
    standin
        .wait_for(ada_user.id, WAIT, |m| m.text.contains("received"))
        .await
        .expect("Ada is told her order was received");
    standin.send_text(&bob, "/start");
    standin
        .wait_for(bob.id, WAIT, |m| m.text.contains("welcome"))
        .await
        .expect("the bot greets Bob");

    // Every chat route that names an order number.
    let refusals = || {
        standin
            .messages(bob.id)
            .iter()
            .filter(|m| m.text.contains("couldn't find"))
            .count()
    };
    for (i, text) in [
        format!("/status {n}"),
        format!("/status #{n}"),
        format!("/cancel {n}"),
        format!("/edit {n}"),
        format!("/msg {n} please change the address"),
    ]
    .iter()
    .enumerate()
    {
        standin.send_text(&bob, text);
        // Each route ends in its own "couldn't find" (some come back from
        // the worker a moment later, so they are counted, not matched).
        let deadline = std::time::Instant::now() + WAIT;
        while refusals() <= i {
            assert!(
                std::time::Instant::now() < deadline,
                "`{text}` must be refused with \"couldn't find\"; chat: {:#?}",
                standin.messages(bob.id)
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    // Forged button data: ids of checkouts that are not Bob's, Ada's order
    // number where a checkout id goes, unknown items, garbage.
    let forged_from = standin
        .messages(bob.id)
        .last()
        .map(|m| m.message_id)
        .expect("Bob has a chat");
    let uuid = uuid::Uuid::now_v7();
    for data in [
        format!("ok:{uuid}"),
        format!("no:{uuid}"),
        format!("nt:{uuid}"),
        format!("f:d:{uuid}"),
        format!("ok:{n}"),
        format!("no:{n}"),
        "q:hawaiian_m:-1".to_owned(),
        "a:no_such_pizza:1".to_owned(),
        "c:99".to_owned(),
        "n:-1".to_owned(),
        "\u{0}\u{ffff}".to_owned(),
        "x".repeat(64),
    ] {
        let q = standin.press_button(&bob, forged_from, &data);
        assert!(
            standin.wait_answered(&q, WAIT).await,
            "the forged button `{data}` is answered, not ignored"
        );
    }

    env.settle().await;
    let now = as_owner_sees(&env, order.number).await;
    assert_eq!(now.status, OrderStatus::Pending, "Ada's order is untouched");
    assert_eq!(now.version, order.version);
    assert!(changes_to(&env, order.number).await.is_empty());
    assert_eq!(
        env.count("SELECT COUNT(*) AS n FROM orders").await,
        1,
        "no order was made from forged data"
    );
    // Nothing more reached Ada, and nothing about her order reached Bob.
    let adas: Vec<String> = standin
        .messages(ada_user.id)
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert_eq!(adas.len(), 1, "Ada heard only of her own order: {adas:#?}");
    for m in standin.messages(bob.id) {
        assert!(
            !m.text.contains("Ada") && !m.text.contains("Customer 3001"),
            "Bob saw something of Ada's order: {}",
            m.text
        );
    }
    cancel_bot.cancel();
    tokio::time::timeout(WAIT, bot)
        .await
        .expect("bot stops")
        .expect("no panic")
        .expect("bot stops cleanly");
    env.stop_workers().await;
}
