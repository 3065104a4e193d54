//! Unit sales per item, local date and hour: the one table every forecast, baseline and score reads.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike as _, Days, NaiveDate, Timelike as _, Utc};
use chrono_tz::Tz;

/// Hours in a day; the hour index of a cell is the local clock hour 0..24.
pub const HOURS: usize = 24;

/// Why a sales table could not be built.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SalesError {
    #[error("there are no sales to learn from")]
    Empty,
}

/// Units sold per (item, local date, hour), dense over the whole date range:
/// a day without sales is a row of zeros, never a gap.
///
/// Items are kept in sorted order so that an item's index is stable for a
/// given set of SKUs (the model stores this list and maps by name).
#[derive(Debug, Clone, PartialEq)]
pub struct Sales {
    items: Vec<String>,
    first: NaiveDate,
    days: usize,
    /// `units[(item * days + day) * HOURS + hour]`
    units: Vec<u32>,
    /// Store units per day: a day at zero is taken as a closed day by the features.
    store_day: Vec<u32>,
}

impl Sales {
    /// Builds the table from raw `(sku, placed_at, qty)` records, e.g. order lines read from MySQL.
    pub fn from_records<'a>(
        records: impl IntoIterator<Item = (&'a str, DateTime<Utc>, u32)>,
        tz: Tz,
    ) -> Result<Self, SalesError> {
        Self::from_local(records.into_iter().map(|(sku, at, qty)| {
            let local = at.with_timezone(&tz);
            (sku, local.date_naive(), local.hour() as usize, qty)
        }))
    }

    /// Builds the table from records already in local time: `(sku, date, hour 0..24, qty)`.
    ///
    /// # Panics
    /// If an hour is 24 or more (a programming error: callers derive hours from clock times).
    pub fn from_local<'a>(
        records: impl IntoIterator<Item = (&'a str, NaiveDate, usize, u32)>,
    ) -> Result<Self, SalesError> {
        let records: Vec<_> = records.into_iter().filter(|r| r.3 > 0).collect();
        let (first, last) = records
            .iter()
            .fold(None, |acc: Option<(NaiveDate, NaiveDate)>, r| {
                Some(acc.map_or((r.1, r.1), |(a, b)| (a.min(r.1), b.max(r.1))))
            })
            .ok_or(SalesError::Empty)?;
        let items: Vec<String> = records
            .iter()
            .map(|r| r.0)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .map(str::to_owned)
            .collect();
        let days = day_index(first, last) + 1;
        let mut sales = Self {
            units: vec![0; items.len() * days * HOURS],
            store_day: vec![0; days],
            items,
            first,
            days,
        };
        for (sku, date, hour, qty) in records {
            assert!(hour < HOURS, "hour {hour} is not a clock hour");
            let item = sales.items.binary_search_by(|s| s.as_str().cmp(sku));
            let item = item.expect("every sku was put in the item list above");
            let day = day_index(first, date);
            sales.units[(item * days + day) * HOURS + hour] += qty;
            sales.store_day[day] += qty;
        }
        Ok(sales)
    }

