use chrono::{DateTime, Duration, NaiveDate, TimeZone as _, Utc};
use chrono_tz::Europe::London;
use proptest::prelude::*;

use super::*;

fn r(s: &str) -> TimeRange {
    TimeRange::parse(s).expect(s)
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect(s)
        .with_timezone(&Utc)
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect(s)
}

/// Closed Mondays; 11:00-23:00 Tuesday to Friday and Sunday; Saturday
/// 11:00-15:00 and 17:00-02:00 (past midnight).
fn pizza() -> WeeklyHours {
    let normal = || vec![r("11:00-23:00")];
    WeeklyHours::new([
        vec![],
        normal(),
        normal(),
        normal(),
        normal(),
        vec![r("17:00-02:00"), r("11:00-15:00")],
        normal(),
    ])
    .expect("valid week")
}

fn london(week: WeeklyHours, closed: &[&str]) -> Schedule {
    Schedule::new(London, Some(week), closed.iter().map(|d| day(d)).collect())
}

#[test]
fn ranges_parse_and_bad_ones_say_what_to_write() {
    assert_eq!(r("11:00-23:00").to_string(), "11:00-23:00");
    assert_eq!(r(" 9:30 - 14:00 ").to_string(), "09:30-14:00");
    assert_eq!(r("18:00-02:00").to_string(), "18:00-02:00");
    assert_eq!(r("00:00-24:00").to_string(), "00:00-24:00");
    assert_eq!(r("18:00-24:00").to_string(), "18:00-00:00");
    for bad in [
        "",
        "11-23",
        "11:00",
        "25:00-26:00",
        "11:60-12:00",
        "24:00-02:00",
        "a-b",
    ] {
        let e = TimeRange::parse(bad).expect_err(bad).to_string();
        assert!(e.contains("such as 11:00-23:00"), "{bad}: {e}");
    }
    let e = TimeRange::parse("11:00-11:00")
        .expect_err("empty")
        .to_string();
    assert!(e.contains("00:00-24:00"), "{e}");
    let e = WeeklyHours::new([
        vec![r("11:00-15:00"), r("14:00-20:00")],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
    ])
    .expect_err("overlap")
    .to_string();
    assert_eq!(
        e,
        "mon: `11:00-15:00` and `14:00-20:00` overlap; join them into one range"
    );
}

#[test]
fn open_and_next_opening_on_ordinary_days() {
    let s = london(pizza(), &[]);
    // Tuesday 2026-12-01, winter: London is UTC.
    assert!(s.is_open(utc("2026-12-01T11:00:00Z")));
    assert!(s.is_open(utc("2026-12-01T22:59:59Z")));
    assert!(!s.is_open(utc("2026-12-01T23:00:00Z")));
    assert!(!s.is_open(utc("2026-12-01T10:59:59Z")));
    assert_eq!(
        s.next_open(utc("2026-12-01T03:00:00Z")),
        Some(utc("2026-12-01T11:00:00Z"))
    );
    // Sunday night → closed Monday → Tuesday 11:00.
    assert_eq!(
        s.next_open(utc("2026-12-06T23:30:00Z")),
        Some(utc("2026-12-08T11:00:00Z"))
    );
    // Summer: 11:00 BST is 10:00 UTC.
    assert_eq!(
        s.next_open(utc("2026-07-07T05:00:00Z")),
        Some(utc("2026-07-07T10:00:00Z"))
    );
}

#[test]
fn a_range_past_midnight_runs_into_the_next_day() {
    let s = london(pizza(), &[]);
    // Saturday 2026-12-05 17:00 until Sunday 02:00.
    assert!(!s.is_open(utc("2026-12-05T16:00:00Z")));
    assert_eq!(
        s.next_open(utc("2026-12-05T15:30:00Z")),
        Some(utc("2026-12-05T17:00:00Z"))
    );
    assert!(s.is_open(utc("2026-12-06T01:59:00Z")));
    assert!(!s.is_open(utc("2026-12-06T02:00:00Z")));
    assert_eq!(
        s.next_open(utc("2026-12-06T02:00:00Z")),
        Some(utc("2026-12-06T11:00:00Z"))
    );
}

#[test]
fn closed_dates_close_the_ranges_that_start_on_them() {
    // Friday 25 and Saturday 26 December 2026 closed.
    let s = london(pizza(), &["2026-12-25", "2026-12-26"]);
    assert!(!s.is_open(utc("2026-12-25T12:00:00Z")));
    assert_eq!(
        s.next_open(utc("2026-12-24T23:00:00Z")),
        Some(utc("2026-12-27T11:00:00Z"))
    );
    // The Saturday's range past midnight is gone with it.
    assert!(!s.is_open(utc("2026-12-27T01:00:00Z")));
}

