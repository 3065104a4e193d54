//! How orders, lists and reports look in Discord, as plain data: the board
//! card with its buttons, list pages, and text cut to Discord's limits.
//! Pure, so every limit is tested without a network.

use chatorder_shared::domain::{Fulfilment, Money, OrderStatus};
use chatorder_shared::events::{CatalogItem, OrderSnapshot};
use chatorder_shared::lifecycle::owner_moves;

use crate::ids::{Click, List};

/// Discord's limits (https://discord.com/developers/docs/resources/message).
pub mod limits {
    pub const CONTENT: usize = 2000;
    pub const EMBED_TITLE: usize = 256;
    pub const EMBED_DESCRIPTION: usize = 4096;
    pub const FIELD_NAME: usize = 256;
    pub const FIELD_VALUE: usize = 1024;
    pub const FOOTER: usize = 2048;
    pub const EMBED_TOTAL: usize = 6000;
    pub const BUTTONS_PER_ROW: usize = 5;
    pub const BUTTON_LABEL: usize = 80;
    pub const THREAD_NAME: usize = 100;
}

/// Orders or items per list page.
pub const PAGE_SIZE: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub value: String,
    pub inline: bool,
}

/// An embed, already within Discord's limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub title: String,
    pub description: String,
    pub colour: u32,
    pub fields: Vec<Field>,
    pub footer: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Primary,
    Secondary,
    Success,
    Danger,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    pub id: String,
    pub label: String,
    pub style: Style,
    pub disabled: bool,
}

/// One board message: a card and rows of buttons (none once the order is done).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardMessage {
    pub card: Card,
    pub rows: Vec<Vec<Button>>,
}

/// The latest change and who made it, for the card's footer
/// ("Accepted by Sam", "Cancelled by the customer: running late").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub what: String,
    pub by: String,
    pub reason: Option<String>,
}

/// Cuts `s` to `max` characters, ending in `…` if it was longer.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Keeps `@everyone`, `@here` and mention syntax from looking like (or, with
/// a careless client, becoming) mentions. Messages are also sent with no
/// allowed mentions, so nothing pings whatever this misses.
pub fn defang(s: &str) -> String {
    s.replace("<@", "<\u{200b}@")
        .replace("<#", "<\u{200b}#")
        .replace('@', "@\u{200b}")
}

/// Splits `text` into pieces of at most `max` characters, at line breaks
/// where it can, then at spaces, then anywhere. Nothing is lost.
pub fn split(text: &str, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest: Vec<char> = text.chars().collect();
    while rest.len() > max {
        let window = &rest[..max];
        let cut = window
            .iter()
            .rposition(|c| *c == '\n')
            .or_else(|| window.iter().rposition(|c| c.is_whitespace()))
            .filter(|i| *i > max / 2)
            .map_or(max, |i| i + 1);
        let piece: String = rest[..cut].iter().collect();
        out.push(piece.trim_end().to_owned());
        rest.drain(..cut);
    }
    let last: String = rest.into_iter().collect();
    if !last.trim().is_empty() || out.is_empty() {
        out.push(last);
    }
    out
}

fn emoji(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Pending => "🆕",
        OrderStatus::Accepted => "👍",
        OrderStatus::Preparing => "👩‍🍳",
        OrderStatus::Ready => "📦",
        OrderStatus::OutForDelivery => "🛵",
        OrderStatus::Completed => "✅",
        OrderStatus::Rejected | OrderStatus::Cancelled => "✖️",
    }
}

fn colour(status: OrderStatus) -> u32 {
    match status {
        OrderStatus::Pending => 0xF1C40F,
        OrderStatus::Accepted | OrderStatus::Preparing => 0x3498DB,
        OrderStatus::Ready | OrderStatus::OutForDelivery => 0x9B59B6,
        OrderStatus::Completed => 0x2ECC71,
        OrderStatus::Rejected | OrderStatus::Cancelled => 0x95A5A6,
    }
}

