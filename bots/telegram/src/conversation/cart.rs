//! The cart: adding what a message or a button asked for within the limits
//! the worker enforces, changing a line's quantity, clearing it, and showing
//! it with its buttons. Any change closes a checkout in progress.

use chatorder_shared::domain::Sku;
use chatorder_shared::events::CatalogItem;

use super::replies::{Reply, Turn};
use super::session::{CartLine, Session, Stage};
use super::shop::Shop;
use crate::buttons::Button;
use crate::parse::{Parsed, QuestionKind};
use crate::texts;
use chatorder_shared::limits::{MAX_LINES, MAX_QTY};

/// What adding to the cart did, so that the reply says exactly that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Put {
    /// All of it went in.
    Added(u32),
    /// The per-item limit cut it: `added` went in and the line now holds `now`.
    Capped { added: u32, now: u32 },
    /// A new item, but the cart already has [`MAX_LINES`] different ones.
    CartFull,
}

/// Adds `qty` of `sku` to the cart within the limits the worker enforces.
pub fn put(cart: &mut Vec<CartLine>, sku: &Sku, qty: u32) -> Put {
    let (before, line) = match cart.iter().position(|l| &l.sku == sku) {
        Some(i) => (cart[i].qty, i),
        None if cart.len() >= MAX_LINES => return Put::CartFull,
        None => {
            cart.push(CartLine {
                sku: sku.clone(),
                qty: 0,
            });
            (0, cart.len() - 1)
        }
    };
    // Adding never takes away: a line already over the limit (a session
    // from before a limit changed) stays as it is and gains nothing.
    let now = before.max(before.saturating_add(qty).min(MAX_QTY));
    cart[line].qty = now;
    cart.retain(|l| l.qty > 0);
    let added = now - before;
    if added == qty {
        Put::Added(added)
    } else {
        Put::Capped { added, now }
    }
}

/// Adds what a message (or a button) asked for; asks about the rest.
pub fn add_parsed(session: &mut Session, parsed: Parsed, shop: &Shop<'_>) -> Turn {
    let t = session.texts();
    if parsed.is_empty() {
        return Turn::say(Reply::text(t.nothing_found()));
    }
    let mut out = Turn::default();
    // The first thing in an empty cart starts an order: a closed shop says so.
    let starting = session.cart.is_empty();
    let mut added = Vec::new();
    let mut limited = Vec::new();
    for line in &parsed.lines {
        let Some(item) = shop.item(&line.sku) else {
            continue;
        };
        let name = item.display_name();
        match put(&mut session.cart, &line.sku, line.qty) {
            Put::Added(n) => added.push(texts::line(n, &name)),
            Put::Capped { added: n, now } => {
                if n > 0 {
                    added.push(texts::line(n, &name));
                }
                limited.push(t.capped(n, now, &name));
            }
            Put::CartFull => limited.push(t.cart_full(&name)),
        }
    }
    if !added.is_empty() {
        cart_changed(session);
        out.replies.push(Reply::text(
            t.added(&added, &t.money(cart_total(session, shop), shop.currency)),
        ));
        if let Some(warning) = shop.closed_warning(t).filter(|_| starting) {
            out.replies.push(Reply::text(warning));
        }
    }
    if !limited.is_empty() {
        out.replies.push(Reply::text(limited.join("\n")));
    }
    for q in &parsed.questions {
        let any_size = matches!(q.kind, QuestionKind::Item { size_known: false });
        let rows = q
            .options
            .iter()
            .filter_map(|(sku, label)| {
                let (sku, qty) = (sku.clone(), q.qty.max(1));
                let button = if any_size {
                    Button::AnySize { sku, qty }
                } else {
                    Button::Add { sku, qty }
                };
                button
                    .fits()
                    .then(|| vec![(t.choice(label), button.data())])
            })
            .collect();
        out.replies.push(Reply::with(t.prompt(&q.prompt), rows));
    }
    if !parsed.unavailable.is_empty() {
        let names: Vec<String> = parsed.unavailable.iter().map(|(_, n)| n.clone()).collect();
        out.replies.push(Reply::text(t.unavailable(&names)));
    }
    if !parsed.not_understood.is_empty() {
        out.replies
            .push(Reply::text(t.not_understood(&parsed.not_understood)));
    }
    out
}

