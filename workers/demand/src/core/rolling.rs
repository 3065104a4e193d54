//! Rolling-origin backtests: several test months, each forecast by a model
//! trained only on the days before it, scored against both baselines and the
//! oracle's noise floor ([`crate::core::oracle`]). Model choices are judged on
//! the mean over the months, never on one of them.

use std::fmt;

use anyhow::Context as _;
use chrono::{Datelike as _, Days, Months, NaiveDate};
use serde::Serialize;

use crate::core::config::TrainConfig;
use crate::core::distributions::{Dispersion, POISSON, Widths};
use crate::core::grid::Grid;
use crate::core::levels::Levels;
use crate::core::model::DemandModel;
use crate::core::oracle::Oracle;
use crate::core::sales::Sales;
use crate::core::scoring::{Accumulator, ByPredictor, Point, naive_scales};

/// WAPE of every predictor at one level, all on the same footing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Wapes {
    pub model: f64,
    pub seasonal_naive: f64,
    pub mean_28d: f64,
    pub oracle: f64,
}

impl Wapes {
    fn of(by: &ByPredictor, oracle: f64) -> Self {
        Self {
            model: by.model.wape,
            seasonal_naive: by.seasonal_naive.wape,
            mean_28d: by.mean_28d.wape,
            oracle,
        }
    }

    /// The lower WAPE of the two baselines.
    pub fn better_baseline(&self) -> f64 {
        self.seasonal_naive.min(self.mean_28d)
    }

    /// The share of the distance from the better baseline down to the oracle
    /// that the model covers: 1 at the oracle, 0 at the baseline, below 0
    /// when the model is worse than the baseline.
    pub fn gap_closed(&self) -> f64 {
        let b = self.better_baseline();
        (b - self.model) / (b - self.oracle)
    }

    fn mean_of<'a>(all: impl Iterator<Item = &'a Self>) -> Self {
        let (mut sum, mut n) = (Self::default(), 0.0);
        for w in all {
            sum.model += w.model;
            sum.seasonal_naive += w.seasonal_naive;
            sum.mean_28d += w.mean_28d;
            sum.oracle += w.oracle;
            n += 1.0;
        }
        Self {
            model: sum.model / n,
            seasonal_naive: sum.seasonal_naive / n,
            mean_28d: sum.mean_28d / n,
            oracle: sum.oracle / n,
        }
    }
}

/// One test month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Month {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub days: usize,
    pub train_seconds: f64,
    /// Medians: the model's own (negative binomial), the baselines' and the
    /// oracle's Poisson medians of their values.
    pub medians: Levels<Wapes>,
    /// Expected values: the model's means, the baselines' and the oracle's values.
    pub means: Levels<Wapes>,
    /// Share of actuals inside the model's intervals.
    pub coverage: Levels<f64>,
    pub dispersion: Dispersion,
    pub interval_width: Widths,
}

/// The outcome of [`rolling`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rolling {
    pub months: Vec<Month>,
    /// Means over the months, each month weighing the same.
    pub mean_medians: Levels<Wapes>,
    pub mean_means: Levels<Wapes>,
    pub mean_coverage: Levels<f64>,
    pub config: TrainConfig,
}

/// The calendar months from the one holding `first` to the one holding the
/// last date of `sales`, each as its first and last day (the last cut at
/// the end of the data).
pub fn test_months(sales: &Sales, first: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
    let last = sales.last_date();
    let mut out = Vec::new();
    let mut start = first.with_day(1).unwrap_or(first);
    while start <= last {
        let next = start + Months::new(1);
        let end = (next - Days::new(1)).min(last);
        out.push((start, end));
        start = next;
    }
    out
}

/// The first day of the month `n - 1` months before the last one in `sales`:
/// the start of the last `n` months.
pub fn last_months(sales: &Sales, n: u32) -> NaiveDate {
    let last = sales.last_date();
    let start = last.with_day(1).unwrap_or(last);
    start - Months::new(n.saturating_sub(1))
}

