//! Every sentence the owner bot says, in one place.

use chatorder_shared::domain::{Money, OrderNumber, OrderStatus};
use chatorder_shared::envelope::Envelope;
use chatorder_shared::events::Event;
use chatorder_shared::queries::QueryRefusal;
use chatorder_shared::refusal::{EmptyText, Fault, Missing, Refusal, TextField};
use chatorder_shared::subjects::DemandQuery;
use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::render::{defang, first_name};

pub fn not_an_owner() -> String {
    "Only the shop's owners can do that. If you run this shop, ask an admin to add your user id or role to `discord.owner_user_ids` / `discord.owner_role_ids`.".to_owned()
}

pub fn stale_button() -> String {
    "That button is out of date. Use `/order <number>` to see the order now.".to_owned()
}

pub fn workers_unreachable() -> String {
    "The order workers aren't answering right now. Nothing was changed; please try again in a moment.".to_owned()
}

pub fn demand_not_running(kind: DemandQuery) -> String {
    match kind {
        DemandQuery::Forecast => "No forecast yet: the demand worker isn't running. Start it with `chatorder worker demand`.".to_owned(),
        DemandQuery::Summary => "No summary yet: summaries come from the demand worker, which isn't running. Start it with `chatorder worker demand`.".to_owned(),
        DemandQuery::Dashboard => "No figures yet: they come from the demand worker, which isn't running. Start it with `chatorder worker demand`.".to_owned(),
    }
}

pub fn demand_late() -> String {
    "The demand worker didn't answer in time. Please try again in a minute.".to_owned()
}

/// A shop's day as owners read it: `Fri 4 Dec 2026`.
pub fn day(d: NaiveDate) -> String {
    d.format("%a %-d %b %Y").to_string()
}

fn export_days(first: NaiveDate, last: NaiveDate, tz: Tz) -> String {
    if first == last {
        format!("on {} (shop time, {tz})", day(first))
    } else {
        format!("from {} to {} (shop time, {tz})", day(first), day(last))
    }
}

/// `/export` attached a file of `rows` orders.
pub fn export_ready(rows: usize, first: NaiveDate, last: NaiveDate, tz: Tz) -> String {
    let orders = if rows == 1 { "order" } else { "orders" };
    format!(
        "**{rows} {orders}** placed {}. In the file, times are UTC and amounts are in minor units (1250 = 12.50).",
        export_days(first, last, tz)
    )
}

pub fn export_empty(first: NaiveDate, last: NaiveDate, tz: Tz) -> String {
    format!(
        "No orders were placed {}, so there is no file.",
        export_days(first, last, tz)
    )
}

pub fn export_too_many_rows(max: usize) -> String {
    format!(
        "Those days have more than {max} orders, too many for one file: export fewer days at a time."
    )
}

pub fn export_too_large(max_bytes: usize) -> String {
    format!(
        "The file would be over {} MB, more than Discord takes: export fewer days at a time, or use the HTTP API's `GET /api/v1/orders/export`.",
        max_bytes / (1024 * 1024)
    )
}

pub fn export_failed() -> String {
    "Something went wrong writing the file. Please try again; if it keeps happening, the bot's log says why.".to_owned()
}

/// Why the order workers refused an owner's question, in an owner's words
/// (`not_found`, `not_owner` and `unavailable` as the workers worded them
/// before refusals were typed). Customer-only
/// refusals never reach an owner; they, and codes newer than this bot, get a
/// generic sentence with the code.
pub fn query_refused(r: &QueryRefusal) -> String {
    match r {
        QueryRefusal::NotFound { number } => format!("I couldn't find order {number}."),
        QueryRefusal::NotOwner => "Only the shop's owners can see that.".to_owned(),
        QueryRefusal::Unavailable => {
            "The shop can't look that up right now; please try again in a minute.".to_owned()
        }
        // Only a bot and workers of different versions meet these: the
        // owner runs the shop, so they get what to check.
        QueryRefusal::UnknownQuery { subject } => format!(
            "The order workers don't answer `{subject}`; check that this bot and the workers run the same version."
        ),
        QueryRefusal::TooLarge { max_bytes } => {
            format!("That question is over {max_bytes} bytes, more than the order workers read.")
        }
        QueryRefusal::BadRequest { detail } => format!(
            "The order workers couldn't read that question ({detail}); check that this bot and the workers run the same version."
        ),
        other => format!(
            "The workers couldn't answer that (`{}`).",
            match other {
                QueryRefusal::Other { code } => code.as_str(),
                known => known.code(),
            }
        ),
    }
}

