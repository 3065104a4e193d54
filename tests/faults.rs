//! Fault injection, short version (the long one is issue 7's `chatorder
//! chaos`): customers keep placing orders while our OWN NATS is killed and
//! restarted, our own MariaDB is killed for 10 s and our own Redis for 10 s,
//! with two order-worker replicas running. The machine's shared services are
//! untouched. Then: every order JetStream acknowledged exists exactly once
//! with the right lines and total, nothing else exists, every order was
//! announced exactly once, the outbox is empty and nothing was dead-lettered.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_nats::jetstream::message::PublishMessage;
use chatorder_kit::servers::{OwnServers, Which};
use chatorder_shared::domain::Role;
use chatorder_shared::envelope::Envelope;
use chatorder_shared::events::Event;
use chatorder_shared::subjects::CommandKind;
use common::*;
use diesel_async::RunQueryDsl as _;
use tokio::sync::Mutex;

const ORDERS: usize = 400;
/// One order every this often: the run spans the faults.
const EVERY: Duration = Duration::from_millis(60);

/// What a customer ordered, and how long they waited for JetStream's ack.
struct Placed {
    id: uuid::Uuid,
    qty: u32,
    /// When the customer confirmed (the command's timestamp).
    sent: chrono::DateTime<chrono::Utc>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_order_survives_nats_mariadb_and_redis_outages() {
    let mut own = OwnServers::start().unwrap();
    let (nats, db, redis) = (
        own.nats_url(),
        own.db_url("chatorder_faults"),
        own.redis_url(),
    );
    let env = TestEnv::with(move |s| {
        s.nats.url = nats;
        s.database.url = db.into();
        s.redis.url = redis.into();
        // Few tries with short delays: a 10 s MySQL outage would use them
        // all up, unless workers hold commands while MySQL is away (they do).
        s.worker.retry_delay_ms = 100;
        s.worker.max_deliver = 5;
        s.worker.ack_wait_seconds = 3;
    })
    .await;
    let w1 = env.start_worker(env.settings.clone());
    let w2 = env.start_worker(env.settings.clone());
    env.wait_queries_served().await;

    // Customers: each order is published until JetStream acknowledges it,
    // with the same id (so a retry is deduplicated), as the bot does.
    let placed: Arc<Mutex<Vec<Placed>>> = Arc::default();
    let customers = {
        let (js, subjects, placed) = (env.js.clone(), env.subjects.clone(), placed.clone());
        tokio::spawn(async move {
            let subject = subjects.command(Role::Customer, CommandKind::Place);
            let mut tasks = Vec::new();
            for i in 0..ORDERS {
                let (js, subject, placed) = (js.clone(), subject.clone(), placed.clone());
                let qty = u32::try_from(i % 3).unwrap() + 1;
                tasks.push(tokio::spawn(async move {
                    let cmd = Envelope::new(
                        "order.place",
                        customer(&format!("{}", 50_000 + i)),
                        place_cmd(&[("hawaiian_m", qty)]),
                    );
                    let started = Instant::now();
                    loop {
                        let msg = PublishMessage::build()
                            .payload(cmd.to_json().into())
                            .message_id(cmd.id.to_string());
                        let acked = match js.send_publish(subject.clone(), msg).await {
                            Ok(ack) => ack.await.is_ok(),
                            Err(_) => false,
                        };
                        if acked {
                            break;
                        }
                        assert!(
                            started.elapsed() < Duration::from_secs(120),
                            "order {i} could not be placed for 2 minutes"
                        );
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    placed.lock().await.push(Placed {
                        id: cmd.id,
                        qty,
                        sent: cmd.at,
                    });
                }));
                tokio::time::sleep(EVERY).await;
            }
            for t in tasks {
                t.await.unwrap();
            }
        })
    };

    // The faults, while orders flow.
    let mut windows: Vec<(
        &str,
        chrono::DateTime<chrono::Utc>,
        chrono::DateTime<chrono::Utc>,
    )> = Vec::new();
    let now = chrono::Utc::now;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let t = now();
    own.kill(Which::Nats);
    tokio::time::sleep(Duration::from_secs(1)).await;
    own.up(Which::Nats).unwrap();
    windows.push(("NATS killed and restarted", t, now()));
    tokio::time::sleep(Duration::from_secs(2)).await;
    let t = now();
    own.kill(Which::Mariadb);
    tokio::time::sleep(Duration::from_secs(10)).await;
    own.up(Which::Mariadb).unwrap();
    windows.push(("MariaDB down 10 s", t, now()));
    tokio::time::sleep(Duration::from_secs(1)).await;
    let t = now();
    own.kill(Which::Redis);
    tokio::time::sleep(Duration::from_secs(10)).await;
    own.up(Which::Redis).unwrap();
    windows.push(("Redis down 10 s", t, now()));
    customers.await.unwrap();

    // Everything drains.
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let done = env
            .count("SELECT COUNT(*) AS n FROM processed_commands")
            .await;
        if usize::try_from(done).unwrap() >= ORDERS {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {done} of {ORDERS} commands were processed"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    env.settle().await;

    // Every acknowledged order exactly once, with the right lines and total.
    let placed = placed.lock().await;
    assert_eq!(
        placed.len(),
        ORDERS,
        "every customer got an acknowledgement"
    );
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Char)]
        command_id: String,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        orders: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        qty: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        total: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        unit: i64,
        #[diesel(sql_type = diesel::sql_types::Datetime)]
        stored: chrono::NaiveDateTime,
    }
    let mut conn = env.db().await;
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT p.command_id, COUNT(DISTINCT o.id) AS orders, \
                CAST(SUM(l.quantity) AS SIGNED) AS qty, \
                CAST(MAX(o.total_minor) AS SIGNED) AS total, \
                CAST(MAX(l.unit_price_minor) AS SIGNED) AS unit, \
                MAX(p.processed_at) AS stored \
         FROM processed_commands p JOIN orders o ON o.id = p.order_id \
         JOIN order_lines l ON l.order_id = o.id \
         WHERE p.command_type = 'order.place' GROUP BY p.command_id",
    )
    .load(&mut conn)
    .await
    .unwrap();
    let by_id: HashMap<String, &Row> = rows.iter().map(|r| (r.command_id.clone(), r)).collect();
    for p in placed.iter() {
        let row = by_id
            .get(&p.id.to_string())
            .unwrap_or_else(|| panic!("acknowledged order {} is missing", p.id));
        assert_eq!(row.orders, 1, "order {} exists more than once", p.id);
        assert_eq!(row.qty, i64::from(p.qty), "lines of {}", p.id);
        assert_eq!(row.total, row.unit * i64::from(p.qty), "total of {}", p.id);
    }
    assert_eq!(
        env.count("SELECT COUNT(*) AS n FROM orders").await,
        i64::try_from(ORDERS).unwrap(),
        "no order nobody placed"
    );
    assert_eq!(
        env.count("SELECT COUNT(*) AS n FROM order_status_history")
            .await,
        i64::try_from(ORDERS).unwrap(),
        "every order's first status is in its history"
    );
    // Announced exactly once each.
    let mut placed_events: HashMap<u64, usize> = HashMap::new();
    for e in env.events().await {
        if let Event::Placed { order, .. } = &e.data {
            *placed_events.entry(order.number.0).or_default() += 1;
        }
    }
    assert_eq!(placed_events.len(), ORDERS, "every order announced");
    assert!(
        placed_events.values().all(|n| *n == 1),
        "an order was announced twice"
    );
    assert_eq!(env.count("SELECT COUNT(*) AS n FROM outbox").await, 0);
    let dead = read_stream(&env.js, &env.subjects.dead_letter_stream()).await;
    assert!(
        dead.is_empty(),
        "{} commands were dead-lettered",
        dead.len()
    );

    // The longest a customer waited from Confirm until their order was
    // stored (when the bot tells them "received"), per fault: orders
    // confirmed during the fault or in the second before it.
    for (what, from, to) in &windows {
        let worst = placed
            .iter()
            .filter(|p| p.sent >= *from - chrono::Duration::seconds(1) && p.sent <= *to)
            .map(|p| by_id[&p.id.to_string()].stored.and_utc() - p.sent)
            .max()
            .unwrap_or_default();
        println!(
            "{what}: longest wait from Confirm to stored {:.2} s",
            worst.num_milliseconds() as f64 / 1000.0
        );
    }
    w1.stop().await.unwrap();
    w2.stop().await.unwrap();
    drop(own);
}
