//! Payment in chat (with `telegram.payment_provider_token`): Confirm sends
//! an invoice instead of the order; Telegram's pre-checkout question is
//! answered after checking that the bill still holds; the order is placed
//! only when Telegram says it is paid. The invoice payload is the checkout
//! id, which becomes the place command's id: a payment told twice places
//! one order (the order worker drops a command id it has seen).
//!
//! With a promo code, the bill asks the lines' total less the discount the
//! order worker quotes when the bill is sent (the shell asks it, and fills
//! in [`Invoice::discount_minor`]); the worker checks that discount again
//! when the paid order comes.

use chatorder_shared::commands::{LineRequest, PlaceOrder};
use chatorder_shared::domain::{Currency, Fulfilment};
use chatorder_shared::payment::Payment;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::replies::{Action, Reply, Turn};
use super::session::Session;
use super::shop::Shop;
use crate::texts::{Texts, line};

/// A bill sent for a checkout, kept in the session until it is paid: what
/// is ordered once it is, and what it asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    pub checkout: Uuid,
    pub order: PlaceOrder,
    /// The lines at the catalog's prices when it was made.
    pub subtotal_minor: i64,
    /// What the order's promo code takes off, as the order worker quoted
    /// it (0 without a code).
    #[serde(default)]
    pub discount_minor: i64,
    /// What it asks: the subtotal less the discount.
    pub total_minor: i64,
}

/// Telegram's pre-checkout question: is this bill still good?
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreCheckout {
    pub payload: String,
    pub currency: String,
    pub total_minor: i64,
}

/// Telegram's `successful_payment`: the money is taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paid {
    pub payload: String,
    pub payment: Payment,
}

/// The invoice payload of a checkout (36 bytes; Telegram allows 128).
pub fn payload(checkout: Uuid) -> String {
    checkout.to_string()
}

/// The checkout an invoice payload names. A payload this bot did not make
/// still gets a stable id of its own, so telling it twice is one command.
fn checkout_of(payload: &str) -> Uuid {
    Uuid::parse_str(payload)
        .unwrap_or_else(|_| Uuid::new_v5(&Uuid::NAMESPACE_OID, payload.as_bytes()))
}

/// Confirm with payments on: the bill for `order`, to be paid before it
/// is placed. The shell works out its discount and sends it
/// ([`Action::Invoice`]).
pub(super) fn bill(
    session: &mut Session,
    checkout: Uuid,
    order: PlaceOrder,
    shop: &Shop<'_>,
) -> Turn {
    let t = session.texts();
    let Some(subtotal_minor) = total(&order.lines, shop) else {
        return Turn::say(Reply::text(t.cart_empty()));
    };
    session.invoice = Some(Invoice {
        checkout,
        order: order.clone(),
        subtotal_minor,
        discount_minor: 0,
        total_minor: subtotal_minor,
    });
    Turn {
        // "Here's your bill" waits until the bill is sure to go: a promo
        // code that does not apply is told instead.
        replies: vec![Reply::text(t.invoice_preparing()).edit()],
        actions: vec![Action::Invoice {
            id: checkout,
            order,
        }],
    }
}

/// The labelled prices of an invoice, in minor units, adding up to what it
/// asks: one per line, or with a promo code's discount one for the whole
/// order (Telegram's prices are not negative). `None` if an item is gone
/// or an amount does not fit Telegram's.
pub fn prices(invoice: &Invoice, shop: &Shop<'_>, t: &dyn Texts) -> Option<Vec<(String, u32)>> {
    let prices: Vec<(String, u32)> = if let Some(code) = invoice
        .order
        .promo
        .as_ref()
        .filter(|_| invoice.discount_minor > 0)
    {
        let discount = t.money(invoice.discount_minor, shop.currency);
        vec![(
            t.invoice_promo(code, &discount),
            u32::try_from(invoice.total_minor).ok()?,
        )]
    } else {
        invoice
            .order
            .lines
            .iter()
            .map(|l| {
                let item = shop.item(&l.sku)?;
                let amount = item.price_minor.checked_mul(i64::from(l.qty))?;
                Some((
                    line(l.qty, &item.display_name()),
                    u32::try_from(amount).ok()?,
                ))
            })
            .collect::<Option<_>>()?
    };
    let sum: i64 = prices.iter().map(|(_, a)| i64::from(*a)).sum();
    (sum == invoice.total_minor).then_some(prices)
}

