#![doc = include_str!("../README.md")]

pub mod core;

pub mod dashboard;

pub mod metrics;
pub mod opening_hours;
pub mod past_sales;
pub mod schedule;
pub mod store;
pub mod summary;
pub mod worker;

pub use crate::core::config::TrainConfig;
pub use crate::core::distributions::Estimate;
pub use crate::core::evaluate::{Report, evaluate};
pub use crate::core::forecast::{DayForecast, forecast_day};
pub use crate::core::levels::Levels;
pub use crate::core::model::{DemandModel, ModelMeta};
pub use crate::core::net::{Backend, Loss};
pub use crate::core::predictor::Predictor;
pub use crate::core::promotion::{Decision, decide};
pub use crate::core::rolling::{Rolling, last_months, rolling};
pub use crate::core::sales::Sales;
pub use crate::core::scoring::{ByPredictor, PointForecast, Score};
pub use past_sales::{backtest_orders, evaluate_orders};
