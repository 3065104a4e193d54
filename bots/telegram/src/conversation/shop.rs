//! What the conversation needs to know about the shop: its name, currency,
//! catalog and the parser built from that catalog.

use chatorder_shared::domain::{Currency, Sku};
use chatorder_shared::events::CatalogItem;

use crate::parse::Matcher;
use crate::texts as t;

/// What the conversation needs to know about the shop.
pub struct Shop<'a> {
    pub name: &'a str,
    pub currency: Currency,
    pub catalog: &'a [CatalogItem],
    pub matcher: &'a Matcher,
    /// Payment in chat is on (`telegram.payment_provider_token` is set):
    /// Confirm sends a bill, and the order is placed once it is paid.
    pub payments: bool,
}

impl Shop<'_> {
    pub(super) fn item(&self, sku: &Sku) -> Option<&CatalogItem> {
        self.catalog.iter().find(|i| &i.sku == sku)
    }
    /// Distinct categories on offer, sorted; a button names one by its index here.
    pub(super) fn categories(&self) -> Vec<&str> {
        self.distinct(|i| &i.category)
    }
    /// Distinct item names (an item may come in several sizes).
    pub(super) fn names(&self) -> Vec<&str> {
        self.distinct(|i| &i.name)
    }
    /// One field of the available items, sorted, each value once.
    fn distinct<'a>(&'a self, field: impl Fn(&'a CatalogItem) -> &'a String) -> Vec<&'a str> {
        let mut values: Vec<&str> = self
            .catalog
            .iter()
            .filter(|i| i.available)
            .map(|i| field(i).as_str())
            .collect();
        values.sort_unstable();
        values.dedup();
        values
    }
    pub(super) fn money(&self, minor: i64) -> String {
        t::money(minor, self.currency)
    }
}