#[test]
fn spring_forward_skips_an_hour_of_the_night() {
    // Sunday 2026-03-29: at 01:00 UTC London jumps from 01:00 GMT to 02:00 BST.
    let mut week: [Vec<TimeRange>; 7] = Default::default();
    week[5] = vec![r("22:00-03:00")]; // Saturday night into Sunday
    week[6] = vec![r("11:00-23:00")];
    let s = london(WeeklyHours::new(week).expect("week"), &[]);
    assert!(s.is_open(utc("2026-03-28T22:00:00Z")), "22:00 GMT");
    assert!(s.is_open(utc("2026-03-29T01:59:00Z")), "02:59 BST");
    assert!(!s.is_open(utc("2026-03-29T02:00:00Z")), "03:00 BST: closed");
    // Sunday opens at 11:00 BST, which is 10:00 UTC.
    assert_eq!(
        s.next_open(utc("2026-03-29T02:00:00Z")),
        Some(utc("2026-03-29T10:00:00Z"))
    );

    // A range that starts in the skipped hour starts when the clocks jump.
    let mut week: [Vec<TimeRange>; 7] = Default::default();
    week[6] = vec![r("01:30-05:00")];
    let s = london(WeeklyHours::new(week).expect("week"), &[]);
    assert_eq!(
        s.next_open(utc("2026-03-29T00:00:00Z")),
        Some(utc("2026-03-29T01:00:00Z"))
    );
    assert!(!s.is_open(utc("2026-03-29T00:59:59Z")));
    assert!(s.is_open(utc("2026-03-29T03:59:00Z")), "04:59 BST");
    assert!(!s.is_open(utc("2026-03-29T04:00:00Z")), "05:00 BST");
}

#[test]
fn fall_back_closes_at_the_first_showing_of_a_doubled_time() {
    // Sunday 2026-10-25: at 01:00 UTC London goes back from 02:00 BST to
    // 01:00 GMT, so 01:00-02:00 local shows twice.
    let mut week: [Vec<TimeRange>; 7] = Default::default();
    week[5] = vec![r("22:00-01:30")]; // Saturday night into Sunday
    week[6] = vec![r("11:00-23:00")];
    let s = london(WeeklyHours::new(week).expect("week"), &[]);
    assert!(s.is_open(utc("2026-10-24T21:00:00Z")), "22:00 BST");
    assert!(!s.is_open(utc("2026-10-24T20:59:00Z")));
    assert!(s.is_open(utc("2026-10-25T00:29:00Z")), "01:29 BST");
    assert!(!s.is_open(utc("2026-10-25T00:30:00Z")), "01:30 BST");
    assert!(!s.is_open(utc("2026-10-25T01:15:00Z")), "01:15 GMT, again");
    // Sunday opens at 11:00 GMT = 11:00 UTC, no longer 10:00.
    assert_eq!(
        s.next_open(utc("2026-10-25T00:30:00Z")),
        Some(utc("2026-10-25T11:00:00Z"))
    );
    assert!(s.is_open(utc("2026-10-25T22:59:00Z")));
    assert!(!s.is_open(utc("2026-10-25T23:00:00Z")));
}

#[test]
fn always_open_and_never_open() {
    let s = Schedule::always(London);
    let t = utc("2026-12-25T03:00:00Z");
    assert!(s.is_always_open());
    assert_eq!(s.next_open(t), Some(t));
    let s = london(WeeklyHours::default(), &[]);
    assert!(!s.is_open(t));
    assert_eq!(s.next_open(t), None);
}

#[test]
fn the_whole_day_is_open_every_minute() {
    let all = || vec![r("00:00-24:00")];
    let s = london(
        WeeklyHours::new([all(), all(), all(), all(), all(), all(), all()]).expect("week"),
        &[],
    );
    for t in [
        "2026-03-29T00:59:00Z",
        "2026-03-29T01:00:00Z",
        "2026-10-25T01:30:00Z",
    ] {
        assert!(s.is_open(utc(t)), "{t}");
    }
}

#[test]
fn opening_times_read_as_people_say_them() {
    let now = utc("2026-12-03T20:00:00Z"); // Thursday evening
    assert_eq!(
        when(utc("2026-12-03T21:30:00Z"), now, London),
        "today 21:30"
    );
    assert_eq!(
        when(utc("2026-12-04T11:00:00Z"), now, London),
        "tomorrow 11:00"
    );
    assert_eq!(when(utc("2026-12-05T11:00:00Z"), now, London), "Sat 11:00");
    assert_eq!(
        when(utc("2026-12-26T11:00:00Z"), now, London),
        "Sat 26 Dec 11:00"
    );
    // Summer: the shop's clock, not UTC.
    let now = utc("2026-07-01T08:00:00Z");
    assert_eq!(
        when(utc("2026-07-01T10:00:00Z"), now, London),
        "today 11:00"
    );
}

