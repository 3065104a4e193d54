//! The shop's opening hours (`shop.hours`, `shop.closed_dates`, through
//! `chatorder_shared::hours::Schedule`) as the forecast reads them: which
//! local clock hours of a date are open. Pure.

use std::sync::Arc;

use chatorder_shared::hours::Schedule;
use chrono::{DateTime, Days, NaiveDate, TimeZone as _, Timelike as _, Utc};

use crate::core::opening::{Closures, OpenHours};
use crate::core::sales::HOURS;

/// Where forecasts take closed days and hours from: the settings when the
/// shop has opening hours, else (always open, the default, or
/// `shop.always_open`) the guess from sales, as before hours existed.
pub fn closures(schedule: Schedule) -> Closures {
    if schedule.is_always_open() {
        Closures::Guessed
    } else {
        Closures::Settings(Arc::new(move |date| open_hours(&schedule, date)))
    }
}

/// The local clock hours of `date` in which the shop is open for at least a
/// minute. An hour the clocks skip (01:00 on a spring-forward night in
/// London) has no minute, so it is never open; an hour they show twice is
/// open if either showing is.
pub fn open_hours(schedule: &Schedule, date: NaiveDate) -> OpenHours {
    let tz = schedule.time_zone();
    let (Some(from), Some(to)) = (
        local_start(schedule, date),
        date.checked_add_days(Days::new(1))
            .and_then(|next| local_start(schedule, next)),
    ) else {
        return OpenHours::NONE;
    };
    let mut open = [false; HOURS];
    let mut t = from;
    while t < to {
        let Some(o) = schedule.opening_at_or_after(t) else {
            break;
        };
        let end = o.end.min(to);
        let mut m = o.start.max(t);
        while m < end {
            open[m.with_timezone(&tz).hour() as usize] = true;
            m += chrono::Duration::minutes(1);
        }
        t = o.end;
    }
    OpenHours::from_fn(|h| open[h])
}

/// The first instant of `date` in the shop's zone (a midnight the clocks
/// skip is the moment they jump).
fn local_start(schedule: &Schedule, date: NaiveDate) -> Option<DateTime<Utc>> {
    let tz = schedule.time_zone();
    let midnight = date.and_hms_opt(0, 0, 0)?;
    (0..=24 * 60).find_map(|m| {
        tz.from_local_datetime(&(midnight + chrono::Duration::minutes(m)))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use chatorder_shared::hours::{TimeRange, Tz, WeeklyHours};

    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("a date")
    }

    fn r(s: &str) -> TimeRange {
        TimeRange::parse(s).expect("a range")
    }

    /// Tue–Sun 11:00-15:00 and 18:00-23:00, Monday closed; London.
    fn week() -> WeeklyHours {
        let day = || vec![r("11:00-15:00"), r("18:00-23:00")];
        WeeklyHours::new([vec![], day(), day(), day(), day(), day(), day()]).expect("no overlaps")
    }

    fn schedule(closed: &[&str]) -> Schedule {
        Schedule::new(
            Tz::Europe__London,
            Some(week()),
            closed.iter().map(|s| d(s)).collect::<BTreeSet<_>>(),
        )
    }

    #[test]
    fn a_closed_weekday_and_a_closed_date_have_no_open_hour() {
        let s = schedule(&["2026-12-25"]);
        assert!(open_hours(&s, d("2026-11-30")).is_closed_day(), "a Monday");
        assert!(
            open_hours(&s, d("2026-12-25")).is_closed_day(),
            "a closed Friday"
        );
        let friday = open_hours(&s, d("2026-12-18"));
        assert_eq!(friday.hours(), vec![11, 12, 13, 14, 18, 19, 20, 21, 22]);
    }

    #[test]
    fn a_partly_open_hour_counts_and_a_range_past_midnight_opens_the_next_morning() {
        let mut days: [Vec<TimeRange>; 7] = Default::default();
        days[4] = vec![r("11:30-13:15"), r("22:00-02:00")]; // Friday
        let s = Schedule::new(
            Tz::Europe__London,
            Some(WeeklyHours::new(days).expect("ranges")),
            BTreeSet::new(),
        );
        assert_eq!(
            open_hours(&s, d("2026-12-18")).hours(),
            vec![11, 12, 13, 22, 23]
        );
        assert_eq!(
            open_hours(&s, d("2026-12-19")).hours(),
            vec![0, 1],
            "Friday's night"
        );
    }

    #[test]
    fn on_a_daylight_saving_day_the_hours_are_the_clocks() {
        // Saturday 18:00-03:00 runs into the Sunday the clocks go forward
        // (29 March 2026: 01:00 becomes 02:00) and the Sunday they go back
        // (25 October 2026: 02:00 becomes 01:00).
        let mut days: [Vec<TimeRange>; 7] = Default::default();
        days[5] = vec![r("18:00-03:00")];
        let s = Schedule::new(
            Tz::Europe__London,
            Some(WeeklyHours::new(days).expect("ranges")),
            BTreeSet::new(),
        );
        assert_eq!(
            open_hours(&s, d("2026-03-29")).hours(),
            vec![0, 2],
            "01:00-02:00 never happens that night"
        );
        assert_eq!(open_hours(&s, d("2026-10-25")).hours(), vec![0, 1, 2]);
        assert_eq!(
            open_hours(&s, d("2026-03-28")).hours(),
            (18..24).collect::<Vec<_>>()
        );
    }

    #[test]
    fn no_hours_in_the_settings_keeps_the_guess() {
        assert!(matches!(
            closures(Schedule::always(Tz::Europe__London)),
            Closures::Guessed
        ));
        let c = closures(schedule(&[]));
        assert_eq!(c.known(d("2026-11-30")), Some(OpenHours::NONE), "Monday");
    }
}
