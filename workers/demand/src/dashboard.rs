//! The owners' dashboard in numbers (`demand.query.dashboard`): today's
//! sales per local hour against the day's forecast, the prep list with what
//! sold so far, yesterday's best sellers, and the forecast's recent error.
//! Pure assembly here; the worker reads the tables.

use std::collections::HashMap;

use chatorder_shared::owners::{HourFigures, PrepItem, Range};
use chrono::{DateTime, Timelike as _, Utc};
use chrono_tz::Tz;

use crate::core::forecast::DayForecast;

/// Items expected below this many units a day stay off the prep list.
pub const PREP_MIN_UNITS: f64 = 0.5;

/// Every local hour 0–23 of a day: units and orders sold (from `lines`,
/// `(sku, placed_at, qty)`, and `orders`, each order's `placed_at`), and
/// the forecast's expectation for the hour.
pub fn hours(
    tz: Tz,
    lines: &[(String, DateTime<Utc>, u32)],
    orders: &[DateTime<Utc>],
    forecast: Option<&DayForecast>,
) -> Vec<HourFigures> {
    let local_hour =
        |at: &DateTime<Utc>| usize::try_from(at.with_timezone(&tz).hour()).unwrap_or(0);
    let mut units = [0u32; 24];
    let mut placed = [0u32; 24];
    for (_, at, qty) in lines {
        units[local_hour(at)] += qty;
    }
    for at in orders {
        placed[local_hour(at)] += 1;
    }
    let expected: HashMap<usize, Range> = forecast
        .map(|f| {
            f.store_hours
                .iter()
                .map(|h| {
                    (
                        h.hour,
                        Range {
                            mean: h.units.mean,
                            p10: h.units.p10,
                            p90: h.units.p90,
                        },
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    (0..24)
        .map(|hour| HourFigures {
            hour: u8::try_from(hour).unwrap_or(0),
            actual_units: units[hour],
            actual_orders: placed[hour],
            forecast: expected.get(&hour).copied(),
        })
        .collect()
}

/// The prep list: items expected to sell today, busiest first, with what
/// sold so far.
pub fn prep(
    forecast: &DayForecast,
    names: &HashMap<String, String>,
    lines: &[(String, DateTime<Utc>, u32)],
) -> Vec<PrepItem> {
    let mut sold: HashMap<&str, u32> = HashMap::new();
    for (sku, _, qty) in lines {
        *sold.entry(sku.as_str()).or_default() += qty;
    }
    forecast
        .items
        .iter()
        .filter(|i| i.day.mean >= PREP_MIN_UNITS)
        .map(|i| PrepItem {
            sku: i.sku.clone(),
            name: names.get(&i.sku).cloned().unwrap_or_else(|| i.sku.clone()),
            mean: i.day.mean,
            p10: i.day.p10,
            p90: i.day.p90,
            sold: sold.get(i.sku.as_str()).copied().unwrap_or(0),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::distributions::POISSON;
    use crate::core::forecast::day_forecast;
    use crate::core::grid::Grid;
    use crate::core::predictor::Predictor;
    use crate::core::sales::Sales;
    use chrono::NaiveDate;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("a time")
    }

    #[test]
    fn hours_are_the_shops_local_hours_and_match_the_forecast() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("valid");
        let sales =
            Sales::from_local([("a", d("2026-07-01"), 12, 1), ("b", d("2026-07-01"), 12, 1)])
                .expect("non-empty");
        let mut grid = Grid::zeros(2);
        grid.cells[0][12] = 2.0;
        grid.cells[1][12] = 1.0;
        grid.cells[1][18] = 4.0;
        let f = day_forecast(
            Predictor::Model,
            &POISSON,
            &crate::core::distributions::NOMINAL,
            &sales,
            &grid,
            d("2026-07-02"),
        );
        // London is UTC+1 in July: 11:30 UTC is the shop's 12 o'clock.
        let lines = vec![
            ("a".to_owned(), at("2026-07-02T11:30:00Z"), 2),
            ("b".to_owned(), at("2026-07-02T11:45:00Z"), 1),
            ("b".to_owned(), at("2026-07-02T17:05:00Z"), 3),
        ];
        let orders = vec![at("2026-07-02T11:30:00Z"), at("2026-07-02T17:05:00Z")];
        let h = hours(chrono_tz::Europe::London, &lines, &orders, Some(&f));
        assert_eq!(h.len(), 24);
        assert_eq!((h[12].actual_units, h[12].actual_orders), (3, 1));
        assert_eq!((h[18].actual_units, h[18].actual_orders), (3, 1));
        assert_eq!(h[11].actual_units, 0, "not UTC hours");
        assert_eq!(h[12].forecast.map(|r| r.mean), Some(3.0));
        assert_eq!(h[18].forecast.map(|r| r.mean), Some(4.0));
        assert!(h[3].forecast.is_none());
        let r = h[18].forecast.expect("a range");
        assert!(r.p10 <= 4 && r.p90 >= 4, "{r:?}");

        let names = HashMap::from([("b".to_owned(), "Bee".to_owned())]);
        let p = prep(&f, &names, &lines);
        assert_eq!(p[0].name, "Bee", "busiest first, by name");
        assert_eq!((p[0].mean, p[0].sold), (5.0, 4));
        assert_eq!(
            (p[1].name.as_str(), p[1].sold),
            ("a", 2),
            "a sku without a name shows as is"
        );
    }

    #[test]
    fn an_hour_twice_in_the_autumn_change_is_one_hour() {
        // 2026-10-25 01:30 happens twice in London (BST, then GMT).
        let lines = vec![
            ("a".to_owned(), at("2026-10-25T00:30:00Z"), 1),
            ("a".to_owned(), at("2026-10-25T01:30:00Z"), 1),
        ];
        let h = hours(chrono_tz::Europe::London, &lines, &[], None);
        assert_eq!(h[1].actual_units, 2);
        assert_eq!(h.iter().map(|x| x.actual_units).sum::<u32>(), 2);
    }
}