    /// The same sales with `skus` added as items (zero sales) where missing, e.g.
    /// the whole catalog, so that an item that has not sold lately is still forecast.
    pub fn with_items<'a>(&self, skus: impl IntoIterator<Item = &'a str>) -> Self {
        let mut items = self.items.clone();
        items.extend(skus.into_iter().map(str::to_owned));
        items.sort();
        items.dedup();
        let mut units = vec![0; items.len() * self.days * HOURS];
        for (old, sku) in self.items.iter().enumerate() {
            let new = items.binary_search(sku).expect("old items are kept");
            let (from, to) = (old * self.days * HOURS, new * self.days * HOURS);
            units[to..to + self.days * HOURS]
                .copy_from_slice(&self.units[from..from + self.days * HOURS]);
        }
        Self {
            items,
            units,
            first: self.first,
            days: self.days,
            store_day: self.store_day.clone(),
        }
    }

    /// The SKUs, sorted; an item's position is its index everywhere in this crate.
    pub fn items(&self) -> &[String] {
        &self.items
    }

    /// The index of a SKU, if it ever sold.
    pub fn item_index(&self, sku: &str) -> Option<usize> {
        self.items.binary_search_by(|s| s.as_str().cmp(sku)).ok()
    }

    pub fn first_date(&self) -> NaiveDate {
        self.first
    }

    pub fn last_date(&self) -> NaiveDate {
        self.date_at(self.days - 1)
    }

    /// Number of days from the first to the last date, both included.
    pub fn num_days(&self) -> usize {
        self.days
    }

    /// Every date of the range, in order.
    pub fn dates(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        (0..self.days).map(|d| self.date_at(d))
    }

    /// The position of `date` in the range, or `None` outside it.
    pub fn day_of(&self, date: NaiveDate) -> Option<usize> {
        let d = date.signed_duration_since(self.first).num_days();
        usize::try_from(d).ok().filter(|&d| d < self.days)
    }

    /// The date at position `day` of the range.
    pub fn date_at(&self, day: usize) -> NaiveDate {
        self.first + Days::new(day as u64)
    }

    /// Units of `item` sold on `date` during local `hour`; zero outside the range.
    pub fn units(&self, item: usize, date: NaiveDate, hour: usize) -> u32 {
        self.day_of(date)
            .map_or(0, |d| self.units_at(item, d, hour))
    }

    /// Like [`Sales::units`] with the day given as a position in the range.
    pub fn units_at(&self, item: usize, day: usize, hour: usize) -> u32 {
        self.units[(item * self.days + day) * HOURS + hour]
    }

    /// The 24 hourly counts of `item` on day position `day`.
    pub fn hours_at(&self, item: usize, day: usize) -> &[u32] {
        let start = (item * self.days + day) * HOURS;
        &self.units[start..start + HOURS]
    }

    /// Units of `item` sold on `date`; zero outside the range.
    pub fn item_day(&self, item: usize, date: NaiveDate) -> u32 {
        self.day_of(date)
            .map_or(0, |d| self.hours_at(item, d).iter().sum())
    }

    /// Units the whole shop sold on `date`; zero outside the range.
    pub fn store_day(&self, date: NaiveDate) -> u32 {
        self.day_of(date).map_or(0, |d| self.store_day[d])
    }

    /// Units the whole shop sold on day position `day`.
    pub fn store_day_at(&self, day: usize) -> u32 {
        self.store_day[day]
    }

    /// Whether the shop sold anything on `date` (inside the range).
    pub fn is_open(&self, date: NaiveDate) -> bool {
        self.store_day(date) > 0
    }

    /// The same sales with every day from `date` on removed (the view a
    /// forecaster standing on the morning of `date` would have).
    ///
    /// Returns `None` if nothing is left.
    pub fn before(&self, date: NaiveDate) -> Option<Self> {
        let keep = usize::try_from(date.signed_duration_since(self.first).num_days())
            .ok()
            .filter(|&k| k > 0)?
            .min(self.days);
        let mut units = Vec::with_capacity(self.items.len() * keep * HOURS);
        for item in 0..self.items.len() {
            let start = item * self.days * HOURS;
            units.extend_from_slice(&self.units[start..start + keep * HOURS]);
        }
        Some(Self {
            items: self.items.clone(),
            first: self.first,
            days: keep,
            units,
            store_day: self.store_day[..keep].to_vec(),
        })
    }

    /// The hours of the day in which the shop ever sold anything before day position `until`.
    pub fn trading_hours(&self, until: usize) -> Vec<usize> {
        let until = until.min(self.days);
        (0..HOURS)
            .filter(|&h| {
                (0..self.items.len()).any(|i| (0..until).any(|d| self.units_at(i, d, h) > 0))
            })
            .collect()
    }
}

/// Days from `first` to `date` (`date` must not be earlier).
fn day_index(first: NaiveDate, date: NaiveDate) -> usize {
    usize::try_from(date.signed_duration_since(first).num_days())
        .expect("dates are never before the first date")
}

/// Monday = 0 … Sunday = 6.
pub fn weekday(date: NaiveDate) -> usize {
    date.weekday().num_days_from_monday() as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    fn date(s: &str) -> NaiveDate {
        s.parse().expect("test dates are valid")
    }

    #[test]
    fn counts_by_local_hour_and_fills_quiet_days_with_zeros() {
        let tz = chrono_tz::Europe::London;
        // 12:30 UTC in July is 13:30 in London (BST).
        let at = |d: &str, h: u32| {
            tz.from_local_datetime(&date(d).and_hms_opt(h, 30, 0).expect("valid time"))
                .earliest()
                .expect("exists")
                .with_timezone(&Utc)
        };
        let s = Sales::from_records(
            [
                ("b_m", at("2015-07-01", 13), 2),
                ("a_s", at("2015-07-01", 13), 1),
                ("a_s", at("2015-07-04", 20), 3),
                ("a_s", at("2015-07-04", 20), 1),
            ],
            tz,
        )
        .expect("non-empty");
        assert_eq!(s.items(), ["a_s", "b_m"]);
        assert_eq!(s.first_date(), date("2015-07-01"));
        assert_eq!(s.last_date(), date("2015-07-04"));
        assert_eq!(s.num_days(), 4);
        let b = s.item_index("b_m").expect("b_m sold");
        assert_eq!(s.units(b, date("2015-07-01"), 13), 2);
        assert_eq!(s.units(0, date("2015-07-04"), 20), 4);
        assert_eq!(s.item_day(0, date("2015-07-02")), 0);
        assert_eq!(s.store_day(date("2015-07-01")), 3);
        assert!(!s.is_open(date("2015-07-03")));
        assert_eq!(
            s.units(0, date("2015-08-01"), 20),
            0,
            "outside the range is zero"
        );
        assert_eq!(s.trading_hours(4), vec![13, 20]);
    }

    #[test]
    fn before_cuts_the_range() {
        let s = Sales::from_local([
            ("a", date("2015-01-01"), 10, 1),
            ("a", date("2015-01-03"), 11, 2),
        ])
        .expect("non-empty");
        let cut = s.before(date("2015-01-03")).expect("two days left");
        assert_eq!(cut.num_days(), 2);
        assert_eq!(cut.last_date(), date("2015-01-02"));
        assert_eq!(cut.item_day(0, date("2015-01-03")), 0);
        assert!(s.before(date("2015-01-01")).is_none());
        let wider = s.with_items(["0_first", "a"]);
        assert_eq!(wider.items(), ["0_first", "a"]);
        assert_eq!(wider.units(1, date("2015-01-03"), 11), 2);
        assert_eq!(wider.item_day(0, date("2015-01-03")), 0);
        assert_eq!(Sales::from_local([]), Err(SalesError::Empty));
    }
}
