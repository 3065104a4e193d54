//! A small synthetic history shared by the tests that train a model.

use chrono::{Days, NaiveDate};

use crate::core::sales::Sales;

/// `days` days from Thu 1 Jan 2015 of three items selling at 11–14h with a
/// weekly pattern and deterministic noise; Sundays are closed.
pub fn synthetic(days: u64) -> Sales {
    let start: NaiveDate = "2015-01-01".parse().expect("valid date");
    let items = ["margherita_m", "pepperoni_l", "veggie_s"];
    let mut state = 7u64;
    let mut noise = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        (state >> 33) % 3
    };
    let mut records = Vec::new();
    for d in 0..days {
        let date = start + Days::new(d);
        let dow = crate::core::sales::weekday(date) as u64;
        if dow == 6 {
            continue;
        }
        for (i, sku) in items.iter().enumerate() {
            for h in 11..15usize {
                let qty = (i as u64 + h as u64 + dow) % 4 + noise();
                records.push((*sku, date, h, qty as u32));
            }
        }
    }
    Sales::from_local(records).expect("non-empty")
}
