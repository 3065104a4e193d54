//! One day of hourly figures per item (actuals or forecasts), in a sales table's item order.

use chrono::NaiveDate;

use crate::core::sales::{HOURS, Sales};

/// `cells[item][hour]`, items in the order of the [`Sales`] table they belong to.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub cells: Vec<[f64; HOURS]>,
}

impl Grid {
    pub fn zeros(items: usize) -> Self {
        Self {
            cells: vec![[0.0; HOURS]; items],
        }
    }

    /// What was actually sold on `date` (zeros outside the sales range).
    pub fn actual(sales: &Sales, date: NaiveDate) -> Self {
        let mut g = Self::zeros(sales.items().len());
        if let Some(d) = sales.day_of(date) {
            for (item, row) in g.cells.iter_mut().enumerate() {
                for (cell, &u) in row.iter_mut().zip(sales.hours_at(item, d)) {
                    *cell = f64::from(u);
                }
            }
        }
        g
    }

    /// The day total of one item.
    pub fn item_day(&self, item: usize) -> f64 {
        self.cells[item].iter().sum()
    }

    /// The day total over all items.
    pub fn store_day(&self) -> f64 {
        self.cells.iter().flatten().sum()
    }
}
