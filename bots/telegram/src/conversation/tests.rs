//! The conversation without Telegram: carts, checkout, confirm-once, and
//! buttons that are stale or forged.

use chatorder_shared::domain::{Currency, Fulfilment, Sku};
use chatorder_shared::events::CatalogItem;

use super::*;
use crate::parse::Matcher;
use crate::texts::Texts;

fn item(sku: &str, name: &str, size: Option<&str>, price: i64, available: bool) -> CatalogItem {
    CatalogItem {
        sku: Sku::parse(sku).expect("sku"),
        name: name.into(),
        size: size.map(str::to_owned),
        category: "pizza".into(),
        price_minor: price,
        currency: Currency::parse("USD").expect("usd"),
        available,
    }
}

fn catalog() -> Vec<CatalogItem> {
    vec![
        item("hawaiian_s", "The Hawaiian Pizza", Some("S"), 1050, true),
        item("hawaiian_l", "The Hawaiian Pizza", Some("L"), 1650, true),
        item(
            "margherita_m",
            "The Margherita Pizza",
            Some("M"),
            1200,
            true,
        ),
        item("brie_s", "The Brie Carre Pizza", Some("S"), 2365, false),
    ]
}

struct Fixture {
    items: Vec<CatalogItem>,
    matcher: Matcher,
    /// When the shop opens, while its hours keep it closed.
    closed: Option<Closed>,
}

impl Fixture {
    fn new() -> Self {
        let items = catalog();
        let matcher = Matcher::new(&items);
        Self {
            items,
            matcher,
            closed: None,
        }
    }
    fn shop(&self) -> Shop<'_> {
        Shop {
            name: "Test Pizza",
            currency: Currency::parse("USD").expect("usd"),
            catalog: &self.items,
            matcher: &self.matcher,
            time_zone: chatorder_shared::hours::Tz::Europe__Madrid,
            closed: self.closed.clone(),
            payments: false,
        }
    }
    fn say(&self, s: &mut Session, text: &str) -> Turn {
        handle(s, Input::Text(text.into()), &self.shop(), "Ada")
    }
    fn press(&self, s: &mut Session, data: &str) -> Turn {
        handle(s, Input::Button(data.into()), &self.shop(), "Ada")
    }
}

fn buttons(o: &Turn) -> Vec<String> {
    o.replies
        .iter()
        .flat_map(|r| match &r.keyboard {
            Keyboard::Inline(rows) => rows.iter().flatten().map(|(_, d)| d.clone()).collect(),
            _ => Vec::new(),
        })
        .collect()
}

fn button(o: &Turn, prefix: &str) -> String {
    buttons(o)
        .into_iter()
        .find(|d| d.starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix} button in {o:?}"))
}

#[test]
fn a_typed_order_fills_the_cart_and_checkout_places_it_once() {
    let f = Fixture::new();
    let mut s = Session::default();
    let o = f.say(&mut s, "2 large hawaiian and a margherita please");
    assert_eq!(s.cart.len(), 2, "{o:?}");
    assert!(
        o.replies[0].text.contains("$45.00"),
        "{}",
        o.replies[0].text
    );

    let o = f.say(&mut s, "/checkout");
    let pickup = button(&o, "f:p:");
    let o = f.press(&mut s, &pickup);
    assert!(
        o.replies[0].text.contains("Pickup"),
        "{}",
        o.replies[0].text
    );
    let ok = button(&o, "ok:");

    let o = f.press(&mut s, &ok);
    let [Action::Place { id, order }] = &o.actions[..] else {
        panic!("one place action: {o:?}")
    };
    assert_eq!(order.lines.len(), 2);
    assert_eq!(order.fulfilment, Fulfilment::Pickup);
    assert_eq!(ok, format!("ok:{}", id.simple()));
    placed(&mut s, *id, Some(&order.lines));
    assert!(s.cart.is_empty());

    // A second tap sends nothing.
    let o = f.press(&mut s, &ok);
    assert!(o.actions.is_empty());
    assert_eq!(o.replies[0].text, crate::texts::English.already_sent());
}

#[test]
fn delivery_asks_for_an_address_then_the_phone() {
    let f = Fixture::new();
    let mut s = Session::default();
    f.say(&mut s, "a small hawaiian");
    let o = f.say(&mut s, "/checkout");
    let delivery = button(&o, "f:d:");
    f.press(&mut s, &delivery);
    let o = f.say(&mut s, &"x".repeat(MAX_ADDRESS_CHARS + 1));
    assert!(o.replies[0].text.contains("too long"));
    let o = f.say(&mut s, "1 Main Street");
    assert_eq!(o.replies[0].keyboard, Keyboard::RequestContact);
    let o = handle(
        &mut s,
        Input::Contact("+44 7700 900123".into()),
        &f.shop(),
        "Ada",
    );
    assert!(
        o.replies[0].text.contains("Delivery to: 1 Main Street"),
        "{}",
        o.replies[0].text
    );
    let ok = button(&o, "ok:");
    let o = f.press(&mut s, &ok);
    let [Action::Place { order, .. }] = &o.actions[..] else {
        panic!("placed")
    };
    assert_eq!(order.phone.as_deref(), Some("+44 7700 900123"));
    assert_eq!(
        order.fulfilment,
        Fulfilment::Delivery {
            address: "1 Main Street".into()
        }
    );
}

#[test]
fn the_cart_buttons_change_quantities() {
    let f = Fixture::new();
    let mut s = Session::default();
    f.say(&mut s, "2 large hawaiian");
    f.press(&mut s, "q:hawaiian_l:1");
    assert_eq!(s.cart[0].qty, 3);
    f.press(&mut s, "q:hawaiian_l:-50");
    assert!(s.cart.is_empty());
    let o = f.say(&mut s, "/checkout");
    assert_eq!(o.replies[0].text, crate::texts::English.cart_empty());
}

