//! What the conversation needs to know about the shop: its name, currency,
//! catalog, the parser built from that catalog, and whether its hours keep
//! it closed now.

use chatorder_shared::domain::{Currency, Sku};
use chatorder_shared::events::CatalogItem;
use chrono::{DateTime, Utc};

use crate::parse::Matcher;
use crate::texts::Texts;

/// What the conversation needs to know about the shop.
pub struct Shop<'a> {
    pub name: &'a str,
    pub currency: Currency,
    pub catalog: &'a [CatalogItem],
    /// Times (the order list's, when a closed shop opens) are told in
    /// the shop's zone.
    pub time_zone: chatorder_shared::hours::Tz,
    pub matcher: &'a Matcher,
    /// While the shop's hours keep it closed: when it opens, told before
    /// checkout ([`Texts::closed_now`]). The worker still decides; `None`
    /// when open (the owners' pause is the worker's to tell).
    pub closed: Option<Closed>,
    /// Payment in chat is on (`telegram.payment_provider_token` is set):
    /// Confirm sends a bill, and the order is placed once it is paid.
    pub payments: bool,
}

/// The shop's hours keep it closed at `now`; it opens again at `opens_at`
/// (`None`: no opening is planned). `slots` are the times offered at
/// checkout for an order ready in that opening
/// ([`chatorder_shared::hours::Schedule::order_slots`]); none: the
/// customer is only warned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closed {
    pub now: DateTime<Utc>,
    pub opens_at: Option<DateTime<Utc>>,
    pub slots: Vec<DateTime<Utc>>,
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
    /// The warning to give while closed, if the shop is, in `t`'s language.
    pub(super) fn closed_warning(&self, t: &dyn Texts) -> Option<String> {
        self.closed
            .as_ref()
            .map(|c| t.closed_warning(&t.closed_now(c.opens_at, c.now, self.time_zone)))
    }
}
