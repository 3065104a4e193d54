//! The `chatorder` command line: one binary that wires every component.

use std::path::PathBuf;

use anyhow::Context as _;
use chatorder_orders::consumer::Faults;
use chatorder_shared::config::Settings;
use clap::{Parser, Subcommand};
use tokio_util::sync::CancellationToken;

#[derive(Debug, Parser)]
#[command(name = "chatorder", version, about = "Shops take orders in chat")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run every component in one process: the order worker, the demand
    /// worker, the Telegram bot and the Discord bot. Without tokens the bots
    /// talk to local stand-ins.
    Run,
    /// The whole system with simulated customers and owner, replaying real
    /// orders through the local Telegram stand-in, ending with a report.
    Demo(crate::demo::DemoArgs),
    /// Fault injection: 20,000 orders through the Telegram stand-in while
    /// order workers are SIGKILLed, NATS, MariaDB and Redis go away and both
    /// bots restart, on servers of its own; then proves nothing was lost or
    /// doubled and reports the customers' waits per fault.
    Chaos(crate::chaos::ChaosArgs),
    /// Run one component.
    #[command(subcommand)]
    Worker(WorkerCmd),
    /// Run a chat bot.
    #[command(subcommand)]
    Bot(BotCmd),
    /// Create the database if needed, apply migrations, seed an empty catalog.
    Migrate,
    /// Load past sales (`id,date,time,name,size,type,price`, plain or .gz) as
    /// completed orders. Importing the same file twice adds nothing.
    ImportHistory {
        /// e.g. data/pizzaplace-2015-01-to-10.csv.gz
        path: PathBuf,
    },
    /// Backtest the demand model on a history file: train on everything
    /// before `--test-from`, forecast each later day one day ahead, and print
    /// WAPE and MASE for the model and both baselines.
    Evaluate {
        /// Order lines (`id,date,time,name,size,type,price`, plain or .gz).
        #[arg(long)]
        history: PathBuf,
        /// First day of the test period (YYYY-MM-DD).
        #[arg(long)]
        test_from: chrono::NaiveDate,
        /// Print one JSON object instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Check that NATS, MySQL and Redis answer, and say how to start them.
    Check,
    /// Print the effective configuration (secrets redacted).
    Config,
    /// Catalog tools.
    #[command(subcommand)]
    Catalog(CatalogCmd),
    /// Benchmarks.
    #[command(subcommand)]
    Bench(BenchCmd),
}

#[derive(Debug, Subcommand)]
enum WorkerCmd {
    /// The order worker: commands, persistence, events, queries.
    Orders,
    /// The demand worker: training, forecasts, owner summaries and alerts.
    Demand,
}

#[derive(Debug, Subcommand)]
enum BotCmd {
    /// The customer bot. Without `telegram.token` it runs against a local
    /// Telegram stand-in on 127.0.0.1.
    Telegram,
    /// The owner bot. Without `discord.token` it runs against a local
    /// Discord stand-in on 127.0.0.1.
    Discord,
}

