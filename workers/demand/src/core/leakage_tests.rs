//! No leakage: nothing computed for day d may change when sales on or after d change.

use chrono::{Days, NaiveDate};

use crate::core::baselines;
use crate::core::config::TrainConfig;
use crate::core::features::History;
use crate::core::model::DemandModel;
use crate::core::sales::{HOURS, Sales};
use crate::core::test_data::synthetic;

/// `sales` with every day from `d` on replaced by different (bigger, longer) sales.
fn tampered(sales: &Sales, d: NaiveDate) -> Sales {
    let mut records = Vec::new();
    for date in sales.dates().take_while(|&x| x < d) {
        for (i, sku) in sales.items().iter().enumerate() {
            for h in 0..HOURS {
                records.push((sku.as_str(), date, h, sales.units(i, date, h)));
            }
        }
    }
    for k in 0..20 {
        for sku in sales.items() {
            records.push((sku.as_str(), d + Days::new(k), 12, 50 + k as u32));
        }
    }
    Sales::from_local(records).expect("non-empty")
}

#[test]
fn changing_sales_on_or_after_d_changes_nothing_for_d() {
    let sales = synthetic(40);
    let d: NaiveDate = "2015-01-29".parse().expect("valid");
    let other = tampered(&sales, d);
    assert_ne!(
        sales.item_day(0, d),
        other.item_day(0, d),
        "the tampering is real"
    );
    let (a, b) = (History::new(&sales), History::new(&other));
    for item in 0..sales.items().len() {
        for h in 0..HOURS {
            assert_eq!(
                a.row(Some(item), d, h),
                b.row(Some(item), d, h),
                "item {item} hour {h}"
            );
        }
    }
    assert_eq!(
        baselines::seasonal_naive(&sales, d),
        baselines::seasonal_naive(&other, d)
    );
    assert_eq!(
        baselines::mean_28d(&sales, d),
        baselines::mean_28d(&other, d)
    );

    let model = DemandModel::train(&sales.before(d).expect("history"), &TrainConfig::quick())
        .expect("trains");
    assert_eq!(
        model.predict(&a, d).expect("predicts"),
        model.predict(&b, d).expect("predicts")
    );
}
