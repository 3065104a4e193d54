//! The order rules: a pure function of (state, command) → effect or a
//! typed refusal, which each bot words for its sender. No NATS, MySQL or
//! Redis in sight.

use std::collections::BTreeMap;

use chatorder_shared::commands::{CatalogChange, Command, LineRequest, PlaceOrder, ShopChange};
use chatorder_shared::domain::{
    Actor, Currency, Fulfilment, Money, OrderNumber, OrderStatus, Role, Sku,
};
use chatorder_shared::events::{
    CatalogItem, CustomerRef, Event, OrderLine, OrderSnapshot, ShopPause,
};
use chatorder_shared::hours::Schedule;
use chatorder_shared::payment::{MAX_CHARGE_ID_CHARS, Payment};
use chatorder_shared::promo::{self, AppliedPromo, Promo, PromoCode, PromoProblem};
use chatorder_shared::refusal::{EmptyText, Fault, Missing, Refusal, TextField};
use chrono::{DateTime, SubsecRound as _, Utc};
use uuid::Uuid;

pub use chatorder_shared::lifecycle::check_transition;

/// Limits on what a command may carry. Each has a friendly refusal.
pub use chatorder_shared::limits;

/// What the rules need to look up.
pub trait View {
    fn order(&self, number: OrderNumber) -> Option<&OrderSnapshot>;
    fn item(&self, sku: &Sku) -> Option<&CatalogItem>;
    /// The owners' pause on record, if any (it may have run out).
    fn pause(&self) -> Option<&ShopPause>;
    /// A promo code as stored, with its uses so far.
    fn promo(&self, code: &PromoCode) -> Option<&Promo>;
    /// Whether the customer `customer` (a key) has used `code` before.
    fn promo_used(&self, code: &PromoCode, customer: &str) -> bool;
}

/// Who asks, when, and what a new order would be called.
#[derive(Debug, Clone)]
pub struct Ctx<'a> {
    pub actor: &'a Actor,
    /// From the subject, never from the message.
    pub role: Role,
    /// Whether the actor is a configured owner (checked by the caller).
    pub is_owner: bool,
    pub now: DateTime<Utc>,
    pub currency: Currency,
    /// When the shop takes orders (`shop.hours`).
    pub schedule: &'a Schedule,
    /// Id and number for the order a `place` command creates.
    pub new_order: Option<(Uuid, OrderNumber)>,
}

/// What an accepted command does.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Placed(OrderSnapshot),
    LinesChanged(OrderSnapshot),
    StatusChanged {
        order: OrderSnapshot,
        from: OrderStatus,
        to: OrderStatus,
        reason: Option<String>,
        by: Role,
    },
    Message {
        order: OrderSnapshot,
        text: String,
        from: Role,
    },
    Catalog {
        item: CatalogItem,
        created: bool,
    },
    /// Owners paused (`Some`) or resumed (`None`) taking orders.
    Shop {
        pause: Option<ShopPause>,
    },
    /// Owners created (`created`) or switched off a promo code.
    Promo {
        promo: Promo,
        created: bool,
    },
    /// A customer said who they are (`/start`, a shared phone number).
    Registered {
        customer: CustomerRef,
        phone: Option<String>,
    },
}

impl Effect {
    /// The order after the effect, if the effect changed or concerns one.
    pub fn order(&self) -> Option<&OrderSnapshot> {
        match self {
            Self::Placed(o) | Self::LinesChanged(o) => Some(o),
            Self::StatusChanged { order, .. } | Self::Message { order, .. } => Some(order),
            Self::Catalog { .. }
            | Self::Registered { .. }
            | Self::Shop { .. }
            | Self::Promo { .. } => None,
        }
    }

    /// Whether the order row itself changed (a message does not change it).
    pub fn changes_order(&self) -> bool {
        matches!(
            self,
            Self::Placed(_) | Self::LinesChanged(_) | Self::StatusChanged { .. }
        )
    }

