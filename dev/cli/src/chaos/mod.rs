//! `chatorder-dev chaos`: the fault-injection run. Simulated customers place
//! orders (20,000 by default) through the real Telegram bot on the local
//! stand-in while a simulated owner moves every order along on the real
//! Discord bot's board. Meanwhile the run SIGKILLs order workers, kills and
//! restarts NATS, stops MariaDB and Redis for 10 s each, restarts both bots
//! and sends malformed commands. It starts its own NATS, MariaDB and Redis
//! (free loopback ports, own data directories) and runs every component as
//! its own process, so the machine's services are never touched. At the end
//! it proves, from MySQL, the customers' chats and the board, that nothing
//! was lost or doubled, and reports how long customers waited during each
//! fault. See docs/reliability.md.

mod customers;
mod owner;
mod procs;
mod verify;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use async_nats::jetstream;
use chatorder_shared::config::Settings;
use chatorder_shared::domain::Role;
use chatorder_shared::events::CatalogItem;
use chatorder_shared::subjects::CommandKind;
use chatorder_telegram_standin::{TOKEN, TelegramStandIn, User};
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

use chatorder_kit::servers::{OwnServers, Which};
use customers::{Crowd, Heard, Tally, Wait, get};
use procs::Proc;

#[derive(Debug, clap::Args)]
pub struct ChaosArgs {
    /// Orders the simulated customers place.
    #[arg(long, default_value_t = 20_000)]
    orders: usize,
    /// Orders started per second.
    #[arg(long, default_value_t = 50.0)]
    rate: f64,
    /// Customers the orders come from (default: one per two orders).
    #[arg(long)]
    customers: Option<usize>,
    /// Order-worker processes (replicas on the one durable consumer).
    #[arg(long, default_value_t = 2)]
    workers: usize,
    /// Pause of the owner between a card's change and the next press.
    #[arg(long, default_value_t = 300)]
    owner_pause_ms: u64,
    /// Order data whose baskets the customers order.
    #[arg(long, default_value = "data/pizzaplace-2015-01-to-10.csv.gz")]
    data: PathBuf,
    /// Keep the run's directory (servers' data, each process's log) even
    /// when every check passes; it is always kept when one fails.
    #[arg(long)]
    keep: bool,
    /// Run on a 3-node NATS cluster with 3 replicas of every stream and
    /// bucket: one node is SIGKILLed and restarted, then the node leading
    /// the command stream (instead of restarting the one NATS).
    #[arg(long)]
    cluster: bool,
    /// The components' log filter (their logs are in the run directory),
    /// e.g. `warn,chatorder_telegram=debug` to follow each Telegram update.
    #[arg(long, default_value = "warn")]
    child_log: String,
}

const OWNER_ID: u64 = 900_300;
const FIRST_CUSTOMER: i64 = 3_000_000;

/// The faults, each once the given share of orders has started.
#[derive(Debug, Clone, Copy)]
enum Fault {
    KillWorker(usize),
    KillAllWorkers,
    /// The one NATS: SIGKILL, start again after 1 s.
    RestartNats,
    /// One node of the cluster: SIGKILL, start again after 5 s.
    KillNatsNode(usize),
    /// The cluster node leading the command stream: SIGKILL, start again
    /// after 5 s.
    KillCommandLeader,
    MariadbDown,
    RedisDown,
    RestartTelegramBot,
    KillTelegramBot,
    RestartDiscordBot,
    KillDiscordBot,
    Malformed,
}

/// The faults of a run, on one NATS or on a cluster of three.
fn plan(cluster: bool) -> Vec<(f64, Fault)> {
    let nats: &[(f64, Fault)] = if cluster {
        &[
            (0.12, Fault::KillNatsNode(2)),
            (0.18, Fault::KillCommandLeader),
        ]
    } else {
        &[(0.14, Fault::RestartNats)]
    };
    let mut plan = vec![
        (0.06, Fault::KillWorker(0)),
        (0.24, Fault::KillWorker(1)),
        (0.32, Fault::MariadbDown),
        (0.44, Fault::KillAllWorkers),
        (0.50, Fault::Malformed),
        (0.56, Fault::RedisDown),
        (0.62, Fault::RestartTelegramBot),
        (0.68, Fault::KillTelegramBot),
        (0.75, Fault::RestartDiscordBot),
        (0.81, Fault::KillDiscordBot),
        (0.88, Fault::KillWorker(0)),
    ];
    plan.extend_from_slice(nats);
    plan.sort_by(|a, b| a.0.total_cmp(&b.0));
    plan
}

