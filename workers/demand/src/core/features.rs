//! Feature rows for one (item, date, hour), computed only from sales on days before that date.
//!
//! A day on which the whole shop sold nothing is taken as closed: it is left
//! out of every mean and lag (a closed day says nothing about demand), and a
//! lag that falls on it, or before the start of history, is filled with the
//! item-hour's recent mean instead. Windows are in calendar days, clipped to
//! the history available, so the start of history needs no special case: a
//! mean over an empty window falls back to a longer one, and finally to zero,
//! and `history_28d` tells the network how much it is looking at.

use chrono::NaiveDate;

use crate::core::sales::{HOURS, Sales, weekday};

/// Name of this feature set; stored with every model, which refuses other sets.
pub const FEATURE_SET: &str = "hourly-lags-means";
/// Bumped whenever a feature's meaning, order or scaling changes.
pub const FEATURE_SET_VERSION: u32 = 1;

/// One name per feature, in column order.
///
/// Counts enter as `ln(1 + x)` so that busy and quiet items sit on one scale.
/// - `hour_00`…`hour_23`: one-hot local hour.
/// - `dow_mon`…`dow_sun`: one-hot day of week.
/// - `lag1_h`, `lag7_h`: units in the same hour yesterday, and a week ago.
/// - `mean7_h`, `mean28_h`, `mean91_h`: mean units in the same hour over the open days of the last 7/28/91 days.
/// - `mean7_d`, `mean28_d`: mean item-day units over the open days of the last 7/28 days.
/// - `same_weekday_4w_d`: mean item-day units on the same weekday in the last 4 weeks (item-specific weekly pattern).
/// - `store7_d`, `store28_d`: mean units per open day for the whole shop (recent trend).
/// - `store_weekday_ratio`: ln of the shop's same-weekday mean over the last 8 weeks against its mean over 56 days (the weekly pattern at shop level, with many more sales behind it than an item's).
/// - `store_hour_share_28d`: share of the shop's units sold in this hour over the last 28 days.
/// - `history_28d`: open days seen in the last 28 days / 28 (0 at the start of history).
pub const FEATURE_NAMES: [&str; NUM_FEATURES] = [
    "hour_00",
    "hour_01",
    "hour_02",
    "hour_03",
    "hour_04",
    "hour_05",
    "hour_06",
    "hour_07",
    "hour_08",
    "hour_09",
    "hour_10",
    "hour_11",
    "hour_12",
    "hour_13",
    "hour_14",
    "hour_15",
    "hour_16",
    "hour_17",
    "hour_18",
    "hour_19",
    "hour_20",
    "hour_21",
    "hour_22",
    "hour_23",
    "dow_mon",
    "dow_tue",
    "dow_wed",
    "dow_thu",
    "dow_fri",
    "dow_sat",
    "dow_sun",
    "lag1_h",
    "lag7_h",
    "mean7_h",
    "mean28_h",
    "mean91_h",
    "mean7_d",
    "mean28_d",
    "same_weekday_4w_d",
    "store7_d",
    "store28_d",
    "store_weekday_ratio",
    "store_hour_share_28d",
    "history_28d",
];
/// Number of numeric features per row.
pub const NUM_FEATURES: usize = 44;

const HOUR0: usize = 0;
const DOW0: usize = 24;
const LAG1_H: usize = 31;
const LAG7_H: usize = 32;
const MEAN7_H: usize = 33;
const MEAN28_H: usize = 34;
const MEAN91_H: usize = 35;
const MEAN7_D: usize = 36;
const MEAN28_D: usize = 37;
const SAME_WEEKDAY_4W_D: usize = 38;
const STORE7_D: usize = 39;
const STORE28_D: usize = 40;
const STORE_WEEKDAY_RATIO: usize = 41;
const STORE_HOUR_SHARE: usize = 42;
const HISTORY_28D: usize = 43;

/// The numeric features of one row plus the log-rate offset the model starts from.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub values: [f32; NUM_FEATURES],
    /// `ln(0.02 + long-run mean units in this item-hour)`: the network learns a
    /// correction to this rate rather than the rate itself, which trains in a
    /// fraction of the epochs.
    pub offset: f32,
}