#[derive(Debug, Subcommand)]
enum CatalogCmd {
    /// Print a catalog.toml derived from the menu of the order data.
    Derive {
        /// `menu.csv` of the order data.
        #[arg(long, default_value = "data/menu.csv")]
        menu: PathBuf,
        #[arg(long, default_value = "USD")]
        currency: String,
    },
    /// Upsert every item of a catalog file into MySQL.
    Import {
        /// Defaults to `catalog.seed_file` from the configuration.
        path: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum BenchCmd {
    /// Place orders through JetStream and measure throughput and latency.
    Orders(crate::bench::OrdersArgs),
    /// Simulated customers chatting with the bot through the stand-in.
    Telegram(crate::bench_telegram::TelegramArgs),
}

fn load_settings() -> anyhow::Result<Settings> {
    let settings = Settings::load()?;
    chatorder_shared::telemetry::init_tracing(&settings.log);
    Ok(settings)
}

/// Cancels on Ctrl-C or SIGTERM.
fn shutdown_token() -> CancellationToken {
    let token = CancellationToken::new();
    let t = token.clone();
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(s) => s,
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot listen for SIGTERM");
                        let _ = ctrl_c.await;
                        t.cancel();
                        return;
                    }
                };
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
        tracing::info!("shutting down: finishing work in hand");
        t.cancel();
    });
    token
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Run => {
            let settings = load_settings()?;
            check_services(&settings).await?;
            chatorder_shared::telemetry::install_metrics(&settings.metrics.listen)?;
            eprintln!(
                "chatorder run: starting the order worker, the demand worker, the Telegram bot and the Discord bot ({})",
                if settings.metrics.listen.is_empty() {
                    "metrics off".to_owned()
                } else {
                    format!("metrics on http://{}/metrics", settings.metrics.listen)
                }
            );
            chatorder_db::prepare(&settings).await?;
            let mut settings = settings;
            settings.database.migrate_on_start = false;
            // The worker must know the stand-in's owner too, so owner
            // settings are filled in before anything starts.
            let (settings, discord_standin) = with_discord_standin(settings).await?;
            let (bot_settings, telegram_standin) = with_telegram_standin(settings.clone()).await?;
            let cancel = shutdown_token();
            let _standins =
                playground(&settings, telegram_standin, discord_standin, &cancel).await?;
            let worker = tokio::spawn(chatorder_orders::worker::run(
                settings.clone(),
                cancel.clone(),
                Faults::default(),
            ));
            let bot = tokio::spawn(chatorder_telegram::run::run(bot_settings, cancel.clone()));
            let demand = tokio::spawn(chatorder_demand::worker::run(
                settings.clone(),
                cancel.clone(),
            ));
            let owners = tokio::spawn(chatorder_discord::run(settings, cancel.clone()));
            let (w, d, b, o) = tokio::join!(worker, demand, bot, owners);
            cancel.cancel();
            w.context("order worker task")??;
            d.context("demand worker task")??;
            b.context("Telegram bot task")??;
            o.context("Discord bot task")??;
            Ok(())
        }
        Command::Worker(WorkerCmd::Orders) => {
            let settings = load_settings()?;
            chatorder_shared::telemetry::install_metrics(&settings.metrics.listen)?;
            chatorder_orders::worker::run(settings, shutdown_token(), Faults::default()).await
        }
        Command::Bot(BotCmd::Telegram) => {
            let settings = load_settings()?;
            chatorder_shared::telemetry::install_metrics(&settings.metrics.listen)?;
            let (settings, _standin) = with_telegram_standin(settings).await?;
            Box::pin(chatorder_telegram::run::run(settings, shutdown_token())).await
        }
        Command::Bot(BotCmd::Discord) => {
            let settings = load_settings()?;
            chatorder_shared::telemetry::install_metrics(&settings.metrics.listen)?;
            let (settings, _standin) = with_discord_standin(settings).await?;
            Box::pin(chatorder_discord::run(settings, shutdown_token())).await
        }
        Command::Worker(WorkerCmd::Demand) => {
            let settings = load_settings()?;
            chatorder_shared::telemetry::install_metrics(&settings.metrics.listen)?;
            chatorder_demand::worker::run(settings, shutdown_token()).await
        }
        Command::Evaluate {
            history,
            test_from,
            json,
        } => {
            let settings = load_settings()?;
            let tz: chrono_tz::Tz = settings
                .shop
                .time_zone
                .parse()
                .map_err(|e| anyhow::anyhow!("shop.time_zone: {e}"))?;
            let orders = chatorder_db::history::read(&history, tz)?;
            let cfg = chatorder_demand::TrainConfig::default();
            let report = tokio::task::spawn_blocking(move || {
                chatorder_demand::evaluate_orders(&orders, tz, test_from, &cfg)
            })
            .await
            .context("evaluation task")??;
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                print!("{report}");
            }
            Ok(())
        }
        Command::Migrate => {
            let settings = load_settings()?;
            chatorder_db::prepare(&settings).await
        }
        Command::ImportHistory { path } => {
            let settings = load_settings()?;
            chatorder_db::prepare(&settings).await?;
            let tz: chrono_tz::Tz = settings
                .shop
                .time_zone
                .parse()
                .map_err(|e| anyhow::anyhow!("shop.time_zone: {e}"))?;
            let started = std::time::Instant::now();
            let orders = chatorder_db::history::read(&path, tz)?;
            let mut conn = chatorder_db::pool::connect(&settings.database.url).await?;
            let r = chatorder_db::history::import(&mut conn, &orders, settings.currency()).await?;
            println!(
                "{}: {} orders ({} items) read; {} added, {} were already there; {:.1} s",
                path.display(),
                r.orders_read,
                r.lines_read,
                r.orders_added,
                r.orders_already_there,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Check => {
            let settings = load_settings()?;
            check_services(&settings).await?;
            println!("NATS, MySQL and Redis all answer.");
            Ok(())
        }
        Command::Config => {
            let settings = load_settings()?;
            println!("{settings:#?}");
            Ok(())
        }
        Command::Catalog(CatalogCmd::Derive { menu, currency }) => {
            let text = std::fs::read_to_string(&menu)
                .with_context(|| format!("reading {}", menu.display()))?;
            let items = chatorder_db::catalog::from_menu_csv(&text)?;
            let file = chatorder_db::catalog::CatalogFile { currency, items };
            println!(
                "# The starter catalog: one item per pizza and size.\n# Derived with `chatorder catalog derive --menu {}` from the\n# pizzaplace data set (R package gt, MIT; synthetic sales of a pizza place).\n",
                menu.display()
            );
            print!(
                "{}",
                toml::to_string(&file).context("writing the catalog as TOML")?
            );
            Ok(())
        }
        Command::Catalog(CatalogCmd::Import { path }) => {
            let settings = load_settings()?;
            let path = path.unwrap_or_else(|| settings.catalog.seed_file.clone());
            let mut conn = chatorder_db::pool::connect(&settings.database.url).await?;
            let n = chatorder_db::catalog::import(&mut conn, &path, settings.currency()).await?;
            println!("imported {n} catalog items from {}", path.display());
            Ok(())
        }
        Command::Demo(args) => {
            let settings = load_settings()?;
            check_services(&settings).await?;
            chatorder_shared::telemetry::install_metrics(&settings.metrics.listen)?;
            Box::pin(crate::demo::run(settings, args)).await
        }
        Command::Chaos(args) => {
            // The report is the output; the run's own log says only problems.
            let mut settings = Settings::load()?;
            settings.log.filter = "warn".into();
            chatorder_shared::telemetry::init_tracing(&settings.log);
            Box::pin(crate::chaos::run(settings, args)).await
        }
        Command::Bench(BenchCmd::Telegram(args)) => {
            let settings = load_settings()?;
            Box::pin(crate::bench_telegram::run(settings, args)).await
        }
        Command::Bench(BenchCmd::Orders(args)) => {
            let settings = load_settings()?;
            crate::bench::orders(settings, args).await
        }
    }
}

