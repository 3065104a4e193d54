//! The Redis cache against the real Redis: versions never go backwards, and
//! the pending set follows the snapshots.

mod common;

use chatorder_orders::cache::Cache;
use chatorder_shared::domain::{OrderNumber, OrderStatus};
use chatorder_shared::events::OrderSnapshot;
use common::*;

async fn placed_order(env: &mut TestEnv) -> OrderSnapshot {
    env.spawn_worker();
    let id = env.place(&customer("1"), &[("hawaiian_m", 1)]).await;
    let order = env.wait_placed(id).await;
    env.stop_workers().await;
    order
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_snapshot_never_overwrites_a_newer_one() {
    let mut env = TestEnv::new().await;
    let v1 = placed_order(&mut env).await;
    let cache = Cache::new(&env.settings.redis);
    let mut v2 = v1.clone();
    v2.version = 2;
    v2.status = OrderStatus::Accepted;

    cache
        .orders_changed(std::slice::from_ref(&v2), &[], false)
        .await;
    // A slow writer (or a read-through fill) arrives late with version 1.
    cache
        .orders_changed(std::slice::from_ref(&v1), &[], false)
        .await;
    cache.put_orders(std::slice::from_ref(&v1)).await;
    let got = cache.get_orders(&[v1.number]).await.expect("redis answers");
    assert_eq!(got, vec![Some(v2.clone())]);

    // The pending set follows the winning snapshot: v2 is accepted.
    cache.warm_pending(&[]).await;
    let (page, total) = cache
        .pending_page(10, 0)
        .await
        .expect("redis answers")
        .expect("warm");
    assert!(
        page.is_empty() && total == 0,
        "accepted order is not pending: {page:?}"
    );
    assert_eq!(
        cache
            .get_orders(&[OrderNumber(999_999)])
            .await
            .expect("redis answers"),
        vec![None]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_snapshots_in_one_write_each_keep_the_newest() {
    let mut env = TestEnv::new().await;
    let v1 = placed_order(&mut env).await;
    let cache = Cache::new(&env.settings.redis);
    let snapshot = |n: u64, version: u32, status: OrderStatus| {
        let mut o = v1.clone();
        o.number = OrderNumber(n);
        o.version = version;
        o.status = status;
        o
    };
    // 250 orders, more than one script call takes; every third accepted.
    let newest: Vec<OrderSnapshot> = (0..250u64)
        .map(|i| {
            if i % 3 == 0 {
                snapshot(500_000 + i, 2, OrderStatus::Accepted)
            } else {
                snapshot(500_000 + i, 1, OrderStatus::Pending)
            }
        })
        .collect();
    let mut write = newest.clone();
    // In the same write: an older snapshot after the newer one of its order
    // (refused), and a newer one after the older (taken).
    write.push(snapshot(500_000, 1, OrderStatus::Pending));
    write.push(snapshot(500_001, 2, OrderStatus::Cancelled));
    cache.orders_changed(&write, &[], false).await;
    let mut expected = newest;
    expected[1] = snapshot(500_001, 2, OrderStatus::Cancelled);

    let numbers: Vec<OrderNumber> = expected.iter().map(|o| o.number).collect();
    let got = cache.get_orders(&numbers).await.expect("redis answers");
    let expected_some: Vec<Option<OrderSnapshot>> = expected.iter().cloned().map(Some).collect();
    assert_eq!(got, expected_some);

    // A read-through fill of older snapshots changes none of them.
    let older: Vec<OrderSnapshot> = expected
        .iter()
        .filter(|o| o.version == 2)
        .map(|o| snapshot(o.number.0, 1, OrderStatus::Pending))
        .collect();
    cache.put_orders(&older).await;
    let got = cache.get_orders(&numbers).await.expect("redis answers");
    assert_eq!(got, expected_some);

    // The pending set holds exactly the orders whose newest is pending: 165
    // of the 250 and the order the worker placed (and cached) above.
    cache.warm_pending(&[]).await;
    let (page, total) = cache
        .pending_page(1000, 0)
        .await
        .expect("redis answers")
        .expect("warm");
    let mut pending: Vec<OrderNumber> = expected
        .iter()
        .filter(|o| o.status == OrderStatus::Pending)
        .map(|o| o.number)
        .collect();
    pending.push(v1.number);
    let mut page = page;
    page.sort_unstable();
    pending.sort_unstable();
    assert_eq!(total, 166);
    assert_eq!(page, pending);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_redis_is_reported_not_fatal() {
    let env = TestEnv::with(|s| s.redis.url = "redis://127.0.0.1:1/0".to_owned().into()).await;
    let handle = chatorder_shared::telemetry::install_metrics("")
        .expect("recorder")
        .expect("first recorder in this process");
    chatorder_orders::metrics::describe();
    let cache = Cache::new(&env.settings.redis);
    assert!(cache.get_orders(&[OrderNumber(1)]).await.is_err());
    assert!(cache.get_catalog().await.is_err());
    let text = handle.render();
    assert!(text.contains("chatorder_cache_up 0"), "{text}");
    assert!(
        text.contains("chatorder_cache_requests_total{op=\"get\",result=\"error\"}"),
        "{text}"
    );
}