/// What the lines cost at the catalog's prices now; `None` if one is gone.
fn total(lines: &[LineRequest], shop: &Shop<'_>) -> Option<i64> {
    lines.iter().try_fold(0i64, |acc, l| {
        let item = shop.item(&l.sku)?;
        acc.checked_add(item.price_minor.checked_mul(i64::from(l.qty))?)
    })
}

/// Whether the bill `q` names can still be paid: it is this customer's open
/// bill, the cart is what was billed, every item is still on the menu at
/// the billed price, the amount is the bill's, and the shop `takes` an
/// order for its time (now, or the time it is scheduled for). A
/// promo code's rules are the order worker's to check again (a code that
/// ran out meanwhile: the paid order is refused, and refunded). `Err` is the sentence Telegram
/// shows in the payment form (nothing is charged).
pub fn pre_checkout(
    session: &Session,
    shop: &Shop<'_>,
    q: &PreCheckout,
    takes: impl Fn(Option<chrono::DateTime<chrono::Utc>>) -> bool,
) -> Result<(), String> {
    let t = session.texts();
    let checkout = checkout_of(&q.payload);
    if session.last_checkout == Some(checkout) {
        return Err(t.pay_already());
    }
    let Some(invoice) = session.invoice.as_ref().filter(|i| i.checkout == checkout) else {
        return Err(t.pay_stale());
    };
    let cart: Vec<LineRequest> = session
        .cart
        .iter()
        .map(|l| LineRequest {
            sku: l.sku.clone(),
            qty: l.qty,
        })
        .collect();
    if cart != invoice.order.lines {
        return Err(t.pay_cart_changed());
    }
    for line in &invoice.order.lines {
        match shop.item(&line.sku) {
            Some(item) if item.available => {}
            Some(item) => return Err(t.pay_unavailable(&item.display_name())),
            None => return Err(t.pay_unavailable(line.sku.as_str())),
        }
    }
    let same_currency = Currency::parse(&q.currency).is_ok_and(|c| c == shop.currency);
    if total(&invoice.order.lines, shop) != Some(invoice.subtotal_minor)
        || q.total_minor != invoice.total_minor
        || !same_currency
    {
        return Err(t.pay_price_changed());
    }
    if !takes(invoice.order.scheduled_for) {
        return Err(t.pay_closed());
    }
    Ok(())
}

/// Telegram took the money: place what was billed, with the payment.
pub(super) fn paid(session: &mut Session, paid: Paid) -> Turn {
    let t = session.texts();
    let id = checkout_of(&paid.payload);
    if let Some(invoice) = session.invoice.as_ref().filter(|i| i.checkout == id) {
        let mut order = invoice.order.clone();
        order.payment = Some(paid.payment);
        return Turn {
            replies: vec![Reply::text(t.paid_placing())],
            actions: vec![Action::Place { id, order }],
        };
    }
    if session.last_checkout == Some(id) {
        // Placed already (the order worker would drop the same id anyway).
        return Turn::say(Reply::text(t.paid_twice()));
    }
    // Paid, but the bill is no longer here (an expired session): the order
    // worker refuses an order with nothing in it, and that refusal, with
    // the payment, tells the owners to refund it. Nothing is dropped.
    let order = PlaceOrder {
        lines: Vec::new(),
        fulfilment: Fulfilment::Pickup,
        note: None,
        phone: None,
        promo: None,
        payment: Some(paid.payment),
        scheduled_for: None,
    };
    Turn {
        replies: vec![Reply::text(t.paid_lost())],
        actions: vec![Action::Place { id, order }],
    }
}
