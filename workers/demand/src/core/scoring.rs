//! Scoring forecasts against what sold: WAPE and MASE at three levels
//! (item-day, item-hour, store-day), and how often the intervals held the actuals.
//!
//! Both are pooled over every cell of a level, not averaged per series: an
//! item that sells twice a month would otherwise dominate the average with a
//! huge or undefined ratio.
//! - WAPE = Σ|actual − forecast| / Σ actual.
//! - MASE = MAE / (in-sample MAE of the seasonal naive 7-day forecast over the
//!   training period, at the same level). Below 1: better than repeating last week.
//!
//! The forecast scored is a [`Point`] of each cell's predictive distribution:
//! the mean (what the baselines are), or the median, which is what minimises
//! absolute error and so the point forecast a probabilistic model gives for WAPE.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::core::choice::{self, UnknownName};
use crate::core::distributions::{Dispersion, Estimate, Widths, count_quantile};
use crate::core::grid::Grid;
use crate::core::levels::{ALL_HOURS, Level, Levels, visit_levels};
use crate::core::predictor::Predictor;
use crate::core::sales::Sales;

/// The score of one predictor at one level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub wape: f64,
    pub mase: f64,
}

/// The scores of the model and the two baselines at one level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ByPredictor {
    pub model: Score,
    pub seasonal_naive: Score,
    pub mean_28d: Score,
}

impl ByPredictor {
    pub fn get(&self, predictor: Predictor) -> Score {
        match predictor {
            Predictor::Model => self.model,
            Predictor::SeasonalNaive => self.seasonal_naive,
            Predictor::Mean28 => self.mean_28d,
        }
    }
}

/// Weighted absolute percentage error; NaN when nothing was sold.
pub fn wape(actual: &[f64], forecast: &[f64]) -> f64 {
    let err: f64 = actual
        .iter()
        .zip(forecast)
        .map(|(a, f)| (a - f).abs())
        .sum();
    err / actual.iter().sum::<f64>()
}

/// Mean absolute scaled error against a given in-sample scale.
pub fn mase(actual: &[f64], forecast: &[f64], scale: f64) -> f64 {
    let err: f64 = actual
        .iter()
        .zip(forecast)
        .map(|(a, f)| (a - f).abs())
        .sum();
    err / actual.len() as f64 / scale
}

/// The model's point forecast: what its WAPE and MASE are computed from, in
/// validation (and so promotion) and in `evaluate`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PointForecast {
    /// The median of the predictive distribution: the forecast with the
    /// least expected absolute error, which is what WAPE and MASE count.
    #[default]
    Median,
    /// The expected value (the network's output).
    Mean,
}

impl PointForecast {
    pub fn name(self) -> &'static str {
        match self {
            Self::Median => "median",
            Self::Mean => "mean",
        }
    }
}

impl std::str::FromStr for PointForecast {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, UnknownName> {
        choice::parse(
            s,
            &[Self::Median, Self::Mean],
            Self::name,
            "point forecast",
            "median or mean",
        )
    }
}

/// Which figure of each cell's forecast distribution is scored.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Point {
    /// The expected value (the grid itself, summed up to days and the shop).
    Mean,
    /// The median of a negative binomial with the cell's mean and this
    /// dispersion per level (all zero: Poisson).
    Median(Levels<f64>),
}

impl Point {
    fn value(self, mean: f64, level: Level) -> f64 {
        match self {
            Self::Mean => mean,
            Self::Median(a) => f64::from(count_quantile(mean, *a.get(level), 0.5)),
        }
    }
}

/// Running sums of absolute error, actuals and cell count at one level.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Tally {
    abs_err: f64,
    actual: f64,
    cells: f64,
}

impl Tally {
    fn add(&mut self, actual: f64, forecast: f64) {
        self.abs_err += (actual - forecast).abs();
        self.actual += actual;
        self.cells += 1.0;
    }

    fn score(&self, scale: f64) -> Score {
        Score {
            wape: self.abs_err / self.actual,
            mase: self.abs_err / self.cells / scale,
        }
    }

    fn mae(&self) -> f64 {
        self.abs_err / self.cells
    }
}

/// Accumulates one predictor's errors day by day at all three levels.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Accumulator(Levels<Tally>);

impl Accumulator {
    /// Adds one day, scoring `point` of the forecast means' distributions;
    /// both grids must be in the same item order.
    pub fn add_day(&mut self, actual: &Grid, forecast: &Grid, point: Point) {
        visit_levels(actual, forecast, &ALL_HOURS, |level, a, mean| {
            self.0.get_mut(level).add(a, point.value(mean, level));
        });
    }

