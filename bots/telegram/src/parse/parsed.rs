//! What the parser says a message asked for: lines, questions, sold-out
//! items and words it did not understand.

use chatorder_shared::domain::{Money, Sku};

/// What one message asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Understood: an exact item and a quantity.
    pub lines: Vec<ParsedLine>,
    /// Understood but ambiguous: the customer must choose.
    pub questions: Vec<Question>,
    /// `(fragment, display name)`: the item exists but is not available.
    pub unavailable: Vec<(String, String)>,
    /// Text to say back plainly: "I did not understand …".
    pub not_understood: Vec<String>,
}

impl Parsed {
    /// True when nothing at all came out (e.g. the message was only "thanks!").
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
            && self.questions.is_empty()
            && self.unavailable.is_empty()
            && self.not_understood.is_empty()
    }
}

/// One understood cart line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedLine {
    pub sku: Sku,
    pub qty: u32,
    /// The part of the message this line came from.
    pub fragment: String,
}

/// A fragment that needs the customer to choose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub fragment: String,
    pub qty: u32,
    /// What to ask; the bot words it in the customer's language.
    pub prompt: Prompt,
    /// `(sku, choice)`: each option's button.
    pub options: Vec<(Sku, Choice)>,
    pub kind: QuestionKind,
}

/// What choosing an option means; [`Matcher::answer`](super::Matcher::answer) acts on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionKind {
    /// The item is known; each option is one of its sizes.
    Size,
    /// Several items fit. With `size_known` each option is an exact item;
    /// without it an option stands for a whole item, and picking one that
    /// comes in several sizes leads to a [`QuestionKind::Size`] question.
    Item { size_known: bool },
}

/// What a [`Question`] asks, for the bot to word in the customer's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompt {
    /// "Which size of The Hawaiian Pizza?"
    WhichSize { item: String },
    /// "The Big Meat Pizza doesn't come in M; it comes in S, L."
    NoSuchSize {
        item: String,
        size: String,
        sizes: Vec<String>,
    },
    /// "Which one did you mean by "chicken"?"
    WhichOne { fragment: String },
}

/// One option of a [`Question`], for the bot to label in the customer's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// An exact item: "The Hawaiian Pizza (L) — $20.75".
    Item { name: String, price: Money },
    /// A whole item and the sizes it comes in: "The Barbecue Chicken Pizza (S, M, L)".
    Sizes { name: String, sizes: Vec<String> },
}
