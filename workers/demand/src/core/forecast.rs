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
use crate::core::opening::Closures;
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
    /// Closed all day by the shop's settings (every figure is then zero).
    #[serde(default)]
    pub closed: bool,
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
/// Hours the shop's settings close (`closures`) get nothing, whichever the
/// predictor; without settings only the model guesses closed days.
pub fn forecast_day(
    predictor: Predictor,
    model: Option<&DemandModel>,
    sales: &Sales,
    date: NaiveDate,
    closures: &Closures,
) -> anyhow::Result<DayForecast> {
    let (mut grid, alpha, width) = match predictor {
        Predictor::Model => {
            let model = model.context(
                "the model was chosen to forecast but none is trained or loaded: retrain, or serve a baseline",
            )?;
            (
                model.predict_with(&History::new(sales), date, closures)?,
                model.meta().dispersion,
                model.meta().interval_width,
            )
        }
        Predictor::SeasonalNaive => (baselines::seasonal_naive(sales, date), POISSON, NOMINAL),
        Predictor::Mean28 => (baselines::mean_28d(sales, date), POISSON, NOMINAL),
    };
    let known = closures.known(date);
    if let Some(open) = known {
        open.apply(&mut grid);
    }
    let mut f = day_forecast(predictor, &alpha, &width, sales, &grid, date);
    f.closed = known.is_some_and(|open| open.is_closed_day());
    Ok(f)
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
        closed: false,
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
        let f = forecast_day(
            Predictor::Mean28,
            None,
            &sales,
            d("2015-01-03"),
            &Closures::Guessed,
        )
        .expect("forecast");
        assert_eq!(f.predictor, Predictor::Mean28);
        assert_eq!(f.items[0].hours[0].hour, 12);
        assert_eq!(f.items[0].hours[0].units.mean, 2.0);
        let f = forecast_day(
            Predictor::SeasonalNaive,
            None,
            &sales,
            d("2015-01-08"),
            &Closures::Guessed,
        )
        .expect("forecast");
        assert_eq!(f.items[0].day.mean, 3.0);
    }

    #[test]
    fn the_model_without_a_model_is_an_error_that_says_what_to_do() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("valid");
        let sales = Sales::from_local([("a", d("2015-01-01"), 12, 3)]).expect("non-empty");
        let err = forecast_day(
            Predictor::Model,
            None,
            &sales,
            d("2015-01-02"),
            &Closures::Guessed,
        )
        .expect_err("no model to forecast with");
        assert!(err.to_string().contains("serve a baseline"), "{err}");
    }

    #[test]
    fn a_day_the_settings_close_is_zero_with_a_zero_range_for_every_predictor() {
        use crate::core::opening::OpenHours;
        use std::sync::Arc;
        let d = |s: &str| s.parse::<NaiveDate>().expect("valid");
        let sales =
            Sales::from_local([("a", d("2015-01-01"), 12, 3), ("a", d("2015-01-02"), 19, 2)])
                .expect("non-empty");
        let closed_on_the_3rd = Closures::Settings(Arc::new(move |date| {
            if date == d("2015-01-03") {
                OpenHours::NONE
            } else {
                OpenHours::from_fn(|h| (11..15).contains(&h))
            }
        }));
        for p in [Predictor::Mean28, Predictor::SeasonalNaive] {
            let f = forecast_day(p, None, &sales, d("2015-01-03"), &closed_on_the_3rd)
                .expect("forecast");
            assert!(f.closed, "{p}");
            assert_eq!((f.store.mean, f.store.p10, f.store.p90), (0.0, 0, 0), "{p}");
            assert!(f.store_hours.is_empty() && f.items.iter().all(|i| i.hours.is_empty()));
        }
        // Open 11:00-15:00: lunch keeps the 28-day mean, the evening gets nothing.
        let f = forecast_day(
            Predictor::Mean28,
            None,
            &sales,
            d("2015-01-04"),
            &closed_on_the_3rd,
        )
        .expect("forecast");
        assert!(!f.closed);
        let hours: Vec<(usize, f64)> = f
            .store_hours
            .iter()
            .map(|h| (h.hour, h.units.mean))
            .collect();
        assert_eq!(hours, vec![(12, 1.5)], "19:00 is after closing");
    }
}
