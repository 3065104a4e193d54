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

use chatorder_bus::batch::Outgoing;
use chatorder_kit::nats::{OwnNats, Sync};

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
    /// Which NATS: `both` runs everything twice on NATS servers of its own,
    /// with the default sync and with fsync on every write; `always` or
    /// `default` one of them; `cluster` fsync always on one server and on
    /// a 3-node cluster of its own with 3 replicas of every stream;
    /// `configured` the one in `nats.url` (as `--external` does).
    #[arg(long, value_enum, default_value_t = NatsChoice::Both)]
    nats: NatsChoice,
    /// Commands per atomic batch in the throughput phase (the steady phase
    /// publishes one by one, as customers do); 0 publishes one by one.
    #[arg(long, default_value_t = 500)]
    batch: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum NatsChoice {
    Both,
    Always,
    Default,
    Cluster,
    Configured,
}

/// One NATS of its own to run on: its sync policy and how many nodes.
#[derive(Debug, Clone, Copy)]
struct OwnMode {
    sync: Sync,
    nodes: usize,
}

impl OwnMode {
    fn label(self) -> String {
        if self.nodes == 1 {
            self.sync.label().to_owned()
        } else {
            format!("{}, {} nodes", self.sync.label(), self.nodes)
        }
    }
}

/// What one run on one NATS measured.
struct RunFigures {
    ok: bool,
    throughput: f64,
    steady_p99: Option<f64>,
    single_publishes: f64,
    batch_publishes: f64,
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
    /// Commands per atomic batch; 0 = one by one.
    batch: usize,
}

pub async fn orders(settings: Settings, args: OrdersArgs) -> anyhow::Result<()> {
    let baskets = load_baskets(&args.data)?;
    let one = |sync| Some(OwnMode { sync, nodes: 1 });
    let modes: Vec<Option<OwnMode>> = match (args.external, args.nats) {
        (true, _) | (_, NatsChoice::Configured) => vec![None],
        (false, NatsChoice::Both) => vec![one(Sync::Default), one(Sync::Always)],
        (false, NatsChoice::Always) => vec![one(Sync::Always)],
        (false, NatsChoice::Default) => vec![one(Sync::Default)],
        (false, NatsChoice::Cluster) => vec![
            one(Sync::Always),
            Some(OwnMode {
                sync: Sync::Always,
                nodes: 3,
            }),
        ],
    };
    println!(
        "chatorder bench orders: {} baskets from {}, {} customers, throughput phase in atomic batches of {}",
        baskets.len(),
        args.data.display(),
        args.customers,
        if args.batch > 0 {
            args.batch.to_string()
        } else {
            "1 (one by one)".into()
        }
    );
    let insert_rate = {
        let mut probe = settings.clone();
        if !args.external {
            scratch(&mut probe).await?;
        }
        raw_insert_rate(&probe).await?
    };
    let mut ok = true;
    let mut figures = Vec::new();
    for mode in modes {
        let own = mode
            .map(|m| OwnNats::cluster(m.sync, m.nodes))
            .transpose()?;
        let mut s = settings.clone();
        let label = match (&own, mode) {
            (Some(nats), Some(OwnMode { sync, nodes })) => {
                s.nats.url = nats.url();
                s.nats.stream_replicas = nodes;
                // Batches pay only when every write is fsynced.
                if sync == Sync::Default {
                    s.nats.atomic_batch_from = 0;
                }
                format!(
                    "NATS of its own, {}{} (the worker publishes events {})",
                    sync.label(),
                    if nodes > 1 {
                        format!(", a cluster of {nodes} with {nodes} replicas")
                    } else {
                        String::new()
                    },
                    if s.nats.atomic_batch_from == 0 {
                        "one by one".to_owned()
                    } else {
                        format!("in atomic batches from {}", s.nats.atomic_batch_from)
                    }
                )
            }
            _ => format!(
                "NATS at {}",
                chatorder_shared::config::redact_url(&s.nats.url)
            ),
        };
        println!("{label}:");
        let r = run_on(s, &args, &baskets).await?;
        ok &= r.ok;
        figures.push((mode, r));
    }
    println!("  mariadb single-row autocommit inserts (1 connection, 3 s): {insert_rate:.0}/s");
    println!("summary:");
    for (mode, r) in &figures {
        println!(
            "  {:<24} {:>7.0} orders/s{}; ceilings: acked single publishes {:.0}/s, atomic batches of 500 {:.0} msgs/s; orders/s = {:.1}× the single-publish ceiling",
            mode.map_or_else(|| "configured".to_owned(), OwnMode::label),
            r.throughput,
            r.steady_p99
                .map(|p| format!(", steady p99 {p:.1} ms"))
                .unwrap_or_default(),
            r.single_publishes,
            r.batch_publishes,
            r.throughput / r.single_publishes.max(1e-9),
        );
    }
    if let [(Some(single), a), (Some(cluster), b)] = figures.as_slice()
        && single.nodes == 1
        && cluster.nodes > 1
    {
        println!(
            "  the cluster runs at {:.0}% of one server's orders/s",
            100.0 * b.throughput / a.throughput.max(1e-9)
        );
    }
    anyhow::ensure!(ok, "some orders were not confirmed; see above");
    Ok(())
}

