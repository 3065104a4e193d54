//! Choosing the item a fragment names: each item's name is scored by the
//! words it explains, and the best one wins, or several when they tie.

use super::index::Matcher;
use super::reading::Token;

/// Which item(s) a fragment names.
pub(super) enum Pick {
    One(usize),
    Many(Vec<usize>),
}

/// How well one item's name explains a fragment.
pub(super) struct Candidate {
    pub(super) group: usize,
    /// Matched tokens that are not also size/count/filler words.
    pub(super) strong: usize,
    /// All matched tokens.
    pub(super) total: usize,
    /// Every word of the name was said.
    pub(super) full: bool,
}

impl Matcher {
    /// The item(s) whose names best explain the words: most strong words,
    /// then most words; a name said in full beats one said in part.
    pub(super) fn pick(&self, tokens: &[Token], words: &[usize]) -> Option<Pick> {
        let candidates = self.candidates(tokens, words);
        let best = candidates.iter().map(|c| (c.strong, c.total)).max()?;
        let top: Vec<&Candidate> = candidates
            .iter()
            .filter(|c| (c.strong, c.total) == best)
            .collect();
        let full: Vec<usize> = top.iter().filter(|c| c.full).map(|c| c.group).collect();
        Some(match (full.as_slice(), top.as_slice()) {
            ([one], _) => Pick::One(*one),
            ([], [one]) => Pick::One(one.group),
            ([], _) => Pick::Many(top.iter().map(|c| c.group).collect()),
            _ => Pick::Many(full),
        })
    }

    pub(super) fn candidates(&self, tokens: &[Token], words: &[usize]) -> Vec<Candidate> {
        let mut out = Vec::new();
        for (g, group) in self.groups.iter().enumerate() {
            let mut covered = vec![false; group.distinct.len()];
            let (mut strong, mut total, mut exact) = (0, 0, 0);
            for t in words.iter().filter_map(|&i| tokens.get(i)) {
                let mut hit = false;
                for (k, w) in group.distinct.iter().enumerate() {
                    if t.names.contains(w) {
                        covered[k] = true;
                        hit = true;
                    }
                }
                if hit {
                    total += 1;
                    strong += usize::from(!t.weak);
                    exact += usize::from(!t.weak && !t.corrected);
                }
            }
            let full = !covered.is_empty() && covered.iter().all(|&c| c);
            // "a big" must not order The Big Meat Pizza: a size word alone names
            // nothing. Nor may a guessed word alone ("a meal" is not "a meat"):
            // a typo fix counts when the whole name is said or another word is exact.
            if total > 0 && (full || exact > 0) {
                out.push(Candidate {
                    group: g,
                    strong,
                    total,
                    full,
                });
            }
        }
        out
    }
}
