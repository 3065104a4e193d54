//! What owners read: the morning summary and the forecast, as plain text.
//! Pure: figures in, sentences out.

use std::collections::HashMap;

use chatorder_shared::domain::{Currency, Money};
use chrono::NaiveDate;

use crate::core::distributions::{Dispersion, Estimate, Widths};
use crate::core::forecast::DayForecast;
use crate::store::DayStats;

/// Yesterday, as it happened and as it was forecast.
#[derive(Debug, Clone, PartialEq)]
pub struct Past {
    pub date: NaiveDate,
    pub stats: DayStats,
    /// `(forecast units, units sold, item-day WAPE)` if there was a forecast.
    pub forecast_vs_actual: Option<(f64, f64, f64)>,
    /// How the day's likely ranges held, if its forecast and their spread are known.
    pub ranges_held: Option<RangesHeld>,
}

/// Items forecast at least this many units are on the prep list (with a range).
pub const PREP_LIST_MIN: f64 = 0.5;

/// How a day's likely ranges (the 80% intervals owners read) held.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RangesHeld {
    /// Items on the prep list whose sales fell inside their range.
    pub items_inside: usize,
    /// Items on the prep list.
    pub items: usize,
    /// The shop's range and what it sold.
    pub store: Estimate,
    pub store_sold: f64,
}

/// The ranges a day's forecast showed, rebuilt from each item's expected units
/// and the spread of the predictor that made it (`alpha`, `width`: what
/// `forecast_day` used), against what sold. `items` is `(expected, sold)` per
/// item; `store_sold` every unit the shop sold that day. `None` with nothing
/// forecast.
pub fn ranges_held(
    items: &[(f64, f64)],
    store_sold: f64,
    alpha: &Dispersion,
    width: &Widths,
) -> Option<RangesHeld> {
    if items.is_empty() {
        return None;
    }
    let on_list = items.iter().filter(|(mean, _)| *mean >= PREP_LIST_MIN);
    let (mut inside, mut listed) = (0, 0);
    for &(mean, sold) in on_list {
        listed += 1;
        let range = Estimate::negative_binomial_within(mean, alpha.item_day, width.item_day);
        inside += usize::from(range.covers(sold));
    }
    let store_mean = items.iter().map(|(mean, _)| mean).sum();
    Some(RangesHeld {
        items_inside: inside,
        items: listed,
        store: Estimate::negative_binomial_within(store_mean, alpha.store_day, width.store_day),
        store_sold,
    })
}

fn minutes(seconds: Option<f64>) -> String {
    match seconds {
        Some(s) if s.is_finite() => format!("{:.0} min", (s / 60.0).max(0.0)),
        _ => "—".to_owned(),
    }
}

fn name<'a>(names: &'a HashMap<String, String>, sku: &'a str) -> &'a str {
    names.get(sku).map_or(sku, String::as_str)
}

/// Lines about a past day.
pub fn past_lines(p: &Past, currency: Currency) -> Vec<String> {
    let s = &p.stats;
    let mut out = vec![format!(
        "**{}**: {} orders, {} revenue, {} cancelled, {} rejected.",
        p.date.format("%A %-d %B"),
        s.orders,
        Money::new(s.revenue_minor, currency),
        s.cancelled,
        s.rejected
    )];
    if s.discounted_orders > 0 {
        out.push(format!(
            "Promo codes: {} off {} orders (revenue is after it).",
            Money::new(s.discount_minor, currency),
            s.discounted_orders
        ));
    }
    out.push(format!(
        "Time to accept: {} on average; to complete: {}.",
        minutes(s.avg_accept_seconds),
        minutes(s.avg_complete_seconds)
    ));
    if !s.top_items.is_empty() {
        let top: Vec<String> = s
            .top_items
            .iter()
            .map(|(n, u)| format!("{n} ×{u}"))
            .collect();
        out.push(format!("Top items: {}.", top.join(", ")));
    }
    match p.forecast_vs_actual {
        Some((f, a, wape)) => out.push(format!(
            "Forecast vs actual: {f:.0} items expected, {a:.0} sold (item-level error {:.0}%).",
            wape * 100.0
        )),
        None => out.push("Forecast vs actual: there was no forecast for that day.".to_owned()),
    }
    if let Some(r) = &p.ranges_held {
        let store = if r.store.covers(r.store_sold) {
            "inside"
        } else {
            "outside"
        };
        let items = if r.items > 0 {
            format!(
                "{} of {} items on the prep list sold within their likely range ({:.0}%; they are meant to hold about 80%)",
                r.items_inside,
                r.items,
                r.items_inside as f64 / r.items as f64 * 100.0
            )
        } else {
            "no item was on the prep list".to_owned()
        };
        out.push(format!(
            "Ranges: {items}; the shop's {:.0} items were {store} its range of {}–{}.",
            r.store_sold, r.store.p10, r.store.p90
        ));
    }
    out
}