#[test]
fn ambiguous_sizes_are_asked_and_the_answer_adds() {
    let f = Fixture::new();
    let mut s = Session::default();
    let o = f.say(&mut s, "hawaiian");
    assert!(s.cart.is_empty());
    let choice = button(&o, "a:hawaiian_s:");
    f.press(&mut s, &choice);
    assert_eq!(
        s.cart,
        vec![CartLine {
            sku: Sku::parse("hawaiian_s").expect("sku"),
            qty: 1
        }]
    );
}

#[test]
fn forged_and_stale_buttons_change_nothing() {
    let f = Fixture::new();
    let mut s = Session::default();
    for data in [
        "ok:00000000000000000000000000000000",
        "a:brie_s:1",
        "a:nope:1",
        "q:x",
        "zz",
        "c:99",
        "r:abc",
        "",
    ] {
        let before = s.clone();
        let o = f.press(&mut s, data);
        assert!(o.actions.is_empty(), "{data}: {o:?}");
        assert!(s.cart.is_empty() || data == "c:99", "{data}");
        assert_eq!(s.stage, before.stage);
    }
    // A sold-out item is refused with a sentence.
    let o = f.press(&mut s, "a:brie_s:1");
    assert!(
        o.replies.iter().any(|r| r.text.contains("not available")),
        "{o:?}"
    );
}

#[test]
fn menu_browses_to_sizes_and_adds() {
    let f = Fixture::new();
    let mut s = Session::default();
    let o = f.say(&mut s, "/menu");
    let cat = button(&o, "c:");
    let o = f.press(&mut s, &cat);
    let name = button(&o, "n:");
    let o = f.press(&mut s, &name);
    let add = button(&o, "a:");
    f.press(&mut s, &add);
    assert_eq!(s.cart.len(), 1);
    assert!(buttons(&o).iter().all(|d| d.len() <= 64));
}

#[test]
fn commands_with_numbers_become_actions() {
    let f = Fixture::new();
    let mut s = Session::default();
    assert_eq!(
        f.say(&mut s, "/status #1042").actions,
        vec![Action::ShowStatus(OrderNumber(1042))]
    );
    assert_eq!(
        f.say(&mut s, "/cancel 7").actions,
        vec![Action::Cancel(OrderNumber(7))]
    );
    assert_eq!(
        f.say(&mut s, "/msg 7 ring twice").actions,
        vec![Action::Message(OrderNumber(7), "ring twice".into())]
    );
    assert!(f.say(&mut s, "/msg 7").actions.is_empty());
    assert!(f.say(&mut s, "/status soon").actions.is_empty());
    assert_eq!(
        f.say(&mut s, "/frobnicate").replies[0].text,
        crate::texts::English.unknown_command()
    );
}

#[test]
fn an_edit_sends_an_update_not_a_new_order() {
    let f = Fixture::new();
    let mut s = Session::default();
    start_edit(
        &mut s,
        OrderNumber(1042),
        vec![CartLine {
            sku: Sku::parse("hawaiian_s").expect("sku"),
            qty: 1,
        }],
    );
    f.say(&mut s, "a margherita");
    let o = f.say(&mut s, "/checkout");
    assert!(
        o.replies[0].text.contains("Change order #1042"),
        "{}",
        o.replies[0].text
    );
    let ok = button(&o, "ok:");
    let o = f.press(&mut s, &ok);
    let [Action::Update { number, lines, .. }] = &o.actions[..] else {
        panic!("update: {o:?}")
    };
    assert_eq!((*number, lines.len()), (OrderNumber(1042), 2));
    assert_eq!(f.say(&mut s, "/edit").actions, vec![]);
    assert_eq!(
        f.say(&mut s, "/edit 7").actions,
        vec![Action::Edit(OrderNumber(7))]
    );
}

#[test]
fn changing_the_cart_during_checkout_closes_it() {
    let f = Fixture::new();
    let mut s = Session::default();
    f.say(&mut s, "a small hawaiian");
    let o = f.say(&mut s, "/checkout");
    let pickup = button(&o, "f:p:");
    let o = f.press(&mut s, &pickup);
    let ok = button(&o, "ok:");
    // The customer adds something after seeing the summary…
    f.say(&mut s, "a margherita");
    // …so the old summary's Confirm sends nothing: it no longer matches.
    let o = f.press(&mut s, &ok);
    assert!(o.actions.is_empty(), "{o:?}");
    assert_eq!(o.replies[0].text, crate::texts::English.checkout_expired());
    assert_eq!(s.cart.len(), 2, "the cart is kept");
}

/// Found by the `telegram_update` fuzz target: an item leaving the menu
/// during checkout emptied or shrank the cart but kept the checkout open, so
/// Confirm sent another cart than the summary (or none at all).
#[test]
fn an_item_leaving_the_menu_during_checkout_closes_it() {
    let f = Fixture::new();
    let mut s = Session::default();
    f.say(&mut s, "a small hawaiian and a margherita");
    let o = f.say(&mut s, "/checkout");
    let pickup = button(&o, "f:p:");
    let o = f.press(&mut s, &pickup);
    let ok = button(&o, "ok:");
    // The shop's catalog changes: the margherita is gone.
    let items: Vec<CatalogItem> = catalog()
        .into_iter()
        .filter(|i| i.sku.as_str() != "margherita_m")
        .collect();
    let matcher = Matcher::new(&items);
    let shop = Shop {
        name: "Test Pizza",
        currency: Currency::parse("USD").expect("usd"),
        catalog: &items,
        matcher: &matcher,
        time_zone: chatorder_shared::hours::Tz::Europe__Madrid,
        closed: None,
        payments: false,
    };
    let o = handle(&mut s, Input::Text("/cart".into()), &shop, "Ada");
    assert!(
        o.replies[0].text.contains("margherita_m"),
        "{}",
        o.replies[0].text
    );
    assert_eq!(s.stage, Stage::Browsing);
    let o = handle(&mut s, Input::Button(ok), &shop, "Ada");
    assert!(o.actions.is_empty(), "{o:?}");
    assert_eq!(o.replies[0].text, crate::texts::English.checkout_expired());

    // Only item gone: the cart empties and no empty order can be confirmed.
    let mut s = Session::default();
    f.say(&mut s, "a margherita");
    let o = f.say(&mut s, "/checkout");
    let pickup = button(&o, "f:p:");
    let o = f.press(&mut s, &pickup);
    let ok = button(&o, "ok:");
    handle(&mut s, Input::Text("/cart".into()), &shop, "Ada");
    assert!(s.cart.is_empty());
    assert_eq!(s.stage, Stage::Browsing);
    let o = handle(&mut s, Input::Button(ok), &shop, "Ada");
    assert!(o.actions.is_empty(), "{o:?}");
}

