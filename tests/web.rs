//! The web app in a real headless Chromium (Debian's, driven by
//! playwright-core): a customer registers, orders by clicking and sees
//! "accepted" arrive without a reload when the owner presses Accept on the
//! dashboard in a second browser; messages both ways; the owner's charts
//! draw the demand worker's numbers; a customer's session gets nothing of
//! the owner's pages; axe-core finds no serious accessibility violation on
//! any page; screenshots at 1280×800 and 390×844 are kept.
//!
//! Everything is real but the browser's driver: the API process serving
//! the pages, the order and demand workers, NATS, MariaDB and Redis.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chatorder_db::past_sales::PastOrder;
use chatorder_shared::config::TrainingProfile;
use chrono::{Days, TimeZone as _, Utc};
use common::api::{Api, json};
use common::*;
use reqwest::StatusCode;
use tokio_util::sync::CancellationToken;

/// Four weeks of sales ending yesterday, so the demand worker has a
/// forecast for today.
fn past_orders(tz: chrono_tz::Tz) -> Vec<PastOrder> {
    let today = Utc::now().with_timezone(&tz).date_naive();
    let mut orders = Vec::new();
    for back in 1..=28u64 {
        let day = today - Days::new(back);
        for (hour, sku, qty) in [
            (12, "hawaiian_m", 2),
            (13, "pepperoni_s", 1),
            (19, "hawaiian_m", 3),
        ] {
            let at = tz
                .from_local_datetime(&day.and_hms_opt(hour, 10, 0).unwrap())
                .earliest()
                .unwrap()
                .with_timezone(&Utc);
            orders.push(PastOrder {
                source_id: format!("w-{back}-{hour}-{sku}"),
                placed_at: at,
                lines: vec![(sku.to_owned(), qty, 1500)],
            });
        }
    }
    orders
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_order_in_a_browser_and_owners_run_the_shop_from_the_dashboard() {
    common::browser::require_browser();
    let model_dir = std::env::temp_dir().join(format!("chatorder-models-{}", uuid::Uuid::new_v4()));
    let mut env = TestEnv::with(|s| {
        s.demand.training = TrainingProfile::Quick;
        s.demand.model_dir = model_dir.clone();
        s.demand.history_days = 60;
        s.demand.retrain_cron = "0 0 3 1 1 *".into();
        s.demand.summary_cron = "0 0 3 1 1 *".into();
        s.demand.alert_cron = "0 0 3 1 1 *".into();
    })
    .await;
    let tz = env.settings.shop.time_zone;
    {
        let mut conn = env.db().await;
        chatorder_db::past_sales::import(&mut conn, &past_orders(tz), env.settings.shop.currency)
            .await
            .unwrap();
    }
    // Three settled days of forecast accuracy, as the demand worker records
    // them each morning.
    let today = Utc::now().with_timezone(&tz).date_naive();
    for (back, wape, forecast, actual) in [
        (3u64, 0.31, 40.5, 44),
        (2, 0.22, 41.0, 39),
        (1, 0.18, 40.2, 41),
    ] {
        env.exec(&format!(
            "INSERT INTO forecast_accuracy (day, predictor, forecast_units, actual_units, \
             item_day_wape, computed_at) VALUES ('{}', 'model', {forecast}, {actual}, {wape}, NOW(6))",
            today - Days::new(back)
        ))
        .await;
    }
    env.spawn_worker();
    let cancel = CancellationToken::new();
    let demand = tokio::spawn(chatorder_demand::worker::run(
        env.settings.clone(),
        cancel.clone(),
    ));
    env.wait_queries_served().await;
    let api = Api::start(&env).await;
    let (owner_email, owner_password) = Api::owner_account(&env, "olga@shop.example").await;
    let (_, read_key) = Api::key(&env, &[chatorder_shared::api_keys::Scope::Read]).await;

    // The demand worker answers the dashboard once it has trained.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let answer = api
            .http
            .get(api.url("/reports/dashboard"))
            .bearer_auth(&read_key)
            .send()
            .await
            .unwrap();
        if answer.status() == StatusCode::OK {
            let d = json(answer).await;
            if d["prep"].as_array().is_some_and(|p| !p.is_empty()) {
                break;
            }
        }
        assert!(
            !demand.is_finished(),
            "the demand worker stopped: {:?}",
            demand.await
        );
        assert!(
            Instant::now() < deadline,
            "the demand worker never answered the dashboard with a forecast"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    let origin = api.base.trim_end_matches("/api/v1").to_owned();
    let artifacts = std::env::var_os("CHATORDER_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join(format!("chatorder-web-{}", std::process::id()));
    let result = common::browser::script_result(
        "webapp.mjs",
        vec![origin, artifacts.display().to_string()],
        vec![
            ("OWNER_EMAIL", owner_email),
            ("OWNER_PASSWORD", owner_password),
        ],
        &artifacts,
    )
    .await;
    // What the browser did is what the system holds.
    let number = result["order"].as_u64().unwrap();
    let mut conn = env.db().await;
    let row: (String, Option<String>) = {
        use chatorder_db::schema::orders::dsl as o;
        use diesel::{ExpressionMethods as _, QueryDsl as _};
        use diesel_async::RunQueryDsl as _;
        o::orders
            .filter(o::number.eq(i64::try_from(number).unwrap()))
            .select((o::status, o::note))
            .first(&mut conn)
            .await
            .unwrap()
    };
    assert_eq!(row.0, "accepted", "the owner's Accept reached the database");
    assert_eq!(
        row.1.as_deref(),
        Some("<script>alert(1)</script>"),
        "the note is stored as typed"
    );
    for (name, w, h) in [("shop-menu", 1280, 800), ("owner-today", 390, 844)] {
        let shot = artifacts.join(format!("{name}-{w}x{h}.png"));
        assert!(
            std::fs::metadata(&shot).is_ok_and(|m| m.len() > 1000),
            "screenshot {} was kept",
            shot.display()
        );
    }
    println!("screenshots in {}", artifacts.display());
    cancel.cancel();
    let _ = demand.await;
    env.stop_workers().await;
    let _ = std::fs::remove_dir_all(model_dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_of_a_closed_shop_orders_in_the_browser_for_a_time_in_its_next_opening() {
    common::browser::require_browser();
    let mut opens = None;
    let mut env = TestEnv::with(|s| opens = Some(closed_until_the_day_after_tomorrow(s))).await;
    let opens = opens.unwrap();
    env.spawn_worker();
    env.wait_queries_served().await;
    let api = Api::start(&env).await;

    // What the page reads: closed, when it opens, half hours to choose.
    let hours = json(api.http.get(api.url("/shop/hours")).send().await.unwrap()).await;
    assert_eq!(hours["open"], false, "{hours}");
    let at = |v: &serde_json::Value| {
        v.as_str()
            .unwrap()
            .parse::<chrono::DateTime<Utc>>()
            .unwrap()
    };
    assert_eq!(at(&hours["opens_at"]), opens);
    let times: Vec<_> = hours["times"].as_array().unwrap().iter().map(at).collect();
    assert_eq!(times, [opens, opens + chrono::Duration::minutes(30)]);

    let origin = api.base.trim_end_matches("/api/v1").to_owned();
    let artifacts =
        std::env::temp_dir().join(format!("chatorder-web-closed-{}", std::process::id()));
    let result = common::browser::script_result(
        "scheduled.mjs",
        vec![origin, artifacts.display().to_string()],
        Vec::new(),
        &artifacts,
    )
    .await;
    // The page offered exactly those times and placed the one chosen.
    assert_eq!(result["options"].as_array().unwrap().len(), 2, "{result}");
    assert_eq!(at(&result["chosen"]), opens + chrono::Duration::minutes(30));
    assert!(
        result["ready"].as_str().unwrap().starts_with("Ready for "),
        "{result}"
    );
    let number = result["order"].as_u64().unwrap();
    env.settle().await;
    assert_eq!(
        env.count(&format!(
            "SELECT COUNT(*) AS n FROM orders WHERE number = {number} AND scheduled_for = '{}'",
            (opens + chrono::Duration::minutes(30)).naive_utc()
        ))
        .await,
        1
    );
    env.stop_workers().await;
}
