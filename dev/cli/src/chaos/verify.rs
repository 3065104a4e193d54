//! The chaos run's proof: what the customers were told, what MySQL holds,
//! what the history says, what each chat received and what the board shows
//! must all agree. Each check counts its violations and keeps a few
//! examples to print.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::customers::{Heard, Intent};
use chatorder_shared::events::CatalogItem;
use chatorder_telegram_standin::TelegramStandIn;

/// One check: its name, how many it covered and what broke.
pub struct Check {
    pub name: &'static str,
    pub covered: usize,
    pub violations: Vec<String>,
    /// What the reader should know besides pass or fail.
    pub note: String,
}

impl Check {
    fn new(name: &'static str) -> Self {
        Self {
            name,
            covered: 0,
            violations: Vec::new(),
            note: String::new(),
        }
    }

    fn fail(&mut self, what: String) {
        self.violations.push(what);
    }

    pub fn ok(&self) -> bool {
        self.violations.is_empty()
    }
}

/// An order as MySQL holds it.
#[derive(Debug)]
pub struct Stored {
    pub chat: Option<i64>,
    pub status: String,
    pub total: i64,
    /// sku → (qty, unit price, line total)
    pub lines: BTreeMap<String, (u32, i64, i64)>,
    /// (from, to), in order.
    pub history: Vec<(Option<String>, String)>,
}

#[derive(diesel::QueryableByName)]
struct OrderRow {
    #[diesel(sql_type = diesel::sql_types::Char)]
    id: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    number: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Varchar>)]
    platform: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Varchar>)]
    external_id: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Varchar)]
    status: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    total_minor: i64,
}

#[derive(diesel::QueryableByName)]
struct LineRow {
    #[diesel(sql_type = diesel::sql_types::Char)]
    order_id: String,
    #[diesel(sql_type = diesel::sql_types::Varchar)]
    sku: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    quantity: i32,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    unit_price_minor: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    line_total_minor: i64,
}

#[derive(diesel::QueryableByName)]
struct HistoryRow {
    #[diesel(sql_type = diesel::sql_types::Char)]
    order_id: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Varchar>)]
    from_status: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Varchar)]
    to_status: String,
}

/// Every order in MySQL, by number.
pub async fn stored_orders(
    conn: &mut chatorder_db::pool::Conn,
) -> anyhow::Result<BTreeMap<u64, Stored>> {
    use diesel_async::RunQueryDsl as _;
    let orders: Vec<OrderRow> = diesel::sql_query(
        "SELECT o.id, o.number, c.platform, c.external_id, o.status, o.total_minor \
         FROM orders o LEFT JOIN customers c ON c.id = o.customer_id",
    )
    .load(conn)
    .await?;
    let lines: Vec<LineRow> = diesel::sql_query(
        "SELECT order_id, sku, quantity, unit_price_minor, line_total_minor FROM order_lines",
    )
    .load(conn)
    .await?;
    let history: Vec<HistoryRow> = diesel::sql_query(
        "SELECT order_id, from_status, to_status FROM order_status_history ORDER BY id",
    )
    .load(conn)
    .await?;
    let mut by_id: HashMap<String, (u64, Stored)> = orders
        .into_iter()
        .map(|o| {
            let chat = (o.platform.as_deref() == Some("telegram"))
                .then(|| o.external_id.as_deref().and_then(|s| s.parse().ok()))
                .flatten();
            (
                o.id,
                (
                    u64::try_from(o.number).unwrap_or_default(),
                    Stored {
                        chat,
                        status: o.status,
                        total: o.total_minor,
                        lines: BTreeMap::new(),
                        history: Vec::new(),
                    },
                ),
            )
        })
        .collect();
    for l in lines {
        if let Some((_, o)) = by_id.get_mut(&l.order_id) {
            let qty = u32::try_from(l.quantity).unwrap_or_default();
            o.lines
                .insert(l.sku, (qty, l.unit_price_minor, l.line_total_minor));
        }
    }
    for h in history {
        if let Some((_, o)) = by_id.get_mut(&h.order_id) {
            o.history.push((h.from_status, h.to_status));
        }
    }
    Ok(by_id.into_values().collect())
}

