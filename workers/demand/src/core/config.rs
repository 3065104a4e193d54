//! The demand model's training settings: what production and `evaluate` train with.

use serde::{Deserialize, Serialize};

use crate::core::net::{Backend, Loss};
use crate::core::scoring::PointForecast;

/// Training settings. `Default` is what `demand.training = "full"` and
/// `evaluate` use; [`TrainConfig::quick`] is the small model of `"quick"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainConfig {
    /// Upper bound on passes over the training rows (early stopping usually ends sooner).
    pub epochs: usize,
    pub batch_size: usize,
    /// Width of the first hidden layer (the second is half of it).
    pub hidden: usize,
    /// Size of the item embedding.
    pub embedding: usize,
    pub learning_rate: f64,
    /// Epochs without a better validation loss before training stops.
    pub patience: usize,
    /// The last days of the training range held out for validation and early stopping.
    pub valid_days: usize,
    /// Days at the start of history not used as training targets (their features see too little).
    pub min_history_days: usize,
    /// Forecast a day closed when the shop sold nothing on that weekday in each
    /// of this many previous weeks (0: never).
    pub closed_weekday_weeks: u32,
    pub loss: Loss,
    pub backend: Backend,
    /// Features set to zero everywhere (ablation: measure what a feature earns).
    pub drop_features: Vec<String>,
    /// Networks in the ensemble, each trained from its own seed (`seed`, `seed + 1`, …).
    pub members: usize,
    /// Seeds weight initialisation and the shuffling of rows.
    pub seed: u64,
    /// Which figure of its forecast distribution the model is scored on.
    pub point: PointForecast,
    /// Weight of the pooled forecast ([`crate::core::features::History::pooled`]:
    /// item share × shop level × shop weekday factor) in the model's means,
    /// the networks' average getting the rest (0: the networks alone). 0.5
    /// was chosen on the mean of the rolling backtests (docs/demand-model.md).
    pub pooled_weight: f64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 40,
            batch_size: 512,
            hidden: 32,
            embedding: 4,
            learning_rate: 2e-3,
            patience: 4,
            valid_days: 28,
            min_history_days: 28,
            closed_weekday_weeks: 2,
            loss: Loss::Poisson,
            backend: Backend::Flex,
            drop_features: Vec::new(),
            members: 5,
            seed: 42,
            point: PointForecast::Median,
            pooled_weight: 0.5,
        }
    }
}

impl TrainConfig {
    /// A small model that trains in seconds on a few weeks of data: the
    /// worker's under `demand.training = "quick"` (demos, tests, and a shop
    /// that just started), and the unit tests'.
    pub fn quick() -> Self {
        Self {
            epochs: 3,
            batch_size: 64,
            hidden: 8,
            embedding: 2,
            learning_rate: 1e-2,
            patience: 2,
            valid_days: 7,
            min_history_days: 7,
            members: 2,
            ..Self::default()
        }
    }
}
