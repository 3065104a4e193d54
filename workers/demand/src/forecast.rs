//! Forecasting one day: per item and hour an expected number of units with a
//! 10th–90th percentile interval, and each item's day total, from the model or a baseline.
//!
//! Intervals are Poisson quantiles of the predicted mean (a day total is the
//! sum of its hours, so it is Poisson with the summed mean). They assume the
//! mean is right and sales are independent; `evaluate` reports how often
//! actual sales fell inside them, which is the check on that assumption.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::baselines;
use crate::features::History;
use crate::grid::Grid;
use crate::model::DemandModel;
use crate::sales::Sales;

/// Lower and upper quantiles of every interval.
pub const LOWER: f64 = 0.1;
pub const UPPER: f64 = 0.9;

/// What produces the hourly means.
#[derive(Debug, Clone, Copy)]
pub enum Predictor<'m> {
    Model(&'m DemandModel),
    SeasonalNaive,
    Mean28,
}

impl Predictor<'_> {
    /// The name used in reports and in the owners' summary.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Model(_) => "model",
            Self::SeasonalNaive => "seasonal_naive",
            Self::Mean28 => "mean_28d",
        }
    }

    /// Expected units per item and hour on `date`, in the item order of
    /// `history`'s sales, using only sales before `date`.
    pub fn hourly_means(&self, history: &History, date: NaiveDate) -> anyhow::Result<Grid> {
        match self {
            Self::Model(m) => m.predict(history, date),
            Self::SeasonalNaive => Ok(baselines::seasonal_naive(history.sales(), date)),
            Self::Mean28 => Ok(baselines::mean_28d(history.sales(), date)),
        }
    }
}

/// An expected value and its 10th–90th percentile interval, in units.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub mean: f64,
    pub p10: u32,
    pub p90: u32,
}

impl Estimate {
    pub fn poisson(mean: f64) -> Self {
        Self {
            mean,
            p10: poisson_quantile(mean, LOWER),
            p90: poisson_quantile(mean, UPPER),
        }
    }

    /// Whether `units` lies inside the interval (ends included).
    pub fn covers(&self, units: f64) -> bool {
        f64::from(self.p10) <= units && units <= f64::from(self.p90)
    }
}

/// One hour of one item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HourForecast {
    pub hour: usize,
    #[serde(flatten)]
    pub units: Estimate,
}

/// One item's day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemForecast {
    pub sku: String,
    pub day: Estimate,
    /// Hours with a positive expected value, in order.
    pub hours: Vec<HourForecast>,
}

/// The forecast of one day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayForecast {
    pub date: NaiveDate,
    /// `model`, `seasonal_naive` or `mean_28d`.
    pub predictor: String,
    /// `poisson`: how the intervals were made.
    pub interval: String,
    pub store: Estimate,
    /// Every item of the sales table, busiest first.
    pub items: Vec<ItemForecast>,
}

/// Forecasts `date` (typically tomorrow) from every sale before it.
pub fn forecast_day(
    predictor: &Predictor,
    sales: &Sales,
    date: NaiveDate,
) -> anyhow::Result<DayForecast> {
    let history = History::new(sales);
    let grid = predictor.hourly_means(&history, date)?;
    Ok(day_forecast(predictor.name(), sales, &grid, date))
}

/// Turns a grid of hourly means into a [`DayForecast`].
pub fn day_forecast(predictor: &str, sales: &Sales, grid: &Grid, date: NaiveDate) -> DayForecast {
    let mut items: Vec<ItemForecast> = sales
        .items()
        .iter()
        .zip(&grid.cells)
        .map(|(sku, row)| ItemForecast {
            sku: sku.clone(),
            day: Estimate::poisson(row.iter().sum()),
            hours: row
                .iter()
                .enumerate()
                .filter(|(_, m)| **m > 0.0)
                .map(|(hour, &m)| HourForecast {
                    hour,
                    units: Estimate::poisson(m),
                })
                .collect(),
        })
        .collect();
    items.sort_by(|a, b| {
        b.day
            .mean
            .total_cmp(&a.day.mean)
            .then_with(|| a.sku.cmp(&b.sku))
    });
    DayForecast {
        date,
        predictor: predictor.to_owned(),
        interval: "poisson".to_owned(),
        store: Estimate::poisson(grid.store_day()),
        items,
    }
}

