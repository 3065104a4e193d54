use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::London;
use chrono_tz::Pacific::Auckland;
use proptest::prelude::*;

use super::*;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect(s)
        .with_timezone(&Utc)
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect(s)
}

fn code(s: &str) -> PromoCode {
    PromoCode::parse(s).expect(s)
}

fn promo(discount: Discount) -> Promo {
    Promo {
        terms: PromoTerms {
            code: code("SAVE10"),
            discount,
            min_total_minor: None,
            from: None,
            until: None,
            max_uses: None,
            once_per_customer: false,
        },
        enabled: true,
        uses: 0,
    }
}

const NOW: &str = "2026-12-05T12:00:00Z";

fn usd(minor: i64) -> Money {
    Money::new(minor, crate::domain::Currency::parse("USD").expect("USD"))
}

fn run(p: Option<&Promo>, subtotal: i64, used_before: bool) -> Result<i64, PromoProblem> {
    check(p, usd(subtotal), utc(NOW), London, used_before)
}

#[test]
fn codes_are_read_in_capitals_and_refuse_junk() {
    assert_eq!(code(" summer-10 ").as_str(), "SUMMER-10");
    assert_eq!(code("summer_10"), code("SUMMER_10"));
    for bad in [
        "",
        "ab",
        "with space",
        "x".repeat(21).as_str(),
        "café10",
        "10%off",
    ] {
        assert!(PromoCode::parse(bad).is_err(), "{bad:?} should be refused");
    }
    let wire: Result<PromoCode, _> = serde_json::from_str("\"no good\"");
    assert!(wire.is_err(), "the wire form is checked too");
}

#[test]
fn percentages_round_down_and_amounts_never_exceed_the_lines() {
    assert_eq!(Discount::Percent(10).on(2599), 259);
    assert_eq!(Discount::Percent(100).on(2599), 2599);
    assert_eq!(Discount::Percent(15).on(1), 0);
    assert_eq!(Discount::Amount(500).on(2599), 500);
    assert_eq!(Discount::Amount(5000).on(2599), 2599);
    assert_eq!(Discount::Percent(50).on(i64::MAX), i64::MAX / 2);
}

#[test]
fn a_good_code_gives_its_discount() {
    assert_eq!(
        run(Some(&promo(Discount::Percent(10))), 3000, false),
        Ok(300)
    );
    assert_eq!(
        run(Some(&promo(Discount::Amount(250))), 3000, false),
        Ok(250)
    );
}

#[test]
fn each_rule_has_its_own_refusal() {
    assert_eq!(run(None, 3000, false), Err(PromoProblem::Unknown));

    let mut off = promo(Discount::Percent(10));
    off.enabled = false;
    assert_eq!(run(Some(&off), 3000, false), Err(PromoProblem::Disabled));

    let mut later = promo(Discount::Percent(10));
    later.terms.from = Some(day("2026-12-06"));
    assert_eq!(
        run(Some(&later), 3000, false),
        Err(PromoProblem::NotYet {
            from: day("2026-12-06")
        })
    );

    let mut over = promo(Discount::Percent(10));
    over.terms.until = Some(day("2026-12-04"));
    assert_eq!(
        run(Some(&over), 3000, false),
        Err(PromoProblem::Expired {
            until: day("2026-12-04")
        })
    );

    let mut min = promo(Discount::Percent(10));
    min.terms.min_total_minor = Some(3001);
    assert_eq!(
        run(Some(&min), 3000, false),
        Err(PromoProblem::BelowMinimum { min: usd(3001) })
    );
    assert_eq!(run(Some(&min), 3001, false), Ok(300));

    let mut spent = promo(Discount::Percent(10));
    spent.terms.max_uses = Some(5);
    spent.uses = 5;
    assert_eq!(run(Some(&spent), 3000, false), Err(PromoProblem::UsedUp));
    spent.uses = 4;
    assert_eq!(run(Some(&spent), 3000, false), Ok(300));

    let mut once = promo(Discount::Percent(10));
    once.terms.once_per_customer = true;
    assert_eq!(run(Some(&once), 3000, true), Err(PromoProblem::AlreadyUsed));
    assert_eq!(run(Some(&once), 3000, false), Ok(300));
    // Without the once-per-customer rule a returning customer is welcome.
    assert_eq!(
        run(Some(&promo(Discount::Percent(10))), 3000, true),
        Ok(300)
    );
}

