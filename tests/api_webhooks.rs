//! Webhooks end to end: registered over the API, fed by the order worker's
//! events through NATS, delivered by real HTTP to receivers in this test,
//! signed, retried while a receiver is down, dead-lettered when it never
//! comes back, and never held up by another receiver.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode as AxumStatus};
use chatorder_api::webhooks::sign;
use chatorder_shared::api_keys::Scope;
use common::TestEnv;
use common::api::{Api, JsonBody as _, json};
use futures::StreamExt as _;
use reqwest::StatusCode;
use serde_json::json;

/// What a receiver got: (headers, body) per request.
type Received = Arc<Mutex<Vec<(HeaderMap, String)>>>;

/// A webhook receiver: records every request; answers 200, or never.
async fn receiver(listener: tokio::net::TcpListener, hang: bool) -> Received {
    let got: Received = Arc::default();
    let record = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let record = record.clone();
            async move {
                record.lock().unwrap().push((headers, body));
                if hang {
                    std::future::pending::<()>().await;
                }
                AxumStatus::OK
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    got
}

async fn free_port() -> SocketAddr {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap()
}

async fn register(api: &Api, key: &str, url: &str) -> (String, String) {
    let created = api
        .http
        .post(api.url("/webhooks"))
        .bearer_auth(key)
        .json_body(&json!({"url": url, "events": ["order.placed", "order.status_changed", "order.cancelled"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let body = json(created).await;
    (
        body["id"].as_str().unwrap().to_owned(),
        body["secret"].as_str().unwrap().to_owned(),
    )
}

/// Waits until `f` holds (or fails the test after `within`).
async fn until(what: &str, within: Duration, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The event ids a receiver got, each with its signature checked.
fn checked_ids(got: &Received, secret: &str) -> HashMap<String, String> {
    let now = chrono::Utc::now().timestamp();
    got.lock()
        .unwrap()
        .iter()
        .map(|(headers, body)| {
            let signature = headers[sign::HEADER].to_str().unwrap();
            assert!(
                sign::verify(secret, signature, body.as_bytes(), now, 300),
                "a valid signature: {signature}"
            );
            let event: serde_json::Value = serde_json::from_str(body).unwrap();
            let id = headers["chatorder-event-id"].to_str().unwrap().to_owned();
            assert_eq!(
                event["id"],
                id.as_str(),
                "the header names the body's event"
            );
            (id, event["type"].as_str().unwrap().to_owned())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_need_their_scope_and_show_the_secret_once() {
    let mut env = TestEnv::new().await;
    env.spawn_worker();
    let api = Api::start(&env).await;
    let (_, read) = Api::key(&env, &[Scope::Read]).await;
    let (_, hooks) = Api::key(&env, &[Scope::Webhooks]).await;
    let post = |key: &str, body: serde_json::Value| {
        api.http
            .post(api.url("/webhooks"))
            .bearer_auth(key)
            .json_body(&body)
            .send()
    };
    let good = json!({"url": "https://till.example/hooks", "events": ["order.placed"]});
    assert_eq!(
        post(&read, good.clone()).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    for bad in [
        json!({"url": "till.example/hooks", "events": ["order.placed"]}),
        json!({"url": "https://till.example/hooks", "events": []}),
        json!({"url": "https://till.example/hooks", "events": ["order.exploded"]}),
    ] {
        let refused = post(&hooks, bad).await.unwrap();
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(json(refused).await["code"], "invalid_webhook");
    }
    let created = post(&hooks, good).await.unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let created = json(created).await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(created["secret"].as_str().unwrap().starts_with("whsec_"));

    let list = json(
        api.http
            .get(api.url("/webhooks"))
            .bearer_auth(&hooks)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(list["webhooks"][0]["id"], id.as_str());
    assert_eq!(list["webhooks"][0]["events"], json!(["order.placed"]));
    assert!(list["webhooks"][0].get("secret").is_none(), "never listed");

    let url = api.url(&format!("/webhooks/{id}"));
    let gone = api
        .http
        .delete(&url)
        .bearer_auth(&hooks)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    let again = api
        .http
        .delete(&url)
        .bearer_auth(&hooks)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_down_for_30_seconds_still_gets_every_event_signed() {
    let mut env = TestEnv::with(|s| s.api.webhook_max_backoff_secs = 4).await;
    env.spawn_worker();
    let api = Api::start(&env).await;
    env.wait_queries_served().await;
    let (_, owner) = Api::key(&env, &[Scope::Owner, Scope::Webhooks]).await;
    let address = free_port().await;
    let (_, secret) = register(&api, &owner, &format!("http://{address}/hook")).await;
    let down_since = Instant::now();

    // While nobody listens there: two orders, one accepted, one cancelled.
    let ana = api.customer("Ana").await;
    let mut numbers = Vec::new();
    for _ in 0..2 {
        let placed = api.place(&ana, &[("hawaiian_m", 1)]).await;
        assert_eq!(placed.status(), StatusCode::CREATED);
        numbers.push(json(placed).await["number"].as_u64().unwrap());
    }
    let accepted = api
        .post_json(
            &api.url(&format!("/orders/{}/status", numbers[0])),
            &owner,
            1,
            &json!({"status": "accepted"}),
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::OK);
    let cancelled = api
        .http
        .delete(api.url(&format!("/orders/{}?reason=out%20of%20dough", numbers[1])))
        .bearer_auth(&owner)
        .header("if-match", "\"1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.status(), StatusCode::OK);
    let expected: HashMap<String, String> = env
        .events()
        .await
        .into_iter()
        .filter(|e| {
            ["order.placed", "order.status_changed", "order.cancelled"].contains(&e.kind.as_str())
        })
        .map(|e| (e.id.to_string(), e.kind.clone()))
        .collect();
    assert_eq!(expected.len(), 4, "{expected:?}");

    // The receiver comes up after 30 s.
    tokio::time::sleep(Duration::from_secs(30).saturating_sub(down_since.elapsed())).await;
    let got = receiver(tokio::net::TcpListener::bind(address).await.unwrap(), false).await;
    until(
        "every event at the receiver",
        Duration::from_secs(90),
        || {
            expected.keys().all(|id| {
                got.lock()
                    .unwrap()
                    .iter()
                    .any(|(h, _)| h["chatorder-event-id"] == id.as_str())
            })
        },
    )
    .await;
    let delivered = checked_ids(&got, &secret);
    for (id, kind) in &expected {
        assert_eq!(delivered.get(id), Some(kind), "{id} delivered as {kind}");
    }
    let attempts: Vec<u32> = got
        .lock()
        .unwrap()
        .iter()
        .map(|(h, _)| h["chatorder-attempt"].to_str().unwrap().parse().unwrap())
        .collect();
    assert!(
        attempts.iter().all(|a| *a > 1),
        "each was retried: {attempts:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_receiver_holds_up_nobody_and_ends_in_the_dead_letters() {
    let mut env = TestEnv::with(|s| {
        s.api.webhook_timeout_ms = 1_500;
        s.api.webhook_retry_for_secs = 3;
    })
    .await;
    env.spawn_worker();
    let api = Api::start(&env).await;
    env.wait_queries_served().await;
    let (_, owner) = Api::key(&env, &[Scope::Webhooks]).await;
    let hanging_at = free_port().await;
    let hanging = receiver(
        tokio::net::TcpListener::bind(hanging_at).await.unwrap(),
        true,
    )
    .await;
    let fine_at = free_port().await;
    let fine = receiver(tokio::net::TcpListener::bind(fine_at).await.unwrap(), false).await;
    let (stuck_id, _) = register(&api, &owner, &format!("http://{hanging_at}/hook")).await;
    let (_, secret) = register(&api, &owner, &format!("http://{fine_at}/hook")).await;

    let ana = api.customer("Ana").await;
    for _ in 0..3 {
        assert_eq!(
            api.place(&ana, &[("hawaiian_m", 1)]).await.status(),
            StatusCode::CREATED
        );
    }
    until(
        "three events at the answering receiver",
        Duration::from_secs(60),
        || fine.lock().unwrap().len() >= 3,
    )
    .await;
    assert_eq!(checked_ids(&fine, &secret).len(), 3);
    assert!(
        !hanging.lock().unwrap().is_empty(),
        "the hanging one was tried"
    );

    // The hanging receiver never answered: after the retry window, each of
    // its deliveries is a dead letter carrying the last error.
    let dead_subject = chatorder_api::webhooks::dead_subject(&env.subjects, &stuck_id);
    let stream = env
        .js
        .get_stream(chatorder_api::webhooks::stream_name(&env.subjects))
        .await
        .unwrap();
    let consumer = stream
        .create_consumer(async_nats::jetstream::consumer::pull::Config {
            filter_subject: dead_subject,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut dead = consumer.messages().await.unwrap();
    let mut ids = std::collections::HashSet::new();
    while ids.len() < 3 {
        let msg = tokio::time::timeout(Duration::from_secs(60), dead.next())
            .await
            .expect("a dead letter within a minute")
            .unwrap()
            .unwrap();
        let headers = msg.headers.clone().unwrap();
        assert!(
            headers
                .get("Chatorder-Last-Error")
                .unwrap()
                .as_str()
                .contains("no answer within 1500 ms")
        );
        ids.insert(
            headers
                .get("Chatorder-Event-Id")
                .unwrap()
                .as_str()
                .to_owned(),
        );
        msg.ack().await.unwrap();
    }
    assert_eq!(ids.len(), 3);
}
