#![doc = include_str!("../README.md")]

pub mod accuracy;
pub mod baselines;
pub mod evaluate;
pub mod features;
pub mod forecast;
pub mod grid;
pub mod metrics;
pub mod model;
pub mod net;
pub mod promotion;
pub mod sales;
pub mod schedule;
pub mod store;
pub mod summary;
pub mod worker;

pub use accuracy::{ByPredictor, Levels, Score};
pub use evaluate::{Report, evaluate, evaluate_orders};
pub use forecast::{DayForecast, Estimate, Predictor, forecast_day};
pub use model::{DemandModel, ModelMeta, PointForecast, TrainConfig};
pub use net::{Backend, Loss};
pub use promotion::{Decision, Serve, decide};
pub use sales::Sales;

#[cfg(test)]
mod leakage_tests;
#[cfg(test)]
mod model_tests;
#[cfg(test)]
mod test_data;
