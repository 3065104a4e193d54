//! `telegram_update`: the customer bot's conversation, the pure part of its
//! update handler (`chatorder_telegram::conversation::handle`: session +
//! message text / callback data / contact → replies, actions, next session),
//! driven through whole conversations from arbitrary sessions.
//!
//! The input is a small script, so seeds read like real chats:
//!
//! ```text
//! <session line>
//! T 2 large hawaiian and a coke      a message (`\n` in it is a line break)
//! B q:hawaiian_l:-1                  a button press with this callback data
//! P 0                                press a button the last reply showed (n mod count)
//! H 3                                press the 3rd most recent button shown so far
//! C +1 555 0100                      the customer shared their phone number
//! O                                  a sticker or photo
//! placed                             the shell published the place/update of the step before
//! refused 1                          the worker refused a sent order (n mod the kept ones)
//! E 1042                             the shell loaded pending order 1042 into the cart (/edit)
//! drop 7                             the shop removed catalog item 7 (mod count)
//! ```
//!
//! The session line is the session as the bot stores it in NATS (JSON; what
//! does not parse is an empty session, as `Store::load` does), or, when it
//! does not start with `{`, a session built by `arbitrary` from its bytes.
//! Any other line is read as a message. At most [`MAX_STEPS`] steps run.
//!
//! Invariants, at every step (those about the session only when the first
//! session kept them, as every session the bot itself writes does):
//! - it never panics;
//! - replies have text; every button has a label and callback data of 1 to
//!   64 bytes (Telegram's limit);
//! - pressing a button the bot just showed is never answered "no longer
//!   valid", "the menu has changed" or "checkout expired";
//! - the cart holds each item once, 1 to `MAX_QTY` of it; a checkout stage
//!   always has a non-empty cart; delivery addresses and notes are within
//!   their limits; only the edit checkout runs while an order is being edited;
//! - a place or update action carries exactly the cart of the summary the
//!   customer confirmed (so never an empty one), for the checkout they
//!   confirmed; a place action never happens while an order is being edited,
//!   an update only for the order being edited;
//! - a place action carries the promo code the session holds (`/promo CODE`),
//!   a code always in its valid form, and once that order is placed the
//!   session holds none (a code goes with one order);
//! - a message action carries non-empty text;
//! - a refused order gives back exactly the cart of the summary confirmed,
//!   only into an empty cart outside checkout and edits, and leaves any
//!   other cart as it was; refused twice, it does nothing more;
//! - a basket left aside that way comes with a button (shown like any
//!   other, so `P`/`H` press it): its first press adds the basket's lines
//!   still on the menu to the cart as [`conversation::put`] would, and
//!   changes nothing else in the cart; later presses change nothing.
//!
//! `placed` acts only right after the step whose place or update action it
//! publishes: the shell publishes in the same update, under the session's
//! lock, so no other input comes between (a `placed` after anything else
//! does nothing).

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use arbitrary::{Arbitrary, Unstructured};
use chatorder_shared::commands::LineRequest;
use chatorder_shared::domain::{Currency, Fulfilment, OrderNumber, Sku};
use chatorder_shared::events::CatalogItem;
use chatorder_shared::promo::PromoCode;
use chatorder_telegram::buttons::Button;
use chatorder_telegram::conversation::{
    self, Action, CartBack, CartLine, Input, Keyboard, MAX_ADDRESS_CHARS, MAX_NOTE_CHARS, MAX_QTY,
    Session, Shop, Stage, Turn,
};
use chatorder_telegram::parse::Matcher;
use chatorder_telegram::texts::Lang;
use uuid::Uuid;

use crate::catalogs;

/// Steps per input: bounds the work of one run.
pub const MAX_STEPS: usize = 48;

struct Base {
    items: Vec<CatalogItem>,
    matcher: Matcher,
}

static BASE: LazyLock<Base> = LazyLock::new(|| {
    let items = catalogs::pizzeria();
    Base {
        matcher: Matcher::new(&items),
        items,
    }
});

