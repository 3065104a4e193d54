//! Property tests of the order lifecycle through the worker's in-memory step:
//! [`rules::decide`] then [`record`], exactly as `apply_in_tx` runs them for
//! each command of a batch (only the MySQL reads and writes are left out).
//!
//! Any sequence of commands — place, update lines, status moves, cancels,
//! messages, catalog changes, registrations — from any actor (two customers,
//! a customer of another platform with the same user id, the owner, and
//! someone on the owner subject who is not a configured owner), on any
//! subject, at any clock (also running backwards), keeps these invariants:
//!
//! - an order's total is the sum of its line totals, each line is unit price ×
//!   quantity with 1 ≤ quantity ≤ `MAX_QTY`, an item at most once, at most
//!   `MAX_LINES` lines;
//! - nothing moves an order out of a final status (completed, rejected,
//!   cancelled), and every status move is one the lifecycle table allows the
//!   role; an order makes at most five moves;
//! - an accepted change raises the version by exactly one (a new order starts
//!   at 1), a message raises nothing, and a refused command changes nothing:
//!   neither the order, nor the status history, nor anything else to write;
//! - the status history gets exactly one row per placed order and per
//!   accepted status move, and reads as a chain: from nothing to pending,
//!   each row starting where the one before ended, the last ending at the
//!   order's status;
//! - version = 1 + line changes + status moves, and `updated_at` never goes back;
//! - customers only ever touch their own orders; only configured owners get
//!   anything done on the owner subject; an owner's cancel carries a reason.
//!
//! The sequence test in `rules_tests.rs` covers the first three for the rules
//! alone; this one adds the status history, refusals, impostors, other
//! subjects, catalog changes and clock skew.

use std::collections::HashMap;

use chatorder_shared::commands::{
    CancelOrder, CatalogChange, Command, IncomingCommand, LineRequest, PlaceOrder,
    RegisterCustomer, SendMessage, SetStatus, UpdateOrder,
};
use chatorder_shared::domain::{
    Actor, Currency, Fulfilment, OrderNumber, OrderStatus, Platform, Role, Sku,
};
use chatorder_shared::envelope::Envelope;
use chatorder_shared::events::CatalogItem;
use chatorder_shared::promo::{Discount, Promo, PromoCode, PromoTerms};
use chatorder_shared::refusal::Refusal;
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use proptest::prelude::*;

use super::{BatchView, Writes, record};
use crate::rules::{self, Ctx, Effect, check_transition, limits};

/// `(sku, price, available)`; `nope` is not in the catalog at all.
const ITEMS: &[(&str, i64, bool)] = &[
    ("hawaiian_m", 1325, true),
    ("veggie_s", 1200, true),
    ("brie_s", 2365, false),
    ("big_meat_xxl", 3550, true),
];
const SKUS: &[&str] = &["hawaiian_m", "veggie_s", "brie_s", "big_meat_xxl", "nope"];

/// Order numbers handed out start here; one below never exists.
const FIRST_NUMBER: u64 = 1001;

/// The lifecycle does not depend on the hours: always open.
static ALWAYS: std::sync::LazyLock<chatorder_shared::hours::Schedule> =
    std::sync::LazyLock::new(|| chatorder_shared::hours::Schedule::always(chrono_tz::UTC));

fn usd() -> Currency {
    Currency::parse("USD").expect("USD")
}

fn sku(s: &str) -> Sku {
    Sku::parse(s).expect("sku")
}

fn catalog() -> HashMap<Sku, CatalogItem> {
    ITEMS
        .iter()
        .map(|&(code, price, available)| {
            let item = CatalogItem {
                sku: sku(code),
                name: code.replace('_', " "),
                size: None,
                category: "pizza".into(),
                price_minor: price,
                currency: usd(),
                available,
            };
            (item.sku.clone(), item)
        })
        .collect()
}

/// Who sends a command, and on which subject.
#[derive(Debug, Clone, Copy)]
enum Who {
    Ada,
    Bob,
    /// Same user id as Ada, on another platform: another customer.
    AdaOnDiscord,
    Owner,
    /// On the owner subject, but not in the shop's owner list.
    Impostor,
}

