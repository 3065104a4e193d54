//! Writes the seed corpus under `fuzz/corpus/<target>/`:
//! `cargo run --manifest-path fuzz/Cargo.toml --example gen_corpus`.
//!
//! Envelopes come from the real encoder (`Envelope::to_json`) with fixed ids
//! and times, so the files are the same on every run; order phrases and
//! conversations are what customers type and the buttons the bot shows.

use std::path::{Path, PathBuf};

use chatorder_shared::commands::{
    CancelOrder, CatalogChange, CatalogItemInput, Command, LineRequest, PlaceOrder,
    RegisterCustomer, SendMessage, SetStatus, UpdateOrder,
};
use chatorder_shared::domain::{
    Actor, Currency, Fulfilment, OrderNumber, OrderStatus, Platform, Role, Sku,
};
use chatorder_shared::envelope::Envelope;
use chatorder_shared::events::{
    CatalogItem, CustomerRef, Event, OrderLine, OrderMessage, OrderSnapshot, Rejection,
};
use chatorder_shared::lifecycle::TransitionError;
use chatorder_shared::refusal::Refusal;
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

/// A fixed time, so the files are the same on every run.
fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .expect("timestamp")
        .with_timezone(&Utc)
}

const PHRASES: &[(&str, &str)] = &[
    ("margherita-coke", "2 large margherita and a coke"),
    ("hawaiian-veggie", "2 large hawaiian and a small veggie"),
    (
        "polite-bbq",
        "hi! can i get a medium bbq chicken pizza please",
    ),
    ("times-sizes", "3x pepperoni (L), 1 big meat"),
    (
        "name-with-commas",
        "The Pepperoni, Mushroom, and Peppers Pizza",
    ),
    ("dozen", "a dozen small greek"),
    ("no-separator", "2 hawaiian 1 pepperoni"),
    ("topping", "hawaiian with extra cheese"),
    ("with-item", "big meat with a coke"),
    ("xl-xxl", "an xl greek and a xxl greek"),
    ("size-missing", "a medium big meat"),
    ("typos", "thai chiken pizza lrg"),
    ("accents", "Hawaïan pizza, grande"),
    ("plus-name", "vegetables + vegetables x 2"),
    ("x-large", "2 x-large greek"),
    ("multi-line", "1 large hawaiian\n2 small pepperoni\na coke"),
    ("spinach", "spinach & feta, spinach pesto; spinach supreme"),
    ("ambiguous", "a chicken pizza"),
    ("sold-out", "garlic bread and a large iced tea"),
    ("couple", "i'd like a couple of iced teas"),
    ("cafe", "two lattes, a croissant and an espresso"),
    ("cafe-times", "large latte, almond croissant x2"),
    ("cafe-sold-out", "blueberry muffin please"),
    ("conflicting-numbers", "2 hawaiian 3"),
    ("zero", "0 pepperoni"),
    ("sixty", "60 calabrese"),
    ("u32-overflow", "4294967296 hawaiian"),
    ("thanks", "thanks!"),
    ("emoji", "🍕🍕🍕"),
    ("command", "/checkout"),
    ("empty", ""),
];

