//! English: the bot's first language, and the one anything unknown reads.

use chatorder_shared::domain::{Money, OrderNumber, OrderStatus, Role};
use chatorder_shared::events::OrderSnapshot;
use chatorder_shared::hours::Tz;
use chatorder_shared::limits::{MAX_LINES, MAX_QTY};
use chatorder_shared::promo::{PromoCode, PromoProblem};
use chatorder_shared::queries::QueryRefusal;
use chatorder_shared::refusal::Refusal;
use chrono::{DateTime, Utc};

use super::{Lang, PricedLine, Texts, lines_text, priced_lines, quoted};
use crate::conversation::CartBack;
use crate::parse::{Choice, Prompt};

pub struct English;

impl Texts for English {
    fn lang(&self) -> Lang {
        Lang::En
    }

    fn welcome(&self, name: &str, shop: &str) -> String {
        format!(
            "Hello {name}, welcome to {shop}!\n\nTell me what you'd like, e.g. \"2 large hawaiian and a small veggie\", or browse with /menu.\nThen /cart to check and /checkout to order. /help lists everything."
        )
    }

    fn help(&self) -> String {
        [
            "What I can do:",
            "/menu – browse the menu and add items",
            "Or just type an order, e.g. \"2 large pepperoni and a medium five cheese\"",
            "/cart – see and change your cart",
            "/checkout – pickup or delivery, then confirm",
            "/promo CODE – use a promo code on your next order",
            "/orders – your recent orders (and order one again)",
            "/status 1042 – where order #1042 is",
            "/cancel 1042 – cancel order #1042 while it is still pending",
            "/edit 1042 – change order #1042 while it is still pending",
            "/msg 1042 your text – message the shop about an order",
        ]
        .join("\n")
    }

    fn commands(&self) -> [(&'static str, &'static str); 9] {
        [
            ("menu", "Browse the menu"),
            ("cart", "Your cart"),
            ("checkout", "Order what's in your cart"),
            ("orders", "Your recent orders"),
            ("status", "Where is my order? /status 1042"),
            ("cancel", "Cancel a pending order: /cancel 1042"),
            ("edit", "Change a pending order: /edit 1042"),
            ("msg", "Message the shop: /msg 1042 text"),
            ("help", "What I can do"),
        ]
    }

    fn menu_categories(&self) -> String {
        "Our menu – pick a category:".into()
    }

    fn menu_items(&self, category: &str) -> String {
        format!("{category} – pick an item:")
    }

    fn menu_sizes(&self, name: &str) -> String {
        format!("{name} – pick a size to add it to your cart:")
    }

    fn menu_add(&self) -> String {
        "Add".into()
    }

    fn menu_empty(&self) -> String {
        "The menu is empty right now. Please try again later.".into()
    }

    fn menu_stale(&self) -> String {
        "The menu has changed since that button was shown. Here it is again:".into()
    }

    fn added(&self, lines: &[String], total: &str) -> String {
        format!(
            "Added to your cart:\n{}\n\nCart total: {total}. /checkout when you're ready, /cart to change it.",
            lines.join("\n")
        )
    }