pub(super) fn cart_total(session: &Session, shop: &Shop<'_>) -> i64 {
    session
        .cart
        .iter()
        .filter_map(|l| {
            shop.item(&l.sku)
                .map(|i| i.price_minor.saturating_mul(i64::from(l.qty)))
        })
        .fold(0i64, i64::saturating_add)
}

/// Cart lines as (qty, name, line price); items gone from the menu are
/// dropped, and dropping one closes a checkout in progress like any other
/// cart change (else Confirm would send a cart other than the summary shown).
pub(super) fn priced_lines(
    session: &mut Session,
    shop: &Shop<'_>,
) -> (Vec<(u32, String, String)>, Vec<String>) {
    let t = session.texts();
    let mut gone = Vec::new();
    session.cart.retain(|l| {
        let keep = shop.item(&l.sku).is_some();
        if !keep {
            gone.push(l.sku.to_string());
        }
        keep
    });
    if !gone.is_empty() {
        cart_changed(session);
    }
    let lines = session
        .cart
        .iter()
        .filter_map(|l| {
            let item = shop.item(&l.sku)?;
            Some((
                l.qty,
                item.display_name(),
                t.money(
                    item.price_minor.saturating_mul(i64::from(l.qty)),
                    shop.currency,
                ),
            ))
        })
        .collect();
    (lines, gone)
}

pub(super) fn cart_view(session: &mut Session, shop: &Shop<'_>) -> Reply {
    let t = session.texts();
    let (lines, gone) = priced_lines(session, shop);
    if lines.is_empty() {
        return Reply::text(t.cart_empty());
    }
    let mut text = t.cart(&lines, &t.money(cart_total(session, shop), shop.currency));
    for sku in gone {
        text.push_str(&format!("\n{}", t.cart_item_gone(&sku)));
    }
    let mut rows: Vec<Vec<(String, String)>> = session
        .cart
        .iter()
        .filter(|l| change(l, -i64::from(MAX_QTY)).fits())
        .map(|l| {
            let name = shop
                .item(&l.sku)
                .map(CatalogItem::display_name)
                .unwrap_or_default();
            vec![
                (format!("− {name}"), change(l, -1).data()),
                ("+".to_owned(), change(l, 1).data()),
                ("✕".to_owned(), change(l, -i64::from(MAX_QTY)).data()),
            ]
        })
        .collect();
    rows.push(vec![
        (t.btn_checkout(), Button::Checkout.data()),
        (t.btn_clear(), Button::Clear.data()),
    ]);
    Reply::with(text, rows)
}

/// The cart's −, + and ✕ buttons: `delta` to one line, kept within
/// 0..=[`MAX_QTY`]; a line at 0 leaves the cart.
pub(super) fn change_qty(session: &mut Session, sku: &Sku, delta: i64, shop: &Shop<'_>) -> Turn {
    let mut capped = false;
    if let Some(line) = session.cart.iter_mut().find(|l| l.sku == *sku) {
        let wanted = i64::from(line.qty).saturating_add(delta);
        let qty = wanted.clamp(0, i64::from(MAX_QTY));
        capped = wanted > qty;
        line.qty = u32::try_from(qty).unwrap_or(0);
    }
    session.cart.retain(|l| l.qty > 0);
    cart_changed(session);
    let mut view = cart_view(session, shop);
    if capped {
        view.text = format!("{}\n\n{}", session.texts().at_most_of_one(), view.text);
    }
    Turn::say(view.edit())
}

/// Empties the cart and forgets an order being changed.
pub(super) fn clear(session: &mut Session, shop: &Shop<'_>) -> Turn {
    session.cart.clear();
    session.editing = None;
    session.stage = Stage::Browsing;
    Turn::say(cart_view(session, shop).edit())
}

/// A cart that changes during checkout closes it: the summary the customer
/// confirms must be the cart that is sent.
fn cart_changed(session: &mut Session) {
    if session.stage != Stage::Browsing {
        session.stage = Stage::Browsing;
    }
}

/// The cart's −, + and ✕ buttons of one line.
fn change(line: &CartLine, delta: i64) -> Button {
    Button::Change {
        sku: line.sku.clone(),
        delta,
    }
}
