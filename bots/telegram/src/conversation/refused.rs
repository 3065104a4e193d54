//! A refused order gives the customer their cart back: the basket they
//! confirmed is kept when the place command is sent, and the worker's
//! refusal of that command (closed, paused, an item gone, …) puts it back.
//!
//! The basket comes back by itself only into an empty cart. A customer who
//! has started another cart since (or is changing an order) keeps that
//! cart untouched: merging unasked would quietly grow what they are about
//! to confirm. They are told what the refused order held, with a button
//! that adds it to their cart ([`add_back`]), once. Either way the outcome
//! is recorded with the basket, so a refusal delivered twice acts once and
//! says the same thing.

use uuid::Uuid;

use super::cart::add_parsed;
use super::replies::{Reply, Turn};
use super::session::{CartBack, CartLine, SENT_CARTS, SentCart, Session, Stage};
use super::shop::Shop;
use crate::parse::{Parsed, ParsedLine};

/// Keeps the basket of new order `checkout`, just sent.
pub(super) fn remember(session: &mut Session, checkout: Uuid, lines: Vec<CartLine>) {
    session.sent.retain(|s| s.checkout != checkout);
    if session.sent.len() >= SENT_CARTS {
        session.sent.remove(0);
    }
    session.sent.push(SentCart {
        checkout,
        lines,
        refused: None,
        added: false,
    });
}

/// The worker refused new order `checkout`: the basket goes back into an
/// empty cart, or stays aside if the customer has another cart going.
/// Returns what was done and the basket, or `None` for an order this
/// session did not send (or has forgotten).
pub fn refused(session: &mut Session, checkout: Uuid) -> Option<(CartBack, Vec<CartLine>)> {
    let idle =
        session.cart.is_empty() && session.editing.is_none() && session.stage == Stage::Browsing;
    let sent = session.sent.iter_mut().find(|s| s.checkout == checkout)?;
    let back = match sent.refused {
        Some(done) => done,
        None if idle => {
            session.cart.clone_from(&sent.lines);
            CartBack::Restored
        }
        None => CartBack::Kept,
    };
    sent.refused = Some(back);
    Some((back, sent.lines.clone()))
}

/// The button offered with a basket kept aside ([`CartBack::Kept`]): its
/// lines still on offer go into the cart as if typed (within the same
/// limits, and closing a checkout in progress like any change), the others
/// are named as not available. A second press adds nothing; a button for
/// a basket not kept aside, or forgotten, is no longer valid.
pub(super) fn add_back(session: &mut Session, checkout: Uuid, shop: &Shop<'_>) -> Turn {
    let t = session.texts();
    let Some(sent) = session
        .sent
        .iter_mut()
        .find(|s| s.checkout == checkout && s.refused == Some(CartBack::Kept))
    else {
        return Turn::say(Reply::text(t.button_stale()));
    };
    if sent.added {
        return Turn::say(Reply::text(t.cart_back_added_before()));
    }
    sent.added = true;
    let mut parsed = Parsed::default();
    for line in &sent.lines {
        match shop.item(&line.sku) {
            Some(item) if item.available => parsed.lines.push(ParsedLine {
                sku: line.sku.clone(),
                qty: line.qty,
                fragment: item.display_name(),
            }),
            Some(item) => parsed
                .unavailable
                .push((item.display_name(), item.display_name())),
            None => parsed
                .unavailable
                .push((line.sku.to_string(), line.sku.to_string())),
        }
    }
    add_parsed(session, parsed, shop)
}