fn texts(o: &Turn) -> String {
    o.replies
        .iter()
        .map(|r| r.text.as_str())
        .collect::<Vec<_>>()
        .join("\n---\n")
}

#[test]
fn a_quantity_over_the_limit_is_capped_and_the_reply_says_so() {
    let f = Fixture::new();
    let mut s = Session::default();
    let o = f.say(&mut s, "100 large hawaiian");
    assert_eq!(s.cart[0].qty, MAX_QTY);
    let all = texts(&o);
    assert!(
        all.contains(&format!("{MAX_QTY} × The Hawaiian Pizza (L)")),
        "{all}"
    );
    assert!(!all.contains("100 ×"), "{all}");
    assert!(
        all.contains(&format!("At most {MAX_QTY} of one item")),
        "{all}"
    );

    // Already at the limit: nothing is "added".
    let o = f.say(&mut s, "3 large hawaiian");
    assert_eq!(s.cart[0].qty, MAX_QTY);
    let all = texts(&o);
    assert!(!all.contains("Added"), "{all}");
    assert!(all.contains("You already have"), "{all}");

    // The + button at the limit says why nothing changed.
    let o = f.press(&mut s, "q:hawaiian_l:1");
    assert_eq!(s.cart[0].qty, MAX_QTY);
    assert!(texts(&o).starts_with("At most"), "{}", texts(&o));
}

#[test]
fn a_size_asked_for_a_large_quantity_keeps_the_quantity_and_caps_honestly() {
    let f = Fixture::new();
    let mut s = Session::default();
    let o = f.say(&mut s, "80 hawaiian");
    let choice = button(&o, "a:hawaiian_s:");
    assert_eq!(choice, "a:hawaiian_s:80");
    let o = f.press(&mut s, &choice);
    assert_eq!(s.cart[0].qty, MAX_QTY);
    let all = texts(&o);
    assert!(
        all.contains(&format!("{MAX_QTY} × The Hawaiian Pizza (S)")),
        "{all}"
    );
    assert!(all.contains(&format!("At most {MAX_QTY}")), "{all}");
}

#[test]
fn a_full_cart_refuses_a_new_item_and_says_so() {
    let mut cart: Vec<CartLine> = (0..MAX_LINES)
        .map(|i| CartLine {
            sku: Sku::parse(&format!("item_{i}")).expect("sku"),
            qty: 1,
        })
        .collect();
    let extra = Sku::parse("hawaiian_s").expect("sku");
    assert_eq!(put(&mut cart, &extra, 1), Put::CartFull);
    assert_eq!(cart.len(), MAX_LINES);
    // An item already in the cart can still grow.
    let first = cart[0].sku.clone();
    assert_eq!(put(&mut cart, &first, 2), Put::Added(2));
    assert_eq!(cart[0].qty, 3);
}

#[test]
fn adding_to_a_line_already_over_the_limit_adds_nothing_and_takes_nothing() {
    // A session stored before the limit was lowered (found by the fuzzer:
    // the subtraction used to overflow).
    let sku = Sku::parse("hawaiian_s").expect("sku");
    let mut cart = vec![CartLine {
        sku: sku.clone(),
        qty: MAX_QTY + 7,
    }];
    assert_eq!(
        put(&mut cart, &sku, 2),
        Put::Capped {
            added: 0,
            now: MAX_QTY + 7
        }
    );
    assert_eq!(cart[0].qty, MAX_QTY + 7);
}

proptest::proptest! {
    /// Whatever is added, the cart stays within the limits, and what each
    /// reply reports as added is exactly what the cart gained.
    #[test]
    fn put_reports_exactly_what_the_cart_gained(
        adds in proptest::collection::vec((0usize..40, 1u32..200), 1..80)
    ) {
        let mut cart = Vec::new();
        for (i, qty) in adds {
            let sku = Sku::parse(&format!("item_{i}")).expect("sku");
            let before: u32 = cart.iter().filter(|l: &&CartLine| l.sku == sku).map(|l| l.qty).sum();
            let gained = match put(&mut cart, &sku, qty) {
                Put::Added(n) => {
                    proptest::prop_assert_eq!(n, qty);
                    n
                }
                Put::Capped { added, now } => {
                    proptest::prop_assert!(added < qty);
                    proptest::prop_assert_eq!(now, MAX_QTY);
                    added
                }
                Put::CartFull => 0,
            };
            let after: u32 = cart.iter().filter(|l| l.sku == sku).map(|l| l.qty).sum();
            proptest::prop_assert_eq!(after - before, gained);
            proptest::prop_assert!(cart.len() <= MAX_LINES);
            proptest::prop_assert!(cart.iter().all(|l| (1..=MAX_QTY).contains(&l.qty)));
        }
    }
}

