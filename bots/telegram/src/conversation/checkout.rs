//! Checkout: pickup or delivery, address, phone, note, the summary to
//! confirm, and the confirmation that becomes a place (or update) command.
//! The checkout id travels in every button of one checkout, so a stale
//! button is recognised and a second Confirm sends nothing.

use chatorder_shared::commands::{LineRequest, PlaceOrder};
use chatorder_shared::domain::Fulfilment;
use chatorder_shared::limits::{MAX_ADDRESS_CHARS, MAX_NOTE_CHARS};
use chatorder_shared::promo::PromoCode;
use uuid::Uuid;

use super::cart::{cart_total, priced_lines};
use super::replies::{Action, Keyboard, Reply, Turn};
use super::session::{CartLine, Session, Stage};
use super::shop::Shop;
use crate::buttons::Button;
use crate::texts::Texts;

/// The address, typed while checkout waits for it. Without a phone number
/// yet, it asks for one before the summary.
pub(super) fn address(session: &mut Session, checkout: Uuid, text: &str, shop: &Shop<'_>) -> Turn {
    let t = session.texts();
    if text.is_empty() {
        return Turn::say(Reply::text(t.ask_address()));
    }
    if text.chars().count() > MAX_ADDRESS_CHARS {
        return Turn::say(Reply::text(t.address_too_long(MAX_ADDRESS_CHARS)));
    }
    if session.phone.is_none() {
        session.stage = Stage::Phone {
            checkout,
            address: text.to_owned(),
        };
        return ask_phone(t);
    }
    let fulfilment = Fulfilment::Delivery {
        address: text.to_owned(),
    };
    confirm_step(session, checkout, fulfilment, None, shop)
}

