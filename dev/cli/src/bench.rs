//! `chatorder-dev bench orders`: place orders through JetStream exactly as a bot
//! would and measure orders/s and command→event latency, next to the raw
//! MariaDB single-row insert rate of the same server.

use std::collections::HashMap;
use std::future::IntoFuture as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use async_nats::jetstream::{self, message::PublishMessage};
use chatorder_shared::commands::{LineRequest, PlaceOrder};
use chatorder_shared::config::Settings;
use chatorder_shared::domain::{Actor, Fulfilment, Platform, Role, Sku};
use chatorder_shared::envelope::Envelope;
use chatorder_shared::events::{Event, decode_event};
use chatorder_shared::subjects::{CommandKind, EventKind, Subjects};
use diesel_async::RunQueryDsl as _;
use futures::StreamExt as _;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

#[derive(Debug, clap::Args)]
pub struct OrdersArgs {
    /// Orders placed as fast as possible (the throughput phase).
    #[arg(long, default_value_t = 50_000)]
    count: usize,
    /// Simulated customers the orders come from.
    #[arg(long, default_value_t = 500)]
    customers: usize,
    /// Orders per second in the steady phase (0 skips it).
    #[arg(long, default_value_t = 500)]
    steady_rate: u32,
    /// Length of the steady phase.
    #[arg(long, default_value_t = 20)]
    steady_seconds: u32,
    /// Order data to take baskets from (`id,date,time,name,size,type,price`).
    #[arg(long, default_value = "data/pizzaplace-2015-01-to-10.csv.gz")]
    data: PathBuf,
    /// Measure order workers that are already running (same configuration)
    /// instead of starting one in this process on a scratch database.
    #[arg(long)]
    external: bool,
}

/// Baskets (lines per order) from the order data, by order id.
fn load_baskets(path: &std::path::Path) -> anyhow::Result<Vec<Vec<LineRequest>>> {
    let orders = chatorder_db::past_sales::read(path, chrono_tz::UTC)?;
    let mut baskets = Vec::with_capacity(orders.len());
    for order in orders {
        let mut basket: Vec<LineRequest> = Vec::new();
        for (sku, qty, _) in order.lines {
            let sku = Sku::parse(&sku).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            match basket.iter_mut().find(|l| l.sku == sku) {
                Some(l) => l.qty += qty,
                None => basket.push(LineRequest { sku, qty }),
            }
        }
        baskets.push(basket);
    }
    anyhow::ensure!(!baskets.is_empty(), "{} holds no orders", path.display());
    Ok(baskets)
}

pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

struct Phase {
    name: &'static str,
    count: usize,
    /// 0 = as fast as possible.
    rate: u32,
}

pub async fn orders(mut settings: Settings, args: OrdersArgs) -> anyhow::Result<()> {
    let baskets = load_baskets(&args.data)?;
    let cancel = CancellationToken::new();
    let mut worker = None;
    if !args.external {
        scratch(&mut settings).await?;
    }
    let subjects = settings.subjects();
    let client = async_nats::ConnectOptions::new()
        .name("chatorder-bench")
        .subscription_capacity(1 << 20)
        .connect(&settings.nats.url)
        .await
        .with_context(|| format!("connecting to NATS at {}", settings.nats.url))?;
    let js = jetstream::new(client.clone());
    chatorder_bus::ensure_streams(&js, &subjects, &settings.nats).await?;
    if !args.external {
        let s = settings.clone();
        let c = cancel.clone();
        worker = Some(tokio::spawn(async move {
            chatorder_orders::worker::run(s, c).await
        }));
    }

    let insert_rate = raw_insert_rate(&settings).await?;

    let mut phases = vec![Phase {
        name: "throughput",
        count: args.count,
        rate: 0,
    }];
    if args.steady_rate > 0 && args.steady_seconds > 0 {
        phases.push(Phase {
            name: "steady",
            count: (args.steady_rate * args.steady_seconds) as usize,
            rate: args.steady_rate,
        });
    }
    println!(
        "chatorder bench orders: {} baskets from {}, {} customers",
        baskets.len(),
        args.data.display(),
        args.customers
    );
    println!(
        "  worker: {}",
        if args.external {
            "external (already running)"
        } else {
            "in-process, scratch database chatorder_bench"
        }
    );
    let mut offset = 0;
    let mut ok = true;
    for phase in &phases {
        let r = run_phase(
            &client,
            &js,
            &subjects,
            &baskets,
            args.customers.max(1),
            phase,
            offset,
        )
        .await?;
        offset += phase.count;
        ok &= r;
    }
    if !args.external {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = chatorder_db::pool::connect(&settings.database.url).await?;
        let stored = diesel::sql_query("SELECT COUNT(*) AS n FROM orders")
            .get_result::<N>(&mut conn)
            .await?
            .n;
        println!("  orders in MySQL: {stored} (placed {offset})");
        ok &= usize::try_from(stored).is_ok_and(|s| s == offset);
    }
    println!("  mariadb single-row autocommit inserts (1 connection, 3 s): {insert_rate:.0}/s");
    cancel.cancel();
    if let Some(w) = worker {
        let _ = w.await;
    }
    anyhow::ensure!(ok, "some orders were not confirmed; see above");
    Ok(())
}