/// Prefix sums over a [`Sales`] table, so each feature is O(1) to compute.
pub struct History<'a> {
    sales: &'a Sales,
    days: usize,
    /// `item_hour[(item * HOURS + hour) * (days + 1) + d]` = units over days `< d`.
    item_hour: Vec<u32>,
    /// `store_hour[hour * (days + 1) + d]`
    store_hour: Vec<u32>,
    /// Open days `< d`.
    open: Vec<u32>,
    /// Store units over days `< d`.
    store: Vec<u32>,
}

impl<'a> History<'a> {
    pub fn new(sales: &'a Sales) -> Self {
        let days = sales.num_days();
        let n = days + 1;
        let items = sales.items().len();
        let mut item_hour = vec![0u32; items * HOURS * n];
        let mut store_hour = vec![0u32; HOURS * n];
        for item in 0..items {
            for d in 0..days {
                for (h, &u) in sales.hours_at(item, d).iter().enumerate() {
                    let at = (item * HOURS + h) * n + d;
                    item_hour[at + 1] = item_hour[at] + u;
                    store_hour[h * n + d + 1] += u;
                }
            }
        }
        for h in 0..HOURS {
            for d in 0..days {
                store_hour[h * n + d + 1] += store_hour[h * n + d];
            }
        }
        let mut open = vec![0u32; n];
        let mut store = vec![0u32; n];
        for d in 0..days {
            let u = sales.store_day_at(d);
            open[d + 1] = open[d] + u32::from(u > 0);
            store[d + 1] = store[d] + u;
        }
        Self {
            sales,
            days,
            item_hour,
            store_hour,
            open,
            store,
        }
    }

