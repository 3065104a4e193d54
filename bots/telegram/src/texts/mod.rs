//! Every sentence the customer bot says, per language. Messages are sent as
//! plain text (no parse mode), so nothing a customer typed can be read as
//! formatting.
//!
//! [`Texts`] names every sentence; each language is one file implementing
//! it (`en.rs`, `es.rs`). A sentence has no default, so a language that
//! misses one does not compile, and `tests.rs` renders every sentence in
//! every language (non-empty, and different from English where the words
//! differ). Adding a sentence: a method here, then one in each language
//! file. Adding a language: see `docs/telegram.md`.
//!
//! What only formats (money, dates, times in the shop's zone) is
//! [`Lang`]'s, in `chatorder-shared`, so the HTTP API and web app can
//! format the same way later.

mod en;
mod es;

use chatorder_shared::domain::{Currency, Money, OrderNumber, OrderStatus, Role};
use chatorder_shared::events::{OrderLine, OrderSnapshot};
use chatorder_shared::hours::Tz;
use chatorder_shared::promo::{PromoCode, PromoProblem};
use chatorder_shared::queries::QueryRefusal;
use chatorder_shared::refusal::Refusal;
use chrono::{DateTime, Utc};

pub use chatorder_shared::lang::Lang;
pub use en::English;
pub use es::Spanish;

use crate::conversation::CartBack;
use crate::parse::{Choice, Prompt};

/// The sentences of one language.
pub fn of(lang: Lang) -> &'static dyn Texts {
    match lang {
        Lang::En => &English,
        Lang::Es => &Spanish,
    }
}

/// A cart or summary line with its price: (quantity, name, price).
pub type PricedLine = (u32, String, String);

/// Every sentence the customer bot says. Only [`Texts::money`],
/// [`Texts::when`] and [`Texts::day_time`] are provided (they format
/// through [`Lang`]); every sentence must be written by each language.
pub trait Texts: Sync {
    fn lang(&self) -> Lang;

    fn money(&self, minor: i64, currency: Currency) -> String {
        self.lang().money(Money::new(minor, currency))
    }
    fn when(&self, at: DateTime<Utc>, now: DateTime<Utc>, tz: Tz) -> String {
        self.lang().when(at, now, tz)
    }
    fn day_time(&self, at: DateTime<Utc>, tz: Tz) -> String {
        self.lang().day_time(at, tz)
    }
    /// A time of day on a button ("18:30"), in the shop's zone.
    fn clock(&self, at: DateTime<Utc>, tz: Tz) -> String {
        at.with_timezone(&tz).format("%H:%M").to_string()
    }

    // Start and help.
    fn welcome(&self, name: &str, shop: &str) -> String;
    fn help(&self) -> String;
    /// The commands in Telegram's menu: (command, description).
    fn commands(&self) -> [(&'static str, &'static str); 9];

    // The menu.
    fn menu_categories(&self) -> String;
    fn menu_items(&self, category: &str) -> String;
    fn menu_sizes(&self, name: &str) -> String;
    /// The label of an item without sizes in the sizes' list.
    fn menu_add(&self) -> String;
    fn menu_empty(&self) -> String;
    fn menu_stale(&self) -> String;

    // The cart.
    fn added(&self, lines: &[String], total: &str) -> String;
    /// The per-item limit cut an addition: say what the cart holds now.
    fn capped(&self, added: u32, now: u32, name: &str) -> String;
    fn at_most_of_one(&self) -> String;
    fn cart_full(&self, name: &str) -> String;
    fn not_understood(&self, fragments: &[String]) -> String;
    fn unavailable(&self, names: &[String]) -> String;
    fn nothing_found(&self) -> String;
    fn too_long(&self) -> String;
    fn slow_down(&self) -> String;
    fn cart_empty(&self) -> String;
    fn cart(&self, lines: &[PricedLine], total: &str) -> String;
    fn cart_item_gone(&self, name: &str) -> String;

    // The parser's questions.
    fn prompt(&self, prompt: &Prompt) -> String;
    fn choice(&self, choice: &Choice) -> String;