/// The checkout id an `arbitrary` session uses for `n`: few and predictable,
/// so scripts can name them (`0190…00n`).
pub fn checkout_id(n: u8) -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | u128::from(n))
}

#[derive(Debug, Arbitrary)]
struct ArbLine {
    /// Index into the catalog; past its end, an item the shop no longer has.
    item: u16,
    qty: u8,
}

#[derive(Debug, Arbitrary)]
enum ArbFulfilment {
    Pickup,
    Delivery(String),
}

#[derive(Debug, Arbitrary)]
enum ArbStage {
    Browsing,
    Fulfilment(u8),
    Address(u8),
    Phone(u8, String),
    Note(u8, ArbFulfilment),
    Confirm(u8, ArbFulfilment, Option<String>),
    ConfirmEdit(u8, u64),
}

/// A session as the bot could have written it: wrapper types, so the
/// production crate needs no `arbitrary` derives.
#[derive(Debug, Arbitrary)]
struct ArbSession {
    cart: Vec<ArbLine>,
    stage: ArbStage,
    phone: Option<String>,
    last_checkout: Option<u8>,
    editing: Option<u64>,
    promo: Option<String>,
    /// The customer's client speaks Spanish.
    spanish: bool,
}

fn clip(s: &str, max: usize, fallback: &str) -> String {
    let s: String = s.trim().chars().take(max).collect();
    let s = s.trim();
    if s.is_empty() {
        fallback.to_owned()
    } else {
        s.to_owned()
    }
}

fn fulfilment(f: &ArbFulfilment) -> Fulfilment {
    match f {
        ArbFulfilment::Pickup => Fulfilment::Pickup,
        ArbFulfilment::Delivery(a) => Fulfilment::Delivery {
            address: clip(a, MAX_ADDRESS_CHARS, "1 Main Street"),
        },
    }
}

impl ArbSession {
    fn build(&self, items: &[CatalogItem]) -> Session {
        let mut cart: Vec<CartLine> = Vec::new();
        for line in &self.cart {
            let sku = match items.get(usize::from(line.item)) {
                Some(item) => item.sku.clone(),
                None => Sku::parse(&format!("gone-{}", line.item)).expect("valid sku"),
            };
            if cart.iter().all(|l| l.sku != sku) {
                cart.push(CartLine {
                    sku,
                    qty: 1 + u32::from(line.qty) % MAX_QTY,
                });
            }
        }
        let mut editing = self.editing.map(OrderNumber);
        let stage = match &self.stage {
            _ if cart.is_empty() => Stage::Browsing,
            ArbStage::Browsing => Stage::Browsing,
            ArbStage::ConfirmEdit(c, n) => {
                editing = Some(OrderNumber(*n));
                Stage::ConfirmEdit {
                    checkout: checkout_id(*c),
                    number: OrderNumber(*n),
                }
            }
            // Only the edit checkout runs while an order is being edited.
            _ if editing.is_some() => Stage::Browsing,
            ArbStage::Fulfilment(c) => Stage::Fulfilment {
                checkout: checkout_id(*c),
            },
            ArbStage::Address(c) => Stage::Address {
                checkout: checkout_id(*c),
            },
            ArbStage::Phone(c, address) => Stage::Phone {
                checkout: checkout_id(*c),
                address: clip(address, MAX_ADDRESS_CHARS, "1 Main Street"),
            },
            ArbStage::Note(c, f) => Stage::Note {
                checkout: checkout_id(*c),
                fulfilment: fulfilment(f),
            },
            ArbStage::Confirm(c, f, note) => Stage::Confirm {
                checkout: checkout_id(*c),
                fulfilment: fulfilment(f),
                note: note
                    .as_deref()
                    .map(|n| clip(n, MAX_NOTE_CHARS, "ring twice")),
            },
        };
        Session {
            cart,
            stage,
            phone: self.phone.as_deref().map(|p| p.chars().take(32).collect()),
            last_checkout: self.last_checkout.map(checkout_id),
            editing,
            recent_updates: Vec::new(),
            sent: Vec::new(),
            promo: self.promo.as_deref().and_then(|c| PromoCode::parse(c).ok()),
            lang: if self.spanish { Lang::Es } else { Lang::En },
            // Payments are off in the model: no bill is ever open.
            invoice: None,
            seed: None,
            // The model's shop is always open: no time is ever chosen.
            time: None,
        }
    }
}

