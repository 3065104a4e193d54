//! Cron schedules in the shop's time zone. The `cron` crate wants a seconds
//! field first and numbers weekdays 1–7 from Sunday; both trip people up, so
//! a wrong expression gets an explanation, not just "invalid".

use std::str::FromStr as _;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// A parsed schedule and the time zone it is read in.
#[derive(Debug, Clone)]
pub struct Schedule {
    expr: String,
    cron: cron::Schedule,
    tz: Tz,
}

/// Why a schedule in the settings is not one; the message names the setting
/// and shows the fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScheduleError {
    #[error(
        "demand.{name} `{expr}` has 5 fields; chatorder's schedules start with seconds: write `0 {expr}`"
    )]
    NoSeconds { name: String, expr: String },
    #[error(
        "demand.{name} `{expr}` is not a schedule ({source}); use `sec min hour day month weekday`, e.g. `0 0 8 * * *` for 08:00 daily (weekdays are 1-7 from Sunday, or Mon-Sun)"
    )]
    Invalid {
        name: String,
        expr: String,
        source: cron::error::Error,
    },
}

impl Schedule {
    /// Parses `expr` (for example `0 0 8 * * *`: 08:00 every day) for `tz`;
    /// `name` is the setting it comes from, for the error.
    pub fn parse(name: &str, expr: &str, tz: Tz) -> Result<Self, ScheduleError> {
        let fields = expr.split_whitespace().count();
        if fields == 5 && !expr.trim_start().starts_with('@') {
            return Err(ScheduleError::NoSeconds {
                name: name.to_owned(),
                expr: expr.to_owned(),
            });
        }
        let cron = cron::Schedule::from_str(expr).map_err(|source| ScheduleError::Invalid {
            name: name.to_owned(),
            expr: expr.to_owned(),
            source,
        })?;
        Ok(Self {
            expr: expr.to_owned(),
            cron,
            tz,
        })
    }

    /// The first time strictly after `now` at which it fires.
    pub fn next_after(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron
            .after(&now.with_timezone(&self.tz))
            .next()
            .map(|t| t.with_timezone(&Utc))
    }

    pub fn expr(&self) -> &str {
        &self.expr
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .expect("valid time")
    }

    #[test]
    fn the_morning_summary_follows_local_time_across_daylight_saving() {
        let s = Schedule::parse("summary_cron", "0 0 8 * * *", chrono_tz::Europe::London)
            .expect("valid");
        // Saturday 28 March 2026: still GMT, so 08:00 local is 08:00 UTC.
        assert_eq!(
            s.next_after(utc(2026, 3, 28, 0, 0)),
            Some(utc(2026, 3, 28, 8, 0))
        );
        // Clocks go forward at 01:00 UTC on Sunday 29 March: 08:00 BST is 07:00 UTC.
        assert_eq!(
            s.next_after(utc(2026, 3, 28, 9, 0)),
            Some(utc(2026, 3, 29, 7, 0))
        );
        // And back on Sunday 25 October: 08:00 GMT is 08:00 UTC again.
        assert_eq!(
            s.next_after(utc(2026, 10, 24, 9, 0)),
            Some(utc(2026, 10, 25, 8, 0))
        );
    }

    #[test]
    fn a_time_skipped_by_the_clock_change_is_not_invented() {
        // 01:30 does not exist in London on 29 March 2026.
        let s = Schedule::parse("retrain_cron", "0 30 1 * * *", chrono_tz::Europe::London)
            .expect("valid");
        let next = s.next_after(utc(2026, 3, 28, 12, 0)).expect("fires");
        assert_ne!(
            next.with_timezone(&chrono_tz::Europe::London)
                .date_naive()
                .to_string(),
            "2026-03-29"
        );
        assert_eq!(next, utc(2026, 3, 30, 0, 30));
    }

    #[test]
    fn weekdays_count_from_sunday() {
        // `2` is Monday in the cron crate's numbering.
        let s = Schedule::parse("summary_cron", "0 0 9 * * 2", chrono_tz::UTC).expect("valid");
        // Sunday 22 November 2026 → Monday 23 November.
        assert_eq!(
            s.next_after(utc(2026, 11, 22, 12, 0)),
            Some(utc(2026, 11, 23, 9, 0))
        );
        let named =
            Schedule::parse("summary_cron", "0 0 9 * * Mon", chrono_tz::UTC).expect("valid");
        assert_eq!(
            named.next_after(utc(2026, 11, 22, 12, 0)),
            Some(utc(2026, 11, 23, 9, 0))
        );
    }

    #[test]
    fn mistakes_are_explained() {
        let five = Schedule::parse("summary_cron", "0 8 * * *", chrono_tz::UTC)
            .expect_err("5 fields")
            .to_string();
        assert!(five.contains("write `0 0 8 * * *`"), "{five}");
        let junk = Schedule::parse("summary_cron", "every morning", chrono_tz::UTC)
            .expect_err("junk")
            .to_string();
        assert!(junk.contains("sec min hour"), "{junk}");
    }
}