async fn run_phase(
    client: &async_nats::Client,
    js: &jetstream::Context,
    subjects: &Subjects,
    baskets: &[Vec<LineRequest>],
    customers: usize,
    phase: &Phase,
    offset: usize,
) -> anyhow::Result<bool> {
    // Listen before publishing so no event is missed.
    let mut placed = client.subscribe(subjects.event(EventKind::Placed)).await?;
    let mut rejected = client
        .subscribe(subjects.event(EventKind::Rejected))
        .await?;
    let sent: Arc<Mutex<HashMap<Uuid, Instant>>> =
        Arc::new(Mutex::new(HashMap::with_capacity(phase.count)));
    let subject = subjects.command(Role::Customer, CommandKind::Place);

    let started = Instant::now();
    let publisher = {
        let js = js.clone();
        let sent = sent.clone();
        let baskets = baskets.to_vec();
        let count = phase.count;
        let rate = phase.rate;
        tokio::spawn(async move {
            let mut acks = std::collections::VecDeque::new();
            for i in 0..count {
                if rate > 0 {
                    let due = started + Duration::from_secs_f64(i as f64 / f64::from(rate));
                    tokio::time::sleep_until(due.into()).await;
                }
                let n = offset + i;
                let actor = Actor {
                    role: Role::Customer,
                    platform: Platform::System,
                    id: format!("bench-{}", n % customers),
                    name: Some(format!("Bench customer {}", n % customers)),
                    roles: vec![],
                };
                let cmd = PlaceOrder {
                    lines: baskets[n % baskets.len()].clone(),
                    fulfilment: Fulfilment::Pickup,
                    note: None,
                    phone: None,
                };
                let env = Envelope::new(CommandKind::Place.envelope_type(), actor, cmd);
                sent.lock().await.insert(env.id, Instant::now());
                let msg = PublishMessage::build()
                    .payload(env.to_json().into())
                    .message_id(env.id.to_string());
                acks.push_back(js.send_publish(subject.clone(), msg).await?.into_future());
                while acks.len() > 2000 {
                    if let Some(ack) = acks.pop_front() {
                        ack.await?;
                    }
                }
            }
            while let Some(ack) = acks.pop_front() {
                ack.await?;
            }
            anyhow::Ok(())
        })
    };

    let mut latencies = Vec::with_capacity(phase.count);
    let mut rejected_n = 0usize;
    let mut last = started;
    let deadline =
        Instant::now() + Duration::from_secs(120) + Duration::from_millis(phase.count as u64 * 2);
    while latencies.len() + rejected_n < phase.count {
        let msg = tokio::select! {
            m = placed.next() => m,
            m = rejected.next() => { if m.is_some() { rejected_n += 1; } continue; }
            () = tokio::time::sleep_until(deadline.into()) => break,
        };
        let Some(msg) = msg else { break };
        let now = Instant::now();
        let Ok(env) = decode_event(&msg.payload) else {
            continue;
        };
        let Event::Placed { order } = env.data else {
            continue;
        };
        if let Some(t0) = sent.lock().await.remove(&order.id) {
            latencies.push(now.duration_since(t0).as_secs_f64() * 1000.0);
            last = now;
        }
    }
    publisher.await.context("publisher task")??;
    let elapsed = last.duration_since(started).as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    let done = latencies.len();
    println!(
        "  {:<10} {done}/{} orders confirmed{} in {elapsed:.2} s = {:.0} orders/s; command→event latency ms p50 {:.1} p95 {:.1} p99 {:.1} max {:.1}{}",
        phase.name,
        phase.count,
        if rejected_n > 0 {
            format!(" ({rejected_n} rejected)")
        } else {
            String::new()
        },
        done as f64 / elapsed.max(1e-9),
        percentile(&latencies, 50.0),
        percentile(&latencies, 95.0),
        percentile(&latencies, 99.0),
        percentile(&latencies, 100.0),
        if phase.rate > 0 {
            format!(" (offered {}/s)", phase.rate)
        } else {
            " (offered as fast as possible)".into()
        },
    );
    Ok(done == phase.count)
}

