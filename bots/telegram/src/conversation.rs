//! The customer conversation as a pure function: (session, input, catalog) →
//! replies and actions. No Telegram, NATS or Redis here; the handler loads
//! the session, calls [`handle`], performs the actions and saves the session.

use chatorder_shared::commands::{LineRequest, PlaceOrder};
use chatorder_shared::domain::{Currency, Fulfilment, OrderNumber, Sku};
use chatorder_shared::events::CatalogItem;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::buttons::Button;
use crate::parse::{Matcher, Parsed, Question, QuestionKind};
use crate::texts as t;

pub use chatorder_shared::limits::{MAX_ADDRESS_CHARS, MAX_LINES, MAX_NOTE_CHARS, MAX_QTY};

/// What the bot remembers about one customer (kept in Redis).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub cart: Vec<CartLine>,
    pub stage: Stage,
    /// Shared through Telegram's contact button.
    pub phone: Option<String>,
    /// The last checkout sent, so a second tap on Confirm sends nothing.
    pub last_checkout: Option<Uuid>,
    /// A pending order loaded into the cart to be changed (`/edit`).
    #[serde(default)]
    pub editing: Option<OrderNumber>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    pub sku: Sku,
    pub qty: u32,
}

/// Where the customer is in checkout. The checkout id becomes the place
/// command's id, so however often Confirm is tapped one order results.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum Stage {
    #[default]
    Browsing,
    Fulfilment {
        checkout: Uuid,
    },
    Address {
        checkout: Uuid,
    },
    Phone {
        checkout: Uuid,
        address: String,
    },
    Note {
        checkout: Uuid,
        fulfilment: Fulfilment,
    },
    Confirm {
        checkout: Uuid,
        fulfilment: Fulfilment,
        note: Option<String>,
    },
    /// Confirming a change to a pending order.
    ConfirmEdit {
        checkout: Uuid,
        number: OrderNumber,
    },
}

/// What the customer did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Text(String),
    Button(String),
    /// Their own phone number, shared with the contact button.
    Contact(String),
    /// Anything else (a sticker, a photo…).
    Other,
}

/// A keyboard under a reply.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Keyboard {
    #[default]
    None,
    /// Rows of (label, callback data); data is at most 64 bytes.
    Inline(Vec<Vec<(String, String)>>),
    /// The "share my phone number" reply keyboard.
    RequestContact,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub text: String,
    pub keyboard: Keyboard,
    /// Replace the message whose button was pressed instead of sending anew.
    pub edit: bool,
}

impl Reply {
    pub fn text(text: String) -> Self {
        Self {
            text,
            keyboard: Keyboard::None,
            edit: false,
        }
    }
    fn with(text: String, rows: Vec<Vec<(String, String)>>) -> Self {
        Self {
            text,
            keyboard: Keyboard::Inline(rows),
            edit: false,
        }
    }
    fn edit(mut self) -> Self {
        self.edit = true;
        self
    }
}

/// Work for the I/O shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Tell the shop who this customer is (name, phone when shared).
    Register,
    Place {
        id: Uuid,
        order: PlaceOrder,
    },
    Update {
        id: Uuid,
        number: OrderNumber,
        lines: Vec<LineRequest>,
    },
    Edit(OrderNumber),
    Cancel(OrderNumber),
    Message(OrderNumber, String),
    ShowOrders,
    ShowStatus(OrderNumber),
    Reorder(OrderNumber),
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub replies: Vec<Reply>,
    pub actions: Vec<Action>,
}

impl Outcome {
    fn say(reply: Reply) -> Self {
        Self {
            replies: vec![reply],
            actions: Vec::new(),
        }
    }
    fn act(action: Action) -> Self {
        Self {
            replies: Vec::new(),
            actions: vec![action],
        }
    }
}

/// What the conversation needs to know about the shop.
pub struct Shop<'a> {
    pub name: &'a str,
    pub currency: Currency,
    pub catalog: &'a [CatalogItem],
    pub matcher: &'a Matcher,
}