/// How a status reads in a title: "Out for delivery".
pub fn status_title(status: OrderStatus) -> String {
    let h = status.human();
    let mut c = h.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// The customer's first name, or "a customer".
pub fn first_name(order: &OrderSnapshot) -> String {
    order
        .customer
        .name
        .as_deref()
        .and_then(|n| n.split_whitespace().next())
        .map(|n| clip(n, 32))
        .unwrap_or_else(|| "a customer".to_owned())
}

fn money(order: &OrderSnapshot, minor: i64) -> String {
    Money::new(minor, order.currency).to_string()
}

fn button_for(number: chatorder_shared::domain::OrderNumber, to: OrderStatus) -> Button {
    let (label, style) = match to {
        OrderStatus::Accepted => ("Accept", Style::Success),
        OrderStatus::Rejected => ("Reject", Style::Danger),
        OrderStatus::Preparing => ("Preparing", Style::Primary),
        OrderStatus::Ready => ("Ready", Style::Primary),
        OrderStatus::OutForDelivery => ("Out for delivery", Style::Primary),
        OrderStatus::Completed => ("Completed", Style::Success),
        OrderStatus::Cancelled => ("Cancel…", Style::Danger),
        OrderStatus::Pending => ("Pending", Style::Secondary),
    };
    Button {
        id: Click::Move { number, to }.encode(),
        label: label.to_owned(),
        style,
        disabled: false,
    }
}

/// The buttons for an order's next allowed moves, at most five per row.
pub fn move_rows(order: &OrderSnapshot) -> Vec<Vec<Button>> {
    let delivery = matches!(order.fulfilment, Fulfilment::Delivery { .. });
    let buttons: Vec<Button> = owner_moves(order.status, delivery)
        .into_iter()
        .map(|to| button_for(order.number, to))
        .collect();
    buttons
        .chunks(limits::BUTTONS_PER_ROW)
        .map(<[Button]>::to_vec)
        .collect()
}

/// How the order is paid: "Paid" (in chat, before it was placed) or on
/// pickup or delivery; a paid order that ended cancelled or rejected says a
/// refund is due, with the charge ids the refund names.
pub fn payment(order: &OrderSnapshot) -> String {
    match (&order.payment, order.status) {
        (Some(p), OrderStatus::Cancelled | OrderStatus::Rejected) => refund_due(p),
        (Some(p), _) => format!("Paid {} in Telegram", p.money()),
        (None, _) => match order.fulfilment {
            Fulfilment::Pickup => "On pickup".to_owned(),
            Fulfilment::Delivery { .. } => "On delivery".to_owned(),
        },
    }
}

/// "Refund due", with what and the ids to refund it by.
pub fn refund_due(p: &chatorder_shared::payment::Payment) -> String {
    format!(
        "💸 Refund due: {} paid in Telegram (Telegram charge `{}`, provider charge `{}`)",
        p.money(),
        clip(&defang(&p.telegram_payment_charge_id), 80),
        clip(&defang(&p.provider_payment_charge_id), 80)
    )
}

/// The board card for an order: number, status, customer's first name,
/// items, total, pickup or delivery, age, note, and the latest change.
pub fn board_message(order: &OrderSnapshot, last: Option<&Change>) -> BoardMessage {
    let title = format!(
        "{} Order {} · {}",
        emoji(order.status),
        order.number,
        status_title(order.status)
    );
    let mut lines: Vec<String> = order
        .lines
        .iter()
        .map(|l| {
            format!(
                "{} × {} — {}",
                l.qty,
                defang(&l.name),
                money(order, l.line_total_minor)
            )
        })
        .collect();
    if lines.is_empty() {
        lines.push("(no items)".to_owned());
    }
    let placed = order.placed_at.timestamp();
    let fulfilment = match &order.fulfilment {
        Fulfilment::Pickup => "Pickup".to_owned(),
        Fulfilment::Delivery { address } => format!("Delivery to {}", defang(address)),
    };
    let mut fields = vec![
        field("Customer", &defang(&first_name(order)), true),
        field("Total", &money(order, order.total_minor), true),
        field("Placed", &format!("<t:{placed}:t> (<t:{placed}:R>)"), true),
        field("Fulfilment", &fulfilment, false),
        field("Payment", &payment(order), false),
    ];
    if let Some(at) = order.scheduled_for {
        // Discord shows the time in each owner's own zone.
        let at = at.timestamp();
        fields.insert(
            3,
            field("⏰ Ready for", &format!("<t:{at}:F> (<t:{at}:R>)"), false),
        );
    }
    if let Some(p) = &order.promo {
        fields.push(field(
            "Promo",
            &format!(
                "`{}`: −{} off {}",
                p.code,
                money(order, p.discount_minor),
                money(order, order.subtotal_minor())
            ),
            false,
        ));
    }
    if let Some(note) = order.note.as_deref().filter(|n| !n.trim().is_empty()) {
        fields.push(field("Note", &defang(note), false));
    }
    let footer = last.map(|c| {
        let mut f = format!("{} by {}", c.what, c.by);
        if let Some(r) = c.reason.as_deref().filter(|r| !r.trim().is_empty()) {
            f.push_str(&format!(": {r}"));
        }
        clip(&defang(&f), 300)
    });
    let title = clip(&title, limits::EMBED_TITLE);
    let mut card = Card {
        title,
        description: String::new(),
        colour: colour(order.status),
        fields,
        footer,
    };
    // The items get whatever the 6,000-character total leaves.
    let budget = limits::EMBED_TOTAL
        .saturating_sub(card.total_chars())
        .min(limits::EMBED_DESCRIPTION);
    card.description = fit_lines(&lines, budget.max(1));
    BoardMessage {
        card: card.fit(),
        rows: move_rows(order),
    }
}

fn field(name: &str, value: &str, inline: bool) -> Field {
    let value = if value.trim().is_empty() {
        "—"
    } else {
        value
    };
    Field {
        name: clip(name, limits::FIELD_NAME),
        value: clip(value, limits::FIELD_VALUE),
        inline,
    }
}

/// Joins lines within `max` characters, ending with "… and N more" if needed.
fn fit_lines(lines: &[String], max: usize) -> String {
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        let more = lines.len() - i;
        let tail = format!("\n… and {more} more");
        let needed = out.chars().count() + line.chars().count() + 1;
        let reserve = if more > 1 { tail.chars().count() } else { 0 };
        if needed + reserve > max {
            out.push_str(&tail);
            return clip(out.trim_start(), max);
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(line);
    }
    clip(&out, max)
}

impl Card {
    /// Every character Discord counts towards the 6,000 total.
    pub fn total_chars(&self) -> usize {
        self.title.chars().count()
            + self.description.chars().count()
            + self.footer.as_ref().map_or(0, |f| f.chars().count())
            + self
                .fields
                .iter()
                .map(|f| f.name.chars().count() + f.value.chars().count())
                .sum::<usize>()
    }

    /// Shortens the description until the whole card is within the total.
    pub fn fit(mut self) -> Self {
        let over = self.total_chars().saturating_sub(limits::EMBED_TOTAL);
        if over > 0 {
            let keep = self.description.chars().count().saturating_sub(over);
            self.description = clip(&self.description, keep.max(1));
        }
        self
    }
}

/// The thread name for an order.
pub fn thread_name(order: &OrderSnapshot) -> String {
    clip(
        &format!("Order {} · {}", order.number, first_name(order)),
        limits::THREAD_NAME,
    )
}

/// A page of text with Previous/Next buttons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub content: String,
    pub buttons: Vec<Button>,
}