/// Confirms what is in the cart as a pickup order; returns the checkout id
/// and the lines the place command carried.
fn confirm_pickup(f: &Fixture, s: &mut Session) -> (uuid::Uuid, Vec<CartLine>) {
    let o = f.say(s, "/checkout");
    let o = f.press(s, &button(&o, "f:p:"));
    let o = f.press(s, &button(&o, "ok:"));
    let [Action::Place { id, order }] = &o.actions[..] else {
        panic!("one place action: {o:?}")
    };
    let sent = order
        .lines
        .iter()
        .map(|l| CartLine {
            sku: l.sku.clone(),
            qty: l.qty,
        })
        .collect();
    placed(s, *id, Some(&order.lines));
    (*id, sent)
}

#[test]
fn a_refused_order_puts_back_exactly_the_basket_confirmed_once() {
    let f = Fixture::new();
    let mut s = Session::default();
    f.say(&mut s, "2 large hawaiian and a margherita please");
    let (id, sent) = confirm_pickup(&f, &mut s);
    assert!(s.cart.is_empty());

    assert_eq!(
        refused(&mut s, id),
        Some((CartBack::Restored, sent.clone()))
    );
    assert_eq!(
        s.cart, sent,
        "the cart is the basket the place command carried"
    );
    assert_eq!(s.stage, Stage::Browsing);

    // The same refusal delivered again changes nothing, even after the
    // customer changed the restored cart, and says the same thing.
    f.say(&mut s, "a margherita");
    let now = s.cart.clone();
    assert_eq!(refused(&mut s, id), Some((CartBack::Restored, sent)));
    assert_eq!(s.cart, now);

    // Checkout starts afresh: a new checkout id, so a new place command.
    let (again, _) = confirm_pickup(&f, &mut s);
    assert_ne!(again, id);
}

#[test]
fn a_refusal_after_a_new_cart_was_started_leaves_that_cart_alone() {
    let f = Fixture::new();
    let mut s = Session::default();
    f.say(&mut s, "2 large hawaiian");
    let (id, sent) = confirm_pickup(&f, &mut s);
    f.say(&mut s, "a margherita");
    let mine = s.cart.clone();

    assert_eq!(refused(&mut s, id), Some((CartBack::Kept, sent.clone())));
    assert_eq!(s.cart, mine, "the new cart is not merged or replaced");
    // Emptying that cart later does not bring the old basket back twice.
    s.cart.clear();
    assert_eq!(refused(&mut s, id), Some((CartBack::Kept, sent)));
    assert!(s.cart.is_empty());
}

/// The fuzz crash of the first issue-20-cart merge (seed
/// `fuzz/corpus/telegram_update/refused-basket-is-what-was-sent.chat`):
/// the basket kept for a refusal was read from the cart when `placed` ran,
/// so a cart that held more by then (the fuzz model let a message come
/// between Confirm and `placed`) came back as "the order you confirmed".
/// The basket is the place command's lines, by construction.
#[test]
fn the_basket_kept_is_what_the_place_command_carried_not_the_cart_later() {
    let f = Fixture::new();
    let mut s = Session::default();
    f.say(&mut s, "2 large hawaiian");
    let o = f.say(&mut s, "/checkout");
    let o = f.press(&mut s, &button(&o, "f:p:"));
    let o = f.press(&mut s, &button(&o, "ok:"));
    let [Action::Place { id, order }] = &o.actions[..] else {
        panic!("one place action: {o:?}")
    };
    let sent: Vec<CartLine> = order
        .lines
        .iter()
        .map(|l| CartLine {
            sku: l.sku.clone(),
            qty: l.qty,
        })
        .collect();
    f.say(&mut s, "a margherita");
    placed(&mut s, *id, Some(&order.lines));
    assert_eq!(s.sent.len(), 1);
    assert_eq!(s.sent[0].lines, sent, "kept exactly what was sent");
    assert_eq!(
        refused(&mut s, *id),
        Some((CartBack::Restored, sent.clone()))
    );
    assert_eq!(s.cart, sent);
}

#[test]
fn a_basket_kept_aside_is_added_to_the_new_cart_with_its_button_once() {
    let f = Fixture::new();
    let mut s = Session::default();
    f.say(&mut s, "2 large hawaiian and a margherita");
    let (id, _) = confirm_pickup(&f, &mut s);
    f.say(&mut s, "a large hawaiian and a small hawaiian");
    let o = f.say(&mut s, "/checkout");
    let checkout = s.stage.clone();
    assert_ne!(checkout, Stage::Browsing);
    assert!(matches!(refused(&mut s, id), Some((CartBack::Kept, _))));
    assert_eq!(s.stage, checkout, "the refusal leaves the checkout alone");

    let back = crate::buttons::Button::CartBack(id).data();
    let o2 = f.press(&mut s, &back);
    let qty = |sku: &str| {
        s.cart
            .iter()
            .find(|l| l.sku.as_str() == sku)
            .map_or(0, |l| l.qty)
    };
    assert_eq!(
        (qty("hawaiian_l"), qty("hawaiian_s"), qty("margherita_m")),
        (3, 1, 1),
        "merged into the cart: {:?}",
        s.cart
    );
    assert_eq!(s.stage, Stage::Browsing, "the checkout shown is closed");
    assert!(texts(&o2).contains("Margherita"), "{o2:?}");
    // The summary shown before cannot confirm the grown cart.
    let o3 = f.press(&mut s, &button(&o, "f:p:"));
    assert_eq!(o3.replies[0].text, crate::texts::English.checkout_expired());

    // Pressed again, nothing more is added.
    let cart = s.cart.clone();
    let o4 = f.press(&mut s, &back);
    assert_eq!(s.cart, cart);
    assert_eq!(
        o4.replies[0].text,
        crate::texts::English.cart_back_added_before()
    );
}

