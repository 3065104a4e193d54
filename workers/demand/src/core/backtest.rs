//! Scoring a forecaster against both baselines over a range of days, each day
//! forecast from the sales before it: the model's validation (what promotion
//! reads) and `evaluate`'s test range are both scored here.

use chrono::{Days, NaiveDate};

use crate::core::baselines;
use crate::core::distributions::{Dispersion, POISSON, Widths};
use crate::core::grid::Grid;
use crate::core::levels::Levels;
use crate::core::predictor::Predictor;
use crate::core::sales::Sales;
use crate::core::scoring::{
    Accumulator, ByPredictor, Coverage, Point, PointForecast, Score, naive_scales,
};

/// The scores of a backtest over a range of days.
#[derive(Debug, Clone, PartialEq)]
pub struct Backtest {
    /// The forecaster's point forecast (see [`PointForecast`]) against the
    /// baselines' values.
    pub scores: Levels<ByPredictor>,
    /// Every predictor scored on its expected values.
    pub means: Levels<ByPredictor>,
    /// Every predictor scored on its medians (the baselines' Poisson ones).
    pub medians: Levels<ByPredictor>,
    /// Share of actuals inside the forecaster's intervals (item-hour counts
    /// only its `hours`).
    pub coverage: Levels<f64>,
    pub days: usize,
}

/// The forecaster under test, in the [`Predictor::Model`] seat.
pub struct Contender<F> {
    /// Hourly means for a date, from the sales before it.
    pub means: F,
    /// The spread of its predictive distributions.
    pub dispersion: Dispersion,
    /// The central probability of its intervals per level.
    pub width: Widths,
    /// The hours it forecasts (item-hour coverage counts only these).
    pub hours: Vec<usize>,
    /// Which figure of its distributions its headline scores are of.
    pub point: PointForecast,
}

/// Scores `contender` and both baselines on each day of `from..=to`. MASE is
/// scaled by the week-on-week error of the days before `from`.
pub fn backtest<E>(
    sales: &Sales,
    from: NaiveDate,
    to: NaiveDate,
    mut contender: Contender<impl FnMut(NaiveDate) -> Result<Grid, E>>,
) -> Result<Backtest, E> {
    let alpha = contender.dispersion;
    let mut means: [Accumulator; 3] = Default::default();
    let mut medians: [Accumulator; 3] = Default::default();
    let mut coverage = Coverage::default();
    let mut days = 0;
    let mut date = from;
    while date <= to {
        let actual = Grid::actual(sales, date);
        for ((p, mean), median) in Predictor::ALL.iter().zip(&mut means).zip(&mut medians) {
            let (forecast, dispersion) = match p {
                Predictor::Model => ((contender.means)(date)?, alpha),
                Predictor::SeasonalNaive => (baselines::seasonal_naive(sales, date), POISSON),
                Predictor::Mean28 => (baselines::mean_28d(sales, date), POISSON),
            };
            mean.add_day(&actual, &forecast, Point::Mean);
            median.add_day(&actual, &forecast, Point::Median(dispersion));
            if *p == Predictor::Model {
                coverage.add_day(
                    &actual,
                    &forecast,
                    &contender.hours,
                    &alpha,
                    &contender.width,
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
        model: match contender.point {
            PointForecast::Median => median.model,
            PointForecast::Mean => mean.model,
        },
        ..mean
    };
    Ok(Backtest {
        scores: Levels {
            item_day: headline(means.item_day, medians.item_day),
            item_hour: headline(means.item_hour, medians.item_hour),
            store_day: headline(means.store_day, medians.store_day),
        },
        means,
        medians,
        coverage: coverage.shares(),
        days,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("valid date")
    }

    /// Two items over three weeks, with a weekly pattern and some noise.
    fn sales() -> Sales {
        let mut records = Vec::new();
        for k in 0..21u32 {
            let date = d("2015-01-01") + Days::new(u64::from(k));
            records.push(("a", date, 12, 1 + k % 7));
            records.push(("b", date, 18, (k * 5) % 3));
        }
        Sales::from_local(records).expect("non-empty")
    }

    fn contender<F>(means: F, point: PointForecast) -> Contender<F> {
        Contender {
            means,
            dispersion: POISSON,
            width: crate::core::distributions::NOMINAL,
            hours: vec![12, 18],
            point,
        }
    }

    #[test]
    fn a_contender_that_forecasts_like_a_baseline_scores_like_it() {
        let s = sales();
        let (from, to) = (d("2015-01-15"), d("2015-01-21"));
        let naive = |date| Ok::<_, ()>(baselines::seasonal_naive(&s, date));
        let b = backtest(&s, from, to, contender(naive, PointForecast::Mean)).expect("scores");
        assert_eq!(b.days, 7);
        for l in [b.scores.item_day, b.scores.item_hour, b.scores.store_day] {
            assert_eq!(l.model, l.seasonal_naive);
        }
        assert!(
            b.scores.item_day.model.wape > 0.0,
            "`b` does not repeat weekly"
        );
    }

    #[test]
    fn a_perfect_contender_scores_zero_and_its_intervals_hold_every_actual() {
        let s = sales();
        let (from, to) = (d("2015-01-15"), d("2015-01-21"));
        let exact = |date| Ok::<_, ()>(Grid::actual(&s, date));
        let b = backtest(&s, from, to, contender(exact, PointForecast::Median)).expect("scores");
        assert_eq!(b.scores.item_day.model.wape, 0.0);
        assert_eq!(b.scores.store_day.model.mase, 0.0);
        assert_eq!(b.coverage.item_hour, 1.0);
        assert!(
            b.scores.item_day.mean_28d.wape > 0.0,
            "the baselines are still scored"
        );
    }

    #[test]
    fn the_contenders_error_stops_the_backtest() {
        let s = sales();
        let failing = |_| Err::<Grid, _>("no model");
        let err = backtest(
            &s,
            d("2015-01-15"),
            d("2015-01-16"),
            contender(failing, PointForecast::Mean),
        );
        assert_eq!(err, Err("no model"));
    }
}
