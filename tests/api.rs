//! The HTTP API end to end: a real HTTP client against `chatorder-api`, the
//! order worker, NATS, MariaDB and Redis, each test on its own database and
//! prefixes.

#![allow(clippy::unwrap_used)]

mod common;

use chatorder_shared::api_keys::Scope;
use common::api::{Api, JsonBody as _, PROBLEM, content_type, json};
use common::{TestEnv, customer};
use reqwest::StatusCode;
use std::time::Duration;

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

    // A 1 MB body is refused from its Content-Length: read and thrown away,
    // so the client is not cut off while it writes.
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

    // One declared over 4 MiB is refused at once, without waiting for it
    // (the test's request timeout is 60 s: a server waiting for the body
    // would not answer within 10 s).
    let address = api
        .base
        .trim_start_matches("http://")
        .trim_end_matches("/api/v1");
    let mut raw = tokio::net::TcpStream::connect(address)
        .await
        .expect("the API listens");
    let head = format!(
        "POST /api/v1/catalog HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        5 << 20
    );
    tokio::io::AsyncWriteExt::write_all(&mut raw, head.as_bytes())
        .await
        .expect("the head is sent");
    let mut answer = vec![0_u8; 4096];
    let read = tokio::time::timeout(
        Duration::from_secs(10),
        tokio::io::AsyncReadExt::read(&mut raw, &mut answer),
    )
    .await
    .expect("answered without the body")
    .expect("an answer to read");
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(
        answer.starts_with("HTTP/1.1 413"),
        "refused as too large: {answer}"
    );
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

async fn revoke(env: &TestEnv, id: &str) {
    let keys = chatorder_api::keys::ApiKeys::open_bucket(
        &env.js,
        chatorder_api::keys_bucket(&env.subjects),
        1,
    )
    .await
    .unwrap();
    assert!(keys.revoke(id).await.unwrap());
}