    /// The event to publish; registering a customer announces nothing.
    pub fn into_event(self) -> Option<Event> {
        Some(match self {
            Self::Registered { .. } => return None,
            Self::Placed(order) => Event::Placed { order },
            Self::LinesChanged(order) => Event::Updated { order },
            Self::StatusChanged {
                order,
                to: OrderStatus::Cancelled,
                reason,
                by,
                ..
            } => Event::Cancelled { order, by, reason },
            Self::StatusChanged {
                order,
                from,
                to,
                reason,
                ..
            } => Event::StatusChanged {
                order,
                from,
                to,
                reason,
            },
            Self::Message { order, text, from } => {
                Event::Message(chatorder_shared::events::OrderMessage {
                    order_id: order.id,
                    number: order.number,
                    customer: order.customer,
                    from,
                    text,
                })
            }
            Self::Catalog { item, .. } => Event::CatalogChanged { item },
            Self::Shop { pause } => Event::ShopChanged { pause },
            Self::Promo { promo, .. } => Event::PromoChanged { promo },
        })
    }
}

/// Applies one command to the state it sees.
pub fn decide(view: &impl View, cmd: &Command, ctx: &Ctx<'_>) -> Result<Effect, Refusal> {
    if ctx.role == Role::Owner && !ctx.is_owner {
        return Err(Refusal::NotOwner);
    }
    if !cmd.kind().allowed_for(ctx.role) {
        return Err(Refusal::NotAllowed);
    }
    match cmd {
        Command::Place(place) => place_order(view, place, ctx).map(Effect::Placed),
        Command::Update(update) => {
            let order = own_order(view, update.number, ctx)?;
            at_version(order, update.expected_version)?;
            if order.status != OrderStatus::Pending {
                return Err(Refusal::NotPending {
                    number: order.number,
                    status: order.status,
                });
            }
            if order.payment.is_some() {
                // What was paid would no longer be the total.
                return Err(Refusal::Paid {
                    number: order.number,
                });
            }
            let lines = price_lines(view, &update.lines, ctx.currency)?;
            let note = checked_note(update.note.as_deref())?;
            let mut next = order.clone();
            let subtotal = total(&lines)?;
            next.promo = repriced_promo(view, order, subtotal)?;
            next.total_minor = subtotal - next.discount_minor();
            next.lines = lines;
            if note.is_some() {
                next.note = note;
            }
            bump(&mut next, ctx.now);
            Ok(Effect::LinesChanged(next))
        }
        Command::Cancel(cancel) => {
            let order = own_order(view, cancel.number, ctx)?;
            at_version(order, cancel.expected_version)?;
            let reason = checked_reason(cancel.reason.as_deref())?;
            owner_cancel_needs_reason(order, OrderStatus::Cancelled, reason.as_deref(), ctx)?;
            move_status(order, OrderStatus::Cancelled, reason, ctx)
        }
        Command::Status(set) => {
            let order = own_order(view, set.number, ctx)?;
            at_version(order, set.expected_version)?;
            let reason = checked_reason(set.reason.as_deref())?;
            owner_cancel_needs_reason(order, set.status, reason.as_deref(), ctx)?;
            move_status(order, set.status, reason, ctx)
        }
        Command::Message(msg) => {
            let order = own_order(view, msg.number, ctx)?;
            let text = msg.text.trim();
            if text.is_empty() {
                return Err(Refusal::Empty {
                    what: EmptyText::Message,
                });
            }
            let n = text.chars().count();
            if n > limits::MAX_MESSAGE_CHARS {
                return Err(too_long(TextField::Message, n, limits::MAX_MESSAGE_CHARS));
            }
            Ok(Effect::Message {
                order: order.clone(),
                text: text.to_owned(),
                from: ctx.role,
            })
        }
        Command::Catalog(change) => change_catalog(view, change, ctx),
        Command::Shop(change) => change_shop(view, change, ctx),
        Command::Register(register) => {
            let phone = register
                .phone
                .as_deref()
                .map(str::trim)
                .filter(|p| !p.is_empty());
            if let Some(n) = phone.map(|p| p.chars().count())
                && n > limits::MAX_PHONE_CHARS
            {
                return Err(too_long(TextField::Phone, n, limits::MAX_PHONE_CHARS));
            }
            Ok(Effect::Registered {
                customer: customer_ref(ctx.actor),
                phone: phone.map(str::to_owned),
            })
        }
    }
}