#[test]
fn the_cart_back_button_works_only_for_a_basket_kept_aside() {
    let f = Fixture::new();
    let mut s = Session::default();
    // Not refused yet, or never sent: no longer valid, nothing added.
    f.say(&mut s, "a margherita");
    let (id, _) = confirm_pickup(&f, &mut s);
    let back = crate::buttons::Button::CartBack(id).data();
    let o = f.press(&mut s, &back);
    assert_eq!(o.replies[0].text, crate::texts::English.button_stale());
    let other = crate::buttons::Button::CartBack(uuid::Uuid::now_v7()).data();
    assert_eq!(
        f.press(&mut s, &other).replies[0].text,
        crate::texts::English.button_stale()
    );
    // Restored into the empty cart: the button would add it twice.
    assert!(matches!(refused(&mut s, id), Some((CartBack::Restored, _))));
    let cart = s.cart.clone();
    let o = f.press(&mut s, &back);
    assert_eq!(o.replies[0].text, crate::texts::English.button_stale());
    assert_eq!(s.cart, cart);
}

#[test]
fn a_basket_item_gone_from_the_menu_is_named_not_added() {
    let f = Fixture::new();
    let mut s = Session::default();
    f.say(&mut s, "a margherita and a small hawaiian");
    let (id, _) = confirm_pickup(&f, &mut s);
    f.say(&mut s, "a large hawaiian");
    refused(&mut s, id);
    let smaller = Fixture {
        items: f
            .items
            .iter()
            .filter(|i| i.sku.as_str() != "margherita_m")
            .cloned()
            .collect(),
        ..Fixture::new()
    };
    let o = smaller.press(&mut s, &crate::buttons::Button::CartBack(id).data());
    assert!(texts(&o).contains("margherita_m"), "{o:?}");
    let skus: Vec<&str> = s.cart.iter().map(|l| l.sku.as_str()).collect();
    assert_eq!(skus, ["hawaiian_l", "hawaiian_s"]);
}

#[test]
fn a_refusal_during_a_checkout_or_an_edit_leaves_the_cart_alone() {
    let f = Fixture::new();
    let mut s = Session::default();
    f.say(&mut s, "a margherita");
    let (id, _) = confirm_pickup(&f, &mut s);
    f.say(&mut s, "a small hawaiian");
    f.say(&mut s, "/checkout");
    let stage = s.stage.clone();
    let cart = s.cart.clone();
    assert!(matches!(refused(&mut s, id), Some((CartBack::Kept, _))));
    assert_eq!((s.stage.clone(), s.cart.clone()), (stage, cart));
}

#[test]
fn only_new_orders_this_session_sent_come_back() {
    let f = Fixture::new();
    let mut s = Session::default();
    assert_eq!(refused(&mut s, uuid::Uuid::now_v7()), None);

    // A change to a pending order is not a basket to give back.
    f.say(&mut s, "a margherita");
    s.editing = Some(chatorder_shared::domain::OrderNumber(1042));
    let o = f.say(&mut s, "/checkout");
    let o = f.press(&mut s, &button(&o, "ok:"));
    let [Action::Update { id, .. }] = &o.actions[..] else {
        panic!("one update action: {o:?}")
    };
    placed(&mut s, *id, None);
    assert_eq!(refused(&mut s, *id), None);
    assert!(s.sent.is_empty());

    // Only the last few baskets are kept; an older refusal finds nothing.
    let mut ids = Vec::new();
    for _ in 0..=SENT_CARTS {
        f.say(&mut s, "a margherita");
        ids.push(confirm_pickup(&f, &mut s).0);
    }
    assert_eq!(s.sent.len(), SENT_CARTS);
    assert_eq!(refused(&mut s, ids[0]), None);
    assert!(s.cart.is_empty());
    assert!(refused(&mut s, ids[SENT_CARTS]).is_some());
}

#[test]
fn a_closed_shop_warns_when_an_order_starts_and_at_checkout_and_lets_it_go_on() {
    let at = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .expect(s)
            .with_timezone(&chrono::Utc)
    };
    // Thursday night in Madrid; the shop opens on Saturday at 11:00.
    let f = Fixture {
        closed: Some(Closed {
            now: at("2026-12-03T22:30:00Z"),
            opens_at: Some(at("2026-12-05T10:00:00Z")),
            slots: Vec::new(),
        }),
        ..Fixture::new()
    };
    let closed = "We're closed now; we open again Sat 11:00.";
    let warning = format!("{closed} You can fill your cart now and order then.");
    let mut s = Session::default();
    let o = f.say(&mut s, "2 large hawaiian");
    assert_eq!(texts(&o).matches(&warning).count(), 1, "{o:?}");
    assert_eq!(s.cart.len(), 1, "the cart still fills");
    // Adding to a cart already started does not repeat it.
    let o = f.say(&mut s, "a margherita");
    assert!(!texts(&o).contains(closed), "{o:?}");
    // Checkout says it first, then goes on as usual.
    let o = f.say(&mut s, "/checkout");
    assert_eq!(o.replies[0].text, warning);
    let o = f.press(&mut s, &button(&o, "f:p:"));
    let o = f.press(&mut s, &button(&o, "ok:"));
    assert!(matches!(&o.actions[..], [Action::Place { .. }]), "{o:?}");
    // An open shop says nothing of the kind.
    let open = Fixture::new();
    let mut s = Session::default();
    let o = open.say(&mut s, "2 large hawaiian");
    let o2 = open.say(&mut s, "/checkout");
    assert!(!texts(&o).contains("closed") && !texts(&o2).contains("closed"));
    // A Spanish customer is warned in Spanish.
    let mut s = Session {
        lang: crate::texts::Lang::Es,
        ..Session::default()
    };
    let o = f.say(&mut s, "2 hawaianas grandes");
    assert!(
        texts(&o).contains(
            "Ahora estamos cerrados; volvemos a abrir sáb 11:00. Puedes ir llenando tu carrito y hacer el pedido cuando abramos."
        ),
        "{o:?}"
    );
}

