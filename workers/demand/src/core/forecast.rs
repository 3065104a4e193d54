//! Forecasting one day: per item and hour an expected number of units, the
//! most likely number (the median) and an 80% interval, and the same for each
//! item's day and the shop's day, from the model or a baseline.
//!
//! Every figure comes from a predictive distribution per cell
//! ([`crate::core::distributions`]): a negative binomial with the predicted
//! mean and the model's dispersion per level, fitted on its validation days,
//! and intervals whose width is calibrated there to hold 80% of actuals;
//! Poisson and the 10th–90th percentiles for the baselines. `evaluate`
//! reports how often actual sales fell inside the intervals.

use anyhow::Context as _;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::core::baselines;
use crate::core::distributions::{Dispersion, Estimate, NOMINAL, POISSON, Widths};
use crate::core::features::History;
use crate::core::grid::Grid;
use crate::core::model::DemandModel;
use crate::core::predictor::Predictor;
use crate::core::sales::Sales;

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
    pub predictor: Predictor,
    /// `poisson` or `negative binomial`: the distribution behind the median and interval.
    pub interval: String,
    pub store: Estimate,
    /// The shop's hours with a positive expected value, in order (every
    /// item together). The interval uses the store-day dispersion, an
    /// approximation: the hourly store total is not scored on its own yet.
    #[serde(default)]
    pub store_hours: Vec<HourForecast>,
    /// Every item of the sales table, busiest first.
    pub items: Vec<ItemForecast>,
}

/// Forecasts `date` (typically tomorrow) from every sale before it with
/// `predictor`; `model` is the trained model, needed when that is the predictor.
pub fn forecast_day(
    predictor: Predictor,
    model: Option<&DemandModel>,
    sales: &Sales,
    date: NaiveDate,
) -> anyhow::Result<DayForecast> {
    let (grid, alpha, width) = match predictor {
        Predictor::Model => {
            let model = model.context(
                "the model was chosen to forecast but none is trained or loaded: retrain, or serve a baseline",
            )?;
            (
                model.predict(&History::new(sales), date)?,
                model.meta().dispersion,
                model.meta().interval_width,
            )
        }
        Predictor::SeasonalNaive => (baselines::seasonal_naive(sales, date), POISSON, NOMINAL),
        Predictor::Mean28 => (baselines::mean_28d(sales, date), POISSON, NOMINAL),
    };
    Ok(day_forecast(predictor, &alpha, &width, sales, &grid, date))
}

/// Turns a grid of hourly means into a [`DayForecast`] with distributions of
/// dispersion `alpha` and intervals of central probability `width`.
pub fn day_forecast(
    predictor: Predictor,
    alpha: &Dispersion,
    width: &Widths,
    sales: &Sales,
    grid: &Grid,
    date: NaiveDate,
) -> DayForecast {
    let mut items: Vec<ItemForecast> = sales
        .items()
        .iter()
        .zip(&grid.cells)
        .map(|(sku, row)| ItemForecast {
            sku: sku.clone(),
            day: Estimate::negative_binomial_within(
                row.iter().sum(),
                alpha.item_day,
                width.item_day,
            ),
            hours: row
                .iter()
                .enumerate()
                .filter(|(_, m)| **m > 0.0)
                .map(|(hour, &m)| HourForecast {
                    hour,
                    units: Estimate::negative_binomial_within(m, alpha.item_hour, width.item_hour),
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
        predictor,
        interval: if *alpha == POISSON {
            "poisson".to_owned()
        } else {
            "negative binomial".to_owned()
        },
        store: Estimate::negative_binomial_within(
            grid.store_day(),
            alpha.store_day,
            width.store_day,
        ),
        store_hours: (0..crate::core::sales::HOURS)
            .map(|hour| (hour, grid.cells.iter().map(|row| row[hour]).sum::<f64>()))
            .filter(|(_, m)| *m > 0.0)
            .map(|(hour, m)| HourForecast {
                hour,
                units: Estimate::negative_binomial_within(m, alpha.store_day, width.store_day),
            })
            .collect(),
        items,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_forecast_sums_hours_and_ranks_items() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("valid");
        let sales =
            Sales::from_local([("a", d("2015-01-01"), 12, 1), ("b", d("2015-01-01"), 12, 1)])
                .expect("non-empty");
        let mut grid = Grid::zeros(2);
        grid.cells[1][12] = 0.5;
        grid.cells[1][13] = 0.5;
        let f = day_forecast(
            Predictor::Model,
            &POISSON,
            &NOMINAL,
            &sales,
            &grid,
            d("2015-01-02"),
        );
        assert_eq!(f.items[0].sku, "b", "busiest first");
        assert_eq!(f.items[0].day, Estimate::poisson(1.0));
        assert_eq!(f.items[0].hours.len(), 2);
        assert_eq!(f.items[1].hours.len(), 0, "no zero hours listed");
        assert_eq!(f.store.mean, 1.0);
        let hours: Vec<(usize, f64)> = f
            .store_hours
            .iter()
            .map(|h| (h.hour, h.units.mean))
            .collect();
        assert_eq!(
            hours,
            vec![(12, 0.5), (13, 0.5)],
            "the shop's hours sum the items'"
        );
        assert!(f.store.covers(2.0) && !f.store.covers(3.0));
    }

    #[test]
    fn baselines_forecast_through_the_same_path() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("valid");
        let sales =
            Sales::from_local([("a", d("2015-01-01"), 12, 3), ("a", d("2015-01-02"), 12, 1)])
                .expect("non-empty");
        let f = forecast_day(Predictor::Mean28, None, &sales, d("2015-01-03")).expect("forecast");
        assert_eq!(f.predictor, Predictor::Mean28);
        assert_eq!(f.items[0].hours[0].hour, 12);
        assert_eq!(f.items[0].hours[0].units.mean, 2.0);
        let f = forecast_day(Predictor::SeasonalNaive, None, &sales, d("2015-01-08"))
            .expect("forecast");
        assert_eq!(f.items[0].day.mean, 3.0);
    }

    #[test]
    fn the_model_without_a_model_is_an_error_that_says_what_to_do() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("valid");
        let sales = Sales::from_local([("a", d("2015-01-01"), 12, 3)]).expect("non-empty");
        let err = forecast_day(Predictor::Model, None, &sales, d("2015-01-02"))
            .expect_err("no model to forecast with");
        assert!(err.to_string().contains("serve a baseline"), "{err}");
    }
}
