//! Checkout: pickup or delivery, address, phone, note, the summary to
//! confirm, and the confirmation that becomes a place (or update) command.
//! The checkout id travels in every button of one checkout, so a stale
//! button is recognised and a second Confirm sends nothing.

use chatorder_shared::commands::{LineRequest, PlaceOrder};
use chatorder_shared::domain::Fulfilment;
use chatorder_shared::limits::{MAX_ADDRESS_CHARS, MAX_NOTE_CHARS};
use uuid::Uuid;

use super::cart::{cart_total, priced_lines};
use super::replies::{Action, Keyboard, Reply, Turn};
use super::session::{Session, Stage};
use super::shop::Shop;
use crate::buttons::Button;
use crate::texts as t;

/// The address, typed while checkout waits for it. Without a phone number
/// yet, it asks for one before the summary.
pub(super) fn address(session: &mut Session, checkout: Uuid, text: &str, shop: &Shop<'_>) -> Turn {
    if text.is_empty() {
        return Turn::say(Reply::text(t::ask_address()));
    }
    if text.chars().count() > MAX_ADDRESS_CHARS {
        return Turn::say(Reply::text(t::address_too_long(MAX_ADDRESS_CHARS)));
    }
    if session.phone.is_none() {
        session.stage = Stage::Phone {
            checkout,
            address: text.to_owned(),
        };
        return ask_phone();
    }
    let fulfilment = Fulfilment::Delivery {
        address: text.to_owned(),
    };
    confirm_step(session, checkout, fulfilment, None, shop)
}

/// The "share my phone number" keyboard; typed text does not count as a number.
pub(super) fn ask_phone() -> Turn {
    Turn::say(Reply {
        text: t::ask_phone(),
        keyboard: Keyboard::RequestContact,
        edit: false,
    })
}

/// The note, typed while checkout waits for it; an empty one is no note.
pub(super) fn note(
    session: &mut Session,
    checkout: Uuid,
    fulfilment: Fulfilment,
    text: &str,
    shop: &Shop<'_>,
) -> Turn {
    if text.chars().count() > MAX_NOTE_CHARS {
        return Turn::say(Reply::text(t::note_too_long(MAX_NOTE_CHARS)));
    }
    let note = Some(text.to_owned()).filter(|n| !n.is_empty());
    confirm_step(session, checkout, fulfilment, note, shop)
}

/// The phone number shared with the contact button: delivery goes on to the summary.
pub(super) fn contact(session: &mut Session, phone: String, shop: &Shop<'_>) -> Turn {
    session.phone = Some(phone);
    let mut out = match session.stage.clone() {
        Stage::Phone { checkout, address } => confirm_step(
            session,
            checkout,
            Fulfilment::Delivery { address },
            None,
            shop,
        ),
        _ => Turn::default(),
    };
    out.actions.push(Action::Register);
    out
}

/// The Pickup or Delivery button of checkout `id`.
pub(super) fn fulfilment(session: &mut Session, id: Uuid, pickup: bool, shop: &Shop<'_>) -> Turn {
    let Some(checkout) = open_checkout(session, id) else {
        return Turn::say(Reply::text(t::checkout_expired()));
    };
    if pickup {
        confirm_step(session, checkout, Fulfilment::Pickup, None, shop)
    } else {
        session.stage = Stage::Address { checkout };
        Turn::say(Reply::text(t::ask_address()))
    }
}

/// The "add a note" button on the summary of checkout `id`.
pub(super) fn ask_note(session: &mut Session, id: Uuid) -> Turn {
    match &session.stage {
        Stage::Confirm {
            checkout,
            fulfilment,
            ..
        } if *checkout == id => {
            session.stage = Stage::Note {
                checkout: *checkout,
                fulfilment: fulfilment.clone(),
            };
            Turn::say(Reply::text(t::ask_note()))
        }
        _ => Turn::say(Reply::text(t::checkout_expired())),
    }
}

/// The Cancel button of checkout `id`: back to browsing, the cart kept.
pub(super) fn abandon(session: &mut Session, id: Uuid) -> Turn {
    if open_checkout(session, id).is_some() {
        session.stage = Stage::Browsing;
    }
    Turn::say(Reply::text(t::checkout_cancelled()).edit())
}

