//! Opening hours: "is the shop open at `t`?" and "when does it open next?",
//! a pure function of the shop's weekly ranges, closed dates and time zone.
//!
//! Ranges are wall-clock times in `shop.time_zone`. A range whose end is at
//! or before its start runs past midnight into the next day
//! (`18:00-02:00`), and `24:00` ends a range at midnight. A closed date
//! closes the ranges that *start* on it. Across daylight-saving changes the
//! wall clock rules: a time the clocks skip (01:30 on a spring-forward night
//! in London) means the moment they jump, and a time they show twice (01:30
//! on a fall-back night) means the first time they show it.
//!
//! No configured hours means always open, which is what a shop had before
//! hours existed (and what demos, tests and benchmarks ask for).

use std::collections::BTreeSet;
use std::fmt;

use chrono::{
    DateTime, Datelike as _, Days, LocalResult, NaiveDate, NaiveTime, Offset as _, TimeZone, Utc,
};
pub use chrono_tz::Tz;
use serde::{Deserialize, Deserializer};

/// How far ahead [`Schedule::next_open`] looks before it gives up (a shop
/// whose every day is closed for a year has no next opening).
const LOOK_AHEAD_DAYS: u64 = 400;

/// One opening on a weekday, in minutes after local midnight. `end` is
/// after `start` on the same day, or (past midnight) at or before it on
/// the next day.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimeRange {
    start: u16,
    end: u16,
}

const DAY_MINUTES: u16 = 24 * 60;

impl TimeRange {
    /// `11:00-23:00`, `18:00-02:00` (past midnight), `00:00-24:00`.
    pub fn parse(raw: &str) -> Result<Self, HoursError> {
        let bad = || HoursError::BadRange(raw.to_owned());
        let (a, b) = raw.trim().split_once('-').ok_or_else(bad)?;
        let start = minutes(a.trim(), false).ok_or_else(bad)?;
        let end = minutes(b.trim(), true).ok_or_else(bad)?;
        if start == 0 && end == DAY_MINUTES {
            // The whole day: the only range that ends at 24:00 of its own day.
            return Ok(Self { start, end });
        }
        // Any other range ending at 24:00 ends at the next day's 00:00.
        let end = end % DAY_MINUTES;
        if end == start {
            return Err(HoursError::EmptyRange(raw.to_owned()));
        }
        Ok(Self { start, end })
    }

    /// Whether the range runs into the next day.
    fn past_midnight(self) -> bool {
        self.end <= self.start
    }

    /// The range's minutes on its own day as `start..end` (a range past
    /// midnight counts to midnight here).
    fn same_day_end(self) -> u16 {
        if self.past_midnight() {
            DAY_MINUTES
        } else {
            self.end
        }
    }
}

/// As written in the config (`chatorder config` prints settings this way).
impl fmt::Debug for TimeRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for TimeRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
        let end = if self.end == DAY_MINUTES {
            "24:00".to_owned()
        } else {
            hm(self.end)
        };
        write!(f, "{}-{}", hm(self.start), end)
    }
}

/// `HH:MM` → minutes after midnight; `24:00` only as an end.
fn minutes(raw: &str, end: bool) -> Option<u16> {
    let (h, m) = raw.split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let h: u16 = h.parse().ok()?;
    let m: u16 = m.parse().ok()?;
    match (h, m) {
        (24, 0) if end => Some(DAY_MINUTES),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

/// Why `shop.hours` or `shop.closed_dates` could not be read; the message
/// says which value and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HoursError {
    #[error("`{0}` is not an opening range such as 11:00-23:00 (or 18:00-02:00 past midnight)")]
    BadRange(String),
    #[error("`{0}` opens and closes at the same time; for a whole day write 00:00-24:00")]
    EmptyRange(String),
    #[error("{day}: `{a}` and `{b}` overlap; join them into one range")]
    Overlap { day: String, a: String, b: String },
    #[error("`{0}` is not a date such as 2026-12-25")]
    BadDate(String),
}

/// The opening ranges of each weekday, Monday first; a day without ranges
/// is closed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WeeklyHours {
    days: [Vec<TimeRange>; 7],
}

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl WeeklyHours {
    /// From ranges per weekday (Monday first), checked: no overlaps.
    pub fn new(days: [Vec<TimeRange>; 7]) -> Result<Self, HoursError> {
        let mut days = days;
        for (i, ranges) in days.iter_mut().enumerate() {
            ranges.sort_unstable();
            for pair in ranges.windows(2) {
                if pair[0].same_day_end() > pair[1].start {
                    return Err(HoursError::Overlap {
                        day: DAY_NAMES[i].to_owned(),
                        a: pair[0].to_string(),
                        b: pair[1].to_string(),
                    });
                }
            }
        }
        Ok(Self { days })
    }

    /// The ranges of a weekday, by its start.
    pub fn on(&self, day: chrono::Weekday) -> &[TimeRange] {
        &self.days[day.num_days_from_monday() as usize]
    }
}