/// The session a script starts from.
fn first_session(line: &str) -> Session {
    if line.trim_start().starts_with('{') {
        // What `Store::load` does with what the sessions bucket holds.
        serde_json::from_str(line).unwrap_or_default()
    } else {
        let mut u = Unstructured::new(line.as_bytes());
        ArbSession::arbitrary(&mut u)
            .map(|s| s.build(&BASE.items))
            .unwrap_or_default()
    }
}

/// The session invariants; `Err` says which one broke.
pub fn session_ok(s: &Session) -> Result<(), String> {
    lines_ok(&s.cart)?;
    for sent in &s.sent {
        if sent.lines.is_empty() {
            return Err(format!("an empty basket sent as {}", sent.checkout));
        }
        lines_ok(&sent.lines)?;
    }
    if s.stage != Stage::Browsing && s.cart.is_empty() {
        return Err(format!("checkout stage {:?} with an empty cart", s.stage));
    }
    let address_ok = |a: &str| !a.trim().is_empty() && a.chars().count() <= MAX_ADDRESS_CHARS;
    let fulfilment_ok = |f: &Fulfilment| f.address().is_none_or(address_ok);
    let ok = match &s.stage {
        Stage::Browsing | Stage::Time { .. } | Stage::Fulfilment { .. } | Stage::Address { .. } => {
            true
        }
        Stage::Phone { address, .. } => address_ok(address),
        Stage::Note { fulfilment, .. } => fulfilment_ok(fulfilment),
        Stage::Confirm {
            fulfilment, note, ..
        } => {
            fulfilment_ok(fulfilment)
                && note
                    .as_deref()
                    .is_none_or(|n| !n.is_empty() && n.chars().count() <= MAX_NOTE_CHARS)
        }
        Stage::ConfirmEdit { number, .. } => s.editing == Some(*number),
    };
    if !ok {
        return Err(format!("bad stage {:?}", s.stage));
    }
    if s.editing.is_some() && !matches!(s.stage, Stage::Browsing | Stage::ConfirmEdit { .. }) {
        return Err(format!(
            "stage {:?} while editing order {:?}",
            s.stage, s.editing
        ));
    }
    Ok(())
}

/// A cart (or a basket sent) holds each item once, 1 to `MAX_QTY` of it.
fn lines_ok(lines: &[CartLine]) -> Result<(), String> {
    for (i, line) in lines.iter().enumerate() {
        if !(1..=MAX_QTY).contains(&line.qty) {
            return Err(format!("cart line {} × {}", line.qty, line.sku));
        }
        if lines[..i].iter().any(|l| l.sku == line.sku) {
            return Err(format!("`{}` twice in the cart", line.sku));
        }
    }
    Ok(())
}

fn checkout_of(stage: &Stage) -> Option<Uuid> {
    match stage {
        Stage::Browsing => None,
        Stage::Time { checkout }
        | Stage::Fulfilment { checkout }
        | Stage::Address { checkout }
        | Stage::Phone { checkout, .. }
        | Stage::Note { checkout, .. }
        | Stage::Confirm { checkout, .. }
        | Stage::ConfirmEdit { checkout, .. } => Some(*checkout),
    }
}

fn buttons(out: &Turn) -> Vec<String> {
    out.replies
        .iter()
        .flat_map(|r| match &r.keyboard {
            Keyboard::Inline(rows) => rows.iter().flatten().map(|(_, d)| d.clone()).collect(),
            Keyboard::None | Keyboard::RequestContact => Vec::new(),
        })
        .collect()
}

