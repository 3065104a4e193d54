//! Every sentence the customer bot says, in one place, ready for a second
//! language. Messages are sent as plain text (no parse mode), so nothing a
//! customer typed can be read as formatting.

use chatorder_shared::domain::{Currency, Money, OrderNumber, OrderStatus, Role};
use chatorder_shared::events::{OrderLine, OrderSnapshot};
use chatorder_shared::limits::{MAX_LINES, MAX_QTY};
use chatorder_shared::queries::QueryRefusal;

pub fn money(minor: i64, currency: Currency) -> String {
    Money::new(minor, currency).to_string()
}

pub fn welcome(name: &str, shop: &str) -> String {
    format!(
        "Hello {name}, welcome to {shop}!\n\nTell me what you'd like, e.g. \"2 large hawaiian and a small veggie\", or browse with /menu.\nThen /cart to check and /checkout to order. /help lists everything."
    )
}

pub fn help() -> String {
    [
        "What I can do:",
        "/menu – browse the menu and add items",
        "Or just type an order, e.g. \"2 large pepperoni and a medium five cheese\"",
        "/cart – see and change your cart",
        "/checkout – pickup or delivery, then confirm",
        "/orders – your recent orders (and order one again)",
        "/status 1042 – where order #1042 is",
        "/cancel 1042 – cancel order #1042 while it is still pending",
        "/edit 1042 – change order #1042 while it is still pending",
        "/msg 1042 your text – message the shop about an order",
    ]
    .join("\n")
}

pub fn menu_categories() -> String {
    "Our menu – pick a category:".into()
}

pub fn menu_items(category: &str) -> String {
    format!("{category} – pick an item:")
}

pub fn menu_sizes(name: &str) -> String {
    format!("{name} – pick a size to add it to your cart:")
}

pub fn menu_empty() -> String {
    "The menu is empty right now. Please try again later.".into()
}

pub fn menu_stale() -> String {
    "The menu has changed since that button was shown. Here it is again:".into()
}

pub fn added(lines: &[String], total: &str) -> String {
    format!(
        "Added to your cart:\n{}\n\nCart total: {total}. /checkout when you're ready, /cart to change it.",
        lines.join("\n")
    )
}

/// The per-item limit cut an addition: say what the cart holds now.
pub fn capped(added: u32, now: u32, name: &str) -> String {
    if added == 0 {
        format!("You already have {now} × {name} in your cart, the most of one item per order.")
    } else if added == now {
        format!("At most {MAX_QTY} of one item per order: I put {now} × {name} in your cart.")
    } else {
        format!(
            "At most {MAX_QTY} of one item per order: I added {added}, so your cart has {now} × {name}."
        )
    }
}

pub fn at_most_of_one() -> String {
    format!("At most {MAX_QTY} of one item per order.")
}

pub fn cart_full(name: &str) -> String {
    format!(
        "Your cart already has {MAX_LINES} different items, the most per order, so I didn't add {name}. Remove one in /cart to make room."
    )
}

pub fn line(qty: u32, name: &str) -> String {
    format!("{qty} × {name}")
}

pub fn not_understood(fragments: &[String]) -> String {
    let quoted: Vec<String> = fragments.iter().map(|f| format!("\"{f}\"")).collect();
    format!(
        "I didn't understand {}. Try item names from /menu, e.g. \"2 large hawaiian\".",
        quoted.join(", ")
    )
}

pub fn unavailable(names: &[String]) -> String {
    format!("Sorry, not available right now: {}.", names.join(", "))
}

pub fn nothing_found() -> String {
    "I couldn't find anything to add in that. Type an order like \"2 large hawaiian\" or use /menu."
        .into()
}

pub fn too_long() -> String {
    "That message is too long for me to read as an order. Please send a shorter one.".into()
}

pub fn slow_down() -> String {
    "You're sending messages faster than I can keep up with, so I'll read the rest one at a time. Everything you send will be answered.".into()
}