/// The order a command names, if the actor may act on it. A customer asking
/// about someone else's order hears "not found", never that it exists.
fn own_order<'v>(
    view: &'v impl View,
    number: OrderNumber,
    ctx: &Ctx<'_>,
) -> Result<&'v OrderSnapshot, Refusal> {
    let order = view.order(number);
    match (order, ctx.role) {
        (Some(o), Role::Owner) => Ok(o),
        (Some(o), Role::Customer) if o.customer.key == ctx.actor.key() => Ok(o),
        _ => Err(Refusal::NotFound {
            missing: Missing::Order { number },
        }),
    }
}

/// A change meant for another version of the order is refused, never
/// applied over what the sender did not see.
fn at_version(order: &OrderSnapshot, expected: Option<u32>) -> Result<(), Refusal> {
    match expected {
        Some(expected) if expected != order.version => Err(Refusal::Stale {
            number: order.number,
            expected,
            current: order.version,
        }),
        _ => Ok(()),
    }
}

fn place_order(
    view: &impl View,
    place: &PlaceOrder,
    ctx: &Ctx<'_>,
) -> Result<OrderSnapshot, Refusal> {
    taking_orders(view, ctx, place.scheduled_for)?;
    let Some((id, number)) = ctx.new_order else {
        return Err(Refusal::Internal {
            fault: Fault::NoOrderNumber,
        });
    };
    let lines = price_lines(view, &place.lines, ctx.currency)?;
    let note = checked_note(place.note.as_deref())?;
    let fulfilment = match &place.fulfilment {
        Fulfilment::Pickup => Fulfilment::Pickup,
        Fulfilment::Delivery { address } => {
            let address = address.trim();
            let n = address.chars().count();
            if n == 0 {
                return Err(Refusal::AddressRequired);
            }
            if n > limits::MAX_ADDRESS_CHARS {
                return Err(too_long(TextField::Address, n, limits::MAX_ADDRESS_CHARS));
            }
            Fulfilment::Delivery {
                address: address.to_owned(),
            }
        }
    };
    if let Some(n) = place.phone.as_ref().map(|p| p.chars().count())
        && n > limits::MAX_PHONE_CHARS
    {
        return Err(too_long(TextField::Phone, n, limits::MAX_PHONE_CHARS));
    }
    let customer = customer_ref(ctx.actor);
    let subtotal = total(&lines)?;
    let promo = match &place.promo {
        None => None,
        Some(code) => {
            let used_before = view.promo_used(code, &customer.key);
            let tz = ctx.schedule.time_zone();
            let lines_worth = Money::new(subtotal, ctx.currency);
            match promo::check(view.promo(code), lines_worth, ctx.now, tz, used_before) {
                Ok(discount_minor) => Some(AppliedPromo {
                    code: code.clone(),
                    discount_minor,
                }),
                Err(why) => {
                    return Err(Refusal::Promo {
                        promo: code.clone(),
                        why,
                    });
                }
            }
        }
    };
    // What the customer owes: the lines less the promo code's discount.
    let total_minor = subtotal - promo.as_ref().map_or(0, |p| p.discount_minor);
    if let Some(paid) = &place.payment {
        paid_in_full(paid, total_minor, ctx.currency)?;
    }
    Ok(OrderSnapshot {
        id,
        number,
        version: 1,
        status: OrderStatus::Pending,
        customer,
        total_minor,
        promo,
        lines,
        currency: ctx.currency,
        fulfilment,
        note,
        placed_at: ctx.now,
        updated_at: ctx.now,
        payment: place.payment.clone(),
        // To the second: MySQL keeps microseconds, and nobody picks up an
        // order at a fraction of a second.
        scheduled_for: place.scheduled_for.map(|t| t.trunc_subsecs(0)),
    })
}

