//! The demand worker end to end: it learns from order history in MySQL,
//! records the run and the forecast, answers `/forecast`, and its morning
//! summary with the prep list reaches the owners' Discord channel through
//! the real owner bot.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use chatorder_db::past_sales::PastOrder;
use chatorder_demand::worker::Demand;
use chatorder_discord_standin::{StandIn, User as DUser};
use chatorder_shared::config::TrainingProfile;
use chrono::{Days, TimeZone as _, Utc};
use common::*;
use serde_json::json;
use tokio_util::sync::CancellationToken;

const WAIT: Duration = Duration::from_secs(60);

/// Five weeks of sales ending yesterday: Hawaiian at lunch and dinner every
/// day, Thai chicken busier at the weekend, and one day with no sales.
fn past_orders(tz: chrono_tz::Tz) -> Vec<PastOrder> {
    let today = Utc::now().with_timezone(&tz).date_naive();
    let mut orders = Vec::new();
    for back in 1..=35u64 {
        let day = today - Days::new(back);
        if back == 10 {
            continue; // a quiet day: zeros, not missing
        }
        let weekend = matches!(
            chrono::Datelike::weekday(&day),
            chrono::Weekday::Fri | chrono::Weekday::Sat
        );
        for (hour, sku, qty) in [
            (12, "hawaiian_m", 2),
            (19, "hawaiian_m", 3),
            (19, "thai_ckn_l", if weekend { 4 } else { 1 }),
        ] {
            let at = tz
                .from_local_datetime(&day.and_hms_opt(hour, 15, 0).unwrap())
                .earliest()
                .unwrap()
                .with_timezone(&Utc);
            orders.push(PastOrder {
                source_id: format!("t-{back}-{hour}-{sku}"),
                placed_at: at,
                lines: vec![(sku.to_owned(), qty, 1500)],
            });
        }
    }
    orders
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_morning_summary_with_the_prep_list_reaches_the_owners_channel() {
    let model_dir = std::env::temp_dir().join(format!("chatorder-models-{}", uuid::Uuid::new_v4()));
    let env = TestEnv::with(|s| {
        s.demand.training = TrainingProfile::Quick;
        s.demand.model_dir = model_dir.clone();
        s.demand.history_days = 60;
        // Far-off schedules: the test drives the jobs itself.
        s.demand.retrain_cron = "0 0 3 1 1 *".into();
        s.demand.summary_cron = "0 0 3 1 1 *".into();
        s.demand.alert_cron = "0 0 3 1 1 *".into();
    })
    .await;
    let tz = env.settings.shop.time_zone;
    let mut conn = env.db().await;
    let imported =
        chatorder_db::past_sales::import(&mut conn, &past_orders(tz), env.settings.shop.currency)
            .await
            .unwrap();
    assert_eq!(imported.orders_added, 34 * 3);

    // The owner bot on the Discord stand-in.
    let standin = StandIn::start().await.unwrap();
    let mut bot_settings = env.settings.clone();
    bot_settings.discord.token = Some("standin-token".to_owned().into());
    bot_settings.discord.api_url = standin.url();
    bot_settings.discord.channel_id = Some(StandIn::CHANNEL_ID);
    let cancel = CancellationToken::new();
    let bot = tokio::spawn(chatorder_discord::run(bot_settings, cancel.clone()));
    standin.wait_ready(WAIT).await.unwrap();

    // The worker answers queries; it trains (quick) at start.
    let worker = tokio::spawn(chatorder_demand::worker::run(
        env.settings.clone(),
        cancel.clone(),
    ));
    let deadline = Instant::now() + WAIT;
    while env.count("SELECT COUNT(*) AS n FROM model_runs").await == 0 {
        assert!(Instant::now() < deadline, "the worker never trained");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The run is recorded first, then today's forecast is stored.
    let forecast_sql = "SELECT COUNT(*) AS n FROM demand_forecasts WHERE day BETWEEN CURRENT_DATE() - INTERVAL 1 DAY AND CURRENT_DATE() + INTERVAL 1 DAY";
    while env.count(forecast_sql).await == 0 {
        assert!(
            Instant::now() < deadline,
            "today's forecast is stored per item and hour"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The morning summary, as the schedule would send it.
    let demand = Demand::new(env.settings.clone(), env.client.clone())
        .await
        .unwrap();
    demand.start().await.unwrap();
    let post = demand.morning_summary(Utc::now()).await.unwrap();
    demand.publish(&post).await.unwrap();
    let posted = {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(m) = standin
                .messages(StandIn::CHANNEL_ID)
                .into_iter()
                .find(|m| m.content.contains("morning summary"))
            {
                break m;
            }
            assert!(
                Instant::now() < deadline,
                "the summary never reached the channel"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let text = posted.content.clone();
    for needle in [
        "Yesterday",
        "3 orders",
        "Top items:",
        "Today",
        "Prep list:",
        "Hawaiian",
        "Peak hours:",
    ] {
        assert!(text.contains(needle), "missing `{needle}` in:\n{text}");
    }
    assert!(text.chars().count() <= 2000);

    // `/forecast` answers from the worker.
    let owner = DUser::new(OWNER_ID.parse().unwrap(), "Olga");
    let ask = standin.slash(&owner, "forecast", json!([])).await.unwrap();
    let answer = standin.response_final(ask, WAIT).await.unwrap();
    let answer = answer.content.unwrap_or_default();
    assert!(
        answer.contains("Prep list:") && answer.contains("about"),
        "{answer}"
    );

    cancel.cancel();
    let _ = worker.await;
    let _ = bot.await;
    let _ = std::fs::remove_dir_all(&model_dir);
}

/// With opening hours in the settings the forecast follows them: a closed
/// date is forecast closed (zero, with a zero range, and `/forecast` says
/// so instead of a prep list), and hours outside the opening get nothing
/// though the history sold in them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_forecast_follows_the_shops_opening_hours() {
    use chatorder_shared::hours::{TimeRange, WeeklyHours};
    use chatorder_shared::owners::ForecastRequest;
    use chatorder_shared::queries::QueryReply;
    use chatorder_shared::subjects::DemandQuery;

    let model_dir = std::env::temp_dir().join(format!("chatorder-models-{}", uuid::Uuid::new_v4()));
    let now = Utc::now();
    let tz = chrono_tz::Europe::London;
    let today = now.with_timezone(&tz).date_naive();
    let tomorrow = today + Days::new(1);
    let env = TestEnv::with(|s| {
        s.shop.time_zone = tz;
        // Lunch only, every day; tomorrow is a closed date. The history
        // sold at 12:15 and 19:15.
        let lunch = || vec![TimeRange::parse("11:00-15:00").unwrap()];
        s.shop.hours = Some(WeeklyHours::new(std::array::from_fn(|_| lunch())).unwrap());
        s.shop.closed_dates = [tomorrow].into_iter().collect();
        s.shop.always_open = false;
        s.demand.training = TrainingProfile::Quick;
        s.demand.model_dir = model_dir.clone();
        s.demand.history_days = 60;
        s.demand.retrain_cron = "0 0 3 1 1 *".into();
        s.demand.summary_cron = "0 0 3 1 1 *".into();
        s.demand.alert_cron = "0 0 3 1 1 *".into();
    })
    .await;
    let mut conn = env.db().await;
    chatorder_db::past_sales::import(&mut conn, &past_orders(tz), env.settings.shop.currency)
        .await
        .unwrap();

    let cancel = CancellationToken::new();
    let worker = tokio::spawn(chatorder_demand::worker::run(
        env.settings.clone(),
        cancel.clone(),
    ));
    let deadline = Instant::now() + WAIT;
    while env.count("SELECT COUNT(*) AS n FROM model_runs").await == 0 {
        assert!(Instant::now() < deadline, "the worker never trained");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // `/forecast` for tomorrow, asked over NATS as the owner bot asks.
    let ask = serde_json::to_vec(&ForecastRequest {
        day: Some(tomorrow),
    })
    .unwrap();
    let reply = tokio::time::timeout(
        WAIT,
        env.client
            .request(env.subjects.demand_query(DemandQuery::Forecast), ask.into()),
    )
    .await
    .unwrap()
    .unwrap();
    let reply: QueryReply<chatorder_shared::owners::OwnerReport> =
        serde_json::from_slice(&reply.payload).unwrap();
    let body = reply.into_result().unwrap().body;
    assert!(
        body.contains("closed, by the shop's opening hours") && !body.contains("Prep list"),
        "{body}"
    );

    // Tomorrow's stored forecast is zero for every item.
    let demand = Demand::new(env.settings.clone(), env.client.clone())
        .await
        .unwrap();
    demand.start().await.unwrap();
    let closed = demand.forecast_and_store(tomorrow).await.unwrap().unwrap();
    assert!(closed.closed);
    assert_eq!(
        (closed.store.mean, closed.store.p10, closed.store.p90),
        (0.0, 0, 0)
    );

    // Today is open at lunch: the summary has a prep list, and 19:00 (after
    // closing) is nowhere among its hours.
    let post = demand.morning_summary(now).await.unwrap();
    let open = demand.forecast_and_store(today).await.unwrap().unwrap();
    assert!(!open.closed && open.store.mean > 0.0);
    let hours: Vec<usize> = open.store_hours.iter().map(|h| h.hour).collect();
    assert!(hours.iter().all(|h| (11..15).contains(h)), "{hours:?}");
    assert!(hours.contains(&12), "{hours:?}");
    let text = &post.body;
    assert!(
        text.contains("Prep list:") && text.contains("12:00") && !text.contains("19:00"),
        "{text}"
    );

    cancel.cancel();
    let _ = worker.await;
    let _ = std::fs::remove_dir_all(&model_dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_orders_units_count_when_they_are_wanted_not_when_ordered() {
    let env = TestEnv::new().await;
    let placed = chrono::SubsecRound::trunc_subsecs(Utc::now() - chrono::Duration::days(2), 0);
    let wanted = placed + chrono::Duration::hours(30);
    let order = |id: &str| PastOrder {
        source_id: id.to_owned(),
        placed_at: placed,
        lines: vec![("hawaiian_m".to_owned(), 2, 1500)],
    };
    let mut conn = env.db().await;
    chatorder_db::past_sales::import(
        &mut conn,
        &[order("asap"), order("later")],
        env.settings.shop.currency,
    )
    .await
    .unwrap();
    env.exec(&format!(
        "UPDATE orders SET scheduled_for = '{}' WHERE number = (SELECT MAX(number) FROM (SELECT number FROM orders) o)",
        wanted.naive_utc()
    ))
    .await;
    let sold = chatorder_demand::store::sold_since(&mut conn, placed - chrono::Duration::hours(1))
        .await
        .unwrap();
    let times: Vec<_> = sold.iter().map(|(_, at, qty)| (*at, *qty)).collect();
    assert_eq!(
        times,
        [(placed, 2), (wanted, 2)],
        "oldest first, the scheduled one at its time"
    );
}