pub fn cart_empty() -> String {
    "Your cart is empty. Type what you'd like or browse the /menu.".into()
}

pub fn cart(lines: &[(u32, String, String)], total: &str) -> String {
    let mut out = String::from("Your cart:\n");
    for (qty, name, price) in lines {
        out.push_str(&format!("{qty} × {name} – {price}\n"));
    }
    out.push_str(&format!("\nTotal: {total}"));
    out
}

pub fn cart_item_gone(name: &str) -> String {
    format!("{name} is no longer on the menu and was removed from your cart.")
}

pub fn choose_fulfilment() -> String {
    "Pickup or delivery?".into()
}

pub fn ask_address() -> String {
    "Where should we deliver? Send the address as one message.".into()
}

pub fn address_too_long(max: usize) -> String {
    format!("That address is too long; please keep it under {max} characters.")
}

pub fn ask_note() -> String {
    "Send your note for the shop (e.g. \"no onions\"), up to 500 characters.".into()
}

pub fn note_too_long(max: usize) -> String {
    format!("That note is too long; please keep it under {max} characters.")
}

pub fn ask_phone() -> String {
    "For delivery we need a phone number: tap \"Share my phone number\" below.".into()
}

pub fn summary(
    lines: &[(u32, String, String)],
    total: &str,
    fulfilment: &str,
    note: Option<&str>,
) -> String {
    let mut out = String::from("Please check your order:\n");
    for (qty, name, price) in lines {
        out.push_str(&format!("{qty} × {name} – {price}\n"));
    }
    out.push_str(&format!("\nTotal: {total}\n{fulfilment}"));
    if let Some(note) = note {
        out.push_str(&format!("\nNote: {note}"));
    }
    out
}

pub fn pickup() -> String {
    "Pickup at the shop".into()
}

pub fn delivery_to(address: &str) -> String {
    format!("Delivery to: {address}")
}

pub fn sending() -> String {
    "Sending your order to the shop…".into()
}

pub fn already_sent() -> String {
    "That order was already sent; you'll hear from us as soon as the shop has it.".into()
}

pub fn checkout_expired() -> String {
    "That checkout is no longer open. Type /checkout to start again.".into()
}

pub fn checkout_cancelled() -> String {
    "Checkout cancelled; your cart is still there (/cart).".into()
}

pub fn too_many_orders(limit: u32) -> String {
    format!(
        "You've placed {limit} orders in the last hour, which is our limit. Please try again a bit later, or message the shop about an existing order."
    )
}

pub fn shop_unreachable() -> String {
    "Sorry, I can't reach the shop right now. Please try again in a minute; nothing was lost."
        .into()
}

pub fn usage_status() -> String {
    "Which order? For example: /status 1042".into()
}

pub fn usage_cancel() -> String {
    "Which order? For example: /cancel 1042".into()
}

pub fn usage_msg() -> String {
    "Which order, and what should I tell the shop? For example: /msg 1042 please ring the bell"
        .into()
}

pub fn usage_edit() -> String {
    "Which order? For example: /edit 1042".into()
}

pub fn editing(n: OrderNumber) -> String {
    format!(
        "Order {n} is in your cart now. Change it (type items, or /cart for − and +), then /checkout to send the change."
    )
}

pub fn not_editable(n: OrderNumber, status: OrderStatus) -> String {
    format!(
        "Order {n} is already {}, so it can't be changed any more. You can message the shop: /msg {} …",
        status_word(status),
        n.0
    )
}

pub fn confirm_edit(n: OrderNumber, lines: &[(u32, String, String)], total: &str) -> String {
    let mut out = format!("Change order {n} to:\n");
    for (qty, name, price) in lines {
        out.push_str(&format!("{qty} × {name} – {price}\n"));
    }
    out.push_str(&format!("\nNew total: {total}"));
    out
}

