//! End-to-end tests of the order pipeline against the real NATS, MariaDB and
//! Redis: commands in through JetStream, effects in MySQL, events out.

mod common;

use chatorder_shared::commands::{CancelOrder, SetStatus, UpdateOrder};
use chatorder_shared::domain::{OrderNumber, OrderStatus, Role};
use chatorder_shared::envelope::Envelope;
use chatorder_shared::events::{Event, OrderSnapshot};
use chatorder_shared::queries::{
    Catalog, CustomerOrders, ListCatalog, OrderPage, PendingOrders, QueryRefusal,
};
use chatorder_shared::refusal::Refusal;
use chatorder_shared::subjects::{CommandKind, EventKind, QueryKind};
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_placed_order_is_persisted_and_announced() {
    let mut env = TestEnv::new().await;
    env.spawn_worker();
    let ada = customer("5512345");
    let id = env
        .place(&ada, &[("hawaiian_m", 2), ("thai_ckn_l", 1)])
        .await;
    let order = env.wait_placed(id).await;

    // Prices come from the catalog: hawaiian M 13.25, thai chicken L 20.75.
    assert_eq!(order.total_minor, 2 * 1325 + 2075);
    assert_eq!(order.status, OrderStatus::Pending);
    assert_eq!(order.customer.key, "telegram:5512345");
    assert_eq!(order.lines.len(), 2);
    assert_eq!(order.lines[0].name, "The Hawaiian Pizza (M)");

    let id_s = order.id.to_string();
    assert_eq!(
        env.count(&format!(
            "SELECT COUNT(*) AS n FROM orders WHERE id = '{id_s}' AND total_minor = 4725"
        ))
        .await,
        1
    );
    assert_eq!(
        env.count(&format!(
            "SELECT COUNT(*) AS n FROM order_lines WHERE order_id = '{id_s}'"
        ))
        .await,
        2
    );
    assert_eq!(env.count(&format!("SELECT COUNT(*) AS n FROM order_status_history WHERE order_id = '{id_s}' AND to_status = 'pending'")).await, 1);
    assert_eq!(env.count(&format!("SELECT COUNT(*) AS n FROM processed_commands WHERE command_id = '{id_s}' AND outcome = 'applied'")).await, 1);
    assert_eq!(
        env.count("SELECT COUNT(*) AS n FROM customers WHERE id = 'telegram:5512345'")
            .await,
        1
    );
    env.settle().await;
    assert_eq!(
        env.count("SELECT COUNT(*) AS n FROM outbox").await,
        0,
        "published events leave the outbox"
    );

    // The customer reads it back; another customer cannot.
    let got: OrderSnapshot = env
        .get_order(ada.clone(), order.number)
        .await
        .expect("own order");
    assert_eq!(got, order);
    let err = env
        .get_order(customer("777"), order.number)
        .await
        .expect_err("someone else's order");
    assert_eq!(
        err,
        QueryRefusal::NotFound {
            number: order.number
        }
    );
    // Twice: once from MySQL, once from the cache; same answer.
    let again: OrderSnapshot = env
        .get_order(owner(), order.number)
        .await
        .expect("owner reads");
    assert_eq!(again, order);
    env.stop_workers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_command_delivered_three_times_makes_one_order_and_one_event() {
    let mut env = TestEnv::new().await;
    let ada = customer("1");
    let cmd = Envelope::new(
        "order.place",
        ada.clone(),
        place_cmd(&[("veggie_veg_s", 1)]),
    );
    // No Nats-Msg-Id, so JetStream stores all three: the worker must dedupe.
    for _ in 0..3 {
        env.send(Role::Customer, CommandKind::Place, &cmd, false)
            .await;
    }
    env.spawn_worker();
    env.wait_placed(cmd.id).await;
    env.settle().await;
    assert_eq!(env.count("SELECT COUNT(*) AS n FROM orders").await, 1);
    assert_eq!(
        env.count("SELECT COUNT(*) AS n FROM processed_commands")
            .await,
        1
    );
    let placed = env
        .events()
        .await
        .into_iter()
        .filter(|e| e.data.kind() == EventKind::Placed)
        .count();
    assert_eq!(placed, 1);
    env.stop_workers().await;
}

/// A command applied long ago that comes again as a first delivery (a
/// publisher's retry after JetStream's duplicate window) has no second
/// effect, and the commands beside it in its batch are applied: the batch,
/// which skipped reading `processed_commands`, learns it from that table's
/// key, rolls back and is applied again at once, reading. Nothing waits for
/// a redelivery.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_applied_before_and_published_again_later_has_no_second_effect() {
    let mut env = TestEnv::new().await;
    env.spawn_worker();
    let ada = customer("1");
    let place = Envelope::new(
        "order.place",
        ada.clone(),
        place_cmd(&[("veggie_veg_s", 1)]),
    );
    env.send(Role::Customer, CommandKind::Place, &place, false)
        .await;
    let order = env.wait_placed(place.id).await;
    let accept = Envelope::new(
        "order.status",
        owner(),
        SetStatus {
            number: order.number,
            status: OrderStatus::Accepted,
            reason: None,
            expected_version: None,
        },
    );
    env.send(Role::Owner, CommandKind::Status, &accept, false)
        .await;
    env.wait_count(
        &format!(
            "SELECT COUNT(*) AS n FROM order_status_history WHERE command_id = '{}'",
            accept.id
        ),
        1,
    )
    .await;
    env.settle().await;
    env.stop_workers().await;

    // Both again (no Nats-Msg-Id, so JetStream stores them), around a new
    // order, while no worker runs: one batch of first deliveries.
    env.send(Role::Customer, CommandKind::Place, &place, false)
        .await;
    let fresh = env.place(&customer("2"), &[("hawaiian_m", 1)]).await;
    env.send(Role::Owner, CommandKind::Status, &accept, false)
        .await;
    env.spawn_worker();
    let second = env.wait_placed(fresh).await;
    env.settle().await;

    assert_eq!(env.count("SELECT COUNT(*) AS n FROM orders").await, 2);
    assert_eq!(
        env.count("SELECT COUNT(*) AS n FROM processed_commands")
            .await,
        3
    );
    assert_eq!(
        env.count("SELECT COUNT(*) AS n FROM order_status_history")
            .await,
        // pending twice (two orders), accepted once.
        3
    );
    assert_eq!(
        env.count(&format!(
            "SELECT COUNT(*) AS n FROM orders WHERE number = {} AND status = 'accepted' AND version = 2",
            order.number.0
        ))
        .await,
        1
    );
    assert_eq!(second.number.0, order.number.0 + 1, "no number was lost");
    let kinds: Vec<EventKind> = env.events().await.iter().map(|e| e.data.kind()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == EventKind::Placed).count(), 2);
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == EventKind::StatusChanged)
            .count(),
        1
    );
    assert!(
        !kinds.contains(&EventKind::Rejected),
        "a command applied before is not refused: {kinds:?}"
    );
    let stream = env
        .js
        .get_stream(env.subjects.commands_stream())
        .await
        .expect("the command stream");
    let mut consumer: async_nats::jetstream::consumer::PullConsumer = stream
        .get_consumer(chatorder_orders::consumer::DURABLE)
        .await
        .expect("the workers' consumer");
    assert_eq!(
        consumer
            .info()
            .await
            .expect("the consumer's info")
            .delivered
            .consumer_sequence,
        5,
        "five commands, five deliveries: nothing was handed back to come again"
    );
    env.stop_workers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owner_accept_racing_customer_cancel_has_exactly_one_winner() {
    const N: usize = 100;
    let mut env = TestEnv::new().await;
    // Two replicas on the one durable consumer, so the race is real.
    env.spawn_worker();
    env.spawn_worker();
    let mut orders = Vec::new();
    for i in 0..N {
        let c = customer(&format!("race{i}"));
        let id = env.place(&c, &[("pepperoni_m", 1)]).await;
        orders.push((c, id));
    }
    let mut numbers = Vec::new();
    for (_, id) in &orders {
        numbers.push(env.wait_placed(*id).await.number);
    }
    let sends = orders.iter().zip(&numbers).map(|((c, _), n)| {
        let accept = Envelope::new(
            "order.status",
            owner(),
            SetStatus {
                number: *n,
                status: OrderStatus::Accepted,
                reason: None,
                expected_version: None,
            },
        );
        let cancel = Envelope::new(
            "order.cancel",
            c.clone(),
            CancelOrder {
                number: *n,
                reason: Some("changed my mind".into()),
                expected_version: None,
            },
        );
        let env = &env;
        async move {
            tokio::join!(
                env.send(Role::Owner, CommandKind::Status, &accept, true),
                env.send(Role::Customer, CommandKind::Cancel, &cancel, true),
            );
        }
    });
    futures::future::join_all(sends).await;
    env.settle().await;

    let events = env.events().await;
    for n in &numbers {
        let of_order: Vec<_> = events.iter().filter(|e| number_of(e) == Some(*n)).collect();
        let wins = of_order
            .iter()
            .filter(|e| {
                matches!(
                    e.data,
                    Event::StatusChanged {
                        to: OrderStatus::Accepted,
                        ..
                    } | Event::Cancelled { .. }
                )
            })
            .count();
        let losses = of_order
            .iter()
            .filter(|e| matches!(e.data, Event::Rejected(_)))
            .count();
        assert_eq!(
            (wins, losses),
            (1, 1),
            "order {n}: {wins} winners, {losses} rejections"
        );
    }
    let final_states = env
        .count("SELECT COUNT(*) AS n FROM orders WHERE (status = 'accepted' OR status = 'cancelled') AND version = 2")
        .await;
    assert_eq!(final_states, N as i64);
    assert_eq!(
        env.count("SELECT COUNT(*) AS n FROM order_status_history")
            .await,
        2 * N as i64
    );
    env.stop_workers().await;
}

