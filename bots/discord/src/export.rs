//! `/export [from] [to]`: the orders placed on some of the shop's days as a
//! CSV attachment, the same file as the HTTP API's `GET /orders/export`
//! (`chatorder_shared::export`). Days are the shop's (`shop.time_zone`):
//! no day is today, one is that day, two are a range including both.

use chatorder_shared::domain::Actor;
use chatorder_shared::export::{self, ExportError, Limits, Period};
use chatorder_shared::queries::OrderList;
use chatorder_shared::subjects::QueryKind;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone as _, Utc};
use chrono_tz::Tz;

use crate::handler::{File, Reply};
use crate::texts;
use crate::workers::Workers;

/// Most days one export covers.
pub const MAX_DAYS: i64 = 366;

/// The HTTP API's row limit, and a size Discord takes as an attachment
/// (10 MB in a server without boosts), with room to spare.
pub const LIMITS: Limits = Limits {
    max_rows: export::MAX_ROWS,
    max_bytes: Some(8 * 1024 * 1024),
};

/// A day as an owner names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayArg {
    Today,
    Yesterday,
    Date(NaiveDate),
}

impl DayArg {
    /// `today`, `yesterday` or `2026-12-04`.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        match raw.to_ascii_lowercase().as_str() {
            "today" => Some(Self::Today),
            "yesterday" => Some(Self::Yesterday),
            _ => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .ok()
                .map(Self::Date),
        }
    }

    fn on(self, today: NaiveDate) -> NaiveDate {
        match self {
            Self::Today => today,
            Self::Yesterday => today.pred_opt().unwrap_or(today),
            Self::Date(d) => d,
        }
    }
}

/// The shop's days an export covers, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Days {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

/// Why those days cannot be exported; the message is the sentence for the
/// owner.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadDays {
    #[error(
        "`from` ({}) comes after `to` ({}): put the earlier day first.",
        texts::day(*.from),
        texts::day(*.to)
    )]
    Backwards { from: NaiveDate, to: NaiveDate },
    #[error("{} hasn't come yet in the shop's time zone, so there are no orders to export.", texts::day(*.0))]
    Future(NaiveDate),
    #[error("That is {0} days; export at most {MAX_DAYS} days at a time.")]
    TooLong(i64),
}

/// The days meant by `/export [from] [to]` on `today` (the shop's).
pub fn days(from: Option<DayArg>, to: Option<DayArg>, today: NaiveDate) -> Result<Days, BadDays> {
    let first = from.or(to).map_or(today, |d| d.on(today));
    let last = to.map_or(first, |d| d.on(today));
    if first > last {
        return Err(BadDays::Backwards {
            from: first,
            to: last,
        });
    }
    if first > today {
        return Err(BadDays::Future(first));
    }
    let count = (last - first).num_days() + 1;
    if count > MAX_DAYS {
        return Err(BadDays::TooLong(count));
    }
    Ok(Days { first, last })
}

/// When the shop's `day` begins, in UTC. Where the clocks skip midnight
/// (a daylight-saving change at 00:00), the day begins at its first minute
/// that exists; where midnight happens twice, at the first.
pub fn start_of(day: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = day.and_time(NaiveTime::MIN);
    (0..=24 * 60)
        .find_map(|m| {
            tz.from_local_datetime(&(midnight + Duration::minutes(m)))
                .earliest()
        })
        .map_or_else(
            || Utc.from_utc_datetime(&midnight),
            |t| t.with_timezone(&Utc),
        )
}

/// From the start of the first day to the start of the day after the last
/// (`None` only past the end of the calendar).
pub fn period(days: Days, tz: Tz) -> Option<Period> {
    let after = days.last.succ_opt()?;
    Period::new(start_of(days.first, tz), start_of(after, tz))
}

/// `orders-2026-12-04.csv`, or `orders-2026-12-01-to-2026-12-04.csv`.
pub fn file_name(days: Days) -> String {
    if days.first == days.last {
        format!("orders-{}.csv", days.first)
    } else {
        format!("orders-{}-to-{}.csv", days.first, days.last)
    }
}