#[test]
fn a_closed_shop_offers_times_in_its_next_opening_and_the_order_is_for_the_one_chosen() {
    let at = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .expect(s)
            .with_timezone(&chrono::Utc)
    };
    // Thursday night in Madrid; the shop opens on Saturday at 11:00.
    let slots = vec![
        at("2026-12-05T10:00:00Z"),
        at("2026-12-05T10:30:00Z"),
        at("2026-12-05T11:00:00Z"),
        at("2026-12-05T11:30:00Z"),
        at("2026-12-05T12:00:00Z"),
    ];
    let f = Fixture {
        closed: Some(Closed {
            now: at("2026-12-03T22:30:00Z"),
            opens_at: Some(at("2026-12-05T10:00:00Z")),
            slots: slots.clone(),
        }),
        ..Fixture::new()
    };
    let mut s = Session::default();
    f.say(&mut s, "2 large hawaiian");
    let o = f.say(&mut s, "/checkout");
    assert_eq!(
        o.replies[0].text,
        "We're closed now; we open again Sat 11:00. You can order now for then: when should your order be ready?"
    );
    let Keyboard::Inline(rows) = &o.replies[0].keyboard else {
        panic!("time buttons: {o:?}");
    };
    let labels: Vec<&str> = rows.iter().flatten().map(|(l, _)| l.as_str()).collect();
    assert_eq!(
        labels,
        ["11:00", "11:30", "12:00", "12:30", "13:00", "Cancel"],
        "four to a row, in Madrid's time"
    );
    assert_eq!(rows[0].len(), 4);
    let chosen = rows[0][3].1.clone();
    // A time button of another checkout is stale.
    let other = chosen.replace(&chosen[chosen.len() - 4..], "beef");
    let o2 = f.press(&mut s.clone(), &other);
    assert_eq!(texts(&o2), crate::texts::English.checkout_expired());
    let o = f.press(&mut s, &chosen);
    assert_eq!(texts(&o), "Ready Sat 12:30. Pickup or delivery?");
    let o = f.press(&mut s, &button(&o, "f:p:"));
    assert!(
        texts(&o).contains("Pickup at the shop\nReady for: 5 Dec 12:30"),
        "the summary names the time: {o:?}"
    );
    let o = f.press(&mut s, &button(&o, "ok:"));
    let [Action::Place { order, .. }] = &o.actions[..] else {
        panic!("placed: {o:?}");
    };
    assert_eq!(order.scheduled_for, Some(at("2026-12-05T11:30:00Z")));
    // Placed: the next order starts without a time.
    if let [Action::Place { id, order }] = &o.actions[..] {
        placed(&mut s, *id, Some(&order.lines));
    }
    assert_eq!(s.time, None);
    // Cancelled at the time step: back to browsing, no time kept.
    f.say(&mut s, "a margherita");
    let o = f.say(&mut s, "/checkout");
    let o = f.press(&mut s, &button(&o, "no:"));
    assert!(matches!(s.stage, Stage::Browsing), "{o:?}");
    assert_eq!(s.time, None);
    // Changing a placed order needs no time: straight to confirming it.
    let mut s = Session {
        editing: Some(chatorder_shared::domain::OrderNumber(7)),
        ..Session::default()
    };
    f.say(&mut s, "2 large hawaiian");
    let o = f.say(&mut s, "/checkout");
    assert!(buttons(&o).iter().any(|b| b.starts_with("ok:")), "{o:?}");
    // In Spanish.
    let mut s = Session {
        lang: crate::texts::Lang::Es,
        ..Session::default()
    };
    f.say(&mut s, "2 hawaianas grandes");
    let o = f.say(&mut s, "/checkout");
    assert!(
        o.replies[0]
            .text
            .ends_with("Puedes hacer ya tu pedido para entonces: ¿para qué hora lo quieres?"),
        "{o:?}"
    );
    let o = f.press(&mut s, &buttons(&o)[0]);
    assert_eq!(texts(&o), "Para sáb 11:00. ¿Recogida o envío?");
}

#[test]
fn a_spanish_customer_orders_in_spanish_and_reads_spanish() {
    let f = Fixture::new();
    let mut s = Session {
        lang: crate::texts::Lang::Es,
        ..Session::default()
    };
    let o = f.say(&mut s, "dos hawaianas grandes y una margarita por favor");
    assert_eq!(
        s.cart,
        vec![
            CartLine {
                sku: Sku::parse("hawaiian_l").expect("sku"),
                qty: 2
            },
            CartLine {
                sku: Sku::parse("margherita_m").expect("sku"),
                qty: 1
            },
        ],
        "{o:?}"
    );
    let all = texts(&o);
    assert!(all.starts_with("Añadido a tu carrito:"), "{all}");
    assert!(all.contains("45,00 US$"), "{all}");

    let o = f.say(&mut s, "/checkout");
    assert_eq!(o.replies[0].text, "¿Recogida o envío a domicilio?");
    let labels: Vec<String> = inline_labels(&o);
    assert_eq!(labels, ["Recogida", "Envío"]);
    let pickup = button(&o, "f:p:");
    let o = f.press(&mut s, &pickup);
    assert!(texts(&o).starts_with("Revisa tu pedido:"), "{}", texts(&o));
    assert!(texts(&o).contains("Recogida en la tienda"), "{}", texts(&o));

    // A size the item lacks is asked about in Spanish, with Spanish prices.
    let o = f.say(&mut s, "una margarita grande");
    let all = texts(&o);
    assert!(all.contains("no viene en L"), "{all}");
    assert!(
        inline_labels(&o)
            .iter()
            .any(|l| l == "The Margherita Pizza (M) — 12,00 US$"),
        "{o:?}"
    );
}

