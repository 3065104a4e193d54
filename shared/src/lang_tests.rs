use super::*;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect(s)
        .with_timezone(&Utc)
}

fn madrid() -> Tz {
    "Europe/Madrid".parse().expect("zone")
}

fn money(minor: i64, code: &str) -> Money {
    Money::new(minor, Currency::parse(code).expect(code))
}

#[test]
fn tags_choose_the_language_and_anything_else_reads_english() {
    for tag in ["es", "es-AR", "ES_mx", " es "] {
        assert_eq!(Lang::from_tag(tag), Lang::Es, "{tag}");
    }
    for tag in ["en", "en-GB", "", "fr", "est", "e"] {
        assert_eq!(Lang::from_tag(tag), Lang::En, "{tag}");
    }
}

#[test]
fn accept_language_takes_the_best_shipped_tag() {
    assert_eq!(
        Lang::from_accept_language("es-AR,es;q=0.9,en;q=0.8"),
        Lang::Es
    );
    assert_eq!(
        Lang::from_accept_language("fr, en;q=0.5, es;q=0.4"),
        Lang::En
    );
    assert_eq!(Lang::from_accept_language("fr, es;q=0.4"), Lang::Es);
    assert_eq!(Lang::from_accept_language("es;q=0, de"), Lang::En);
    assert_eq!(Lang::from_accept_language("*"), Lang::En);
    assert_eq!(Lang::from_accept_language(""), Lang::En);
}

#[test]
fn money_follows_the_language_and_the_currency() {
    assert_eq!(Lang::En.money(money(1250, "EUR")), "€12.50");
    assert_eq!(Lang::Es.money(money(1250, "EUR")), "12,50 €");
    assert_eq!(Lang::En.money(money(1275, "USD")), "$12.75");
    assert_eq!(Lang::Es.money(money(1275, "USD")), "12,75 US$");
    assert_eq!(Lang::En.money(money(320, "CHF")), "CHF 3.20");
    assert_eq!(Lang::Es.money(money(320, "CHF")), "3,20 CHF");
    assert_eq!(Lang::En.money(money(5, "GBP")), "£0.05");
    assert_eq!(Lang::En.money(money(123_450, "EUR")), "€1,234.50");
    assert_eq!(Lang::Es.money(money(123_450, "EUR")), "1234,50 €");
    assert_eq!(Lang::Es.money(money(1_234_550, "EUR")), "12.345,50 €");
    assert_eq!(Lang::En.money(money(123_456_789, "USD")), "$1,234,567.89");
    assert_eq!(Lang::Es.money(money(-250, "EUR")), "-2,50 €");
}

#[test]
fn dates_are_told_in_the_shop_zone() {
    // 23:30 UTC on Friday 4 December is already Saturday in Madrid.
    let t = at("2026-12-04T23:30:00Z");
    assert_eq!(Lang::Es.date(t, madrid()), "sábado 5 de diciembre");
    assert_eq!(Lang::En.date(t, madrid()), "Saturday 5 December");
    assert_eq!(Lang::Es.day_time(t, madrid()), "5 dic 00:30");
    assert_eq!(Lang::En.day_time(t, madrid()), "5 Dec 00:30");
}

#[test]
fn when_says_today_tomorrow_weekday_or_date() {
    let now = at("2026-12-03T22:30:00Z"); // Thursday 23:30 in Madrid
    let cases = [
        ("2026-12-03T22:45:00Z", "today 23:45", "hoy 23:45"),
        ("2026-12-04T10:00:00Z", "tomorrow 11:00", "mañana 11:00"),
        ("2026-12-05T10:00:00Z", "Sat 11:00", "sáb 11:00"),
        (
            "2026-12-12T10:00:00Z",
            "Sat 12 Dec 11:00",
            "sáb 12 dic 11:00",
        ),
    ];
    for (t, en, es) in cases {
        assert_eq!(Lang::En.when(at(t), now, madrid()), en);
        assert_eq!(Lang::Es.when(at(t), now, madrid()), es);
    }
}

#[test]
fn every_language_has_every_name_and_a_code() {
    for lang in Lang::ALL {
        let l = lang.locale();
        assert!(
            l.weekdays
                .iter()
                .chain(&l.weekdays_short)
                .all(|w| !w.is_empty())
        );
        assert!(
            l.months
                .iter()
                .chain(&l.months_short)
                .all(|m| !m.is_empty())
        );
        assert_eq!(Lang::from_tag(lang.code()), lang);
        let json = serde_json::to_string(&lang).expect("json");
        assert_eq!(json, format!("\"{}\"", lang.code()));
    }
}

#[test]
fn a_calendar_day_reads_as_english_chrono_wrote_it_and_in_spanish() {
    for (y, m, d) in [(2026, 12, 5), (2027, 1, 1), (2026, 9, 30), (2028, 2, 29)] {
        let day = NaiveDate::from_ymd_opt(y, m, d).expect("date");
        assert_eq!(Lang::En.day(day), day.format("%a %-d %b %Y").to_string());
    }
    let day = NaiveDate::from_ymd_opt(2026, 12, 5).expect("date");
    assert_eq!(Lang::Es.day(day), "sáb 5 dic 2026");
}
