//! What the API answers: its own types, apart from the bus contracts, so
//! the HTTP contract changes only when we mean it to. Money is integer
//! minor units with its currency; times are RFC 3339 UTC.

use chatorder_shared::domain::Money;
use chatorder_shared::events::CatalogItem;
use serde::Serialize;

/// An amount of money: `{"amount_minor": 1275, "currency": "USD"}` is $12.75.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MoneyView {
    pub amount_minor: i64,
    pub currency: String,
}

impl From<Money> for MoneyView {
    fn from(m: Money) -> Self {
        Self {
            amount_minor: m.minor,
            currency: m.currency.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogItemView {
    pub sku: String,
    pub name: String,
    /// `S`, `M`, `L`…, or absent for items without sizes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    pub category: String,
    pub price: MoneyView,
    pub available: bool,
}

impl From<&CatalogItem> for CatalogItemView {
    fn from(item: &CatalogItem) -> Self {
        Self {
            sku: item.sku.as_str().to_owned(),
            name: item.name.clone(),
            size: item.size.clone(),
            category: item.category.clone(),
            price: MoneyView::from(Money {
                minor: item.price_minor,
                currency: item.currency,
            }),
            available: item.available,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogView {
    pub items: Vec<CatalogItemView>,
}
