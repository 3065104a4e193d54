//! A past order back in the cart: a pending one to be changed (`/edit`), or
//! any one to be ordered again (the button under `/orders`). The shell fetches
//! the order from the workers; what to do with it is decided here.

use chatorder_shared::domain::{OrderNumber, OrderStatus};
use chatorder_shared::events::OrderSnapshot;
use chatorder_shared::hours::Tz;

use super::cart::add_parsed;
use super::replies::{Keyboard, Reply};
use super::session::{CartLine, Session, Stage};
use super::shop::Shop;
use crate::buttons::Button;
use crate::parse::{Parsed, ParsedLine};
use crate::texts::Texts;

/// Loads a pending order's lines into the cart to be changed.
pub fn start_edit(session: &mut Session, number: OrderNumber, lines: Vec<CartLine>) {
    session.cart = lines;
    session.editing = Some(number);
    session.stage = Stage::Browsing;
}

/// `/edit`: only a pending order can be changed; its lines become the cart,
/// and the next checkout sends an update instead of a new order.
pub fn edit_order(session: &mut Session, order: &OrderSnapshot) -> Reply {
    let t = session.texts();
    let number = order.number;
    if order.status != OrderStatus::Pending {
        return Reply::text(t.not_editable(number, order.status));
    }
    let lines = order
        .lines
        .iter()
        .map(|l| CartLine {
            sku: l.sku.clone(),
            qty: l.qty,
        })
        .collect();
    start_edit(session, number, lines);
    Reply::text(t.editing(number))
}

/// `/orders`: the recent orders, each with its "order again" button.
pub fn order_list(orders: &[OrderSnapshot], t: &dyn Texts, tz: Tz) -> Reply {
    if orders.is_empty() {
        return Reply::text(t.no_orders());
    }
    let rows = orders
        .iter()
        .map(|o| {
            vec![(
                t.order_again_label(o.number),
                Button::Reorder(o.number).data(),
            )]
        })
        .collect();
    Reply {
        text: t.orders_list(orders, tz),
        keyboard: Keyboard::Inline(rows),
        edit: false,
    }
}

/// "Order again": the lines still on offer go into the cart as if typed;
/// the others are reported as sold out.
pub fn order_again(session: &mut Session, order: &OrderSnapshot, shop: &Shop<'_>) -> Vec<Reply> {
    let on_offer = |sku| shop.catalog.iter().any(|i| &i.sku == sku && i.available);
    let (lines, gone): (Vec<_>, Vec<_>) = order.lines.iter().partition(|l| on_offer(&l.sku));
    let parsed = Parsed {
        lines: lines
            .into_iter()
            .map(|l| ParsedLine {
                sku: l.sku.clone(),
                qty: l.qty,
                fragment: l.name.clone(),
            })
            .collect(),
        unavailable: gone
            .into_iter()
            .map(|l| (l.name.clone(), l.name.clone()))
            .collect(),
        ..Parsed::default()
    };
    add_parsed(session, parsed, shop).replies
}
