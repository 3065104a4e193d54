//! Every sentence the owner bot says, in one place.

use chatorder_shared::domain::{Money, OrderNumber, OrderStatus};
use chatorder_shared::envelope::Envelope;
use chatorder_shared::events::Event;
use chatorder_shared::subjects::DemandQuery;

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
    }
}

pub fn demand_late() -> String {
    "The demand worker didn't answer in time. Please try again in a minute.".to_owned()
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

/// What the owner is told once the worker has applied (or refused) their command.
pub fn outcome(env: &Envelope<Event>) -> String {
    match &env.data {
        Event::StatusChanged { order, to, .. } => {
            format!("Order {} is now {}.", order.number, to.human())
        }
        Event::Cancelled { order, .. } => format!("Order {} is cancelled.", order.number),
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
        Event::Rejected(r) => format!("Not done: {}", r.reason),
        Event::Placed { order } | Event::Updated { order } => {
            format!("Order {} updated.", order.number)
        }
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
