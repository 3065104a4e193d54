//! The two baselines a model must beat, forecast per item-hour so they sum to
//! item-day and store-day exactly as the model's forecasts do.
//!
//! Both read the sales table as it is: a closed day counts as zero sales
//! (that is what these simple methods do, and why they are baselines).

use chrono::{Days, NaiveDate};

use crate::core::grid::Grid;
use crate::core::sales::{HOURS, Sales};

/// Seasonal naive: the same item, hour and weekday one week before.
///
/// When that day is not in the table (the first week of history, or a date
/// more than a week past its end) it falls back to [`mean_28d`].
pub fn seasonal_naive(sales: &Sales, date: NaiveDate) -> Grid {
    let week_ago = date.checked_sub_days(Days::new(7));
    match week_ago.and_then(|d| sales.day_of(d)) {
        Some(d) => {
            let mut g = Grid::zeros(sales.items().len());
            for (item, row) in g.cells.iter_mut().enumerate() {
                for (cell, &u) in row.iter_mut().zip(sales.hours_at(item, d)) {
                    *cell = f64::from(u);
                }
            }
            g
        }
        None => mean_28d(sales, date),
    }
}

/// 28-day mean: per item and hour, the mean over the 28 days before `date`
/// that are in the table (fewer at the start of history; zeros if none).
pub fn mean_28d(sales: &Sales, date: NaiveDate) -> Grid {
    let days: Vec<usize> = (1..=28u64)
        .filter_map(|k| date.checked_sub_days(Days::new(k)))
        .filter_map(|d| sales.day_of(d))
        .collect();
    let mut g = Grid::zeros(sales.items().len());
    if days.is_empty() {
        return g;
    }
    let n = days.len() as f64;
    for (item, row) in g.cells.iter_mut().enumerate() {
        for &d in &days {
            for (cell, &u) in row.iter_mut().zip(sales.hours_at(item, d)) {
                *cell += f64::from(u);
            }
        }
        for cell in row.iter_mut().take(HOURS) {
            *cell /= n;
        }
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().expect("test dates are valid")
    }

    #[test]
    fn seasonal_naive_repeats_last_week_and_falls_back_at_the_start() {
        let s = Sales::from_local([
            ("a", date("2015-01-01"), 12, 2),
            ("a", date("2015-01-02"), 12, 4),
            ("a", date("2015-01-08"), 13, 5),
        ])
        .expect("non-empty");
        let g = seasonal_naive(&s, date("2015-01-09")); // a week after 2 Jan
        assert_eq!(g.cells[0][12], 4.0);
        assert_eq!(g.item_day(0), 4.0);
        let g = seasonal_naive(&s, date("2015-01-07")); // 31 Dec is not in history
        assert_eq!(g.cells[0][12], 6.0 / 6.0, "mean of the 6 days 1..6 Jan");
        let g = seasonal_naive(&s, date("2015-01-01"));
        assert_eq!(g.store_day(), 0.0, "nothing to go on");
    }

    #[test]
    fn mean_28d_counts_quiet_days_as_zero() {
        let mut records = vec![("a", date("2015-01-01"), 12, 28)];
        records.push(("a", date("2015-02-01"), 18, 7));
        let s = Sales::from_local(records).expect("non-empty");
        // 2 Feb: the 28 days 5 Jan .. 1 Feb hold only the 7 units of 1 Feb at 18:00.
        let g = mean_28d(&s, date("2015-02-02"));
        assert_eq!(g.cells[0][18], 7.0 / 28.0);
        assert_eq!(g.cells[0][12], 0.0);
        // 3 Jan: two days of history (1 and 2 Jan).
        let g = mean_28d(&s, date("2015-01-03"));
        assert_eq!(g.cells[0][12], 14.0);
    }
}
