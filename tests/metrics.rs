//! A running order worker serves its metrics on `/metrics` over HTTP, with
//! the documented series.

mod common;

use std::io::{Read as _, Write as _};

use common::*;

fn scrape(addr: &str) -> String {
    let mut stream = std::net::TcpStream::connect(addr).expect("metrics endpoint answers");
    write!(
        stream,
        "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut body = String::new();
    stream.read_to_string(&mut body).expect("response");
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_serves_documented_metrics() {
    // A free port for this test.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("free port")
        .local_addr()
        .expect("addr")
        .to_string();
    let mut env = TestEnv::new().await;
    chatorder_shared::telemetry::install_metrics(&addr)
        .expect("metrics endpoint")
        .expect("first recorder");
    env.spawn_worker();
    let id = env.place(&customer("1"), &[("hawaiian_m", 1)]).await;
    env.wait_placed(id).await;
    let bad = env.place(&customer("1"), &[("no_such_pizza", 1)]).await;
    env.wait_rejection(bad).await;
    env.settle().await;

    let text = tokio::task::spawn_blocking(move || scrape(&addr))
        .await
        .expect("scrape");
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    for series in [
        "chatorder_commands_total{type=\"place\",outcome=\"applied\"} 1",
        "chatorder_commands_total{type=\"place\",outcome=\"rejected\"} 1",
        "chatorder_command_duration_seconds_bucket",
        "chatorder_command_age_seconds_bucket",
        "chatorder_batch_commands",
        "chatorder_events_published_total{path=\"inline\"} 2",
        "chatorder_cache_up 1",
        "chatorder_dead_letters_total{reason=\"malformed\"} 0",
        "chatorder_command_redeliveries_total 0",
        "# HELP chatorder_outbox_backlog_events",
        "# HELP chatorder_orders_pending",
    ] {
        assert!(text.contains(series), "missing `{series}` in:\n{text}");
    }
    env.stop_workers().await;
}
