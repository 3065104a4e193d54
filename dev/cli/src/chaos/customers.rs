//! Simulated customers for the chaos run: each chats with the real Telegram
//! bot through the stand-in exactly as a person would (type the basket,
//! /checkout, Pickup, Confirm) and waits, patiently, for every answer. When
//! the bot says it can't reach the shop, they press Confirm again a little
//! later, as the bot asks; they never type an order twice.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chatorder_db::past_sales::PastOrder;
use chatorder_shared::events::CatalogItem;
use chatorder_telegram::parse::Matcher;
use chatorder_telegram_standin::{BotMessage, TelegramStandIn, User};
use tokio::sync::Mutex;

/// How long a customer waits for any one answer before giving up.
pub const PATIENCE: Duration = Duration::from_secs(300);
/// Pause before pressing Confirm again after "can't reach the shop".
const RETRY_PAUSE: Duration = Duration::from_secs(2);
const MAX_CONFIRMS: u32 = 60;

/// An order a customer means to place: who, and exactly what.
#[derive(Debug, Clone)]
pub struct Intent {
    pub customer: i64,
    /// sku → quantity.
    pub lines: BTreeMap<String, u32>,
    pub text: String,
}

/// What the customer heard back for an intent.
#[derive(Debug, Clone, Default)]
pub struct Heard {
    /// The number the customer was told in "Order #N received!".
    pub number: Option<u64>,
    pub error: Option<String>,
}

/// One answer waited for: when the customer acted (since the run started),
/// how long the answer took, and what they did.
#[derive(Debug, Clone, Copy)]
pub struct Wait {
    pub at: Duration,
    pub ms: f64,
    pub step: &'static str,
}

#[derive(Default)]
pub struct Tally {
    pub started: AtomicUsize,
    pub received: AtomicUsize,
    pub failed: AtomicUsize,
    pub retried_confirms: AtomicUsize,
}

pub fn get(c: &AtomicUsize) -> usize {
    c.load(Ordering::Relaxed)
}

/// `count` intents from the history's baskets (cycled if it holds fewer),
/// spread over `customers` customers with ids from `first_id`. Baskets the
/// bot would ask about (an ambiguous name) are skipped: this run is about
/// faults, not the parser; the number skipped is returned.
pub fn intents(
    history: &[PastOrder],
    items: &BTreeMap<String, CatalogItem>,
    count: usize,
    customers: usize,
    first_id: i64,
) -> anyhow::Result<(Vec<Intent>, usize)> {
    let catalog: Vec<CatalogItem> = items.values().cloned().collect();
    let matcher = Matcher::new(&catalog);
    let mut out = Vec::with_capacity(count);
    let mut skipped = 0;
    let customers = customers.max(1);
    for past in history
        .iter()
        .cycle()
        .take(count.saturating_mul(2).max(count + 1000))
    {
        if out.len() == count {
            break;
        }
        let mut lines = BTreeMap::new();
        for (sku, qty, _) in &past.lines {
            *lines.entry(sku.clone()).or_insert(0) += qty;
        }
        let Some(text) =
            crate::baskets::phrase(lines.iter().map(|(sku, qty)| (sku.as_str(), *qty)), |sku| {
                items.get(sku)
            })
        else {
            skipped += 1;
            continue;
        };
        let parsed = matcher.parse(&text);
        let mut read = BTreeMap::new();
        for l in &parsed.lines {
            *read.entry(l.sku.to_string()).or_insert(0) += l.qty;
        }
        if read != lines
            || !parsed.questions.is_empty()
            || !parsed.unavailable.is_empty()
            || !parsed.not_understood.is_empty()
        {
            skipped += 1;
            continue;
        }
        let n = out.len();
        out.push(Intent {
            customer: first_id + (n % customers) as i64,
            lines,
            text,
        });
    }
    anyhow::ensure!(
        out.len() == count,
        "only {} of {count} baskets of the history could be phrased",
        out.len()
    );
    Ok((out, skipped))
}

/// Everything the customers share.
pub struct Crowd {
    pub standin: Arc<TelegramStandIn>,
    pub tally: Tally,
    pub waits: Mutex<Vec<Wait>>,
    pub started: Instant,
}