fn inline_labels(o: &Turn) -> Vec<String> {
    o.replies
        .iter()
        .flat_map(|r| match &r.keyboard {
            Keyboard::Inline(rows) => rows.iter().flatten().map(|(l, _)| l.clone()).collect(),
            _ => Vec::new(),
        })
        .collect()
}

#[test]
fn a_promo_code_is_noted_shown_on_the_summary_and_taken_away_in_the_customers_language() {
    let f = Fixture::new();
    for (lang, noted, on_summary, removed) in [
        (
            crate::texts::Lang::En,
            "Promo code SAVE10 noted",
            "Total before your promo code: $45.00\nPromo code SAVE10:",
            "No promo code on your next order.",
        ),
        (
            crate::texts::Lang::Es,
            "Código promocional SAVE10 anotado",
            "Total antes de tu código promocional: 45,00 US$\nCódigo promocional SAVE10:",
            "Tu próximo pedido no lleva código promocional.",
        ),
    ] {
        let mut s = Session {
            lang,
            ..Session::default()
        };
        f.say(&mut s, "2 large hawaiian and a margherita");
        let o = f.say(&mut s, "/checkout");
        let o = f.press(&mut s, &button(&o, "f:p:"));
        assert!(!texts(&o).contains("SAVE10"), "{o:?}");
        // Given on the summary: it is shown again, with the code.
        let o = f.say(&mut s, "/promo save10");
        assert!(o.replies[0].text.starts_with(noted), "{o:?}");
        assert!(texts(&o).contains(on_summary), "{lang:?}: {}", texts(&o));
        let o = f.say(&mut s, "/promo");
        assert!(o.replies[0].text.contains("SAVE10"), "{o:?}");
        let o = f.say(&mut s, "/promo off");
        assert_eq!(o.replies[0].text, removed);
        assert_eq!(s.promo, None);
        let o = f.say(&mut s, "/promo !");
        assert_eq!(o.replies[0].text, crate::texts::of(lang).not_a_promo_code());
    }
}

fn paid(payload: &str, total_minor: i64, charge: &str) -> Input {
    Input::Paid(Paid {
        payload: payload.to_owned(),
        payment: chatorder_shared::payment::Payment {
            total_minor,
            currency: Currency::parse("USD").expect("usd"),
            telegram_payment_charge_id: charge.to_owned(),
            provider_payment_charge_id: format!("p-{charge}"),
        },
    })
}

#[test]
fn with_payments_confirm_bills_and_only_the_payment_places_the_order() {
    let f = Fixture::new();
    let mut shop = f.shop();
    shop.payments = true;
    let mut s = Session::default();
    handle(&mut s, Input::Text("2 large hawaiian".into()), &shop, "Ada");
    let o = handle(&mut s, Input::Text("/checkout".into()), &shop, "Ada");
    let o = handle(&mut s, Input::Button(button(&o, "f:p:")), &shop, "Ada");
    let o = handle(&mut s, Input::Button(button(&o, "ok:")), &shop, "Ada");
    let [Action::Invoice { id, order }] = &o.actions[..] else {
        panic!("one bill: {o:?}")
    };
    let invoice = s.invoice.clone().expect("the open bill");
    assert_eq!(
        (
            invoice.subtotal_minor,
            invoice.discount_minor,
            invoice.total_minor
        ),
        (3300, 0, 3300)
    );
    assert!(order.payment.is_none());
    assert_eq!(s.cart.len(), 1, "the cart stays until paid");
    let id = *id;
    let bill = PreCheckout {
        payload: payload(id),
        currency: "USD".into(),
        total_minor: 3300,
    };
    assert_eq!(pre_checkout(&s, &shop, &bill, |_| true), Ok(()));
    assert_eq!(
        pre_checkout(&s, &shop, &bill, |_| false),
        Err(crate::texts::English.pay_closed())
    );
    let forged = PreCheckout {
        total_minor: 1,
        ..bill.clone()
    };
    assert_eq!(
        pre_checkout(&s, &shop, &forged, |_| true),
        Err(crate::texts::English.pay_price_changed())
    );
    let other = PreCheckout {
        payload: "not-ours".into(),
        ..bill.clone()
    };
    assert_eq!(
        pre_checkout(&s, &shop, &other, |_| true),
        Err(crate::texts::English.pay_stale())
    );
    // Prices: one per line, summing to the bill.
    let prices = prices(&invoice, &shop, &crate::texts::English).expect("priced");
    assert_eq!(
        prices,
        vec![("2 × The Hawaiian Pizza (L)".to_owned(), 3300)]
    );

    // A price change after the bill is refused before any charge.
    let mut dearer = f.items.clone();
    dearer[1].price_minor = 1700;
    let dearer_shop = Shop {
        catalog: &dearer,
        ..f.shop()
    };
    assert_eq!(
        pre_checkout(&s, &dearer_shop, &bill, |_| true),
        Err(crate::texts::English.pay_price_changed())
    );

    // Paid: the billed order is placed with the payment, under the bill's id.
    let o = handle(&mut s, paid(&payload(id), 3300, "c1"), &shop, "Ada");
    let [
        Action::Place {
            id: placed_id,
            order,
        },
    ] = &o.actions[..]
    else {
        panic!("one place: {o:?}")
    };
    assert_eq!(*placed_id, id);
    assert_eq!(order.lines.len(), 1);
    assert_eq!(
        order
            .payment
            .as_ref()
            .map(|p| p.telegram_payment_charge_id.as_str()),
        Some("c1")
    );
    placed(&mut s, id, Some(&order.lines));
    assert!(s.invoice.is_none() && s.cart.is_empty());
    // The same bill paid again places nothing and says so.
    let o = handle(&mut s, paid(&payload(id), 3300, "c2"), &shop, "Ada");
    assert!(o.actions.is_empty());
    assert_eq!(o.replies[0].text, crate::texts::English.paid_twice());
    assert_eq!(
        pre_checkout(&s, &shop, &bill, |_| true),
        Err(crate::texts::English.pay_already())
    );
}