/// With both stand-ins in use, serves the playground page and says where;
/// returns the stand-ins, which must live as long as the bots.
async fn playground(
    settings: &Settings,
    telegram: Option<chatorder_telegram::standin::TelegramStandIn>,
    discord: Option<chatorder_discord_standin::StandIn>,
    cancel: &CancellationToken,
) -> anyhow::Result<(
    Option<std::sync::Arc<chatorder_telegram::standin::TelegramStandIn>>,
    Option<chatorder_discord_standin::StandIn>,
)> {
    let telegram = telegram.map(std::sync::Arc::new);
    let listen = settings.playground.listen.trim();
    match (&telegram, &discord) {
        _ if listen.is_empty() => {}
        (Some(t), Some(d)) => {
            let addr =
                crate::playground::serve(listen, t.clone(), d.clone(), cancel.clone()).await?;
            eprintln!(
                "chatorder: playground: http://{addr}/ (chat as a customer on the left, work the owner board on the right)"
            );
        }
        _ => eprintln!(
            "chatorder: no playground: it is only for the local Telegram and Discord stand-ins, and a real token is configured"
        ),
    }
    Ok((telegram, discord))
}

/// Without a Telegram token, starts the local stand-in and points the bot
/// at it (the stand-in lives as long as the returned handle).
async fn with_telegram_standin(
    mut settings: Settings,
) -> anyhow::Result<(
    Settings,
    Option<chatorder_telegram::standin::TelegramStandIn>,
)> {
    if settings.telegram.token.is_some() {
        return Ok((settings, None));
    }
    if std::env::var("CHATORDER_ENV").is_ok_and(|e| e == "production") {
        anyhow::bail!(
            "telegram.token is not set: set CHATORDER__TELEGRAM__TOKEN (from @BotFather); \
             the local stand-in is for development only"
        );
    }
    let standin = chatorder_telegram::standin::TelegramStandIn::start()
        .await
        .context("starting the local Telegram stand-in")?;
    eprintln!(
        "chatorder: no telegram.token set: the Telegram bot talks to the local stand-in at {}",
        standin.api_url()
    );
    settings.telegram.token = Some(chatorder_telegram::standin::TOKEN.to_owned().into());
    settings.telegram.api_url = standin.api_url();
    Ok((settings, Some(standin)))
}