impl Shop<'_> {
    fn item(&self, sku: &Sku) -> Option<&CatalogItem> {
        self.catalog.iter().find(|i| &i.sku == sku)
    }
    fn categories(&self) -> Vec<&str> {
        let mut c: Vec<&str> = self
            .catalog
            .iter()
            .filter(|i| i.available)
            .map(|i| i.category.as_str())
            .collect();
        c.sort_unstable();
        c.dedup();
        c
    }
    /// Distinct item names (an item may come in several sizes).
    fn names(&self) -> Vec<&str> {
        let mut n: Vec<&str> = self
            .catalog
            .iter()
            .filter(|i| i.available)
            .map(|i| i.name.as_str())
            .collect();
        n.sort_unstable();
        n.dedup();
        n
    }
    fn money(&self, minor: i64) -> String {
        t::money(minor, self.currency)
    }
}

/// One step of the conversation.
pub fn handle(session: &mut Session, input: Input, shop: &Shop<'_>, first_name: &str) -> Outcome {
    match input {
        Input::Text(text) => on_text(session, text.trim(), shop, first_name),
        Input::Button(data) => on_button(session, &data, shop),
        Input::Contact(phone) => on_contact(session, phone, shop),
        Input::Other => Outcome::say(Reply::text(t::not_text())),
    }
}

fn on_text(session: &mut Session, text: &str, shop: &Shop<'_>, first_name: &str) -> Outcome {
    if let Some(command) = text.strip_prefix('/') {
        return on_command(session, command, shop, first_name);
    }
    match session.stage.clone() {
        Stage::Address { checkout } => {
            if text.is_empty() {
                return Outcome::say(Reply::text(t::ask_address()));
            }
            if text.chars().count() > MAX_ADDRESS_CHARS {
                return Outcome::say(Reply::text(t::address_too_long(MAX_ADDRESS_CHARS)));
            }
            if session.phone.is_none() {
                session.stage = Stage::Phone {
                    checkout,
                    address: text.to_owned(),
                };
                return Outcome::say(Reply {
                    text: t::ask_phone(),
                    keyboard: Keyboard::RequestContact,
                    edit: false,
                });
            }
            let fulfilment = Fulfilment::Delivery {
                address: text.to_owned(),
            };
            confirm_step(session, checkout, fulfilment, None, shop)
        }
        Stage::Note {
            checkout,
            fulfilment,
        } => {
            if text.chars().count() > MAX_NOTE_CHARS {
                return Outcome::say(Reply::text(t::note_too_long(MAX_NOTE_CHARS)));
            }
            let note = Some(text.to_owned()).filter(|n| !n.is_empty());
            confirm_step(session, checkout, fulfilment, note, shop)
        }
        Stage::Phone { .. } => Outcome::say(Reply {
            text: t::ask_phone(),
            keyboard: Keyboard::RequestContact,
            edit: false,
        }),
        _ if text.chars().count() > crate::parse::MAX_MESSAGE_CHARS => {
            Outcome::say(Reply::text(t::too_long()))
        }
        _ => add_parsed(session, shop.matcher.parse(text), shop),
    }
}

fn on_command(session: &mut Session, command: &str, shop: &Shop<'_>, first_name: &str) -> Outcome {
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
        "start" => Outcome {
            replies: vec![Reply::text(t::welcome(first_name, shop.name))],
            actions: vec![Action::Register],
        },
        "help" => Outcome::say(Reply::text(t::help())),
        "menu" => Outcome::say(menu(shop)),
        "cart" => Outcome::say(cart_view(session, shop)),
        "checkout" => start_checkout(session, shop),
        "orders" => Outcome::act(Action::ShowOrders),
        "status" => match number() {
            Some(n) => Outcome::act(Action::ShowStatus(n)),
            None => Outcome::say(Reply::text(t::usage_status())),
        },
        "cancel" => match number() {
            Some(n) => Outcome {
                replies: vec![Reply::text(t::cancel_requested(n))],
                actions: vec![Action::Cancel(n)],
            },
            None => Outcome::say(Reply::text(t::usage_cancel())),
        },
        "edit" => match number() {
            Some(n) => Outcome::act(Action::Edit(n)),
            None => Outcome::say(Reply::text(t::usage_edit())),
        },
        "msg" => match number() {
            Some(n) if !rest.is_empty() => Outcome::act(Action::Message(n, rest.to_owned())),
            _ => Outcome::say(Reply::text(t::usage_msg())),
        },
        _ => Outcome::say(Reply::text(t::unknown_command())),
    }
}