impl Crowd {
    /// Acts, then waits for the bot's next message in the chat (after
    /// `after`) that satisfies `want`; records the wait. An answer that the
    /// shop can't be reached (the bot could not ask the order workers) is
    /// met as a person would: after a pause, the same again.
    async fn exchange(
        &self,
        user: &User,
        step: &'static str,
        after: i64,
        act: impl Fn(),
        want: impl Fn(&BotMessage) -> bool,
    ) -> anyhow::Result<BotMessage> {
        let t0 = Instant::now();
        let mut after = after;
        let mut tries = 0;
        let msg = loop {
            tries += 1;
            act();
            let msg = self
                .standin
                .wait_for(user.id, PATIENCE, |m| {
                    m.message_id > after && (want(m) || unreachable(m))
                })
                .await
                .with_context(|| {
                    format!(
                        "customer {} waited {} s for an answer to {step}",
                        user.id,
                        PATIENCE.as_secs()
                    )
                })?;
            if want(&msg) {
                break msg;
            }
            anyhow::ensure!(
                tries < MAX_CONFIRMS,
                "customer {} tried {step} {tries} times and the shop stayed unreachable",
                user.id
            );
            self.tally.retried_confirms.fetch_add(1, Ordering::Relaxed);
            after = msg.message_id;
            tokio::time::sleep(RETRY_PAUSE).await;
        };
        self.waits.lock().await.push(Wait {
            at: t0 - self.started,
            ms: t0.elapsed().as_secs_f64() * 1000.0,
            step,
        });
        Ok(msg)
    }

    /// One customer's orders, one after the other, each not before its time.
    pub async fn customer(
        &self,
        user: User,
        mine: Vec<(usize, Intent, Instant)>,
    ) -> Vec<(usize, Heard)> {
        let mut out = Vec::with_capacity(mine.len());
        let mut last = 0;
        for (i, intent, due) in mine {
            tokio::time::sleep_until(due.into()).await;
            self.tally.started.fetch_add(1, Ordering::Relaxed);
            let outcome = match self.order(&user, &intent, &mut last).await {
                Ok(o) => {
                    self.tally.received.fetch_add(1, Ordering::Relaxed);
                    o
                }
                Err(e) => {
                    self.tally.failed.fetch_add(1, Ordering::Relaxed);
                    Heard {
                        error: Some(format!("{e:#}")),
                        ..Heard::default()
                    }
                }
            };
            out.push((i, outcome));
        }
        out
    }

    async fn order(&self, user: &User, intent: &Intent, last: &mut i64) -> anyhow::Result<Heard> {
        let s = &self.standin;
        let added = self
            .exchange(
                user,
                "the basket",
                *last,
                || {
                    s.send_text(user, &intent.text);
                },
                |m| m.text.contains("Added"),
            )
            .await?;
        let ask = self
            .exchange(
                user,
                "/checkout",
                added.message_id,
                || {
                    s.send_text(user, "/checkout");
                },
                |m| m.text.contains("Pickup or delivery"),
            )
            .await?;
        let pickup = button(&ask, "f:p:")?;
        let summary = self
            .exchange(
                user,
                "Pickup",
                ask.message_id,
                || {
                    s.press_button(user, ask.message_id, &pickup);
                },
                |m| m.text.contains("Please check"),
            )
            .await?;
        let ok = button(&summary, "ok:")?;
        let mut after = summary.message_id;
        let mut confirms = 0;
        loop {
            confirms += 1;
            let answer = self
                .exchange(
                    user,
                    "Confirm",
                    after,
                    || {
                        s.press_button(user, summary.message_id, &ok);
                    },
                    |m| received_number(&m.text).is_some() || unreachable(m),
                )
                .await?;
            after = answer.message_id;
            if let Some(number) = received_number(&answer.text) {
                *last = answer.message_id;
                return Ok(Heard {
                    number: Some(number),
                    error: None,
                });
            }
            anyhow::ensure!(
                confirms < MAX_CONFIRMS,
                "customer {} pressed Confirm {confirms} times and the shop stayed unreachable",
                user.id
            );
            self.tally.retried_confirms.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(RETRY_PAUSE).await;
        }
    }
}

fn button(msg: &BotMessage, prefix: &str) -> anyhow::Result<String> {
    msg.buttons()
        .into_iter()
        .map(|(_, d)| d)
        .find(|d| d.starts_with(prefix))
        .with_context(|| format!("no `{prefix}` button under: {}", msg.text))
}

/// N of "Order #N received!".
pub fn received_number(text: &str) -> Option<u64> {
    let rest = text.strip_prefix("Order #")?;
    let (n, tail) = rest.split_once(' ')?;
    tail.starts_with("received!")
        .then(|| n.parse().ok())
        .flatten()
}

/// The bot's answer when it could not ask the order workers.
fn unreachable(m: &BotMessage) -> bool {
    m.text.contains("can't reach the shop")
}
