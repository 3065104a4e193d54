//! Why the order worker refused a command: one variant per rule, carrying
//! what a sentence about it needs (limits, item names, statuses).
//!
//! The worker picks the variant; each edge words it for its own audience
//! (the Telegram bot for customers, the Discord bot for owners, an HTTP API
//! as a problem+json type). On the wire it is tagged by its stable `code`,
//! e.g. `{"code":"too_long","field":"note","len":612,"max":500}`.
//!
//! A code this build does not know (an event from a newer worker, or from
//! one before the refusal was typed) decodes as [`Refusal::Other`], which
//! every edge renders as a generic sentence: never a crash, never a lost
//! event.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{Currency, OrderNumber, OrderStatus, Sku};
use crate::lifecycle::TransitionError;
use crate::promo::{BadTerms, PromoCode, PromoProblem};

/// A broken rule, tagged on the wire by [`Refusal::code`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Refusal {
    /// An owner command from someone not on the shop's owner list.
    NotOwner,
    /// A command this role never sends (a customer setting a status).
    NotAllowed,
    /// The order or item is not there, or (for a customer) not theirs: a
    /// customer never learns that someone else's order exists.
    NotFound { missing: Missing },
    /// The customer wants to change an order the shop has already taken on.
    NotPending {
        number: OrderNumber,
        status: OrderStatus,
    },
    /// An owner cancelled without saying why; the customer is told the reason.
    ReasonRequired { number: OrderNumber },
    /// The order is completed, rejected or cancelled: nothing moves it.
    Final {
        number: OrderNumber,
        to: OrderStatus,
        why: TransitionError,
    },
    /// The lifecycle table does not allow this move.
    BadTransition {
        number: OrderNumber,
        to: OrderStatus,
        why: TransitionError,
    },
    /// A message or an order with nothing in it.
    Empty { what: EmptyText },
    /// A text over its limit; `len` and `max` count characters.
    TooLong {
        field: TextField,
        len: usize,
        max: usize,
    },
    /// A delivery order without an address.
    AddressRequired,
    /// More different items than one order may hold.
    TooManyLines { lines: usize, max: usize },
    /// No catalog item has this code.
    UnknownItem { sku: Sku },
    /// The item exists but is off the menu; `name` as customers read it.
    Unavailable { sku: Sku, name: String },
    /// A quantity outside 1..=`max`.
    BadQuantity { name: String, qty: u64, max: u32 },
    /// A total that does not fit the money type.
    TooLarge,
    /// A catalog price outside 0..=`max_minor` (minor units).
    BadPrice { max_minor: i64 },
    /// A catalog item name that is empty or longer than `max` characters.
    BadName { max: usize },
    /// A catalog category that is empty or longer than `max` characters.
    BadCategory { max: usize },
    /// A catalog size longer than `max` characters.
    BadSize { max: usize },
    /// The order changed since the sender looked: it is at `current`, the
    /// change was meant for `expected` (the HTTP API's `If-Match`).
    Stale {
        number: OrderNumber,
        expected: u32,
        current: u32,
    },
    /// A new order outside opening hours; `opens_at` is the next opening
    /// (none within a year: closed until further notice).
    Closed {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        opens_at: Option<DateTime<Utc>>,
    },
    /// A scheduled order for a time (`at`) the shop does not take orders
    /// for now: past, or outside the opening customers may order for
    /// ([`crate::hours::Schedule::order_window`]). `from`..`until` is that
    /// window (absent: nothing opens within a year).
    BadTime {
        at: DateTime<Utc>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<DateTime<Utc>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until: Option<DateTime<Utc>>,
    },
    /// A new order while owners have paused taking orders, for `reason`,
    /// until `until` (or until they resume).
    Paused {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until: Option<DateTime<Utc>>,
    },
    /// A pause of no minutes, or longer than `max_minutes`.
    BadPause { max_minutes: u32 },
    /// The order's promo code broke one of its rules (`why`).
    Promo { promo: PromoCode, why: PromoProblem },
    /// An owner's new promo code has terms that make no sense.
    BadPromo { promo: PromoCode, why: BadTerms },
    /// An owner created a promo code that exists already.
    PromoExists { promo: PromoCode },
    /// An owner named a promo code that does not exist.
    NoSuchPromo { promo: PromoCode },
    /// An order paid in chat whose payment is not its total as priced from
    /// the catalog now (a price changed after the invoice): not placed, and
    /// the payment is to be refunded.
    PaymentMismatch {
        paid_minor: i64,
        paid_currency: Currency,
        total_minor: i64,
        currency: Currency,
    },
    /// A change to the lines of an order paid in chat: what was paid would
    /// no longer match. Cancel it (refund) and order again.
    Paid { number: OrderNumber },
    /// The shop's own set-up is at fault, not the sender.
    Internal { fault: Fault },
    /// A code this build does not know. Edges say something generic.
    #[serde(untagged)]
    Other { code: String },
}

