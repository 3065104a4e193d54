//! The noise floor: what a forecaster that knew two things no forecaster can
//! know would score. It cannot be beaten in practice, so it shows how much of
//! an error is left to win and how much is the noise of counting sales.
//!
//! The oracle of a test range `from..=to` knows
//! - each item-hour's share of all units sold in the range (the item's share
//!   of the shop and its spread over the hours, both as they turned out), and
//! - each day's true store total.
//!
//! Its forecast for item `i`, hour `h` on day `d` is
//! `share(i, h) · store_total(d)`, where `share(i, h)` is the units of `i` in
//! hour `h` over `from..=to` divided by all units over `from..=to`. So its
//! store-day forecast is exact, and what it misses at item-day and item-hour
//! is how the items' sales scatter around steady shares: the counting noise
//! the other predictors cannot remove either. It is scored like the baselines:
//! on its values, and on the medians of Poisson distributions around them.

use chrono::{Days, NaiveDate};

use crate::core::grid::Grid;
use crate::core::sales::{HOURS, Sales};

/// The oracle of one test range.
#[derive(Debug, Clone, PartialEq)]
pub struct Oracle {
    /// `shares[item][hour]`: the item-hour's share of every unit sold in the range.
    shares: Vec<[f64; HOURS]>,
}

impl Oracle {
    /// The shares over `from..=to`, read from the actual sales of those days.
    pub fn over(sales: &Sales, from: NaiveDate, to: NaiveDate) -> Self {
        let mut shares = vec![[0.0; HOURS]; sales.items().len()];
        let mut total = 0.0;
        let mut date = from;
        while date <= to {
            let day = Grid::actual(sales, date);
            for (share, row) in shares.iter_mut().zip(&day.cells) {
                for (s, u) in share.iter_mut().zip(row) {
                    *s += u;
                    total += u;
                }
            }
            date = date + Days::new(1);
        }
        if total > 0.0 {
            for s in shares.iter_mut().flatten() {
                *s /= total;
            }
        }
        Self { shares }
    }

    /// Its forecast of `date`: each item-hour's share of the day's true store total.
    pub fn forecast(&self, sales: &Sales, date: NaiveDate) -> Grid {
        let store = f64::from(sales.store_day(date));
        Grid {
            cells: self
                .shares
                .iter()
                .map(|row| row.map(|share| share * store))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::distributions::POISSON;
    use crate::core::levels::Levels;
    use crate::core::scoring::{Accumulator, Point};

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("valid")
    }

    /// Item `a` sells 3 at noon and `b` 1 at 18:00 on 1–2 Jan (the shop 4 a
    /// day); on 3 Jan `a` sells 2 and `b` 6 (the shop 8); 4 Jan is after the range.
    fn sales() -> Sales {
        Sales::from_local([
            ("a", d("2015-01-01"), 12, 3),
            ("b", d("2015-01-01"), 18, 1),
            ("a", d("2015-01-02"), 12, 3),
            ("b", d("2015-01-02"), 18, 1),
            ("a", d("2015-01-03"), 12, 2),
            ("b", d("2015-01-03"), 18, 6),
            ("a", d("2015-01-04"), 12, 100),
        ])
        .expect("non-empty")
    }

    #[test]
    fn it_splits_each_true_store_total_by_the_ranges_shares() {
        let s = sales();
        let o = Oracle::over(&s, d("2015-01-01"), d("2015-01-03"));
        // 16 units in the range: `a` at noon 8, `b` at 18:00 8.
        let g = o.forecast(&s, d("2015-01-03"));
        assert_eq!(g.cells[0][12], 0.5 * 8.0);
        assert_eq!(g.cells[1][18], 0.5 * 8.0);
        assert_eq!(g.store_day(), 8.0, "the store total is known");
        assert_eq!(o.forecast(&s, d("2015-01-01")).cells[0][12], 2.0);
        // The day after the range does not move the shares.
        assert_eq!(
            Oracle::over(&s, d("2015-01-01"), d("2015-01-03")),
            o,
            "same range, same shares"
        );
        let with_4th = Oracle::over(&s, d("2015-01-01"), d("2015-01-04"));
        assert!(with_4th.forecast(&s, d("2015-01-03")).cells[0][12] > 4.0);
    }

    #[test]
    fn it_scores_zero_when_sales_keep_steady_shares_and_not_otherwise() {
        let s = sales();
        let score = |to: &str| {
            let o = Oracle::over(&s, d("2015-01-01"), d(to));
            let mut acc = Accumulator::default();
            let mut date = d("2015-01-01");
            while date <= d(to) {
                acc.add_day(&Grid::actual(&s, date), &o.forecast(&s, date), Point::Mean);
                date = date + Days::new(1);
            }
            acc.scores(&Levels {
                item_day: 1.0,
                item_hour: 1.0,
                store_day: 1.0,
            })
        };
        // 1–2 Jan: `a` is always 3/4 of the shop.
        let steady = score("2015-01-02");
        assert_eq!(steady.item_day.wape, 0.0);
        assert_eq!(steady.item_hour.wape, 0.0);
        // With 3 Jan the shares are 1/2 each: days 1–2 miss by 1 per item,
        // day 3 by 2: (2 + 2 + 4) / 16.
        let shifting = score("2015-01-03");
        assert!((shifting.item_day.wape - 8.0 / 16.0).abs() < 1e-12);
        assert_eq!(shifting.store_day.wape, 0.0);
        // Its Poisson medians: a mean of 2 has median 2, of 4 median 4: the same.
        let o = Oracle::over(&s, d("2015-01-01"), d("2015-01-03"));
        let mut acc = Accumulator::default();
        acc.add_day(
            &Grid::actual(&s, d("2015-01-03")),
            &o.forecast(&s, d("2015-01-03")),
            Point::Median(POISSON),
        );
        assert!(
            (acc.mae().item_day - 2.0).abs() < 1e-12,
            "|2 − 4| and |6 − 4|"
        );
    }
}