impl Who {
    fn actor(self) -> Actor {
        let (role, platform, id) = match self {
            Self::Ada => (Role::Customer, Platform::Telegram, "1"),
            Self::Bob => (Role::Customer, Platform::Telegram, "2"),
            Self::AdaOnDiscord => (Role::Customer, Platform::Discord, "1"),
            Self::Owner => (Role::Owner, Platform::Discord, "900"),
            Self::Impostor => (Role::Owner, Platform::Discord, "666"),
        };
        Actor {
            role,
            platform,
            id: id.into(),
            name: Some("Someone".into()),
            roles: vec![],
        }
    }
}

fn who() -> impl Strategy<Value = Who> {
    prop_oneof![
        3 => Just(Who::Ada),
        2 => Just(Who::Bob),
        1 => Just(Who::AdaOnDiscord),
        4 => Just(Who::Owner),
        1 => Just(Who::Impostor),
    ]
}

fn number() -> impl Strategy<Value = OrderNumber> {
    (FIRST_NUMBER - 1..FIRST_NUMBER + 4).prop_map(OrderNumber)
}

fn lines() -> impl Strategy<Value = Vec<LineRequest>> {
    let line = (proptest::sample::select(SKUS), 0u32..=60)
        .prop_map(|(s, qty)| LineRequest { sku: sku(s), qty });
    proptest::collection::vec(line, 0..5)
}

fn text() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("out of dough".to_owned())),
        Just(Some("   ".to_owned())),
        Just(Some("x".repeat(limits::MAX_REASON_CHARS + 1))),
    ]
}

fn fulfilment() -> impl Strategy<Value = Fulfilment> {
    prop_oneof![
        Just(Fulfilment::Pickup),
        Just(Fulfilment::Delivery {
            address: "1 Main Street".into()
        }),
        Just(Fulfilment::Delivery {
            address: "  ".into()
        }),
    ]
}

/// No code, a code with few uses once per customer, one with a minimum
/// total, an amount larger than some orders, a switched-off one, an unknown one.
fn promo() -> impl Strategy<Value = Option<PromoCode>> {
    prop_oneof![
        2 => Just(None),
        1 => proptest::sample::select(&["FEW", "MIN30", "FIVER", "OFF", "NOPE"][..])
            .prop_map(|c| Some(PromoCode::parse(c).expect("code"))),
    ]
}

/// The world's promo codes.
fn promos() -> HashMap<PromoCode, Promo> {
    let code = |c: &str| PromoCode::parse(c).expect("code");
    let terms = |c: &str, discount| PromoTerms {
        code: code(c),
        discount,
        min_total_minor: None,
        from: None,
        until: None,
        max_uses: None,
        once_per_customer: false,
    };
    let mut few = terms("FEW", Discount::Percent(15));
    few.max_uses = Some(2);
    few.once_per_customer = true;
    let mut min = terms("MIN30", Discount::Percent(100));
    min.min_total_minor = Some(3000);
    let fiver = terms("FIVER", Discount::Amount(1500));
    let off = terms("OFF", Discount::Percent(50));
    [(few, true), (min, true), (fiver, true), (off, false)]
        .into_iter()
        .map(|(terms, enabled)| {
            (
                terms.code.clone(),
                Promo {
                    terms,
                    enabled,
                    uses: 0,
                },
            )
        })
        .collect()
}

fn command() -> impl Strategy<Value = Command> {
    let status = proptest::sample::select(OrderStatus::ALL.to_vec());
    prop_oneof![
        3 => (lines(), fulfilment(), text(), promo()).prop_map(|(lines, fulfilment, note, promo)| {
            Command::Place(PlaceOrder { lines, fulfilment, note, phone: None, promo, payment: None, scheduled_for: None })
        }),
        2 => (number(), lines(), text()).prop_map(|(number, lines, note)| {
            Command::Update(UpdateOrder { number, lines, note, expected_version: None, })
        }),
        2 => (number(), text()).prop_map(|(number, reason)| {
            Command::Cancel(CancelOrder { number, reason, expected_version: None, })
        }),
        6 => (number(), status, text()).prop_map(|(number, status, reason)| {
            Command::Status(SetStatus { number, status, reason, expected_version: None, })
        }),
        1 => (number(), prop_oneof![Just("where is it?"), Just(" ")]).prop_map(|(number, t)| {
            Command::Message(SendMessage { number, text: t.into() })
        }),
        1 => (proptest::sample::select(SKUS), any::<bool>()).prop_map(|(s, on)| {
            Command::Catalog(if on {
                CatalogChange::Enable { sku: sku(s) }
            } else {
                CatalogChange::Disable { sku: sku(s) }
            })
        }),
        1 => Just(Command::Register(RegisterCustomer::default())),
    ]
}