/// A batch removes, in its own transaction, the outbox rows of events
/// published before it: the worker hands a batch applied alone those of
/// the batches before, instead of a DELETE and a commit of their own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_removes_the_outbox_rows_it_is_given_in_its_transaction() {
    let env = TestEnv::new().await;
    env.place(&customer("1"), &[("hawaiian_l", 1)]).await;
    env.place(&customer("2"), &[("thai_ckn_l", 1)]).await;
    let (_first, cmd) = env.take_command().await;
    let first = env
        .apply_directly(cmd, &[])
        .await
        .expect("the first order applies");
    let published: Vec<String> = first.outbox.iter().map(|r| r.event_id.clone()).collect();
    assert_eq!(published.len(), 1, "one event for one order");
    assert_eq!(env.count("SELECT COUNT(*) AS n FROM outbox").await, 1);

    let (_second, cmd) = env.take_command().await;
    let second = env
        .apply_directly(cmd, &published)
        .await
        .expect("the second order applies");
    assert_eq!(env.count("SELECT COUNT(*) AS n FROM orders").await, 2);
    assert_eq!(second.outbox.len(), 1);
    // The first order's event is gone; the second's is there.
    assert_eq!(env.count("SELECT COUNT(*) AS n FROM outbox").await, 1);
    assert_eq!(
        env.count(&format!(
            "SELECT COUNT(*) AS n FROM outbox WHERE event_id = '{}'",
            second.outbox[0].event_id
        ))
        .await,
        1
    );
}

