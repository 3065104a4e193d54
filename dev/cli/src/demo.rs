//! `chatorder-dev demo`: the whole system on one machine without Telegram or
//! Discord. It imports the order history, then replays the last day(s) of
//! real orders as simulated customers chatting with the real bot through the
//! Telegram stand-in, time compressed, while a simulated owner works the
//! order board of the real Discord bot through the Discord stand-in, pressing
//! Accept, Preparing, Ready and Completed on each card. It ends with a report
//! whose counts must match.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chatorder_db::past_sales::PastOrder;
use chatorder_shared::config::Settings;
use chatorder_shared::domain::OrderStatus;
use chatorder_shared::envelope::Envelope;
use chatorder_shared::events::{CatalogItem, Event, decode_event};
use chatorder_shared::subjects::EventKind;
use chatorder_telegram_standin::{TOKEN, TelegramStandIn, User};
use futures::StreamExt as _;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

use crate::bench::{percentiles, scratch_named};

use crate::bench_telegram::{button, exchange, start_system};

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Order data (`id,date,time,name,size,type,price`, plain or .gz).
    #[arg(long, default_value = "data/pizzaplace-2015-01-to-10.csv.gz")]
    data: PathBuf,
    /// Days replayed from the end of the data; everything before is history.
    #[arg(long, default_value_t = 1)]
    days: u32,
    /// Wall-clock seconds per day of data (a day per minute by default).
    #[arg(long, default_value_t = 60)]
    day_seconds: u64,
    /// A short run for CI: the first 40 orders of the day in about 15 s.
    #[arg(long)]
    quick: bool,
    /// Where to serve the playground page to watch the run (loopback; `off`
    /// for none).
    #[arg(long, env = "CHATORDER_PLAYGROUND_LISTEN", default_value = "127.0.0.1:8089", value_parser = crate::standins::playground_addr)]
    playground: crate::standins::Playground,
}

const OWNER_ID: u64 = 900_200;
const WAIT: Duration = Duration::from_secs(60);

#[derive(Default)]
struct Tally {
    placed: AtomicUsize,
    received: AtomicUsize,
    completed: AtomicUsize,
    failed: AtomicUsize,
}

/// How a customer would say a past order.
fn phrase(order: &PastOrder, items: &HashMap<String, CatalogItem>) -> Option<String> {
    crate::baskets::phrase(
        order.lines.iter().map(|(sku, qty, _)| (sku.as_str(), *qty)),
        |sku| items.get(sku),
    )
}