/// Why the demand worker refused `/summary` or `/forecast`.
pub fn demand_refused(kind: DemandQuery, r: &QueryRefusal) -> String {
    let what = kind.label();
    match r {
        QueryRefusal::NoSales => "No forecast yet: there are no sales to learn from. Import past sales with `chatorder import-history`.".to_owned(),
        QueryRefusal::BadRequest { detail } => {
            format!("That {what} request is not valid: {detail}")
        }
        QueryRefusal::Unavailable => {
            format!("The {what} could not be made just now; please try again.")
        }
        other => query_refused(other),
    }
}

pub fn sent_but_unconfirmed() -> String {
    "Sent. The order worker hasn't confirmed it yet; the board will show the change when it's done."
        .to_owned()
}

pub fn not_sent(e: &chatorder_bus::SendError) -> String {
    tracing::warn!(error = %e, "publishing an owner command failed");
    "Couldn't reach the order queue, so nothing was changed. Please try again.".to_owned()
}

pub fn reason_prompt(number: OrderNumber, to: OrderStatus) -> (String, String) {
    match to {
        OrderStatus::Rejected => (
            format!("Reject order {number}"),
            "Why? (optional; the customer sees it)".to_owned(),
        ),
        _ => (
            format!("Cancel order {number}"),
            "Why? (the customer sees it)".to_owned(),
        ),
    }
}

/// A paid order that ended cancelled or rejected: the owner must refund it.
fn with_refund(order: &chatorder_shared::events::OrderSnapshot, text: String) -> String {
    match &order.payment {
        Some(_) if matches!(order.status, OrderStatus::Cancelled | OrderStatus::Rejected) => {
            format!("{text} {}.", crate::render::payment(order))
        }
        _ => text,
    }
}

/// A paid order the worker refused to place: the payment is to be refunded.
pub fn paid_refused(
    r: &chatorder_shared::events::Rejection,
    p: &chatorder_shared::payment::Payment,
) -> String {
    let who =
        r.to.name
            .as_deref()
            .and_then(|n| n.split_whitespace().next())
            .map_or_else(|| "a customer".to_owned(), defang);
    format!(
        "A payment from {who} could not become an order: {}\n{}.",
        refusal(&r.refusal),
        crate::render::refund_due(p)
    )
}

/// What the owner is told once the worker has applied (or refused) their
/// command (times in the shop's zone `tz`).
pub fn verdict(env: &Envelope<Event>, tz: chatorder_shared::hours::Tz) -> String {
    match &env.data {
        Event::StatusChanged { order, to, .. } => with_refund(
            order,
            format!("Order {} is now {}.", order.number, to.human()),
        ),
        Event::Cancelled { order, .. } => {
            with_refund(order, format!("Order {} is cancelled.", order.number))
        }
        Event::Message(m) => format!(
            "Sent to {} (order {}).",
            defang(
                m.customer
                    .name
                    .as_deref()
                    .and_then(|n| n.split_whitespace().next())
                    .unwrap_or("the customer")
            ),
            m.number
        ),
        Event::CatalogChanged { item } => format!(
            "`{}` {}: {} at {}.",
            item.sku,
            defang(&item.display_name()),
            if item.available {
                "on the menu"
            } else {
                "off the menu"
            },
            Money::new(item.price_minor, item.currency)
        ),
        Event::Rejected(r) => format!("Not done: {}", refusal(&r.refusal)),
        Event::ShopChanged { pause: None } => "Taking orders again.".to_owned(),
        Event::ShopChanged { pause: Some(p) } => {
            let until = p.until.map_or_else(
                || " until you `/resume`".to_owned(),
                |at| format!(" until {}", chatorder_shared::hours::when(at, env.at, tz)),
            );
            let told = p.reason.as_deref().map_or_else(
                || "that you're not taking orders right now".to_owned(),
                |r| format!("“{}”", defang(r)),
            );
            format!("Paused: new orders are refused{until}. Customers are told {told}.")
        }
        Event::Placed { order } | Event::Updated { order } => {
            format!("Order {} updated.", order.number)
        }
        Event::PromoChanged { promo } if promo.enabled => format!(
            "Promo code `{}` is on: customers type `/promo {}` before they confirm. `/promo list` shows its uses.",
            promo.terms.code, promo.terms.code
        ),
        Event::PromoChanged { promo } => format!(
            "Promo code `{}` is switched off; orders that used it keep their discount.",
            promo.terms.code
        ),
    }
}

