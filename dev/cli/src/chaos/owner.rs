//! The simulated owner of the chaos run: works the order board of the real
//! Discord bot through the Discord stand-in, pressing the next button on
//! each card (Accept, Preparing, Ready, Completed) a moment after the card
//! last changed. A press that seems lost (the bot was restarting, NATS was
//! away) is pressed again after a while, as a person would.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use chatorder_discord_standin::{StandIn, User};
use tokio_util::sync::CancellationToken;

const STEPS: [&str; 4] = ["Accept", "Preparing", "Ready", "Completed"];
/// A press that changed nothing after this long is pressed again.
const AGAIN: Duration = Duration::from_secs(15);

/// What the simulated owner saw of the board, and what it pressed.
#[derive(Debug, Default)]
pub struct BoardSeen {
    /// Card message id → the order number in its title.
    pub cards: BTreeMap<u64, u64>,
    /// Presses made, and presses the stand-in refused (no bot connected).
    pub presses: usize,
    pub refused: usize,
    /// Presses repeated because the first changed nothing for a while.
    pub repeated: usize,
}

struct Open {
    /// When we pressed, the card's edit count then, and what we pressed.
    pressed: Option<(Instant, u32, String)>,
    /// When we first saw its current state.
    seen: (Instant, u32),
}

/// Runs until cancelled; returns what it saw.
pub async fn run(
    discord: StandIn,
    me: User,
    pause: Duration,
    cancel: CancellationToken,
) -> BoardSeen {
    let mut board = BoardSeen::default();
    let mut open: HashMap<u64, Open> = HashMap::new();
    let mut scanned = 0usize;
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    loop {
        tokio::select! {
            () = cancel.cancelled() => return board,
            _ = tick.tick() => {}
        }
        let now = Instant::now();
        // New cards, and the next step of each open card: (card, button, edits).
        let (new_cards, due) = discord.read(|s| {
            let all = s.messages(StandIn::CHANNEL_ID);
            let mut new_cards = Vec::new();
            for m in all.iter().skip(scanned) {
                if let Some(n) = card_number(&m.embeds) {
                    new_cards.push((m.id, n, m.edits));
                }
            }
            scanned = all.len();
            let mut due = Vec::new();
            for (&id, _) in open.iter() {
                let Ok(i) = all.binary_search_by_key(&id, |m| m.id) else {
                    due.push((id, None, 0));
                    continue;
                };
                let m = all[i];
                let buttons = m.buttons();
                let next = STEPS.iter().find_map(|want| {
                    buttons
                        .iter()
                        .find(|(_, label, disabled)| label == want && !disabled)
                        .map(|(cid, _, _)| cid.clone())
                });
                due.push((id, next, m.edits));
            }
            (new_cards, due)
        });
        for (id, number, edits) in new_cards {
            board.cards.insert(id, number);
            open.insert(
                id,
                Open {
                    pressed: None,
                    seen: (now, edits),
                },
            );
        }
        for (id, next, edits) in due {
            let Some(next) = next else {
                // Completed (or gone): nothing more to press.
                open.remove(&id);
                continue;
            };
            let Some(card) = open.get_mut(&id) else {
                continue;
            };
            if card.seen.1 != edits {
                card.seen = (now, edits);
            }
            let press = match &card.pressed {
                None => now.duration_since(card.seen.0) >= pause,
                Some((at, at_edits, what)) => {
                    if *at_edits != edits || *what != next {
                        now.duration_since(card.seen.0) >= pause
                    } else if now.duration_since(*at) >= AGAIN {
                        board.repeated += 1;
                        true
                    } else {
                        false
                    }
                }
            };
            if !press {
                continue;
            }
            board.presses += 1;
            if discord
                .click(&me, StandIn::CHANNEL_ID, id, &next)
                .await
                .is_err()
            {
                // No bot connected to take it: try again after the pause.
                board.refused += 1;
                card.pressed = None;
                card.seen = (now, edits);
            } else {
                card.pressed = Some((now, edits, next));
            }
        }
    }
}

/// N of a card titled "… Order #N · Status".
fn card_number(embeds: &[serde_json::Value]) -> Option<u64> {
    embeds.iter().find_map(|e| {
        let title = e["title"].as_str()?;
        let rest = &title[title.find("Order #")? + "Order #".len()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    })
}