/// Reads the days' orders from the order workers and answers with the
/// file, or with why there is none.
#[tracing::instrument(skip_all, fields(from = ?from, to = ?to))]
pub async fn run(
    workers: &Workers,
    tz: Tz,
    actor: &Actor,
    from: Option<DayArg>,
    to: Option<DayArg>,
) -> Reply {
    let today = Utc::now().with_timezone(&tz).date_naive();
    let days = match days(from, to, today) {
        Ok(d) => d,
        Err(why) => {
            crate::metrics::export("refused", 0);
            return Reply::text(why.to_string());
        }
    };
    let Some(period) = period(days, tz) else {
        crate::metrics::export("refused", 0);
        return Reply::text(texts::export_failed());
    };
    let file = export::export(actor, period, LIMITS, |q| async move {
        workers.query::<_, OrderList>(QueryKind::List, &q).await
    })
    .await;
    match file {
        Ok(f) if f.rows == 0 => {
            crate::metrics::export("empty", 0);
            Reply::text(texts::export_empty(days.first, days.last, tz))
        }
        Ok(f) => {
            tracing::info!(rows = f.rows, bytes = f.bytes.len(), "export attached");
            crate::metrics::export("file", f.bytes.len());
            Reply {
                content: texts::export_ready(f.rows, days.first, days.last, tz),
                file: Some(File {
                    name: file_name(days),
                    bytes: f.bytes,
                }),
                ..Reply::default()
            }
        }
        Err(ExportError::TooManyRows { max }) => {
            crate::metrics::export("too_many_rows", 0);
            Reply::text(texts::export_too_many_rows(max))
        }
        Err(ExportError::TooLarge { max }) => {
            crate::metrics::export("too_large", 0);
            Reply::text(texts::export_too_large(max))
        }
        Err(ExportError::Ask(why)) => {
            crate::metrics::export("unanswered", 0);
            Reply::text(why.to_string())
        }
        Err(other) => {
            tracing::error!(error = %other, "cannot write the export");
            crate::metrics::export("error", 0);
            Reply::text(texts::export_failed())
        }
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails at the first surprise")]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn arg(s: &str) -> Option<DayArg> {
        Some(DayArg::parse(s).unwrap())
    }

    #[test]
    fn owners_name_days_as_dates_or_today_or_yesterday() {
        assert_eq!(DayArg::parse(" Today "), Some(DayArg::Today));
        assert_eq!(DayArg::parse("yesterday"), Some(DayArg::Yesterday));
        assert_eq!(
            DayArg::parse("2026-12-04"),
            Some(DayArg::Date(d("2026-12-04")))
        );
        for bad in [
            "",
            "tomorrow-ish",
            "2026-13-01",
            "2026-02-30",
            "04/12/2026",
            "12",
        ] {
            assert_eq!(DayArg::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn no_day_is_today_one_is_that_day_two_are_a_range() {
        let today = d("2026-12-04");
        let days_of = |from, to| days(from, to, today);
        assert_eq!(
            days_of(None, None),
            Ok(Days {
                first: today,
                last: today
            })
        );
        assert_eq!(
            days_of(arg("yesterday"), None),
            Ok(Days {
                first: d("2026-12-03"),
                last: d("2026-12-03")
            })
        );
        assert_eq!(
            days_of(None, arg("2026-12-02")),
            Ok(Days {
                first: d("2026-12-02"),
                last: d("2026-12-02")
            })
        );
        assert_eq!(
            days_of(arg("2026-11-01"), arg("today")),
            Ok(Days {
                first: d("2026-11-01"),
                last: today
            })
        );
        // The last day may be ahead (the rest of the week); the first may not.
        assert!(days_of(arg("2026-12-01"), arg("2026-12-07")).is_ok());
        assert_eq!(
            days_of(arg("2026-12-05"), None),
            Err(BadDays::Future(d("2026-12-05")))
        );
        assert_eq!(
            days_of(arg("2026-12-04"), arg("2026-12-01")),
            Err(BadDays::Backwards {
                from: d("2026-12-04"),
                to: d("2026-12-01")
            })
        );
        assert_eq!(
            days_of(arg("2025-12-03"), arg("today")),
            Err(BadDays::TooLong(367))
        );
        assert!(days_of(arg("2025-12-04"), arg("today")).is_ok(), "366 days");
    }

    #[test]
    fn refusals_are_sentences_that_name_the_days() {
        assert_eq!(
            BadDays::Backwards {
                from: d("2026-12-04"),
                to: d("2026-12-01")
            }
            .to_string(),
            "`from` (Fri 4 Dec 2026) comes after `to` (Tue 1 Dec 2026): put the earlier day first."
        );
        assert!(
            BadDays::Future(d("2026-12-05"))
                .to_string()
                .starts_with("Sat 5 Dec 2026 hasn't come yet")
        );
    }

    #[test]
    fn days_are_the_shops_across_daylight_saving_changes() {
        let london: Tz = "Europe/London".parse().unwrap();
        let utc = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let one = |s: &str| Days {
            first: d(s),
            last: d(s),
        };
        // Winter: the shop's day is UTC's.
        let p = period(one("2026-12-04"), london).unwrap();
        assert_eq!(
            (p.from(), p.before()),
            (utc("2026-12-04T00:00:00Z"), utc("2026-12-05T00:00:00Z"))
        );
        // Summer time: the day starts an hour before UTC's.
        let p = period(one("2026-07-01"), london).unwrap();
        assert_eq!(
            (p.from(), p.before()),
            (utc("2026-06-30T23:00:00Z"), utc("2026-07-01T23:00:00Z"))
        );
        // The clocks go forward on 29 March 2026: a 23-hour day.
        let p = period(one("2026-03-29"), london).unwrap();
        assert_eq!(p.before() - p.from(), Duration::hours(23));
        // And back on 25 October: 25 hours.
        let p = period(one("2026-10-25"), london).unwrap();
        assert_eq!(p.before() - p.from(), Duration::hours(25));
        // São Paulo once skipped midnight itself (4 November 2018): the day
        // began at 01:00 local, 03:00 UTC.
        let sao_paulo: Tz = "America/Sao_Paulo".parse().unwrap();
        assert_eq!(
            start_of(d("2018-11-04"), sao_paulo),
            utc("2018-11-04T03:00:00Z")
        );
        // Several days: start of the first to the start of the day after the last.
        let p = period(
            Days {
                first: d("2026-03-28"),
                last: d("2026-03-30"),
            },
            london,
        )
        .unwrap();
        assert_eq!(
            (p.from(), p.before()),
            (utc("2026-03-28T00:00:00Z"), utc("2026-03-30T23:00:00Z"))
        );
    }

    #[test]
    fn file_names_say_the_days() {
        let one = Days {
            first: d("2026-12-04"),
            last: d("2026-12-04"),
        };
        assert_eq!(file_name(one), "orders-2026-12-04.csv");
        let range = Days {
            first: d("2026-12-01"),
            last: d("2026-12-04"),
        };
        assert_eq!(file_name(range), "orders-2026-12-01-to-2026-12-04.csv");
    }
}