    /// WAPE and MASE at each level, scaled by `scales`.
    pub fn scores(&self, scales: &Levels<f64>) -> Levels<Score> {
        let t = &self.0;
        Levels {
            item_day: t.item_day.score(scales.item_day),
            item_hour: t.item_hour.score(scales.item_hour),
            store_day: t.store_day.score(scales.store_day),
        }
    }

    /// Mean absolute error at each level.
    pub fn mae(&self) -> Levels<f64> {
        let t = &self.0;
        Levels {
            item_day: t.item_day.mae(),
            item_hour: t.item_hour.mae(),
            store_day: t.store_day.mae(),
        }
    }
}

/// MASE scales: the in-sample MAE, at each level, of forecasting each day in
/// `[first date + 7, until)` with the same day a week before.
pub fn naive_scales(sales: &Sales, until: NaiveDate) -> Levels<f64> {
    let mut acc = Accumulator::default();
    for date in sales.dates().skip(7).take_while(|&d| d < until) {
        let week_ago = date - Days::new(7);
        acc.add_day(
            &Grid::actual(sales, date),
            &Grid::actual(sales, week_ago),
            Point::Mean,
        );
    }
    acc.mae()
}

/// Counts, per level, the actuals inside the intervals of negative binomials
/// with the forecast means, dispersion `alpha` and interval widths `width`
/// (0.8: the 10th to the 90th percentile).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Coverage {
    inside: Levels<usize>,
    cells: Levels<usize>,
}

impl Coverage {
    /// Adds one day: each item's `hours`, each item's day and the shop's day.
    pub fn add_day(
        &mut self,
        actual: &Grid,
        forecast: &Grid,
        hours: &[usize],
        alpha: &Dispersion,
        width: &Widths,
    ) {
        visit_levels(actual, forecast, hours, |level, a, mean| {
            *self.cells.get_mut(level) += 1;
            let estimate =
                Estimate::negative_binomial_within(mean, *alpha.get(level), *width.get(level));
            *self.inside.get_mut(level) += usize::from(estimate.covers(a));
        });
    }