fn pager(list: List, page: u32, total: usize) -> Vec<Button> {
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page_us = page as usize;
    let nav = |p: u32, label: &str, disabled: bool| Button {
        id: Click::Page { list, page: p }.encode(),
        label: label.to_owned(),
        style: Style::Secondary,
        disabled,
    };
    if pages <= 1 {
        return Vec::new();
    }
    vec![
        nav(page.saturating_sub(1), "◀ Previous", page_us == 0),
        nav(page + 1, "Next ▶", page_us + 1 >= pages),
    ]
}

/// `/pending`: oldest first, with age, customer, items and total.
pub fn pending_page(orders: &[OrderSnapshot], total: u64, page: u32) -> Page {
    let total = usize::try_from(total).unwrap_or(usize::MAX);
    if total == 0 {
        return Page {
            content: "No pending orders. 🎉".to_owned(),
            buttons: Vec::new(),
        };
    }
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let mut lines = vec![format!(
        "**Pending orders** ({total}, oldest first) · page {} of {pages}",
        page as usize + 1
    )];
    for o in orders {
        let items: u32 = o.lines.iter().map(|l| l.qty).sum();
        lines.push(format!(
            "**{}** · waiting since <t:{ts}:R> · {} · {items} item{} · {} · {}",
            o.number,
            defang(&first_name(o)),
            if items == 1 { "" } else { "s" },
            money(o, o.total_minor),
            o.fulfilment.kind(),
            ts = o.placed_at.timestamp(),
        ));
        if let Some(at) = o.scheduled_for {
            lines.push(format!("  ⏰ ready for <t:{}:F>", at.timestamp()));
        }
    }
    if orders.is_empty() {
        lines.push("(nothing on this page)".to_owned());
    }
    Page {
        content: fit_lines(&lines, limits::CONTENT),
        buttons: pager(List::Pending, page, total),
    }
}

/// `/catalog list`: one page of items, by category.
pub fn catalog_page(items: &[CatalogItem], page: u32) -> Page {
    let total = items.len();
    if total == 0 {
        return Page {
            content: "The catalog is empty. Add items with `/catalog add`.".to_owned(),
            buttons: Vec::new(),
        };
    }
    let pages = total.div_ceil(PAGE_SIZE);
    let page = page.min(u32::try_from(pages - 1).unwrap_or(0));
    let start = page as usize * PAGE_SIZE;
    let mut lines = vec![format!(
        "**Catalog** ({total} items) · page {} of {pages}",
        page as usize + 1
    )];
    for item in items.iter().skip(start).take(PAGE_SIZE) {
        lines.push(format!(
            "`{}` · {} · {} · {}{}",
            item.sku,
            defang(&item.display_name()),
            defang(&item.category),
            Money::new(item.price_minor, item.currency),
            if item.available { "" } else { " · **off**" }
        ));
    }
    Page {
        content: fit_lines(&lines, limits::CONTENT),
        buttons: pager(List::Catalog, page, total),
    }
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;
