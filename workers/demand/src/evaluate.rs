//! Backtesting: train on everything before a date, then forecast each later
//! day one day ahead and score the model against both baselines.

use std::fmt;

use anyhow::Context as _;
use chatorder_db::history::PastOrder;
use chrono::{Days, NaiveDate};
use chrono_tz::Tz;
use serde::Serialize;

use crate::accuracy::{
    Accumulator, ByPredictor, Level, Levels, Point, Score, naive_scales, visit_levels,
};
use crate::features::History;
use crate::forecast::{Dispersion, Estimate, MomentSums, Predictor};
use crate::grid::Grid;
use crate::model::{DemandModel, PointForecast, TrainConfig};
use crate::sales::Sales;

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
    /// Share of actuals inside the model's 10–90% intervals, per level.
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
    pub decision: crate::promotion::Decision,
}

/// The scores of a backtest over a range of days.
#[derive(Debug, Clone, PartialEq)]
pub struct Backtest {
    /// The model's point forecast (see [`crate::model::PointForecast`])
    /// against the baselines' values.
    pub scores: Levels<ByPredictor>,
    /// Every predictor scored on its expected values.
    pub means: Levels<ByPredictor>,
    /// Every predictor scored on its medians (the baselines' Poisson ones).
    pub medians: Levels<ByPredictor>,
    /// Share of actuals inside the model's 10–90% intervals (item-hour counts
    /// only the model's trading hours).
    pub coverage: Levels<f64>,
    pub days: usize,
}

/// The dispersion of the model's errors per level on `from..=to` (what
/// [`DemandModel::train`] keeps from its validation days), each day forecast
/// from the sales before it.
pub fn fit_dispersion(
    model: &DemandModel,
    sales: &Sales,
    from: NaiveDate,
    to: NaiveDate,
) -> anyhow::Result<Dispersion> {
    let history = History::new(sales);
    let mut moments = Levels::<MomentSums>::default();
    let mut date = from;
    while date <= to {
        moments.add_day(&Grid::actual(sales, date), &model.predict(&history, date)?);
        date = date + Days::new(1);
    }
    Ok(moments.dispersion())
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
    let test = score_days(&model, sales, test_from, sales.last_date())?;
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
            decision: crate::promotion::decide(&model.meta().validation.item_day),
        },
    })
}

/// [`evaluate`] on past orders, read in the shop's time zone.
pub fn evaluate_orders(
    orders: &[PastOrder],
    tz: Tz,
    test_from: NaiveDate,
    cfg: &TrainConfig,
) -> anyhow::Result<Report> {
    evaluate(&Sales::from_orders(orders, tz)?, test_from, cfg)
}

/// Scores the model and both baselines on each day of `from..=to`, every
/// forecast made from the sales before its day. MASE is scaled by the
/// week-on-week error of the days before `from`.
pub fn score_days(
    model: &DemandModel,
    sales: &Sales,
    from: NaiveDate,
    to: NaiveDate,
) -> anyhow::Result<Backtest> {
    let history = History::new(sales);
    let predictors = [
        Predictor::Model(model),
        Predictor::SeasonalNaive,
        Predictor::Mean28,
    ];
    let alpha = model.meta().dispersion;
    let mut means: [Accumulator; 3] = Default::default();
    let mut medians: [Accumulator; 3] = Default::default();
    let mut inside = Levels::<usize>::default();
    let mut cells = Levels::<usize>::default();
    let mut days = 0;
    let mut date = from;
    while date <= to {
        let actual = Grid::actual(sales, date);
        for ((p, mean), median) in predictors.iter().zip(&mut means).zip(&mut medians) {
            let forecast = p.hourly_means(&history, date)?;
            mean.add_day(&actual, &forecast, Point::Mean);
            median.add_day(&actual, &forecast, Point::Median(p.dispersion()));
            if let Predictor::Model(m) = p {
                count_coverage(
                    &actual,
                    &forecast,
                    &m.meta().hours,
                    &alpha,
                    &mut inside,
                    &mut cells,
                );
            }
        }
        days += 1;
        date = date + Days::new(1);
    }
    let scales = naive_scales(sales, from);
    let by = |[m, s, a]: [Levels<Score>; 3]| {
        let level = |f: fn(&Levels<Score>) -> Score| ByPredictor {
            model: f(&m),
            seasonal_naive: f(&s),
            mean_28d: f(&a),
        };
        Levels {
            item_day: level(|l| l.item_day),
            item_hour: level(|l| l.item_hour),
            store_day: level(|l| l.store_day),
        }
    };
    let means = by(means.map(|a| a.scores(&scales)));
    let medians = by(medians.map(|a| a.scores(&scales)));
    let headline = |mean: ByPredictor, median: ByPredictor| ByPredictor {
        model: match model.meta().config.point {
            PointForecast::Median => median.model,
            PointForecast::Mean => mean.model,
        },
        ..mean
    };
    let share = |level: Level| *inside.get(level) as f64 / *cells.get(level) as f64;
    Ok(Backtest {
        scores: Levels {
            item_day: headline(means.item_day, medians.item_day),
            item_hour: headline(means.item_hour, medians.item_hour),
            store_day: headline(means.store_day, medians.store_day),
        },
        means,
        medians,
        coverage: Levels {
            item_day: share(Level::ItemDay),
            item_hour: share(Level::ItemHour),
            store_day: share(Level::StoreDay),
        },
        days,
    })
}

/// Counts actuals inside the 10–90% intervals at item-day, item-hour (trading hours) and store-day.
fn count_coverage(
    actual: &Grid,
    forecast: &Grid,
    hours: &[usize],
    alpha: &Dispersion,
    inside: &mut Levels<usize>,
    cells: &mut Levels<usize>,
) {
    visit_levels(actual, forecast, hours, |level, a, mean| {
        *cells.get_mut(level) += 1;
        let estimate = Estimate::negative_binomial(mean, *alpha.get(level));
        *inside.get_mut(level) += usize::from(estimate.covers(a));
    });
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
            for (name, s) in [
                ("model", by.model),
                ("seasonal naive", by.seasonal_naive),
                ("28-day mean", by.mean_28d),
            ] {
                let label = if name == "model" { level } else { "" };
                writeln!(f, "{label:<10} {name:<15} {:>7.3} {:>7.3}", s.wape, s.mase)?;
            }
            let best = by.seasonal_naive.wape.min(by.mean_28d.wape);
            writeln!(
                f,
                "{:<10} model vs better baseline: {:+.1}% WAPE; 10-90% interval coverage {:.0}%",
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
