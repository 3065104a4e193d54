//! Atomic batch publish against the project's real NATS (2.12+, fsync
//! always): every message stored once, a batch holding messages stored
//! before still stores the new ones exactly once, and the events stream
//! allows batches. Also: key-value buckets read from their leader, and the
//! keyed feed keeps what it holds alive past a short `ack_wait`.

#![allow(clippy::unwrap_used)]

mod common;

use chatorder_bus::batch::{self, Outgoing};
use chatorder_shared::subjects::EventKind;
use common::TestEnv;

fn events(env: &TestEnv, ids: std::ops::Range<usize>) -> Vec<Outgoing> {
    ids.map(|i| Outgoing {
        subject: env.subjects.event(EventKind::Placed),
        msg_id: format!("batch-test-{i}"),
        payload: format!("{{\"n\":{i}}}").into(),
    })
    .collect()
}

async fn stored(env: &TestEnv) -> u64 {
    env.js
        .get_stream(env.subjects.events_stream())
        .await
        .unwrap()
        .info()
        .await
        .unwrap()
        .state
        .messages
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_store_every_message_once_even_when_some_were_stored_before() {
    let env = TestEnv::new().await;
    let info = env
        .js
        .get_stream(env.subjects.events_stream())
        .await
        .unwrap()
        .info()
        .await
        .unwrap()
        .config
        .clone();
    assert!(
        info.allow_atomic_publish,
        "the events stream allows batches"
    );

    // 1,200 messages: a full batch of 1,000 and one of 200.
    let first = events(&env, 0..1200);
    let ok = batch::publish_all(&env.js, &first, batch::BATCH_FROM).await;
    assert!(ok.iter().all(|s| *s), "every message acknowledged");
    assert_eq!(stored(&env).await, 1200);

    // The same again: JetStream refuses the batches (their ids were seen),
    // they are published one by one, and nothing is stored twice.
    let ok = batch::publish_all(&env.js, &first, batch::BATCH_FROM).await;
    assert!(ok.iter().all(|s| *s), "a repeat is acknowledged as stored");
    assert_eq!(stored(&env).await, 1200, "no message stored twice");

    // Half old, half new: only the new ones are added.
    let mixed = events(&env, 1100..1300);
    let ok = batch::publish_all(&env.js, &mixed, batch::BATCH_FROM).await;
    assert!(ok.iter().all(|s| *s));
    assert_eq!(stored(&env).await, 1300);

    // A batch on its own is all or nothing and acknowledged once.
    batch::publish_atomic(&env.js, &events(&env, 2000..2100))
        .await
        .unwrap();
    assert_eq!(stored(&env).await, 1400);
    let again = batch::publish_atomic(&env.js, &events(&env, 2050..2150)).await;
    assert!(
        again.is_err(),
        "a batch holding a stored id is refused whole"
    );
    assert_eq!(stored(&env).await, 1400, "and stores nothing");

    // A few messages go one by one (no batch's fixed cost).
    let ok = batch::publish_all(&env.js, &events(&env, 3000..3005), batch::BATCH_FROM).await;
    assert_eq!(ok, vec![true; 5]);
    assert_eq!(stored(&env).await, 1405);
    // Batches off: many messages one by one, each stored once.
    let ok = batch::publish_all(&env.js, &events(&env, 3000..3100), 0).await;
    assert!(ok.iter().all(|s| *s));
    assert_eq!(stored(&env).await, 1500);
}

/// Key-value buckets are read from their stream's leader (a follower just
/// back may answer "not found" for a key it has not caught up on), and a
/// bucket an earlier version made with direct gets is changed on open,
/// keeping what it holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_value_buckets_read_from_the_leader_even_when_made_before() {
    use async_nats::jetstream::stream;
    let env = TestEnv::new().await;
    let fresh = env.subjects.stream("KV_TEST_FRESH");
    let store = chatorder_bus::kv::bucket(&env.js, fresh, std::time::Duration::ZERO, 1)
        .await
        .unwrap();
    assert!(!store.stream.cached_info().config.allow_direct);

    let old = env.subjects.stream("KV_TEST_OLD");
    env.js
        .create_stream(stream::Config {
            name: format!("KV_{old}"),
            subjects: vec![format!("$KV.{old}.>")],
            max_messages_per_subject: 1,
            allow_rollup: true,
            deny_delete: true,
            allow_direct: true,
            discard: stream::DiscardPolicy::New,
            ..Default::default()
        })
        .await
        .unwrap();
    let before = env.js.get_key_value(&old).await.unwrap();
    before.put("k", "kept".into()).await.unwrap();
    let store = chatorder_bus::kv::bucket(&env.js, old, std::time::Duration::ZERO, 1)
        .await
        .unwrap();
    assert!(
        !store.stream.cached_info().config.allow_direct,
        "the old bucket still reads from followers"
    );
    assert_eq!(store.get("k").await.unwrap().as_deref(), Some(&b"kept"[..]));
}