/// Orders applied one at a time leave the outbox empty without the relay:
/// each batch removes the rows of the one before, and the last one's are
/// removed when no batch follows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn published_events_leave_the_outbox_without_the_relay() {
    // The relay takes only rows a minute old, longer than the test waits.
    let mut env = TestEnv::with(|s| s.worker.outbox_grace_ms = 60_000).await;
    env.spawn_worker();
    for i in 0..5 {
        let id = env
            .place(&customer(&format!("70{i}")), &[("hawaiian_l", 1)])
            .await;
        env.wait_placed(id).await;
    }
    env.settle().await;
    assert_eq!(env.count("SELECT COUNT(*) AS n FROM orders").await, 5);
    env.stop_workers().await;
}

/// Commands stay in their stream until the workers' consumer has
/// acknowledged them, then go in one purge, never one still in flight; a
/// running worker purges by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_commands_are_purged_never_one_in_flight() {
    use async_nats::jetstream::stream::RetentionPolicy;
    let mut env = TestEnv::new().await;
    let name = env.subjects.commands_stream();
    let stored = |env: &TestEnv| {
        let (js, name) = (env.js.clone(), name.clone());
        async move {
            let mut stream = js.get_stream(&name).await.expect("the command stream");
            let info = stream.info().await.expect("the command stream's info");
            assert_eq!(info.config.retention, RetentionPolicy::Limits);
            info.state.messages
        }
    };
    env.place(&customer("1"), &[("hawaiian_l", 1)]).await;
    env.place(&customer("2"), &[("thai_ckn_l", 1)]).await;
    let (first, _) = env.take_command().await;
    let (second, _) = env.take_command().await;
    second
        .double_ack()
        .await
        .expect("the second is acknowledged");

    // The first is in flight, below the second: nothing goes.
    let purge =
        || chatorder_bus::purge_acknowledged(&env.js, &name, chatorder_orders::consumer::DURABLE);
    assert_eq!(purge().await.expect("purging"), 0);
    assert_eq!(stored(&env).await, 2);
    first.double_ack().await.expect("the first is acknowledged");
    assert_eq!(purge().await.expect("purging"), 2);
    assert_eq!(stored(&env).await, 0);

    env.spawn_worker();
    let id = env.place(&customer("3"), &[("hawaiian_l", 1)]).await;
    env.wait_placed(id).await;
    let deadline = std::time::Instant::now() + TIMEOUT;
    while stored(&env).await > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the worker did not purge the command it applied"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    env.stop_workers().await;
}