pub async fn run(mut settings: Settings, args: DemoArgs) -> anyhow::Result<()> {
    scratch_named(&mut settings, "demo").await?;
    settings.telegram.rate_limit = false;
    settings.telegram.max_orders_per_hour = u32::MAX;
    settings.discord.owner_user_ids = vec![OWNER_ID.to_string()];
    let tz = settings.shop.time_zone;

    // History before the replayed days; the replayed days as customers.
    let mut orders = chatorder_db::past_sales::read(&args.data, tz)?;
    orders.sort_by_key(|o| o.placed_at);
    let last_day = orders
        .last()
        .context("the data holds no orders")?
        .placed_at
        .with_timezone(&tz)
        .date_naive();
    let first_replayed = last_day - chrono::Days::new(u64::from(args.days.max(1)) - 1);
    let split =
        orders.partition_point(|o| o.placed_at.with_timezone(&tz).date_naive() < first_replayed);
    let mut replay = orders.split_off(split);
    if args.quick {
        replay.truncate(40);
    }
    // The history is moved forward in whole days so that it ends yesterday:
    // the demand worker then learns from "recent" sales, the morning summary
    // speaks of yesterday and the forecast of today and tomorrow, exactly as
    // in a shop that has been open all along.
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    let shift = chrono::Duration::days((today - first_replayed).num_days());
    for o in &mut orders {
        o.placed_at += shift;
    }
    // Wall seconds per second of shop time. Quick: the replayed orders in ~15 s.
    let span = match (replay.first(), replay.last()) {
        (Some(a), Some(b)) => (b.placed_at - a.placed_at).num_seconds().max(1) as f64,
        _ => 1.0,
    };
    let scale = if args.quick {
        15.0 / span
    } else {
        args.day_seconds as f64 / 86_400.0
    };
    let mut conn = chatorder_db::pool::connect(&settings.database.url).await?;
    let imported =
        chatorder_db::past_sales::import(&mut conn, &orders, settings.shop.currency).await?;
    let catalog: HashMap<String, CatalogItem> = chatorder_db::read::catalog(&mut conn)
        .await?
        .into_iter()
        .map(|i| (i.sku.to_string(), i))
        .collect();

    let standin = Arc::new(
        TelegramStandIn::start()
            .await
            .context("starting the Telegram stand-in")?,
    );
    settings.telegram.token = Some(TOKEN.to_owned().into());
    settings.telegram.api_url = standin.api_url();
    println!("chatorder demo");
    println!(
        "  history: {} past orders imported (the data up to {first_replayed}, moved to end yesterday, {})",
        imported.orders_added,
        today - chrono::Days::new(1)
    );
    println!(
        "  replaying {} orders from {first_replayed} as simulated customers on the Telegram stand-in at {}",
        replay.len(),
        standin.api_url()
    );
    let discord = chatorder_discord_standin::StandIn::start()
        .await
        .context("starting the Discord stand-in")?;
    settings.discord.token = Some("local-standin".to_owned().into());
    settings.discord.api_url = discord.url();
    settings.discord.channel_id = Some(chatorder_discord_standin::StandIn::CHANNEL_ID);
    println!(
        "  a simulated owner works the order board of the Discord bot on the Discord stand-in at {}",
        discord.url()
    );
    if !settings.metrics.listen.is_empty() {
        println!("  metrics: http://{}/metrics", settings.metrics.listen);
    }

    // The demand worker trains on the history while customers chat. The demo
    // keeps its models apart from a real shop's, and trains the quick model
    // in a quick run.
    settings.demand.model_dir =
        std::env::temp_dir().join(format!("chatorder-demo-models-{}", settings.nats.prefix));
    if args.quick {
        settings.demand.training = chatorder_shared::config::TrainingProfile::Quick;
    }

    let system = start_system(&settings, &standin).await?;
    let cancel = system.cancel.clone();
    if let Some(listen) = args.playground.0 {
        match crate::playground::serve(listen, standin.clone(), discord.clone(), cancel.clone())
            .await
        {
            Ok(addr) => println!(
                "  watch it live: http://{addr}/ (the board fills as customers order; watch only: an order placed there would make the counts differ)"
            ),
            Err(e) => println!("  (no playground page: {e:#})"),
        }
    }
    match tokio::net::TcpListener::bind(settings.api.listen).await {
        Ok(listener) => {
            if let Ok(addr) = listener.local_addr() {
                println!("  HTTP API: http://{addr}/api/v1 (try /api/v1/catalog)");
                println!("  web shop: http://{addr}/ (order as a customer: make an account there)");
                match crate::standins::web_owner(&settings).await {
                    Ok((email, password)) => println!(
                        "  owner dashboard: http://{addr}/owner/ (log in as {email}, password {password})"
                    ),
                    Err(e) => println!("  (no owner login for the dashboard: {e:#})"),
                }
            }
            tokio::spawn(chatorder_api::serve(
                listener,
                settings.clone(),
                cancel.clone(),
            ));
        }
        Err(e) => println!(
            "  (no HTTP API: cannot listen on {}: {e}; set CHATORDER__API__LISTEN)",
            settings.api.listen
        ),
    }
    let owner_bot = tokio::spawn(chatorder_discord::run(settings.clone(), cancel.clone()));
    let demand_worker = tokio::spawn(chatorder_demand::worker::run(
        settings.clone(),
        cancel.clone(),
    ));
    discord
        .wait_ready(WAIT)
        .await
        .context("the Discord bot did not connect to the stand-in")?;

    let tally = Arc::new(Tally::default());
    let owner = tokio::spawn(owner(
        settings.clone(),
        discord.clone(),
        tally.clone(),
        scale,
        cancel.clone(),
    ));
    let received_ms = Arc::new(Mutex::new(Vec::new()));

    let day_start = replay
        .first()
        .map(|o| o.placed_at)
        .unwrap_or_else(chrono::Utc::now);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, order) in replay.iter().enumerate() {
        let Some(text) = phrase(order, &catalog) else {
            tally.failed.fetch_add(1, Ordering::Relaxed);
            continue;
        };
        let offset =
            (order.placed_at - day_start).num_milliseconds().max(0) as f64 / 1000.0 * scale;
        let due = started + Duration::from_secs_f64(offset);
        let user = User::new(100_000 + i as i64, &format!("Guest{i}"));
        let (standin, tally, received_ms) = (standin.clone(), tally.clone(), received_ms.clone());
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until(due.into()).await;
            tally.placed.fetch_add(1, Ordering::Relaxed);
            match customer(&standin, &user, &text).await {
                Ok(ms) => {
                    tally.received.fetch_add(1, Ordering::Relaxed);
                    received_ms.lock().await.push(ms);
                }
                Err(e) => {
                    tally.failed.fetch_add(1, Ordering::Relaxed);
                    eprintln!("  {e:#}");
                }
            }
        }));
    }
    let total = tasks.len();
    let progress = {
        let tally = tally.clone();
        tokio::spawn(async move {
            let mut bar = crate::screen::Progress::new(total);
            loop {
                bar.show(&crate::screen::Reading {
                    chatting: get(&tally.placed),
                    received: get(&tally.received),
                    completed: get(&tally.completed),
                    failed: get(&tally.failed),
                    elapsed: started.elapsed(),
                });
                if get(&tally.completed) >= total {
                    bar.finish();
                    return;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    };
    for t in tasks {
        t.await.context("customer task")?;
    }
    // Let the owner finish the last orders.
    let settle = Instant::now() + WAIT;
    while tally.completed.load(Ordering::Relaxed) < tally.received.load(Ordering::Relaxed)
        && Instant::now() < settle
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    progress.abort();
    let _ = progress.await;
    let elapsed = started.elapsed().as_secs_f64();
    let discord_cards = discord
        .messages(chatorder_discord_standin::StandIn::CHANNEL_ID)
        .iter()
        .filter(|m| m.text().contains("Order #"))
        .count();
    let owner_reports = owner_reports(&settings, &discord).await;
    let ok = report(
        &settings,
        &standin,
        discord_cards,
        &tally,
        total,
        elapsed,
        received_ms.lock().await.clone(),
    )
    .await?;
    let reports_ok = match &owner_reports {
        Ok((summary, forecast)) => {
            println!("\nthe owner's morning summary, as posted in the Discord channel:");
            println!("{}", indent(summary));
            println!("\nthe owner's `/forecast` (tomorrow), as answered in Discord:");
            println!("{}", indent(forecast));
            true
        }
        Err(e) => {
            println!("\nthe owner summary and forecast did not arrive: {e:#}");
            false
        }
    };
    system.stop().await;
    match demand_worker.await {
        Ok(Err(e)) => eprintln!("  the demand worker ended with: {e:#}"),
        Err(e) => eprintln!("  the demand worker task failed: {e}"),
        Ok(Ok(())) => {}
    }
    let _ = std::fs::remove_dir_all(&settings.demand.model_dir);
    let _ = owner.await;
    match owner_bot.await {
        Ok(Err(e)) => eprintln!("  the Discord bot ended with: {e:#}"),
        Err(e) => eprintln!("  the Discord bot task failed: {e}"),
        Ok(Ok(())) => {}
    }
    anyhow::ensure!(ok, "the demo's counts do not match; see the report");
    anyhow::ensure!(
        reports_ok,
        "the owner summary or the forecast did not reach the owners' channel"
    );
    Ok(())
}

/// The first lines of an owner's message, indented; the rest counted.
fn indent(text: &str) -> String {
    const SHOWN: usize = 16;
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<String> = lines
        .iter()
        .take(SHOWN)
        .map(|l| format!("  | {l}"))
        .collect();
    if lines.len() > SHOWN {
        out.push(format!("  | … ({} more lines)", lines.len() - SHOWN));
    }
    out.join("\n")
}

/// What the owner sees at the end of the day: the morning summary the
/// schedule would post (yesterday from the history, today's prep list), sent
/// through `owners.summary` to the Discord channel, and the answer to
/// `/forecast` (tomorrow) run by the owner on Discord.
async fn owner_reports(
    settings: &Settings,
    discord: &chatorder_discord_standin::StandIn,
) -> anyhow::Result<(String, String)> {
    use chatorder_discord_standin::StandIn;
    // The demand worker trains when it starts; wait for its first run.
    let mut conn = chatorder_db::pool::connect(&settings.database.url).await?;
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        use diesel_async::RunQueryDsl as _;
        let runs: Vec<Count> = diesel::sql_query("SELECT COUNT(*) AS n FROM model_runs")
            .load(&mut conn)
            .await?;
        if runs.iter().any(|c| c.n > 0) {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the demand worker recorded no model run in 10 minutes"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let client = chatorder_bus::connect(&settings.nats, "chatorder-demo-summary").await?;
    let demand = chatorder_demand::worker::Demand::new(settings.clone(), client).await?;
    demand.start().await?;
    let post = demand.morning_summary(chrono::Utc::now()).await?;
    demand.publish(&post).await?;
    let deadline = Instant::now() + WAIT;
    let summary = loop {
        if let Some(m) = discord
            .messages(StandIn::CHANNEL_ID)
            .into_iter()
            .find(|m| m.content.contains("morning summary"))
        {
            break m.content;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the morning summary did not reach the owners' channel"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let me = chatorder_discord_standin::User::new(OWNER_ID, "Demo owner");
    let ask = discord
        .slash(&me, "forecast", serde_json::json!([]))
        .await?;
    let forecast = discord.response_final(ask, WAIT).await?.text();
    Ok((summary, forecast.trim().to_owned()))
}

/// One simulated customer: type the order, check out, confirm, hear back.
async fn customer(standin: &TelegramStandIn, user: &User, text: &str) -> anyhow::Result<f64> {
    let (added, _) = exchange(
        standin,
        user,
        || standin.send_text(user, text),
        0,
        "Added",
        0,
    )
    .await?;
    let (ask, _) = exchange(
        standin,
        user,
        || standin.send_text(user, "/checkout"),
        added.message_id,
        "Pickup or delivery",
        0,
    )
    .await?;
    let pickup = button(&ask, "f:p:")?;
    let (summary, _) = exchange(
        standin,
        user,
        || standin.press_button(user, ask.message_id, &pickup),
        ask.message_id,
        "Please check",
        0,
    )
    .await?;
    let ok = button(&summary, "ok:")?;
    let (_, ms) = exchange(
        standin,
        user,
        || standin.press_button(user, summary.message_id, &ok),
        summary.message_id,
        "received",
        0,
    )
    .await?;
    Ok(ms)
}

/// The simulated owner: watches the Discord board and presses the next
/// button on each card (Accept, Preparing, Ready, Completed), pausing a few
/// minutes of shop time between steps, exactly as a person would.
async fn owner(
    settings: Settings,
    discord: chatorder_discord_standin::StandIn,
    tally: Arc<Tally>,
    scale: f64,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    let subjects = settings.subjects();
    let client = chatorder_bus::connect(&settings.nats, "chatorder-demo-owner").await?;
    let mut completed = client
        .subscribe(subjects.event(EventKind::StatusChanged))
        .await?;
    let me = chatorder_discord_standin::User::new(OWNER_ID, "Demo owner");
    // A few minutes of shop time per step.
    let step = Duration::from_secs_f64((180.0 * scale).clamp(0.05, 30.0));
    // Per card: when it was last pressed and how many edits it had then.
    let mut pressed: HashMap<u64, (Instant, u32)> = HashMap::new();
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    loop {
        tokio::select! {
            () = cancel.cancelled() => return Ok(()),
            Some(msg) = completed.next() => {
                if let Ok(Envelope { data: Event::StatusChanged { to: OrderStatus::Completed, .. }, .. }) = decode_event(&msg.payload) {
                    tally.completed.fetch_add(1, Ordering::Relaxed);
                }
            }
            _ = tick.tick() => {
                for card in discord.messages(chatorder_discord_standin::StandIn::CHANNEL_ID) {
                    let buttons = card.buttons();
                    let Some((id, _, _)) = ["Accept", "Preparing", "Ready", "Completed"]
                        .iter()
                        .find_map(|want| buttons.iter().find(|(_, l, d)| l == want && !d))
                    else {
                        continue;
                    };
                    let due = pressed
                        .get(&card.id)
                        .is_none_or(|(at, edits)| card.edits > *edits && at.elapsed() >= step);
                    if due {
                        pressed.insert(card.id, (Instant::now(), card.edits));
                        if let Err(e) = discord.click(&me, card.channel_id, card.id, id).await {
                            eprintln!("  owner could not press a button: {e:#}");
                        }
                    }
                }
            }
        }
    }
}

async fn report(
    settings: &Settings,
    standin: &TelegramStandIn,
    discord_cards: usize,
    tally: &Tally,
    total: usize,
    elapsed: f64,
    received_ms: Vec<f64>,
) -> anyhow::Result<bool> {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Varchar)]
        status: String,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    use diesel_async::RunQueryDsl as _;
    let mut conn = chatorder_db::pool::connect(&settings.database.url).await?;
    let rows: Vec<Row> = diesel::sql_query(format!(
        "SELECT status, COUNT(*) AS n FROM orders WHERE customer_id <> '{}' GROUP BY status ORDER BY status",
        chatorder_db::past_sales::HISTORY_CUSTOMER
    ))
    .load(&mut conn)
    .await?;
    let in_mysql: i64 = rows.iter().map(|r| r.n).sum();
    let received = get(&tally.received);
    let mut confirmed_once = 0;
    let mut confirmed_twice = 0;
    for i in 0..total {
        let n = standin
            .messages(100_000 + i as i64)
            .iter()
            .filter(|m| m.text.contains("received"))
            .count();
        match n {
            1 => confirmed_once += 1,
            0 => {}
            _ => confirmed_twice += 1,
        }
    }
    println!("\ndemo report");
    println!("  replayed orders:                 {total}");
    println!(
        "  customers told \"received\":       {received} ({confirmed_once} exactly once, {confirmed_twice} more than once)"
    );
    println!("  orders in MySQL (not history):   {in_mysql}");
    for r in &rows {
        println!("    {:<12} {}", r.status, r.n);
    }
    println!(
        "  completed by the owner:          {}",
        get(&tally.completed)
    );
    println!("  failed conversations:            {}", get(&tally.failed));
    println!(
        "  {:.1} s, {:.1} orders/s",
        elapsed,
        received as f64 / elapsed.max(1e-9)
    );
    println!(
        "  {}",
        percentiles("Confirm → \"order received\"", received_ms)
    );
    let cards = discord_cards;
    println!("  order board cards on Discord:    {cards}");
    let ok = received == total
        && confirmed_once == total
        && confirmed_twice == 0
        && usize::try_from(in_mysql).is_ok_and(|n| n == total)
        && discord_cards == total;
    println!("  counts match: {}", if ok { "yes" } else { "NO" });
    Ok(ok)
}

fn get(counter: &AtomicUsize) -> usize {
    counter.load(Ordering::Relaxed)
}
