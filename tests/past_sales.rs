//! Importing past sales into the real MariaDB: orders, lines, prices and
//! times as in the file, and a second import adds nothing.

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_sales_import_once() {
    let env = TestEnv::new().await;
    let dir = std::env::temp_dir().join(format!("chatorder-history-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("sales.csv");
    std::fs::write(
        &path,
        "id,date,time,name,size,type,price\n\
         2015-000001,2015-01-01,11:38:36,hawaiian,M,classic,13.25\n\
         2015-000002,2015-01-01,11:57:40,classic_dlx,M,classic,16.0\n\
         2015-000002,2015-01-01,11:57:40,mexicana,M,veggie,16.0\n\
         2015-000002,2015-01-01,11:57:40,mexicana,M,veggie,16.0\n\
         2015-000003,2015-07-01,20:00:00,thai_ckn,L,chicken,20.75\n",
    )
    .expect("write");
    let orders = chatorder_db::past_sales::read(&path, chrono_tz::Europe::London).expect("reads");
    let mut conn = env.db().await;
    let first = chatorder_db::past_sales::import(&mut conn, &orders, env.settings.shop.currency)
        .await
        .expect("imports");
    assert_eq!(
        (first.orders_read, first.lines_read, first.orders_added),
        (3, 5, 3)
    );
    let again = chatorder_db::past_sales::import(&mut conn, &orders, env.settings.shop.currency)
        .await
        .expect("imports again");
    assert_eq!((again.orders_added, again.orders_already_there), (0, 3));

    assert_eq!(
        env.count("SELECT COUNT(*) AS n FROM orders WHERE status = 'completed'")
            .await,
        3
    );
    assert_eq!(env.count("SELECT COUNT(*) AS n FROM order_lines").await, 4);
    assert_eq!(
        env.count("SELECT COUNT(*) AS n FROM orders WHERE total_minor = 4800")
            .await,
        1,
        "16.00 + 2 × 16.00"
    );
    assert_eq!(
        env.count("SELECT COUNT(*) AS n FROM orders WHERE placed_at = '2015-07-01 19:00:00'")
            .await,
        1,
        "20:00 in London in July is 19:00 UTC"
    );
    assert_eq!(
        env.count("SELECT COUNT(*) AS n FROM order_status_history WHERE to_status = 'completed'")
            .await,
        3
    );
    assert_eq!(
        env.count("SELECT COUNT(*) AS n FROM outbox").await,
        0,
        "history is imported silently"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