/// Starts a worker and the API, and places `n` orders as two customers.
async fn shop_with_orders(n: usize) -> (TestEnv, Api, Vec<u64>) {
    let mut env = TestEnv::new().await;
    env.spawn_worker();
    let api = Api::start(&env).await;
    env.wait_queries_served().await;
    let mut numbers = Vec::new();
    for i in 0..n {
        let who = customer(if i % 2 == 0 { "1" } else { "2" });
        let id = env.place(&who, &[("pepperoni_m", 1 + i as u32)]).await;
        numbers.push(env.wait_placed(id).await.number.0);
    }
    (env, api, numbers)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_decide_who_gets_in_and_what_they_may_do() {
    let (env, api, numbers) = shop_with_orders(1).await;
    let order = api.url(&format!("/orders/{}", numbers[0]));

    let none = api.http.get(&order).send().await.unwrap();
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    assert!(none.headers().contains_key("www-authenticate"));
    assert_eq!(content_type(&none), PROBLEM);
    for bad in [
        "Bearer nonsense",
        "Bearer cok_abcdefghjkmn_wrongsecret",
        "Basic eDp5",
    ] {
        let r = api
            .http
            .get(&order)
            .header("authorization", bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{bad}");
    }

    let (_, read) = Api::key(&env, &[Scope::Read]).await;
    let r = api
        .http
        .get(&order)
        .bearer_auth(&read)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let posted = api
        .post_json(
            &format!("{order}/status"),
            &read,
            1,
            &serde_json::json!({"status": "accepted"}),
        )
        .await;
    assert_eq!(
        posted.status(),
        StatusCode::FORBIDDEN,
        "a read key that posts"
    );
    assert_eq!(json(posted).await["code"], "forbidden");

    let (id, owner) = Api::key(&env, &[Scope::Owner]).await;
    let r = api
        .http
        .get(&order)
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    revoke(&env, &id).await;
    // The API follows the key bucket (a watch, within moments); meanwhile
    // the worker, which reads the bucket itself, refuses the key. A revoked
    // key is never served.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let r = api
            .http
            .get(&order)
            .bearer_auth(&owner)
            .send()
            .await
            .unwrap();
        match r.status() {
            StatusCode::UNAUTHORIZED => break,
            StatusCode::FORBIDDEN => {}
            other => panic!("a revoked key was answered {other}"),
        }
        assert!(std::time::Instant::now() < deadline, "still not 401");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalog_is_served_from_memory_until_it_changes() {
    let mut env = TestEnv::new().await;
    env.spawn_worker();
    let api = Api::start(&env).await;
    env.wait_queries_served().await;
    let price = |catalog: &serde_json::Value| {
        catalog["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["sku"] == "hawaiian_m")
            .map(|i| i["price"]["amount_minor"].as_i64().unwrap())
    };
    let first = json(api.http.get(api.url("/catalog")).send().await.unwrap()).await;
    assert_eq!(price(&first), Some(1325));
    let again = json(api.http.get(api.url("/catalog")).send().await.unwrap()).await;
    assert_eq!(again, first, "the same answer from memory");

    let change = chatorder_shared::envelope::Envelope::new(
        "catalog.change",
        common::owner(),
        chatorder_shared::commands::CatalogChange::Price {
            sku: chatorder_shared::domain::Sku::parse("hawaiian_m").unwrap(),
            price_minor: 1450,
        },
    );
    env.send(
        chatorder_shared::domain::Role::Owner,
        chatorder_shared::subjects::CommandKind::Catalog,
        &change,
        true,
    )
    .await;
    env.wait_event("catalog.changed", |e| e.cause == Some(change.id))
        .await;
    // The change's event empties the kept catalog: the next reads show it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let now = json(api.http.get(api.url("/catalog")).send().await.unwrap()).await;
        if price(&now) == Some(1450) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the new price never showed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_list_newest_first_by_cursor_and_filter_by_status() {
    let (env, api, numbers) = shop_with_orders(5).await;
    let (_, key) = Api::key(&env, &[Scope::Read]).await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut url = api.url("/orders?limit=2");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let r = api.http.get(url).bearer_auth(&key).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let page = json(r).await;
        let orders = page["orders"].as_array().unwrap();
        assert!(orders.len() <= 2);
        seen.extend(orders.iter().map(|o| o["number"].as_u64().unwrap()));
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let mut newest_first = numbers.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first, "every order once, newest first");
    assert_eq!(pages, 3);

    // Move one on; filter by status.
    let (_, owner) = Api::key(&env, &[Scope::Owner]).await;
    let moved = api
        .post_json(
            &api.url(&format!("/orders/{}/status", numbers[1])),
            &owner,
            1,
            &serde_json::json!({"status": "accepted"}),
        )
        .await;
    assert_eq!(moved.status(), StatusCode::OK);
    let r = api
        .http
        .get(api.url("/orders?status=accepted"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    let page = json(r).await;
    let got: Vec<u64> = page["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["number"].as_u64().unwrap())
        .collect();
    assert_eq!(got, [numbers[1]]);
    let order = &page["orders"][0];
    assert_eq!(order["status"], "accepted");
    assert_eq!(order["version"], 2);
    assert_eq!(order["total"]["currency"], "USD");
    assert!(
        order["lines"][0]["unit_price"]["amount_minor"]
            .as_i64()
            .unwrap()
            > 0
    );

    for (query, code) in [
        ("status=eaten", "bad_status"),
        ("limit=101", "bad_limit"),
        ("limit=0", "bad_limit"),
        ("cursor=abc", "bad_cursor"),
        ("placed_from=yesterday", "bad_time"),
    ] {
        let r = api
            .http
            .get(api.url(&format!("/orders?{query}")))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(json(r).await["code"], code, "{query}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_needs_the_current_version_and_a_stale_one_is_refused() {
    let (env, api, numbers) = shop_with_orders(1).await;
    let (_, owner) = Api::key(&env, &[Scope::Owner]).await;
    let n = numbers[0];
    let status = api.url(&format!("/orders/{n}/status"));
    let accept = serde_json::json!({"status": "accepted"});

    let got = api
        .http
        .get(api.url(&format!("/orders/{n}")))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert_eq!(got.headers()["etag"], "\"1\"");

    let no_precondition = api
        .http
        .post(&status)
        .bearer_auth(&owner)
        .json_body(&accept)
        .send()
        .await
        .unwrap();
    assert_eq!(no_precondition.status(), StatusCode::PRECONDITION_REQUIRED);
    assert_eq!(json(no_precondition).await["code"], "if_match_required");

    let ok = api.post_json(&status, &owner, 1, &accept).await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(ok.headers()["etag"], "\"2\"");
    assert_eq!(json(ok).await["status"], "accepted");

    // Someone else read version 1 and acts on it: refused, nothing changes.
    let ready = serde_json::json!({"status": "ready"});
    let stale = api.post_json(&status, &owner, 1, &ready).await;
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    let body = json(stale).await;
    assert_eq!(body["code"], "stale");
    assert!(
        body["detail"].as_str().unwrap().contains("version 2"),
        "{body}"
    );

    // The lifecycle table still rules: a completed order cannot move back.
    let done = serde_json::json!({"status": "completed"});
    let r = api.post_json(&status, &owner, 2, &done).await;
    assert_eq!(r.status(), StatusCode::OK);
    let back = serde_json::json!({"status": "preparing"});
    let r = api.post_json(&status, &owner, 3, &back).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(json(r).await["code"], "final");

    let missing = api
        .http
        .get(api.url("/orders/999999"))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(content_type(&missing), PROBLEM);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_idempotency_key_sent_five_times_at_once_moves_the_order_once() {
    let (env, api, numbers) = shop_with_orders(1).await;
    let (_, owner) = Api::key(&env, &[Scope::Owner]).await;
    let n = numbers[0];
    let send = |body: serde_json::Value| {
        let (http, url, owner) = (
            api.http.clone(),
            api.url(&format!("/orders/{n}/status")),
            owner.clone(),
        );
        async move {
            let r = http
                .post(url)
                .bearer_auth(owner)
                .header("if-match", "\"1\"")
                .header("idempotency-key", "accept-once")
                .json_body(&body)
                .send()
                .await
                .unwrap();
            let status = r.status();
            let etag = r.headers().get("etag").cloned();
            (status, etag, r.text().await.unwrap())
        }
    };
    let accept = serde_json::json!({"status": "accepted"});
    let answers = futures::future::join_all((0..5).map(|_| send(accept.clone()))).await;
    for a in &answers {
        assert_eq!(a.0, StatusCode::OK, "{}", a.2);
        assert_eq!(a, &answers[0], "five identical answers");
    }
    // Again later: the same answer, from the record (the order is at 2).
    assert_eq!(send(accept.clone()).await, answers[0]);
    let history = env
        .count(&format!(
            "SELECT COUNT(*) AS n FROM order_status_history h JOIN orders o ON o.id = h.order_id \
             WHERE o.number = {n} AND h.to_status = 'accepted'"
        ))
        .await;
    assert_eq!(history, 1, "moved once");

    // The same key with another body is refused.
    let other = send(serde_json::json!({"status": "rejected"})).await;
    assert_eq!(other.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(other.2.contains("idempotency_key_reused"), "{}", other.2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_cancels_with_a_reason_and_writes_to_the_customer() {
    let (env, api, numbers) = shop_with_orders(1).await;
    let (_, owner) = Api::key(&env, &[Scope::Owner]).await;
    let n = numbers[0];
    let msg = api
        .http
        .post(api.url(&format!("/orders/{n}/messages")))
        .bearer_auth(&owner)
        .json_body(&serde_json::json!({"text": "Out of pepperoni, sorry"}))
        .send()
        .await
        .unwrap();
    assert_eq!(msg.status(), StatusCode::CREATED);
    let m = json(msg).await;
    assert_eq!(m["from"], "owner");
    assert_eq!(m["text"], "Out of pepperoni, sorry");

    let order = api.url(&format!("/orders/{n}"));
    let no_reason = api
        .http
        .delete(&order)
        .bearer_auth(&owner)
        .header("if-match", "\"1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(no_reason.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(no_reason).await["code"], "reason_required");
    let cancelled = api
        .http
        .delete(format!("{order}?reason=out%20of%20stock"))
        .bearer_auth(&owner)
        .header("if-match", "\"1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.status(), StatusCode::OK);
    assert_eq!(json(cancelled).await["status"], "cancelled");
    assert_eq!(
        env.count(&format!(
            "SELECT COUNT(*) AS n FROM orders WHERE number = {n}"
        ))
        .await,
        1,
        "cancelled, never deleted"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_bodies_get_problems_before_anything_is_sent() {
    let (env, api, numbers) = shop_with_orders(1).await;
    let (_, owner) = Api::key(&env, &[Scope::Owner]).await;
    let status = api.url(&format!("/orders/{}/status", numbers[0]));
    let post = |body: Vec<u8>, ct: &'static str| {
        api.http
            .post(&status)
            .bearer_auth(&owner)
            .header("if-match", "\"1\"")
            .header("content-type", ct)
            .body(body)
            .send()
    };
    let r = post(b"{\"status\": ".to_vec(), "application/json")
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json(r).await["code"], "malformed_json");
    let r = post(b"{\"status\": \"eaten\"}".to_vec(), "application/json")
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(r).await["code"], "invalid_body");
    let r = post(
        b"status=accepted".to_vec(),
        "application/x-www-form-urlencoded",
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Far more than the socket buffers hold: answered before the body was
    // read, a close would reset the connection under the writing client.
    let r = post(vec![b' '; 3 << 20], "application/json")
        .await
        .expect("the client sends the whole body and reads the refusal");
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        r.headers()["connection"],
        "close",
        "the unread body ends the connection, so the client opens a new one"
    );
    assert_eq!(json(r).await["code"], "too_large");
    let r = api
        .http
        .get(api.url(&format!("/orders/{}", numbers[0])))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert_eq!(json(r).await["version"], 1, "nothing reached the order");
}