/// The channel's notice of a pause (`Some`) or a resume (`None`) by `who`.
pub fn shop_changed(
    who: &str,
    pause: Option<&chatorder_shared::events::ShopPause>,
    now: chrono::DateTime<chrono::Utc>,
    tz: chatorder_shared::hours::Tz,
) -> String {
    let who = defang(who);
    let Some(p) = pause else {
        return format!("▶️ Taking orders again ({who} resumed).");
    };
    let until = p.until.map_or_else(
        || " until someone runs `/resume`".to_owned(),
        |at| format!(" until {}", chatorder_shared::hours::when(at, now, tz)),
    );
    let why = p
        .reason
        .as_deref()
        .map(|r| format!(": {}", defang(r)))
        .unwrap_or_default();
    format!("⏸️ {who} paused new orders{until}{why}.")
}

/// Why the order worker refused an owner's command, in an owner's words.
/// Customer-only refusals (placing and changing orders) never reach an owner;
/// they, and codes newer than this bot, get a generic sentence with the code.
pub fn refusal(r: &Refusal) -> String {
    match r {
        Refusal::NotOwner => not_an_owner(),
        Refusal::NotAllowed => "Owners can't do that from here.".to_owned(),
        Refusal::NotFound {
            missing: Missing::Order { number },
        } => format!("There is no order {number}. Check the number on the board."),
        Refusal::NotFound {
            missing: Missing::Item { sku },
        } => format!("There is no catalog item `{sku}`."),
        Refusal::ReasonRequired { number } => format!(
            "Please give a reason when cancelling order {number}; the customer will see it."
        ),
        Refusal::Stale {
            number, current, ..
        } => format!(
            "Order {number} changed (it is at version {current} now); look at it again before changing it."
        ),
        Refusal::Final { number, to, why } | Refusal::BadTransition { number, to, why } => {
            let what = match to {
                OrderStatus::Cancelled => "be cancelled".to_owned(),
                other => format!("be marked {}", other.human()),
            };
            format!("Order {number} can't {what}: {why}.")
        }
        Refusal::Empty {
            what: EmptyText::Message,
        } => "Your reply is empty.".to_owned(),
        Refusal::TooLong { field, len, max } => match field {
            TextField::Message => {
                format!("Your reply is {len} characters; please keep it to {max} or split it.")
            }
            TextField::Reason => {
                format!("That reason is {len} characters; please keep it to {max}.")
            }
            _ => format!("That text is {len} characters; please keep it to {max}."),
        },
        Refusal::BadPrice { max_minor } => {
            format!("A price must be between 0 and {}.", max_minor / 100)
        }
        Refusal::BadName { max } => format!("An item name must be 1 to {max} characters."),
        Refusal::BadCategory { max } => format!("A category must be 1 to {max} characters."),
        Refusal::BadSize { max } => format!("A size must be at most {max} characters."),
        Refusal::BadPause { max_minutes } => format!(
            "A timed pause lasts 1 minute to {} days; for longer, pause without a time and `/resume` later.",
            max_minutes / (24 * 60)
        ),
        Refusal::PaymentMismatch {
            paid_minor,
            paid_currency,
            total_minor,
            currency,
        } => format!(
            "it was paid {}, but it costs {} at today's prices",
            Money::new(*paid_minor, *paid_currency),
            Money::new(*total_minor, *currency)
        ),
        Refusal::Empty {
            what: EmptyText::Order,
        } => "the customer's bill was no longer in the bot (their session had expired), so there was nothing to order".to_owned(),
        Refusal::Closed { .. } => "the shop was closed when the payment arrived".to_owned(),
        Refusal::BadTime { at, .. } => format!(
            "the time it was for (<t:{}:F>) was no longer one the shop takes orders for",
            at.timestamp()
        ),
        Refusal::Paused { .. } => "orders were paused when the payment arrived".to_owned(),
        Refusal::Unavailable { name, .. } => format!("{} is off the menu", defang(name)),
        Refusal::Paid { number } => format!(
            "order {number} is paid in chat, so its items can't change."
        ),
        Refusal::Internal {
            fault: Fault::WrongCurrency { name, item, shop },
        } => format!(
            "{} is priced in {item}, not in the shop's currency ({shop}); set its price again.",
            defang(name)
        ),
        Refusal::BadPromo { promo, why } => crate::promo::bad_terms(promo, why),
        Refusal::PromoExists { promo } => format!(
            "there is already a promo code `{promo}`; pick another name, or `/promo disable` the old one first (a code's name is never reused)."
        ),
        Refusal::NoSuchPromo { promo } => {
            format!("there is no promo code `{promo}` (see `/promo list`).")
        }
        Refusal::Promo { promo, why } => {
            format!("promo code `{promo}` does not apply (`{}`).", why.label())
        }
        other => format!(
            "the order worker refused it (`{}`).",
            match other {
                Refusal::Other { code } => code.as_str(),
                known => known.code(),
            }
        ),
    }
}