pub fn cancel_requested(n: OrderNumber) -> String {
    format!("Asking the shop to cancel order {n}…")
}

pub fn message_sent(n: OrderNumber) -> String {
    format!("Sent to the shop about order {n}. Their reply will arrive here.")
}

pub fn no_orders() -> String {
    "You have no orders yet. Type what you'd like or browse the /menu.".into()
}

pub fn orders_list(orders: &[OrderSnapshot]) -> String {
    let mut out = String::from("Your recent orders:\n");
    for o in orders {
        out.push_str(&format!(
            "{} – {} – {} – {}\n",
            o.number,
            o.placed_at.format("%d %b %H:%M UTC"),
            status_word(o.status),
            money(o.total_minor, o.currency)
        ));
    }
    out.push_str("\nTap a button to order one of them again.");
    out
}

pub fn order_again_label(n: OrderNumber) -> String {
    format!("Order {n} again")
}

pub fn status_word(s: OrderStatus) -> &'static str {
    match s {
        OrderStatus::Pending => "waiting for the shop",
        OrderStatus::Accepted => "accepted",
        OrderStatus::Rejected => "declined",
        OrderStatus::Preparing => "being prepared",
        OrderStatus::Ready => "ready",
        OrderStatus::OutForDelivery => "out for delivery",
        OrderStatus::Completed => "completed",
        OrderStatus::Cancelled => "cancelled",
    }
}

pub fn order_details(o: &OrderSnapshot) -> String {
    format!(
        "Order {}: {}\n{}\nTotal: {}",
        o.number,
        status_word(o.status),
        lines_text(&o.lines),
        money(o.total_minor, o.currency)
    )
}

pub fn lines_text(lines: &[OrderLine]) -> String {
    lines
        .iter()
        .map(|l| line(l.qty, &l.name))
        .collect::<Vec<_>>()
        .join("\n")
}

// Notifications: one per event.

pub fn placed(o: &OrderSnapshot) -> String {
    let paid = if o.payment.is_some() { " (paid)" } else { "" };
    format!(
        "Order {} received!\n{}\nTotal: {}{paid}\nWe'll tell you as soon as the shop accepts it.",
        o.number,
        lines_text(&o.lines),
        money(o.total_minor, o.currency)
    )
}

pub fn updated(o: &OrderSnapshot) -> String {
    format!(
        "Order {} updated:\n{}\nTotal: {}",
        o.number,
        lines_text(&o.lines),
        money(o.total_minor, o.currency)
    )
}

pub fn status_changed(o: &OrderSnapshot, reason: Option<&str>) -> String {
    let base = match o.status {
        OrderStatus::Accepted => format!("Good news: the shop accepted order {}.", o.number),
        OrderStatus::Rejected => format!("Sorry, the shop couldn't take order {}.", o.number),
        OrderStatus::Preparing => format!("Order {} is being prepared.", o.number),
        OrderStatus::Ready => match o.fulfilment.address() {
            None => format!("Order {} is ready for pickup!", o.number),
            Some(_) => format!("Order {} is ready and will leave shortly.", o.number),
        },
        OrderStatus::OutForDelivery => format!("Order {} is on its way to you.", o.number),
        OrderStatus::Completed => format!("Order {} is complete. Enjoy, and thank you!", o.number),
        other => format!("Order {} is now {}.", o.number, status_word(other)),
    };
    match reason {
        Some(r) => format!("{base}\nReason: {r}"),
        None => base,
    }
}

pub fn cancelled(o: &OrderSnapshot, by: Role, reason: Option<&str>) -> String {
    let base = match by {
        Role::Customer => format!("Order {} is cancelled, as you asked.", o.number),
        Role::Owner => format!("Sorry, the shop cancelled order {}.", o.number),
    };
    let base = match reason {
        Some(r) if by == Role::Owner => format!("{base}\nReason: {r}"),
        _ => base,
    };
    refund_note(o, base)
}