/// The checkout a button names, if it is the one in progress.
fn open_checkout(session: &Session, id: Uuid) -> Option<Uuid> {
    let current = match &session.stage {
        Stage::Browsing => return None,
        Stage::Fulfilment { checkout }
        | Stage::Address { checkout }
        | Stage::Phone { checkout, .. }
        | Stage::Note { checkout, .. }
        | Stage::Confirm { checkout, .. }
        | Stage::ConfirmEdit { checkout, .. } => *checkout,
    };
    (current == id).then_some(current)
}

pub(super) fn start_checkout(session: &mut Session, shop: &Shop<'_>) -> Turn {
    let (lines, _) = priced_lines(session, shop);
    if lines.is_empty() {
        return Turn::say(Reply::text(t::cart_empty()));
    }
    let checkout = Uuid::now_v7();
    if let Some(number) = session.editing {
        session.stage = Stage::ConfirmEdit { checkout, number };
        let text = t::confirm_edit(number, &lines, &shop.money(cart_total(session, shop)));
        return Turn::say(Reply::with(
            text,
            vec![vec![
                (t::BTN_CONFIRM_EDIT.into(), Button::Confirm(checkout).data()),
                (t::BTN_CANCEL.into(), Button::Abandon(checkout).data()),
            ]],
        ));
    }
    session.stage = Stage::Fulfilment { checkout };
    Turn::say(Reply::with(
        t::choose_fulfilment(),
        vec![vec![
            (t::BTN_PICKUP.into(), Button::Pickup(checkout).data()),
            (t::BTN_DELIVERY.into(), Button::Delivery(checkout).data()),
        ]],
    ))
}

fn confirm_step(
    session: &mut Session,
    checkout: Uuid,
    fulfilment: Fulfilment,
    note: Option<String>,
    shop: &Shop<'_>,
) -> Turn {
    let (lines, _) = priced_lines(session, shop);
    if lines.is_empty() {
        session.stage = Stage::Browsing;
        return Turn::say(Reply::text(t::cart_empty()));
    }
    let place = match &fulfilment {
        Fulfilment::Pickup => t::pickup(),
        Fulfilment::Delivery { address } => t::delivery_to(address),
    };
    let text = t::summary(
        &lines,
        &shop.money(cart_total(session, shop)),
        &place,
        note.as_deref(),
    );
    session.stage = Stage::Confirm {
        checkout,
        fulfilment,
        note,
    };
    Turn::say(Reply::with(
        text,
        vec![
            vec![(t::BTN_CONFIRM.into(), Button::Confirm(checkout).data())],
            vec![
                (t::BTN_NOTE.into(), Button::Note(checkout).data()),
                (t::BTN_CANCEL.into(), Button::Abandon(checkout).data()),
            ],
        ],
    ))
}

pub(super) fn confirm(session: &mut Session, id: Uuid, shop: &Shop<'_>) -> Turn {
    if session.last_checkout.is_some_and(|c| c == id) {
        return Turn::say(Reply::text(t::already_sent()));
    }
    let lines: Vec<LineRequest> = session
        .cart
        .iter()
        .map(|l| LineRequest {
            sku: l.sku.clone(),
            qty: l.qty,
        })
        .collect();
    if let Stage::ConfirmEdit { checkout, number } = session.stage
        && checkout == id
    {
        return Turn {
            replies: vec![Reply::text(t::sending()).edit()],
            actions: vec![Action::Update {
                id: checkout,
                number,
                lines,
            }],
        };
    }
    let Stage::Confirm {
        checkout,
        fulfilment,
        note,
    } = session.stage.clone()
    else {
        return Turn::say(Reply::text(t::checkout_expired()));
    };
    if checkout != id {
        return Turn::say(Reply::text(t::checkout_expired()));
    }
    let order = PlaceOrder {
        lines,
        fulfilment,
        note,
        phone: session.phone.clone(),
        payment: None,
    };
    if shop.payments {
        return super::payment::bill(session, checkout, order, shop);
    }
    Turn {
        replies: vec![Reply::text(t::sending()).edit()],
        actions: vec![Action::Place {
            id: checkout,
            order,
        }],
    }
}

/// After the place (or update) command is stored: the cart is spent.
pub fn placed(session: &mut Session, checkout: Uuid) {
    session.cart.clear();
    session.stage = Stage::Browsing;
    session.editing = None;
    session.last_checkout = Some(checkout);
    session.invoice = None;
}