/// Points `settings` at a fresh scratch database (`chatorder_bench`, emptied
/// first), its own stream prefix and Redis prefix, and no metrics endpoint.
pub async fn scratch(settings: &mut Settings) -> anyhow::Result<()> {
    scratch_named(settings, "bench").await?;
    settings.metrics.listen = String::new();
    Ok(())
}

/// Like [`scratch`] for database `chatorder_{name}`, keeping metrics on.
pub async fn scratch_named(settings: &mut Settings, name: &str) -> anyhow::Result<()> {
    let tag = Uuid::now_v7().simple().to_string();
    let tag = &tag[tag.len() - 8..];
    settings.nats.prefix = format!("{name}_{tag}");
    settings.redis.prefix = format!("chatorder-{name}:{tag}:");
    let url = secrecy::ExposeSecret::expose_secret(&settings.database.url).to_owned();
    let base = url
        .rsplit_once('/')
        .map_or(url.as_str(), |(b, _)| b)
        .to_owned();
    settings.database.url = format!("{base}/chatorder_{name}").into();
    settings.database.pool_size = settings.database.pool_size.max(4);
    reset_database(&base, &format!("chatorder_{name}")).await?;
    chatorder_db::prepare(settings).await
}

pub fn percentiles(label: &str, mut ms: Vec<f64>) -> String {
    ms.sort_by(f64::total_cmp);
    format!(
        "{label} ms p50 {:.1} p95 {:.1} p99 {:.1} max {:.1} (n={})",
        percentile(&ms, 50.0),
        percentile(&ms, 95.0),
        percentile(&ms, 99.0),
        percentile(&ms, 100.0),
        ms.len()
    )
}

async fn reset_database(server: &str, db: &str) -> anyhow::Result<()> {
    let mut conn = chatorder_db::pool::connect(&format!("{server}/").into()).await?;
    diesel::sql_query(format!("DROP DATABASE IF EXISTS `{db}`"))
        .execute(&mut conn)
        .await
        .with_context(|| format!("dropping the scratch database {db}"))?;
    Ok(())
}

/// Single-row autocommit inserts on one connection for 3 s.
async fn raw_insert_rate(settings: &Settings) -> anyhow::Result<f64> {
    let mut conn = chatorder_db::pool::connect(&settings.database.url).await?;
    diesel::sql_query(
        "CREATE TABLE IF NOT EXISTS bench_raw_inserts (id BIGINT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(64) NOT NULL)",
    )
    .execute(&mut conn)
    .await?;
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed() < Duration::from_secs(3) {
        diesel::sql_query("INSERT INTO bench_raw_inserts (v) VALUES ('chatorder')")
            .execute(&mut conn)
            .await?;
        n += 1;
    }
    diesel::sql_query("DROP TABLE bench_raw_inserts")
        .execute(&mut conn)
        .await?;
    Ok(n as f64 / started.elapsed().as_secs_f64())
}