/// An order paid in chat is placed only if the payment is exactly its
/// total as priced from the catalog now, less its promo code's discount
/// worked out now, in the shop's currency, and names
/// its charge (a refund needs the ids).
fn paid_in_full(paid: &Payment, total_minor: i64, currency: Currency) -> Result<(), Refusal> {
    for id in [
        &paid.telegram_payment_charge_id,
        &paid.provider_payment_charge_id,
    ] {
        let n = id.chars().count();
        if n > MAX_CHARGE_ID_CHARS {
            return Err(too_long(TextField::ChargeId, n, MAX_CHARGE_ID_CHARS));
        }
    }
    if paid.telegram_payment_charge_id.trim().is_empty()
        || paid.total_minor != total_minor
        || paid.currency != currency
    {
        return Err(Refusal::PaymentMismatch {
            paid_minor: paid.total_minor,
            paid_currency: paid.currency,
            total_minor,
            currency,
        });
    }
    Ok(())
}

/// New orders are taken only while owners have not paused them, and in
/// opening hours, or for a time (`scheduled_for`) inside the opening
/// customers may order for (a closed shop takes orders for when it opens).
/// A pause is told first: its reason is what customers need.
fn taking_orders(
    view: &impl View,
    ctx: &Ctx<'_>,
    scheduled_for: Option<DateTime<Utc>>,
) -> Result<(), Refusal> {
    if let Some(p) = view.pause().filter(|p| p.holds_at(ctx.now)) {
        return Err(Refusal::Paused {
            reason: p.reason.clone(),
            until: p.until,
        });
    }
    if let Some(at) = scheduled_for {
        return ctx
            .schedule
            .check_scheduled(at, ctx.now)
            .map_err(|w| Refusal::BadTime {
                at,
                from: w.map(|w| w.start),
                until: w.map(|w| w.end),
            });
    }
    if !ctx.schedule.is_open(ctx.now) {
        return Err(Refusal::Closed {
            opens_at: ctx.schedule.next_open(ctx.now),
        });
    }
    Ok(())
}

/// A pending order's lines changed: its code's discount is worked out
/// again on the new lines (the use was counted when it was placed, so the
/// window and the uses are not asked again), and lines below the code's
/// minimum are refused, saying so.
fn repriced_promo(
    view: &impl View,
    order: &OrderSnapshot,
    subtotal: i64,
) -> Result<Option<AppliedPromo>, Refusal> {
    let currency = order.currency;
    let Some(applied) = &order.promo else {
        return Ok(None);
    };
    let Some(promo) = view.promo(&applied.code) else {
        // The code's row is gone (never deleted by chatorder): keep what
        // the order was given, no more than its lines are worth.
        return Ok(Some(AppliedPromo {
            code: applied.code.clone(),
            discount_minor: applied.discount_minor.clamp(0, subtotal),
        }));
    };
    if let Some(min) = promo.terms.min_total_minor.filter(|m| subtotal < *m) {
        return Err(Refusal::Promo {
            promo: applied.code.clone(),
            why: PromoProblem::BelowMinimum {
                min: Money::new(min, currency),
            },
        });
    }
    Ok(Some(AppliedPromo {
        code: applied.code.clone(),
        discount_minor: promo.terms.discount.on(subtotal),
    }))
}

/// `/promo create` and `/promo disable`: a new code with sensible terms
/// that no code has yet; switching off a code that exists.
fn change_promo(view: &impl View, change: &ShopChange) -> Result<Effect, Refusal> {
    match change {
        ShopChange::PromoCreate { promo: terms } => {
            if view.promo(&terms.code).is_some() {
                Err(Refusal::PromoExists {
                    promo: terms.code.clone(),
                })
            } else if let Err(why) = terms.check() {
                Err(Refusal::BadPromo {
                    promo: terms.code.clone(),
                    why,
                })
            } else {
                Ok(Effect::Promo {
                    promo: Promo {
                        terms: terms.clone(),
                        enabled: true,
                        uses: 0,
                    },
                    created: true,
                })
            }
        }
        ShopChange::PromoDisable { code } => match view.promo(code) {
            None => Err(Refusal::NoSuchPromo {
                promo: code.clone(),
            }),
            Some(p) => {
                let mut promo = p.clone();
                promo.enabled = false;
                Ok(Effect::Promo {
                    promo,
                    created: false,
                })
            }
        },
        ShopChange::Pause { .. } | ShopChange::Resume => Err(Refusal::NotAllowed),
    }
}