#[test]
fn a_closed_shop_takes_orders_for_its_next_opening_only() {
    let s = london(pizza(), &[]);
    // Tuesday 2026-12-01 03:00: closed until 11:00, open until 23:00.
    let now = utc("2026-12-01T03:00:00Z");
    let w = s.order_window(now).expect("opens");
    assert_eq!(
        (w.start, w.end),
        (utc("2026-12-01T11:00:00Z"), utc("2026-12-01T23:00:00Z"))
    );
    assert_eq!(s.check_scheduled(utc("2026-12-01T11:00:00Z"), now), Ok(()));
    assert_eq!(s.check_scheduled(utc("2026-12-01T22:45:00Z"), now), Ok(()));
    // Before the opening, at its close, the next day, in the past: refused,
    // with the window to tell.
    for at in [
        "2026-12-01T10:30:00Z",
        "2026-12-01T10:50:00Z",
        "2026-12-01T23:00:00Z",
        "2026-12-02T12:00:00Z",
        "2026-12-01T02:00:00Z",
    ] {
        assert_eq!(s.check_scheduled(utc(at), now), Err(Some(w)), "{at}");
    }
    // Open now: from now until tonight's close; a time a few minutes gone
    // still counts as "now".
    let now = utc("2026-12-01T18:00:00Z");
    assert_eq!(s.check_scheduled(utc("2026-12-01T17:50:00Z"), now), Ok(()));
    assert!(s.check_scheduled(utc("2026-12-01T17:30:00Z"), now).is_err());
    // Sunday night after closing: Monday is closed, so Tuesday's opening.
    let now = utc("2026-12-06T23:30:00Z");
    assert_eq!(s.check_scheduled(utc("2026-12-08T12:00:00Z"), now), Ok(()));
    assert!(s.check_scheduled(utc("2026-12-07T12:00:00Z"), now).is_err());
    // Never open: nothing to order for.
    let never = london(WeeklyHours::default(), &[]);
    assert_eq!(never.check_scheduled(now, now), Err(None));
    // Always open: up to a week ahead.
    let always = Schedule::always(London);
    assert_eq!(always.check_scheduled(now + Duration::days(6), now), Ok(()));
    assert!(
        always
            .check_scheduled(now + Duration::days(8), now)
            .is_err()
    );
}

#[test]
fn the_times_offered_lie_in_the_next_opening_on_the_hour_or_half() {
    let s = london(pizza(), &[]);
    let now = utc("2026-12-01T03:00:00Z");
    let slots = s.order_slots(now, 30, 100);
    assert_eq!(slots.len(), 24, "11:00, 11:30 … 22:30");
    assert_eq!(slots.first(), Some(&utc("2026-12-01T11:00:00Z")));
    assert_eq!(slots.last(), Some(&utc("2026-12-01T22:30:00Z")));
    // At most `max`, spread over the whole opening.
    let few = s.order_slots(now, 30, 8);
    assert_eq!(few.len(), 8);
    assert_eq!(few.first(), Some(&utc("2026-12-01T11:00:00Z")));
    assert!(few.last().expect("some") >= &utc("2026-12-01T21:00:00Z"));
    // Open at 18:10: from 18:30.
    let slots = s.order_slots(utc("2026-12-01T18:10:00Z"), 30, 100);
    assert_eq!(slots.first(), Some(&utc("2026-12-01T18:30:00Z")));
    for t in &slots {
        assert_eq!(s.check_scheduled(*t, utc("2026-12-01T18:10:00Z")), Ok(()));
    }
    // Across the clocks going back: Saturday 24 October 2026 at 16:00 BST
    // (closed), the evening opening runs 17:00 BST to 02:00 GMT: ten hours.
    let now = utc("2026-10-24T15:00:00Z");
    let slots = s.order_slots(now, 30, 100);
    assert_eq!(
        slots.first(),
        Some(&utc("2026-10-24T16:00:00Z")),
        "17:00 BST"
    );
    assert_eq!(
        slots.last(),
        Some(&utc("2026-10-25T01:30:00Z")),
        "01:30 GMT"
    );
    assert_eq!(slots.len(), 20);
    for t in &slots {
        assert!(s.is_open(*t));
        assert_eq!(s.check_scheduled(*t, now), Ok(()));
    }
}

proptest! {
    /// Whatever the moment (years with both daylight-saving changes), the
    /// next opening is open, and nothing between now and it is.
    #[test]
    fn the_next_opening_is_open_and_nothing_before_it_is(
        minutes in 0i64..(3 * 366 * 24 * 60),
        closed_day in 0i64..(3 * 366),
    ) {
        let start = London.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).single().expect("midnight").with_timezone(&Utc);
        let t = start + Duration::minutes(minutes) + Duration::seconds(minutes % 59);
        let closed = (start + Duration::days(closed_day)).date_naive();
        let s = Schedule::new(London, Some(pizza()), [closed].into_iter().collect());
        let next = s.next_open(t).expect("opens within a year");
        prop_assert!(next >= t);
        prop_assert!(s.is_open(next));
        for k in 1..8 {
            let between = t + (next - t) * k / 8;
            if between < next {
                prop_assert!(!s.is_open(between), "open at {between} before {next}");
            }
        }
    }
}