    /// The share of actuals inside their intervals, per level.
    pub fn shares(&self) -> Levels<f64> {
        let share = |level: Level| *self.inside.get(level) as f64 / *self.cells.get(level) as f64;
        Levels {
            item_day: share(Level::ItemDay),
            item_hour: share(Level::ItemHour),
            store_day: share(Level::StoreDay),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::distributions::NOMINAL;

    #[test]
    fn wape_and_mase_on_hand_made_numbers() {
        let actual = [4.0, 0.0, 6.0];
        let forecast = [3.0, 1.0, 8.0];
        // |e| = 1 + 1 + 2 = 4 over 10 sold.
        assert!((wape(&actual, &forecast) - 0.4).abs() < 1e-12);
        // MAE 4/3 over a scale of 2.
        assert!((mase(&actual, &forecast, 2.0) - 2.0 / 3.0).abs() < 1e-12);
        assert!(
            wape(&[0.0], &[1.0]).is_infinite(),
            "nothing sold: undefined"
        );
    }

    fn grid(cells: &[(usize, usize, f64)], items: usize) -> Grid {
        let mut g = Grid::zeros(items);
        for &(i, h, v) in cells {
            g.cells[i][h] = v;
        }
        g
    }

    #[test]
    fn the_three_levels_pool_errors_differently() {
        // Item 0 sells 2 at 12:00; the forecast puts them at 13:00: perfect at
        // item-day and store-day, all wrong at item-hour.
        // Item 1 sells 3 at 18:00; forecast 1 at 18:00.
        let actual = grid(&[(0, 12, 2.0), (1, 18, 3.0)], 2);
        let forecast = grid(&[(0, 13, 2.0), (1, 18, 1.0)], 2);
        let mut acc = Accumulator::default();
        acc.add_day(&actual, &forecast, Point::Mean);
        let s = acc.scores(&Levels {
            item_day: 1.0,
            item_hour: 0.5,
            store_day: 2.0,
        });
        assert!((s.item_day.wape - 2.0 / 5.0).abs() < 1e-12);
        assert!((s.item_hour.wape - 6.0 / 5.0).abs() < 1e-12);
        assert!((s.store_day.wape - 2.0 / 5.0).abs() < 1e-12);
        assert!((s.item_day.mase - (2.0 / 2.0) / 1.0).abs() < 1e-12);
        assert!((s.item_hour.mase - (6.0 / 48.0) / 0.5).abs() < 1e-12);
        assert!((s.store_day.mase - 2.0 / 2.0).abs() < 1e-12);
    }

    #[test]
    fn the_median_point_scores_the_most_likely_count() {
        // Item 0: mean 0.6 at 12:00 (Poisson: P(0) = 0.55 ≥ 0.5, median 0),
        // mean 1.5 at 13:00 (P(0) = 0.22, P(≤1) = 0.56 → 1). Day mean 2.1 → 2.
        let forecast = grid(&[(0, 12, 0.6), (0, 13, 1.5)], 1);
        let actual = grid(&[(0, 13, 3.0)], 1);
        let poisson = Levels::default();
        let mut acc = Accumulator::default();
        acc.add_day(&actual, &forecast, Point::Median(poisson));
        let s = acc.scores(&Levels {
            item_day: 1.0,
            item_hour: 1.0,
            store_day: 1.0,
        });
        assert!(
            (s.item_hour.wape - 2.0 / 3.0).abs() < 1e-12,
            "|3 − 1| at 13:00"
        );
        assert!((s.item_day.wape - 1.0 / 3.0).abs() < 1e-12, "|3 − 2|");
        // Wide spread at item-day: α = 2, mean 2.1 → r = 0.5, P(0) = (0.5/2.6)^0.5 = 0.44,
        // P(1) = 0.44 · 0.5 · 2.1/2.6 = 0.18 → median 1.
        let wide = Levels {
            item_day: 2.0,
            ..poisson
        };
        let mut acc = Accumulator::default();
        acc.add_day(&actual, &forecast, Point::Median(wide));
        assert!((acc.mae().item_day - 2.0).abs() < 1e-12, "|3 − 1|");
    }

    #[test]
    fn naive_scale_is_the_in_sample_week_on_week_error() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("valid");
        // 8 days: day 8 (8 Jan) differs from 1 Jan by 3 units at 12:00, 2 at 13:00.
        let s = Sales::from_local([
            ("a", d("2015-01-01"), 12, 4),
            ("a", d("2015-01-08"), 12, 1),
            ("a", d("2015-01-08"), 13, 2),
        ])
        .expect("non-empty");
        let scales = naive_scales(&s, d("2015-01-09"));
        assert!(
            (scales.item_day - 1.0).abs() < 1e-12,
            "|3 - 4| over one item-day"
        );
        assert!((scales.item_hour - 5.0 / 24.0).abs() < 1e-12);
        assert!((scales.store_day - 1.0).abs() < 1e-12);
        // Nothing before the 8th day: no scale (NaN), not zero.
        assert!(naive_scales(&s, d("2015-01-08")).item_day.is_nan());
    }

    #[test]
    fn coverage_counts_actuals_inside_intervals_of_the_given_width() {
        // Poisson(2) at width 0.2 is the 40th–60th percentile: P(≤1) = 0.406,
        // P(≤2) = 0.677, so the interval is 2..=2. The actual 3 falls outside
        // it, though inside the nominal 0..=4.
        let forecast = grid(&[(0, 12, 2.0)], 1);
        let actual = grid(&[(0, 12, 3.0)], 1);
        let narrow = Levels {
            item_hour: 0.2,
            ..NOMINAL
        };
        let mut c = Coverage::default();
        c.add_day(&actual, &forecast, &[12], &Levels::default(), &narrow);
        assert_eq!(c.shares().item_hour, 0.0);
        let mut c = Coverage::default();
        c.add_day(&actual, &forecast, &[12], &Levels::default(), &NOMINAL);
        assert_eq!(c.shares().item_hour, 1.0);
    }

    #[test]
    fn coverage_counts_actuals_inside_the_intervals_per_level() {
        // Poisson(2): the 10–90% interval is 0..=4. Item 0 sells 3 at 12:00
        // (inside) and 6 at 13:00 (outside); the day's 9 against a mean of 4
        // (interval 2..=7) is outside; so is the shop's.
        let forecast = grid(&[(0, 12, 2.0), (0, 13, 2.0)], 1);
        let actual = grid(&[(0, 12, 3.0), (0, 13, 6.0)], 1);
        let mut c = Coverage::default();
        c.add_day(&actual, &forecast, &[12, 13], &Levels::default(), &NOMINAL);
        let s = c.shares();
        assert_eq!((s.item_hour, s.item_day, s.store_day), (0.5, 0.0, 0.0));
    }

    #[test]
    fn point_forecasts_read_back_from_their_names() {
        for p in [PointForecast::Median, PointForecast::Mean] {
            assert_eq!(p.name().parse::<PointForecast>(), Ok(p));
        }
        let err = "mode".parse::<PointForecast>().expect_err("not a point");
        assert_eq!(
            err.to_string(),
            "unknown point forecast `mode` (median or mean)"
        );
    }
}
