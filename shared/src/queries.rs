//! Request/reply queries served by the order workers (core NATS, queue group).

use serde::{Deserialize, Serialize};

use chrono::{DateTime, Utc};

use crate::domain::{Actor, OrderNumber, OrderStatus, Role};
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

/// `orders.query.owner.promos`: every promo code with its uses, newest
/// first (owners only).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListPromos {
    pub actor: Actor,
}

/// The answer to [`ListPromos`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromoList {
    pub promos: Vec<crate::promo::Promo>,
}

/// `orders.query.quote`: what the customer's promo code takes off these
/// lines now, priced from the catalog: the Telegram bot's bill (payment in
/// chat) asks the total after it. The worker checks the code again when
/// the paid order comes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuotePromo {
    pub actor: Actor,
    pub lines: Vec<crate::commands::LineRequest>,
    pub promo: crate::promo::PromoCode,
}

/// The answer to [`QuotePromo`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromoQuote {
    /// The lines at the catalog's prices.
    pub subtotal_minor: i64,
    /// What the code takes off (0 when it does not apply).
    pub discount_minor: i64,
    /// Why the code does not apply, if it does not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<crate::promo::PromoProblem>,
}

/// `orders.query.list` / `orders.query.owner.list`: orders newest first,
/// a page at a time. A customer sees only their own; an owner sees all.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListOrders {
    pub actor: Actor,
    /// Only orders in one of these statuses (all when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statuses: Vec<OrderStatus>,
    /// Only orders placed at or after this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placed_from: Option<DateTime<Utc>>,
    /// Only orders placed before this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placed_before: Option<DateTime<Utc>>,
    /// The cursor: only orders numbered below this one (the previous
    /// page's `next_before`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<OrderNumber>,
    #[serde(default = "default_limit")]
    pub limit: u32,
}

/// `orders.query.messages` / `orders.query.owner.messages`: the messages
/// about one order and its status history, oldest first. A customer sees
/// only their own order's.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetMessages {
    pub actor: Actor,
    pub number: OrderNumber,
}

/// One message about an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageEntry {
    pub from: Role,
    pub text: String,
    pub at: DateTime<Utc>,
}

/// One status change of an order: who moved it, from what to what, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    /// None for the first entry (the order placed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<OrderStatus>,
    pub to: OrderStatus,
    pub by: Role,
    /// Where the change came from: `telegram`, `discord`, `web`, `api`,
    /// `system`.
    pub via: String,
    /// The actor's id on that platform; only an owner is told it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
}

/// The answer to [`GetMessages`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageList {
    pub number: OrderNumber,
    pub messages: Vec<MessageEntry>,
    /// The order's status changes, oldest first (workers before 2026-12-04
    /// sent none).
    #[serde(default)]
    pub history: Vec<StatusChange>,
}

/// A page of [`ListOrders`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderList {
    pub orders: Vec<OrderSnapshot>,
    /// The cursor of the next page, if there may be one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_before: Option<OrderNumber>,
}

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

/// Every reply: `{"result": …}` or `{"error": {"code": …}}`, the error a
/// [`QueryRefusal`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum QueryReply<T> {
    #[serde(rename = "result")]
    Ok(T),
    #[serde(rename = "error")]
    Err(#[serde(deserialize_with = "refusal_or_sentence")] QueryRefusal),
}

impl<T> QueryReply<T> {
    pub fn into_result(self) -> Result<T, QueryRefusal> {
        match self {
            Self::Ok(t) => Ok(t),
            Self::Err(e) => Err(e),
        }
    }
}

impl<T> From<Result<T, QueryRefusal>> for QueryReply<T> {
    fn from(r: Result<T, QueryRefusal>) -> Self {
        match r {
            Ok(t) => Self::Ok(t),
            Err(e) => Self::Err(e),
        }
    }
}

/// Why a worker refused a query: one variant per reason, carrying what a
/// sentence about it needs. The worker picks it; each edge words it for its
/// own audience (the Telegram bot for customers, the Discord bot for owners,
/// an HTTP API as a status and problem type). On the wire it is tagged by its
/// stable `code`, e.g. `{"error":{"code":"not_found","number":1042}}`.
///
/// A code this build does not know (a newer worker) decodes as
/// [`QueryRefusal::Other`]; so does the bare sentence a worker from before
/// typed refusals answered (as `Other { code: "untyped" }`). Every edge says
/// something generic about it: never a crash, never "the shop is down".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
#[non_exhaustive]
pub enum QueryRefusal {
    /// No order has this number or, asked by a customer, it is someone
    /// else's: a customer never learns that someone else's order exists.
    NotFound { number: OrderNumber },
    /// An owners' query from someone not on the shop's owner list, or an
    /// owner's identity claimed on the customers' subject.
    NotOwner,
    /// A customers' query (their own orders) asked by an owner.
    CustomersOnly,
    /// The worker could not reach its store or compute the answer just now;
    /// asking again later may work.
    Unavailable,
    /// The demand worker has no sales to forecast from yet.
    NoSales,
    /// The subject names no query this worker answers.
    UnknownQuery { subject: String },
    /// The question is over `max_bytes`.
    TooLarge { max_bytes: usize },
    /// The question could not be read; `detail` says where it went wrong.
    BadRequest { detail: String },
    /// A code this build does not know. Edges say something generic.
    #[serde(untagged)]
    Other { code: String },
}

impl QueryRefusal {
    /// The stable code: the wire tag, and what an HTTP API maps to a status
    /// (docs/architecture.md lists them). [`QueryRefusal::Other`] answers
    /// `other`; the code it arrived with is in its field.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "not_found",
            Self::NotOwner => "not_owner",
            Self::CustomersOnly => "customers_only",
            Self::Unavailable => "unavailable",
            Self::NoSales => "no_sales",
            Self::UnknownQuery { .. } => "unknown_query",
            Self::TooLarge { .. } => "too_large",
            Self::BadRequest { .. } => "bad_request",
            Self::Other { .. } => "other",
        }
    }
}

/// Reads a typed refusal, or the bare sentence of a worker from before
/// refusals were typed (as [`QueryRefusal::Other`] with code `untyped`), so
/// a rolling upgrade shows a generic sentence instead of "unreachable".
fn refusal_or_sentence<'de, D: serde::Deserializer<'de>>(d: D) -> Result<QueryRefusal, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Typed(QueryRefusal),
        Sentence(String),
    }
    Ok(match Either::deserialize(d)? {
        Either::Typed(r) => r,
        Either::Sentence(sentence) => {
            tracing::warn!(sentence, "an older worker refused a query in a sentence");
            QueryRefusal::Other {
                code: "untyped".to_owned(),
            }
        }
    })
}

#[cfg(test)]
#[path = "queries_tests.rs"]
mod tests;
