//! The HTTP API end to end: a real HTTP client against `chatorder-api`, the
//! order worker, NATS, MariaDB and Redis, each test on its own database and
//! prefixes.

#![allow(clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;

use common::TestEnv;
use reqwest::StatusCode;
use tokio_util::sync::CancellationToken;

const PROBLEM: &str = "application/problem+json";

/// A running API on a free port, stopped when dropped.
struct Api {
    base: String,
    http: reqwest::Client,
    cancel: CancellationToken,
}

impl Api {
    async fn start(env: &TestEnv) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let cancel = CancellationToken::new();
        tokio::spawn(chatorder_api::serve(
            listener,
            env.settings.clone(),
            cancel.clone(),
        ));
        Self {
            base: format!("http://{addr}/api/v1"),
            http: reqwest::Client::new(),
            cancel,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Api {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

async fn json(response: reqwest::Response) -> serde_json::Value {
    let bytes = response.bytes().await.unwrap();
    serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&bytes)))
}

fn content_type(response: &reqwest::Response) -> &str {
    response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalog_is_public_with_prices_in_minor_units_and_their_currency() {
    let mut env = TestEnv::new().await;
    env.spawn_worker();
    let api = Api::start(&env).await;
    env.wait_queries_served().await;

    let response = api.http.get(api.url("/catalog")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers().contains_key("x-request-id"),
        "every answer carries its request id"
    );
    let body = json(response).await;
    let items = body["items"].as_array().expect("items");
    assert!(!items.is_empty());
    let seed = std::fs::read_to_string("config/catalog.toml").unwrap();
    for item in items {
        let sku = item["sku"].as_str().unwrap();
        assert!(seed.contains(sku), "{sku} comes from the catalog");
        assert!(item["price"]["amount_minor"].as_i64().unwrap() > 0);
        assert_eq!(item["price"]["currency"], "USD");
        assert!(item["available"].is_boolean());
    }

    let health = api.http.get(api.url("/health")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(json(health).await["orders"], "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_problem_json_with_a_stable_code() {
    let mut env = TestEnv::new().await;
    env.spawn_worker();
    let api = Api::start(&env).await;
    env.wait_queries_served().await;

    let missing = api.http.get(api.url("/nothing-here")).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(content_type(&missing), PROBLEM);
    assert!(missing.headers().contains_key("x-request-id"));
    let body = json(missing).await;
    assert_eq!(body["code"], "not_found");
    assert_eq!(body["status"], 404);
    assert!(body["detail"].as_str().unwrap().contains("/api/v1"));

    let wrong_method = api.http.delete(api.url("/catalog")).send().await.unwrap();
    assert_eq!(wrong_method.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(content_type(&wrong_method), PROBLEM);
    assert!(
        wrong_method.headers().contains_key("allow"),
        "405 says which methods the address takes"
    );
    assert_eq!(json(wrong_method).await["code"], "method_not_allowed");

    // A 1 MB body is refused from its Content-Length, before it is read.
    let huge = api
        .http
        .post(api.url("/catalog"))
        .header("content-type", "application/json")
        .body(vec![b' '; 1 << 20])
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(content_type(&huge), PROBLEM);
    assert_eq!(json(huge).await["code"], "too_large");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_worker_the_api_says_try_again_instead_of_failing_or_hanging() {
    let env = TestEnv::new().await;
    let api = Api::start(&env).await;

    let catalog = api.http.get(api.url("/catalog")).send().await.unwrap();
    assert_eq!(catalog.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(content_type(&catalog), PROBLEM);
    assert!(catalog.headers().contains_key("retry-after"));
    assert_eq!(json(catalog).await["code"], "unavailable");

    let health = api.http.get(api.url("/health")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(json(health).await["orders"], "unavailable");
}