/// Trains a model on the days before each month from the one holding
/// `first` on, forecasts the month one day ahead (no retraining inside it)
/// and scores model, baselines and oracle.
pub fn rolling(sales: &Sales, first: NaiveDate, cfg: &TrainConfig) -> anyhow::Result<Rolling> {
    let months = test_months(sales, first);
    anyhow::ensure!(
        !months.is_empty() && months[0].0 > sales.first_date(),
        "the first test month must start after the first day of the data ({})",
        sales.first_date()
    );
    let mut out = Vec::with_capacity(months.len());
    for (from, to) in months {
        out.push(month(sales, from, to, cfg).with_context(|| format!("test month {from}"))?);
    }
    let levels = |pick: fn(&Month) -> &Levels<Wapes>| Levels {
        item_day: Wapes::mean_of(out.iter().map(|m| &pick(m).item_day)),
        item_hour: Wapes::mean_of(out.iter().map(|m| &pick(m).item_hour)),
        store_day: Wapes::mean_of(out.iter().map(|m| &pick(m).store_day)),
    };
    let n = out.len() as f64;
    let cover = |f: fn(&Levels<f64>) -> f64| out.iter().map(|m| f(&m.coverage)).sum::<f64>() / n;
    Ok(Rolling {
        mean_medians: levels(|m| &m.medians),
        mean_means: levels(|m| &m.means),
        mean_coverage: Levels {
            item_day: cover(|c| c.item_day),
            item_hour: cover(|c| c.item_hour),
            store_day: cover(|c| c.store_day),
        },
        months: out,
        config: cfg.clone(),
    })
}

/// One test month `from..=to`.
fn month(
    sales: &Sales,
    from: NaiveDate,
    to: NaiveDate,
    cfg: &TrainConfig,
) -> anyhow::Result<Month> {
    let train = sales
        .before(from)
        .context("nothing to train on before the month")?;
    let model = DemandModel::train(&train, cfg)?;
    let test = model.backtest(sales, from, to)?;
    let (oracle_means, oracle_medians) = oracle_scores(sales, from, to);
    let levels = |by: &Levels<ByPredictor>, oracle: &Levels<f64>| Levels {
        item_day: Wapes::of(&by.item_day, oracle.item_day),
        item_hour: Wapes::of(&by.item_hour, oracle.item_hour),
        store_day: Wapes::of(&by.store_day, oracle.store_day),
    };
    Ok(Month {
        from,
        to,
        days: test.days,
        train_seconds: model.meta().metrics.train_seconds,
        medians: levels(&test.medians, &oracle_medians),
        means: levels(&test.means, &oracle_means),
        coverage: test.coverage,
        dispersion: model.meta().dispersion,
        interval_width: model.meta().interval_width,
    })
}

/// The oracle's WAPE per level over `from..=to`: on its values, and on their Poisson medians.
pub fn oracle_scores(sales: &Sales, from: NaiveDate, to: NaiveDate) -> (Levels<f64>, Levels<f64>) {
    let oracle = Oracle::over(sales, from, to);
    let (mut means, mut medians) = (Accumulator::default(), Accumulator::default());
    let mut date = from;
    while date <= to {
        let (actual, forecast) = (Grid::actual(sales, date), oracle.forecast(sales, date));
        means.add_day(&actual, &forecast, Point::Mean);
        medians.add_day(&actual, &forecast, Point::Median(POISSON));
        date = date + Days::new(1);
    }
    let scales = naive_scales(sales, from);
    let wape = |a: &Accumulator| a.scores(&scales).map(|s| s.wape);
    (wape(&means), wape(&medians))
}

/// One level's WAPEs, and its coverage.
type PickWapes = fn(&Levels<Wapes>) -> &Wapes;
type PickCoverage = fn(&Levels<f64>) -> f64;
/// A table's row group: its label, the WAPEs per level and the coverage (if shown).
type Rows<'a> = (String, &'a Levels<Wapes>, Option<&'a Levels<f64>>);

const LEVELS: [(&str, PickWapes, PickCoverage); 3] = [
    ("item-day", |l| &l.item_day, |c| c.item_day),
    ("item-hour", |l| &l.item_hour, |c| c.item_hour),
    ("store-day", |l| &l.store_day, |c| c.store_day),
];