/// Conversations: first line the session, then one step per line (see
/// `chatorder_fuzz::telegram`).
const SCRIPTS: &[(&str, &str)] = &[
    (
        "pickup",
        "{}\nT /start\nT 2 large margherita and a coke\nT /checkout\nP 0\nP 0\nplaced\nT /orders",
    ),
    (
        "delivery-phone-note",
        "{}\nT hi! can i get a medium bbq chicken pizza please\nT also 3 small pepperoni\n\
         T /checkout\nP 1\nT 221B Baker Street, London\nC +44 20 7946 0000\nP 1\n\
         T ring the bell twice please\nP 0\nplaced\nP 0",
    ),
    (
        "menu-browsing",
        "{}\nT /menu\nP 2\nP 0\nP 1\nT /cart\nP 1\nP 0\nP 2\nB m\nB c:0\nB n:3\nB clear",
    ),
    (
        "size-question",
        "{}\nT a hawaiian\nP 2\nT a chicken pizza\nP 0\nP 1\nT /cart",
    ),
    (
        "edit-order",
        r#"{"cart":[{"sku":"hawaiian_l","qty":2}],"stage":{"stage":"browsing"},"phone":null,"last_checkout":null,"editing":1042}
T 1 coke
T /cart
T /checkout
P 0
placed
T /edit 1042
E 1042
B q:hawaiian_l:-1
B co
P 1"#,
    ),
    (
        "commands",
        "{}\nT /help\nT /status 1042\nT /status@chatorder_bot #12\nT /cancel 1042\nT /edit 7\n\
         T /msg 1042 where is my pizza?\nT /msg 1042\nT /unknown\nT /\nO\nC 555",
    ),
    (
        "forged-buttons",
        "{}\nT 2 large hawaiian\nB q:hawaiian_l:-1\nB q:hawaiian_l:2\nB q:nope:1\nB a:nope:1\n\
         B a:hawaiian_l:0\nB a:hawaiian_l:51\nB w:hawaiian_l:3\nB c:999\nB n:-1\n\
         B f:x:00000000000000000000000000000000\nB ok:\nB nt:zzz\nB no:\n\
         B r:18446744073709551615\nB r:abc\nB \nB ::::",
    ),
    (
        "confirm-twice",
        "{}\nT 1 small greek\nT /checkout\nP 0\nP 0\nplaced\nH 2\nH 5",
    ),
    (
        "checkout-then-add",
        "{}\nT 1 small greek\nT /checkout\nP 0\nT and a coke\nH 0\nT /checkout\nP 1\nT \nT The Shop Street 1",
    ),
    (
        "full-cart",
        r#"{"cart":[{"sku":"hawaiian_l","qty":50},{"sku":"coke","qty":1}],"stage":{"stage":"browsing"},"phone":"+1 555 0100","last_checkout":null,"editing":null}
T 2 large hawaiian
T 60 coke
T /cart
P 1
P 4"#,
    ),
    (
        "confirm-stage",
        r#"{"cart":[{"sku":"greek_xl","qty":1}],"stage":{"stage":"confirm","checkout":"0190000000007000800000000000002a","fulfilment":{"kind":"delivery","address":"1 Main Street"},"note":"ring twice"},"phone":"+1 555 0100","last_checkout":null,"editing":null}
B nt:0190000000007000800000000000002a
T no onions
B ok:0190000000007000800000000000002a
placed
B ok:0190000000007000800000000000002a"#,
    ),
    (
        "catalog-change",
        "{}\nT 1 large pepperoni\ndrop 3\nT /menu\nP 0\nT /cart",
    ),
    (
        "arbitrary-session",
        "\u{3}\u{1}\u{5}\u{7}\u{1}abc\u{2}\u{9}\nT /cart\nP 0\nT /checkout\nP 0\nP 0",
    ),
    (
        "arbitrary-session-edit",
        "\u{1}\u{2}\u{3}\u{4}\u{6}\u{2a}\u{10}\u{20}\u{30}\nP 0\nT /cart\nH 1\nB ok:0190000000007000800000000000002a",
    ),
    ("not-json", "{broken\nT 2 hawaiian\nT /cart"),
];

fn customer() -> Actor {
    Actor {
        role: Role::Customer,
        platform: Platform::Telegram,
        id: "5512345".into(),
        name: Some("Ada".into()),
        roles: vec![],
    }
}

fn owner() -> Actor {
    Actor {
        role: Role::Owner,
        platform: Platform::Discord,
        id: "900000000000000001".into(),
        name: Some("Bea".into()),
        roles: vec!["1100000000000000001".into()],
    }
}

fn sku(s: &str) -> Sku {
    Sku::parse(s).expect("sku")
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(0x0193_5f00_0000_7000_8000_0000_0000_0000 | n)
}

/// The real encoder, with a fixed id and time.
fn envelope<T: Serialize>(n: u128, kind: &str, actor: Actor, data: T) -> Vec<u8> {
    let mut env = Envelope::new(kind, actor, data);
    env.id = id(n);
    env.at = at("2026-11-22T18:00:00.123456Z");
    env.to_json()
}

fn snapshot(status: OrderStatus, version: u32) -> OrderSnapshot {
    let usd = Currency::parse("USD").expect("USD");
    OrderSnapshot {
        id: id(1),
        number: OrderNumber(1042),
        version,
        status,
        customer: CustomerRef {
            key: "telegram:5512345".into(),
            platform: Platform::Telegram,
            id: "5512345".into(),
            name: Some("Ada".into()),
        },
        lines: vec![
            OrderLine {
                sku: sku("hawaiian_l"),
                name: "The Hawaiian Pizza (L)".into(),
                qty: 2,
                unit_price_minor: 2050,
                line_total_minor: 4100,
            },
            OrderLine {
                sku: sku("coke"),
                name: "Coke".into(),
                qty: 1,
                unit_price_minor: 250,
                line_total_minor: 250,
            },
        ],
        total_minor: 4350,
        currency: usd,
        fulfilment: Fulfilment::Delivery {
            address: "221B Baker Street".into(),
        },
        note: Some("ring twice".into()),
        placed_at: at("2026-11-22T18:00:00.123456Z"),
        updated_at: at("2026-11-22T18:05:00Z"),
        promo: None,
        payment: None,
        scheduled_for: None,
    }
}