/// The whole benchmark on the NATS of `settings`.
async fn run_on(
    mut settings: Settings,
    args: &OrdersArgs,
    baskets: &[Vec<LineRequest>],
) -> anyhow::Result<RunFigures> {
    let cancel = CancellationToken::new();
    let mut worker = None;
    if !args.external {
        scratch(&mut settings).await?;
    }
    let subjects = settings.subjects();
    let client = async_nats::ConnectOptions::new()
        .name("chatorder-bench")
        .subscription_capacity(1 << 20)
        .connect(chatorder_bus::server_addrs(&settings.nats.url)?.as_slice())
        .await
        .with_context(|| format!("connecting to NATS at {}", settings.nats.url))?;
    let js = jetstream::new(client.clone());
    chatorder_bus::ensure_streams(&js, &subjects, &settings.nats).await?;
    let (single_publishes, batch_publishes) = raw_publish_rates(&js, &subjects).await?;
    if !args.external {
        let s = settings.clone();
        let c = cancel.clone();
        worker = Some(tokio::spawn(async move {
            chatorder_orders::worker::run(s, c).await
        }));
    }

    let mut phases = vec![Phase {
        name: "throughput",
        count: args.count,
        rate: 0,
        batch: args.batch,
    }];
    if args.steady_rate > 0 && args.steady_seconds > 0 {
        phases.push(Phase {
            name: "steady",
            count: (args.steady_rate * args.steady_seconds) as usize,
            rate: args.steady_rate,
            batch: 0,
        });
    }
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
    let mut throughput = 0.0;
    let mut steady_p99 = None;
    for phase in &phases {
        let r = run_phase(
            &client,
            &js,
            &subjects,
            baskets,
            args.customers.max(1),
            phase,
            offset,
        )
        .await?;
        offset += phase.count;
        ok &= r.all_confirmed;
        if phase.rate == 0 {
            throughput = r.per_second;
        } else {
            steady_p99 = Some(r.p99);
        }
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
    println!(
        "  raw NATS ceilings on this server: acked single publishes (256 in flight) {single_publishes:.0}/s; atomic batches of 500: {batch_publishes:.0} msgs/s"
    );
    cancel.cancel();
    if let Some(w) = worker {
        let _ = w.await;
        // The scratch cache would otherwise stay in Redis: 50,000 orders
        // leave about 250,000 keys, and Redis is shared with everything
        // else on the machine.
        if let Err(e) = forget_scratch_keys(&settings).await {
            println!("  could not clear the scratch keys in Redis: {e:#}");
        }
    }
    Ok(RunFigures {
        ok,
        throughput,
        steady_p99,
        single_publishes,
        batch_publishes,
    })
}

/// Deletes every Redis key under the run's scratch prefix.
async fn forget_scratch_keys(settings: &Settings) -> anyhow::Result<()> {
    use secrecy::ExposeSecret as _;
    let client = redis::Client::open(settings.redis.url.expose_secret())?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    let pattern = format!("{}*", settings.redis.prefix);
    let mut cursor: u64 = 0;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(5000)
            .query_async(&mut conn)
            .await?;
        if !keys.is_empty() {
            let () = redis::cmd("UNLINK")
                .arg(keys)
                .query_async(&mut conn)
                .await?;
        }
        if next == 0 {
            return Ok(());
        }
        cursor = next;
    }
}