/// Lines about a forecast day: expected orders, peak hours, the prep list.
pub fn forecast_lines(
    f: &DayForecast,
    names: &HashMap<String, String>,
    units_per_order: f64,
    serving_note: &str,
) -> Vec<String> {
    if f.closed {
        return vec![
            format!(
                "**{}**: closed, by the shop's opening hours: no orders expected, nothing to prep.",
                f.date.format("%A %-d %B")
            ),
            format!("_{serving_note}_"),
        ];
    }
    let upo = if units_per_order > 0.0 {
        units_per_order
    } else {
        1.0
    };
    let mut out = vec![format!(
        "**{}**: about {:.0} orders ({:.0} items, likely {}–{}).",
        f.date.format("%A %-d %B"),
        f.store.mean / upo,
        f.store.mean,
        f.store.p10,
        f.store.p90
    )];
    let mut by_hour: HashMap<usize, f64> = HashMap::new();
    for item in &f.items {
        for h in &item.hours {
            *by_hour.entry(h.hour).or_default() += h.units.mean;
        }
    }
    let mut hours: Vec<(usize, f64)> = by_hour.into_iter().collect();
    hours.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    if !hours.is_empty() {
        let peak: Vec<String> = hours
            .iter()
            .take(3)
            .map(|(h, u)| format!("{h:02}:00 (~{u:.0} items)"))
            .collect();
        out.push(format!("Peak hours: {}.", peak.join(", ")));
    }
    let prep: Vec<String> = f
        .items
        .iter()
        .filter(|i| i.day.mean >= PREP_LIST_MIN)
        .map(|i| {
            format!(
                "• {} — {:.0} (likely {}–{})",
                name(names, &i.sku),
                i.day.mean,
                i.day.p10,
                i.day.p90
            )
        })
        .collect();
    if prep.is_empty() {
        out.push("Prep list: nothing is expected to sell.".to_owned());
    } else {
        out.push("Prep list:".to_owned());
        out.extend(prep);
    }
    out.push(format!("_{serving_note}_"));
    out
}