fn commands() -> Vec<(&'static str, Vec<u8>)> {
    let place = PlaceOrder {
        lines: vec![
            LineRequest {
                sku: sku("margherita_l"),
                qty: 2,
            },
            LineRequest {
                sku: sku("coke"),
                qty: 1,
            },
        ],
        fulfilment: Fulfilment::Pickup,
        note: None,
        phone: None,
        promo: None,
        payment: None,
        scheduled_for: None,
    };
    let delivery = PlaceOrder {
        fulfilment: Fulfilment::Delivery {
            address: "221B Baker Street, London".into(),
        },
        note: Some("ring the bell twice".into()),
        phone: Some("+44 20 7946 0000".into()),
        ..place.clone()
    };
    let n = OrderNumber(1042);
    vec![
        (
            "register",
            envelope(
                10,
                "customer.register",
                customer(),
                RegisterCustomer::default(),
            ),
        ),
        (
            "register-phone",
            envelope(
                11,
                "customer.register",
                customer(),
                RegisterCustomer {
                    phone: Some("+1 555 0100".into()),
                },
            ),
        ),
        (
            "place-pickup",
            envelope(12, "order.place", customer(), Command::Place(place.clone())),
        ),
        (
            "place-delivery",
            envelope(13, "order.place", customer(), Command::Place(delivery)),
        ),
        (
            "update",
            envelope(
                14,
                "order.update",
                customer(),
                UpdateOrder {
                    number: n,
                    lines: vec![LineRequest {
                        sku: sku("hawaiian_l"),
                        qty: 3,
                    }],
                    note: Some("no onions".into()),
                    expected_version: None,
                },
            ),
        ),
        (
            "cancel-customer",
            envelope(
                15,
                "order.cancel",
                customer(),
                CancelOrder {
                    number: n,
                    reason: None,
                    expected_version: None,
                },
            ),
        ),
        (
            "cancel-owner",
            envelope(
                16,
                "order.cancel",
                owner(),
                CancelOrder {
                    number: n,
                    reason: Some("out of dough".into()),
                    expected_version: None,
                },
            ),
        ),
        (
            "message-customer",
            envelope(
                17,
                "order.message",
                customer(),
                SendMessage {
                    number: n,
                    text: "where is my pizza?".into(),
                },
            ),
        ),
        (
            "message-owner",
            envelope(
                18,
                "order.message",
                owner(),
                SendMessage {
                    number: n,
                    text: "10 more minutes 🍕".into(),
                },
            ),
        ),
        (
            "status-accepted",
            envelope(
                19,
                "order.status",
                owner(),
                SetStatus {
                    number: n,
                    status: OrderStatus::Accepted,
                    reason: None,
                    expected_version: None,
                },
            ),
        ),
        (
            "status-out-for-delivery",
            envelope(
                20,
                "order.status",
                owner(),
                SetStatus {
                    number: n,
                    status: OrderStatus::OutForDelivery,
                    reason: Some("driver left".into()),
                    expected_version: None,
                },
            ),
        ),
        (
            "catalog-upsert",
            envelope(
                21,
                "catalog.change",
                owner(),
                CatalogChange::Upsert {
                    item: CatalogItemInput {
                        sku: sku("margherita_xl"),
                        name: "The Margherita Pizza".into(),
                        size: Some("XL".into()),
                        category: "classic".into(),
                        price_minor: 2200,
                        available: true,
                    },
                },
            ),
        ),
        (
            "catalog-price",
            envelope(
                22,
                "catalog.change",
                owner(),
                CatalogChange::Price {
                    sku: sku("coke"),
                    price_minor: 275,
                },
            ),
        ),
        (
            "catalog-disable",
            envelope(
                23,
                "catalog.change",
                owner(),
                CatalogChange::Disable { sku: sku("coke") },
            ),
        ),
        (
            "catalog-enable",
            envelope(
                24,
                "catalog.change",
                owner(),
                CatalogChange::Enable { sku: sku("coke") },
            ),
        ),
        // Refused ones, as the worker meets them.
        ("version-2", {
            let mut env = Envelope::new("order.place", customer(), Command::Place(place.clone()));
            env.id = id(25);
            env.at = at("2026-11-22T18:00:00Z");
            env.v = 2;
            env.to_json()
        }),
        (
            "forged-role",
            envelope(
                26,
                "order.place",
                Actor {
                    role: Role::Owner,
                    ..customer()
                },
                place,
            ),
        ),
        ("not-json", b"{\"id\":\"0193".to_vec()),
    ]
}

