//! Past orders as the import file gives them (`chatorder_db::past_sales`), read
//! into the core's sales table, and the backtest on them (`chatorder evaluate`).

use chatorder_db::past_sales::PastOrder;
use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::core::config::TrainConfig;
use crate::core::evaluate::{Report, evaluate};
use crate::core::rolling::{Rolling, last_months, rolling};
use crate::core::sales::{Sales, SalesError};

/// The sales table of past orders, each order's time read in the shop's time zone.
pub fn sales_from_orders(orders: &[PastOrder], tz: Tz) -> Result<Sales, SalesError> {
    Sales::from_records(
        orders.iter().flat_map(|o| {
            o.lines
                .iter()
                .map(move |(sku, qty, _price)| (sku.as_str(), o.placed_at, *qty))
        }),
        tz,
    )
}

/// [`evaluate`] on past orders, read in the shop's time zone.
pub fn evaluate_orders(
    orders: &[PastOrder],
    tz: Tz,
    test_from: NaiveDate,
    cfg: &TrainConfig,
) -> anyhow::Result<Report> {
    evaluate(&sales_from_orders(orders, tz)?, test_from, cfg)
}

/// [`rolling`] on past orders: the test months from the one holding `first`
/// (by default the last six months of the data) to the end of the data.
pub fn backtest_orders(
    orders: &[PastOrder],
    tz: Tz,
    first: Option<NaiveDate>,
    cfg: &TrainConfig,
) -> anyhow::Result<Rolling> {
    let sales = sales_from_orders(orders, tz)?;
    let first = first.unwrap_or_else(|| last_months(&sales, 6));
    rolling(&sales, first, cfg)
}
