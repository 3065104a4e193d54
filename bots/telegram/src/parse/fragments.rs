//! Splitting a message into fragments, one per ordered thing: at separators
//! and "and"/"plus"/"also"/"y" outside a name, at "with"/"con" only when an item
//! follows, and between two items said back to back ("2 hawaiian 1 pepperoni").

use std::ops::Range;

use super::index::Matcher;
use super::reading::{Reading, Token};
use super::tokens::Kind;
use super::words::{is_split_word, is_with_word};

impl Matcher {
    /// Token ranges, one per ordered thing.
    pub(super) fn fragments(&self, reading: &Reading) -> Vec<Range<usize>> {
        let mut fragments = Vec::new();
        for piece in self.pieces(reading) {
            cut_between_items(reading, piece, &mut fragments);
        }
        fragments
    }

    /// Splits at separators that are not inside an item name.
    fn pieces(&self, reading: &Reading) -> Vec<Range<usize>> {
        let mut pieces = Vec::new();
        let mut start = 0;
        for i in 0..reading.tokens.len() {
            let inside_name = reading.span_of.get(i).copied().flatten().is_some();
            if !inside_name && self.separates(&reading.tokens, i) {
                pieces.push(start..i);
                start = i + 1;
            }
        }
        pieces.push(start..reading.tokens.len());
        self.attach_lone_sizes(reading, pieces)
    }

    /// "greek, regular": a piece that only names a size belongs to the item before it.
    fn attach_lone_sizes(&self, reading: &Reading, pieces: Vec<Range<usize>>) -> Vec<Range<usize>> {
        let mut out: Vec<Range<usize>> = Vec::with_capacity(pieces.len());
        for piece in pieces {
            let words = || {
                reading
                    .tokens
                    .get(piece.clone())
                    .unwrap_or_default()
                    .iter()
                    .filter(|t| t.kind != Kind::Sep)
            };
            let is_size =
                |t: &Token| t.kind == Kind::Word && self.lexicon.size_words.contains(&t.canon);
            let only_size = words().any(is_size)
                && words().all(|t| is_size(t) || t.ignorable)
                && !reading.has_strong(piece.clone());
            match out.last_mut() {
                Some(last) if only_size && reading.has_strong(last.clone()) => last.end = piece.end,
                _ => out.push(piece),
            }
        }
        out
    }

    /// "with" separates only when an item follows ("hawaiian with a coke"),
    /// not a topping ("hawaiian with extra cheese").
    fn separates(&self, tokens: &[Token], i: usize) -> bool {
        let Some(t) = tokens.get(i) else { return false };
        match t.kind {
            Kind::Sep => true,
            Kind::Number => false,
            Kind::Word if is_split_word(&t.surface) => true,
            Kind::Word if is_with_word(&t.surface) => {
                let end = (i + 1..tokens.len())
                    .find(|&j| tokens.get(j).is_some_and(is_split_point))
                    .unwrap_or(tokens.len());
                let words: Vec<usize> = (i + 1..end).collect();
                self.candidates(tokens, &words)
                    .iter()
                    .any(|c| c.full && c.strong > 0)
            }
            Kind::Word => false,
        }
    }
}

fn is_split_point(t: &Token) -> bool {
    t.kind == Kind::Sep || is_split_word(&t.surface) || is_with_word(&t.surface)
}

/// Cuts a piece where a new item starts without a separator: at a count
/// ("hawaiian 2 pepperoni"), after "x2" ("hawaiian x2 pepperoni"), or at the
/// edges of a full name ("thai chicken hawaiian"); only when both sides name something.
fn cut_between_items(reading: &Reading, piece: Range<usize>, out: &mut Vec<Range<usize>>) {
    let tokens = &reading.tokens;
    let surface = |i: usize| tokens.get(i).map_or("", |t| t.surface.as_str());
    let kind = |i: usize| tokens.get(i).map(|t| t.kind);
    let mut start = piece.start;
    for i in piece.start + 1..piece.end {
        if reading.same_span(i - 1, i) {
            continue;
        }
        let Some(t) = tokens.get(i) else { break };
        let count_starts = t.is_count_start() && surface(i - 1) != "x";
        let after_times = i >= 2 && kind(i - 1) == Some(Kind::Number) && surface(i - 2) == "x";
        let name_edge = reading.span_of.get(i) != reading.span_of.get(i - 1);
        let before = if after_times { start..i - 2 } else { start..i };
        if (count_starts || after_times || name_edge)
            && reading.has_strong(before)
            && reading.has_strong(i..piece.end)
        {
            out.push(start..i);
            start = i;
        }
    }
    out.push(start..piece.end);
}