/// A paid order that ended cancelled or rejected: the customer is refunded.
pub fn refund_note(o: &OrderSnapshot, text: String) -> String {
    match &o.payment {
        Some(p) if matches!(o.status, OrderStatus::Cancelled | OrderStatus::Rejected) => {
            format!("{text}\nYour payment of {} will be refunded.", p.money())
        }
        _ => text,
    }
}

/// Why the shop's rules refused what the customer asked, at `now` (times
/// are told in the shop's zone `tz`). Owner-only refusals never reach a
/// customer; they, and codes newer than this bot, get a generic sentence.
pub fn rejected_command(
    refusal: &chatorder_shared::refusal::Refusal,
    now: chrono::DateTime<chrono::Utc>,
    tz: chatorder_shared::hours::Tz,
) -> String {
    use chatorder_shared::domain::truncate_for_display;
    use chatorder_shared::hours::when;
    use chatorder_shared::refusal::{EmptyText, Fault, Missing, Refusal, TextField};
    let reason = match refusal {
        Refusal::NotAllowed => "That is not something you can do here.".to_owned(),
        Refusal::NotFound {
            missing: Missing::Order { number },
        } => format!("I couldn't find order {number}. Check the number in your order list."),
        Refusal::NotPending { number, status } => format!(
            "Order {number} is already {}, so it can't be changed any more. You can message the shop about it instead.",
            status.human()
        ),
        Refusal::Stale { number, .. } => format!(
            "Order {number} changed while you were looking at it. Please look at it again and retry."
        ),
        Refusal::Final { number, to, why } | Refusal::BadTransition { number, to, why } => match to
        {
            OrderStatus::Cancelled => format!("Order {number} can't be cancelled: {why}."),
            _ => format!("Order {number} can't change: {why}."),
        },
        Refusal::Empty {
            what: EmptyText::Order,
        } => "Your order has no items yet.".to_owned(),
        Refusal::Empty {
            what: EmptyText::Message,
        } => "Your message is empty.".to_owned(),
        Refusal::TooLong { field, len, max } => match field {
            TextField::Message => {
                format!("Your message is {len} characters; please keep it to {max} or split it.")
            }
            TextField::Phone => "That phone number is too long.".to_owned(),
            TextField::Address => {
                format!("That address is {len} characters; please keep it to {max}.")
            }
            TextField::Note => format!("Your note is {len} characters; please keep it to {max}."),
            TextField::Reason => {
                format!("That reason is {len} characters; please keep it to {max}.")
            }
            TextField::ChargeId => "Telegram's payment receipt could not be read.".to_owned(),
        },
        Refusal::AddressRequired => "Please tell us where to deliver.".to_owned(),
        Refusal::TooManyLines { lines, max } => {
            format!("An order can have at most {max} different items; this one has {lines}.")
        }
        Refusal::UnknownItem { sku } => format!(
            "We don't have an item called `{}`. Type /menu to see what we have.",
            truncate_for_display(sku.as_str(), 40)
        ),
        Refusal::Unavailable { name, .. } => format!("{name} is not available right now."),
        Refusal::BadQuantity { name, qty, max } => {
            format!("You can order between 1 and {max} of each item; you asked for {qty} × {name}.")
        }
        Refusal::TooLarge => "That order is too large to price.".to_owned(),
        Refusal::Internal {
            fault: Fault::NoOrderNumber,
        } => "No order number was available; please try again.".to_owned(),
        Refusal::Internal {
            fault: Fault::WrongCurrency { name, item, .. },
        } => format!("{name} is priced in {item}, not in the shop's currency."),
        Refusal::Closed { opens_at: Some(at) } => format!(
            "We're closed now; we open again {}. Please order then.",
            when(*at, now, tz)
        ),
        Refusal::Closed { opens_at: None } => {
            "We're closed, and no opening is planned yet.".to_owned()
        }
        Refusal::Paused { reason, until } => {
            let why = reason
                .as_deref()
                .map(|r| format!(" ({})", truncate_for_display(r, 200)))
                .unwrap_or_default();
            match until {
                Some(at) => format!(
                    "We're not taking orders right now{why}. We expect to take them again {}.",
                    when(*at, now, tz)
                ),
                None => format!(
                    "We're not taking orders right now{why}. Please try again a little later."
                ),
            }
        }
        Refusal::PaymentMismatch {
            paid_minor,
            paid_currency,
            total_minor,
            currency,
        } => format!(
            "you paid {}, but your order now costs {} (a price changed).",
            money(*paid_minor, *paid_currency),
            money(*total_minor, *currency)
        ),
        Refusal::Paid { number } => format!(
            "order {number} is paid already, so its items can't change. Cancel it with /cancel {} (you'll be refunded) and order again.",
            number.0
        ),
        _ => "The shop couldn't do that. Please try again, or message the shop.".to_owned(),
    };
    format!("Sorry: {reason}")
}