/// One conversation being replayed.
struct Run {
    items: Vec<CatalogItem>,
    /// `None` while the catalog is the base one.
    matcher: Option<Matcher>,
    session: Session,
    /// Whether the first session kept the session invariants.
    valid: bool,
    /// Every button shown, oldest first.
    shown: Vec<String>,
    /// The buttons of the last step's replies.
    fresh: Vec<String>,
    /// The cart each confirm button was shown with, by checkout.
    summaries: HashMap<Uuid, Vec<CartLine>>,
    /// The place/update action of the last step (its checkout, and a new
    /// order's lines), for `placed`.
    sent: Option<(Uuid, Option<Vec<LineRequest>>)>,
    /// The new orders this run published (by checkout).
    published: HashSet<Uuid>,
}

fn shop<'a>(items: &'a [CatalogItem], matcher: Option<&'a Matcher>) -> Shop<'a> {
    Shop {
        name: "Fuzz Pizza",
        currency: items
            .first()
            .map_or_else(|| Currency::parse("USD").expect("code"), |i| i.currency),
        catalog: items,
        matcher: matcher.unwrap_or(&BASE.matcher),
        time_zone: chatorder_shared::hours::Tz::Europe__Madrid,
        closed: None,
        payments: false,
    }
}

impl Run {
    fn step(&mut self, line: &str) {
        // Only the step right after an action can publish it.
        let sent = self.sent.take();
        let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
        let number = || rest.trim().parse::<u64>().unwrap_or(0);
        let input = match word {
            "T" => Input::Text(rest.replace("\\n", "\n")),
            "B" => Input::Button(rest.to_owned()),
            "C" => Input::Contact(rest.chars().take(32).collect()),
            "O" if rest.is_empty() => Input::Other,
            "P" | "H" => {
                let pool: &[String] = if word == "P" && !self.fresh.is_empty() {
                    &self.fresh
                } else {
                    &self.shown
                };
                let Some(len) = std::num::NonZeroUsize::new(pool.len()) else {
                    return;
                };
                let i = usize::try_from(number() % len.get() as u64).unwrap_or(0);
                let data = if word == "P" {
                    pool[i].clone()
                } else {
                    pool[pool.len() - 1 - i].clone()
                };
                let fresh = self.fresh.contains(&data);
                return self.handle(Input::Button(data), fresh);
            }
            "placed" => {
                if let Some((id, new_order)) = sent {
                    conversation::placed(&mut self.session, id, new_order.as_deref());
                    if new_order.is_some() {
                        self.published.insert(id);
                        assert!(
                            self.session.promo.is_none(),
                            "a promo code outlived the order it went with: {:?}",
                            self.session
                        );
                    }
                }
                self.fresh.clear();
                return self.check_session("placed");
            }
            "refused" => {
                let kept = self.session.sent.len();
                if let Some(n) = kept.checked_sub(1) {
                    let i = usize::try_from(number() % (n as u64 + 1)).unwrap_or(0);
                    let id = self.session.sent[i].checkout;
                    self.refuse(id);
                }
                self.fresh.clear();
                return self.check_session("refused");
            }
            "E" => {
                let lines = self.session.cart.clone();
                conversation::start_edit(&mut self.session, OrderNumber(number()), lines);
                self.fresh.clear();
                return self.check_session("start_edit");
            }
            "drop" => {
                if !self.items.is_empty() {
                    let i = usize::try_from(number() % self.items.len() as u64).unwrap_or(0);
                    self.items.remove(i);
                    self.matcher = Some(Matcher::new(&self.items));
                }
                self.fresh.clear();
                return;
            }
            _ => Input::Text(line.replace("\\n", "\n")),
        };
        self.handle(input, false);
    }

