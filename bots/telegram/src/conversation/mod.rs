//! The customer conversation as a pure function: (session, input, catalog) →
//! replies and actions. No Telegram, NATS or Redis here; the handler loads
//! the session, calls [`handle`], performs the actions and saves the session.
//!
//! This module routes each input to the flow it belongs to: `menu`
//! (browsing with buttons), `cart` (adding and changing lines), `checkout`
//! (fulfilment, address, phone, note, confirm), `payment` (the invoice,
//! Telegram's pre-checkout question and the payment, when payments are
//! on), `past_orders` (`/edit` and "order again") and `refused` (the cart
//! back after a refused order). `session`, `shop` and `replies` hold what
//! they share.

mod cart;
mod checkout;
mod menu;
mod past_orders;
mod payment;
mod refused;
mod replies;
mod session;
mod shop;

use chatorder_shared::domain::{OrderNumber, Sku};

use crate::buttons::Button;
use crate::parse::{Choice, Prompt, Question, QuestionKind};

pub use cart::{Put, add_parsed, put};
pub use chatorder_shared::limits::{MAX_ADDRESS_CHARS, MAX_LINES, MAX_NOTE_CHARS, MAX_QTY};
pub use checkout::placed;
pub use past_orders::{edit_order, order_again, order_list, start_edit};
pub use payment::{Invoice, Paid, PreCheckout, payload, pre_checkout, prices};
pub use refused::refused;
pub use replies::{Action, Keyboard, Reply, Turn};
pub use session::{CartBack, CartLine, ChosenTime, SENT_CARTS, SentCart, Session, Stage};
pub use shop::{Closed, Shop};

/// What the customer did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Text(String),
    Button(String),
    /// Their own phone number, shared with the contact button.
    Contact(String),
    /// Telegram says an invoice of this bot was paid (`successful_payment`).
    Paid(Paid),
    /// Anything else (a sticker, a photo…).
    Other,
}

/// One step of the conversation.
pub fn handle(session: &mut Session, input: Input, shop: &Shop<'_>, first_name: &str) -> Turn {
    let t = session.texts();
    match input {
        Input::Text(text) => on_text(session, text.trim(), shop, first_name),
        Input::Button(data) => on_button(session, &data, shop),
        Input::Contact(phone) => checkout::contact(session, phone, shop),
        Input::Paid(paid) => payment::paid(session, paid),
        Input::Other => Turn::say(Reply::text(t.not_text())),
    }
}

fn on_text(session: &mut Session, text: &str, shop: &Shop<'_>, first_name: &str) -> Turn {
    let t = session.texts();
    if let Some(command) = text.strip_prefix('/') {
        return on_command(session, command, shop, first_name);
    }
    match session.stage.clone() {
        Stage::Address { checkout } => checkout::address(session, checkout, text, shop),
        Stage::Note {
            checkout,
            fulfilment,
        } => checkout::note(session, checkout, fulfilment, text, shop),
        Stage::Phone { .. } => checkout::ask_phone(t),
        _ if text.chars().count() > crate::parse::MAX_MESSAGE_CHARS => {
            Turn::say(Reply::text(t.too_long()))
        }
        _ => add_parsed(session, shop.matcher.parse(text), shop),
    }
}

fn on_command(session: &mut Session, command: &str, shop: &Shop<'_>, first_name: &str) -> Turn {
    let t = session.texts();
    let mut parts = command.splitn(3, char::is_whitespace);
    // `/status@chatorder_bot 12` in groups: drop the bot name.
    let name = parts
        .next()
        .unwrap_or_default()
        .split('@')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let arg = parts.next().map(str::trim).unwrap_or_default();
    let rest = parts.next().map(str::trim).unwrap_or_default();
    let number = || {
        arg.trim_start_matches('#')
            .parse::<u64>()
            .ok()
            .map(OrderNumber)
    };
    match name.as_str() {
        "start" => Turn {
            replies: vec![Reply::text(t.welcome(first_name, shop.name))],
            actions: vec![Action::Register],
        },
        "help" => Turn::say(Reply::text(t.help())),
        "menu" => Turn::say(menu::menu(shop, t)),
        "cart" => Turn::say(cart::cart_view(session, shop)),
        "checkout" => checkout::start_checkout(session, shop),
        "promo" => checkout::promo(session, arg, shop),
        "orders" => Turn::act(Action::ShowOrders),
        "status" => match number() {
            Some(n) => Turn::act(Action::ShowStatus(n)),
            None => Turn::say(Reply::text(t.usage_status())),
        },
        "cancel" => match number() {
            Some(n) => Turn {
                replies: vec![Reply::text(t.cancel_requested(n))],
                actions: vec![Action::Cancel(n)],
            },
            None => Turn::say(Reply::text(t.usage_cancel())),
        },
        "edit" => match number() {
            Some(n) => Turn::act(Action::Edit(n)),
            None => Turn::say(Reply::text(t.usage_edit())),
        },
        "msg" => match number() {
            Some(n) if !rest.is_empty() => Turn::act(Action::Message(n, rest.to_owned())),
            _ => Turn::say(Reply::text(t.usage_msg())),
        },
        _ => Turn::say(Reply::text(t.unknown_command())),
    }
}

/// Button data is never trusted: [`Button::parse`] reads it exactly, the
/// conversation checks it against the session, and a stale or forged button
/// only gets "no longer valid".
fn on_button(session: &mut Session, data: &str, shop: &Shop<'_>) -> Turn {
    let t = session.texts();
    let Some(button) = Button::parse(data) else {
        return Turn::say(Reply::text(t.button_stale()));
    };
    match &button {
        Button::Menu => Turn::say(menu::menu(shop, t).edit()),
        Button::Category(i) => Turn::say(menu::open_category(shop, t, *i)),
        Button::Name(i) => Turn::say(menu::open_item(shop, t, *i)),
        Button::Add { sku, qty } | Button::AnySize { sku, qty } => {
            let size_known = matches!(button, Button::Add { .. });
            let q = question(sku.clone(), *qty, QuestionKind::Item { size_known });
            let parsed = shop.matcher.answer(&q, sku);
            add_parsed(session, parsed, shop)
        }
        Button::Change { sku, delta } => cart::change_qty(session, sku, *delta, shop),
        Button::Clear => cart::clear(session, shop),
        Button::Checkout => checkout::start_checkout(session, shop),
        Button::At { checkout, minute } => checkout::time(session, *checkout, *minute, shop),
        Button::Pickup(id) => checkout::fulfilment(session, *id, true, shop),
        Button::Delivery(id) => checkout::fulfilment(session, *id, false, shop),
        Button::Note(id) => checkout::ask_note(session, *id),
        Button::Confirm(id) => checkout::confirm(session, *id, shop),
        Button::Abandon(id) => checkout::abandon(session, *id),
        Button::Reorder(n) => Turn::act(Action::Reorder(*n)),
        Button::CartBack(id) => refused::add_back(session, *id, shop),
    }
}

fn question(sku: Sku, qty: u32, kind: QuestionKind) -> Question {
    Question {
        fragment: String::new(),
        qty,
        prompt: Prompt::WhichOne {
            fragment: String::new(),
        },
        options: vec![(
            sku,
            Choice::Sizes {
                name: String::new(),
                sizes: Vec::new(),
            },
        )],
        kind,
    }
}

#[cfg(test)]
mod tests;