/// `/pause [for] [reason]` and `/resume`. Resuming an open shop changes
/// nothing and is no error.
fn change_shop(view: &impl View, change: &ShopChange, ctx: &Ctx<'_>) -> Result<Effect, Refusal> {
    let pause = match change {
        ShopChange::PromoCreate { .. } | ShopChange::PromoDisable { .. } => {
            return change_promo(view, change);
        }
        ShopChange::Resume => None,
        ShopChange::Pause { minutes, reason } => {
            let reason = checked_reason(reason.as_deref())?;
            let until = match minutes {
                None => None,
                Some(m) if (1..=limits::MAX_PAUSE_MINUTES).contains(m) => {
                    Some(ctx.now + chrono::Duration::minutes(i64::from(*m)))
                }
                Some(_) => {
                    return Err(Refusal::BadPause {
                        max_minutes: limits::MAX_PAUSE_MINUTES,
                    });
                }
            };
            Some(ShopPause {
                since: ctx.now,
                until,
                reason,
            })
        }
    };
    Ok(Effect::Shop { pause })
}

fn customer_ref(actor: &Actor) -> CustomerRef {
    CustomerRef {
        key: actor.key(),
        platform: actor.platform,
        id: actor.id.clone(),
        name: actor
            .name
            .as_ref()
            .map(|n| n.chars().take(Actor::MAX_NAME_LEN).collect()),
    }
}

/// Checks and prices requested lines from the catalog; the same item twice
/// becomes one line.
pub fn price_lines(
    view: &impl View,
    requested: &[LineRequest],
    currency: Currency,
) -> Result<Vec<OrderLine>, Refusal> {
    if requested.is_empty() {
        return Err(Refusal::Empty {
            what: EmptyText::Order,
        });
    }
    // Merge repeats while keeping the order the customer gave.
    let mut merged: Vec<(Sku, u64)> = Vec::new();
    let mut index: BTreeMap<&Sku, usize> = BTreeMap::new();
    for line in requested {
        match index.get(&line.sku) {
            Some(&i) => merged[i].1 += u64::from(line.qty),
            None => {
                index.insert(&line.sku, merged.len());
                merged.push((line.sku.clone(), u64::from(line.qty)));
            }
        }
    }
    if merged.len() > limits::MAX_LINES {
        return Err(Refusal::TooManyLines {
            lines: merged.len(),
            max: limits::MAX_LINES,
        });
    }
    let mut lines = Vec::with_capacity(merged.len());
    for (sku, qty) in merged {
        let Some(item) = view.item(&sku) else {
            return Err(Refusal::UnknownItem { sku });
        };
        if !item.available {
            return Err(Refusal::Unavailable {
                sku,
                name: item.display_name(),
            });
        }
        if item.currency != currency {
            return Err(Refusal::Internal {
                fault: Fault::WrongCurrency {
                    name: item.name.clone(),
                    item: item.currency,
                    shop: currency,
                },
            });
        }
        if qty == 0 || qty > u64::from(limits::MAX_QTY) {
            return Err(Refusal::BadQuantity {
                name: item.display_name(),
                qty,
                max: limits::MAX_QTY,
            });
        }
        let qty = u32::try_from(qty).unwrap_or(limits::MAX_QTY);
        let line_total = item
            .price_minor
            .checked_mul(i64::from(qty))
            .ok_or(Refusal::TooLarge)?;
        lines.push(OrderLine {
            sku,
            name: item.display_name(),
            qty,
            unit_price_minor: item.price_minor,
            line_total_minor: line_total,
        });
    }
    Ok(lines)
}

fn total(lines: &[OrderLine]) -> Result<i64, Refusal> {
    lines
        .iter()
        .try_fold(0i64, |acc, l| acc.checked_add(l.line_total_minor))
        .ok_or(Refusal::TooLarge)
}

fn checked_note(note: Option<&str>) -> Result<Option<String>, Refusal> {
    let Some(note) = note.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    let n = note.chars().count();
    if n > limits::MAX_NOTE_CHARS {
        return Err(too_long(TextField::Note, n, limits::MAX_NOTE_CHARS));
    }
    Ok(Some(note.to_owned()))
}