fn table(f: &mut fmt::Formatter<'_>, rows: &[Rows<'_>]) -> fmt::Result {
    writeln!(
        f,
        "{:<9} {:<10} {:>6} {:>6} {:>6} {:>6} {:>7} {:>7}",
        "month", "level", "model", "naive", "mean28", "oracle", "closed", "cover"
    )?;
    for (label, wapes, coverage) in rows {
        for (i, (level, pick, cover)) in LEVELS.iter().enumerate() {
            let w = pick(wapes);
            let c = coverage.map_or(String::new(), |c| format!("{:.1}%", cover(c) * 100.0));
            writeln!(
                f,
                "{:<9} {level:<10} {:>6.3} {:>6.3} {:>6.3} {:>6.3} {:>6.0}% {c:>7}",
                if i == 0 { label.as_str() } else { "" },
                w.model,
                w.seasonal_naive,
                w.mean_28d,
                w.oracle,
                w.gap_closed() * 100.0
            )?;
        }
    }
    Ok(())
}

impl fmt::Display for Rolling {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let month = |m: &Month| m.from.format("%Y-%m").to_string();
        writeln!(
            f,
            "Rolling-origin backtest: each month forecast one day ahead by a model trained only on the days before it ({} members, seed {}).",
            self.config.members, self.config.seed
        )?;
        writeln!(
            f,
            "WAPE on medians (model: its negative binomial; baselines and oracle: Poisson around their values). closed = share of the distance from the better baseline to the oracle the model covers; cover = actuals inside the model's 80% intervals."
        )?;
        let mut rows: Vec<_> = self
            .months
            .iter()
            .map(|m| (month(m), &m.medians, Some(&m.coverage)))
            .collect();
        rows.push((
            "mean".to_owned(),
            &self.mean_medians,
            Some(&self.mean_coverage),
        ));
        table(f, &rows)?;
        writeln!(f)?;
        writeln!(
            f,
            "WAPE on expected values (model: its means; baselines and oracle: their values):"
        )?;
        let mut rows: Vec<_> = self
            .months
            .iter()
            .map(|m| (month(m), &m.means, None))
            .collect();
        rows.push(("mean".to_owned(), &self.mean_means, None));
        table(f, &rows)?;
        writeln!(f)?;
        let beats = self
            .months
            .iter()
            .filter(|m| m.medians.item_day.model < m.medians.item_day.better_baseline())
            .count();
        let closed: Vec<f64> = self
            .months
            .iter()
            .map(|m| m.medians.item_day.gap_closed())
            .collect();
        writeln!(
            f,
            "Item-day, medians: the model beats the better baseline in {beats} of {} months; it closes {:.0}% of the distance to the oracle at the mean WAPEs ({:.0}% as the mean of the months' shares).",
            self.months.len(),
            self.mean_medians.item_day.gap_closed() * 100.0,
            closed.iter().sum::<f64>() / closed.len() as f64 * 100.0
        )?;
        for m in &self.months {
            writeln!(
                f,
                "{}: trained in {:.1} s; dispersion {:.3} item-day, {:.3} store-day; interval widths {:.2} item-day, {:.2} store-day",
                month(m),
                m.train_seconds,
                m.dispersion.item_day,
                m.dispersion.store_day,
                m.interval_width.item_day,
                m.interval_width.store_day
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("valid")
    }

    #[test]
    fn months_run_from_the_first_to_the_end_of_the_data() {
        let s = Sales::from_local([("a", d("2015-01-01"), 12, 1), ("a", d("2015-03-10"), 12, 1)])
            .expect("non-empty");
        assert_eq!(
            test_months(&s, d("2015-02-14")),
            [
                (d("2015-02-01"), d("2015-02-28")),
                (d("2015-03-01"), d("2015-03-10"))
            ]
        );
        assert_eq!(last_months(&s, 2), d("2015-02-01"));
        assert_eq!(last_months(&s, 1), d("2015-03-01"));
    }

    #[test]
    fn the_gap_closed_runs_from_the_better_baseline_to_the_oracle() {
        let w = Wapes {
            model: 0.7,
            seasonal_naive: 0.9,
            mean_28d: 0.8,
            oracle: 0.6,
        };
        assert_eq!(w.better_baseline(), 0.8);
        assert!((w.gap_closed() - 0.5).abs() < 1e-12);
        let worse = Wapes { model: 0.85, ..w };
        assert!(worse.gap_closed() < 0.0);
        let at_oracle = Wapes { model: 0.6, ..w };
        assert!((at_oracle.gap_closed() - 1.0).abs() < 1e-12);
    }
}