    // Checkout.
    fn choose_fulfilment(&self) -> String;
    fn ask_address(&self) -> String;
    fn address_too_long(&self, max: usize) -> String;
    fn ask_note(&self) -> String;
    fn note_too_long(&self, max: usize) -> String;
    fn ask_phone(&self) -> String;
    /// The summary to confirm; with a promo code, the total is before its
    /// discount (the shop works that out when the order is confirmed).
    fn summary(
        &self,
        lines: &[PricedLine],
        total: &str,
        fulfilment: &str,
        note: Option<&str>,
        promo: Option<&PromoCode>,
    ) -> String;
    fn pickup(&self) -> String;
    fn delivery_to(&self, address: &str) -> String;
    fn sending(&self) -> String;
    fn already_sent(&self) -> String;
    fn checkout_expired(&self) -> String;
    fn checkout_cancelled(&self) -> String;
    fn too_many_orders(&self, limit: u32) -> String;
    fn shop_unreachable(&self) -> String;

    // Promo codes (`/promo CODE`).
    fn usage_promo(&self) -> String;
    fn promo_noted(&self, code: &PromoCode) -> String;
    fn promo_current(&self, code: &PromoCode) -> String;
    fn promo_removed(&self) -> String;
    fn not_a_promo_code(&self) -> String;
    /// The total of a placed order: with a promo code, what the lines came
    /// to, what the code took off, and what is to pay.
    fn totals(&self, o: &OrderSnapshot) -> String;
    /// Why the shop did not take an order's promo code: the order was not
    /// placed; the customer can order again without it or with another.
    fn promo_refused(&self, code: &PromoCode, why: &PromoProblem) -> String;

    // Payment in chat (with `telegram.payment_provider_token`).
    /// The invoice's title (Telegram allows 1–32 characters).
    fn invoice_title(&self, shop: &str) -> String;
    /// The invoice's description (Telegram allows 1–255 characters).
    fn invoice_description(&self, items: usize, fulfilment: &str) -> String;
    /// The one price of a bill with a promo code's discount (`discount`
    /// formatted), whose amount is what is left to pay.
    fn invoice_promo(&self, code: &PromoCode, discount: &str) -> String;
    /// Confirm with payments on: the summary becomes this while the bill
    /// is worked out (a promo code's discount asked of the shop).
    fn invoice_preparing(&self) -> String;
    /// Said just before the bill itself, once it is sure to be sent.
    fn invoice_sent(&self) -> String;
    fn invoice_failed(&self) -> String;
    fn invoice_too_large(&self) -> String;
    /// A promo code took the whole total: the order is placed, unpaid.
    fn nothing_to_pay(&self) -> String;
    /// Why a payment can't go ahead (Telegram shows it in the payment
    /// form; nothing is charged).
    fn pay_stale(&self) -> String;
    fn pay_cart_changed(&self) -> String;
    fn pay_price_changed(&self) -> String;
    fn pay_unavailable(&self, name: &str) -> String;
    fn pay_already(&self) -> String;
    fn pay_closed(&self) -> String;
    fn pay_unreachable(&self) -> String;
    /// After Telegram's `successful_payment`.
    fn paid_placing(&self) -> String;
    fn paid_twice(&self) -> String;
    fn paid_lost(&self) -> String;
    fn paid_unreachable(&self) -> String;
    /// Added to the news that a paid order was cancelled or rejected.
    fn refund_due(&self, paid: Money) -> String;
    /// A paid order refused by the shop's rules (`refusal`, as
    /// [`Texts::rejected_command`] says it): not placed, refund due.
    fn rejected_paid(&self, refusal: &str, paid: Money) -> String;

    // The shop's hours.
    /// That the shop is closed by its hours and when it opens (`opens_at`;
    /// `None`: nothing planned), at `now` in the shop's zone `tz`: the
    /// worker's refusal and the bot's warning before checkout say it in the
    /// same words.
    fn closed_now(&self, opens_at: Option<DateTime<Utc>>, now: DateTime<Utc>, tz: Tz) -> String;
    /// Told before checkout while the shop is closed ([`Texts::closed_now`]
    /// first): the cart can still be filled, and the order is taken once
    /// the shop opens.
    fn closed_warning(&self, closed_now: &str) -> String;
    /// At checkout while closed ([`Texts::closed_now`] first): the order
    /// can be placed now for a time in the next opening; the buttons below
    /// offer the times.
    fn choose_time(&self, closed_now: &str) -> String;
    /// A time was chosen (`when`, as [`Texts::when`] says it): pickup or
    /// delivery next.
    fn time_chosen(&self, when: &str) -> String;
    /// The line on a summary and a received order naming the time a
    /// scheduled order is for (`when` as [`Texts::day_time`] says it).
    fn ready_for(&self, when: &str) -> String;