/// Whether `text` names order `#n` (and not `#n5`).
fn mentions(text: &str, n: u64) -> bool {
    let needle = format!("#{n}");
    text.match_indices(&needle).any(|(i, _)| {
        !text[i + needle.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
    })
}

/// What the customer must have been told for one history row.
fn notification(to: &str, n: u64) -> String {
    match to {
        "pending" => format!("Order #{n} received!"),
        "accepted" => format!("Good news: the shop accepted order #{n}."),
        "preparing" => format!("Order #{n} is being prepared."),
        "ready" => format!("Order #{n} is ready for pickup!"),
        "completed" => format!("Order #{n} is complete."),
        other => format!("(order #{n} went to {other})"),
    }
}

pub struct Inputs<'a> {
    pub intents: &'a [Intent],
    pub outcomes: &'a [Heard],
    pub items: &'a BTreeMap<String, CatalogItem>,
    pub stored: &'a BTreeMap<u64, Stored>,
    pub standin: &'a TelegramStandIn,
    pub cards: &'a BTreeMap<u64, u64>,
    pub outbox: i64,
    /// Payloads on the dead-letter stream, and those sent malformed on purpose.
    pub dead: &'a [Vec<u8>],
    pub malformed: &'a [Vec<u8>],
    /// Notifications whose send a SIGKILL cut short (chat, first line):
    /// Telegram may have taken them before the bot died, and the next bot
    /// sends them again, so each may arrive twice.
    pub cut_short: &'a [(i64, String)],
}

const LIFECYCLE: [&str; 5] = ["pending", "accepted", "preparing", "ready", "completed"];