/// A refusal of an order the customer had already paid for in chat.
pub fn rejected_paid(refusal_text: &str, paid: &Money) -> String {
    format!(
        "{refusal_text}
Your order was not placed. The shop has been told to refund your payment of {paid}."
    )
}

// Payment in chat (with `telegram.payment_provider_token`).

/// The invoice's title (Telegram allows 1–32 characters).
pub fn invoice_title(shop: &str) -> String {
    let title = format!("Your order at {shop}");
    if title.chars().count() <= 32 {
        title
    } else {
        "Your order".into()
    }
}

/// The invoice's description (Telegram allows 1–255 characters).
pub fn invoice_description(items: usize, fulfilment: &str) -> String {
    let what = if items == 1 { "item" } else { "items" };
    format!("{items} {what}. {fulfilment}. Your order goes to the shop once paid.")
}

pub fn invoice_sent() -> String {
    "Here's your bill: pay it below and your order goes to the shop. Changed your mind? Just leave it unpaid.".into()
}

pub fn invoice_failed() -> String {
    "Sorry, I couldn't send your bill just now. Nothing was charged; please try /checkout again in a moment.".into()
}

pub fn invoice_too_large() -> String {
    "That order is too large to pay here. Please make it smaller.".into()
}

/// Why the payment can't go ahead (Telegram shows it in the payment form).
pub fn pay_stale() -> String {
    "This bill is no longer open. Please check out again for a new one.".into()
}

pub fn pay_cart_changed() -> String {
    "Your cart changed after this bill was made. Please check out again for a new one.".into()
}

pub fn pay_price_changed() -> String {
    "A price on the menu changed after this bill was made. Please check out again for a new one."
        .into()
}

pub fn pay_unavailable(name: &str) -> String {
    format!("{name} is no longer available. Please check out again.")
}

pub fn pay_already() -> String {
    "This bill is paid already.".into()
}

pub fn pay_closed() -> String {
    "We're closed right now, so we can't take this order. Nothing was charged.".into()
}

pub fn pay_unreachable() -> String {
    "We couldn't check the menu just now. Nothing was charged; please try again in a moment.".into()
}

pub fn paid_placing() -> String {
    "Payment received, thank you! Sending your order to the shop…".into()
}

pub fn paid_twice() -> String {
    "We already have a payment for this order. If you were charged twice, the shop will refund you; message it with /msg and the order number.".into()
}

pub fn paid_lost() -> String {
    "We received your payment, but your order was no longer with me, so it could not be placed. The shop has been told to refund you.".into()
}

pub fn paid_unreachable() -> String {
    "We received your payment but couldn't reach the shop to place your order. Please message the shop; your payment will be refunded if the order doesn't arrive.".into()
}

