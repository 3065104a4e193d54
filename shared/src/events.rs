//! Events: what happened, published from the order worker's outbox.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::{Actor, Currency, Fulfilment, OrderNumber, OrderStatus, Platform, Role, Sku};
use crate::envelope::{DecodeError, Envelope, decode_data, decode_raw, with_data};
use crate::payment::Payment;
use crate::promo::{AppliedPromo, Promo};
use crate::refusal::Refusal;
use crate::subjects::EventKind;

/// The customer an order belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerRef {
    /// `telegram:5512345`
    pub key: String,
    pub platform: Platform,
    /// The platform's user id; for Telegram also the private chat id.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// One priced line of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub sku: Sku,
    pub name: String,
    pub qty: u32,
    pub unit_price_minor: i64,
    pub line_total_minor: i64,
}

/// An order as everyone outside the worker sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSnapshot {
    pub id: Uuid,
    pub number: OrderNumber,
    /// Starts at 1 and grows by one with every change.
    pub version: u32,
    pub status: OrderStatus,
    pub customer: CustomerRef,
    pub lines: Vec<OrderLine>,
    /// What the customer pays: the lines' total less any promo discount.
    pub total_minor: i64,
    pub currency: Currency,
    pub fulfilment: Fulfilment,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub placed_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The promo code the order used and what it took off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promo: Option<AppliedPromo>,
    /// Paid in chat when placed (what was paid is `total_minor`, after any
    /// discount); `None`: paid when handed over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<Payment>,
    /// A scheduled order: the time the customer asked for it to be ready
    /// (picked up or delivered); `None`: as soon as possible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_for: Option<DateTime<Utc>>,
}

impl OrderSnapshot {
    /// The discount a promo code took off (0 without one).
    pub fn discount_minor(&self) -> i64 {
        self.promo.as_ref().map_or(0, |p| p.discount_minor)
    }

    /// The lines' total before any discount.
    pub fn subtotal_minor(&self) -> i64 {
        self.total_minor.saturating_add(self.discount_minor())
    }
}

/// A catalog item as served to bots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogItem {
    pub sku: Sku,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    pub category: String,
    pub price_minor: i64,
    pub currency: Currency,
    pub available: bool,
}

impl CatalogItem {
    /// The name a person reads: `The Hawaiian Pizza (L)`.
    pub fn display_name(&self) -> String {
        match &self.size {
            Some(size) => format!("{} ({size})", self.name),
            None => self.name.clone(),
        }
    }
}

/// `command.rejected`: a command broke a rule. Addressed to `to`, who is told
/// in their bot's words what [`Refusal`] says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RejectionWire")]
pub struct Rejection {
    pub command_id: Uuid,
    pub command_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<OrderNumber>,
    /// Which rule was broken, with what a sentence about it needs.
    pub refusal: Refusal,
    pub to: Actor,
    /// A refused `order.place` that was paid in chat: the payment owners
    /// must refund.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<Payment>,
}

/// A `command.rejected` as it may arrive: with a typed `refusal`, or as a
/// worker from before the refusal was typed wrote it (`code` and an English
/// `reason`), which still reaches its sender, as a generic sentence.
#[derive(Deserialize)]
struct RejectionWire {
    command_id: Uuid,
    command_type: String,
    #[serde(default)]
    number: Option<OrderNumber>,
    #[serde(default)]
    refusal: Option<Refusal>,
    #[serde(default)]
    code: Option<String>,
    to: Actor,
    #[serde(default)]
    payment: Option<Payment>,
}

impl TryFrom<RejectionWire> for Rejection {
    type Error = &'static str;

    fn try_from(w: RejectionWire) -> Result<Self, Self::Error> {
        let refusal = match (w.refusal, w.code) {
            (Some(refusal), _) => refusal,
            (None, Some(code)) => Refusal::Other { code },
            (None, None) => return Err("a rejection needs a `refusal` (or a legacy `code`)"),
        };
        Ok(Self {
            command_id: w.command_id,
            command_type: w.command_type,
            number: w.number,
            refusal,
            to: w.to,
            payment: w.payment,
        })
    }
}

/// `order.message`: chat between customer and shop about an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderMessage {
    pub order_id: Uuid,
    pub number: OrderNumber,
    pub customer: CustomerRef,
    pub from: Role,
    pub text: String,
}