/// A command stream made as a work queue (by a chatorder before
/// 2026-12-07) is kept as one: JetStream cannot change its retention, and
/// setting up the streams must not fail on it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_stream_made_as_a_work_queue_stays_one() {
    use async_nats::jetstream::stream::{Config, RetentionPolicy};
    let env = TestEnv::new().await;
    let name = env.subjects.commands_stream();
    env.js
        .delete_stream(&name)
        .await
        .expect("the new stream goes");
    env.js
        .create_stream(Config {
            name: name.clone(),
            subjects: vec![env.subjects.commands_wildcard()],
            retention: RetentionPolicy::WorkQueue,
            ..Default::default()
        })
        .await
        .expect("an old-style stream");
    chatorder_bus::ensure_streams(&env.js, &env.subjects, &env.settings.nats)
        .await
        .expect("the streams are set up over it");
    let mut stream = env.js.get_stream(&name).await.expect("the command stream");
    let info = stream.info().await.expect("its info");
    assert_eq!(info.config.retention, RetentionPolicy::WorkQueue);
    // The rest of its settings were brought up to date.
    assert_eq!(
        info.config.description.as_deref(),
        Some("Commands to the order workers (purged once acknowledged)")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_dying_after_commit_before_ack_still_makes_one_order() {
    let env = TestEnv::new().await;
    let id = env.place(&customer("1"), &[("hawaiian_l", 1)]).await;
    env.commit_then_die().await;
    // Committed, but neither published nor acknowledged.
    assert_eq!(env.count("SELECT COUNT(*) AS n FROM orders").await, 1);
    assert_eq!(env.count("SELECT COUNT(*) AS n FROM outbox").await, 1);
    assert!(env.events().await.is_empty());

    // A fresh replica gets the redelivery, sees it was applied, and the
    // relay publishes the event that was left behind.
    let worker = env.start_worker(env.settings.clone());
    env.wait_placed(id).await;
    env.settle().await;
    assert_eq!(env.count("SELECT COUNT(*) AS n FROM orders").await, 1);
    let placed = env
        .events()
        .await
        .into_iter()
        .filter(|e| e.data.kind() == EventKind::Placed)
        .count();
    assert_eq!(placed, 1);
    worker.stop().await.expect("clean stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_messages_are_dead_lettered_with_a_reason_and_the_next_is_processed() {
    let mut env = TestEnv::new().await;
    env.spawn_worker();
    let place_subject = env.subjects.command(Role::Customer, CommandKind::Place);
    let ada = customer("1");
    let mut wrong_version =
        Envelope::new("order.place", ada.clone(), place_cmd(&[("hawaiian_m", 1)]));
    wrong_version.v = 7;
    let unknown = Envelope::new(
        "order.teleport",
        ada.clone(),
        place_cmd(&[("hawaiian_m", 1)]),
    );
    let mut huge = Envelope::new("order.place", ada.clone(), place_cmd(&[("hawaiian_m", 1)]));
    huge.data.note = Some("x".repeat(200_000));
    let forged = Envelope::new("order.place", owner(), place_cmd(&[("hawaiian_m", 1)]));
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"{ this is not json".to_vec(), "not a valid envelope"),
        (unknown.to_json(), "unknown message type"),
        (wrong_version.to_json(), "version 7"),
        (huge.to_json(), "over the limit"),
        (forged.to_json(), "claims role `owner`"),
    ];
    for (payload, _) in &cases {
        env.send_raw(&place_subject, payload.clone()).await;
    }
    let id = env.place(&ada, &[("hawaiian_m", 1)]).await;
    env.wait_placed(id).await;
    env.settle().await;

    let dead = read_stream(&env.js, &env.subjects.dead_letter_stream()).await;
    assert_eq!(dead.len(), cases.len());
    for (msg, (_, expect)) in dead.iter().zip(&cases) {
        let reason = msg
            .headers
            .get("Chatorder-Dead-Reason")
            .map(|v| v.to_string())
            .unwrap_or_default();
        assert!(
            reason.contains(expect),
            "reason `{reason}` should mention `{expect}`"
        );
        assert_eq!(
            msg.subject.as_str(),
            env.subjects.dead_letter(&place_subject)
        );
    }
    assert_eq!(
        env.count("SELECT COUNT(*) AS n FROM orders").await,
        1,
        "only the good order exists"
    );
    env.stop_workers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_rules_are_rejected_with_a_sentence_to_the_sender() {
    let mut env = TestEnv::new().await;
    env.spawn_worker();
    let ada = customer("1");
    let id = env.place(&ada, &[("hawaiian_m", 1)]).await;
    let order = env.wait_placed(id).await;

    // The customer changes the pending order: allowed.
    let update = Envelope::new(
        "order.update",
        ada.clone(),
        UpdateOrder {
            number: order.number,
            lines: place_cmd(&[("hawaiian_m", 3)]).lines,
            note: Some("ring twice".into()),
            expected_version: None,
        },
    );
    env.send(Role::Customer, CommandKind::Update, &update, true)
        .await;
    let updated = env
        .wait_event(
            "order.updated",
            |e| matches!(&e.data, Event::Updated { order: o } if o.id == id),
        )
        .await;
    let Event::Updated { order: updated } = updated.data else {
        unreachable!()
    };
    assert_eq!((updated.total_minor, updated.version), (3 * 1325, 2));

    // A stranger with an owner's subject but no owner id gets refused.
    let mut stranger = owner();
    stranger.id = "123".into();
    let sneaky = Envelope::new(
        "order.status",
        stranger,
        SetStatus {
            number: order.number,
            status: OrderStatus::Accepted,
            reason: None,
            expected_version: None,
        },
    );
    env.send(Role::Owner, CommandKind::Status, &sneaky, true)
        .await;
    let r = env.wait_rejection(sneaky.id).await;
    assert_eq!(r.refusal, Refusal::NotOwner);

    // The owner accepts; now the customer's change is refused, with a reason.
    env.set_status(order.number, OrderStatus::Accepted).await;
    let late = Envelope::new(
        "order.update",
        ada.clone(),
        UpdateOrder {
            number: order.number,
            lines: place_cmd(&[("hawaiian_m", 1)]).lines,
            note: None,
            expected_version: None,
        },
    );
    env.send(Role::Customer, CommandKind::Update, &late, true)
        .await;
    let r = env.wait_rejection(late.id).await;
    assert_eq!(r.to.id, ada.id, "addressed to its sender");
    assert_eq!(
        r.refusal,
        Refusal::NotPending {
            number: order.number,
            status: OrderStatus::Accepted
        }
    );
    let said = chatorder_telegram::texts::Texts::rejected_command(
        &chatorder_telegram::texts::English,
        &r.refusal,
        chrono::Utc::now(),
        env.settings.shop.time_zone,
    );
    assert!(said.contains("already accepted"), "{said}");

    // An unknown item is refused, not dead-lettered.
    let bad = env.place(&ada, &[("lobster_thermidor", 1)]).await;
    let r = env.wait_rejection(bad).await;
    assert_eq!(r.refusal.code(), "unknown_item");
    env.settle().await;
    assert_eq!(env.count("SELECT COUNT(*) AS n FROM order_status_history WHERE actor_id = 'discord:900100' AND to_status = 'accepted'").await, 1);
    env.stop_workers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_answer_pending_customer_lists_and_catalog() {
    let mut env = TestEnv::new().await;
    env.spawn_worker();
    let ada = customer("1");
    let bob = customer("2");
    let mut numbers = Vec::new();
    for c in [&ada, &bob, &ada] {
        let id = env.place(c, &[("big_meat_s", 1)]).await;
        numbers.push(env.wait_placed(id).await.number);
    }
    env.set_status(numbers[1], OrderStatus::Accepted).await;
    env.settle().await;

    // Twice: the first answer may come from MySQL, the second from Redis.
    for _ in 0..2 {
        let page: OrderPage = env
            .query(
                QueryKind::Pending,
                &PendingOrders {
                    actor: owner(),
                    limit: 10,
                    offset: 0,
                },
            )
            .await
            .expect("owner sees pending");
        let got: Vec<OrderNumber> = page.orders.iter().map(|o| o.number).collect();
        assert_eq!(
            got,
            vec![numbers[0], numbers[2]],
            "oldest first, accepted one gone"
        );
        assert_eq!(page.total, 2);
        let mine: OrderPage = env
            .query(
                QueryKind::Customer,
                &CustomerOrders {
                    actor: ada.clone(),
                    limit: 10,
                },
            )
            .await
            .expect("ada's orders");
        let got: Vec<OrderNumber> = mine.orders.iter().map(|o| o.number).collect();
        assert_eq!(got, vec![numbers[2], numbers[0]], "newest first, only hers");
    }
    let refused = env
        .query::<_, OrderPage>(
            QueryKind::Pending,
            &PendingOrders {
                actor: ada.clone(),
                limit: 10,
                offset: 0,
            },
        )
        .await;
    assert_eq!(
        refused.expect_err("customers don't see the queue"),
        QueryRefusal::NotOwner
    );
    let catalog: Catalog = env
        .query(QueryKind::Catalog, &ListCatalog {})
        .await
        .expect("catalog");
    assert_eq!(catalog.items.len(), 91);
    env.stop_workers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_unreachable_commands_and_queries_still_work() {
    let mut env = TestEnv::with(|s| s.redis.url = "redis://127.0.0.1:1/0".to_owned().into()).await;
    env.spawn_worker();
    let ada = customer("1");
    let id = env.place(&ada, &[("hawaiian_m", 1)]).await;
    let order = env.wait_placed(id).await;
    let got: OrderSnapshot = env
        .get_order(ada.clone(), order.number)
        .await
        .expect("served from MySQL");
    assert_eq!(got, order);
    let page: OrderPage = env
        .query(
            QueryKind::Pending,
            &PendingOrders {
                actor: owner(),
                limit: 5,
                offset: 0,
            },
        )
        .await
        .expect("pending from MySQL");
    assert_eq!(page.total, 1);
    let catalog: Catalog = env
        .query(QueryKind::Catalog, &ListCatalog {})
        .await
        .expect("catalog from MySQL");
    assert!(!catalog.items.is_empty());
    env.set_status(order.number, OrderStatus::Accepted).await;
    env.wait_event(
        "accepted",
        |e| matches!(&e.data, Event::StatusChanged { order: o, .. } if o.id == id),
    )
    .await;
    env.stop_workers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_work_in_hand_and_setup_is_idempotent() {
    let mut env = TestEnv::new().await;
    // Declaring streams and applying migrations again changes nothing; a
    // changed setting is applied to the existing stream.
    chatorder_bus::ensure_streams(&env.js, &env.subjects, &env.settings.nats)
        .await
        .expect("streams again");
    assert!(
        chatorder_db::pool::migrate(&env.settings.database.url)
            .await
            .expect("migrate again")
            .is_empty()
    );
    let mut nats = env.settings.nats.clone();
    nats.events_max_age_days = 3;
    chatorder_bus::ensure_streams(&env.js, &env.subjects, &nats)
        .await
        .expect("streams updated");
    let mut events = env
        .js
        .get_stream(env.subjects.events_stream())
        .await
        .expect("stream");
    let max_age = events.info().await.expect("info").config.max_age;
    assert_eq!(max_age, std::time::Duration::from_secs(3 * 24 * 3600));
    env.spawn_worker();
    let ada = customer("1");
    let mut ids = Vec::new();
    for _ in 0..50 {
        ids.push(env.place(&ada, &[("hawaiian_m", 1)]).await);
    }
    env.wait_placed(ids[0]).await;
    env.stop_workers().await;
    // Whatever was taken was finished; the rest waits in the stream for the
    // next replica, which then completes the job without duplicates.
    env.spawn_worker();
    for id in &ids {
        env.wait_placed(*id).await;
    }
    env.settle().await;
    assert_eq!(env.count("SELECT COUNT(*) AS n FROM orders").await, 50);
    env.stop_workers().await;
}

/// A burst waiting in the stream is applied in small batches side by side
/// (three in flight, eight commands each), as replicas would. Every order
/// is stored once under the number its event announced; numbers run on
/// without a gap, because a refused place takes none; and text full of
/// quotes, backslashes and emoji, written as SQL text, reads back as sent,
/// both as hex literals and (quotes but no backslash: plain ASCII) as
/// quoted ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_applied_in_batches_side_by_side_keeps_every_order_number_and_word() {
    let mut env = TestEnv::with(|s| {
        s.worker.batch_max = 8;
        s.worker.batches_in_flight = 3;
        s.database.pool_size = 6;
    })
    .await;
    // Even customers' text is plain ASCII (quoted literals), odd ones' not
    // (hex literals); the events' JSON follows (escapes or none).
    let name = |i: usize| {
        if i.is_multiple_of(2) {
            format!("O'Brien \"{i}\" ''); DROP TABLE orders; --")
        } else {
            format!("O'Brien \\ \"{i}\" 🍕\n'); DROP TABLE orders; --")
        }
    };
    let note = |i: usize| {
        if i.is_multiple_of(2) {
            "it's 'urgent'; no onions -- ok"
        } else {
            "it's 'urgent' \\ no onions ✓"
        }
    };
    let mut placed = Vec::new();
    let mut refused = Vec::new();
    for i in 0..240 {
        let mut who = customer(&format!("burst-{}", i % 20));
        who.name = Some(name(i % 20));
        let mut cmd = place_cmd(&[("hawaiian_m", 1 + (i % 3) as u32)]);
        cmd.note = Some(note(i).to_owned());
        if i % 10 == 7 {
            cmd.lines[0].sku =
                chatorder_shared::domain::Sku::parse("no_such_pizza").expect("a well-formed sku");
        }
        let env_ = Envelope::new("order.place", who, cmd);
        env.send(Role::Customer, CommandKind::Place, &env_, true)
            .await;
        if i % 10 == 7 {
            refused.push(env_.id);
        } else {
            placed.push(env_.id);
        }
    }
    // The whole burst waits before the worker starts: batches go side by side.
    env.spawn_worker();
    env.wait_count("SELECT COUNT(*) AS n FROM processed_commands", 240)
        .await;
    assert_eq!(env.count("SELECT COUNT(*) AS n FROM orders").await, 216);
    assert_eq!(
        env.count("SELECT COUNT(*) AS n FROM processed_commands WHERE outcome = 'rejected'")
            .await,
        24
    );
    assert_eq!(
        env.count("SELECT MAX(number) - MIN(number) + 1 AS n FROM orders")
            .await,
        216,
        "numbers run on without a gap"
    );
    for id in &refused {
        let r = env.wait_rejection(*id).await;
        assert_eq!(r.refusal.code(), "unknown_item");
    }
    let mut seen = std::collections::HashSet::new();
    for id in &placed {
        let order = env.wait_placed(*id).await;
        assert!(
            seen.insert(order.number),
            "{} announced twice",
            order.number
        );
        assert_eq!(
            env.count(&format!(
                "SELECT COUNT(*) AS n FROM orders WHERE id = '{id}' AND number = {}",
                order.number.0
            ))
            .await,
            1,
            "MySQL holds {id} under the number its event announced"
        );
        let sent = order.customer.name.clone().unwrap_or_default();
        let who: usize = sent
            .split('"')
            .nth(1)
            .and_then(|n| n.parse().ok())
            .unwrap_or(usize::MAX);
        assert_eq!(sent, name(who));
        assert_eq!(order.note.as_deref(), Some(note(who)));
    }
    let hex = |s: &str| s.bytes().map(|b| format!("{b:02X}")).collect::<String>();
    // Customers 3 and 4 placed orders 3, 23, …, 223 and 4, 24, …, 224,
    // none refused (i % 10 is 3 or 4).
    for who in [3, 4] {
        assert_eq!(
            env.count(&format!(
                "SELECT COUNT(*) AS n FROM orders WHERE HEX(note) = '{}' AND HEX(customer_name) = '{}'",
                hex(note(who)),
                hex(&name(who))
            ))
            .await,
            12,
            "customer {who}'s orders"
        );
        assert_eq!(
            env.count(&format!(
                "SELECT COUNT(*) AS n FROM customers WHERE HEX(display_name) = '{}'",
                hex(&name(who))
            ))
            .await,
            1
        );
    }
    env.settle().await;
    assert_eq!(env.count("SELECT COUNT(*) AS n FROM outbox").await, 0);
    env.stop_workers().await;
}