/// `shop.hours` as written: per weekday a list of ranges or one string
/// (`"11:00-15:00, 17:00-23:00"`); a day left out is closed.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWeek {
    #[serde(default)]
    mon: DayRanges,
    #[serde(default)]
    tue: DayRanges,
    #[serde(default)]
    wed: DayRanges,
    #[serde(default)]
    thu: DayRanges,
    #[serde(default)]
    fri: DayRanges,
    #[serde(default)]
    sat: DayRanges,
    #[serde(default)]
    sun: DayRanges,
}

#[derive(Deserialize, Default)]
#[serde(untagged)]
enum DayRanges {
    #[default]
    None,
    List(Vec<String>),
    Text(String),
}

impl DayRanges {
    fn parse(self, day: &str) -> Result<Vec<TimeRange>, HoursError> {
        let raw: Vec<String> = match self {
            Self::None => Vec::new(),
            Self::List(v) => v,
            Self::Text(s) => s.split(',').map(str::to_owned).collect(),
        };
        raw.iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty() && !s.eq_ignore_ascii_case("closed"))
            .map(|s| {
                TimeRange::parse(s).map_err(|e| match e {
                    HoursError::BadRange(r) => HoursError::BadRange(format!("{day} = {r}")),
                    other => other,
                })
            })
            .collect()
    }
}

impl<'de> Deserialize<'de> for WeeklyHours {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        RawWeek::deserialize(d)?
            .parse()
            .map_err(|e| serde::de::Error::custom(format!("shop.hours: {e}")))
    }
}

impl RawWeek {
    fn parse(self) -> Result<WeeklyHours, HoursError> {
        WeeklyHours::new([
            self.mon.parse("mon")?,
            self.tue.parse("tue")?,
            self.wed.parse("wed")?,
            self.thu.parse("thu")?,
            self.fri.parse("fri")?,
            self.sat.parse("sat")?,
            self.sun.parse("sun")?,
        ])
    }
}

/// `shop.closed_dates`: `YYYY-MM-DD` each, parsed strictly.
pub fn closed_dates<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeSet<NaiveDate>, D::Error> {
    let raw = Vec::<String>::deserialize(d)?;
    raw.iter()
        .map(|s| {
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
                serde::de::Error::custom(format!(
                    "shop.closed_dates: {}",
                    HoursError::BadDate(s.clone())
                ))
            })
        })
        .collect()
}

/// When the shop takes orders: weekly hours in a time zone, minus closed
/// dates; or always.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    tz: Tz,
    /// `None`: always open.
    week: Option<WeeklyHours>,
    closed: BTreeSet<NaiveDate>,
}

/// How far ahead a scheduled order may be placed when the shop is always
/// open (else the opening customers may order for ends it).
pub const MAX_SCHEDULE_AHEAD_DAYS: i64 = 7;

/// How long after a scheduled time an order for it is still taken: a
/// customer who chose "11:00" while the shop was closed, and whose order
/// reaches the worker a moment after 11:00, means "as soon as you open".
pub const SCHEDULE_GRACE_MINUTES: i64 = 15;

/// The times offered for a scheduled order are this many minutes apart…
pub const OFFERED_STEP_MINUTES: u32 = 30;
/// …and at most this many (spread over a longer opening): a screenful of
/// buttons in Telegram, a short list on the web.
pub const MAX_OFFERED: usize = 24;