/// The server's raw publish rates on a scratch stream: acked single
/// publishes with 256 in flight, and atomic batches of 500 (5,000 messages
/// of about an order's size each).
async fn raw_publish_rates(
    js: &jetstream::Context,
    subjects: &Subjects,
) -> anyhow::Result<(f64, f64)> {
    let name = subjects.stream("BENCH_RAW");
    let subject = format!("{}bench.raw", subjects.prefix());
    js.create_or_update_stream(jetstream::stream::Config {
        name: name.clone(),
        subjects: vec![subject.clone()],
        allow_atomic_publish: true,
        ..Default::default()
    })
    .await
    .context("creating the scratch stream BENCH_RAW")?;
    let payload: bytes::Bytes = vec![b'x'; 600].into();
    let n = 5_000usize;
    let started = Instant::now();
    let mut acks = std::collections::VecDeque::new();
    for i in 0..n {
        let msg = PublishMessage::build()
            .payload(payload.clone())
            .message_id(format!("single-{i}"));
        acks.push_back(js.send_publish(subject.clone(), msg).await?.into_future());
        while acks.len() >= 256 {
            if let Some(a) = acks.pop_front() {
                a.await?;
            }
        }
    }
    while let Some(a) = acks.pop_front() {
        a.await?;
    }
    let singles = n as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let batch: Vec<Outgoing> = chunk
            .iter()
            .map(|i| Outgoing {
                subject: subject.clone(),
                msg_id: format!("batch-{i}"),
                payload: payload.clone(),
            })
            .collect();
        chatorder_bus::batch::publish_atomic(js, &batch).await?;
    }
    let batches = n as f64 / started.elapsed().as_secs_f64();
    let _ = js.delete_stream(&name).await;
    Ok((singles, batches))
}

/// What one phase measured.
struct PhaseFigures {
    all_confirmed: bool,
    per_second: f64,
    p99: f64,
}

async fn run_phase(
    client: &async_nats::Client,
    js: &jetstream::Context,
    subjects: &Subjects,
    baskets: &[Vec<LineRequest>],
    customers: usize,
    phase: &Phase,
    offset: usize,
) -> anyhow::Result<PhaseFigures> {
    let batch = phase.batch;
    // Listen before publishing so no event is missed.
    let mut placed = client.subscribe(subjects.event(EventKind::Placed)).await?;
    let mut rejected = client
        .subscribe(subjects.event(EventKind::Rejected))
        .await?;
    let sent: Arc<Mutex<HashMap<Uuid, Instant>>> =
        Arc::new(Mutex::new(HashMap::with_capacity(phase.count)));
    let subject = subjects.command(Role::Customer, CommandKind::Place);

    let cpu = crate::cpu::Sample::take();
    let started = Instant::now();
    let publisher = {
        let js = js.clone();
        let sent = sent.clone();
        let baskets = baskets.to_vec();
        let count = phase.count;
        let rate = phase.rate;
        tokio::spawn(async move {
            let mut acks = std::collections::VecDeque::new();
            let mut pending: Vec<Outgoing> = Vec::with_capacity(batch);
            let mut pending_ids: Vec<Uuid> = Vec::with_capacity(batch);
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
                    promo: None,
                    payment: None,
                    scheduled_for: None,
                };
                let env = Envelope::new(CommandKind::Place.envelope_type(), actor, cmd);
                if batch > 0 {
                    pending.push(Outgoing {
                        subject: subject.clone(),
                        msg_id: env.id.to_string(),
                        payload: env.to_json().into(),
                    });
                    pending_ids.push(env.id);
                    if pending.len() >= batch || i + 1 == count {
                        let at = Instant::now();
                        sent.lock()
                            .await
                            .extend(pending_ids.drain(..).map(|id| (id, at)));
                        if let Err(e) = chatorder_bus::batch::publish_atomic(&js, &pending).await {
                            tracing::warn!(error = %e, "publishing the batch one by one");
                            chatorder_bus::batch::publish_each(&js, &pending).await;
                        }
                        pending.clear();
                    }
                    continue;
                }
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
    if let Some(line) = cpu.and_then(|c| c.per_order(done)) {
        println!("{line}");
    }
    Ok(PhaseFigures {
        all_confirmed: done == phase.count,
        per_second: done as f64 / elapsed.max(1e-9),
        p99: percentile(&latencies, 99.0),
    })
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