/// A customer's message, as posted in the order's thread.
pub fn customer_message(name: &str, text: &str) -> String {
    format!("💬 **{}**: {}", defang(name), defang(text))
}

/// An owner's reply, as posted in the order's thread.
pub fn owner_reply(by: &str, text: &str) -> String {
    format!("↩️ **{}** replied: {}", defang(by), defang(text))
}

/// The full note when the card had to cut it.
pub fn full_note(note: &str) -> String {
    format!("📝 Full note: {}", defang(note))
}

pub fn thread_opening(order: &chatorder_shared::events::OrderSnapshot) -> String {
    format!(
        "Conversation with {} about order {}. Use `/reply {} <text>` to answer.",
        defang(&first_name(order)),
        order.number,
        order.number.0
    )
}

#[cfg(test)]
mod tests {
    use chatorder_shared::lifecycle::TransitionError;

    use super::*;

    #[test]
    fn refusals_read_as_owner_sentences() {
        let n = OrderNumber(42);
        assert_eq!(
            refusal(&Refusal::transition(
                n,
                OrderStatus::Ready,
                TransitionError::AcceptFirst
            )),
            "Order #42 can't be marked ready: accept it first."
        );
        assert_eq!(
            refusal(&Refusal::transition(
                n,
                OrderStatus::Cancelled,
                TransitionError::Final {
                    from: OrderStatus::Completed
                }
            )),
            "Order #42 can't be cancelled: it is already completed and can't change any more."
        );
        assert_eq!(
            refusal(&Refusal::TooLong {
                field: TextField::Reason,
                len: 612,
                max: 500
            }),
            "That reason is 612 characters; please keep it to 500."
        );
        assert_eq!(refusal(&Refusal::NotOwner), not_an_owner());
    }

    #[test]
    fn an_unknown_refusal_still_says_something() {
        let text = refusal(&Refusal::Other {
            code: "closed_for_lunch".into(),
        });
        assert_eq!(text, "the order worker refused it (`closed_for_lunch`).");
        assert!(refusal(&Refusal::AddressRequired).contains("`address_required`"));
    }

    #[test]
    fn query_refusals_read_as_before_they_were_typed() {
        assert_eq!(
            query_refused(&QueryRefusal::NotFound {
                number: OrderNumber(42)
            }),
            "I couldn't find order #42."
        );
        assert_eq!(
            query_refused(&QueryRefusal::NotOwner),
            "Only the shop's owners can see that."
        );
        assert_eq!(
            demand_refused(DemandQuery::Forecast, &QueryRefusal::NoSales),
            "No forecast yet: there are no sales to learn from. Import past sales with `chatorder import-history`."
        );
        assert_eq!(
            demand_refused(DemandQuery::Summary, &QueryRefusal::Unavailable),
            "The summary could not be made just now; please try again."
        );
        assert_eq!(
            demand_refused(
                DemandQuery::Forecast,
                &QueryRefusal::BadRequest {
                    detail: "expected a date".into()
                }
            ),
            "That forecast request is not valid: expected a date"
        );
        // The order workers' own refusals read the same from the demand worker.
        assert_eq!(
            demand_refused(DemandQuery::Forecast, &QueryRefusal::NotOwner),
            query_refused(&QueryRefusal::NotOwner)
        );
        assert_eq!(
            query_refused(&QueryRefusal::Other {
                code: "closed_for_lunch".into()
            }),
            "The workers couldn't answer that (`closed_for_lunch`)."
        );
        assert!(query_refused(&QueryRefusal::CustomersOnly).contains("`customers_only`"));
    }
}