#[test]
fn a_bill_for_a_changed_cart_is_refused_and_a_lost_one_still_reaches_the_shop() {
    let f = Fixture::new();
    let mut shop = f.shop();
    shop.payments = true;
    let mut s = Session::default();
    handle(&mut s, Input::Text("a small hawaiian".into()), &shop, "Ada");
    let o = handle(&mut s, Input::Text("/checkout".into()), &shop, "Ada");
    let o = handle(&mut s, Input::Button(button(&o, "f:p:")), &shop, "Ada");
    let o = handle(&mut s, Input::Button(button(&o, "ok:")), &shop, "Ada");
    let [Action::Invoice { id, .. }] = &o.actions[..] else {
        panic!("one bill: {o:?}")
    };
    let bill = PreCheckout {
        payload: payload(*id),
        currency: "USD".into(),
        total_minor: 1050,
    };
    handle(&mut s, Input::Text("a margherita".into()), &shop, "Ada");
    assert_eq!(
        pre_checkout(&s, &shop, &bill, |_| true),
        Err(crate::texts::English.pay_cart_changed())
    );
    // A payment the session knows nothing of (it expired): sent as an empty
    // order with the payment, which the worker refuses with a refund due.
    let mut fresh = Session::default();
    let o = handle(&mut fresh, paid(&payload(*id), 1050, "c9"), &shop, "Ada");
    let [Action::Place { order, .. }] = &o.actions[..] else {
        panic!("one place: {o:?}")
    };
    assert!(order.lines.is_empty() && order.payment.is_some());
    // Without payments, Confirm places at once as it always did.
    let o = f.say(&mut s, "/checkout");
    let o = f.press(&mut s, &button(&o, "f:p:"));
    let o = f.press(&mut s, &button(&o, "ok:"));
    assert!(matches!(&o.actions[..], [Action::Place { order, .. }] if order.payment.is_none()));
}

#[test]
fn with_a_promo_code_the_bill_asks_the_total_after_the_discount_the_shell_fills_in() {
    let f = Fixture::new();
    let mut shop = f.shop();
    shop.payments = true;
    let mut s = Session {
        lang: crate::texts::Lang::Es,
        ..Session::default()
    };
    handle(
        &mut s,
        Input::Text("2 hawaianas grandes".into()),
        &shop,
        "Ada",
    );
    handle(&mut s, Input::Text("/promo save10".into()), &shop, "Ada");
    let o = handle(&mut s, Input::Text("/checkout".into()), &shop, "Ada");
    let o = handle(&mut s, Input::Button(button(&o, "f:p:")), &shop, "Ada");
    let o = handle(&mut s, Input::Button(button(&o, "ok:")), &shop, "Ada");
    let [Action::Invoice { id, order }] = &o.actions[..] else {
        panic!("one bill: {o:?}")
    };
    assert_eq!(order.promo.as_ref().map(|c| c.as_str()), Some("SAVE10"));
    assert_eq!(
        o.replies[0].text,
        crate::texts::Spanish.invoice_preparing(),
        "in the customer's language"
    );
    // What the shell does with the worker's quote: 10% off.
    let invoice = s.invoice.as_mut().expect("the open bill");
    invoice.discount_minor = 330;
    invoice.total_minor = 2970;
    let invoice = invoice.clone();
    assert_eq!(
        prices(&invoice, &shop, &crate::texts::Spanish),
        Some(vec![(
            "Tu pedido, código promocional SAVE10 (−3,30 US$)".to_owned(),
            2970
        )]),
        "one price, what is left to pay"
    );
    let bill = PreCheckout {
        payload: payload(*id),
        currency: "USD".into(),
        total_minor: 2970,
    };
    assert_eq!(pre_checkout(&s, &shop, &bill, |_| true), Ok(()));
    // The undiscounted total is not this bill's.
    let full = PreCheckout {
        total_minor: 3300,
        ..bill.clone()
    };
    assert_eq!(
        pre_checkout(&s, &shop, &full, |_| true),
        Err(crate::texts::Spanish.pay_price_changed())
    );
    // Paid: the order goes with its promo code, for the worker to check again.
    let o = handle(&mut s, paid(&payload(*id), 2970, "c3"), &shop, "Ada");
    let [Action::Place { order, .. }] = &o.actions[..] else {
        panic!("one place: {o:?}")
    };
    assert_eq!(order.promo.as_ref().map(|c| c.as_str()), Some("SAVE10"));
    assert_eq!(order.payment.as_ref().map(|p| p.total_minor), Some(2970));
}

/// An update handled again from the session saved before it (the bot was
/// killed after answering it, before saving) gives the same checkout, so
/// the buttons sent the first time still work; the next update, or another
/// customer, gets a new one.
#[test]
fn an_update_handled_again_gives_the_checkout_it_gave_the_first_time() {
    let f = Fixture::new();
    let mut saved = Session::default();
    assert!(saved.take_update(1));
    f.say(&mut saved, "2 large hawaiian");
    assert!(saved.take_update(2));
    let mut first = saved.clone();
    let mut again = saved.clone();
    let pickup = button(&f.say(&mut first, "/checkout"), "f:p:");
    assert_eq!(button(&f.say(&mut again, "/checkout"), "f:p:"), pickup);
    let o = f.press(&mut again, &pickup);
    assert!(
        o.replies[0].text.contains("Pickup"),
        "{}",
        o.replies[0].text
    );

    assert!(first.take_update(3));
    assert_ne!(button(&f.say(&mut first, "/checkout"), "f:p:"), pickup);
    let mut other = Session::default();
    assert!(other.take_update(2));
    f.say(&mut other, "2 large hawaiian");
    assert_ne!(button(&f.say(&mut other, "/checkout"), "f:p:"), pickup);
}