/// The "share my phone number" keyboard; typed text does not count as a number.
pub(super) fn ask_phone(t: &dyn Texts) -> Turn {
    Turn::say(Reply {
        text: t.ask_phone(),
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
    let t = session.texts();
    if text.chars().count() > MAX_NOTE_CHARS {
        return Turn::say(Reply::text(t.note_too_long(MAX_NOTE_CHARS)));
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
    let t = session.texts();
    let Some(checkout) = open_checkout(session, id) else {
        return Turn::say(Reply::text(t.checkout_expired()));
    };
    if pickup {
        confirm_step(session, checkout, Fulfilment::Pickup, None, shop)
    } else {
        session.stage = Stage::Address { checkout };
        Turn::say(Reply::text(t.ask_address()))
    }
}

/// The "add a note" button on the summary of checkout `id`.
pub(super) fn ask_note(session: &mut Session, id: Uuid) -> Turn {
    let t = session.texts();
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
            Turn::say(Reply::text(t.ask_note()))
        }
        _ => Turn::say(Reply::text(t.checkout_expired())),
    }
}

/// The Cancel button of checkout `id`: back to browsing, the cart kept.
pub(super) fn abandon(session: &mut Session, id: Uuid) -> Turn {
    let t = session.texts();
    if open_checkout(session, id).is_some() {
        session.stage = Stage::Browsing;
        session.time = None;
    }
    Turn::say(Reply::text(t.checkout_cancelled()).edit())
}

/// The checkout a button names, if it is the one in progress.
fn open_checkout(session: &Session, id: Uuid) -> Option<Uuid> {
    let current = match &session.stage {
        Stage::Browsing => return None,
        Stage::Time { checkout }
        | Stage::Fulfilment { checkout }
        | Stage::Address { checkout }
        | Stage::Phone { checkout, .. }
        | Stage::Note { checkout, .. }
        | Stage::Confirm { checkout, .. }
        | Stage::ConfirmEdit { checkout, .. } => *checkout,
    };
    (current == id).then_some(current)
}

/// `/checkout` or the Checkout button. While the shop's hours keep it
/// closed the customer is told when it opens and chooses a time in that
/// opening to have the order ready; with no time to offer (nothing
/// opens, or an order being changed) they are told first and may go on:
/// the worker decides.
pub(super) fn start_checkout(session: &mut Session, shop: &Shop<'_>) -> Turn {
    if let Some(closed) = shop.closed.as_ref().filter(|c| !c.slots.is_empty())
        && session.editing.is_none()
    {
        return choose_time(session, closed, shop);
    }
    let mut out = checkout_turn(session, shop);
    if let Some(warning) = shop.closed_warning(session.texts()) {
        out.replies.insert(0, Reply::text(warning));
    }
    out
}

/// How many time buttons go on one row.
const TIMES_PER_ROW: usize = 4;

/// Closed: "we open …; when should it be ready?" with a button per time.
fn choose_time(session: &mut Session, closed: &super::Closed, shop: &Shop<'_>) -> Turn {
    let t = session.texts();
    let (lines, _) = priced_lines(session, shop);
    if lines.is_empty() {
        return Turn::say(Reply::text(t.cart_empty()));
    }
    let checkout = session.fresh_id("checkout");
    session.stage = Stage::Time { checkout };
    session.time = None;
    let mut rows: Vec<Vec<(String, String)>> = closed
        .slots
        .chunks(TIMES_PER_ROW)
        .map(|row| {
            row.iter()
                .map(|at| {
                    let minute = at.timestamp().div_euclid(60);
                    (
                        t.clock(*at, shop.time_zone),
                        Button::At { checkout, minute }.data(),
                    )
                })
                .collect()
        })
        .collect();
    rows.push(vec![(t.btn_cancel(), Button::Abandon(checkout).data())]);
    let text = t.choose_time(&t.closed_now(closed.opens_at, closed.now, shop.time_zone));
    Turn::say(Reply::with(text, rows))
}

/// A time button of checkout `id`: the order is for then; pickup or
/// delivery next. The worker checks the time (a forged one is refused).
pub(super) fn time(session: &mut Session, id: Uuid, minute: i64, shop: &Shop<'_>) -> Turn {
    let t = session.texts();
    let at = minute
        .checked_mul(60)
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0));
    let (Stage::Time { checkout }, Some(at)) = (&session.stage, at) else {
        return Turn::say(Reply::text(t.checkout_expired()));
    };
    if *checkout != id {
        return Turn::say(Reply::text(t.checkout_expired()));
    }
    session.time = Some(super::ChosenTime { checkout: id, at });
    session.stage = Stage::Fulfilment { checkout: id };
    let now = shop
        .closed
        .as_ref()
        .map_or_else(chrono::Utc::now, |c| c.now);
    Turn::say(
        Reply::with(
            t.time_chosen(&t.when(at, now, shop.time_zone)),
            vec![vec![
                (t.btn_pickup(), Button::Pickup(id).data()),
                (t.btn_delivery(), Button::Delivery(id).data()),
            ]],
        )
        .edit(),
    )
}