/// One command and the clock when it is applied (seconds from a fixed time).
fn step() -> impl Strategy<Value = (Who, Command, i64)> {
    (who(), command(), -3600i64..3600)
}

/// What the test itself counted per order.
#[derive(Debug, Default)]
struct Counted {
    line_changes: u32,
    status_moves: u32,
}

struct World {
    view: BatchView,
    writes: Writes,
    counted: HashMap<OrderNumber, Counted>,
    next_number: u64,
}

impl World {
    fn new() -> Self {
        Self {
            view: BatchView {
                orders: HashMap::new(),
                items: catalog(),
                pause: None,
                promos: promos(),
                promo_used: Default::default(),
            },
            writes: Writes::default(),
            counted: HashMap::new(),
            next_number: FIRST_NUMBER,
        }
    }

    /// Everything `record` may append to, as counts.
    fn written(&self) -> [usize; 6] {
        let w = &self.writes;
        [
            w.new_orders.len(),
            w.changed_orders.len(),
            w.customers.len() + w.registrations.len(),
            w.status_changes.len(),
            w.messages.len(),
            w.catalog.len(),
        ]
    }

    fn apply(&mut self, who: Who, cmd: Command, clock: i64) -> Result<(), TestCaseError> {
        let actor = who.actor();
        let role = actor.role;
        let is_owner = matches!(who, Who::Owner);
        let envelope = Envelope::new(cmd.kind().envelope_type(), actor, cmd);
        let incoming = IncomingCommand { role, envelope };
        let env = &incoming.envelope;
        let now = Utc
            .with_ymd_and_hms(2026, 11, 22, 18, 0, 0)
            .single()
            .expect("time")
            + TimeDelta::seconds(clock);
        let new_order =
            matches!(env.data, Command::Place(_)).then(|| (env.id, OrderNumber(self.next_number)));
        let ctx = Ctx {
            actor: &env.actor,
            role,
            is_owner,
            now,
            currency: usd(),
            schedule: &ALWAYS,
            new_order,
        };
        let before = env
            .data
            .number()
            .and_then(|n| self.view.orders.get(&n).cloned());
        let items_before = self.view.items.clone();
        let written = self.written();

        match rules::decide(&self.view, &env.data, &ctx) {
            Err(rejected) => {
                // A refusal the worker sends is always one the bots can word.
                prop_assert!(!matches!(rejected, Refusal::Other { .. }), "{:?}", rejected);
                if role == Role::Owner && !is_owner {
                    prop_assert_eq!(rejected.code(), "not_owner");
                } else if !env.data.kind().allowed_for(role) {
                    prop_assert_eq!(rejected.code(), "not_allowed");
                }
                // A refusal changes nothing.
                let after = env
                    .data
                    .number()
                    .and_then(|n| self.view.orders.get(&n).cloned());
                prop_assert_eq!(after, before);
                prop_assert_eq!(self.written(), written);
                prop_assert!(self.view.items == items_before);
            }
            Ok(effect) => {
                prop_assert!(
                    role == Role::Customer || is_owner,
                    "an impostor got {:?} done",
                    env.data
                );
                prop_assert!(env.data.kind().allowed_for(role));
                self.check_effect(&effect, before.as_ref(), &env.actor, role, now)?;
                record(&mut self.writes, &mut self.view, &effect, &incoming, now);
                match &effect {
                    Effect::Placed(o) => {
                        prop_assert_eq!(o.number, OrderNumber(self.next_number));
                        self.next_number += 1;
                        self.counted.insert(o.number, Counted::default());
                    }
                    Effect::LinesChanged(o) => {
                        self.counted.entry(o.number).or_default().line_changes += 1;
                    }
                    Effect::StatusChanged { order, .. } => {
                        self.counted.entry(order.number).or_default().status_moves += 1;
                    }
                    Effect::Message { .. } => {
                        prop_assert_eq!(&self.written()[..4], &written[..4]);
                    }
                    Effect::Catalog { .. }
                    | Effect::Registered { .. }
                    | Effect::Shop { .. }
                    | Effect::Promo { .. } => {}
                }
            }
        }
        self.check_orders()
    }