/// The morning summary: yesterday, then today's forecast.
pub fn morning(
    shop: &str,
    past: &Past,
    today: Option<&DayForecast>,
    names: &HashMap<String, String>,
    units_per_order: f64,
    currency: Currency,
    serving_note: &str,
) -> (String, String) {
    let title = format!(
        "{shop}: morning summary for {}",
        past.date
            .succ_opt()
            .unwrap_or(past.date)
            .format("%A %-d %B")
    );
    let mut body = vec!["Yesterday".to_owned()];
    body.extend(past_lines(past, currency));
    body.push(String::new());
    body.push("Today".to_owned());
    match today {
        Some(f) => body.extend(forecast_lines(f, names, units_per_order, serving_note)),
        None => {
            body.push("No forecast yet: the demand model has no history to learn from.".to_owned())
        }
    }
    (title, body.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::distributions::{NOMINAL, POISSON};
    use crate::core::forecast::{HourForecast, ItemForecast};
    use crate::core::predictor::Predictor;

    fn forecast() -> DayForecast {
        let item = |sku: &str, hours: &[(usize, f64)]| {
            let day: f64 = hours.iter().map(|h| h.1).sum();
            ItemForecast {
                sku: sku.to_owned(),
                day: Estimate::poisson(day),
                hours: hours
                    .iter()
                    .map(|(h, m)| HourForecast {
                        hour: *h,
                        units: Estimate::poisson(*m),
                    })
                    .collect(),
            }
        };
        DayForecast {
            date: NaiveDate::from_ymd_opt(2026, 11, 23).expect("date"),
            predictor: Predictor::Model,
            interval: "poisson".into(),
            store: Estimate::poisson(20.0),
            closed: false,
            store_hours: Vec::new(),
            items: vec![
                item("thai_ckn_l", &[(12, 6.0), (18, 8.0)]),
                item("hawaiian_m", &[(12, 2.0), (19, 4.0)]),
                item("rare_s", &[(13, 0.2)]),
            ],
        }
    }

    #[test]
    fn the_summary_has_the_prep_list_and_peak_hours() {
        let names = HashMap::from([(
            "thai_ckn_l".to_owned(),
            "The Thai Chicken Pizza (L)".to_owned(),
        )]);
        let past = Past {
            date: NaiveDate::from_ymd_opt(2026, 11, 22).expect("date"),
            stats: DayStats {
                orders: 41,
                revenue_minor: 81_250,
                discount_minor: 1_950,
                discounted_orders: 3,
                cancelled: 2,
                rejected: 1,
                avg_accept_seconds: Some(150.0),
                avg_complete_seconds: Some(1900.0),
                top_items: vec![("The Thai Chicken Pizza".into(), 12)],
            },
            forecast_vs_actual: Some((50.0, 46.0, 0.21)),
            ranges_held: ranges_held(
                &[(6.0, 4.0), (14.0, 25.0), (0.2, 1.0)],
                46.0,
                &POISSON,
                &NOMINAL,
            ),
        };
        let usd = Currency::parse("USD").expect("usd");
        let (title, body) = morning(
            "Pizza",
            &past,
            Some(&forecast()),
            &names,
            2.0,
            usd,
            "Served by the model.",
        );
        assert!(title.contains("Monday 23 November"), "{title}");
        for needle in [
            "41 orders",
            "USD 812.50",
            "2 cancelled",
            "Promo codes: USD 19.50 off 3 orders (revenue is after it).",
            "Time to accept: 2 min",
            "to complete: 32 min",
            "Top items: The Thai Chicken Pizza ×12",
            "46 sold (item-level error 21%)",
            "Ranges: 1 of 2 items on the prep list sold within their likely range (50%",
            "the shop's 46 items were outside its range of 15–26.",
            "about 10 orders (20 items",
            "Peak hours: 12:00 (~8 items), 18:00 (~8 items), 19:00 (~4 items)",
            "• The Thai Chicken Pizza (L) — 14",
            "• hawaiian_m — 6",
            "Served by the model.",
        ] {
            assert!(body.contains(needle), "missing `{needle}` in:\n{body}");
        }
        assert!(
            !body.contains("rare_s"),
            "items under half a unit are left off the prep list"
        );
    }

    #[test]
    fn no_forecast_says_so() {
        let past = Past {
            date: NaiveDate::from_ymd_opt(2026, 11, 22).expect("date"),
            stats: DayStats::default(),
            forecast_vs_actual: None,
            ranges_held: None,
        };
        let (_, body) = morning(
            "Pizza",
            &past,
            None,
            &HashMap::new(),
            1.0,
            Currency::parse("USD").expect("usd"),
            "",
        );
        assert!(body.contains("there was no forecast for that day"));
        assert!(!body.contains("Ranges:"), "no forecast, no ranges");
        assert!(body.contains("No forecast yet"));
    }

    #[test]
    fn ranges_are_rebuilt_with_the_spread_that_made_them() {
        // Poisson(6): 10–90% is 3..=9; Poisson(14): 9..=19. A narrower
        // calibrated width (0.5: the 25th–75th percentile) makes 6 → 4..=8.
        let items = [(6.0, 9.0), (14.0, 9.0), (0.2, 3.0)];
        let nominal = ranges_held(&items, 21.0, &POISSON, &NOMINAL).expect("a forecast");
        assert_eq!(
            (nominal.items_inside, nominal.items),
            (2, 2),
            "0.2 is not listed"
        );
        assert_eq!(nominal.store.mean, 20.2);
        assert!(nominal.store.covers(21.0));
        let narrow = Widths {
            item_day: 0.5,
            ..NOMINAL
        };
        let calibrated = ranges_held(&items, 21.0, &POISSON, &narrow).expect("a forecast");
        assert_eq!(
            calibrated.items_inside, 0,
            "9 is above 4..=8 and below 11..=16"
        );
        assert_eq!(ranges_held(&[], 3.0, &POISSON, &NOMINAL), None);
    }

    #[test]
    fn a_closed_day_says_closed_instead_of_a_prep_list() {
        let closed = DayForecast {
            closed: true,
            store: Estimate::poisson(0.0),
            items: Vec::new(),
            ..forecast()
        };
        let body = forecast_lines(&closed, &HashMap::new(), 2.0, "Served by the model.").join("\n");
        assert!(
            body.contains("**Monday 23 November**: closed, by the shop's opening hours"),
            "{body}"
        );
        assert!(
            !body.contains("Prep list") && !body.contains("Peak hours"),
            "{body}"
        );
    }
}