    // A refused order's cart.
    /// After a refused order: what became of the basket it carried (`lines`
    /// as [`line`] writes them), appended to the refusal.
    fn cart_back(&self, back: CartBack, lines: &[String]) -> String;
    /// The button under a refused order's basket kept aside, pressed again.
    fn cart_back_added_before(&self) -> String;

    // Commands about orders.
    fn usage_status(&self) -> String;
    fn usage_cancel(&self) -> String;
    fn usage_msg(&self) -> String;
    fn usage_edit(&self) -> String;
    fn editing(&self, n: OrderNumber) -> String;
    fn not_editable(&self, n: OrderNumber, status: OrderStatus) -> String;
    fn confirm_edit(&self, n: OrderNumber, lines: &[PricedLine], total: &str) -> String;
    fn cancel_requested(&self, n: OrderNumber) -> String;
    fn message_sent(&self, n: OrderNumber) -> String;
    fn no_orders(&self) -> String;
    /// `/orders`, times in the shop's zone `tz`.
    fn orders_list(&self, orders: &[OrderSnapshot], tz: Tz) -> String;
    fn order_again_label(&self, n: OrderNumber) -> String;
    fn status_word(&self, status: OrderStatus) -> &'static str;
    fn order_details(&self, o: &OrderSnapshot) -> String;

    // Notifications: one per event.
    /// An order was received; a scheduled one names its time in the
    /// shop's zone `tz`.
    fn placed(&self, o: &OrderSnapshot, tz: Tz) -> String;
    fn updated(&self, o: &OrderSnapshot) -> String;
    fn status_changed(&self, o: &OrderSnapshot, reason: Option<&str>) -> String;
    fn cancelled(&self, o: &OrderSnapshot, by: Role, reason: Option<&str>) -> String;
    /// Why the shop's rules refused what the customer asked, at `now`
    /// (times told in the shop's zone `tz`). Owner-only refusals never reach
    /// a customer; they, and codes newer than this bot, get a generic sentence.
    fn rejected_command(&self, refusal: &Refusal, now: DateTime<Utc>, tz: Tz) -> String;
    /// Why the order workers refused a question. A customer asking for
    /// someone else's order hears `not_found`, as for a number no order
    /// has; owner-only, demand and unknown codes get a generic sentence.
    fn query_refused(&self, refusal: &QueryRefusal) -> String;
    fn shop_message(&self, n: OrderNumber, text: &str) -> String;

    // Anything else.
    fn unknown_command(&self) -> String;
    fn not_text(&self) -> String;
    fn button_stale(&self) -> String;

    // Button labels.
    fn btn_pickup(&self) -> String;
    fn btn_delivery(&self) -> String;
    /// Under a refused order's basket kept aside: adds it to the cart.
    fn btn_cart_back(&self) -> String;
    fn btn_confirm(&self) -> String;
    fn btn_confirm_edit(&self) -> String;
    fn btn_cancel(&self) -> String;
    fn btn_note(&self) -> String;
    fn btn_checkout(&self) -> String;
    fn btn_clear(&self) -> String;
    fn btn_share_phone(&self) -> String;
    fn btn_back(&self) -> String;
}

/// "2 × The Hawaiian Pizza (L)": the same in every language.
pub fn line(qty: u32, name: &str) -> String {
    format!("{qty} × {name}")
}

/// An order's lines, one a line.
pub fn lines_text(lines: &[OrderLine]) -> String {
    lines
        .iter()
        .map(|l| line(l.qty, &l.name))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Priced lines, one a line: "2 × Name – €5.00".
pub fn priced_lines(lines: &[PricedLine]) -> String {
    lines
        .iter()
        .map(|(qty, name, price)| format!("{} – {price}\n", line(*qty, name)))
        .collect()
}

/// Fragments quoted and listed: "\"x\", \"y\"".
pub fn quoted(fragments: &[String]) -> String {
    fragments
        .iter()
        .map(|f| format!("\"{f}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests;
