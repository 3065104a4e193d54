//! Backtests the demand model on a history file and prints the report.
//!
//! ```text
//! cargo run --release -p chatorder-demand --example evaluate -- \
//!     --history data/pizzaplace-2015-01-to-10.csv.gz --test-from 2015-10-01 [--json]
//! cargo run --release -p chatorder-demand --example evaluate -- \
//!     --history data/pizzaplace-2015-01-to-10.csv.gz --backtest [--test-from 2015-05-01]
//! ```
//! `--backtest`: the rolling-origin backtest of every month from the one
//! holding `--test-from` (default: the last six) to the end of the data.
//! Training settings can be overridden for experiments: `--backend flex`,
//! `--loss poisson|mse_log1p`, `--epochs N`, `--batch N`, `--hidden N`, `--embedding N`,
//! `--lr X`, `--patience N`, `--members N`, `--drop feature,feature`, `--valid-days N`, `--closed-weeks N`, `--seed N`,
//! `--point median|mean`, `--pooled W` (weight of the pooled forecast), `--tz Europe/London`.

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use chatorder_demand::{TrainConfig, backtest_orders, evaluate_orders};

fn main() -> anyhow::Result<()> {
    let mut history: Option<PathBuf> = None;
    let mut test_from = None;
    let mut json = false;
    let mut backtest = false;
    let mut tz = chrono_tz::Europe::London;
    let mut cfg = TrainConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--json" {
            json = true;
            continue;
        }
        if flag == "--backtest" {
            backtest = true;
            continue;
        }
        let value = args
            .next()
            .with_context(|| format!("{flag} needs a value"))?;
        let bad = |e: &dyn std::fmt::Display| anyhow::anyhow!("{flag} {value}: {e}");
        match flag.as_str() {
            "--history" => history = Some(value.into()),
            "--test-from" => test_from = Some(value.parse().map_err(|e| bad(&e))?),
            "--tz" => tz = value.parse().map_err(|e| bad(&e))?,
            "--backend" => cfg.backend = value.parse().map_err(|e| bad(&e))?,
            "--loss" => cfg.loss = value.parse().map_err(|e| bad(&e))?,
            "--epochs" => cfg.epochs = value.parse().map_err(|e| bad(&e))?,
            "--batch" => cfg.batch_size = value.parse().map_err(|e| bad(&e))?,
            "--hidden" => cfg.hidden = value.parse().map_err(|e| bad(&e))?,
            "--embedding" => cfg.embedding = value.parse().map_err(|e| bad(&e))?,
            "--lr" => cfg.learning_rate = value.parse().map_err(|e| bad(&e))?,
            "--patience" => cfg.patience = value.parse().map_err(|e| bad(&e))?,
            "--valid-days" => cfg.valid_days = value.parse().map_err(|e| bad(&e))?,
            "--closed-weeks" => cfg.closed_weekday_weeks = value.parse().map_err(|e| bad(&e))?,
            "--members" => cfg.members = value.parse().map_err(|e| bad(&e))?,
            "--drop" => cfg.drop_features = value.split(',').map(str::to_owned).collect(),
            "--seed" => cfg.seed = value.parse().map_err(|e| bad(&e))?,
            "--point" => cfg.point = value.parse().map_err(|e| bad(&e))?,
            "--pooled" => cfg.pooled_weight = value.parse().map_err(|e| bad(&e))?,
            _ => bail!("unknown flag {flag}"),
        }
    }
    let history =
        history.context("usage: evaluate --history <csv[.gz]> --test-from YYYY-MM-DD [--json]")?;
    let orders = chatorder_db::past_sales::read(&history, tz)?;
    if backtest {
        let report = backtest_orders(&orders, tz, test_from, &cfg)?;
        if json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            print!("{report}");
        }
        return Ok(());
    }
    let test_from = test_from.context("--test-from YYYY-MM-DD is required")?;
    let report = evaluate_orders(&orders, tz, test_from, &cfg)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{report}");
    }
    Ok(())
}
