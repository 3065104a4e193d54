//! The OpenAPI document and its docs page: the document is OpenAPI 3.1
//! with every operation, and the Swagger UI page draws them all in a real
//! headless Chromium that may reach nothing but this machine (the page's
//! assets are built into the binary, no CDN).

#![allow(clippy::unwrap_used)]

mod common;

use common::TestEnv;
use common::api::{Api, json};
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_is_openapi_3_1_with_every_operation() {
    let mut env = TestEnv::new().await;
    env.spawn_worker();
    let api = Api::start(&env).await;
    let answer = api.http.get(api.url("/openapi.json")).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let doc = json(answer).await;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let mut operations: Vec<String> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            operations.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    operations.sort();
    assert_eq!(
        operations,
        [
            "DELETE /api/v1/orders/{number}",
            "DELETE /api/v1/webhooks/{id}",
            "GET /api/v1/auth/csrf",
            "GET /api/v1/catalog",
            "GET /api/v1/events",
            "GET /api/v1/health",
            "GET /api/v1/me",
            "GET /api/v1/orders",
            "GET /api/v1/orders/export",
            "GET /api/v1/orders/{number}",
            "GET /api/v1/orders/{number}/history",
            "GET /api/v1/orders/{number}/messages",
            "GET /api/v1/reports/dashboard",
            "GET /api/v1/reports/forecast",
            "GET /api/v1/reports/summary",
            "GET /api/v1/shop/hours",
            "GET /api/v1/webhooks",
            "PATCH /api/v1/catalog/items/{sku}",
            "POST /api/v1/auth/login",
            "POST /api/v1/auth/logout",
            "POST /api/v1/auth/register",
            "POST /api/v1/catalog/items",
            "POST /api/v1/orders",
            "POST /api/v1/orders/{number}/messages",
            "POST /api/v1/orders/{number}/status",
            "POST /api/v1/webhooks",
            "PUT /api/v1/orders/{number}",
        ]
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_docs_page_draws_every_operation_with_no_internet() {
    common::browser::require_browser();
    let mut env = TestEnv::new().await;
    env.spawn_worker();
    let api = Api::start(&env).await;
    let page = api.http.get(api.url("/docs/")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let artifacts = std::env::temp_dir().join(format!("chatorder-apidocs-{}", std::process::id()));
    let run = common::browser::run_script(
        "apidocs.mjs",
        vec![api.base.clone(), artifacts.display().to_string()],
        Vec::new(),
    )
    .await;
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.success(),
        "the docs page test failed:\n{stdout}\n{stderr}\nscreenshot in {}",
        artifacts.display()
    );
    assert!(
        stdout.contains("nothing fetched off this machine"),
        "{stdout}"
    );
}