/// The smallest `k` with P(X ≤ k) ≥ `q` for X ~ Poisson(`mean`).
pub fn poisson_quantile(mean: f64, q: f64) -> u32 {
    if mean.is_nan() || mean <= 0.0 {
        return 0;
    }
    if mean > 500.0 {
        // exp(-mean) underflows; the normal approximation is excellent here.
        let z = normal_quantile(q);
        return (mean + z * mean.sqrt() + 0.5).floor().max(0.0) as u32;
    }
    let mut p = (-mean).exp();
    let mut cdf = p;
    let mut k = 0u32;
    while cdf < q && k < 10_000 {
        k += 1;
        p *= mean / f64::from(k);
        cdf += p;
    }
    k
}

/// Standard normal quantile for the two levels used here (and a rough
/// rational approximation otherwise, Abramowitz–Stegun 26.2.23).
fn normal_quantile(q: f64) -> f64 {
    let (p, sign) = if q < 0.5 { (q, -1.0) } else { (1.0 - q, 1.0) };
    let t = (-2.0 * p.ln()).sqrt();
    let z = t
        - (2.515_517 + 0.802_853 * t + 0.010_328 * t * t)
            / (1.0 + 1.432_788 * t + 0.189_269 * t * t + 0.001_308 * t * t * t);
    sign * z
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_quantiles_match_tables() {
        // Poisson(1): P(0)=0.368, P(≤1)=0.736, P(≤2)=0.920.
        assert_eq!(poisson_quantile(1.0, 0.1), 0);
        assert_eq!(poisson_quantile(1.0, 0.9), 2);
        // Poisson(10): P(≤5)=0.067, P(≤6)=0.130; P(≤13)=0.864, P(≤14)=0.917.
        assert_eq!(poisson_quantile(10.0, 0.1), 6);
        assert_eq!(poisson_quantile(10.0, 0.9), 14);
        assert_eq!(poisson_quantile(0.0, 0.9), 0);
        // Large means: mean ± 1.2816 sd.
        assert_eq!(poisson_quantile(10_000.0, 0.9), 10_128);
        assert_eq!(poisson_quantile(10_000.0, 0.1), 9_872);
    }

    #[test]
    fn a_day_forecast_sums_hours_and_ranks_items() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("valid");
        let sales =
            Sales::from_local([("a", d("2015-01-01"), 12, 1), ("b", d("2015-01-01"), 12, 1)])
                .expect("non-empty");
        let mut grid = Grid::zeros(2);
        grid.cells[1][12] = 0.5;
        grid.cells[1][13] = 0.5;
        let f = day_forecast("model", &sales, &grid, d("2015-01-02"));
        assert_eq!(f.items[0].sku, "b", "busiest first");
        assert_eq!(f.items[0].day, Estimate::poisson(1.0));
        assert_eq!(f.items[0].hours.len(), 2);
        assert_eq!(f.items[1].hours.len(), 0, "no zero hours listed");
        assert_eq!(f.store.mean, 1.0);
        assert!(f.store.covers(2.0) && !f.store.covers(3.0));
    }

    #[test]
    fn baselines_forecast_through_the_same_path() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("valid");
        let sales =
            Sales::from_local([("a", d("2015-01-01"), 12, 3), ("a", d("2015-01-02"), 12, 1)])
                .expect("non-empty");
        let f = forecast_day(&Predictor::Mean28, &sales, d("2015-01-03")).expect("forecast");
        assert_eq!(f.predictor, "mean_28d");
        assert_eq!(f.items[0].hours[0].hour, 12);
        assert_eq!(f.items[0].hours[0].units.mean, 2.0);
        let f = forecast_day(&Predictor::SeasonalNaive, &sales, d("2015-01-08")).expect("forecast");
        assert_eq!(f.items[0].day.mean, 3.0);
    }
}
