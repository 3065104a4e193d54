//! What owners read: the morning summary and the forecast, as plain text.
//! Pure: figures in, sentences out.

use std::collections::HashMap;

use chatorder_shared::domain::{Currency, Money};
use chrono::NaiveDate;

use crate::core::forecast::DayForecast;
use crate::store::DayStats;

/// Yesterday, as it happened and as it was forecast.
#[derive(Debug, Clone, PartialEq)]
pub struct Past {
    pub date: NaiveDate,
    pub stats: DayStats,
    /// `(forecast units, units sold, item-day WAPE)` if there was a forecast.
    pub forecast_vs_actual: Option<(f64, f64, f64)>,
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
    out
}

/// Lines about a forecast day: expected orders, peak hours, the prep list.
pub fn forecast_lines(
    f: &DayForecast,
    names: &HashMap<String, String>,
    units_per_order: f64,
    serving_note: &str,
) -> Vec<String> {
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
        .filter(|i| i.day.mean >= 0.5)
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
    use crate::core::distributions::Estimate;
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
                cancelled: 2,
                rejected: 1,
                avg_accept_seconds: Some(150.0),
                avg_complete_seconds: Some(1900.0),
                top_items: vec![("The Thai Chicken Pizza".into(), 12)],
            },
            forecast_vs_actual: Some((50.0, 46.0, 0.21)),
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
            "Time to accept: 2 min",
            "to complete: 32 min",
            "Top items: The Thai Chicken Pizza ×12",
            "46 sold (item-level error 21%)",
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
        assert!(body.contains("No forecast yet"));
    }
}
