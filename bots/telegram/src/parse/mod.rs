//! Free-text order parser: turns "2 large hawaiian and a small veggie" into cart lines.
//!
//! Everything about items is derived from the catalog given to [`Matcher::new`];
//! no item name is built in. What is built in is a little English and Spanish
//! (`english`, `spanish`, both read in every message, since customers mix
//! them): size words ("large", "grandes", "pequeña"), number words ("two",
//! "dos", "una"), filler words ("please", "i'd like", "por favor", "quiero")
//! and a tiny synonym table (bbq ↔ barbecue, veg/veggie ↔ vegetable).
//!
//! How a message is read:
//! 1. **Tokens**: lower-cased, accents folded, split into words, numbers and
//!    separators (`,` `;` `&` `+` `.` `!` `?` `/` newline). Letters and digits
//!    are split apart, so `2x` and `x2` read as `2 x` and `x 2`.
//! 2. **Words**: each word gets a canonical form that forgets plurals
//!    ("hawaiians" = "hawaiian") and, when it is not a known word, the nearest
//!    known word within a small edit distance ("hawaiin" → "hawaiian").
//! 3. **Names**: full multi-word item names are found in the text first, so a
//!    separator inside a name ("The Pepperoni, Mushroom, and Peppers Pizza",
//!    "Vegetables + Vegetables") never splits it.
//! 4. **Fragments**: the message is split at separators and at "and", "plus",
//!    "also"; at "with" only when an item follows; and between two items that
//!    follow each other without a separator ("2 hawaiian 1 pepperoni").
//! 5. **Items**: per fragment, the item whose name explains the most words
//!    wins; words left over give the quantity and the size.
//!
//! Decisions worth knowing:
//! - The same item said twice gives two [`ParsedLine`]s; the order worker merges them.
//! - A size that does not exist for an item ("a medium big meat") gives a
//!   [`Question`] listing the sizes that do exist, not a silent substitution.
//! - A named size is ignored for items that have no size at all ("large croissant").
//! - Quantities are kept as said (60 stays 60; the worker refuses what is too
//!   much). Zero, two different numbers, or a number that does not fit `u32`
//!   make the fragment not understood.
//! - Words left over after an item was found ("hawaiian with extra cheese") are
//!   said back in `not_understood`, so nothing the customer asked for is
//!   silently dropped.

//!
//! The modules follow those steps: `tokens` (1), `words` with the built-in
//! `english` and `spanish` (2), `index` (the catalog grouped by name) and `reading` (3),
//! `fragments` (4), `items`, `pick` and `resolve` (5); `parsed` holds the
//! result types. Each step only uses the ones before it.

mod english;
mod fragments;
mod index;
mod items;
mod parsed;
mod pick;
mod reading;
mod resolve;
mod spanish;
mod tokens;
mod words;

use chatorder_shared::domain::Sku;

pub use index::Matcher;
pub use parsed::{Choice, Parsed, ParsedLine, Prompt, Question, QuestionKind};

use tokens::Kind;

/// Longer messages are refused without parsing: this bounds the work per message.
pub const MAX_MESSAGE_CHARS: usize = 2_000;

impl Matcher {
    /// Reads one customer message. Never panics; messages over
    /// [`MAX_MESSAGE_CHARS`] are refused without being read.
    pub fn parse(&self, text: &str) -> Parsed {
        let mut out = Parsed::default();
        let text = text.trim();
        if text.is_empty() {
            return out;
        }
        if text.chars().nth(MAX_MESSAGE_CHARS).is_some() {
            out.not_understood.push(format!(
                "your message: it is longer than {MAX_MESSAGE_CHARS} characters, please send a shorter one"
            ));
            return out;
        }
        let reading = self.read(text);
        if reading.tokens.iter().all(|t| t.kind == Kind::Sep) {
            // Only emoji or punctuation: nothing to quote piecewise, so quote it all.
            out.not_understood.push(text.to_owned());
            return out;
        }
        for fragment in self.fragments(&reading) {
            self.interpret(text, &reading, fragment, &mut out);
        }
        out
    }

    /// Applies the customer's choice for `question`. Picking an item that
    /// comes in several sizes (when the size was not said) asks for the size.
    pub fn answer(&self, question: &Question, choice: &Sku) -> Parsed {
        let mut out = Parsed::default();
        let offered = question.options.iter().any(|(sku, _)| sku == choice);
        let Some(&i) = self.by_sku.get(choice).filter(|_| offered) else {
            out.not_understood.push(choice.to_string());
            return out;
        };
        let group = self.group_of.get(i).copied().unwrap_or_default();
        let whole_item = question.kind == QuestionKind::Item { size_known: false };
        let several_sizes = self.groups.get(group).is_some_and(|g| g.items.len() > 1);
        if whole_item && several_sizes {
            self.resolve(group, None, question.qty, &question.fragment, &mut out);
        } else {
            self.line_or_unavailable(i, question.qty, &question.fragment, &mut out);
        }
        out
    }
}

#[cfg(test)]
mod tests;
