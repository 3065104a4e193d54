//! The HTTP API under test: a running `chatorder-api` on a free port, and
//! the helpers its tests share (keys, accounts, JSON bodies).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use chatorder_shared::api_keys::Scope;
use tokio_util::sync::CancellationToken;

use super::TestEnv;

pub const PROBLEM: &str = "application/problem+json";

/// A running API on a free port, stopped when dropped.
pub struct Api {
    pub base: String,
    pub http: reqwest::Client,
    cancel: CancellationToken,
    /// Every answer of the test, checked against `document` at the end.
    seen: Arc<Mutex<Vec<chatorder_api::observe::Observed>>>,
    /// The OpenAPI document the API serves.
    pub document: serde_json::Value,
}

impl Api {
    pub async fn start(env: &TestEnv) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let cancel = CancellationToken::new();
        let seen: Arc<Mutex<Vec<chatorder_api::observe::Observed>>> = Arc::default();
        let record = seen.clone();
        // Tests run side by side on 2 cores: a worker may take more than the
        // default 5 s to apply a change, and a 202 "still processing" is not
        // what any test here is about.
        let mut settings = env.settings.clone();
        settings.api.command_wait_ms = settings.api.command_wait_ms.max(30_000);
        settings.api.request_timeout_ms = settings.api.request_timeout_ms.max(60_000);
        let mut serving = tokio::spawn(chatorder_api::serve_observed(
            listener,
            settings,
            cancel.clone(),
            Some(Arc::new(move |o| record.lock().unwrap().push(o))),
        ));
        let mut api = Self {
            base: format!("http://{addr}/api/v1"),
            http: reqwest::Client::new(),
            cancel,
            seen,
            document: serde_json::Value::Null,
        };
        // Up when it answers; a server that stopped says why.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            tokio::select! {
                ended = &mut serving => panic!("the API stopped at start: {ended:?}"),
                answer = api.http.get(api.url("/health")).send() => {
                    if answer.is_ok() {
                        let document = api.http.get(api.url("/openapi.json")).send().await.unwrap();
                        api.document = json(document).await;
                        return api;
                    }
                }
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the API did not start"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// POSTs `body` as JSON to `url` with `key`, and `If-Match` for `version`.
    pub async fn post_json(
        &self,
        url: &str,
        key: &str,
        version: u32,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        self.http
            .post(url)
            .bearer_auth(key)
            .header("if-match", format!("\"{version}\""))
            .json_body(body)
            .send()
            .await
            .unwrap()
    }

    /// Makes an API key in the test's bucket, as `chatorder api-key create` does.
    pub async fn key(env: &TestEnv, scopes: &[Scope]) -> (String, String) {
        let keys = chatorder_api::keys::ApiKeys::open_bucket(
            &env.js,
            chatorder_api::keys_bucket(&env.subjects),
            1,
        )
        .await
        .unwrap();
        let (key, secret) = keys.create("test", scopes).await.unwrap();
        (key.id, secret)
    }
}

impl Drop for Api {
    /// Stops the API, and fails the test if any answer it gave does not
    /// match the served OpenAPI document.
    fn drop(&mut self) {
        self.cancel.cancel();
        if std::thread::panicking() {
            return;
        }
        let seen = self.seen.lock().unwrap();
        let wrong = super::contract::violations(&self.document, &seen);
        assert!(
            wrong.is_empty(),
            "answers that do not match the OpenAPI document:\n{}",
            wrong.join("\n")
        );
    }
}

pub async fn json(response: reqwest::Response) -> serde_json::Value {
    let bytes = response.bytes().await.unwrap();
    serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&bytes)))
}

pub fn content_type(response: &reqwest::Response) -> &str {
    response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

pub trait JsonBody {
    fn json_body(self, value: &serde_json::Value) -> Self;
}

impl JsonBody for reqwest::RequestBuilder {
    fn json_body(self, value: &serde_json::Value) -> Self {
        self.header("content-type", "application/json")
            .body(serde_json::to_vec(value).unwrap())
    }
}

impl Api {
    /// Registers a customer account; the answer as it came.
    pub async fn register(&self, email: &str, name: &str, password: &str) -> reqwest::Response {
        self.http
            .post(self.url("/auth/register"))
            .json_body(&serde_json::json!({"email": email, "name": name, "password": password}))
            .send()
            .await
            .unwrap()
    }

    /// Logs in; the login token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let response = self
            .http
            .post(self.url("/auth/login"))
            .json_body(&serde_json::json!({"email": email, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::OK, "logs in");
        json(response).await["token"]
            .as_str()
            .expect("a token")
            .to_owned()
    }

    /// A registered, logged-in customer: their login token.
    pub async fn customer(&self, name: &str) -> String {
        let email = format!("{}@example.com", name.to_lowercase());
        let registered = self.register(&email, name, "a long password").await;
        assert_eq!(
            registered.status(),
            reqwest::StatusCode::CREATED,
            "registers"
        );
        self.login(&email, "a long password").await
    }

    /// Makes an owner account as `chatorder account create-owner` does;
    /// returns its e-mail address and password.
    pub async fn owner_account(env: &TestEnv, email: &str) -> (String, String) {
        let accounts = chatorder_api::accounts::Accounts::open_bucket(
            &env.js,
            chatorder_api::accounts_bucket(&env.subjects),
            1,
        )
        .await
        .unwrap();
        let password = "owner's long password".to_owned();
        let new = chatorder_api::accounts::NewAccount::parse(
            email,
            "Olga",
            None,
            chatorder_shared::domain::Role::Owner,
            &password,
        )
        .unwrap();
        accounts.register(new).await.unwrap();
        (email.to_owned(), password)
    }

    /// Places an order as the customer with `token`, with `lines` of
    /// (sku, quantity), for pickup.
    pub async fn place(&self, token: &str, lines: &[(&str, u32)]) -> reqwest::Response {
        let lines: Vec<_> = lines
            .iter()
            .map(|(sku, quantity)| serde_json::json!({"sku": sku, "quantity": quantity}))
            .collect();
        self.place_body(
            token,
            &serde_json::json!({"lines": lines, "fulfilment": {"type": "pickup"}}),
        )
        .await
    }

    /// Places the order `body` says as the customer with `token`.
    pub async fn place_body(&self, token: &str, body: &serde_json::Value) -> reqwest::Response {
        self.http
            .post(self.url("/orders"))
            .bearer_auth(token)
            .header("idempotency-key", uuid::Uuid::new_v4().to_string())
            .json_body(body)
            .send()
            .await
            .unwrap()
    }
}
