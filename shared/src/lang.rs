//! The languages customers read, and the pure formatting that depends on
//! the language: money (after the shop's `currency`), weekdays, dates and
//! times (in the shop's `time_zone`).
//!
//! A language is chosen from a tag such as Telegram's `language_code`
//! ("es", "es-AR") or, later, an HTTP `Accept-Language` header; anything not
//! shipped reads English. The sentences themselves live with each edge (the
//! Telegram bot's `texts`); this module holds only what every edge would
//! format the same way.
//!
//! Adding a language: a variant here, its tag in [`Lang::from_tag`], a
//! [`Locale`] constant for it in [`Lang::locale`]; the compiler then points
//! at every edge's texts that still miss it.

use std::fmt::Write as _;

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::domain::{Currency, Money};

/// A language customers can read. English unless told otherwise.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Es,
}

/// What formatting needs to know about a language.
#[derive(Debug)]
pub struct Locale {
    /// Monday first.
    pub weekdays: [&'static str; 7],
    /// Monday first, as in "Sat 11:00".
    pub weekdays_short: [&'static str; 7],
    /// January first.
    pub months: [&'static str; 12],
    pub months_short: [&'static str; 12],
    pub decimal: char,
    pub group: char,
    /// Digits before the decimal point from which they are grouped (CLDR's
    /// minimum grouping: Spanish writes 1234,50 but 12.345,50).
    pub group_from_digits: usize,
    /// "€12.50" (before) or "12,50 €" (after, with a space).
    pub symbol_after: bool,
    pub today: &'static str,
    pub tomorrow: &'static str,
    /// Between a weekday and its day of the month: "sábado 5 de diciembre".
    pub day_month_joiner: &'static str,
}

const EN: Locale = Locale {
    weekdays: [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ],
    weekdays_short: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    months: [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    months_short: [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ],
    decimal: '.',
    group: ',',
    group_from_digits: 4,
    symbol_after: false,
    today: "today",
    tomorrow: "tomorrow",
    day_month_joiner: " ",
};

const ES: Locale = Locale {
    weekdays: [
        "lunes",
        "martes",
        "miércoles",
        "jueves",
        "viernes",
        "sábado",
        "domingo",
    ],
    weekdays_short: ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"],
    months: [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
    months_short: [
        "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic",
    ],
    decimal: ',',
    group: '.',
    group_from_digits: 5,
    symbol_after: true,
    today: "hoy",
    tomorrow: "mañana",
    day_month_joiner: " de ",
};

impl Lang {
    /// Every language shipped, English first.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Es];

    /// The language of a tag such as "es", "es-AR", "ES_mx" or "en-GB";
    /// a tag for a language not shipped, or no tag, reads English.
    pub fn from_tag(tag: &str) -> Self {
        let primary = tag
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match primary.as_str() {
            "es" => Lang::Es,
            _ => Lang::En,
        }
    }

    /// The best shipped language of an HTTP `Accept-Language` header
    /// ("es-AR,es;q=0.9,en;q=0.8"): the highest `q` among the tags of
    /// shipped languages, the first of equals; English when none is.
    pub fn from_accept_language(header: &str) -> Self {
        let mut best: Option<(Lang, f32)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or_default().trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())
                .unwrap_or(0.0);
            let primary = tag.split(['-', '_']).next().unwrap_or_default();
            let shipped = Self::ALL
                .into_iter()
                .find(|l| primary.eq_ignore_ascii_case(l.code()));
            if let Some(lang) = shipped
                && q > 0.0
                && best.is_none_or(|(_, b)| q > b)
            {
                best = Some((lang, q));
            }
        }
        best.map_or(Lang::En, |(l, _)| l)
    }

    /// The language's ISO 639-1 code: "en", "es".
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    pub fn locale(self) -> &'static Locale {
        match self {
            Lang::En => &EN,
            Lang::Es => &ES,
        }
    }

    /// Money as this language writes it: "€1,234.50" / "1234,50 €";
    /// currencies without a common symbol keep their code ("CHF 3.20",
    /// "3,20 CHF").
    pub fn money(self, money: Money) -> String {
        let l = self.locale();
        let abs = money.minor.unsigned_abs();
        let units = (abs / 100).to_string();
        let mut grouped = String::new();
        for (i, c) in units.chars().enumerate() {
            let left = units.len() - i;
            if i > 0 && left.is_multiple_of(3) && units.len() >= l.group_from_digits {
                grouped.push(l.group);
            }
            grouped.push(c);
        }
        let number = format!("{grouped}{}{:02}", l.decimal, abs % 100);
        let sign = if money.minor < 0 { "-" } else { "" };
        let symbol = symbol(money.currency, self);
        let mut out = String::new();
        if l.symbol_after {
            let _ = write!(out, "{sign}{number} {symbol}");
        } else if symbol.chars().count() == 1 {
            let _ = write!(out, "{sign}{symbol}{number}");
        } else {
            let _ = write!(out, "{sign}{symbol} {number}");
        }
        out
    }

    pub fn weekday(self, day: Weekday) -> &'static str {
        self.locale().weekdays[day.num_days_from_monday() as usize]
    }

    pub fn weekday_short(self, day: Weekday) -> &'static str {
        self.locale().weekdays_short[day.num_days_from_monday() as usize]
    }

    /// `month` is 1–12.
    pub fn month(self, month: u32) -> &'static str {
        let l = self.locale();
        l.months[(month.clamp(1, 12) - 1) as usize]
    }