/// A JetStream that does not answer for a while (a cluster forming, a
/// loaded machine) is waited for when a bucket is opened: a chaos run saw
/// an order worker exit at start-up on one timed-out bucket request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_a_bucket_waits_for_a_jetstream_that_does_not_answer_yet() {
    use chatorder_kit::servers::{OwnServers, Which};
    let mut own = OwnServers::start().unwrap();
    let client = async_nats::connect(own.nats_url()).await.unwrap();
    // Requests time out after 1 s here (5 s by default).
    let js = async_nats::jetstream::ContextBuilder::new()
        .timeout(std::time::Duration::from_secs(1))
        .build(client);
    own.freeze(Which::Nats);
    let opening = tokio::spawn(async move {
        chatorder_bus::kv::bucket(&js, "SLOW".into(), std::time::Duration::ZERO, 1).await
    });
    // Longer than every request of one try: each has timed out.
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    assert!(!opening.is_finished(), "gave up while JetStream was silent");
    own.thaw(Which::Nats);
    let store = opening
        .await
        .unwrap()
        .expect("the bucket opens once JetStream answers");
    store.put("k", "v".into()).await.unwrap();
}

/// A feed on a consumer with a 1 s `ack_wait`, in batches of 2: the first
/// message takes 3.5 s to handle, and the third waits aside meanwhile. Each
/// is still handled once, in order: the feed says every message it holds is
/// in progress, so the server sends none again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_keeps_what_it_holds_past_a_short_ack_wait() {
    use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy, pull};
    use chatorder_bus::{FeedOptions, Settle};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    let env = TestEnv::new().await;
    let consumer = chatorder_bus::durable(
        &env.js,
        &env.subjects.events_stream(),
        pull::Config {
            durable_name: Some("feed-test".to_owned()),
            deliver_policy: DeliverPolicy::All,
            ack_policy: AckPolicy::Explicit,
            ack_wait: Duration::from_secs(1),
            filter_subject: env.subjects.events_wildcard(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    for n in 0..3 {
        env.js
            .publish(env.subjects.event(EventKind::Placed), n.to_string().into())
            .await
            .unwrap()
            .await
            .unwrap();
    }
    let handled: Arc<Mutex<Vec<u32>>> = Arc::default();
    let cancel = tokio_util::sync::CancellationToken::new();
    let feed = {
        let handled = handled.clone();
        let cancel = cancel.clone();
        tokio::spawn(async move {
            chatorder_bus::run_keyed(
                &consumer,
                FeedOptions {
                    name: "test",
                    batch: 2,
                },
                |msg| {
                    std::str::from_utf8(&msg.payload)
                        .map_err(|e| e.to_string())?
                        .parse::<u32>()
                        .map_err(|e| e.to_string())
                },
                |_| (),
                |n| {
                    let handled = handled.clone();
                    async move {
                        if n == 0 {
                            tokio::time::sleep(Duration::from_millis(3500)).await;
                        }
                        handled.lock().unwrap().push(n);
                        Settle::Ack
                    }
                },
                &cancel,
            )
            .await
        })
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while handled.lock().unwrap().len() < 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "the feed handled {:?}",
            handled.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Long enough for anything the server sent again to be handled again.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    cancel.cancel();
    feed.await.unwrap().unwrap();
    assert_eq!(*handled.lock().unwrap(), [0, 1, 2], "each once, in order");
    let info = env
        .js
        .get_stream(env.subjects.events_stream())
        .await
        .unwrap()
        .get_consumer::<pull::Config>("feed-test")
        .await
        .unwrap()
        .info()
        .await
        .unwrap()
        .clone();
    assert_eq!(info.num_redelivered, 0, "the server sent nothing again");
    assert_eq!(info.num_ack_pending, 0, "every message settled");
}
