//! A refused order gives the customer their cart back: the basket they
//! confirmed is kept when the place command is sent, and the worker's
//! refusal of that command (closed, paused, an item gone, …) puts it back.
//!
//! The basket comes back only into an empty cart. A customer who has
//! started another cart since (or is changing an order) keeps that cart
//! untouched: merging would quietly grow what they are about to confirm.
//! They are told what the refused order held instead. Either way the
//! outcome is recorded with the basket, so a refusal delivered twice acts
//! once and says the same thing.

use uuid::Uuid;

use super::session::{CartBack, CartLine, SENT_CARTS, SentCart, Session, Stage};

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