/// Without a Discord token, starts the local stand-in and points the bot at
/// it, with the stand-in's owner as the shop's owner (unless owners are
/// configured).
async fn with_discord_standin(
    mut settings: Settings,
) -> anyhow::Result<(Settings, Option<chatorder_discord_standin::StandIn>)> {
    use chatorder_discord_standin::StandIn;
    if settings.discord.token.is_some() {
        if settings.discord.channel_id.is_none() {
            anyhow::bail!(
                "discord.channel_id is not set: the id of the channel for the order board \
                 (CHATORDER__DISCORD__CHANNEL_ID; see the README)"
            );
        }
        return Ok((settings, None));
    }
    if std::env::var("CHATORDER_ENV").is_ok_and(|e| e == "production") {
        anyhow::bail!(
            "discord.token is not set: set CHATORDER__DISCORD__TOKEN (see the README); \
             the local stand-in is for development only"
        );
    }
    let standin = StandIn::start()
        .await
        .context("starting the local Discord stand-in")?;
    eprintln!(
        "chatorder: no discord.token set: the Discord bot talks to the local stand-in at {}",
        standin.url()
    );
    settings.discord.token = Some("local-standin".to_owned().into());
    settings.discord.api_url = standin.url();
    settings.discord.channel_id = Some(StandIn::CHANNEL_ID);
    if settings.discord.owner_user_ids.is_empty() && settings.discord.owner_role_ids.is_empty() {
        settings.discord.owner_user_ids = vec![StandIn::OWNER_USER_ID.to_string()];
    }
    Ok((settings, Some(standin)))
}

/// Says exactly which service is missing and how to start it.
pub async fn check_services(settings: &Settings) -> anyhow::Result<()> {
    use secrecy::ExposeSecret as _;
    let mut missing = Vec::new();
    if let Err(e) = chatorder_bus::connect(&settings.nats, "chatorder-check").await {
        missing.push(format!("NATS ({}): {e:#}", settings.nats.url));
    }
    let db_url = settings.database.url.expose_secret();
    let server_url = match db_url.rfind('/') {
        Some(i) if i > db_url.find("://").map_or(0, |s| s + 2) => format!("{}/", &db_url[..i]),
        _ => db_url.to_owned(),
    };
    if let Err(e) = chatorder_db::pool::connect(&secrecy::SecretString::from(server_url)).await {
        missing.push(format!("MySQL: {e:#}"));
    }
    let redis_ok = async {
        let client = redis::Client::open(settings.redis.url.expose_secret())?;
        let mut conn = tokio::time::timeout(
            std::time::Duration::from_secs(2),
            client.get_multiplexed_async_connection(),
        )
        .await
        .map_err(|_| redis::RedisError::from((redis::ErrorKind::Io, "timed out")))??;
        redis::cmd("PING").query_async::<String>(&mut conn).await
    }
    .await;
    if let Err(e) = redis_ok {
        missing.push(format!(
            "Redis: {e}. chatorder still works without Redis (slower), but start it: scripts/services.sh"
        ));
    }
    if missing.is_empty() {
        return Ok(());
    }
    let only_redis = missing.len() == 1 && missing[0].starts_with("Redis");
    for m in &missing {
        eprintln!("chatorder: not reachable: {m}");
    }
    if only_redis {
        return Ok(());
    }
    anyhow::bail!(
        "required services are not reachable; run scripts/services.sh to start NATS, MariaDB and Redis"
    )
}
