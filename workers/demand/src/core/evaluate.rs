//! Backtesting: train on everything before a date, then forecast each later
//! day one day ahead and score the model against both baselines.

use std::fmt;

use anyhow::Context as _;
use chrono::NaiveDate;
use serde::Serialize;

use crate::core::config::TrainConfig;
use crate::core::distributions::Dispersion;
use crate::core::levels::Levels;
use crate::core::model::DemandModel;
use crate::core::predictor::Predictor;
use crate::core::promotion::{Decision, decide};
use crate::core::sales::Sales;
use crate::core::scoring::{ByPredictor, PointForecast, Score};

/// The outcome of [`evaluate`]. Serialises to exactly
/// `{"item_day": {"model": {"wape", "mase"}, "seasonal_naive": …, "mean_28d": …}, "item_hour": …, "store_day": …, "train_seconds": …}`;
/// the rest shows in its `Display` only.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub item_day: ByPredictor,
    pub item_hour: ByPredictor,
    pub store_day: ByPredictor,
    pub train_seconds: f64,
    #[serde(skip)]
    pub details: Details,
}

/// What the report's table shows besides the scores.
#[derive(Debug, Clone, PartialEq)]
pub struct Details {
    pub test_from: NaiveDate,
    pub test_to: NaiveDate,
    pub test_days: usize,
    /// Share of actuals inside the model's 80% intervals, per level.
    pub coverage: Levels<f64>,
    /// The model's dispersion per level (0: Poisson), fitted on its validation days.
    pub dispersion: Dispersion,
    /// What the model's scores are of.
    pub point: PointForecast,
    /// Every predictor on its expected values, and every one on its medians.
    pub means: Levels<ByPredictor>,
    pub medians: Levels<ByPredictor>,
    pub epochs_run: usize,
    pub best_epochs: Vec<usize>,
    pub train_rows: usize,
    /// Item-day scores on the validation days (the last days before the test
    /// range) and what promotion decided from them.
    pub validation: ByPredictor,
    pub decision: Decision,
}

/// Reads nothing but `sales`: trains on the days before `test_from`, then
/// forecasts each day from `test_from` to the last date, each from the sales
/// before it (one day ahead, no retraining), and scores all three predictors.
pub fn evaluate(sales: &Sales, test_from: NaiveDate, cfg: &TrainConfig) -> anyhow::Result<Report> {
    anyhow::ensure!(
        test_from > sales.first_date() && test_from <= sales.last_date(),
        "the test range must start inside the data ({} to {})",
        sales.first_date(),
        sales.last_date()
    );
    let train = sales
        .before(test_from)
        .context("nothing to train on before the test range")?;
    let model = DemandModel::train(&train, cfg)?;
    let test = model.backtest(sales, test_from, sales.last_date())?;
    let m = &model.meta().metrics;
    Ok(Report {
        item_day: test.scores.item_day,
        item_hour: test.scores.item_hour,
        store_day: test.scores.store_day,
        train_seconds: m.train_seconds,
        details: Details {
            test_from,
            test_to: sales.last_date(),
            test_days: test.days,
            coverage: test.coverage,
            dispersion: model.meta().dispersion,
            point: model.meta().config.point,
            means: test.means,
            medians: test.medians,
            epochs_run: m.epochs_run,
            best_epochs: m.best_epochs.clone(),
            train_rows: m.train_rows,
            validation: model.meta().validation.item_day,
            decision: decide(&model.meta().validation.item_day),
        },
    })
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.details;
        writeln!(
            f,
            "Backtest {} to {} ({} days, one day ahead); trained in {:.1} s ({} rows, {} epochs, kept epochs {:?})",
            d.test_from,
            d.test_to,
            d.test_days,
            self.train_seconds,
            d.train_rows,
            d.epochs_run,
            d.best_epochs
        )?;
        writeln!(
            f,
            "{:<10} {:<15} {:>7} {:>7}",
            "level", "predictor", "WAPE", "MASE"
        )?;
        for (level, by, cover) in [
            ("item-day", &self.item_day, d.coverage.item_day),
            ("item-hour", &self.item_hour, d.coverage.item_hour),
            ("store-day", &self.store_day, d.coverage.store_day),
        ] {
            for p in Predictor::ALL {
                let (s, name) = (by.get(p), p.label());
                let label = if p == Predictor::Model { level } else { "" };
                writeln!(f, "{label:<10} {name:<15} {:>7.3} {:>7.3}", s.wape, s.mase)?;
            }
            let best = by.seasonal_naive.wape.min(by.mean_28d.wape);
            writeln!(
                f,
                "{:<10} model vs better baseline: {:+.1}% WAPE; 80% interval coverage {:.0}%",
                "",
                (by.model.wape / best - 1.0) * 100.0,
                cover * 100.0
            )?;
        }
        let a = &d.dispersion;
        let point = match d.point {
            PointForecast::Median => "the median of its predictive distribution",
            PointForecast::Mean => "its expected value",
        };
        writeln!(
            f,
            "The model's point forecast is {point}: negative binomial, dispersion {:.3} item-day, {:.3} item-hour, {:.3} store-day (0 = Poisson). The baselines are their values.",
            a.item_day, a.item_hour, a.store_day
        )?;
        writeln!(
            f,
            "Every predictor on the same footing (WAPE item-day / item-hour / store-day):"
        )?;
        for (what, l) in [
            ("expected values", &d.means),
            ("medians (baselines Poisson)", &d.medians),
        ] {
            let row = |p: fn(&ByPredictor) -> Score| {
                format!(
                    "{:.3} / {:.3} / {:.3}",
                    p(&l.item_day).wape,
                    p(&l.item_hour).wape,
                    p(&l.store_day).wape
                )
            };
            writeln!(
                f,
                "  {what:<28} model {}; seasonal naive {}; 28-day mean {}",
                row(|b| b.model),
                row(|b| b.seasonal_naive),
                row(|b| b.mean_28d)
            )?;
        }
        let v = &d.validation;
        writeln!(
            f,
            "Validation item-day WAPE: model {:.3}, seasonal naive {:.3}, 28-day mean {:.3}. {}",
            v.model.wape, v.seasonal_naive.wape, v.mean_28d.wape, d.decision.reason
        )?;
        Ok(())
    }
}
