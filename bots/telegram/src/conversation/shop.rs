//! What the conversation needs to know about the shop: its name, currency,
//! catalog, the parser built from that catalog, and whether its hours keep
//! it closed now.

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
    /// While the shop's hours keep it closed: that it is and when it
    /// opens ([`t::closed_now`]), told before checkout. The worker still
    /// decides; `None` when open (the owners' pause is the worker's to tell).
    pub closed: Option<String>,
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
    /// The warning to give while closed, if the shop is.
    pub(super) fn closed_warning(&self) -> Option<String> {
        self.closed.as_deref().map(t::closed_warning)
    }
    pub(super) fn money(&self, minor: i64) -> String {
        t::money(minor, self.currency)
    }
}