pub fn checks(i: &Inputs<'_>) -> Vec<Check> {
    let mut told = Check::new("every customer was told \"received\"");
    let mut once = Check::new("every order told \"received\" is in MySQL once, as ordered");
    let mut nobody = Check::new("no order exists that no customer placed");
    let mut history = Check::new("every status change is in the history");
    let mut notes = Check::new("every notification reached its customer exactly once");
    let mut cards = Check::new("every order has exactly one card on the board");
    let mut outbox = Check::new("the outbox is empty");
    let mut dead = Check::new("dead letters: only the malformed ones sent on purpose");

    // What each customer was told, and what they meant.
    let mut numbers: HashMap<u64, usize> = HashMap::new();
    for (k, (intent, outcome)) in i.intents.iter().zip(i.outcomes).enumerate() {
        told.covered += 1;
        match (outcome.number, &outcome.error) {
            (Some(n), _) => {
                if let Some(other) = numbers.insert(n, k) {
                    once.fail(format!(
                        "#{n} was told to two orders (intents {other} and {k})"
                    ));
                }
            }
            (None, e) => told.fail(format!(
                "customer {}: {}",
                intent.customer,
                e.as_deref().unwrap_or("no answer")
            )),
        }
    }
    for (&n, &k) in &numbers {
        once.covered += 1;
        let intent = &i.intents[k];
        let Some(o) = i.stored.get(&n) else {
            once.fail(format!(
                "#{n}, told to customer {}, is not in MySQL",
                intent.customer
            ));
            continue;
        };
        if o.chat != Some(intent.customer) {
            once.fail(format!(
                "#{n} belongs to {:?}, but customer {} was told it",
                o.chat, intent.customer
            ));
        }
        let got: BTreeMap<String, u32> = o.lines.iter().map(|(s, l)| (s.clone(), l.0)).collect();
        if got != intent.lines {
            once.fail(format!(
                "#{n} holds {got:?}, the customer ordered {:?}",
                intent.lines
            ));
        }
        let mut sum = 0;
        for (sku, (qty, unit, line)) in &o.lines {
            let price = i.items.get(sku).map(|it| it.price_minor);
            if price != Some(*unit) || *line != unit * i64::from(*qty) {
                once.fail(format!(
                    "#{n} line {sku}: {qty} × {unit} = {line}, menu price {price:?}"
                ));
            }
            sum += line;
        }
        if sum != o.total {
            once.fail(format!("#{n} total {} but lines sum to {sum}", o.total));
        }
    }
    for (&n, o) in i.stored {
        nobody.covered += 1;
        if !numbers.contains_key(&n) {
            nobody.fail(format!(
                "#{n} (customer {:?}, {}) was never told to a customer",
                o.chat, o.status
            ));
        }
    }

    // History: pending → accepted → preparing → ready → completed.
    for (&n, o) in i.stored {
        history.covered += 1;
        let want: Vec<(Option<String>, String)> = LIFECYCLE
            .iter()
            .enumerate()
            .map(|(k, to)| {
                (
                    (k > 0).then(|| LIFECYCLE[k - 1].to_owned()),
                    (*to).to_owned(),
                )
            })
            .collect();
        let chain_ok = o
            .history
            .iter()
            .zip(o.history.iter().skip(1))
            .all(|(a, b)| b.0.as_deref() == Some(a.1.as_str()));
        if !chain_ok || o.history.first().is_none_or(|h| h.0.is_some()) {
            history.fail(format!("#{n} history is not a chain: {:?}", o.history));
        } else if o.history.last().map(|h| h.1.as_str()) != Some(o.status.as_str()) {
            history.fail(format!(
                "#{n} is {} but its history ends {:?}",
                o.status,
                o.history.last()
            ));
        } else if o.history != want {
            history.fail(format!(
                "#{n} did not go the owner's way to completed: {:?}",
                o.history
            ));
        }
    }

    // Notifications: one per history row, nothing else about the order;
    // one whose send a SIGKILL cut short may have come twice.
    let mut twice = 0;
    let mut chats: HashMap<i64, Vec<String>> = HashMap::new();
    for (&n, o) in i.stored {
        let Some(chat) = o.chat else { continue };
        notes.covered += 1;
        let messages = chats.entry(chat).or_insert_with(|| {
            i.standin
                .messages(chat)
                .into_iter()
                .map(|m| m.text)
                .collect()
        });
        let about: Vec<&String> = messages.iter().filter(|t| mentions(t, n)).collect();
        let mut extra = 0;
        for (_, to) in &o.history {
            let want = notification(to, n);
            let got = about.iter().filter(|t| t.starts_with(&want)).count();
            let cut = i
                .cut_short
                .iter()
                .any(|(c, line)| *c == chat && line.starts_with(&want));
            if got == 2 && cut {
                extra += 1;
            } else if got != 1 {
                notes.fail(format!("customer {chat} got \"{want}\" {got} times"));
            }
        }
        if about.len() != o.history.len() + extra {
            notes.fail(format!(
                "customer {chat} got {} messages about #{n} for {} status changes",
                about.len(),
                o.history.len()
            ));
        }
        twice += extra;
    }

    if !i.cut_short.is_empty() {
        notes.note = format!(
            "{} sends cut short by a SIGKILL were made again; {twice} of them reached the customer twice",
            i.cut_short.len()
        );
    }

    // The board.
    let mut per_order: HashMap<u64, usize> = HashMap::new();
    for n in i.cards.values() {
        *per_order.entry(*n).or_default() += 1;
    }
    for &n in i.stored.keys() {
        cards.covered += 1;
        match per_order.get(&n).copied().unwrap_or(0) {
            1 => {}
            k => cards.fail(format!("#{n} has {k} cards")),
        }
    }
    for n in per_order.keys() {
        if !i.stored.contains_key(n) {
            cards.fail(format!("a card for #{n}, which is not in MySQL"));
        }
    }

    outbox.covered = 1;
    if i.outbox != 0 {
        outbox.fail(format!("{} events never left the outbox", i.outbox));
    }

    dead.covered = i.dead.len();
    let sent: HashSet<&[u8]> = i.malformed.iter().map(Vec::as_slice).collect();
    let got: HashSet<&[u8]> = i.dead.iter().map(Vec::as_slice).collect();
    for d in i.dead {
        if !sent.contains(d.as_slice()) {
            dead.fail(format!(
                "dead-lettered, not sent malformed: {}",
                String::from_utf8_lossy(d)
                    .chars()
                    .take(200)
                    .collect::<String>()
            ));
        }
    }
    for m in i.malformed {
        if !got.contains(m.as_slice()) {
            dead.fail(format!(
                "malformed, but not dead-lettered: {}",
                String::from_utf8_lossy(m)
            ));
        }
    }
    if i.dead.len() != i.malformed.len() {
        dead.fail(format!(
            "{} dead letters for {} malformed messages",
            i.dead.len(),
            i.malformed.len()
        ));
    }

    vec![told, once, nobody, history, notes, cards, outbox, dead]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_names_whole_numbers_only() {
        assert!(mentions("Order #1001 received!", 1001));
        assert!(mentions("accepted order #1001.", 1001));
        assert!(!mentions("Order #10012 received!", 1001));
        assert!(!mentions("Order #100 received!", 1001));
    }

    #[test]
    fn notifications_read_as_the_bot_writes_them() {
        assert_eq!(notification("pending", 7), "Order #7 received!");
        assert!(
            "Order #7 is ready for pickup!".starts_with(&notification("ready", 7)),
            "pickup wording"
        );
    }
}
