//! The HTTP API for owners end to end: catalog changes, the CSV export of
//! a period's orders, and the demand worker's reports, against the order
//! worker (and the demand worker), NATS, MariaDB and Redis.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use chatorder_shared::api_keys::Scope;
use common::TestEnv;
use common::api::{Api, JsonBody as _, json};
use reqwest::StatusCode;
use serde_json::json;

async fn started(env: &mut TestEnv) -> Api {
    env.spawn_worker();
    let api = Api::start(env).await;
    env.wait_queries_served().await;
    api
}

fn find<'a>(catalog: &'a serde_json::Value, sku: &str) -> Option<&'a serde_json::Value> {
    catalog["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["sku"] == sku)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_add_items_change_prices_and_take_them_off() {
    let mut env = TestEnv::new().await;
    let api = started(&mut env).await;
    let (_, owner) = Api::key(&env, &[Scope::Owner]).await;
    let (_, reader) = Api::key(&env, &[Scope::Read]).await;
    let ana = api.customer("Ana").await;
    let item = json!({"sku": "garlic_bread", "name": "Garlic Bread", "category": "sides", "price_minor": 450});
    let post = |key: &str| {
        api.http
            .post(api.url("/catalog/items"))
            .bearer_auth(key)
            .json_body(&item)
            .send()
    };
    assert_eq!(post(&reader).await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(post(&ana).await.unwrap().status(), StatusCode::FORBIDDEN);
    let added = post(&owner).await.unwrap();
    assert_eq!(added.status(), StatusCode::OK);
    let added = json(added).await;
    assert_eq!(added["price"]["amount_minor"], 450);
    assert_eq!(added["available"], true);

    let patch = |sku: &str, body: serde_json::Value| {
        api.http
            .patch(api.url(&format!("/catalog/items/{sku}")))
            .bearer_auth(&owner)
            .json_body(&body)
            .send()
    };
    let priced = json(
        patch("garlic_bread", json!({"price_minor": 495}))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(priced["price"]["amount_minor"], 495);
    let off = json(
        patch("garlic_bread", json!({"available": false}))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(off["available"], false);
    let both = patch("garlic_bread", json!({"price_minor": 1, "available": true}))
        .await
        .unwrap();
    assert_eq!(both.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(both).await["code"], "one_change");
    let negative = patch("garlic_bread", json!({"price_minor": -5}))
        .await
        .unwrap();
    assert_eq!(negative.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(negative).await["code"], "bad_price");
    let missing = patch("no_such_item", json!({"available": true}))
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    // The public menu shows it (the kept catalog was emptied by the change).
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let menu = json(api.http.get(api.url("/catalog")).send().await.unwrap()).await;
        if find(&menu, "garlic_bread")
            .is_some_and(|i| i["price"]["amount_minor"] == 495 && i["available"] == false)
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the menu never showed the change"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // An item that is off cannot be ordered.
    let refused = api.place(&ana, &[("garlic_bread", 1)]).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(refused).await["code"], "unavailable");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_csv_export_has_one_row_per_order_of_the_period_and_no_formulas() {
    let mut env = TestEnv::new().await;
    let api = started(&mut env).await;
    let (_, reader) = Api::key(&env, &[Scope::Read]).await;
    let ana = api.customer("Ana").await;
    let from = chrono::Utc::now() - chrono::Duration::seconds(1);
    for (qty, note) in [
        (1, "ring twice"),
        (2, "=HYPERLINK(\"http://evil\")"),
        (3, ""),
    ] {
        let placed = api
            .http
            .post(api.url("/orders"))
            .bearer_auth(&ana)
            .json_body(&json!({"lines": [{"sku": "hawaiian_m", "quantity": qty}], "fulfilment": {"type": "pickup"}, "note": note}))
            .send()
            .await
            .unwrap();
        assert_eq!(placed.status(), StatusCode::CREATED);
    }
    let until = chrono::Utc::now() + chrono::Duration::seconds(1);
    let export = |from: chrono::DateTime<chrono::Utc>, until: chrono::DateTime<chrono::Utc>| {
        api.http
            .get(api.url("/orders/export"))
            .query(&[
                ("placed_from", from.to_rfc3339()),
                ("placed_before", until.to_rfc3339()),
            ])
            .bearer_auth(&reader)
            .send()
    };
    let answer = export(from, until).await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert!(
        answer.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = answer.text().await.unwrap();
    let mut reader_csv = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader_csv
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header, chatorder_api::routes::export::COLUMNS);
    let rows: Vec<csv::StringRecord> = reader_csv.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3, "{text}");
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let totals: Vec<&str> = rows.iter().map(|r| &r[column("total_minor")]).collect();
    assert_eq!(
        totals,
        ["3975", "2650", "1325"],
        "newest first, priced by the catalog"
    );
    assert_eq!(&rows[1][column("note")], "'=HYPERLINK(\"http://evil\")");
    assert_eq!(&rows[2][column("lines")], "hawaiian_m x 1");
    assert_eq!(&rows[0][column("channel")], "web");

    // An earlier period has no orders; a period needs both ends.
    let empty = export(
        from - chrono::Duration::days(2),
        from - chrono::Duration::days(1),
    )
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert_eq!(empty.lines().count(), 1, "only the header: {empty}");
    let no_period = api
        .http
        .get(api.url("/orders/export"))
        .bearer_auth(&reader)
        .send()
        .await
        .unwrap();
    assert_eq!(no_period.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json(no_period).await["code"], "bad_time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_come_from_the_demand_worker() {
    let model_dir =
        std::env::temp_dir().join(format!("chatorder-api-reports-{}", uuid::Uuid::new_v4()));
    let mut env = TestEnv::with(|s| {
        s.demand.training = chatorder_shared::config::TrainingProfile::Quick;
        s.demand.model_dir = model_dir.clone();
        s.demand.retrain_cron = "0 0 3 1 1 *".into();
        s.demand.summary_cron = "0 0 3 1 1 *".into();
        s.demand.alert_cron = "0 0 3 1 1 *".into();
    })
    .await;
    let api = started(&mut env).await;
    let (_, reader) = Api::key(&env, &[Scope::Read]).await;
    let get = |path: &'static str| api.http.get(api.url(path)).bearer_auth(&reader).send();

    // No demand worker yet: a sentence that says which one to start.
    let down = get("/reports/summary").await.unwrap();
    assert_eq!(down.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        json(down).await["detail"]
            .as_str()
            .unwrap()
            .contains("demand worker")
    );
    let bad = get("/reports/forecast?day=tomorrow").await.unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

    let cancel = tokio_util::sync::CancellationToken::new();
    let worker = tokio::spawn(chatorder_demand::worker::run(
        env.settings.clone(),
        cancel.clone(),
    ));
    let deadline = Instant::now() + Duration::from_secs(120);
    let summary = loop {
        let r = get("/reports/summary?day=today").await.unwrap();
        if r.status() == StatusCode::OK {
            break json(r).await;
        }
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            Instant::now() < deadline,
            "the demand worker never answered"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(!summary["title"].as_str().unwrap().is_empty());
    assert!(summary["generated_at"].is_string());
    // Nothing was ever sold: no forecast, said so.
    let forecast = get("/reports/forecast").await.unwrap();
    assert_eq!(forecast.status(), StatusCode::CONFLICT);
    assert_eq!(json(forecast).await["code"], "no_sales");
    cancel.cancel();
    let _ = worker.await;
    let _ = std::fs::remove_dir_all(&model_dir);
}