/// Why the order workers refused a question, in a customer's words. A
/// customer asking for someone else's order hears `not_found`, as for a
/// number no order has. Owner-only and demand refusals never reach a
/// customer; they, and codes newer than this bot, get a generic sentence.
pub fn query_refused(refusal: &QueryRefusal) -> String {
    match refusal {
        QueryRefusal::NotFound { number } => format!("I couldn't find order {number}."),
        QueryRefusal::NotOwner => "Only the shop's owners can see that.".to_owned(),
        QueryRefusal::CustomersOnly => "Only a customer can list their own orders.".to_owned(),
        QueryRefusal::Unavailable => {
            "The shop can't look that up right now; please try again in a minute.".to_owned()
        }
        QueryRefusal::UnknownQuery { subject } => {
            format!("`{subject}` is not a query this worker answers")
        }
        QueryRefusal::TooLarge { .. } => "That request is too large.".to_owned(),
        QueryRefusal::BadRequest { detail } => format!("That request could not be read: {detail}"),
        _ => "The shop couldn't answer that. Please try again in a minute.".to_owned(),
    }
}

pub fn shop_message(n: OrderNumber, text: &str) -> String {
    format!("Message from the shop about order {n}:\n{text}")
}

pub fn unknown_command() -> String {
    "I don't know that command. /help lists what I can do.".into()
}

pub fn not_text() -> String {
    "I can only read text messages. Type your order, or use /menu.".into()
}

pub fn button_stale() -> String {
    "That button is no longer valid.".into()
}

// Button labels.
pub const BTN_PICKUP: &str = "Pickup";
pub const BTN_DELIVERY: &str = "Delivery";
pub const BTN_CONFIRM: &str = "Confirm order";
pub const BTN_CONFIRM_EDIT: &str = "Confirm the change";
pub const BTN_CANCEL: &str = "Cancel";
pub const BTN_NOTE: &str = "Add a note";
pub const BTN_CHECKOUT: &str = "Checkout";
pub const BTN_CLEAR: &str = "Empty cart";
pub const BTN_SHARE_PHONE: &str = "Share my phone number";
pub const BTN_BACK: &str = "« Back";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_and_paused_say_when_and_why() {
        use chatorder_shared::refusal::Refusal;
        let at = |s: &str| {
            chrono::DateTime::parse_from_rfc3339(s)
                .expect(s)
                .with_timezone(&chrono::Utc)
        };
        let now = at("2026-12-03T23:30:00Z"); // Thursday night
        let london: chatorder_shared::hours::Tz = "Europe/London".parse().expect("zone");
        assert_eq!(
            rejected_command(
                &Refusal::Closed {
                    opens_at: Some(at("2026-12-05T11:00:00Z"))
                },
                now,
                london
            ),
            "Sorry: We're closed now; we open again Sat 11:00. Please order then."
        );
        assert_eq!(
            rejected_command(
                &Refusal::Paused {
                    reason: Some("Oven repair".into()),
                    until: Some(at("2026-12-04T00:00:00Z"))
                },
                now,
                london
            ),
            "Sorry: We're not taking orders right now (Oven repair). We expect to take them again tomorrow 00:00."
        );
    }

    #[test]
    fn query_refusals_read_as_before_they_were_typed() {
        assert_eq!(
            query_refused(&QueryRefusal::NotFound {
                number: OrderNumber(999_999)
            }),
            "I couldn't find order #999999."
        );
        assert_eq!(
            query_refused(&QueryRefusal::Unavailable),
            "The shop can't look that up right now; please try again in a minute."
        );
        assert_eq!(
            query_refused(&QueryRefusal::CustomersOnly),
            "Only a customer can list their own orders."
        );
        let generic = "The shop couldn't answer that. Please try again in a minute.";
        assert_eq!(query_refused(&QueryRefusal::NoSales), generic);
        assert_eq!(
            query_refused(&QueryRefusal::Other {
                code: "untyped".into()
            }),
            generic
        );
    }
}
