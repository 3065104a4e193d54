//! What the API answers: its own types, apart from the bus contracts, so
//! the HTTP contract changes only when we mean it to. Money is integer
//! minor units with its currency; times are RFC 3339 UTC.

use chatorder_shared::domain::{Fulfilment, Money, OrderStatus, Platform, Role};
use chatorder_shared::events::{CatalogItem, OrderSnapshot};
use chatorder_shared::lifecycle;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// An amount of money: `{"amount_minor": 1275, "currency": "USD"}` is $12.75.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CatalogView {
    pub items: Vec<CatalogItemView>,
}

/// `GET /shop/hours`: the shop's hours as they stand now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ShopHoursView {
    /// Open by its hours now (the owners may still have paused orders).
    pub open: bool,
    /// Now when open, else when it next opens (absent: nothing planned).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opens_at: Option<DateTime<Utc>>,
    /// The shop's IANA zone, e.g. `Europe/London`.
    pub time_zone: String,
    /// The times `scheduled_for` may take now (absent: none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_window: Option<OrderWindowView>,
    /// Half hours inside the window to offer a customer (at most 24).
    pub times: Vec<DateTime<Utc>>,
}

/// From `from` (inclusive) until `until` (exclusive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct OrderWindowView {
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

/// A promo code on an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PromoView {
    pub code: String,
    /// Taken off the lines' total.
    pub discount: MoneyView,
}

/// An order as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct OrderView {
    pub id: uuid::Uuid,
    /// The short number customers and owners use (`1042` is `#1042`).
    pub number: u64,
    /// Grows by one with every change; send it back as `If-Match`.
    pub version: u32,
    pub status: OrderStatus,
    pub customer: CustomerView,
    pub lines: Vec<LineView>,
    /// What the customer pays: the lines less any promo discount.
    pub total: MoneyView,
    /// The promo code the order used and what it took off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub promo: Option<PromoView>,
    pub fulfilment: FulfilmentView,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub placed_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// A scheduled order: when the customer asked for it to be ready.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_for: Option<DateTime<Utc>>,
    /// The statuses the shop may move it to next, in lifecycle order (the
    /// owner's buttons; the same table the order worker enforces).
    pub next_moves: Vec<OrderStatus>,
    /// Whether its customer may still cancel it.
    pub customer_may_cancel: bool,
    /// How it is paid: in chat before it was placed, or on pickup or delivery.
    pub payment: PaymentView,
}

/// How an order is paid. `paid`: in Telegram before it was placed, with the
/// charge ids a refund names (due once the order is cancelled or rejected).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PaymentView {
    Paid {
        amount: MoneyView,
        telegram_payment_charge_id: String,
        provider_payment_charge_id: String,
        /// Cancelled or rejected after it was paid: the shop owes a refund.
        refund_due: bool,
    },
    OnPickup,
    OnDelivery,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CustomerView {
    /// Where the customer ordered: `telegram`, `web` (an account of this
    /// API), or `system` for imported history.
    pub channel: Platform,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct LineView {
    pub sku: String,
    pub name: String,
    pub quantity: u32,
    pub unit_price: MoneyView,
    pub line_total: MoneyView,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FulfilmentView {
    Pickup,
    Delivery { address: String },
}

impl From<&OrderSnapshot> for OrderView {
    fn from(o: &OrderSnapshot) -> Self {
        let money = |minor| {
            MoneyView::from(Money {
                minor,
                currency: o.currency,
            })
        };
        Self {
            id: o.id,
            number: o.number.0,
            version: o.version,
            status: o.status,
            customer: CustomerView {
                channel: o.customer.platform,
                name: o.customer.name.clone(),
            },
            lines: o
                .lines
                .iter()
                .map(|l| LineView {
                    sku: l.sku.as_str().to_owned(),
                    name: l.name.clone(),
                    quantity: l.qty,
                    unit_price: money(l.unit_price_minor),
                    line_total: money(l.line_total_minor),
                })
                .collect(),
            total: money(o.total_minor),
            promo: o.promo.as_ref().map(|p| PromoView {
                code: p.code.as_str().to_owned(),
                discount: money(p.discount_minor),
            }),
            fulfilment: match &o.fulfilment {
                Fulfilment::Pickup => FulfilmentView::Pickup,
                Fulfilment::Delivery { address } => FulfilmentView::Delivery {
                    address: address.clone(),
                },
            },
            note: o.note.clone(),
            placed_at: o.placed_at,
            scheduled_for: o.scheduled_for,
            updated_at: o.updated_at,
            next_moves: lifecycle::owner_moves(o.status, o.fulfilment.is_delivery()),
            customer_may_cancel: lifecycle::check_transition(
                o.status,
                OrderStatus::Cancelled,
                Role::Customer,
                o.fulfilment.is_delivery(),
            )
            .is_ok(),
            payment: match &o.payment {
                Some(p) => PaymentView::Paid {
                    amount: MoneyView::from(p.money()),
                    telegram_payment_charge_id: p.telegram_payment_charge_id.clone(),
                    provider_payment_charge_id: p.provider_payment_charge_id.clone(),
                    refund_due: matches!(o.status, OrderStatus::Cancelled | OrderStatus::Rejected),
                },
                None if o.fulfilment.is_delivery() => PaymentView::OnDelivery,
                None => PaymentView::OnPickup,
            },
        }
    }
}

/// A page of orders and the cursor of the next one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct OrderPageView {
    pub orders: Vec<OrderView>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A message about an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct MessageView {
    pub order_number: u64,
    /// `owner` or `customer`.
    pub from: chatorder_shared::domain::Role,
    pub text: String,
    pub sent_at: DateTime<Utc>,
}

/// The messages about an order, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct MessageListView {
    pub messages: Vec<MessageView>,
}

/// One status change of an order: who moved it, from what to what, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct StatusChangeView {
    /// Absent on the first entry (the order placed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<OrderStatus>,
    pub to: OrderStatus,
    /// `owner` (the shop) or `customer`.
    pub by: chatorder_shared::domain::Role,
    /// Where it was done: `telegram`, `discord`, `web`, `api` or `system`.
    pub via: String,
    /// The actor's id there (a Discord user id, an account or key id);
    /// shown to the shop only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
}