/// Every event's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Event {
    Placed {
        order: OrderSnapshot,
    },
    Updated {
        order: OrderSnapshot,
    },
    Cancelled {
        order: OrderSnapshot,
        by: Role,
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    StatusChanged {
        order: OrderSnapshot,
        from: OrderStatus,
        to: OrderStatus,
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    Rejected(Rejection),
    Message(OrderMessage),
    CatalogChanged {
        item: CatalogItem,
    },
    /// An owner paused or resumed taking orders; `pause` is the pause now
    /// in force, `None` when orders are taken again.
    ShopChanged {
        pause: Option<ShopPause>,
    },
    /// An owner created or switched off a promo code; `promo` is the code
    /// as it now stands.
    PromoChanged {
        promo: Promo,
    },
}

/// Owners stopped taking orders at `since`, until `until` (or until they
/// resume); customers are told the `reason`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopPause {
    pub since: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl ShopPause {
    /// Whether the pause still holds at `t` (a timed pause ends by itself).
    pub fn holds_at(&self, t: DateTime<Utc>) -> bool {
        self.until.is_none_or(|until| t < until)
    }
}

#[derive(Deserialize)]
struct ShopData {
    #[serde(default)]
    pause: Option<ShopPause>,
}

#[derive(Deserialize)]
struct PromoData {
    promo: Promo,
}

#[derive(Deserialize)]
struct OrderData {
    order: OrderSnapshot,
}

#[derive(Deserialize)]
struct CancelledData {
    order: OrderSnapshot,
    by: Role,
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Deserialize)]
struct StatusData {
    order: OrderSnapshot,
    from: OrderStatus,
    to: OrderStatus,
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Deserialize)]
struct CatalogData {
    item: CatalogItem,
}

impl Event {
    pub fn kind(&self) -> EventKind {
        match self {
            Self::Placed { .. } => EventKind::Placed,
            Self::Updated { .. } => EventKind::Updated,
            Self::Cancelled { .. } => EventKind::Cancelled,
            Self::StatusChanged { .. } => EventKind::StatusChanged,
            Self::Rejected(_) => EventKind::Rejected,
            Self::Message(_) => EventKind::Message,
            Self::CatalogChanged { .. } => EventKind::CatalogChanged,
            Self::ShopChanged { .. } => EventKind::ShopChanged,
            Self::PromoChanged { .. } => EventKind::PromoChanged,
        }
    }

    /// The order snapshot an event carries, if any.
    pub fn order(&self) -> Option<&OrderSnapshot> {
        match self {
            Self::Placed { order }
            | Self::Updated { order }
            | Self::Cancelled { order, .. }
            | Self::StatusChanged { order, .. } => Some(order),
            Self::Rejected(_)
            | Self::Message(_)
            | Self::CatalogChanged { .. }
            | Self::ShopChanged { .. }
            | Self::PromoChanged { .. } => None,
        }
    }

    /// Wraps the event in an envelope caused by `actor`.
    pub fn into_envelope(self, actor: Actor) -> Envelope<Event> {
        Envelope::new(self.kind().envelope_type(), actor, self)
    }
}

/// Decodes an event published by the order worker.
pub fn decode_event(payload: &[u8]) -> Result<Envelope<Event>, DecodeError> {
    let raw = decode_raw(payload, 4 * crate::envelope::MAX_COMMAND_BYTES)?;
    let kind = EventKind::from_envelope_type(&raw.kind)
        .ok_or_else(|| DecodeError::UnknownType(raw.kind.clone()))?;
    let event = match kind {
        EventKind::Placed => Event::Placed {
            order: decode_data::<OrderData>(&raw)?.order,
        },
        EventKind::Updated => Event::Updated {
            order: decode_data::<OrderData>(&raw)?.order,
        },
        EventKind::Cancelled => {
            let d: CancelledData = decode_data(&raw)?;
            Event::Cancelled {
                order: d.order,
                by: d.by,
                reason: d.reason,
            }
        }
        EventKind::StatusChanged => {
            let d: StatusData = decode_data(&raw)?;
            Event::StatusChanged {
                order: d.order,
                from: d.from,
                to: d.to,
                reason: d.reason,
            }
        }
        EventKind::Rejected => Event::Rejected(decode_data(&raw)?),
        EventKind::Message => Event::Message(decode_data(&raw)?),
        EventKind::CatalogChanged => Event::CatalogChanged {
            item: decode_data::<CatalogData>(&raw)?.item,
        },
        EventKind::ShopChanged => Event::ShopChanged {
            pause: decode_data::<ShopData>(&raw)?.pause,
        },
        EventKind::PromoChanged => Event::PromoChanged {
            promo: decode_data::<PromoData>(&raw)?.promo,
        },
    };
    Ok(with_data(raw, event))
}