/// An owner who cancels an order must say why, by either route (the cancel
/// command or a status move to cancelled): the customer is told the reason.
fn owner_cancel_needs_reason(
    order: &OrderSnapshot,
    to: OrderStatus,
    reason: Option<&str>,
    ctx: &Ctx<'_>,
) -> Result<(), Refusal> {
    if ctx.role == Role::Owner && to == OrderStatus::Cancelled && reason.is_none() {
        return Err(Refusal::ReasonRequired {
            number: order.number,
        });
    }
    Ok(())
}

fn checked_reason(reason: Option<&str>) -> Result<Option<String>, Refusal> {
    let Some(reason) = reason.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    let n = reason.chars().count();
    if n > limits::MAX_REASON_CHARS {
        return Err(too_long(TextField::Reason, n, limits::MAX_REASON_CHARS));
    }
    Ok(Some(reason.to_owned()))
}

fn too_long(field: TextField, len: usize, max: usize) -> Refusal {
    Refusal::TooLong { field, len, max }
}

fn bump(order: &mut OrderSnapshot, now: DateTime<Utc>) {
    order.version += 1;
    // Never let time run backwards on one order, even across clock skew.
    order.updated_at = now.max(order.updated_at);
}

/// Position along the preparation path, for "forward only".
fn move_status(
    order: &OrderSnapshot,
    to: OrderStatus,
    reason: Option<String>,
    ctx: &Ctx<'_>,
) -> Result<Effect, Refusal> {
    let delivery = matches!(order.fulfilment, Fulfilment::Delivery { .. });
    if let Err(why) = check_transition(order.status, to, ctx.role, delivery) {
        return Err(Refusal::transition(order.number, to, why));
    }
    let mut next = order.clone();
    next.status = to;
    bump(&mut next, ctx.now);
    Ok(Effect::StatusChanged {
        order: next,
        from: order.status,
        to,
        reason,
        by: ctx.role,
    })
}

fn change_catalog(
    view: &impl View,
    change: &CatalogChange,
    ctx: &Ctx<'_>,
) -> Result<Effect, Refusal> {
    let existing = view.item(change.sku());
    let missing = || Refusal::NotFound {
        missing: Missing::Item {
            sku: change.sku().clone(),
        },
    };
    let check_price = |p: i64| {
        if (0..=limits::MAX_PRICE_MINOR).contains(&p) {
            Ok(p)
        } else {
            Err(Refusal::BadPrice {
                max_minor: limits::MAX_PRICE_MINOR,
            })
        }
    };
    let item = match change {
        CatalogChange::Upsert { item } => {
            let name = item.name.trim();
            let category = item.category.trim();
            if name.is_empty() || name.chars().count() > limits::MAX_ITEM_NAME_CHARS {
                return Err(Refusal::BadName {
                    max: limits::MAX_ITEM_NAME_CHARS,
                });
            }
            if category.is_empty() || category.chars().count() > limits::MAX_CATEGORY_CHARS {
                return Err(Refusal::BadCategory {
                    max: limits::MAX_CATEGORY_CHARS,
                });
            }
            let size = item
                .size
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty());
            if size.is_some_and(|s| s.chars().count() > limits::MAX_SIZE_CHARS) {
                return Err(Refusal::BadSize {
                    max: limits::MAX_SIZE_CHARS,
                });
            }
            CatalogItem {
                sku: item.sku.clone(),
                name: name.to_owned(),
                size: size.map(str::to_owned),
                category: category.to_owned(),
                price_minor: check_price(item.price_minor)?,
                currency: ctx.currency,
                available: item.available,
            }
        }
        CatalogChange::Price { price_minor, .. } => {
            let mut item = existing.ok_or_else(missing)?.clone();
            item.price_minor = check_price(*price_minor)?;
            item
        }
        CatalogChange::Enable { .. } => {
            let mut item = existing.ok_or_else(missing)?.clone();
            item.available = true;
            item
        }
        CatalogChange::Disable { .. } => {
            let mut item = existing.ok_or_else(missing)?.clone();
            item.available = false;
            item
        }
    };
    Ok(Effect::Catalog {
        item,
        created: existing.is_none(),
    })
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