    /// A day in the shop's zone: "Saturday 5 December" / "sábado 5 de diciembre".
    pub fn date(self, at: DateTime<Utc>, tz: Tz) -> String {
        let local = at.with_timezone(&tz);
        format!(
            "{} {}{}{}",
            self.weekday(local.weekday()),
            local.day(),
            self.locale().day_month_joiner,
            self.month(local.month())
        )
    }

    /// A calendar day (already in the shop's zone), as a promo code's dates:
    /// "Sat 5 Dec 2026" / "sáb 5 dic 2026".
    pub fn day(self, d: NaiveDate) -> String {
        format!(
            "{} {} {} {}",
            self.weekday_short(d.weekday()),
            d.day(),
            self.locale().months_short[(d.month0() as usize).min(11)],
            d.year()
        )
    }

    /// A moment in a list, in the shop's zone: "5 Dec 14:30" / "5 dic 14:30".
    pub fn day_time(self, at: DateTime<Utc>, tz: Tz) -> String {
        let local = at.with_timezone(&tz);
        let l = self.locale();
        format!(
            "{} {} {}",
            local.day(),
            l.months_short[(local.month0() as usize).min(11)],
            local.format("%H:%M")
        )
    }

    /// When something happens, said from `now` in the shop's zone: "today
    /// 18:00", "tomorrow 11:00", a weekday within the week ("Sat 11:00"),
    /// else the date ("Sat 12 Dec 11:00"); in Spanish "hoy 18:00",
    /// "mañana 11:00", "sáb 11:00", "sáb 12 dic 11:00".
    pub fn when(self, at: DateTime<Utc>, now: DateTime<Utc>, tz: Tz) -> String {
        let l = self.locale();
        let local = at.with_timezone(&tz);
        let days = (local.date_naive() - now.with_timezone(&tz).date_naive()).num_days();
        let time = local.format("%H:%M");
        let day = self.weekday_short(local.weekday());
        match days {
            0 => format!("{} {time}", l.today),
            1 => format!("{} {time}", l.tomorrow),
            2..=6 => format!("{day} {time}"),
            _ => format!(
                "{day} {} {} {time}",
                local.day(),
                l.months_short[(local.month0() as usize).min(11)]
            ),
        }
    }
}

/// The symbol a currency is commonly written with, or its code.
fn symbol(currency: Currency, lang: Lang) -> String {
    let known = match (currency.as_str(), lang) {
        ("EUR", _) => "€",
        ("GBP", _) => "£",
        ("USD", Lang::En) => "$",
        // Many Spanish-speaking countries write their peso as "$".
        ("USD", Lang::Es) => "US$",
        ("JPY", _) => "¥",
        ("INR", _) => "₹",
        (code, _) => return code.to_owned(),
    };
    known.to_owned()
}

#[cfg(test)]
#[path = "lang_tests.rs"]
mod tests;