    fn handle(&mut self, input: Input, pressing_fresh: bool) {
        let before = self.session.clone();
        let what = format!("{input:?}");
        let pressed = match &input {
            Input::Button(data) => Some(data.clone()),
            _ => None,
        };
        let shop = shop(&self.items, self.matcher.as_ref());
        let out = conversation::handle(&mut self.session, input, &shop, "Ada");
        let ctx = || format!("after {what} from {before:?}");

        for reply in &out.replies {
            assert!(!reply.text.is_empty(), "a reply without text, {}", ctx());
            if let Keyboard::Inline(rows) = &reply.keyboard {
                for (label, data) in rows.iter().flatten() {
                    assert!(!label.is_empty(), "a button without a label, {}", ctx());
                    assert!(
                        (1..=64).contains(&data.len()),
                        "callback data {data:?} is {} bytes, {}",
                        data.len(),
                        ctx()
                    );
                }
            }
            if pressing_fresh {
                let t = self.session.texts();
                for stale in [t.button_stale(), t.menu_stale(), t.checkout_expired()] {
                    assert_ne!(
                        reply.text,
                        stale,
                        "a button the bot had just shown was refused, {}",
                        ctx()
                    );
                }
            }
        }

        for action in &out.actions {
            self.check_action(action, &before, &ctx);
        }
        if let Some(Button::CartBack(id)) = pressed.as_deref().and_then(Button::parse) {
            self.check_cart_back(id, &before, &ctx);
        }

        let shown = buttons(&out);
        for data in &shown {
            if let Some(id) = data.strip_prefix("ok:") {
                // The summary the customer confirms with this button.
                if let Some(checkout) = checkout_of(&self.session.stage)
                    && checkout.simple().to_string() == id
                {
                    self.summaries.insert(checkout, self.session.cart.clone());
                }
            }
        }
        self.shown.extend(shown.iter().cloned());
        self.fresh = shown;
        self.check_session(&what);
    }

    fn check_action(&mut self, action: &Action, before: &Session, ctx: &dyn Fn() -> String) {
        let lines_ok = |checkout: &Uuid, lines: &[LineRequest]| {
            assert!(!lines.is_empty(), "an order with no lines, {}", ctx());
            for l in lines {
                assert!(
                    (1..=MAX_QTY).contains(&l.qty) || !self.valid,
                    "{} × {} sent, {}",
                    l.qty,
                    l.sku,
                    ctx()
                );
            }
            if let Some(summary) = self.summaries.get(checkout) {
                let sent: Vec<(&Sku, u32)> = lines.iter().map(|l| (&l.sku, l.qty)).collect();
                let shown: Vec<(&Sku, u32)> = summary.iter().map(|l| (&l.sku, l.qty)).collect();
                assert_eq!(
                    sent,
                    shown,
                    "the order sent is not the summary confirmed, {}",
                    ctx()
                );
            }
        };
        match action {
            Action::Place { id, order } => {
                assert_eq!(
                    checkout_of(&before.stage),
                    Some(*id),
                    "placed another checkout, {}",
                    ctx()
                );
                if self.valid {
                    assert!(
                        before.editing.is_none(),
                        "placed a new order while editing {:?}, {}",
                        before.editing,
                        ctx()
                    );
                    lines_ok(id, &order.lines);
                    if let Fulfilment::Delivery { address } = &order.fulfilment {
                        assert!(!address.trim().is_empty(), "no address, {}", ctx());
                        assert!(address.chars().count() <= MAX_ADDRESS_CHARS);
                    }
                    if let Some(note) = &order.note {
                        assert!(note.chars().count() <= MAX_NOTE_CHARS);
                    }
                }
                assert_eq!(order.phone, before.phone);
                assert_eq!(
                    order.promo,
                    before.promo,
                    "the order's promo code is not the session's, {}",
                    ctx()
                );
                if let Some(code) = &order.promo {
                    assert_eq!(PromoCode::parse(code.as_str()).as_ref(), Ok(code));
                }
                self.sent = Some((*id, Some(order.lines.clone())));
            }
            Action::Update { id, number, lines } => {
                assert_eq!(
                    checkout_of(&before.stage),
                    Some(*id),
                    "updated from another checkout, {}",
                    ctx()
                );
                if self.valid {
                    assert_eq!(
                        before.editing,
                        Some(*number),
                        "updated an order not being edited, {}",
                        ctx()
                    );
                    lines_ok(id, lines);
                }
                self.sent = Some((*id, None));
            }
            Action::Message(_, text) => {
                assert!(!text.trim().is_empty(), "an empty message, {}", ctx());
            }
            // The model runs with payments off (no provider token): a bill
            // is never sent, and checkout places orders as it always did.
            Action::Invoice { id, .. } => {
                panic!("an invoice for checkout {id} with payments off, {}", ctx())
            }
            Action::Register
            | Action::Edit(_)
            | Action::Cancel(_)
            | Action::ShowOrders
            | Action::ShowStatus(_)
            | Action::Reorder(_) => {}
        }
    }

