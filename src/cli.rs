//! The `chatorder` command line: one binary that runs every component of the
//! product. Development tools (the demo, chaos, benchmarks, the playground
//! and the Telegram and Discord stand-ins) live in `dev/` and its
//! `chatorder-dev` binary, which runs these same components.

use std::path::PathBuf;

use anyhow::Context as _;
use chatorder_shared::config::Settings;
use chatorder_shared::subjects::{QueryKind, Subjects};
use clap::{Parser, Subcommand};
use tokio_util::sync::CancellationToken;

#[derive(Debug, Parser)]
#[command(name = "chatorder", version, about = "Shops take orders in chat")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every component in one process: the order worker, the demand
    /// worker, the Telegram bot, the Discord bot and the HTTP API (both
    /// tokens needed; for the local stand-ins use `scripts/run.sh run`).
    Run,
    /// Run the HTTP API on `api.listen` (CHATORDER__API__LISTEN).
    Api,
    /// Run one worker.
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
    /// WAPE and MASE for the model and both baselines; with `--backtest`, the
    /// same for each of several months (rolling origin) beside the oracle.
    Evaluate {
        /// Order lines (`id,date,time,name,size,type,price`, plain or .gz).
        #[arg(long, default_value = "data/pizzaplace-2015-01-to-10.csv.gz")]
        history: PathBuf,
        /// First day of the test period (YYYY-MM-DD); with --backtest, a day
        /// of the first test month (default: the last six months of the data).
        #[arg(long, required_unless_present = "backtest")]
        test_from: Option<chrono::NaiveDate>,
        /// Rolling-origin backtest: every month from --test-from to the end
        /// of the data, each by a model trained only on the days before it,
        /// scored against both baselines and the oracle (docs/demand-model.md).
        #[arg(long)]
        backtest: bool,
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
    /// Keys for integrations to call the HTTP API (docs/api.md).
    #[command(subcommand, name = "api-key")]
    ApiKey(ApiKeyCmd),
    /// Web accounts: owners for the web, disabling any account (docs/api.md).
    #[command(subcommand)]
    Account(AccountCmd),
}