/// What a [`Refusal::NotFound`] looked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Missing {
    Order { number: OrderNumber },
    Item { sku: Sku },
}

/// What a [`Refusal::Empty`] found empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmptyText {
    Order,
    Message,
}

/// Which text a [`Refusal::TooLong`] measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextField {
    Message,
    Phone,
    Address,
    Note,
    Reason,
    /// A payment's charge id.
    ChargeId,
}

/// What is wrong on the shop's side in a [`Refusal::Internal`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// The worker had no order number to give a new order.
    NoOrderNumber,
    /// A catalog item is priced in another currency than the shop's.
    WrongCurrency {
        name: String,
        item: Currency,
        shop: Currency,
    },
}

impl Refusal {
    /// The stable code: the wire tag, the log field and the metrics label,
    /// and what an HTTP API names its problem type after. [`Refusal::Other`]
    /// answers `other`; the code it arrived with is in its field.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotOwner => "not_owner",
            Self::NotAllowed => "not_allowed",
            Self::NotFound { .. } => "not_found",
            Self::NotPending { .. } => "not_pending",
            Self::ReasonRequired { .. } => "reason_required",
            Self::Final { .. } => "final",
            Self::BadTransition { .. } => "bad_transition",
            Self::Empty { .. } => "empty",
            Self::TooLong { .. } => "too_long",
            Self::AddressRequired => "address_required",
            Self::TooManyLines { .. } => "too_many_lines",
            Self::UnknownItem { .. } => "unknown_item",
            Self::Unavailable { .. } => "unavailable",
            Self::BadQuantity { .. } => "bad_quantity",
            Self::TooLarge => "too_large",
            Self::BadPrice { .. } => "bad_price",
            Self::BadName { .. } => "bad_name",
            Self::BadCategory { .. } => "bad_category",
            Self::BadSize { .. } => "bad_size",
            Self::Stale { .. } => "stale",
            Self::Closed { .. } => "closed",
            Self::BadTime { .. } => "bad_time",
            Self::Paused { .. } => "paused",
            Self::BadPause { .. } => "bad_pause",
            Self::Promo { .. } => "promo",
            Self::BadPromo { .. } => "bad_promo",
            Self::PromoExists { .. } => "promo_exists",
            Self::NoSuchPromo { .. } => "no_such_promo",
            Self::PaymentMismatch { .. } => "payment_mismatch",
            Self::Paid { .. } => "paid",
            Self::Internal { .. } => "internal",
            Self::Other { .. } => "other",
        }
    }

    /// A refused move along the lifecycle: `final` when the order can no
    /// longer change at all, `bad_transition` otherwise.
    pub fn transition(number: OrderNumber, to: OrderStatus, why: TransitionError) -> Self {
        match why {
            TransitionError::Final { .. } => Self::Final { number, to, why },
            _ => Self::BadTransition { number, to, why },
        }
    }
}

#[cfg(test)]
#[path = "refusal_tests.rs"]
mod tests;
