//! The pure demand core: a sales table in; forecasts, scores and the
//! promotion decision out. Nothing here talks to NATS or MySQL or asks what
//! day it is: the worker (`crate::worker`) does that and calls in. The model
//! reads and writes its own files (`DemandModel::save`, `load`) and stamps and
//! times its training (`trained_at`, `train_seconds`); neither decides anything.
//!
//! Each module uses only those listed before it:
//! - `choice`, `predictor`: the names of things (which predictor, which loss);
//! - `sales`, `grid`, `levels`: the sales table, one day's hourly cells, and the
//!   three levels (item-day, item-hour, store-day) figures are given at;
//! - `distributions`: negative binomial quantiles and the fit of their spread;
//! - `baselines`, `oracle`, `scoring`, `backtest`: the two baselines, the
//!   oracle's noise floor, WAPE/MASE and interval coverage, and scoring a
//!   forecaster against the baselines day by day;
//! - `features`, `net`, `config`, `opening`, `model`: the trained model, and
//!   which hours it may forecast sales in (the shop's settings, or a guess);
//! - `forecast`, `promotion`, `evaluate`, `rolling`: a day's forecast from any
//!   predictor, whether the model may serve, the backtest report of one test
//!   range, and rolling-origin backtests over several months.

pub mod choice;
pub mod predictor;

pub mod grid;
pub mod levels;
pub mod sales;

pub mod distributions;

pub mod backtest;
pub mod baselines;
pub mod oracle;
pub mod scoring;

pub mod config;
pub mod features;
pub mod model;
pub mod net;
pub mod opening;

pub mod evaluate;
pub mod forecast;
pub mod promotion;
pub mod rolling;

#[cfg(test)]
mod leakage_tests;
#[cfg(test)]
mod model_tests;
#[cfg(test)]
mod test_data;