    /// The per-item limit cut an addition: say what the cart holds now.
    fn capped(&self, added: u32, now: u32, name: &str) -> String {
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

    fn at_most_of_one(&self) -> String {
        format!("At most {MAX_QTY} of one item per order.")
    }

    fn cart_full(&self, name: &str) -> String {
        format!(
            "Your cart already has {MAX_LINES} different items, the most per order, so I didn't add {name}. Remove one in /cart to make room."
        )
    }

    fn not_understood(&self, fragments: &[String]) -> String {
        format!(
            "I didn't understand {}. Try item names from /menu, e.g. \"2 large hawaiian\".",
            quoted(fragments)
        )
    }

    fn unavailable(&self, names: &[String]) -> String {
        format!("Sorry, not available right now: {}.", names.join(", "))
    }

    fn nothing_found(&self) -> String {
        "I couldn't find anything to add in that. Type an order like \"2 large hawaiian\" or use /menu."
            .into()
    }

    fn too_long(&self) -> String {
        "That message is too long for me to read as an order. Please send a shorter one.".into()
    }

    fn slow_down(&self) -> String {
        "You're sending messages faster than I can keep up with, so I'll read the rest one at a time. Everything you send will be answered.".into()
    }

    fn cart_empty(&self) -> String {
        "Your cart is empty. Type what you'd like or browse the /menu.".into()
    }

    fn cart(&self, lines: &[PricedLine], total: &str) -> String {
        format!("Your cart:\n{}\nTotal: {total}", priced_lines(lines))
    }

    fn cart_item_gone(&self, name: &str) -> String {
        format!("{name} is no longer on the menu and was removed from your cart.")
    }

    fn prompt(&self, prompt: &Prompt) -> String {
        match prompt {
            Prompt::WhichSize { item } => format!("Which size of {item}?"),
            Prompt::NoSuchSize { item, size, sizes } => format!(
                "{item} doesn't come in {size}; it comes in {}. Which would you like?",
                sizes.join(", ")
            ),
            Prompt::WhichOne { fragment } => format!("Which one did you mean by \"{fragment}\"?"),
        }
    }

    fn choice(&self, choice: &Choice) -> String {
        match choice {
            Choice::Item { name, price } => format!("{name} — {}", self.lang().money(*price)),
            Choice::Sizes { name, sizes } => format!("{name} ({})", sizes.join(", ")),
        }
    }

    fn choose_fulfilment(&self) -> String {
        "Pickup or delivery?".into()
    }

    fn ask_address(&self) -> String {
        "Where should we deliver? Send the address as one message.".into()
    }

    fn address_too_long(&self, max: usize) -> String {
        format!("That address is too long; please keep it under {max} characters.")
    }

    fn ask_note(&self) -> String {
        "Send your note for the shop (e.g. \"no onions\"), up to 500 characters.".into()
    }

    fn note_too_long(&self, max: usize) -> String {
        format!("That note is too long; please keep it under {max} characters.")
    }

    fn ask_phone(&self) -> String {
        "For delivery we need a phone number: tap \"Share my phone number\" below.".into()
    }

    fn summary(
        &self,
        lines: &[PricedLine],
        total: &str,
        fulfilment: &str,
        note: Option<&str>,
        promo: Option<&PromoCode>,
    ) -> String {
        let mut out = format!("Please check your order:\n{}", priced_lines(lines));
        match promo {
            Some(code) => out.push_str(&format!(
                "\nTotal before your promo code: {total}\nPromo code {code}: the shop takes its discount off when you confirm.\n{fulfilment}"
            )),
            None => out.push_str(&format!("\nTotal: {total}\n{fulfilment}")),
        }
        if let Some(note) = note {
            out.push_str(&format!("\nNote: {note}"));
        }
        out
    }

    fn pickup(&self) -> String {
        "Pickup at the shop".into()
    }

    fn delivery_to(&self, address: &str) -> String {
        format!("Delivery to: {address}")
    }

    fn sending(&self) -> String {
        "Sending your order to the shop…".into()
    }

    fn already_sent(&self) -> String {
        "That order was already sent; you'll hear from us as soon as the shop has it.".into()
    }

    fn checkout_expired(&self) -> String {
        "That checkout is no longer open. Type /checkout to start again.".into()
    }

    fn checkout_cancelled(&self) -> String {
        "Checkout cancelled; your cart is still there (/cart).".into()
    }

    fn too_many_orders(&self, limit: u32) -> String {
        format!(
            "You've placed {limit} orders in the last hour, which is our limit. Please try again a bit later, or message the shop about an existing order."
        )
    }

    fn shop_unreachable(&self) -> String {
        "Sorry, I can't reach the shop right now. Please try again in a minute; nothing was lost."
            .into()
    }

    fn usage_promo(&self) -> String {
        "Send /promo and your code, e.g. /promo SUMMER10, to use it on your next order.".into()
    }

    fn promo_noted(&self, code: &PromoCode) -> String {
        format!(
            "Promo code {code} noted: the shop checks it when you confirm your order, and the discount shows on it. /promo off takes it away."
        )
    }

    fn promo_current(&self, code: &PromoCode) -> String {
        format!("Your next order goes with promo code {code}. /promo off takes it away.")
    }

    fn promo_removed(&self) -> String {
        "No promo code on your next order.".into()
    }

    fn not_a_promo_code(&self) -> String {
        format!(
            "That doesn't look like a promo code: codes are {} to {} letters or digits, e.g. /promo SUMMER10.",
            PromoCode::MIN_LEN,
            PromoCode::MAX_LEN
        )
    }

    fn totals(&self, o: &OrderSnapshot) -> String {
        match &o.promo {
            Some(p) => format!(
                "Subtotal: {}\nPromo code {}: −{}\nTotal: {}",
                self.money(o.subtotal_minor(), o.currency),
                p.code,
                self.money(p.discount_minor, o.currency),
                self.money(o.total_minor, o.currency)
            ),
            None => format!("Total: {}", self.money(o.total_minor, o.currency)),
        }
    }

    fn promo_refused(&self, code: &PromoCode, why: &PromoProblem) -> String {
        let day = |d: &chrono::NaiveDate| self.lang().day(*d);
        let what = match why {
            PromoProblem::Unknown => format!("there is no promo code {code}"),
            PromoProblem::Disabled => format!("promo code {code} is no longer valid"),
            PromoProblem::NotYet { from } => {
                format!("promo code {code} can be used from {} on", day(from))
            }
            PromoProblem::Expired { until } => {
                format!("promo code {code} ended on {}", day(until))
            }
            PromoProblem::BelowMinimum { min } => {
                format!(
                    "promo code {code} needs an order of at least {}",
                    self.lang().money(*min)
                )
            }
            PromoProblem::UsedUp => format!("promo code {code} has been used up"),
            PromoProblem::AlreadyUsed => {
                format!("promo code {code} is one per customer and you have used it already")
            }
        };
        format!(
            "{what}, so your order was not placed. Order again without it (/promo off) or with another code."
        )
    }

    fn invoice_title(&self, shop: &str) -> String {
        let title = format!("Your order at {shop}");
        if title.chars().count() <= 32 {
            title
        } else {
            "Your order".into()
        }
    }

    fn invoice_description(&self, items: usize, fulfilment: &str) -> String {
        let what = if items == 1 { "item" } else { "items" };
        format!("{items} {what}. {fulfilment}. Your order goes to the shop once paid.")
    }

    fn invoice_promo(&self, code: &PromoCode, discount: &str) -> String {
        format!("Your order, promo code {code} (−{discount})")
    }

    fn invoice_preparing(&self) -> String {
        "Making your bill…".into()
    }

    fn invoice_sent(&self) -> String {
        "Here's your bill: pay it below and your order goes to the shop. Changed your mind? Just leave it unpaid.".into()
    }

    fn invoice_failed(&self) -> String {
        "Sorry, I couldn't send your bill just now. Nothing was charged; please try /checkout again in a moment.".into()
    }

    fn invoice_too_large(&self) -> String {
        "That order is too large to pay here. Please make it smaller.".into()
    }

    fn nothing_to_pay(&self) -> String {
        "Your promo code covers the whole order, so there's nothing to pay. Sending your order to the shop…".into()
    }

    fn pay_stale(&self) -> String {
        "This bill is no longer open. Please check out again for a new one.".into()
    }

    fn pay_cart_changed(&self) -> String {
        "Your cart changed after this bill was made. Please check out again for a new one.".into()
    }

    fn pay_price_changed(&self) -> String {
        "A price on the menu changed after this bill was made. Please check out again for a new one."
            .into()
    }

    fn pay_unavailable(&self, name: &str) -> String {
        format!("{name} is no longer available. Please check out again.")
    }

    fn pay_already(&self) -> String {
        "This bill is paid already.".into()
    }

    fn pay_closed(&self) -> String {
        "We're closed right now, so we can't take this order. Nothing was charged.".into()
    }

    fn pay_unreachable(&self) -> String {
        "We couldn't check the menu just now. Nothing was charged; please try again in a moment."
            .into()
    }

    fn paid_placing(&self) -> String {
        "Payment received, thank you! Sending your order to the shop…".into()
    }

    fn paid_twice(&self) -> String {
        "We already have a payment for this order. If you were charged twice, the shop will refund you; message it with /msg and the order number.".into()
    }

    fn paid_lost(&self) -> String {
        "We received your payment, but your order was no longer with me, so it could not be placed. The shop has been told to refund you.".into()
    }

    fn paid_unreachable(&self) -> String {
        "We received your payment but couldn't reach the shop to place your order. Please message the shop; your payment will be refunded if the order doesn't arrive.".into()
    }

    fn refund_due(&self, paid: Money) -> String {
        format!(
            "Your payment of {} will be refunded.",
            self.lang().money(paid)
        )
    }

    fn rejected_paid(&self, refusal: &str, paid: Money) -> String {
        format!(
            "{refusal}\nYour order was not placed. The shop has been told to refund your payment of {}.",
            self.lang().money(paid)
        )
    }

    fn closed_now(&self, opens_at: Option<DateTime<Utc>>, now: DateTime<Utc>, tz: Tz) -> String {
        match opens_at {
            Some(at) => format!(
                "We're closed now; we open again {}.",
                self.when(at, now, tz)
            ),
            None => "We're closed, and no opening is planned yet.".to_owned(),
        }
    }

    fn closed_warning(&self, closed_now: &str) -> String {
        format!("{closed_now} You can fill your cart now and order then.")
    }

    fn choose_time(&self, closed_now: &str) -> String {
        format!("{closed_now} You can order now for then: when should your order be ready?")
    }

    fn time_chosen(&self, when: &str) -> String {
        format!("Ready {when}. Pickup or delivery?")
    }

    fn ready_for(&self, when: &str) -> String {
        format!("Ready for: {when}")
    }

    fn cart_back(&self, back: CartBack, lines: &[String]) -> String {
        match back {
            CartBack::Restored => {
                "Your cart is back as you confirmed it: type /checkout to try again, or change it first."
                    .to_owned()
            }
            CartBack::Kept => format!(
                "You've started another cart since, so I left it as it is. The order I couldn't place had {}. Tap \"{}\" to put those in your cart as well.",
                lines.join(", "),
                self.btn_cart_back()
            ),
        }
    }

    fn cart_back_added_before(&self) -> String {
        "I added those items to your cart when you first tapped; see /cart.".into()
    }

    fn usage_status(&self) -> String {
        "Which order? For example: /status 1042".into()
    }

    fn usage_cancel(&self) -> String {
        "Which order? For example: /cancel 1042".into()
    }

    fn usage_msg(&self) -> String {
        "Which order, and what should I tell the shop? For example: /msg 1042 please ring the bell"
            .into()
    }

    fn usage_edit(&self) -> String {
        "Which order? For example: /edit 1042".into()
    }

    fn editing(&self, n: OrderNumber) -> String {
        format!(
            "Order {n} is in your cart now. Change it (type items, or /cart for − and +), then /checkout to send the change."
        )
    }

    fn not_editable(&self, n: OrderNumber, status: OrderStatus) -> String {
        format!(
            "Order {n} is already {}, so it can't be changed any more. You can message the shop: /msg {} …",
            self.status_word(status),
            n.0
        )
    }

    fn confirm_edit(&self, n: OrderNumber, lines: &[PricedLine], total: &str) -> String {
        format!(
            "Change order {n} to:\n{}\nNew total: {total}",
            priced_lines(lines)
        )
    }

    fn cancel_requested(&self, n: OrderNumber) -> String {
        format!("Asking the shop to cancel order {n}…")
    }

    fn message_sent(&self, n: OrderNumber) -> String {
        format!("Sent to the shop about order {n}. Their reply will arrive here.")
    }

    fn no_orders(&self) -> String {
        "You have no orders yet. Type what you'd like or browse the /menu.".into()
    }

    fn orders_list(&self, orders: &[OrderSnapshot], tz: Tz) -> String {
        let mut out = String::from("Your recent orders:\n");
        for o in orders {
            out.push_str(&format!(
                "{} – {} – {} – {}\n",
                o.number,
                self.day_time(o.placed_at, tz),
                self.status_word(o.status),
                self.money(o.total_minor, o.currency)
            ));
        }
        out.push_str("\nTap a button to order one of them again.");
        out
    }

    fn order_again_label(&self, n: OrderNumber) -> String {
        format!("Order {n} again")
    }

    fn status_word(&self, s: OrderStatus) -> &'static str {
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

    fn order_details(&self, o: &OrderSnapshot) -> String {
        format!(
            "Order {}: {}\n{}\n{}",
            o.number,
            self.status_word(o.status),
            lines_text(&o.lines),
            self.totals(o)
        )
    }

    // Notifications: one per event.

    fn placed(&self, o: &OrderSnapshot, tz: Tz) -> String {
        let ready = o
            .scheduled_for
            .map(|at| format!("\n{}", self.ready_for(&self.day_time(at, tz))))
            .unwrap_or_default();
        format!(
            "Order {} received!\n{}\n{}{}{ready}\nWe'll tell you as soon as the shop accepts it.",
            o.number,
            lines_text(&o.lines),
            self.totals(o),
            if o.payment.is_some() { " (paid)" } else { "" }
        )
    }

    fn updated(&self, o: &OrderSnapshot) -> String {
        format!(
            "Order {} updated:\n{}\n{}",
            o.number,
            lines_text(&o.lines),
            self.totals(o)
        )
    }

    fn status_changed(&self, o: &OrderSnapshot, reason: Option<&str>) -> String {
        let base = match o.status {
            OrderStatus::Accepted => format!("Good news: the shop accepted order {}.", o.number),
            OrderStatus::Rejected => format!("Sorry, the shop couldn't take order {}.", o.number),
            OrderStatus::Preparing => format!("Order {} is being prepared.", o.number),
            OrderStatus::Ready => match o.fulfilment.address() {
                None => format!("Order {} is ready for pickup!", o.number),
                Some(_) => format!("Order {} is ready and will leave shortly.", o.number),
            },
            OrderStatus::OutForDelivery => format!("Order {} is on its way to you.", o.number),
            OrderStatus::Completed => {
                format!("Order {} is complete. Enjoy, and thank you!", o.number)
            }
            other => format!("Order {} is now {}.", o.number, self.status_word(other)),
        };
        match reason {
            Some(r) => format!("{base}\nReason: {r}"),
            None => base,
        }
    }

    fn cancelled(&self, o: &OrderSnapshot, by: Role, reason: Option<&str>) -> String {
        let base = match by {
            Role::Customer => format!("Order {} is cancelled, as you asked.", o.number),
            Role::Owner => format!("Sorry, the shop cancelled order {}.", o.number),
        };
        match reason {
            Some(r) if by == Role::Owner => format!("{base}\nReason: {r}"),
            _ => base,
        }
    }

    fn rejected_command(&self, refusal: &Refusal, now: DateTime<Utc>, tz: Tz) -> String {
        use chatorder_shared::domain::truncate_for_display;
        use chatorder_shared::refusal::{EmptyText, Fault, Missing, TextField};
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
            Refusal::Final { number, to, why } | Refusal::BadTransition { number, to, why } => {
                match to {
                    OrderStatus::Cancelled => format!("Order {number} can't be cancelled: {why}."),
                    _ => format!("Order {number} can't change: {why}."),
                }
            }
            Refusal::Empty {
                what: EmptyText::Order,
            } => "Your order has no items yet.".to_owned(),
            Refusal::Empty {
                what: EmptyText::Message,
            } => "Your message is empty.".to_owned(),
            Refusal::TooLong { field, len, max } => match field {
                TextField::Message => {
                    format!(
                        "Your message is {len} characters; please keep it to {max} or split it."
                    )
                }
                TextField::Phone => "That phone number is too long.".to_owned(),
                TextField::Address => {
                    format!("That address is {len} characters; please keep it to {max}.")
                }
                TextField::Note => {
                    format!("Your note is {len} characters; please keep it to {max}.")
                }
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
                format!(
                    "You can order between 1 and {max} of each item; you asked for {qty} × {name}."
                )
            }
            Refusal::TooLarge => "That order is too large to price.".to_owned(),
            Refusal::Internal {
                fault: Fault::NoOrderNumber,
            } => "No order number was available; please try again.".to_owned(),
            Refusal::Internal {
                fault: Fault::WrongCurrency { name, item, .. },
            } => format!("{name} is priced in {item}, not in the shop's currency."),
            Refusal::Closed { opens_at: Some(at) } => {
                format!("{} Please order then.", self.closed_now(Some(*at), now, tz))
            }
            Refusal::Closed { opens_at: None } => self.closed_now(None, now, tz),
            Refusal::BadTime {
                at,
                from: Some(from),
                until: Some(until),
            } => format!(
                "We can't have an order ready {}. Please choose a time from {} until {}.",
                self.when(*at, now, tz),
                self.when(*from, now, tz),
                self.when(*until, now, tz)
            ),
            Refusal::BadTime { .. } => self.closed_now(None, now, tz),
            Refusal::Paused { reason, until } => {
                let why = reason
                    .as_deref()
                    .map(|r| format!(" ({})", truncate_for_display(r, 200)))
                    .unwrap_or_default();
                match until {
                    Some(at) => format!(
                        "We're not taking orders right now{why}. We expect to take them again {}.",
                        self.when(*at, now, tz)
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
                "you paid {}, but your order now costs {} (a price or your promo code changed).",
                self.money(*paid_minor, *paid_currency),
                self.money(*total_minor, *currency)
            ),
            Refusal::Paid { number } => format!(
                "order {number} is paid already, so its items can't change. Cancel it with /cancel {} (you'll be refunded) and order again.",
                number.0
            ),
            Refusal::Promo { promo, why } => self.promo_refused(promo, why),
            _ => "The shop couldn't do that. Please try again, or message the shop.".to_owned(),
        };
        format!("Sorry: {reason}")
    }

    fn query_refused(&self, refusal: &QueryRefusal) -> String {
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
            QueryRefusal::BadRequest { detail } => {
                format!("That request could not be read: {detail}")
            }
            _ => "The shop couldn't answer that. Please try again in a minute.".to_owned(),
        }
    }

    fn shop_message(&self, n: OrderNumber, text: &str) -> String {
        format!("Message from the shop about order {n}:\n{text}")
    }

    fn unknown_command(&self) -> String {
        "I don't know that command. /help lists what I can do.".into()
    }

    fn not_text(&self) -> String {
        "I can only read text messages. Type your order, or use /menu.".into()
    }

    fn button_stale(&self) -> String {
        "That button is no longer valid.".into()
    }

    fn btn_pickup(&self) -> String {
        "Pickup".into()
    }
    fn btn_delivery(&self) -> String {
        "Delivery".into()
    }
    fn btn_cart_back(&self) -> String {
        "Add them to my cart".into()
    }
    fn btn_confirm(&self) -> String {
        "Confirm order".into()
    }
    fn btn_confirm_edit(&self) -> String {
        "Confirm the change".into()
    }
    fn btn_cancel(&self) -> String {
        "Cancel".into()
    }
    fn btn_note(&self) -> String {
        "Add a note".into()
    }
    fn btn_checkout(&self) -> String {
        "Checkout".into()
    }
    fn btn_clear(&self) -> String {
        "Empty cart".into()
    }
    fn btn_share_phone(&self) -> String {
        "Share my phone number".into()
    }
    fn btn_back(&self) -> String {
        "« Back".into()
    }
}