fn on_contact(session: &mut Session, phone: String, shop: &Shop<'_>) -> Outcome {
    session.phone = Some(phone);
    let mut out = match session.stage.clone() {
        Stage::Phone { checkout, address } => confirm_step(
            session,
            checkout,
            Fulfilment::Delivery { address },
            None,
            shop,
        ),
        _ => Outcome::default(),
    };
    out.actions.push(Action::Register);
    out
}

/// Button data is never trusted: [`Button::parse`] reads it exactly, the
/// conversation checks it against the session, and a stale or forged button
/// only gets "no longer valid".
fn on_button(session: &mut Session, data: &str, shop: &Shop<'_>) -> Outcome {
    let stale = || Outcome::say(Reply::text(t::button_stale()));
    let Some(button) = Button::parse(data) else {
        return stale();
    };
    match &button {
        Button::Menu => Outcome::say(menu(shop).edit()),
        Button::Category(i) => match shop.categories().get(*i) {
            Some(cat) => Outcome::say(category(shop, cat).edit()),
            None => Outcome::say(Reply {
                text: t::menu_stale(),
                ..menu(shop)
            }),
        },
        Button::Name(i) => match shop.names().get(*i) {
            Some(name) => Outcome::say(sizes(shop, name).edit()),
            None => Outcome::say(Reply {
                text: t::menu_stale(),
                ..menu(shop)
            }),
        },
        Button::Add { sku, qty } | Button::AnySize { sku, qty } => {
            let size_known = matches!(button, Button::Add { .. });
            let q = question(sku.clone(), *qty, QuestionKind::Item { size_known });
            let parsed = shop.matcher.answer(&q, sku);
            add_parsed(session, parsed, shop)
        }
        Button::Change { sku, delta } => {
            let mut capped = false;
            if let Some(line) = session.cart.iter_mut().find(|l| l.sku == *sku) {
                let wanted = i64::from(line.qty).saturating_add(*delta);
                let qty = wanted.clamp(0, i64::from(MAX_QTY));
                capped = wanted > qty;
                line.qty = u32::try_from(qty).unwrap_or(0);
            }
            session.cart.retain(|l| l.qty > 0);
            cart_changed(session);
            let mut view = cart_view(session, shop);
            if capped {
                view.text = format!("{}\n\n{}", t::at_most_of_one(), view.text);
            }
            Outcome::say(view.edit())
        }
        Button::Clear => {
            session.cart.clear();
            session.editing = None;
            session.stage = Stage::Browsing;
            Outcome::say(cart_view(session, shop).edit())
        }
        Button::Checkout => start_checkout(session, shop),
        Button::Pickup(id) | Button::Delivery(id) => {
            let Some(checkout) = open_checkout(session, *id) else {
                return Outcome::say(Reply::text(t::checkout_expired()));
            };
            if matches!(button, Button::Pickup(_)) {
                confirm_step(session, checkout, Fulfilment::Pickup, None, shop)
            } else {
                session.stage = Stage::Address { checkout };
                Outcome::say(Reply::text(t::ask_address()))
            }
        }
        Button::Note(id) => match &session.stage {
            Stage::Confirm {
                checkout,
                fulfilment,
                ..
            } if checkout == id => {
                session.stage = Stage::Note {
                    checkout: *checkout,
                    fulfilment: fulfilment.clone(),
                };
                Outcome::say(Reply::text(t::ask_note()))
            }
            _ => Outcome::say(Reply::text(t::checkout_expired())),
        },
        Button::Confirm(id) => confirm(session, *id),
        Button::Abandon(id) => {
            if open_checkout(session, *id).is_some() {
                session.stage = Stage::Browsing;
            }
            Outcome::say(Reply::text(t::checkout_cancelled()).edit())
        }
        Button::Reorder(n) => Outcome::act(Action::Reorder(*n)),
    }
}