fn events() -> Vec<(&'static str, Vec<u8>)> {
    let system = Actor {
        role: Role::Owner,
        platform: Platform::System,
        id: "orders-worker".into(),
        name: None,
        roles: vec![],
    };
    let usd = Currency::parse("USD").expect("USD");
    let event = |n: u128, e: Event| {
        let kind = e.kind().envelope_type();
        let mut env = e.into_envelope(system.clone());
        env.id = id(n);
        env.at = at("2026-11-22T18:00:01Z");
        env.cause = Some(id(12));
        (kind, env.to_json())
    };
    let pending = snapshot(OrderStatus::Pending, 1);
    vec![
        (
            "event-placed",
            event(
                40,
                Event::Placed {
                    order: pending.clone(),
                },
            )
            .1,
        ),
        (
            "event-updated",
            event(
                41,
                Event::Updated {
                    order: snapshot(OrderStatus::Pending, 2),
                },
            )
            .1,
        ),
        (
            "event-cancelled",
            event(
                42,
                Event::Cancelled {
                    order: snapshot(OrderStatus::Cancelled, 3),
                    by: Role::Owner,
                    reason: Some("out of dough".into()),
                },
            )
            .1,
        ),
        (
            "event-status-changed",
            event(
                43,
                Event::StatusChanged {
                    order: snapshot(OrderStatus::Ready, 4),
                    from: OrderStatus::Preparing,
                    to: OrderStatus::Ready,
                    reason: None,
                },
            )
            .1,
        ),
        (
            "event-rejected",
            event(
                44,
                Event::Rejected(Rejection {
                    command_id: id(12),
                    command_type: "order.place".into(),
                    number: None,
                    refusal: Refusal::BadQuantity {
                        name: "Coke".into(),
                        qty: 60,
                        max: 50,
                    },
                    to: customer(),
                    payment: None,
                }),
            )
            .1,
        ),
        (
            "event-rejected-transition",
            event(
                47,
                Event::Rejected(Rejection {
                    command_id: id(12),
                    command_type: "order.cancel".into(),
                    number: Some(OrderNumber(1042)),
                    refusal: Refusal::transition(
                        OrderNumber(1042),
                        OrderStatus::Cancelled,
                        TransitionError::ShopHasIt {
                            from: OrderStatus::Preparing,
                        },
                    ),
                    to: customer(),
                    payment: None,
                }),
            )
            .1,
        ),
        // As a worker wrote it before refusals were typed: a code and an
        // English sentence. It must still decode (as `Refusal::Other`).
        (
            "event-rejected-legacy",
            r#"{"id":"01935f00-0000-7000-8000-00000000002c","type":"command.rejected","v":1,"at":"2026-11-22T18:00:01Z","actor":{"role":"owner","platform":"system","id":"orders-worker"},"cause":"01935f00-0000-7000-8000-00000000000c","data":{"command_id":"01935f00-0000-7000-8000-00000000000c","command_type":"order.place","code":"bad_quantity","reason":"You can order between 1 and 50 of each item; you asked for 60 × Coke.","to":{"role":"customer","platform":"telegram","id":"5512345","name":"Ada"}}}"#
                .as_bytes()
                .to_vec(),
        ),
        (
            "event-message",
            event(
                45,
                Event::Message(OrderMessage {
                    order_id: id(1),
                    number: OrderNumber(1042),
                    customer: pending.customer.clone(),
                    from: Role::Owner,
                    text: "10 more minutes".into(),
                }),
            )
            .1,
        ),
        (
            "event-catalog-changed",
            event(
                46,
                Event::CatalogChanged {
                    item: CatalogItem {
                        sku: sku("coke"),
                        name: "Coke".into(),
                        size: None,
                        category: "drinks".into(),
                        price_minor: 275,
                        currency: usd,
                        available: true,
                    },
                },
            )
            .1,
        ),
    ]
}

fn write(dir: &Path, name: &str, data: &[u8]) {
    let path = dir.join(name);
    std::fs::write(&path, data).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

fn target_dir(root: &Path, target: &str) -> PathBuf {
    let dir = root.join(target);
    std::fs::create_dir_all(&dir).expect("create corpus dir");
    dir
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");

    let dir = target_dir(&root, "parse_order_text");
    for (name, text) in PHRASES {
        write(&dir, &format!("{name}.txt"), text.as_bytes());
    }

    let dir = target_dir(&root, "decode_envelope");
    for (name, json) in commands().into_iter().chain(events()) {
        write(&dir, &format!("{name}.json"), &json);
    }

    let dir = target_dir(&root, "telegram_update");
    for (name, script) in SCRIPTS {
        write(&dir, &format!("{name}.chat"), script.as_bytes());
    }

    let count = PHRASES.len() + commands().len() + events().len() + SCRIPTS.len();
    println!("wrote {count} seeds under {}", root.display());
}
