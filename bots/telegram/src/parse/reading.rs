//! Reading a message: its tokens with what the lexicon knows about each
//! (canonical form, name words, count, role), and where full multi-word item
//! names occur, so a separator inside a name never splits it.

use std::ops::Range;

use super::english::{CountWord, MAX_NAME_GAP};
use super::index::Matcher;
use super::tokens::{Kind, RawToken, tokenize};
use super::words::is_name_gap_word;

/// A token with what the lexicon knows about it.
#[derive(Debug, Clone)]
pub(super) struct Token {
    pub(super) kind: Kind,
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) surface: String,
    pub(super) hyphen_before: bool,
    pub(super) canon: String,
    /// Canonical name words this token can stand for (several after an unsure typo fix).
    pub(super) names: Vec<String>,
    pub(super) count: Option<CountWord>,
    /// Also a size, count or filler word: can join a name but never picks one alone.
    pub(super) weak: bool,
    /// Says nothing about the order ("please", "the", "pizza" in a pizza shop).
    pub(super) ignorable: bool,
    /// `names` come from a typo correction, not from the word as written.
    pub(super) corrected: bool,
}

impl Token {
    pub(super) fn strong(&self) -> bool {
        !self.names.is_empty() && !self.weak
    }

    /// A number that may begin a new item: "2", "two", "a".
    pub(super) fn is_count_start(&self) -> bool {
        self.kind == Kind::Number
            || matches!(self.count, Some(CountWord::Number(_) | CountWord::Article))
    }
}

/// One message's tokens and what is known about them.
pub(super) struct Reading {
    pub(super) tokens: Vec<Token>,
    /// For each token, the full item name occurrence it is part of, if any.
    pub(super) span_of: Vec<Option<usize>>,
    /// `strong_before[i]`: strong tokens in `tokens[..i]`.
    pub(super) strong_before: Vec<usize>,
}

impl Reading {
    pub(super) fn has_strong(&self, range: Range<usize>) -> bool {
        let at = |i: usize| self.strong_before.get(i).copied().unwrap_or(0);
        range.start < range.end && at(range.end) > at(range.start)
    }

    pub(super) fn same_span(&self, a: usize, b: usize) -> bool {
        let of = |i: usize| self.span_of.get(i).copied().flatten();
        of(a).is_some() && of(a) == of(b)
    }
}

impl Matcher {
    pub(super) fn read(&self, text: &str) -> Reading {
        let tokens: Vec<Token> = tokenize(text)
            .into_iter()
            .map(|raw| self.analyse(raw))
            .collect();
        let spans = self.name_spans(&tokens);
        let mut span_of = vec![None; tokens.len()];
        for (n, span) in spans.iter().enumerate() {
            for slot in span_of.get_mut(span.clone()).into_iter().flatten() {
                *slot = Some(n);
            }
        }
        let mut strong_before = Vec::with_capacity(tokens.len() + 1);
        let mut strong = 0;
        strong_before.push(0);
        for t in &tokens {
            strong += usize::from(t.strong());
            strong_before.push(strong);
        }
        Reading {
            tokens,
            span_of,
            strong_before,
        }
    }

    /// Attaches canonical form, name words and roles to a token.
    fn analyse(&self, raw: RawToken) -> Token {
        let lex = &self.lexicon;
        let mut canon = match raw.kind {
            Kind::Word => lex.canon(&raw.surface),
            Kind::Number | Kind::Sep => raw.surface.clone(),
        };
        let mut names = Vec::new();
        let corrected = raw.kind == Kind::Word && !lex.is_known(&canon);
        if corrected {
            let fixes = lex.correct(&raw.surface, &canon);
            if let Some(first) = fixes.first() {
                canon = first.clone();
            }
            names = fixes
                .into_iter()
                .filter(|w| lex.name_words.contains(w))
                .collect();
        } else if raw.kind != Kind::Sep && lex.name_words.contains(&canon) {
            names.push(canon.clone());
        }
        let count = lex.counts.get(&canon).copied();
        let filler = raw.kind == Kind::Word
            && (lex.fillers.contains(&canon) || lex.generic.contains(&canon));
        let weak =
            raw.kind != Kind::Word || filler || count.is_some() || lex.size_words.contains(&canon);
        Token {
            kind: raw.kind,
            start: raw.start,
            end: raw.end,
            surface: raw.surface,
            hyphen_before: raw.hyphen_before,
            canon,
            names,
            count,
            weak,
            ignorable: filler,
            corrected,
        }
    }

    /// Where full multi-word item names occur, merged when they overlap.
    fn name_spans(&self, tokens: &[Token]) -> Vec<Range<usize>> {
        let mut spans: Vec<Range<usize>> = Vec::new();
        for group in self.groups.iter().filter(|g| g.core.len() >= 2) {
            for start in 0..tokens.len() {
                if let Some(end) = name_end(tokens, start, &group.core) {
                    spans.push(start..end);
                }
            }
        }
        spans.sort_by_key(|s| (s.start, s.end));
        let mut merged: Vec<Range<usize>> = Vec::new();
        for span in spans {
            match merged.last_mut() {
                Some(last) if span.start < last.end => last.end = last.end.max(span.end),
                _ => merged.push(span),
            }
        }
        merged
    }
}

/// Where a full name (its `core` words in order) starting at `start` ends,
/// allowing separators and "and"/"with"/… between its words.
fn name_end(tokens: &[Token], start: usize, core: &[String]) -> Option<usize> {
    let (first, rest) = core.split_first()?;
    if !tokens.get(start)?.names.contains(first) {
        return None;
    }
    let mut pos = start;
    for word in rest {
        let mut next = pos + 1;
        let mut gap = 0;
        loop {
            let t = tokens.get(next)?;
            if t.names.contains(word) {
                break;
            }
            let is_gap = t.kind == Kind::Sep || is_name_gap_word(&t.surface);
            if !is_gap || gap >= MAX_NAME_GAP {
                return None;
            }
            next += 1;
            gap += 1;
        }
        pos = next;
    }
    Some(pos + 1)
}