    /// The worker refused new order `id`: the basket comes back whole into
    /// an empty cart, or not at all; a second refusal changes nothing.
    fn refuse(&mut self, id: Uuid) {
        let before = self.session.clone();
        let idle =
            before.cart.is_empty() && before.editing.is_none() && before.stage == Stage::Browsing;
        let first = before
            .sent
            .iter()
            .any(|s| s.checkout == id && s.refused.is_none());
        let Some((back, lines)) = conversation::refused(&mut self.session, id) else {
            panic!("a kept basket was not found: {before:?}");
        };
        // A basket the first session brought along was confirmed before the run.
        if let Some(summary) = self
            .summaries
            .get(&id)
            .filter(|_| self.published.contains(&id))
        {
            assert_eq!(&lines, summary, "the basket is the cart confirmed");
        }
        if !first {
            assert_eq!(self.session, before, "a second refusal changes nothing");
            return;
        }
        match back {
            CartBack::Restored => assert!(
                idle && self.session.cart == lines,
                "restored {lines:?} into {before:?}"
            ),
            CartBack::Kept => {
                assert!(
                    !idle && self.session.cart == before.cart,
                    "kept aside, yet the cart is {:?}: {before:?}",
                    self.session.cart
                );
                // The notification's button, as the shell shows it.
                let button = Button::CartBack(id).data();
                self.shown.push(button.clone());
                self.fresh = vec![button];
            }
        }
    }

    /// After a press of the button that adds refused basket `id` to the
    /// cart: the first press of a basket kept aside adds its lines still on
    /// the menu as `put` does and nothing else; any other press changes
    /// nothing in the cart.
    fn check_cart_back(&self, id: Uuid, before: &Session, ctx: &dyn Fn() -> String) {
        let kept = before
            .sent
            .iter()
            .find(|s| s.checkout == id && s.refused == Some(CartBack::Kept));
        let mut expected = before.cart.clone();
        if let Some(basket) = kept.filter(|s| !s.added) {
            for line in &basket.lines {
                if self.items.iter().any(|i| i.sku == line.sku && i.available) {
                    conversation::put(&mut expected, &line.sku, line.qty);
                }
            }
            assert!(
                self.session
                    .sent
                    .iter()
                    .any(|s| s.checkout == id && s.added),
                "the basket is not marked added, {}",
                ctx()
            );
        }
        assert_eq!(
            self.session.cart,
            expected,
            "the cart after adding a refused basket back, {}",
            ctx()
        );
    }

    fn check_session(&self, what: &str) {
        if self.valid
            && let Err(broken) = session_ok(&self.session)
        {
            panic!("{broken}, after {what}: {:?}", self.session);
        }
    }
}

/// The fuzz target.
pub fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let session = first_session(lines.next().unwrap_or_default());
    let valid = session_ok(&session).is_ok();
    let mut run = Run {
        items: BASE.items.clone(),
        matcher: None,
        session,
        valid,
        shown: Vec::new(),
        fresh: Vec::new(),
        summaries: HashMap::new(),
        sent: None,
        published: HashSet::new(),
    };
    for line in lines.take(MAX_STEPS) {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if !line.is_empty() {
            run.step(line);
        }
    }
}