    fn check_effect(
        &self,
        effect: &Effect,
        before: Option<&chatorder_shared::events::OrderSnapshot>,
        actor: &Actor,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<(), TestCaseError> {
        let Some(after) = effect.order() else {
            return Ok(());
        };
        if role == Role::Customer {
            prop_assert_eq!(&after.customer.key, &actor.key(), "touched another's order");
        }
        let Some(before) = before else {
            prop_assert!(
                matches!(effect, Effect::Placed(_)),
                "{:?} on no order",
                effect
            );
            prop_assert_eq!(after.version, 1);
            prop_assert_eq!(after.status, OrderStatus::Pending);
            prop_assert_eq!(after.placed_at, now);
            return Ok(());
        };
        if !effect.changes_order() {
            prop_assert_eq!(after, before, "a message changed the order");
            return Ok(());
        }
        prop_assert!(
            !before.status.is_final(),
            "changed an order that was {:?}: {:?}",
            before.status,
            effect
        );
        prop_assert_eq!(after.version, before.version + 1);
        prop_assert!(after.updated_at >= before.updated_at, "time ran backwards");
        prop_assert_eq!(after.placed_at, before.placed_at);
        prop_assert_eq!((after.id, after.number), (before.id, before.number));
        match effect {
            Effect::LinesChanged(_) => {
                prop_assert_eq!(before.status, OrderStatus::Pending);
                prop_assert_eq!(after.status, OrderStatus::Pending);
            }
            Effect::StatusChanged {
                from,
                to,
                by,
                reason,
                ..
            } => {
                prop_assert_eq!(*from, before.status);
                prop_assert_eq!(*to, after.status);
                prop_assert_eq!(*by, role);
                let delivery = matches!(before.fulfilment, Fulfilment::Delivery { .. });
                prop_assert!(check_transition(*from, *to, role, delivery).is_ok());
                if role == Role::Owner && *to == OrderStatus::Cancelled {
                    prop_assert!(reason.is_some(), "an owner cancelled without a reason");
                }
                prop_assert_eq!(&after.lines, &before.lines);
                prop_assert_eq!(after.total_minor, before.total_minor);
            }
            _ => prop_assert!(false, "unexpected {:?}", effect),
        }
        Ok(())
    }

    fn check_orders(&self) -> Result<(), TestCaseError> {
        for o in self.view.orders.values() {
            let sum: i64 = o.lines.iter().map(|l| l.line_total_minor).sum();
            prop_assert_eq!(o.subtotal_minor(), sum, "total of {}", o.number);
            prop_assert!(
                (0..=sum).contains(&o.discount_minor()),
                "discount {} on {}",
                o.discount_minor(),
                sum
            );
            if let Some(applied) = &o.promo {
                let p = &self.view.promos[&applied.code];
                prop_assert!(p.enabled, "{} used while off", applied.code);
                prop_assert_eq!(applied.discount_minor, p.terms.discount.on(sum));
                prop_assert!(p.terms.min_total_minor.is_none_or(|m| sum >= m));
            }
            prop_assert!(!o.lines.is_empty() && o.lines.len() <= limits::MAX_LINES);
            for (i, l) in o.lines.iter().enumerate() {
                prop_assert_eq!(l.line_total_minor, l.unit_price_minor * i64::from(l.qty));
                prop_assert!((1..=limits::MAX_QTY).contains(&l.qty));
                prop_assert!(
                    !o.lines[..i].iter().any(|m| m.sku == l.sku),
                    "{} twice",
                    l.sku
                );
            }

            let counted = self.counted.get(&o.number).expect("counted");
            prop_assert_eq!(o.version, 1 + counted.line_changes + counted.status_moves);
            prop_assert!(
                counted.status_moves <= 5,
                "{} status moves",
                counted.status_moves
            );
            prop_assert!(o.updated_at >= o.placed_at);

            let id = o.id.to_string();
            let changes: Vec<_> = self
                .writes
                .status_changes
                .iter()
                .filter(|h| h.order_id == id)
                .collect();
            prop_assert_eq!(
                changes.len(),
                1 + counted.status_moves as usize,
                "status changes of {}",
                o.number
            );
            prop_assert_eq!(changes[0].from_status.as_deref(), None);
            prop_assert_eq!(changes[0].to_status.as_str(), "pending");
            for pair in changes.windows(2) {
                prop_assert_eq!(
                    pair[1].from_status.as_deref(),
                    Some(pair[0].to_status.as_str())
                );
            }
            let last = changes.last().expect("a first row");
            prop_assert_eq!(last.to_status.as_str(), o.status.as_str());
        }
        // Each code's count is the orders that used it, within its limit,
        // and a once-per-customer code is used once by each customer.
        for (code, p) in &self.view.promos {
            let users: Vec<&str> = self
                .view
                .orders
                .values()
                .filter(|o| o.promo.as_ref().is_some_and(|a| &a.code == code))
                .map(|o| o.customer.key.as_str())
                .collect();
            prop_assert_eq!(p.uses as usize, users.len(), "uses of {}", code);
            prop_assert_eq!(
                self.writes
                    .promo_uses
                    .iter()
                    .filter(|u| &u.code == code)
                    .count(),
                users.len()
            );
            prop_assert!(p.terms.max_uses.is_none_or(|m| p.uses <= m));
            if p.terms.once_per_customer {
                let distinct: std::collections::HashSet<_> = users.iter().collect();
                prop_assert_eq!(
                    distinct.len(),
                    users.len(),
                    "{} twice by one customer",
                    code
                );
            }
        }
        // One status-change row per order placed or moved, none for anything else.
        let moves: u32 = self.counted.values().map(|c| c.status_moves).sum();
        prop_assert_eq!(
            self.writes.status_changes.len(),
            self.counted.len() + moves as usize
        );
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_command_sequence_keeps_the_lifecycle_invariants(
        steps in proptest::collection::vec(step(), 1..80)
    ) {
        let mut world = World::new();
        for (who, cmd, clock) in steps {
            world.apply(who, cmd, clock)?;
        }
    }

    /// Orders that are moved along with owner buttons only (`owner_moves`)
    /// end in a final status within five moves, and then offer nothing.
    #[test]
    fn owner_buttons_always_reach_a_final_status(
        picks in proptest::collection::vec(any::<proptest::sample::Index>(), 6),
        delivery in any::<bool>(),
    ) {
        let mut status = OrderStatus::Pending;
        let mut moves = 0;
        for pick in picks {
            let options = chatorder_shared::lifecycle::owner_moves(status, delivery);
            if options.is_empty() {
                break;
            }
            status = *pick.get(&options);
            moves += 1;
        }
        prop_assert!(status.is_final(), "still {:?} after {} moves", status, moves);
        prop_assert!(chatorder_shared::lifecycle::owner_moves(status, delivery).is_empty());
    }
}

/// The lifecycle table itself, exhaustively: nothing leaves a final status or
/// stays in place, customers only cancel a pending order, nothing returns to
/// pending, and the owner's buttons are exactly the moves the table allows.
#[test]
fn the_lifecycle_table_never_leaves_a_final_status() {
    for from in OrderStatus::ALL {
        for delivery in [false, true] {
            for to in OrderStatus::ALL {
                for role in [Role::Customer, Role::Owner] {
                    let ok = check_transition(from, to, role, delivery).is_ok();
                    if from.is_final() || from == to || to == OrderStatus::Pending {
                        assert!(!ok, "{from:?} → {to:?} by {role:?}");
                    }
                    if role == Role::Customer {
                        assert_eq!(
                            ok,
                            from == OrderStatus::Pending && to == OrderStatus::Cancelled,
                            "{from:?} → {to:?} by a customer"
                        );
                    }
                    if to == OrderStatus::OutForDelivery && !delivery {
                        assert!(!ok, "a pickup order out for delivery");
                    }
                }
                let owner_ok = check_transition(from, to, Role::Owner, delivery).is_ok();
                assert_eq!(
                    owner_ok,
                    chatorder_shared::lifecycle::owner_moves(from, delivery).contains(&to),
                    "owner buttons disagree with the table on {from:?} → {to:?}"
                );
            }
        }
    }
}
