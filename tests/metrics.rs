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
    env.wait_queries_served().await;
    // The Telegram bot in the same process reports through the same endpoint.
    let standin = chatorder_telegram_standin::TelegramStandIn::start()
        .await
        .expect("stand-in");
    let mut bot_settings = env.settings.clone();
    bot_settings.telegram.token = Some(chatorder_telegram_standin::TOKEN.to_owned().into());
    bot_settings.telegram.api_url = standin.api_url();
    let cancel = tokio_util::sync::CancellationToken::new();
    let bot = tokio::spawn(chatorder_telegram::run::run(bot_settings, cancel.clone()));
    let user = chatorder_telegram_standin::User::new(5, "Ada");
    standin.send_text(&user, "/start");
    standin
        .wait_for(user.id, std::time::Duration::from_secs(20), |m| {
            m.text.contains("welcome")
        })
        .await
        .expect("the bot answers");
    // So do the owner bot (against its stand-in) and the demand worker.
    let discord = chatorder_discord_standin::StandIn::start()
        .await
        .expect("Discord stand-in");
    let mut owner_settings = env.settings.clone();
    owner_settings.discord.token = Some("local-standin".to_owned().into());
    owner_settings.discord.api_url = discord.url();
    owner_settings.discord.channel_id = Some(chatorder_discord_standin::StandIn::CHANNEL_ID);
    let owners = tokio::spawn(chatorder_discord::run(owner_settings, cancel.clone()));
    let demand = tokio::spawn(chatorder_demand::worker::run(
        env.settings.clone(),
        cancel.clone(),
    ));
    discord
        .wait_ready(std::time::Duration::from_secs(30))
        .await
        .expect("the owner bot connects");
    env.wait_discord_listening().await;
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
        "chatorder_telegram_updates_total{kind=\"text\"} 1",
        "chatorder_telegram_reply_seconds_count 1",
        "chatorder_telegram_api_errors_total{call=\"send\"} 0",
        "# HELP chatorder_consumer_lag_messages",
        "# HELP chatorder_consumer_in_flight_messages",
        "chatorder_discord_board_updates_total{outcome=\"posted\"}",
        "# HELP chatorder_discord_api_errors_total",
        "chatorder_demand_posts_total{kind=\"summary\"} 0",
        "chatorder_demand_job_failures_total{job=\"retrain\"} 0",
    ] {
        assert!(text.contains(series), "missing `{series}` in:\n{text}");
    }
    cancel.cancel();
    bot.await.expect("bot task").expect("bot stops cleanly");
    owners
        .await
        .expect("owner bot task")
        .expect("owner bot stops cleanly");
    demand
        .await
        .expect("demand task")
        .expect("demand worker stops cleanly");
    env.stop_workers().await;
}