    pub fn sales(&self) -> &'a Sales {
        self.sales
    }

    /// Day position of `date` relative to the first date (negative before it).
    fn pos(&self, date: NaiveDate) -> i64 {
        date.signed_duration_since(self.sales.first_date())
            .num_days()
    }

    /// The prefix-sum bounds of the `k` calendar days before position `t`, clipped to history.
    fn window(&self, t: i64, k: i64) -> (usize, usize) {
        let clip = |x: i64| usize::try_from(x.clamp(0, self.days as i64)).unwrap_or(0);
        (clip(t - k), clip(t))
    }

    fn open_days(&self, (lo, hi): (usize, usize)) -> u32 {
        self.open[hi] - self.open[lo]
    }

    /// Whether position `t` is a day inside history on which the shop was open.
    fn open_at(&self, t: i64) -> Option<usize> {
        usize::try_from(t)
            .ok()
            .filter(|&d| d < self.days && self.sales.store_day_at(d) > 0)
    }

    /// Mean of a prefix-summed series over the open days of a window.
    fn mean(&self, prefix: &[u32], w: (usize, usize)) -> Option<f64> {
        let n = self.open_days(w);
        (n > 0).then(|| f64::from(prefix[w.1] - prefix[w.0]) / f64::from(n))
    }

    fn item_hour_mean(&self, item: Option<usize>, hour: usize, w: (usize, usize)) -> Option<f64> {
        match item {
            Some(i) => {
                let n = self.days + 1;
                let p = &self.item_hour[(i * HOURS + hour) * n..(i * HOURS + hour + 1) * n];
                self.mean(p, w)
            }
            None => (self.open_days(w) > 0).then_some(0.0),
        }
    }

    fn item_day_mean(&self, item: Option<usize>, w: (usize, usize)) -> Option<f64> {
        match item {
            Some(i) => {
                let n = self.days + 1;
                let total = (0..HOURS)
                    .map(|h| {
                        let p = &self.item_hour[(i * HOURS + h) * n..];
                        f64::from(p[w.1] - p[w.0])
                    })
                    .sum::<f64>();
                let open = self.open_days(w);
                (open > 0).then(|| total / f64::from(open))
            }
            None => (self.open_days(w) > 0).then_some(0.0),
        }
    }

    /// Mean units of `item` per open day on the same weekday as `t`, over the last `weeks` weeks.
    fn same_weekday_item_mean(&self, item: Option<usize>, t: i64, weeks: i64) -> Option<f64> {
        let days: Vec<usize> = (1..=weeks)
            .filter_map(|w| self.open_at(t - 7 * w))
            .collect();
        if days.is_empty() {
            return None;
        }
        let total: u32 = item.map_or(0, |i| {
            days.iter()
                .map(|&d| self.sales.hours_at(i, d).iter().sum::<u32>())
                .sum()
        });
        Some(f64::from(total) / days.len() as f64)
    }

    fn same_weekday_store_mean(&self, t: i64, weeks: i64) -> Option<f64> {
        let days: Vec<usize> = (1..=weeks)
            .filter_map(|w| self.open_at(t - 7 * w))
            .collect();
        let total: u32 = days.iter().map(|&d| self.sales.store_day_at(d)).sum();
        (!days.is_empty()).then(|| f64::from(total) / days.len() as f64)
    }

    /// The pooled forecast of `date`: each item-hour's share of the shop's
    /// units over the last 91 days, times the shop's mean per open day over
    /// the last 56 days, times the shop's weekday factor (its mean on `date`'s
    /// weekday over all open days of history against its mean over all open
    /// days). One weekly pattern and one level for the whole shop, with an
    /// item's own hours only in its share: it pools what single items are
    /// too sparse to show. Zeros with no open day in the windows.
    pub fn pooled(&self, date: NaiveDate) -> Vec<[f64; HOURS]> {
        let t = self.pos(date);
        let items = self.sales.items().len();
        let mut out = vec![[0.0; HOURS]; items];
        let w91 = self.window(t, 91);
        let units91 = f64::from(self.store[w91.1] - self.store[w91.0]);
        let (Some(level), true) = (self.mean(&self.store, self.window(t, 56)), units91 > 0.0)
        else {
            return out;
        };
        let all = self.window(t, t.max(0));
        let day = weekday(date);
        let (mut same, mut same_days) = (0.0, 0.0);
        for d in all.0..all.1 {
            let u = self.sales.store_day_at(d);
            if u > 0 && weekday(self.sales.date_at(d)) == day {
                same += f64::from(u);
                same_days += 1.0;
            }
        }
        let factor = match self.mean(&self.store, all) {
            Some(m) if same_days > 0.0 && m > 0.0 => same / same_days / m,
            _ => 1.0,
        };
        let n = self.days + 1;
        for (item, row) in out.iter_mut().enumerate() {
            for (h, cell) in row.iter_mut().enumerate() {
                let p = &self.item_hour[(item * HOURS + h) * n..];
                let share = f64::from(p[w91.1] - p[w91.0]) / units91;
                *cell = share * level * factor;
            }
        }
        out
    }

    /// Whether the shop sold nothing on the same weekday in each of the last
    /// `weeks` weeks, all inside history: a weekly closing day the shop has
    /// kept recently, so `date` is forecast closed. `weeks == 0` never closes.
    pub fn looks_closed(&self, date: NaiveDate, weeks: u32) -> bool {
        let t = self.pos(date);
        weeks > 0
            && (1..=i64::from(weeks)).all(|w| {
                let d = t - 7 * w;
                d >= 0 && d < self.days as i64 && self.open_at(d).is_none()
            })
    }

    /// The feature row for `item` (its index in the sales table, `None` for an
    /// item that never sold) on `date` at local `hour`.
    pub fn row(&self, item: Option<usize>, date: NaiveDate, hour: usize) -> Row {
        let t = self.pos(date);
        let mut v = [0f32; NUM_FEATURES];
        v[HOUR0 + hour] = 1.0;
        v[DOW0 + weekday(date)] = 1.0;

        let m91_h = self.item_hour_mean(item, hour, self.window(t, 91));
        let m28_h = self
            .item_hour_mean(item, hour, self.window(t, 28))
            .or(m91_h);
        let m7_h = self.item_hour_mean(item, hour, self.window(t, 7)).or(m28_h);
        let lag = |k: i64| {
            self.open_at(t - k)
                .map(|d| f64::from(item.map_or(0, |i| self.sales.units_at(i, d, hour))))
                .or(m28_h)
        };
        let m28_d = self.item_day_mean(item, self.window(t, 28));
        let m7_d = self.item_day_mean(item, self.window(t, 7)).or(m28_d);
        let same_weekday = self.same_weekday_item_mean(item, t, 4).or(m28_d);
        let store28 = self.mean(&self.store, self.window(t, 28));
        let store7 = self.mean(&self.store, self.window(t, 7)).or(store28);
        let store56 = self.mean(&self.store, self.window(t, 56));
        let store_weekday = self.same_weekday_store_mean(t, 8);
        let w28 = self.window(t, 28);
        let store_units_28 = self.store[w28.1] - self.store[w28.0];
        let n = self.days + 1;
        let store_hour_28 = self.store_hour[hour * n + w28.1] - self.store_hour[hour * n + w28.0];

        let ln1p = |x: Option<f64>| x.map_or(0.0, |x| x.ln_1p() as f32);
        v[LAG1_H] = ln1p(lag(1));
        v[LAG7_H] = ln1p(lag(7));
        v[MEAN7_H] = ln1p(m7_h);
        v[MEAN28_H] = ln1p(m28_h);
        v[MEAN91_H] = ln1p(m91_h);
        v[MEAN7_D] = ln1p(m7_d);
        v[MEAN28_D] = ln1p(m28_d);
        v[SAME_WEEKDAY_4W_D] = ln1p(same_weekday);
        v[STORE7_D] = ln1p(store7);
        v[STORE28_D] = ln1p(store28);
        v[STORE_WEEKDAY_RATIO] = match (store_weekday, store56) {
            (Some(a), Some(b)) => ((a + 1.0) / (b + 1.0)).ln() as f32,
            _ => 0.0,
        };
        v[STORE_HOUR_SHARE] = if store_units_28 > 0 {
            (f64::from(store_hour_28) / f64::from(store_units_28)) as f32
        } else {
            0.0
        };
        v[HISTORY_28D] = self.open_days(w28) as f32 / 28.0;
        Row {
            values: v,
            offset: (0.02 + m91_h.unwrap_or(0.0)).ln() as f32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().expect("test dates are valid")
    }

    fn ln1p(x: f64) -> f32 {
        x.ln_1p() as f32
    }

    fn col(name: &str) -> usize {
        FEATURE_NAMES
            .iter()
            .position(|n| *n == name)
            .expect("feature exists")
    }

    /// Thu 1 Jan … : item `a` sells at 12:00 on most days; 3 Jan sells nothing
    /// of `a` but 1 of `b` (open); 4 Jan the shop is closed.
    fn hand_made() -> Sales {
        Sales::from_local([
            ("a", date("2015-01-01"), 12, 2),
            ("a", date("2015-01-02"), 12, 4),
            ("b", date("2015-01-03"), 18, 1),
            // 2015-01-04: closed
            ("a", date("2015-01-05"), 12, 6),
            ("a", date("2015-01-05"), 13, 1),
            ("a", date("2015-01-08"), 12, 3),
        ])
        .expect("non-empty")
    }

    #[test]
    fn names_match_the_count() {
        assert_eq!(FEATURE_NAMES.len(), NUM_FEATURES);
        assert_eq!(col("history_28d"), HISTORY_28D);
        assert_eq!(col("lag1_h"), LAG1_H);
        assert_eq!(col("store_hour_share_28d"), STORE_HOUR_SHARE);
    }

    #[test]
    fn start_of_history_has_no_data_and_says_so() {
        let s = hand_made();
        let h = History::new(&s);
        let r = h.row(Some(0), date("2015-01-01"), 12);
        assert_eq!(r.values[col("hour_12")], 1.0);
        assert_eq!(r.values[col("dow_thu")], 1.0);
        for name in [
            "lag1_h",
            "lag7_h",
            "mean7_h",
            "mean28_h",
            "mean7_d",
            "history_28d",
        ] {
            assert_eq!(r.values[col(name)], 0.0, "{name}");
        }
        assert!((r.offset - 0.02f32.ln()).abs() < 1e-6);
        // Second day: one day of history; the week-ago lag is filled with the mean.
        let r = h.row(Some(0), date("2015-01-02"), 12);
        assert_eq!(r.values[col("lag1_h")], ln1p(2.0));
        assert_eq!(r.values[col("lag7_h")], ln1p(2.0), "imputed from mean28_h");
        assert_eq!(r.values[col("mean28_h")], ln1p(2.0));
        assert!((r.values[col("history_28d")] - 1.0 / 28.0).abs() < 1e-6);
    }

    #[test]
    fn quiet_days_count_as_zero_and_closed_days_are_skipped() {
        let s = hand_made();
        let h = History::new(&s);
        // On 6 Jan (Tue): history 1,2,3 (open, `a` sold 2,4,0 at noon), 4 closed, 5 (6 at noon).
        let r = h.row(Some(0), date("2015-01-06"), 12);
        assert_eq!(r.values[col("lag1_h")], ln1p(6.0));
        assert_eq!(
            r.values[col("mean7_h")],
            ln1p(12.0 / 4.0),
            "4 open days, closed 4 Jan left out"
        );
        assert_eq!(r.values[col("mean7_d")], ln1p(13.0 / 4.0));
        assert_eq!(r.values[col("store7_d")], ln1p(14.0 / 4.0));
        assert!((r.values[col("history_28d")] - 4.0 / 28.0).abs() < 1e-6);
        assert!((r.values[col("store_hour_share_28d")] - 12.0 / 14.0).abs() < 1e-6);
        assert!((r.offset - (0.02f64 + 3.0).ln() as f32).abs() < 1e-6);
        // On 5 Jan: yesterday was closed, so lag1 is the 28-day mean (2+4+0)/3.
        let r = h.row(Some(0), date("2015-01-05"), 12);
        assert_eq!(r.values[col("lag1_h")], ln1p(2.0));
        // 8 Jan (Thu): a week ago is 1 Jan (2 at noon).
        let r = h.row(Some(0), date("2015-01-08"), 12);
        assert_eq!(r.values[col("lag7_h")], ln1p(2.0));
        assert_eq!(r.values[col("same_weekday_4w_d")], ln1p(2.0));
        // Item `b` at 12:00 sold nothing at that hour: zeros, not gaps.
        let r = h.row(Some(1), date("2015-01-06"), 12);
        assert_eq!(r.values[col("mean28_h")], 0.0);
        assert_eq!(r.values[col("mean28_d")], ln1p(1.0 / 4.0));
        // An item that never sold looks like an item selling zero.
        let r = h.row(None, date("2015-01-06"), 12);
        assert_eq!(r.values[col("mean28_d")], 0.0);
        assert_eq!(r.values[col("store7_d")], ln1p(14.0 / 4.0));
    }

    #[test]
    fn forecasting_past_the_end_uses_what_there_is() {
        let s = hand_made();
        let h = History::new(&s);
        // 20 Jan: the last 7 days hold only 14 Jan..19 Jan, none in history;
        // mean7 falls back to the 28-day mean.
        let r = h.row(Some(0), date("2015-01-20"), 12);
        assert_eq!(r.values[col("mean7_h")], r.values[col("mean28_h")]);
        assert_eq!(r.values[col("mean28_h")], ln1p(15.0 / 5.0));
    }

    #[test]
    fn the_pooled_forecast_is_share_times_level_times_weekday_factor() {
        let s = hand_made();
        let h = History::new(&s);
        // 9 Jan (Fri): open days 1, 2, 3, 5, 8 sold 2, 4, 1, 7, 3 = 17 units,
        // 3.4 a day. Fridays: only 2 Jan (4), so the factor is 4 / 3.4.
        // `a` at noon sold 2 + 4 + 6 + 3 = 15 of the 17.
        let g = h.pooled(date("2015-01-09"));
        let expected = 15.0 / 17.0 * 3.4 * (4.0 / 3.4);
        assert!((g[0][12] - expected).abs() < 1e-9, "{}", g[0][12]);
        let day: f64 = g.iter().flatten().sum();
        assert!(
            (day - 4.0).abs() < 1e-9,
            "the shop's day is level × factor: {day}"
        );
        // Nothing before the first day.
        assert!(
            h.pooled(date("2015-01-01"))
                .iter()
                .flatten()
                .all(|&x| x == 0.0)
        );
    }

    #[test]
    fn a_kept_weekly_closing_day_is_forecast_closed() {
        let mut records = Vec::new();
        let start = date("2015-03-02"); // a Monday
        for d in 0..28u64 {
            let day = start + chrono::Days::new(d);
            // closed on the Mondays of the last two weeks
            if !(d == 14 || d == 21) {
                records.push(("a", day, 12, 1));
            }
        }
        let s = Sales::from_local(records).expect("non-empty");
        let h = History::new(&s);
        assert!(h.looks_closed(date("2015-03-30"), 2));
        assert!(!h.looks_closed(date("2015-03-31"), 2));
        assert!(
            !h.looks_closed(date("2015-03-30"), 3),
            "3 weeks ago it was open"
        );
        assert!(!h.looks_closed(date("2015-03-30"), 0));
        assert!(!h.looks_closed(date("2015-03-09"), 2), "open a week before");
    }
}