fn checkout_turn(session: &mut Session, shop: &Shop<'_>) -> Turn {
    let t = session.texts();
    let (lines, _) = priced_lines(session, shop);
    if lines.is_empty() {
        return Turn::say(Reply::text(t.cart_empty()));
    }
    let checkout = session.fresh_id("checkout");
    if let Some(number) = session.editing {
        session.stage = Stage::ConfirmEdit { checkout, number };
        let text = t.confirm_edit(
            number,
            &lines,
            &t.money(cart_total(session, shop), shop.currency),
        );
        return Turn::say(Reply::with(
            text,
            vec![vec![
                (t.btn_confirm_edit(), Button::Confirm(checkout).data()),
                (t.btn_cancel(), Button::Abandon(checkout).data()),
            ]],
        ));
    }
    session.stage = Stage::Fulfilment { checkout };
    Turn::say(Reply::with(
        t.choose_fulfilment(),
        vec![vec![
            (t.btn_pickup(), Button::Pickup(checkout).data()),
            (t.btn_delivery(), Button::Delivery(checkout).data()),
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
    let t = session.texts();
    let (lines, _) = priced_lines(session, shop);
    if lines.is_empty() {
        session.stage = Stage::Browsing;
        return Turn::say(Reply::text(t.cart_empty()));
    }
    let mut place = match &fulfilment {
        Fulfilment::Pickup => t.pickup(),
        Fulfilment::Delivery { address } => t.delivery_to(address),
    };
    if let Some(at) = session.time_for(checkout) {
        place = format!("{place}\n{}", t.ready_for(&t.day_time(at, shop.time_zone)));
    }
    let text = t.summary(
        &lines,
        &t.money(cart_total(session, shop), shop.currency),
        &place,
        note.as_deref(),
        session.promo.as_ref(),
    );
    session.stage = Stage::Confirm {
        checkout,
        fulfilment,
        note,
    };
    Turn::say(Reply::with(
        text,
        vec![
            vec![(t.btn_confirm(), Button::Confirm(checkout).data())],
            vec![
                (t.btn_note(), Button::Note(checkout).data()),
                (t.btn_cancel(), Button::Abandon(checkout).data()),
            ],
        ],
    ))
}

pub(super) fn confirm(session: &mut Session, id: Uuid, shop: &Shop<'_>) -> Turn {
    let t = session.texts();
    if session.last_checkout.is_some_and(|c| c == id) {
        return Turn::say(Reply::text(t.already_sent()));
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
            replies: vec![Reply::text(t.sending()).edit()],
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
        return Turn::say(Reply::text(t.checkout_expired()));
    };
    if checkout != id {
        return Turn::say(Reply::text(t.checkout_expired()));
    }
    let order = PlaceOrder {
        lines,
        fulfilment,
        note,
        phone: session.phone.clone(),
        promo: session.promo.clone(),
        payment: None,
        scheduled_for: session.time_for(checkout),
    };
    if shop.payments {
        return super::payment::bill(session, checkout, order, shop);
    }
    Turn {
        replies: vec![Reply::text(t.sending()).edit()],
        actions: vec![Action::Place {
            id: checkout,
            order,
        }],
    }
}

/// `/promo CODE`: the code goes with the next order (the shop checks it
/// and works out the discount when the order is confirmed); `/promo off`
/// takes it away. On the summary, the summary is shown again with it.
pub(super) fn promo(session: &mut Session, arg: &str, shop: &Shop<'_>) -> Turn {
    let t = session.texts();
    let said = match arg.to_ascii_lowercase().as_str() {
        "" => {
            return Turn::say(Reply::text(match &session.promo {
                Some(code) => t.promo_current(code),
                None => t.usage_promo(),
            }));
        }
        "off" | "none" | "remove" => {
            session.promo = None;
            t.promo_removed()
        }
        _ => match PromoCode::parse(arg) {
            Ok(code) => {
                let said = t.promo_noted(&code);
                session.promo = Some(code);
                said
            }
            Err(_) => return Turn::say(Reply::text(t.not_a_promo_code())),
        },
    };
    let mut out = Turn::say(Reply::text(said));
    if let Stage::Confirm {
        checkout,
        fulfilment,
        note,
    } = session.stage.clone()
    {
        out.replies
            .extend(confirm_step(session, checkout, fulfilment, note, shop).replies);
    }
    out
}

/// After the place (or update) command of checkout `checkout` is stored
/// (the shell calls this in the update that confirmed it): the cart is
/// spent. `new_order` is a place command's lines (`None` for an update):
/// they are kept in case the worker refuses the order, exactly as the
/// command carried them, whatever the cart holds by the time this runs.
pub fn placed(session: &mut Session, checkout: Uuid, new_order: Option<&[LineRequest]>) {
    // The promo code went with a new order (an edit keeps the order's own).
    if session.editing.is_none() {
        session.promo = None;
    }
    session.cart.clear();
    if let Some(lines) = new_order {
        let basket = lines
            .iter()
            .map(|l| CartLine {
                sku: l.sku.clone(),
                qty: l.qty,
            })
            .collect();
        super::refused::remember(session, checkout, basket);
    }
    session.stage = Stage::Browsing;
    session.editing = None;
    session.last_checkout = Some(checkout);
    session.invoice = None;
    session.time = None;
}