/// An order's status history, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct HistoryView {
    pub order_number: u64,
    pub history: Vec<StatusChangeView>,
}

/// An account as its owner sees it (never its password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AccountView {
    pub id: String,
    pub email: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// `customer` or `owner`.
    pub role: chatorder_shared::domain::Role,
    pub created_at: DateTime<Utc>,
}

impl From<&chatorder_shared::accounts::Account> for AccountView {
    fn from(a: &chatorder_shared::accounts::Account) -> Self {
        Self {
            id: a.id.clone(),
            email: a.email.clone(),
            name: a.name.clone(),
            phone: a.phone.clone(),
            role: a.role,
            created_at: a.created_at,
        }
    }
}

/// A new login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct LoginView {
    /// Send as `Authorization: Bearer <token>` (absent for a cookie login:
    /// the browser holds it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[schema(value_type = String)]
    pub token_type: &'static str,
    /// For a cookie login: send as `X-CSRF-Token` with every change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub account: AccountView,
}

/// An event as the event stream (and webhooks) deliver it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct EventView {
    /// Unique per event: repeats (at-least-once delivery) share it.
    pub id: uuid::Uuid,
    /// `order.placed`, `order.updated`, `order.status_changed`,
    /// `order.cancelled`, `order.message`, `catalog.changed`.
    #[serde(rename = "type")]
    pub kind: String,
    pub at: DateTime<Utc>,
    /// The order after the event (order events).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<OrderView>,
    /// The message (`order.message`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<MessageView>,
    /// The status before (`order.status_changed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_status: Option<OrderStatus>,
    /// Why (a cancel or a status move with a reason).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The item after the change (`catalog.changed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<CatalogItemView>,
}

impl EventView {
    /// The view of a public event; `None` for what is not shown outside
    /// (a rejection goes only to its sender, as a problem).
    pub fn of(
        env: &chatorder_shared::envelope::Envelope<chatorder_shared::events::Event>,
    ) -> Option<Self> {
        use chatorder_shared::events::Event;
        let mut view = Self {
            id: env.id,
            kind: env.kind.clone(),
            at: env.at,
            order: None,
            message: None,
            from_status: None,
            reason: None,
            item: None,
        };
        match &env.data {
            Event::Placed { order } | Event::Updated { order } => {
                view.order = Some(OrderView::from(order));
            }
            Event::Cancelled { order, reason, .. } => {
                view.order = Some(OrderView::from(order));
                view.reason.clone_from(reason);
            }
            Event::StatusChanged {
                order,
                from,
                reason,
                ..
            } => {
                view.order = Some(OrderView::from(order));
                view.from_status = Some(*from);
                view.reason.clone_from(reason);
            }
            Event::Message(m) => {
                view.message = Some(MessageView {
                    order_number: m.number.0,
                    from: m.from,
                    text: m.text.clone(),
                    sent_at: env.at,
                });
            }
            Event::CatalogChanged { item } => view.item = Some(CatalogItemView::from(item)),
            // Refusals go to their sender only; the owners' pause reaches
            // customers as the refusal of an order placed during it.
            // Promo codes are the owners' (the Discord bot's `/promo list`).
            Event::Rejected(_) | Event::ShopChanged { .. } | Event::PromoChanged { .. } => {
                return None;
            }
        }
        Some(view)
    }
}

/// A change the worker has not answered in time: it is queued and will be
/// applied (202).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProcessingView {
    /// Always `processing`.
    pub status: String,
    /// The id the change was queued under (from the Idempotency-Key).
    pub command_id: uuid::Uuid,
    pub detail: String,
}

/// The CSRF token of the login cookie.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CsrfView {
    pub csrf_token: String,
}