#[test]
fn the_window_is_days_in_the_shops_time_zone_both_included() {
    let mut p = promo(Discount::Percent(10));
    p.terms.from = Some(day("2026-12-05"));
    p.terms.until = Some(day("2026-12-05"));
    // 23:30 UTC on the 5th is already the 6th in Auckland (UTC+13).
    let late = utc("2026-12-05T23:30:00Z");
    assert_eq!(check(Some(&p), usd(1000), late, London, false), Ok(100));
    assert_eq!(
        check(Some(&p), usd(1000), late, Auckland, false),
        Err(PromoProblem::Expired {
            until: day("2026-12-05")
        })
    );
    // 10:30 UTC on the 4th is still the 4th in London but the 4th 23:30 in Auckland.
    let early = utc("2026-12-04T11:30:00Z");
    assert_eq!(check(Some(&p), usd(1000), early, Auckland, false), Ok(100));
    assert_eq!(
        check(Some(&p), usd(1000), early, London, false),
        Err(PromoProblem::NotYet {
            from: day("2026-12-05")
        })
    );
}

#[test]
fn owners_terms_are_checked() {
    let ok = promo(Discount::Percent(10)).terms;
    assert_eq!(ok.check(), Ok(()));
    let with = |f: &dyn Fn(&mut PromoTerms)| {
        let mut t = ok.clone();
        f(&mut t);
        t.check()
    };
    assert_eq!(
        with(&|t| t.discount = Discount::Percent(0)),
        Err(BadTerms::Percent)
    );
    assert_eq!(
        with(&|t| t.discount = Discount::Percent(101)),
        Err(BadTerms::Percent)
    );
    assert!(matches!(
        with(&|t| t.discount = Discount::Amount(0)),
        Err(BadTerms::Amount { .. })
    ));
    assert!(matches!(
        with(&|t| t.min_total_minor = Some(-1)),
        Err(BadTerms::MinTotal { .. })
    ));
    assert_eq!(
        with(&|t| {
            t.from = Some(day("2026-12-06"));
            t.until = Some(day("2026-12-05"));
        }),
        Err(BadTerms::Window)
    );
    assert!(matches!(
        with(&|t| t.max_uses = Some(0)),
        Err(BadTerms::Uses { .. })
    ));
}

#[test]
fn terms_round_trip_on_the_wire() {
    let mut t = promo(Discount::Amount(500)).terms;
    t.from = Some(day("2026-12-01"));
    t.max_uses = Some(3);
    t.once_per_customer = true;
    let json = serde_json::to_string(&t).expect("json");
    assert!(
        json.contains(r#""discount":{"kind":"amount","value":500}"#),
        "{json}"
    );
    let back: PromoTerms = serde_json::from_str(&json).expect("back");
    assert_eq!(back, t);
    assert!(
        serde_json::from_str::<PromoTerms>(
            r#"{"code":"ABC","discount":{"kind":"percent","value":5},"typo":1}"#
        )
        .is_err()
    );
}

proptest! {
    /// A discount is never negative and never more than the lines are worth.
    #[test]
    fn discounts_stay_within_the_lines(subtotal in 0i64..=5_000_000_000, pct in 1u8..=100, amount in 1i64..=5_000_000_000) {
        for d in [Discount::Percent(pct), Discount::Amount(amount)] {
            let got = d.on(subtotal);
            prop_assert!((0..=subtotal).contains(&got), "{d:?} on {subtotal} gave {got}");
        }
    }
}