/// One opening: from `start` until `end`, as instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opening {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Schedule {
    pub fn new(tz: Tz, week: Option<WeeklyHours>, closed: BTreeSet<NaiveDate>) -> Self {
        Self { tz, week, closed }
    }

    /// Open around the clock, every day.
    pub fn always(tz: Tz) -> Self {
        Self::new(tz, None, BTreeSet::new())
    }

    pub fn is_always_open(&self) -> bool {
        self.week.is_none()
    }

    pub fn time_zone(&self) -> Tz {
        self.tz
    }

    /// Whether the shop is open at `t`.
    pub fn is_open(&self, t: DateTime<Utc>) -> bool {
        self.next_open(t) == Some(t)
    }

    /// `t` itself when open at `t`, else the start of the next opening;
    /// `None` when nothing opens within a year (every day closed).
    pub fn next_open(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.opening_at_or_after(t).map(|o| o.start.max(t))
    }

    /// The times a customer may order for at `now`: from now (or the next
    /// opening's start, when closed) until the end of that opening, and no
    /// further than [`MAX_SCHEDULE_AHEAD_DAYS`] ahead. `None` when nothing
    /// opens within a year.
    pub fn order_window(&self, now: DateTime<Utc>) -> Option<Opening> {
        let o = self.opening_at_or_after(now)?;
        let cap = now + chrono::Duration::days(MAX_SCHEDULE_AHEAD_DAYS);
        Some(Opening {
            start: o.start.max(now),
            end: o.end.min(cap),
        })
    }

    /// Whether an order placed at `now` may be scheduled for `at`: inside
    /// [`Self::order_window`] (while open, a time up to
    /// [`SCHEDULE_GRACE_MINUTES`] ago counts as now) and at an open moment. `Err` carries
    /// the window to tell the customer (`None`: nothing opens within a year).
    pub fn check_scheduled(
        &self,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), Option<Opening>> {
        let window = self.order_window(now);
        let Some(w) = window else {
            return Err(None);
        };
        // The grace is for a time just gone while open ("11:00", chosen
        // while closed, arriving at 11:00:05); before an opening it is not.
        let earliest = if w.start <= now {
            now - chrono::Duration::minutes(SCHEDULE_GRACE_MINUTES)
        } else {
            w.start
        };
        // The window lies inside one opening, so every time in it is open.
        if at >= earliest && at < w.end {
            Ok(())
        } else {
            Err(window)
        }
    }

    /// Times to offer a customer who orders for later, at `now`: every
    /// `step` minutes through [`Self::order_window`] (the first on a
    /// multiple of `step` past the hour on the shop's clock), at most `max` of them, spread
    /// over the whole window when it holds more.
    pub fn order_slots(&self, now: DateTime<Utc>, step: u32, max: usize) -> Vec<DateTime<Utc>> {
        let Some(w) = self.order_window(now) else {
            return Vec::new();
        };
        let step = i64::from(step.max(1)) * 60;
        // On the shop's clock: in a zone 45 minutes off UTC the half hours
        // are still :00 and :30 there.
        let offset = i64::from(
            w.start
                .with_timezone(&self.tz)
                .offset()
                .fix()
                .local_minus_utc(),
        );
        let first = (w.start.timestamp() + offset + step - 1).div_euclid(step) * step - offset;
        let last = w.end.timestamp() - 1;
        if max == 0 || first > last {
            return Vec::new();
        }
        let count = (last - first) / step + 1;
        // Keep every k-th slot so that at most `max` remain.
        let stride = (count + max as i64 - 1) / max as i64;
        (0..count)
            .step_by(usize::try_from(stride).unwrap_or(1).max(1))
            .filter_map(|i| DateTime::from_timestamp(first + i * step, 0))
            .take(max)
            .collect()
    }

    /// The times every edge offers a customer ordering for later at `now`:
    /// [`Self::order_slots`] every [`OFFERED_STEP_MINUTES`], at most
    /// [`MAX_OFFERED`].
    pub fn offered_times(&self, now: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        self.order_slots(now, OFFERED_STEP_MINUTES, MAX_OFFERED)
    }

    /// The opening `t` is in, or the next one after it.
    pub fn opening_at_or_after(&self, t: DateTime<Utc>) -> Option<Opening> {
        let Some(week) = &self.week else {
            return Some(Opening {
                start: t,
                end: DateTime::<Utc>::MAX_UTC,
            });
        };
        let today = t.with_timezone(&self.tz).date_naive();
        // Yesterday's ranges may run past midnight into today.
        let mut day = today.pred_opt()?;
        for _ in 0..LOOK_AHEAD_DAYS {
            if !self.closed.contains(&day) {
                for range in week.on(day.weekday()) {
                    let o = self.resolve(day, *range)?;
                    if o.end > t && o.end > o.start {
                        return Some(o);
                    }
                }
            }
            day = day.checked_add_days(Days::new(1))?;
        }
        None
    }

    /// A range on a date as instants.
    fn resolve(&self, day: NaiveDate, range: TimeRange) -> Option<Opening> {
        let end_day = if range.past_midnight() || range.end == DAY_MINUTES {
            day.checked_add_days(Days::new(1))?
        } else {
            day
        };
        let end_min = if range.end == DAY_MINUTES {
            0
        } else {
            range.end
        };
        Some(Opening {
            start: self.instant(day, range.start)?,
            end: self.instant(end_day, end_min)?,
        })
    }

    /// A wall-clock minute on a date as an instant: a minute the clocks skip
    /// is the moment they jump; one they show twice, the first showing.
    fn instant(&self, day: NaiveDate, minute: u16) -> Option<DateTime<Utc>> {
        let mut local = day.and_time(NaiveTime::from_hms_opt(
            u32::from(minute / 60),
            u32::from(minute % 60),
            0,
        )?);
        // No zone skips more than a day; real gaps are an hour or less.
        for _ in 0..=DAY_MINUTES {
            match self.tz.from_local_datetime(&local) {
                LocalResult::Single(t) => return Some(t.with_timezone(&Utc)),
                LocalResult::Ambiguous(first, _) => return Some(first.with_timezone(&Utc)),
                LocalResult::None => local += chrono::Duration::minutes(1),
            }
        }
        None
    }
}

/// A moment as someone in the shop's zone reads it, seen from `now`:
/// `today 19:30`, `tomorrow 11:00`, `Sat 11:00` within a week, else
/// `Sat 26 Dec 11:00`. Every edge words opening times with it.
pub fn when(at: DateTime<Utc>, now: DateTime<Utc>, tz: Tz) -> String {
    let local = at.with_timezone(&tz);
    let days = (local.date_naive() - now.with_timezone(&tz).date_naive()).num_days();
    let time = local.format("%H:%M");
    match days {
        0 => format!("today {time}"),
        1 => format!("tomorrow {time}"),
        2..=6 => format!("{} {time}", local.format("%a")),
        _ => format!("{} {time}", local.format("%a %-d %b")),
    }
}

#[cfg(test)]
#[path = "hours_tests.rs"]
mod tests;