fn question(sku: Sku, qty: u32, kind: QuestionKind) -> Question {
    Question {
        fragment: String::new(),
        qty,
        prompt: String::new(),
        options: vec![(sku, String::new())],
        kind,
    }
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
    let now = before.saturating_add(qty).min(MAX_QTY);
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
pub fn add_parsed(session: &mut Session, parsed: Parsed, shop: &Shop<'_>) -> Outcome {
    if parsed.is_empty() {
        return Outcome::say(Reply::text(t::nothing_found()));
    }
    let mut out = Outcome::default();
    let mut added = Vec::new();
    let mut limited = Vec::new();
    for line in &parsed.lines {
        let Some(item) = shop.item(&line.sku) else {
            continue;
        };
        let name = item.display_name();
        match put(&mut session.cart, &line.sku, line.qty) {
            Put::Added(n) => added.push(t::line(n, &name)),
            Put::Capped { added: n, now } => {
                if n > 0 {
                    added.push(t::line(n, &name));
                }
                limited.push(t::capped(n, now, &name));
            }
            Put::CartFull => limited.push(t::cart_full(&name)),
        }
    }
    if !added.is_empty() {
        cart_changed(session);
        out.replies.push(Reply::text(t::added(
            &added,
            &shop.money(cart_total(session, shop)),
        )));
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
                button.fits().then(|| vec![(label.clone(), button.data())])
            })
            .collect();
        out.replies.push(Reply::with(q.prompt.clone(), rows));
    }
    if !parsed.unavailable.is_empty() {
        let names: Vec<String> = parsed.unavailable.iter().map(|(_, n)| n.clone()).collect();
        out.replies.push(Reply::text(t::unavailable(&names)));
    }
    if !parsed.not_understood.is_empty() {
        out.replies
            .push(Reply::text(t::not_understood(&parsed.not_understood)));
    }
    out
}

fn cart_total(session: &Session, shop: &Shop<'_>) -> i64 {
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
fn priced_lines(
    session: &mut Session,
    shop: &Shop<'_>,
) -> (Vec<(u32, String, String)>, Vec<String>) {
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
                shop.money(item.price_minor.saturating_mul(i64::from(l.qty))),
            ))
        })
        .collect();
    (lines, gone)
}

fn cart_view(session: &mut Session, shop: &Shop<'_>) -> Reply {
    let (lines, gone) = priced_lines(session, shop);
    if lines.is_empty() {
        return Reply::text(t::cart_empty());
    }
    let mut text = t::cart(&lines, &shop.money(cart_total(session, shop)));
    for sku in gone {
        text.push_str(&format!("\n{}", t::cart_item_gone(&sku)));
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
        (t::BTN_CHECKOUT.into(), Button::Checkout.data()),
        (t::BTN_CLEAR.into(), Button::Clear.data()),
    ]);
    Reply::with(text, rows)
}

