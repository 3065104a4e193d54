//! The HTTP API for customers end to end: accounts (register, log in, log
//! out, expiry, disabling), orders placed, changed, cancelled and talked
//! about over HTTP, and everything another customer's order answers (404).
//! A real HTTP client against `chatorder-api`, the order worker, NATS,
//! MariaDB and Redis, each test on its own database and prefixes.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use chatorder_shared::api_keys::Scope;
use common::TestEnv;
use common::api::{Api, JsonBody as _, PROBLEM, content_type, json};
use reqwest::StatusCode;
use serde_json::json;

async fn started(env: &mut TestEnv) -> Api {
    env.spawn_worker();
    let api = Api::start(env).await;
    env.wait_queries_served().await;
    api
}

async fn me(api: &Api, token: &str) -> reqwest::Response {
    api.http
        .get(api.url("/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_register_log_in_see_themselves_and_log_out() {
    let mut env = TestEnv::new().await;
    let api = started(&mut env).await;

    let body = json!({"email": "Ana@Example.com", "name": "Ana", "password": "a long password", "phone": "+44 20 7946 0958"});
    let register = |key: &'static str, body: serde_json::Value| {
        api.http
            .post(api.url("/auth/register"))
            .header("idempotency-key", key)
            .json_body(&body)
            .send()
    };
    let first = register("reg-1", body.clone()).await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let account = json(first).await;
    assert_eq!(account["email"], "Ana@Example.com");
    assert_eq!(account["role"], "customer");
    assert!(account.get("password_hash").is_none() && account.get("password").is_none());
    // The same key and body: the same answer, not "taken".
    let again = register("reg-1", body.clone()).await.unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(json(again).await, account);
    // The same key with another body is refused.
    let mut other = body.clone();
    other["name"] = json!("Anna");
    let reused = register("reg-1", other).await.unwrap();
    assert_eq!(reused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(reused).await["code"], "idempotency_key_reused");
    // The address in another case is the same account.
    let taken = api
        .register("ana@example.COM", "Ana", "a long password")
        .await;
    assert_eq!(taken.status(), StatusCode::CONFLICT);
    assert_eq!(content_type(&taken), PROBLEM);
    assert_eq!(json(taken).await["code"], "email_taken");
    // Bad details get a sentence naming the field.
    for (email, password, field) in [
        ("not-an-address", "a long password", "email"),
        ("bo@example.com", "short", "password"),
    ] {
        let bad = api.register(email, "Bo", password).await;
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let problem = json(bad).await;
        assert_eq!(problem["code"], "invalid_account");
        assert!(
            problem["detail"].as_str().unwrap().contains(field),
            "{problem}"
        );
    }

    // A wrong password and an unknown address read the same.
    for (email, password) in [
        ("ana@example.com", "the wrong password"),
        ("nobody@example.com", "a long password"),
    ] {
        let wrong = api
            .http
            .post(api.url("/auth/login"))
            .json_body(&json!({"email": email, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(json(wrong).await["code"], "bad_credentials");
    }

    let token = api.login("ana@example.com", "a long password").await;
    assert!(token.starts_with("cot_"));
    let mine = me(&api, &token).await;
    assert_eq!(mine.status(), StatusCode::OK);
    assert_eq!(json(mine).await, account);

    let out = api
        .http
        .post(api.url("/auth/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let ended = me(&api, &token).await;
    assert_eq!(ended.status(), StatusCode::UNAUTHORIZED);
    assert!(ended.headers().contains_key("www-authenticate"));
    assert_eq!(json(ended).await["code"], "unauthorized");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_logins_and_disabled_accounts_get_401() {
    let mut env = TestEnv::with(|s| s.api.session_ttl_secs = 1).await;
    let api = started(&mut env).await;
    let token = api.customer("Bea").await;
    assert_eq!(me(&api, &token).await.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let expired = me(&api, &token).await;
    assert_eq!(expired.status(), StatusCode::UNAUTHORIZED);
    assert!(
        json(expired).await["detail"]
            .as_str()
            .unwrap()
            .contains("expired")
    );

    let token = api.login("bea@example.com", "a long password").await;
    let accounts = chatorder_api::accounts::Accounts::open_bucket(
        &env.js,
        chatorder_api::accounts_bucket(&env.subjects),
        1,
    )
    .await
    .unwrap();
    accounts
        .set_disabled("bea@example.com", true)
        .await
        .unwrap()
        .expect("the account");
    // The API follows the account bucket: within moments, on every replica.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while me(&api, &token).await.status() != StatusCode::UNAUTHORIZED {
        assert!(
            std::time::Instant::now() < deadline,
            "a disabled account still gets in"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let login = api
        .http
        .post(api.url("/auth/login"))
        .json_body(&json!({"email": "bea@example.com", "password": "a long password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_places_changes_and_cancels_an_order_priced_by_the_catalog() {
    let mut env = TestEnv::new().await;
    let api = started(&mut env).await;
    let ana = api.customer("Ana").await;

    // A client cannot send prices: they are not part of a line.
    let priced = api
        .http
        .post(api.url("/orders"))
        .bearer_auth(&ana)
        .json_body(&json!({"lines": [{"sku": "hawaiian_m", "quantity": 1, "unit_price": 1}], "fulfilment": {"type": "pickup"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(priced.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(priced).await["code"], "invalid_body");
    // A delivery needs a phone (Ana has none on her account).
    let no_phone = api
        .http
        .post(api.url("/orders"))
        .bearer_auth(&ana)
        .json_body(&json!({"lines": [{"sku": "hawaiian_m", "quantity": 1}], "fulfilment": {"type": "delivery", "address": "1 High St"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(no_phone.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(no_phone).await["code"], "phone_required");
    // An unknown item is the worker's refusal, with its code.
    let unknown = api.place(&ana, &[("no_such_pizza", 1)]).await;
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(unknown).await["code"], "unknown_item");

    let placed = api
        .http
        .post(api.url("/orders"))
        .bearer_auth(&ana)
        .header("idempotency-key", "order-1")
        .json_body(&json!({
            "lines": [{"sku": "hawaiian_m", "quantity": 2}],
            "fulfilment": {"type": "delivery", "address": "1 High St"},
            "phone": "+44 20 7946 0958",
            "note": "ring twice"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(placed.status(), StatusCode::CREATED);
    assert_eq!(placed.headers()["etag"], "\"1\"");
    let location = placed.headers()["location"].to_str().unwrap().to_owned();
    let order = json(placed).await;
    let number = order["number"].as_u64().unwrap();
    assert_eq!(location, format!("/api/v1/orders/{number}"));
    assert_eq!(order["status"], "pending");
    assert_eq!(order["customer"]["channel"], "web");
    assert_eq!(order["customer"]["name"], "Ana");
    assert_eq!(order["lines"][0]["unit_price"]["amount_minor"], 1325);
    assert_eq!(order["total"]["amount_minor"], 2650);
    assert_eq!(order["fulfilment"]["type"], "delivery");
    assert_eq!(
        env.count(&format!(
            "SELECT COUNT(*) AS n FROM orders WHERE number = {number} AND customer_id LIKE 'web:%'"
        ))
        .await,
        1
    );

    // Change the lines with the version just read; a stale one is refused.
    let url = api.url(&format!("/orders/{number}"));
    let put = |version: u32, qty: u32| {
        api.http
            .put(&url)
            .bearer_auth(&ana)
            .header("if-match", format!("\"{version}\""))
            .json_body(&json!({"lines": [{"sku": "hawaiian_m", "quantity": qty}]}))
            .send()
    };
    let changed = put(1, 3).await.unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    assert_eq!(changed.headers()["etag"], "\"2\"");
    let changed = json(changed).await;
    assert_eq!(changed["total"]["amount_minor"], 3975);
    let stale = put(1, 5).await.unwrap();
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    assert_eq!(json(stale).await["code"], "stale");
    let seen = json(api.http.get(&url).bearer_auth(&ana).send().await.unwrap()).await;
    assert_eq!(
        seen["total"]["amount_minor"], 3975,
        "the stale change changed nothing"
    );

    // Her own list has it; she may not move its status.
    let list = json(
        api.http
            .get(api.url("/orders"))
            .bearer_auth(&ana)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(list["orders"][0]["number"], number);
    let status = api
        .post_json(
            &api.url(&format!("/orders/{number}/status")),
            &ana,
            2,
            &json!({"status": "accepted"}),
        )
        .await;
    assert_eq!(status.status(), StatusCode::FORBIDDEN);

    let cancelled = api
        .http
        .delete(&url)
        .bearer_auth(&ana)
        .header("if-match", "\"2\"")
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.status(), StatusCode::OK);
    let cancelled = json(cancelled).await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["version"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_customers_order_is_a_404_on_every_route() {
    let mut env = TestEnv::new().await;
    let api = started(&mut env).await;
    let ana = api.customer("Ana").await;
    let bob = api.customer("Bob").await;
    let placed = api.place(&ana, &[("hawaiian_m", 1)]).await;
    assert_eq!(placed.status(), StatusCode::CREATED);
    let number = json(placed).await["number"].as_u64().unwrap();
    let url = api.url(&format!("/orders/{number}"));
    let messages = api.url(&format!("/orders/{number}/messages"));

    let answers = [
        (
            "GET order",
            api.http.get(&url).bearer_auth(&bob).send().await.unwrap(),
        ),
        (
            "PUT order",
            api.http
                .put(&url)
                .bearer_auth(&bob)
                .header("if-match", "\"1\"")
                .json_body(&json!({"lines": [{"sku": "hawaiian_m", "quantity": 9}]}))
                .send()
                .await
                .unwrap(),
        ),
        (
            "DELETE order",
            api.http
                .delete(&url)
                .bearer_auth(&bob)
                .header("if-match", "\"1\"")
                .send()
                .await
                .unwrap(),
        ),
        (
            "GET messages",
            api.http
                .get(&messages)
                .bearer_auth(&bob)
                .send()
                .await
                .unwrap(),
        ),
        (
            "POST message",
            api.http
                .post(&messages)
                .bearer_auth(&bob)
                .json_body(&json!({"text": "hello?"}))
                .send()
                .await
                .unwrap(),
        ),
    ];
    for (what, answer) in answers {
        assert_eq!(answer.status(), StatusCode::NOT_FOUND, "{what}");
        assert_eq!(content_type(&answer), PROBLEM, "{what}");
    }
    let bobs = json(
        api.http
            .get(api.url("/orders"))
            .bearer_auth(&bob)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(bobs["orders"].as_array().unwrap().len(), 0);
    // Nothing Bob did touched Ana's order.
    let ana_sees = json(api.http.get(&url).bearer_auth(&ana).send().await.unwrap()).await;
    assert_eq!(ana_sees["version"], 1);
    assert_eq!(ana_sees["status"], "pending");
    assert_eq!(
        env.count("SELECT COUNT(*) AS n FROM order_messages").await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_idempotency_key_sent_five_times_at_once_places_one_order() {
    let mut env = TestEnv::new().await;
    let api = started(&mut env).await;
    let ana = api.customer("Ana").await;
    let body =
        json!({"lines": [{"sku": "hawaiian_m", "quantity": 1}], "fulfilment": {"type": "pickup"}});
    let send = || {
        api.http
            .post(api.url("/orders"))
            .bearer_auth(&ana)
            .header("idempotency-key", "same-order")
            .json_body(&body)
            .send()
    };
    let answers = futures::future::join_all((0..5).map(|_| send())).await;
    let mut bodies = Vec::new();
    for answer in answers {
        let answer = answer.unwrap();
        assert_eq!(answer.status(), StatusCode::CREATED);
        bodies.push(json(answer).await);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "{bodies:#?}");
    assert_eq!(env.count("SELECT COUNT(*) AS n FROM orders").await, 1);
    // Days later (here: at once) the same key still gives the same order.
    let later = json(send().await.unwrap()).await;
    assert_eq!(later, bodies[0]);
    assert_eq!(env.count("SELECT COUNT(*) AS n FROM orders").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_web_owner_runs_orders_and_stops_at_once_when_disabled() {
    let mut env = TestEnv::new().await;
    let api = started(&mut env).await;
    let ana = api.customer("Ana").await;
    let number = json(api.place(&ana, &[("hawaiian_m", 1)]).await).await["number"]
        .as_u64()
        .unwrap();
    let (email, password) = Api::owner_account(&env, "olga@shop.example").await;
    let olga = api.login(&email, &password).await;
    let me = json(me(&api, &olga).await).await;
    assert_eq!(me["role"], "owner");

    // An owner sees every order, and moves them.
    let all = json(
        api.http
            .get(api.url("/orders"))
            .bearer_auth(&olga)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(all["orders"][0]["number"], number);
    let status_url = api.url(&format!("/orders/{number}/status"));
    let accepted = api
        .post_json(&status_url, &olga, 1, &json!({"status": "accepted"}))
        .await;
    assert_eq!(accepted.status(), StatusCode::OK);
    assert_eq!(json(accepted).await["status"], "accepted");
    // An owner does not place orders; customers do.
    let placed = api.place(&olga, &[("hawaiian_m", 1)]).await;
    assert_eq!(placed.status(), StatusCode::FORBIDDEN);

    // The message reaches the customer's conversation.
    let posted = api
        .http
        .post(api.url(&format!("/orders/{number}/messages")))
        .bearer_auth(&olga)
        .json_body(&json!({"text": "Ready in 20 minutes"}))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), StatusCode::CREATED);
    let conversation = json(
        api.http
            .get(api.url(&format!("/orders/{number}/messages")))
            .bearer_auth(&ana)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(conversation["messages"][0]["from"], "owner");
    assert_eq!(conversation["messages"][0]["text"], "Ready in 20 minutes");

    // Disabled: the API refuses the login, and the worker refuses the
    // owner's command even if an edge still sent it.
    let accounts = chatorder_api::accounts::Accounts::open_bucket(
        &env.js,
        chatorder_api::accounts_bucket(&env.subjects),
        1,
    )
    .await
    .unwrap();
    let olga_account = accounts.set_disabled(&email, true).await.unwrap().unwrap();
    // The API follows the accounts (within moments); meanwhile the worker,
    // which reads the account itself, refuses: never a move.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let refused = api
            .post_json(&status_url, &olga, 2, &json!({"status": "preparing"}))
            .await;
        match refused.status() {
            StatusCode::UNAUTHORIZED => break,
            StatusCode::FORBIDDEN => {}
            other => panic!("a disabled owner was answered {other}"),
        }
        assert!(std::time::Instant::now() < deadline, "still not 401");
    }
    let command = chatorder_shared::envelope::Envelope::new(
        "order.status",
        olga_account.actor(),
        chatorder_shared::commands::SetStatus {
            number: chatorder_shared::domain::OrderNumber(number),
            status: chatorder_shared::domain::OrderStatus::Preparing,
            reason: None,
            expected_version: None,
        },
    );
    env.send(
        chatorder_shared::domain::Role::Owner,
        chatorder_shared::subjects::CommandKind::Status,
        &command,
        true,
    )
    .await;
    let rejection = env.wait_rejection(command.id).await;
    assert_eq!(rejection.refusal.code(), "not_owner", "{rejection:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_over_its_rate_gets_429_with_retry_after_and_others_go_on() {
    let mut env = TestEnv::with(|s| {
        s.api.rate_per_second = 1;
        s.api.rate_burst = 3;
    })
    .await;
    let api = started(&mut env).await;
    let (_, busy) = Api::key(&env, &[Scope::Read]).await;
    let (_, calm) = Api::key(&env, &[Scope::Read]).await;
    let mut statuses = Vec::new();
    let mut limited = None;
    for _ in 0..6 {
        let r = api
            .http
            .get(api.url("/orders"))
            .bearer_auth(&busy)
            .send()
            .await
            .unwrap();
        statuses.push(r.status());
        if r.status() == StatusCode::TOO_MANY_REQUESTS && limited.is_none() {
            limited = Some(r);
        }
    }
    assert!(
        statuses[..3].iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    let limited = limited.expect("a 429 after the burst");
    let wait: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait >= 1);
    assert_eq!(content_type(&limited), PROBLEM);
    assert_eq!(json(limited).await["code"], "rate_limited");
    let other = api
        .http
        .get(api.url("/orders"))
        .bearer_auth(&calm)
        .send()
        .await
        .unwrap();
    assert_eq!(
        other.status(),
        StatusCode::OK,
        "another key has its own allowance"
    );
    // Calls without credentials count against their address.
    let mut anonymous = Vec::new();
    for _ in 0..6 {
        anonymous.push(
            api.http
                .get(api.url("/catalog"))
                .send()
                .await
                .unwrap()
                .status(),
        );
    }
    assert!(
        anonymous.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{anonymous:?}"
    );
}

/// A customer's open event stream: the SSE events as (name, JSON data).
struct EventStream {
    response: reqwest::Response,
    buffer: String,
}

impl EventStream {
    async fn open(api: &Api, token: &str) -> Self {
        let response = api
            .http
            .get(api.url("/events"))
            .bearer_auth(token)
            .header("accept", "text/event-stream")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(content_type(&response).starts_with("text/event-stream"));
        let mut stream = Self {
            response,
            buffer: String::new(),
        };
        assert_eq!(stream.next().await.0, "ready");
        stream
    }

    /// The next event (keep-alive comments skipped).
    async fn next(&mut self) -> (String, serde_json::Value) {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut name = String::new();
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        name = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim());
                    }
                }
                if name.is_empty() {
                    continue;
                }
                return (name, serde_json::from_str(&data).unwrap());
            }
            let chunk = tokio::time::timeout(Duration::from_secs(60), self.response.chunk())
                .await
                .expect("an event within a minute")
                .unwrap()
                .expect("the stream stays open");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Skips events until one named `name`.
    async fn until(&mut self, name: &str) -> serde_json::Value {
        loop {
            let (got, data) = self.next().await;
            if got == name {
                return data;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_order_reaches_the_discord_board_and_the_shop_answers_on_the_customers_stream() {
    use chatorder_discord_standin::{StandIn, User as DUser};

    let mut env = TestEnv::new().await;
    let api = started(&mut env).await;
    let standin = StandIn::start().await.unwrap();
    let mut settings = env.settings.clone();
    settings.discord.token = Some("standin-token".to_owned().into());
    settings.discord.api_url = standin.url();
    settings.discord.channel_id = Some(StandIn::CHANNEL_ID);
    let cancel = tokio_util::sync::CancellationToken::new();
    let bot = tokio::spawn(chatorder_discord::run(settings, cancel.clone()));
    standin
        .wait_ready(Duration::from_secs(60))
        .await
        .expect("the bot connects");
    env.wait_discord_listening().await;

    let ana = api.customer("Ana").await;
    let bob = api.customer("Bob").await;
    let mut stream = EventStream::open(&api, &ana).await;
    let mut bobs_stream = EventStream::open(&api, &bob).await;
    let placed = api.place(&ana, &[("hawaiian_m", 2)]).await;
    assert_eq!(placed.status(), StatusCode::CREATED);
    let number = json(placed).await["number"].as_u64().unwrap();
    let seen = stream.until("order.placed").await;
    assert_eq!(seen["order"]["number"], number);

    // The owners' board shows it, with its buttons.
    let tag = format!("Order #{number} ");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let card = loop {
        if let Some(card) = standin
            .messages(StandIn::CHANNEL_ID)
            .into_iter()
            .find(|m| m.text().contains(&tag) && !m.buttons().is_empty())
        {
            break card;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the card on the board"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };

    // The customer writes over HTTP; the owners read it in the order's thread.
    let posted = api
        .http
        .post(api.url(&format!("/orders/{number}/messages")))
        .bearer_auth(&ana)
        .json_body(&json!({"text": "Can it be extra crispy?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), StatusCode::CREATED);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let in_thread = standin
            .threads()
            .into_iter()
            .filter(|t| t.parent_message_id == Some(card.id))
            .any(|t| {
                standin
                    .messages(t.id)
                    .iter()
                    .any(|m| m.content.contains("extra crispy"))
            });
        if in_thread {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the message in the thread"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // The owner accepts on the board; the customer's stream says so.
    let owner = DUser::new(common::OWNER_ID.parse().unwrap(), "Olga");
    let (button, _, _) = card
        .buttons()
        .into_iter()
        .find(|(_, label, _)| label == "Accept")
        .expect("an Accept button");
    standin
        .click(&owner, card.channel_id, card.id, &button)
        .await
        .unwrap();
    let changed = stream.until("order.status_changed").await;
    assert_eq!(changed["order"]["number"], number);
    assert_eq!(changed["order"]["status"], "accepted");
    assert_eq!(changed["from_status"], "pending");

    // The owner replies with /reply; it reaches the web customer's stream.
    let slash = standin
        .slash(
            &owner,
            "reply",
            json!([{"name":"number","type":4,"value":number},{"name":"text","type":3,"value":"Extra crispy it is"}]),
        )
        .await
        .unwrap();
    standin
        .response_final(slash, Duration::from_secs(60))
        .await
        .unwrap();
    let reply = loop {
        let m = stream.until("order.message").await;
        if m["message"]["from"] == "owner" {
            break m;
        }
    };
    assert_eq!(reply["message"]["text"], "Extra crispy it is");
    assert_eq!(reply["message"]["order_number"], number);
    let conversation = json(
        api.http
            .get(api.url(&format!("/orders/{number}/messages")))
            .bearer_auth(&ana)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let texts: Vec<_> = conversation["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["from"].as_str().unwrap().to_owned(),
                m["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        texts,
        [
            ("customer".to_owned(), "Can it be extra crispy?".to_owned()),
            ("owner".to_owned(), "Extra crispy it is".to_owned())
        ]
    );

    // Bob's stream saw none of Ana's order: his own order is the first
    // thing it carries.
    let bobs = api.place(&bob, &[("hawaiian_m", 1)]).await;
    let bobs_number = json(bobs).await["number"].as_u64().unwrap();
    let (first, data) = bobs_stream.next().await;
    assert_eq!(first, "order.placed");
    assert_eq!(data["order"]["number"], bobs_number);

    cancel.cancel();
    let _ = bot.await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_apps_cookie_login_is_httponly_and_changes_need_its_csrf_token() {
    let mut env = TestEnv::new().await;
    let api = started(&mut env).await;
    let registered = api
        .register("cy@example.com", "Cy", "a long password")
        .await;
    assert_eq!(registered.status(), StatusCode::CREATED);
    let login = |proto: &'static str| {
        api.http
            .post(api.url("/auth/login"))
            .header("x-forwarded-proto", proto)
            .json_body(
                &json!({"email": "cy@example.com", "password": "a long password", "cookie": true}),
            )
            .send()
    };
    let answer = login("http").await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let set = answer.headers()["set-cookie"].to_str().unwrap().to_owned();
    for part in [
        "chatorder_session=cot_",
        "HttpOnly",
        "SameSite=Lax",
        "Path=/",
    ] {
        assert!(set.contains(part), "{set}");
    }
    assert!(!set.contains("Secure"), "plain HTTP: {set}");
    let body = json(answer).await;
    assert!(
        body.get("token").is_none(),
        "the page never holds the token: {body}"
    );
    let csrf = body["csrf_token"].as_str().unwrap().to_owned();
    let cookie = set.split(';').next().unwrap().to_owned();
    // Behind a TLS proxy the cookie is Secure.
    let secure = login("https").await.unwrap();
    assert!(
        secure.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Secure")
    );

    // Reads need only the cookie; the CSRF token can be fetched again.
    let me = api
        .http
        .get(api.url("/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(json(me).await["email"], "cy@example.com");
    let again = json(
        api.http
            .get(api.url("/auth/csrf"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(again["csrf_token"], csrf.as_str());

    // A change with the cookie alone (what another site's form could make
    // the browser send) is refused, and nothing is placed.
    let order =
        json!({"lines": [{"sku": "hawaiian_m", "quantity": 1}], "fulfilment": {"type": "pickup"}});
    let forged = api
        .http
        .post(api.url("/orders"))
        .header("cookie", &cookie)
        .json_body(&order)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(json(forged).await["code"], "csrf");
    let wrong = api
        .http
        .post(api.url("/orders"))
        .header("cookie", &cookie)
        .header("x-csrf-token", "0".repeat(64))
        .json_body(&order)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    assert_eq!(env.count("SELECT COUNT(*) AS n FROM orders").await, 0);
    let placed = api
        .http
        .post(api.url("/orders"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json_body(&order)
        .send()
        .await
        .unwrap();
    assert_eq!(placed.status(), StatusCode::CREATED);

    // Log-out ends the login and clears the cookie.
    let out = api
        .http
        .post(api.url("/auth/logout"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert!(
        out.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let ended = api
        .http
        .get(api.url("/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(ended.status(), StatusCode::UNAUTHORIZED);
}