/// A fault as it happened: what, and from when to when (since the start).
struct Window {
    what: String,
    from: Duration,
    to: Duration,
}

struct Procs {
    workers: Vec<Proc>,
    telegram: Proc,
    discord: Proc,
}

impl Procs {
    fn all(&mut self) -> impl Iterator<Item = &mut Proc> {
        self.workers
            .iter_mut()
            .chain([&mut self.telegram, &mut self.discord])
    }
}

pub async fn run(settings: Settings, args: ChaosArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.orders > 0, "--orders must be at least 1");
    anyhow::ensure!(
        args.rate > 0.0 && args.rate.is_finite(),
        "--rate must be a positive number of orders per second"
    );
    anyhow::ensure!(
        args.workers >= 2,
        "--workers must be at least 2 (one is killed while another runs)"
    );
    let tz = settings.shop.time_zone;
    let history = chatorder_db::past_sales::read(&args.data, tz)
        .with_context(|| format!("reading baskets from {}", args.data.display()))?;

    // Two runs started in the same second (the test suite's) must not
    // share servers' data: the process id tells them apart.
    let run_dir = std::env::temp_dir().join(format!(
        "chatorder-chaos-{}-{}",
        chrono::Utc::now().format("%Y%m%d-%H%M%S"),
        std::process::id()
    ));
    let logs = run_dir.join("logs");
    std::fs::create_dir_all(&logs).with_context(|| format!("creating {}", logs.display()))?;
    println!(
        "chatorder chaos: {} orders at {}/s; run directory {}",
        args.orders,
        args.rate,
        run_dir.display()
    );

    let nodes = if args.cluster { 3 } else { 1 };
    let mut own = tokio::task::block_in_place(|| {
        OwnServers::start_with_nats_nodes(run_dir.join("servers"), nodes)
    })?;
    own.keep = true;
    println!(
        "  own servers: NATS {} ({}), MariaDB {}, Redis {}",
        own.nats_url(),
        if args.cluster {
            "a cluster of 3, every stream and bucket with 3 replicas"
        } else {
            "one node"
        },
        own.db_url(""),
        own.redis_url()
    );
    let standin = Arc::new(
        TelegramStandIn::start()
            .await
            .context("starting the Telegram stand-in")?,
    );
    let discord = chatorder_discord_standin::StandIn::start()
        .await
        .context("starting the Discord stand-in")?;

    let mut settings = settings;
    settings.nats.url = own.nats_url();
    settings.nats.prefix = String::new();
    settings.nats.stream_replicas = nodes;
    settings.database.url = own.db_url("chatorder_chaos").into();
    settings.redis.url = own.redis_url().into();
    settings.catalog.seed_file = std::path::absolute(&settings.catalog.seed_file)?;
    chatorder_db::prepare(&settings).await?;
    streams_ready(&settings).await?;
    let config_dir = write_config(&run_dir, &settings, &args.child_log, &standin, &discord)?;

    let mut conn = chatorder_db::pool::connect(&settings.database.url).await?;
    let items: BTreeMap<String, CatalogItem> = chatorder_db::read::catalog(&mut conn)
        .await?
        .into_iter()
        .map(|i| (i.sku.to_string(), i))
        .collect();
    let customers = args.customers.unwrap_or(args.orders.div_ceil(2)).max(1);
    let (intents, skipped) =
        customers::intents(&history, &items, args.orders, customers, FIRST_CUSTOMER)?;
    println!(
        "  {} orders from {customers} customers, baskets from {} ({skipped} baskets skipped: the bot would ask which one)",
        intents.len(),
        args.data.display()
    );

    let mut procs = Procs {
        workers: (0..args.workers)
            .map(|k| {
                Proc::new(
                    &format!("worker-{k}"),
                    &["worker", "orders"],
                    &config_dir,
                    &logs,
                )
            })
            .collect(),
        telegram: Proc::new("telegram-bot", &["bot", "telegram"], &config_dir, &logs),
        discord: Proc::new("discord-bot", &["bot", "discord"], &config_dir, &logs),
    };
    for p in procs.all() {
        p.start()?;
    }
    wait_bot_ready(&standin).await?;
    discord
        .wait_ready(Duration::from_secs(60))
        .await
        .context("the Discord bot did not connect to the stand-in")?;
    // The board's consumer starts from "new" events: make sure it exists
    // before the first order (on a cluster it takes a moment).
    consumer_ready(&settings, chatorder_discord::feeds::EVENTS_DURABLE).await?;
    println!(
        "  components up: {} order workers, the Telegram bot and the Discord bot, each its own process",
        args.workers
    );

    // The owner, and the customers.
    let cancel = CancellationToken::new();
    let owner = tokio::spawn(owner::run(
        discord.clone(),
        chatorder_discord_standin::User::new(OWNER_ID, "Chaos owner"),
        Duration::from_millis(args.owner_pause_ms),
        cancel.clone(),
    ));
    let started = Instant::now();
    println!(
        "customers start at {} UTC (the report's times count from here; the logs say UTC)",
        chrono::Utc::now().format("%H:%M:%S%.3f")
    );
    let crowd = Arc::new(Crowd {
        standin: standin.clone(),
        tally: Tally::default(),
        waits: Mutex::new(Vec::new()),
        started,
    });
    let mut per_customer: HashMap<i64, Vec<(usize, customers::Intent, Instant)>> = HashMap::new();
    for (k, intent) in intents.iter().enumerate() {
        let due = started + Duration::from_secs_f64(k as f64 / args.rate);
        per_customer
            .entry(intent.customer)
            .or_default()
            .push((k, intent.clone(), due));
    }
    let mut tasks = Vec::new();
    for (id, mine) in per_customer {
        let crowd = crowd.clone();
        let user = User::new(id, &format!("Guest{id}"));
        tasks.push(tokio::spawn(
            async move { crowd.customer(user, mine).await },
        ));
    }

    // The faults, as the orders flow.
    let nats = chatorder_bus::connect(&settings.nats, "chatorder-chaos").await?;
    let js = jetstream::new(nats);
    let mut windows = Vec::new();
    let mut malformed = Vec::new();
    let mut cut_short = Vec::new();
    let mut crashes = Vec::new();
    let total = intents.len();
    let mut progress = tokio::time::interval(Duration::from_secs(5));
    for (share, fault) in plan(args.cluster) {
        loop {
            tokio::select! {
                _ = progress.tick() => print_progress(&crowd.tally, total, started),
                () = tokio::time::sleep(Duration::from_millis(200)) => {}
            }
            watch(&mut procs, &mut crashes)?;
            if get(&crowd.tally.started) as f64 >= share * total as f64 {
                break;
            }
        }
        let from = started.elapsed();
        let what = inject(
            fault,
            &mut Stage {
                own: &mut own,
                procs: &mut procs,
                js: &js,
                settings: &settings,
                standin: &standin,
                discord: &discord,
            },
            &mut malformed,
            &mut cut_short,
        )
        .await?;
        let to = started.elapsed();
        println!(
            "  [{:>6.1} s] fault: {what} ({:.1} s)",
            from.as_secs_f64(),
            (to - from).as_secs_f64()
        );
        windows.push(Window { what, from, to });
    }
    let mut outcomes = vec![Heard::default(); total];
    let mut pending = tasks;
    while !pending.is_empty() {
        tokio::select! {
            _ = progress.tick() => print_progress(&crowd.tally, total, started),
            () = tokio::time::sleep(Duration::from_millis(200)) => {}
        }
        watch(&mut procs, &mut crashes)?;
        let (done, rest): (Vec<_>, Vec<_>) = pending.into_iter().partition(|t| t.is_finished());
        pending = rest;
        for t in done {
            for (k, o) in t.await.context("a customer task failed")? {
                outcomes[k] = o;
            }
        }
    }
    let chatting = started.elapsed();
    print_progress(&crowd.tally, total, started);
    // MariaDB was restarted: a new connection for the checks.
    drop(conn);
    let mut conn = chatorder_db::pool::connect(&settings.database.url).await?;

    // Let the owner finish and every notification arrive.
    let received: usize = outcomes.iter().filter(|o| o.number.is_some()).count();
    let settle = Instant::now() + Duration::from_secs(300);
    loop {
        watch(&mut procs, &mut crashes)?;
        let completed = count(
            &mut conn,
            "SELECT COUNT(*) AS n FROM orders WHERE status = 'completed'",
        )
        .await?;
        let outbox = count(&mut conn, "SELECT COUNT(*) AS n FROM outbox").await?;
        let told_complete = outcomes
            .iter()
            .zip(&intents)
            .filter_map(|(o, i)| Some((o.number?, i.customer)))
            .filter(|(n, chat)| {
                standin
                    .messages(*chat)
                    .iter()
                    .any(|m| m.text.starts_with(&format!("Order #{n} is complete.")))
            })
            .count();
        // A send a SIGKILL cut short is made again once its mark lapses
        // (a minute), after later news of the same order: wait for it too.
        let underway = sending_marks(&js, &settings).await.map_or(1, |m| m.len());
        // A notification a stopped bot handed back comes again only after
        // its ack wait, perhaps after the order's last news: wait until the
        // bot's feed has nothing left to deliver.
        let drained = feed_drained(&js, &settings, chatorder_telegram::notify::DURABLE).await;
        if (completed as usize >= received
            && told_complete >= received
            && outbox == 0
            && underway == 0
            && drained)
            || Instant::now() >= settle
        {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    // A little longer: a doubled notification would arrive now.
    tokio::time::sleep(Duration::from_secs(3)).await;
    cancel.cancel();
    let board = owner.await.context("the owner task failed")?;

    // Gather and check.
    let stored = verify::stored_orders(&mut conn).await?;
    let outbox = count(&mut conn, "SELECT COUNT(*) AS n FROM outbox").await?;
    let dead = dead_letters(&js, &settings).await?;
    let checks = verify::checks(&verify::Inputs {
        intents: &intents,
        outcomes: &outcomes,
        items: &items,
        stored: &stored,
        standin: &standin,
        cards: &board.cards,
        outbox,
        dead: &dead,
        malformed: &malformed,
        cut_short: &cut_short,
    });
    for p in procs.all() {
        p.stop().await;
    }
    let waits = crowd.waits.lock().await.clone();
    let starts: Vec<String> = procs
        .all()
        .map(|p| format!("{} {}", p.name, p.starts))
        .collect();
    let ok = report(&ReportInput {
        crowd: &crowd,
        total,
        received,
        chatting,
        windows: &windows,
        waits: &waits,
        checks: &checks,
        board: &board,
        crashes: &crashes,
        starts: starts.join(", "),
    });
    if ok && !args.keep {
        drop(own);
        let _ = std::fs::remove_dir_all(&run_dir);
    } else {
        println!(
            "  run directory kept: {} (servers' data, logs/)",
            run_dir.display()
        );
    }
    anyhow::ensure!(ok, "the chaos run failed a check; see the report");
    Ok(())
}

/// The children's configuration: the project's defaults plus an overlay
/// pointing everything at our own servers and the stand-ins.
fn write_config(
    run_dir: &Path,
    settings: &Settings,
    log_filter: &str,
    standin: &TelegramStandIn,
    discord: &chatorder_discord_standin::StandIn,
) -> anyhow::Result<PathBuf> {
    use secrecy::ExposeSecret as _;
    let source = std::env::var_os("CHATORDER_CONFIG_DIR")
        .map_or_else(|| PathBuf::from("config"), PathBuf::from);
    let dir = run_dir.join("config");
    std::fs::create_dir_all(&dir)?;
    std::fs::copy(source.join("default.toml"), dir.join("default.toml"))
        .with_context(|| format!("copying {}/default.toml", source.display()))?;
    let overlay = serde_json::json!({
        "nats": {
            "url": settings.nats.url,
            "prefix": "",
            "stream_replicas": settings.nats.stream_replicas,
        },
        "database": {
            "url": settings.database.url.expose_secret(),
            "migrate_on_start": false,
        },
        "redis": { "url": settings.redis.url.expose_secret() },
        "telegram": {
            "token": TOKEN,
            "api_url": standin.api_url(),
            "rate_limit": false,
            "max_orders_per_hour": 1_000_000,
        },
        "discord": {
            "token": "local-standin",
            "api_url": discord.url(),
            "channel_id": chatorder_discord_standin::StandIn::CHANNEL_ID,
            "owner_user_ids": [OWNER_ID.to_string()],
        },
        "metrics": { "listen": "" },
        "shop": { "always_open": true },
        "catalog": { "seed_file": settings.catalog.seed_file.display().to_string() },
        "log": { "format": "text", "filter": log_filter },
    });
    std::fs::write(dir.join("chaos.toml"), toml::to_string(&overlay)?)?;
    Ok(dir)
}

/// Asks `ask` until it answers, every 500 ms for up to 60 s (a cluster
/// that just started or lost a node may not answer at once); the last
/// error, with `what`, if it never does.
async fn within_a_minute<T, F: std::future::Future<Output = anyhow::Result<T>>>(
    what: &str,
    mut ask: impl FnMut() -> F,
) -> anyhow::Result<T> {
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        match ask().await {
            Ok(v) => return Ok(v),
            Err(e) if Instant::now() >= until => {
                return Err(e.context(format!("{what} (tried for 60 s)")));
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
}

/// Waits until JetStream takes the streams (a new cluster elects its
/// leaders first), so no component starts before it can.
async fn streams_ready(settings: &Settings) -> anyhow::Result<()> {
    within_a_minute("JetStream did not take the streams", || async {
        let client = chatorder_bus::connect(&settings.nats, "chatorder-chaos").await?;
        let js = jetstream::new(client);
        chatorder_bus::ensure_streams(&js, &settings.subjects(), &settings.nats).await
    })
    .await
}

/// Waits until the durable consumer `name` of the events stream exists.
async fn consumer_ready(settings: &Settings, name: &str) -> anyhow::Result<()> {
    let client = chatorder_bus::connect(&settings.nats, "chatorder-chaos").await?;
    let js = jetstream::new(client);
    let stream_name = settings.subjects().events_stream();
    within_a_minute(
        &format!("the consumer {name} on {stream_name} did not appear"),
        || async {
            js.get_stream(&stream_name)
                .await?
                .get_consumer::<jetstream::consumer::pull::Config>(name)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(())
        },
    )
    .await
}

/// The cluster node that leads the command stream now.
async fn command_leader(js: &jetstream::Context, settings: &Settings) -> anyhow::Result<usize> {
    let name = settings.subjects().commands_stream();
    let leader = within_a_minute(&format!("finding the leader of {name}"), || async {
        let mut stream = js.get_stream(&name).await?;
        let info = stream.info().await?;
        info.cluster
            .as_ref()
            .and_then(|c| c.leader.clone())
            .with_context(|| format!("{name} has no leader now"))
    })
    .await?;
    (0..3)
        .find(|&k| OwnServers::nats_node_name(k) == leader)
        .with_context(|| format!("{name} is led by `{leader}`, not a node of ours"))
}

/// SIGKILL NATS node `k`, and start it again after 5 s.
async fn bounce_nats_node(own: &mut OwnServers, k: usize) -> anyhow::Result<()> {
    own.kill_nats_node(k);
    tokio::time::sleep(Duration::from_secs(5)).await;
    tokio::task::block_in_place(|| own.up_nats_node(k))
}

/// The Telegram bot's "sending" marks: after a SIGKILL, the notifications
/// whose send it had begun and not finished (Telegram may or may not have
/// them; they will be sent again).
/// Whether the durable consumer `name` of the events stream has delivered
/// everything and has nothing waiting for an acknowledgement.
async fn feed_drained(js: &jetstream::Context, settings: &Settings, name: &str) -> bool {
    let Ok(stream) = js.get_stream(settings.subjects().events_stream()).await else {
        return false;
    };
    let Ok(mut consumer) = stream
        .get_consumer::<jetstream::consumer::pull::Config>(name)
        .await
    else {
        return false;
    };
    consumer
        .info()
        .await
        .is_ok_and(|i| i.num_pending == 0 && i.num_ack_pending == 0)
}

async fn sending_marks(
    js: &jetstream::Context,
    settings: &Settings,
) -> anyhow::Result<Vec<(i64, String)>> {
    use chatorder_telegram::receipts::{BUCKET, Mark, sending_marks};
    let store = js
        .get_key_value(settings.subjects().stream(BUCKET))
        .await
        .context("opening the Telegram bot's receipts")?;
    Ok(sending_marks(&store)
        .await?
        .into_iter()
        .filter_map(|m| match m {
            Mark::Sending { chat, about, .. } => Some((chat, about)),
            Mark::Sent => None,
        })
        .collect())
}

/// Waits until the Telegram bot answers /menu (so the order workers answer
/// its queries too).
async fn wait_bot_ready(standin: &TelegramStandIn) -> anyhow::Result<()> {
    let probe = User::new(1, "Probe");
    let ready = Instant::now() + Duration::from_secs(120);
    loop {
        let after = standin
            .messages(probe.id)
            .last()
            .map_or(0, |m| m.message_id);
        standin.send_text(&probe, "/menu");
        if standin
            .wait_for(probe.id, Duration::from_secs(2), |m| {
                m.message_id > after && m.text.contains("pick a category")
            })
            .await
            .is_some()
        {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < ready,
            "the Telegram bot did not answer /menu within 2 minutes; see the logs of the run directory"
        );
    }
}

/// A component that died by itself is a finding: note it and start it again.
fn watch(procs: &mut Procs, crashes: &mut Vec<String>) -> anyhow::Result<()> {
    for p in procs.all() {
        if let Some(status) = p.exited() {
            crashes.push(format!(
                "{} (start {}) exited by itself: {status}",
                p.name, p.starts
            ));
            p.start()?;
        }
    }
    Ok(())
}

/// What faults are injected into.
struct Stage<'a> {
    own: &'a mut OwnServers,
    procs: &'a mut Procs,
    js: &'a jetstream::Context,
    settings: &'a Settings,
    standin: &'a TelegramStandIn,
    discord: &'a chatorder_discord_standin::StandIn,
}

/// Injects one fault; returns once the system is back (servers listening,
/// bots answering again), so the fault's window covers the outage.
async fn inject(
    fault: Fault,
    stage: &mut Stage<'_>,
    malformed: &mut Vec<Vec<u8>>,
    cut_short: &mut Vec<(i64, String)>,
) -> anyhow::Result<String> {
    let Stage {
        own,
        procs,
        js,
        settings,
        standin,
        discord,
    } = stage;
    Ok(match fault {
        Fault::KillWorker(k) => {
            let w = &mut procs.workers[k];
            w.kill().await;
            tokio::time::sleep(Duration::from_secs(2)).await;
            w.start()?;
            format!("SIGKILL {} (restarted after 2 s)", w.name)
        }
        Fault::KillAllWorkers => {
            for w in &mut procs.workers {
                w.kill().await;
            }
            tokio::time::sleep(Duration::from_secs(3)).await;
            for w in &mut procs.workers {
                w.start()?;
            }
            "SIGKILL every order worker (restarted after 3 s)".to_owned()
        }
        Fault::RestartNats => {
            own.kill(Which::Nats);
            tokio::time::sleep(Duration::from_secs(1)).await;
            tokio::task::block_in_place(|| own.up(Which::Nats))?;
            "SIGKILL NATS, restarted after 1 s".to_owned()
        }
        Fault::KillNatsNode(k) => {
            bounce_nats_node(own, k).await?;
            format!(
                "SIGKILL NATS node {}, restarted after 5 s",
                OwnServers::nats_node_name(k)
            )
        }
        Fault::KillCommandLeader => {
            let k = command_leader(js, settings).await?;
            bounce_nats_node(own, k).await?;
            format!(
                "SIGKILL the command stream's leader (NATS node {}), restarted after 5 s",
                OwnServers::nats_node_name(k)
            )
        }
        Fault::MariadbDown => {
            own.kill(Which::Mariadb);
            tokio::time::sleep(Duration::from_secs(10)).await;
            tokio::task::block_in_place(|| own.up(Which::Mariadb))?;
            "MariaDB killed, down 10 s".to_owned()
        }
        Fault::RedisDown => {
            tokio::task::block_in_place(|| own.stop(Which::Redis));
            tokio::time::sleep(Duration::from_secs(10)).await;
            tokio::task::block_in_place(|| own.up(Which::Redis))?;
            "Redis stopped, down 10 s".to_owned()
        }
        Fault::RestartTelegramBot => {
            procs.telegram.stop().await;
            procs.telegram.start()?;
            wait_bot_ready(standin).await?;
            "Telegram bot restarted (SIGTERM, start, answers again)".to_owned()
        }
        Fault::KillTelegramBot => {
            procs.telegram.kill().await;
            let marks = sending_marks(js, settings).await?;
            let n = marks.len();
            cut_short.extend(marks);
            procs.telegram.start()?;
            wait_bot_ready(standin).await?;
            format!("SIGKILL the Telegram bot ({n} sends cut short), restarted")
        }
        Fault::KillDiscordBot | Fault::RestartDiscordBot => {
            let killed = matches!(fault, Fault::KillDiscordBot);
            let sessions = discord.sessions();
            if killed {
                procs.discord.kill().await;
            } else {
                procs.discord.stop().await;
            }
            procs.discord.start()?;
            discord
                .wait_sessions(sessions + 1, Duration::from_secs(60))
                .await
                .context("the Discord bot did not connect again")?;
            if killed {
                "SIGKILL the Discord bot, restarted".to_owned()
            } else {
                "Discord bot restarted (SIGTERM, start, connected again)".to_owned()
            }
        }
        Fault::Malformed => {
            let subjects = settings.subjects();
            let junk: [&[u8]; 5] = [
                b"chaos malformed 1: not JSON at all",
                b"{\"chaos\": 2}",
                b"{\"v\": 1, \"type\": \"order.place\", \"chaos\": 3}",
                b"[\"chaos\", 4]",
                b"{\"v\": 99, \"id\": \"chaos-5\", \"type\": \"order.place\"}",
            ];
            for payload in junk {
                js.publish(
                    subjects.command(Role::Customer, CommandKind::Place),
                    payload.to_vec().into(),
                )
                .await?
                .await
                .context("publishing a malformed command")?;
                malformed.push(payload.to_vec());
            }
            format!("{} malformed commands published", junk.len())
        }
    })
}

async fn count(conn: &mut chatorder_db::pool::Conn, sql: &str) -> anyhow::Result<i64> {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    use diesel_async::RunQueryDsl as _;
    let rows: Vec<Count> = diesel::sql_query(sql).load(conn).await?;
    Ok(rows.into_iter().next().map_or(0, |c| c.n))
}

async fn dead_letters(
    js: &jetstream::Context,
    settings: &Settings,
) -> anyhow::Result<Vec<Vec<u8>>> {
    let name = settings.subjects().dead_letter_stream();
    let Ok(mut stream) = js.get_stream(&name).await else {
        return Ok(Vec::new());
    };
    let state = stream.info().await?.state.clone();
    let mut out = Vec::new();
    if state.messages == 0 {
        return Ok(out);
    }
    for seq in state.first_sequence..=state.last_sequence {
        if let Ok(m) = stream.get_raw_message(seq).await {
            out.push(m.payload.to_vec());
        }
    }
    Ok(out)
}

fn print_progress(t: &Tally, total: usize, started: Instant) {
    println!(
        "  [{:>6.1} s] started {:>5}/{total}  received {:>5}  failed {}  Confirm retried {}",
        started.elapsed().as_secs_f64(),
        get(&t.started),
        get(&t.received),
        get(&t.failed),
        get(&t.retried_confirms),
    );
}

struct ReportInput<'a> {
    crowd: &'a Crowd,
    total: usize,
    received: usize,
    chatting: Duration,
    windows: &'a [Window],
    waits: &'a [Wait],
    checks: &'a [verify::Check],
    board: &'a owner::BoardSeen,
    crashes: &'a [String],
    starts: String,
}

fn report(r: &ReportInput<'_>) -> bool {
    println!("\nchaos report");
    println!(
        "  orders: {} placed by customers, {} told \"received\", {} failed; {:.0} s of chatting ({:.1} orders/s)",
        r.total,
        r.received,
        get(&r.crowd.tally.failed),
        r.chatting.as_secs_f64(),
        r.received as f64 / r.chatting.as_secs_f64().max(1e-9)
    );
    println!(
        "  customers tried again {} times after \"can't reach the shop\"",
        get(&r.crowd.tally.retried_confirms)
    );
    println!(
        "  owner: {} presses on {} cards ({} refused while the Discord bot was away, {} repeated after 15 s without effect)",
        r.board.presses,
        r.board.cards.len(),
        r.board.refused,
        r.board.repeated
    );
    println!("  process starts: {}", r.starts);
    println!(
        "\n  longest wait for an answer during each fault (actions from 1 s before it began until it ended):"
    );
    for w in r.windows {
        let worst = r
            .waits
            .iter()
            .filter(|x| x.at + Duration::from_secs(1) >= w.from && x.at <= w.to)
            .max_by(|a, b| a.ms.total_cmp(&b.ms));
        match worst {
            Some(x) => println!(
                "    {:<50} {:>8.2} s ({}, from +{:.1} s; fault +{:.1}..+{:.1} s)",
                w.what,
                x.ms / 1000.0,
                x.step,
                x.at.as_secs_f64(),
                w.from.as_secs_f64(),
                w.to.as_secs_f64()
            ),
            None => println!("    {:<50} (no customer acted)", w.what),
        }
    }
    let calm: Vec<f64> = r
        .waits
        .iter()
        .filter(|x| {
            !r.windows
                .iter()
                .any(|w| x.at + Duration::from_secs(60) >= w.from && x.at <= w.to)
        })
        .map(|x| x.ms)
        .collect();
    println!(
        "  {}",
        crate::bench::percentiles(
            "away from faults (over 60 s after any), every answer:",
            calm
        )
    );
    println!(
        "  {}",
        crate::bench::percentiles("all answers:", r.waits.iter().map(|x| x.ms).collect())
    );
    println!("\n  checks:");
    let mut ok = true;
    for c in r.checks {
        ok &= c.ok();
        println!(
            "    [{}] {} ({} checked{})",
            if c.ok() { "ok" } else { "FAIL" },
            c.name,
            c.covered,
            if c.ok() {
                String::new()
            } else {
                format!(", {} violations", c.violations.len())
            }
        );
        if !c.note.is_empty() {
            println!("          {}", c.note);
        }
        for v in c.violations.iter().take(5) {
            println!("          {v}");
        }
    }
    if !r.crashes.is_empty() {
        ok = false;
        println!("    [FAIL] components that died by themselves:");
        for c in r.crashes {
            println!("          {c}");
        }
    }
    println!("  chaos: {}", if ok { "PASSED" } else { "FAILED" });
    ok
}
