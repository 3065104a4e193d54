//! Request/reply queries served by the order workers (core NATS, queue group).

use serde::{Deserialize, Serialize};

use crate::domain::{Actor, OrderNumber};
use crate::events::{CatalogItem, OrderSnapshot};

/// `orders.query.get`: one order. Customers see only their own.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetOrder {
    pub actor: Actor,
    pub number: OrderNumber,
}

/// `orders.query.pending`: the pending queue, oldest first (owners only).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PendingOrders {
    pub actor: Actor,
    #[serde(default = "default_limit")]
    pub limit: u32,
    #[serde(default)]
    pub offset: u32,
}

/// `orders.query.customer`: the asking customer's recent orders, newest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerOrders {
    pub actor: Actor,
    #[serde(default = "default_limit")]
    pub limit: u32,
}

/// `catalog.query.list`: the whole catalog (including unavailable items).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListCatalog {}

fn default_limit() -> u32 {
    20
}

/// Most rows one query returns.
pub const MAX_QUERY_LIMIT: u32 = 100;

/// A page of orders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderPage {
    pub orders: Vec<OrderSnapshot>,
    /// How many there are in all (pending queue) or were considered.
    pub total: u64,
}

/// The catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    pub items: Vec<CatalogItem>,
}

/// Every reply: `{"result": …}` or `{"error": "a sentence"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum QueryReply<T> {
    #[serde(rename = "result")]
    Ok(T),
    #[serde(rename = "error")]
    Err(String),
}

impl<T> QueryReply<T> {
    pub fn into_result(self) -> Result<T, String> {
        match self {
            Self::Ok(t) => Ok(t),
            Self::Err(e) => Err(e),
        }
    }
}