#[derive(Debug, Subcommand)]
pub enum AccountCmd {
    /// Make an owner account for the web and print its password once.
    CreateOwner {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
    /// Disable an account (owner or customer): its logins stop at once.
    Disable {
        #[arg(long)]
        email: String,
    },
    /// Enable a disabled account again.
    Enable {
        #[arg(long)]
        email: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ApiKeyCmd {
    /// Make a key and print it once (it is stored only as a hash).
    Create {
        /// What the key is for, e.g. "till" or "accounting".
        #[arg(long)]
        name: String,
        /// Comma-separated: read, owner, webhooks.
        #[arg(long, value_delimiter = ',', required = true)]
        scopes: Vec<chatorder_shared::api_keys::Scope>,
    },
    /// Every key with its scopes and whether it was revoked (never the secret).
    List,
    /// Revoke a key by its id (the 12 characters after `cok_`); at once.
    Revoke { id: String },
}

#[derive(Debug, Subcommand)]
pub enum WorkerCmd {
    /// The order worker: commands, persistence, events, queries.
    Orders,
    /// The demand worker: training, forecasts, owner summaries and alerts.
    Demand,
}

#[derive(Debug, Subcommand)]
pub enum BotCmd {
    /// The customer bot (needs `telegram.token`).
    Telegram,
    /// The owner bot (needs `discord.token` and `discord.channel_id`).
    Discord,
}

#[derive(Debug, Subcommand)]
pub enum CatalogCmd {
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

/// Loads the configuration and starts logging.
pub fn load_settings() -> anyhow::Result<Settings> {
    let settings = Settings::load()?;
    chatorder_shared::telemetry::init_tracing(&settings.log);
    Ok(settings)
}

/// Cancels on Ctrl-C or SIGTERM.
pub fn shutdown_token() -> CancellationToken {
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

/// Every component in this process until `cancel`: the order worker, the
/// demand worker, the Telegram bot, the Discord bot and the HTTP API. The settings must
/// name both bots' platforms (real tokens, or the stand-ins the dev tool
/// starts); the database is prepared first.
pub async fn run_all(settings: Settings, cancel: CancellationToken) -> anyhow::Result<()> {
    chatorder_db::prepare(&settings).await?;
    let mut settings = settings;
    settings.database.migrate_on_start = false;
    let worker = tokio::spawn(chatorder_orders::worker::run(
        settings.clone(),
        cancel.clone(),
    ));
    wait_for_worker(&settings).await;
    let bot = tokio::spawn(chatorder_telegram::run::run(
        settings.clone(),
        cancel.clone(),
    ));
    let demand = tokio::spawn(chatorder_demand::worker::run(
        settings.clone(),
        cancel.clone(),
    ));
    let api = tokio::spawn(chatorder_api::run(settings.clone(), cancel.clone()));
    let owners = tokio::spawn(chatorder_discord::run(settings, cancel.clone()));
    let (w, d, b, o, a) = tokio::join!(worker, demand, bot, owners, api);
    cancel.cancel();
    w.context("order worker task")??;
    d.context("demand worker task")??;
    b.context("Telegram bot task")??;
    o.context("Discord bot task")??;
    a.context("HTTP API task")??;
    Ok(())
}

/// Waits (at most a minute) until the order worker answers queries, so the
/// bots started next do not tell their first customers that the shop is
/// unreachable. If it does not answer, the bots start anyway and say so to
/// whoever writes until it does.
pub async fn wait_for_worker(settings: &Settings) {
    let Ok(subjects) = Subjects::new(&settings.nats.prefix) else {
        return; // the worker itself reports a bad prefix
    };
    let subject = subjects.query(QueryKind::Catalog);
    let ready = match chatorder_bus::connect(&settings.nats, "chatorder-start").await {
        Ok(client) => {
            chatorder_bus::Queries::new(client)
                .wait_ready(subject, std::time::Duration::from_secs(60))
                .await
        }
        Err(_) => false,
    };
    if !ready {
        tracing::warn!("the order worker did not answer within a minute; starting the bots anyway");
    }
}

/// What to do when a bot has no token: the product talks to the real
/// platforms only; the stand-ins are development tools.
fn need_tokens(settings: &Settings, telegram: bool, discord: bool) -> anyhow::Result<()> {
    if telegram && settings.telegram.token.is_none() {
        anyhow::bail!(
            "telegram.token is not set: set CHATORDER__TELEGRAM__TOKEN (from @BotFather, see the \
             README). To run locally against the Telegram and Discord stand-ins instead, use \
             scripts/run.sh run"
        );
    }
    if discord {
        if settings.discord.token.is_none() {
            anyhow::bail!(
                "discord.token is not set: set CHATORDER__DISCORD__TOKEN (see the README). To run \
                 locally against the Telegram and Discord stand-ins instead, use scripts/run.sh run"
            );
        }
        if settings.discord.channel_id.is_none() {
            anyhow::bail!(
                "discord.channel_id is not set: the id of the channel for the order board \
                 (CHATORDER__DISCORD__CHANNEL_ID; see the README)"
            );
        }
    }
    Ok(())
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Run => {
            let settings = load_settings()?;
            need_tokens(&settings, true, true)?;
            check_services(&settings).await?;
            chatorder_shared::telemetry::install_metrics(&settings.metrics.listen)?;
            eprintln!(
                "chatorder run: starting the order worker, the demand worker, the Telegram bot, the Discord bot and the HTTP API on http://{} ({})",
                settings.api.listen,
                if settings.metrics.listen.is_empty() {
                    "metrics off".to_owned()
                } else {
                    format!("metrics on http://{}/metrics", settings.metrics.listen)
                }
            );
            run_all(settings, shutdown_token()).await
        }
        Command::Api => {
            let settings = load_settings()?;
            chatorder_shared::telemetry::install_metrics(&settings.metrics.listen)?;
            chatorder_api::run(settings, shutdown_token()).await
        }
        Command::Worker(WorkerCmd::Orders) => {
            let settings = load_settings()?;
            chatorder_shared::telemetry::install_metrics(&settings.metrics.listen)?;
            chatorder_orders::worker::run(settings, shutdown_token()).await
        }
        Command::Worker(WorkerCmd::Demand) => {
            let settings = load_settings()?;
            chatorder_shared::telemetry::install_metrics(&settings.metrics.listen)?;
            chatorder_demand::worker::run(settings, shutdown_token()).await
        }
        Command::Bot(BotCmd::Telegram) => {
            let settings = load_settings()?;
            need_tokens(&settings, true, false)?;
            chatorder_shared::telemetry::install_metrics(&settings.metrics.listen)?;
            Box::pin(chatorder_telegram::run::run(settings, shutdown_token())).await
        }
        Command::Bot(BotCmd::Discord) => {
            let settings = load_settings()?;
            need_tokens(&settings, false, true)?;
            chatorder_shared::telemetry::install_metrics(&settings.metrics.listen)?;
            Box::pin(chatorder_discord::run(settings, shutdown_token())).await
        }
        Command::Evaluate {
            history,
            test_from,
            backtest,
            json,
        } => {
            let settings = load_settings()?;
            let tz = settings.shop.time_zone;
            let orders = chatorder_db::past_sales::read(&history, tz)?;
            let cfg = chatorder_demand::TrainConfig::default();
            if backtest {
                let report = tokio::task::spawn_blocking(move || {
                    chatorder_demand::backtest_orders(&orders, tz, test_from, &cfg)
                })
                .await
                .context("backtest task")??;
                if json {
                    println!("{}", serde_json::to_string(&report)?);
                } else {
                    print!("{report}");
                }
                return Ok(());
            }
            let test_from = test_from.context("--test-from is required without --backtest")?;
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
            let tz = settings.shop.time_zone;
            let started = std::time::Instant::now();
            let orders = chatorder_db::past_sales::read(&path, tz)?;
            let mut conn = chatorder_db::pool::connect(&settings.database.url).await?;
            let r = chatorder_db::past_sales::import(&mut conn, &orders, settings.shop.currency)
                .await?;
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
        Command::ApiKey(cmd) => api_key(cmd).await,
        Command::Account(cmd) => account(cmd).await,
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
            let n = chatorder_db::catalog::import(&mut conn, &path, settings.shop.currency).await?;
            println!("imported {n} catalog items from {}", path.display());
            Ok(())
        }
    }
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

async fn account(cmd: AccountCmd) -> anyhow::Result<()> {
    use chatorder_api::accounts::{Accounts, NewAccount, RegisterError};
    let settings = load_settings()?;
    let client = chatorder_bus::connect(&settings.nats, "chatorder-cli").await?;
    let accounts = Accounts::open_bucket(
        &async_nats::jetstream::new(client),
        chatorder_api::accounts_bucket(&settings.subjects()),
        settings.nats.stream_replicas,
    )
    .await?;
    match cmd {
        AccountCmd::CreateOwner { email, name } => {
            let password = chatorder_api::secrets::random_token();
            let new = NewAccount::parse(
                &email,
                &name,
                None,
                chatorder_shared::domain::Role::Owner,
                &password,
            )?;
            let account = match accounts.register(new).await {
                Ok(a) => a,
                Err(RegisterError::EmailTaken) => anyhow::bail!(
                    "an account with the address {email} exists already (disable it first \
                     with chatorder account disable --email {email} if it is not the owner's)"
                ),
                Err(RegisterError::Store(e)) => return Err(e),
            };
            println!("{password}");
            eprintln!(
                "owner account {} for {} <{}>: the password above is shown once. Log in with \
                 POST /api/v1/auth/login.",
                account.id, account.name, account.email
            );
        }
        AccountCmd::Disable { email } | AccountCmd::Enable { email } if email.trim().is_empty() => {
            anyhow::bail!("give the account's --email")
        }
        AccountCmd::Disable { email } => {
            let Some(a) = accounts.set_disabled(&email, true).await? else {
                anyhow::bail!("there is no account with the address {email}");
            };
            println!(
                "disabled {} <{}>: its logins get 401 from now on",
                a.id, a.email
            );
        }
        AccountCmd::Enable { email } => {
            let Some(a) = accounts.set_disabled(&email, false).await? else {
                anyhow::bail!("there is no account with the address {email}");
            };
            println!("enabled {} <{}> again", a.id, a.email);
        }
    }
    Ok(())
}

async fn api_key(cmd: ApiKeyCmd) -> anyhow::Result<()> {
    let settings = load_settings()?;
    let client = chatorder_bus::connect(&settings.nats, "chatorder-cli").await?;
    let keys = chatorder_api::keys::ApiKeys::open_bucket(
        &async_nats::jetstream::new(client),
        chatorder_api::keys_bucket(&settings.subjects()),
        settings.nats.stream_replicas,
    )
    .await?;
    match cmd {
        ApiKeyCmd::Create { name, scopes } => {
            anyhow::ensure!(
                !name.trim().is_empty(),
                "give the key a --name, e.g. --name till"
            );
            let (key, secret) = keys.create(&name, &scopes).await?;
            let scopes: Vec<&str> = key.scopes.iter().map(|s| s.as_str()).collect();
            println!("{secret}");
            eprintln!(
                "API key {} \"{}\" with scopes {}: shown once, stored only as a hash. \
                 Send it as `Authorization: Bearer <key>`.",
                key.id,
                key.name,
                scopes.join(",")
            );
        }
        ApiKeyCmd::List => {
            let all = keys.list().await?;
            if all.is_empty() {
                println!("no API keys yet: chatorder api-key create --name till --scopes owner");
            }
            for key in all {
                let scopes: Vec<&str> = key.scopes.iter().map(|s| s.as_str()).collect();
                let state = key.revoked_at.map_or_else(
                    || "live".to_owned(),
                    |at| format!("revoked {}", at.format("%Y-%m-%d %H:%M UTC")),
                );
                println!(
                    "{}  {:<20} {:<20} made {}  {state}",
                    key.id,
                    key.name,
                    scopes.join(","),
                    key.created_at.format("%Y-%m-%d %H:%M UTC")
                );
            }
        }
        ApiKeyCmd::Revoke { id } => {
            anyhow::ensure!(
                keys.revoke(id.trim()).await?,
                "there is no API key `{id}` (chatorder api-key list shows them)"
            );
            println!("revoked {id}: requests with it get 401 from now on");
        }
    }
    Ok(())
}
