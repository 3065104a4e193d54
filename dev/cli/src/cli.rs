//! The `chatorder-dev` command line: the demo, the whole system against the
//! local stand-ins with the playground page, chaos and the benchmarks. The
//! product's own commands run through `component`.

use chatorder::cli::{check_services, load_settings, shutdown_token};
use chatorder_shared::config::Settings;
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "chatorder-dev",
    version,
    about = "chatorder's development tools: demo, stand-ins, playground, chaos, benchmarks"
)]
pub struct DevCli {
    #[command(subcommand)]
    command: DevCommand,
}

#[derive(Debug, Subcommand)]
enum DevCommand {
    /// The whole system with simulated customers and owner, replaying real
    /// orders through the local Telegram and Discord stand-ins, ending with a
    /// report.
    Demo(crate::demo::DemoArgs),
    /// Every component in one process against the local Telegram and Discord
    /// stand-ins (unless tokens are set), with the playground page: chat as a
    /// customer and work the owner board in one browser tab. Ctrl-C stops it.
    Run(crate::standins::RunArgs),
    /// Fault injection: orders through the Telegram stand-in while order
    /// workers are SIGKILLed, NATS, MariaDB and Redis go away and both bots
    /// restart, on servers of its own; then proves nothing was lost or
    /// doubled and reports the customers' waits per fault.
    Chaos(crate::chaos::ChaosArgs),
    /// Benchmarks.
    #[command(subcommand)]
    Bench(BenchCmd),
    /// Runs one of the product's commands (`chatorder …`) in this binary;
    /// chaos starts its components this way.
    #[command(hide = true)]
    Component {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
enum BenchCmd {
    /// Place orders through JetStream and measure throughput and latency.
    Orders(crate::bench::OrdersArgs),
    /// Simulated customers chatting with the bot through the stand-in.
    Telegram(crate::bench_telegram::TelegramArgs),
    /// The HTTP API: concurrent clients reading orders and the catalog,
    /// then orders posted at a steady rate.
    Api(crate::bench_api::ApiArgs),
}

/// A benchmark's settings: orders are taken at any hour.
fn bench_settings() -> anyhow::Result<Settings> {
    let mut settings = load_settings()?;
    settings.shop.always_open = true;
    Ok(settings)
}

pub async fn run(cli: DevCli) -> anyhow::Result<()> {
    match cli.command {
        DevCommand::Demo(args) => {
            let mut settings = Settings::load()?;
            // The demo replays orders at any hour of the night.
            settings.shop.always_open = true;
            let log = crate::screen::log_to_file(&settings.log, std::path::Path::new("var/log"))?;
            println!(
                "chatorder demo: the components' logs go to {}",
                log.display()
            );
            check_services(&settings).await?;
            chatorder_shared::telemetry::install_metrics(&settings.metrics.listen)?;
            Box::pin(crate::demo::run(settings, args)).await
        }
        DevCommand::Run(args) => {
            let settings = load_settings()?;
            check_services(&settings).await?;
            chatorder_shared::telemetry::install_metrics(&settings.metrics.listen)?;
            Box::pin(crate::standins::run(settings, args, shutdown_token())).await
        }
        DevCommand::Chaos(args) => {
            // The report is the output; the run's own log says only problems.
            let mut settings = Settings::load()?;
            settings.log.filter = "warn".into();
            // Customers order around the clock in a chaos run (its children
            // get the same from their overlay).
            settings.shop.always_open = true;
            chatorder_shared::telemetry::init_tracing(&settings.log);
            Box::pin(crate::chaos::run(settings, args)).await
        }
        DevCommand::Bench(BenchCmd::Telegram(args)) => {
            let settings = bench_settings()?;
            Box::pin(crate::bench_telegram::run(settings, args)).await
        }
        DevCommand::Bench(BenchCmd::Api(args)) => {
            let settings = bench_settings()?;
            Box::pin(crate::bench_api::run(settings, args)).await
        }
        DevCommand::Bench(BenchCmd::Orders(args)) => {
            let settings = bench_settings()?;
            Box::pin(crate::bench::orders(settings, args)).await
        }
        DevCommand::Component { args } => {
            use clap::Parser as _;
            let product = chatorder::cli::Cli::try_parse_from(
                std::iter::once("chatorder".to_owned()).chain(args),
            )?;
            Box::pin(chatorder::cli::run(product)).await
        }
    }
}