fn start_checkout(session: &mut Session, shop: &Shop<'_>) -> Outcome {
    let (lines, _) = priced_lines(session, shop);
    if lines.is_empty() {
        return Outcome::say(Reply::text(t::cart_empty()));
    }
    let checkout = Uuid::now_v7();
    if let Some(number) = session.editing {
        session.stage = Stage::ConfirmEdit { checkout, number };
        let text = t::confirm_edit(number, &lines, &shop.money(cart_total(session, shop)));
        return Outcome::say(Reply::with(
            text,
            vec![vec![
                (t::BTN_CONFIRM_EDIT.into(), Button::Confirm(checkout).data()),
                (t::BTN_CANCEL.into(), Button::Abandon(checkout).data()),
            ]],
        ));
    }
    session.stage = Stage::Fulfilment { checkout };
    Outcome::say(Reply::with(
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
) -> Outcome {
    let (lines, _) = priced_lines(session, shop);
    if lines.is_empty() {
        session.stage = Stage::Browsing;
        return Outcome::say(Reply::text(t::cart_empty()));
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
    Outcome::say(Reply::with(
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

fn confirm(session: &mut Session, id: Uuid) -> Outcome {
    if session.last_checkout.is_some_and(|c| c == id) {
        return Outcome::say(Reply::text(t::already_sent()));
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
        return Outcome {
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
        return Outcome::say(Reply::text(t::checkout_expired()));
    };
    if checkout != id {
        return Outcome::say(Reply::text(t::checkout_expired()));
    }
    let order = PlaceOrder {
        lines,
        fulfilment,
        note,
        phone: session.phone.clone(),
    };
    Outcome {
        replies: vec![Reply::text(t::sending()).edit()],
        actions: vec![Action::Place {
            id: checkout,
            order,
        }],
    }
}

/// A cart that changes during checkout closes it: the summary the customer
/// confirms must be the cart that is sent.
fn cart_changed(session: &mut Session) {
    if session.stage != Stage::Browsing {
        session.stage = Stage::Browsing;
    }
}

/// After the place (or update) command is stored: the cart is spent.
pub fn placed(session: &mut Session, checkout: Uuid) {
    session.cart.clear();
    session.stage = Stage::Browsing;
    session.editing = None;
    session.last_checkout = Some(checkout);
}

/// Loads a pending order's lines into the cart to be changed.
pub fn start_edit(session: &mut Session, number: OrderNumber, lines: Vec<CartLine>) {
    session.cart = lines;
    session.editing = Some(number);
    session.stage = Stage::Browsing;
}

fn menu(shop: &Shop<'_>) -> Reply {
    let cats = shop.categories();
    if cats.is_empty() {
        return Reply::text(t::menu_empty());
    }
    let rows = cats
        .iter()
        .enumerate()
        .map(|(i, c)| vec![(capitalise(c), Button::Category(i).data())])
        .collect();
    Reply::with(t::menu_categories(), rows)
}

fn category(shop: &Shop<'_>, cat: &str) -> Reply {
    let names = shop.names();
    let mut rows: Vec<Vec<(String, String)>> = names
        .iter()
        .enumerate()
        .filter(|(_, n)| {
            shop.catalog
                .iter()
                .any(|i| i.available && i.category == cat && i.name == **n)
        })
        .map(|(i, n)| vec![((*n).to_owned(), Button::Name(i).data())])
        .collect();
    rows.push(vec![(t::BTN_BACK.into(), Button::Menu.data())]);
    Reply::with(t::menu_items(&capitalise(cat)), rows)
}

/// The cart's −, + and ✕ buttons of one line.
fn change(line: &CartLine, delta: i64) -> Button {
    Button::Change {
        sku: line.sku.clone(),
        delta,
    }
}

/// A size's button in the menu: one of it.
fn add_one(item: &CatalogItem) -> Button {
    Button::Add {
        sku: item.sku.clone(),
        qty: 1,
    }
}

fn sizes(shop: &Shop<'_>, name: &str) -> Reply {
    let mut rows: Vec<Vec<(String, String)>> = shop
        .catalog
        .iter()
        .filter(|i| i.available && i.name == name)
        .filter(|i| add_one(i).fits())
        .map(|i| {
            let label = format!(
                "{} – {}",
                i.size.as_deref().unwrap_or("Add"),
                shop.money(i.price_minor)
            );
            vec![(label, add_one(i).data())]
        })
        .collect();
    rows.push(vec![(t::BTN_BACK.into(), Button::Menu.data())]);
    Reply::with(t::menu_sizes(name), rows)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

#[cfg(test)]
#[path = "conversation_tests.rs"]
mod tests;
