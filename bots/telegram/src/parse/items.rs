//! Reading one fragment: the item it names, then its quantity and size from
//! the words left over, into a line, a question, a sold-out notice or words
//! said back as not understood.

use std::collections::HashSet;
use std::ops::Range;

use super::english::CountWord;
use super::index::Matcher;
use super::parsed::Parsed;
use super::pick::Pick;
use super::reading::{Reading, Token};
use super::tokens::Kind;

/// Quantity, size and unexplained words of a fragment.
struct Modifiers {
    qty: Option<u32>,
    size: Option<String>,
    unknown_runs: Vec<Vec<usize>>,
}

impl Matcher {
    /// Turns one fragment into a line, a question, a sold-out notice or a "not understood".
    pub(super) fn interpret(
        &self,
        text: &str,
        reading: &Reading,
        range: Range<usize>,
        out: &mut Parsed,
    ) {
        let tokens = &reading.tokens;
        let words: Vec<usize> = range
            .filter(|&i| tokens.get(i).is_some_and(|t| t.kind != Kind::Sep))
            .collect();
        if words
            .iter()
            .all(|&i| tokens.get(i).is_some_and(|t| t.ignorable))
        {
            return;
        }
        let fragment = quote(text, tokens, &words);
        let Some(pick) = self.pick(tokens, &words) else {
            out.not_understood.push(fragment);
            return;
        };
        let chosen: HashSet<&str> = match &pick {
            Pick::One(g) => self.name_words_of_groups(std::slice::from_ref(g)),
            Pick::Many(gs) => self.name_words_of_groups(gs),
        };
        let leftover: Vec<usize> = words
            .iter()
            .copied()
            .filter(|&i| {
                tokens
                    .get(i)
                    .is_some_and(|t| !t.names.iter().any(|n| chosen.contains(n.as_str())))
            })
            .collect();
        let mods = self.read_modifiers(tokens, &leftover);
        let Some(qty) = mods.qty else {
            out.not_understood.push(fragment);
            return;
        };
        match pick {
            Pick::One(g) => self.resolve(g, mods.size.as_deref(), qty, &fragment, out),
            Pick::Many(gs) => self.ask_which(&gs, mods.size.as_deref(), qty, &fragment, out),
        }
        for run in &mods.unknown_runs {
            out.not_understood.push(quote(text, tokens, run));
        }
    }

    fn name_words_of_groups(&self, groups: &[usize]) -> HashSet<&str> {
        groups
            .iter()
            .filter_map(|&g| self.groups.get(g))
            .flat_map(|g| g.distinct.iter().map(String::as_str))
            .collect()
    }

    /// Reads quantity and size from the words the item name did not use.
    fn read_modifiers(&self, tokens: &[Token], leftover: &[usize]) -> Modifiers {
        let mut count = Count::default();
        let mut sizes: Vec<String> = Vec::new();
        let mut runs: Vec<Vec<usize>> = Vec::new();
        let mut run: Vec<usize> = Vec::new();
        let mut k = 0;
        while let Some(&i) = leftover.get(k) {
            k += 1;
            let Some(t) = tokens.get(i) else { break };
            if is_times_marker(tokens, i) {
                continue;
            }
            if let Some((len, key)) = self.size_at(tokens, leftover, k - 1) {
                close_run(&mut run, &mut runs);
                sizes.push(key);
                k += len - 1;
                continue;
            }
            if t.kind == Kind::Number {
                close_run(&mut run, &mut runs);
                count.digits(&t.surface);
            } else if let Some(word) = t.count {
                close_run(&mut run, &mut runs);
                count.word(word);
            } else if !t.ignorable {
                // Unexplained words are quoted back together unless something meaningful sits between them.
                if run
                    .last()
                    .is_some_and(|&last| !only_ignorable_between(tokens, last, i))
                {
                    close_run(&mut run, &mut runs);
                }
                run.push(i);
            }
        }
        close_run(&mut run, &mut runs);
        sizes.dedup();
        // Two different sizes in one fragment: ask rather than guess.
        let size = match sizes.as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        };
        Modifiers {
            qty: count.finish(),
            size,
            unknown_runs: runs,
        }
    }

    /// The longest size phrase starting at `leftover[k]`, as `(words used, key)`.
    fn size_at(&self, tokens: &[Token], leftover: &[usize], k: usize) -> Option<(usize, String)> {
        let first = *leftover.get(k)?;
        self.lexicon.sizes.iter().find_map(|phrase| {
            let fits = phrase.words.iter().enumerate().all(|(m, word)| {
                leftover.get(k + m).is_some_and(|&i| {
                    i == first + m && tokens.get(i).is_some_and(|t| &t.canon == word)
                })
            });
            fits.then(|| (phrase.words.len(), phrase.key.clone()))
        })
    }
}

/// "x" next to a number multiplies ("2x", "x2", "2 x"), except in "2 x-large".
fn is_times_marker(tokens: &[Token], i: usize) -> bool {
    let is_number = |j: Option<usize>| {
        j.and_then(|j| tokens.get(j))
            .is_some_and(|t| t.kind == Kind::Number)
    };
    let hyphenated_next = tokens.get(i + 1).is_some_and(|t| t.hyphen_before);
    tokens.get(i).is_some_and(|t| t.surface == "x")
        && !hyphenated_next
        && (is_number(i.checked_sub(1)) || is_number(Some(i + 1)))
}

fn only_ignorable_between(tokens: &[Token], a: usize, b: usize) -> bool {
    tokens
        .get(a + 1..b)
        .is_some_and(|between| between.iter().all(|t| t.ignorable))
}

fn close_run(run: &mut Vec<usize>, runs: &mut Vec<Vec<usize>>) {
    if !run.is_empty() {
        runs.push(std::mem::take(run));
    }
}

/// The message text from the first to the last of `indices`, as written.
fn quote(text: &str, tokens: &[Token], indices: &[usize]) -> String {
    let span = indices
        .first()
        .zip(indices.last())
        .and_then(|(&a, &b)| Some((tokens.get(a)?.start, tokens.get(b)?.end)));
    span.and_then(|(start, end)| text.get(start..end))
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// Collects count words: one base number (default 1) times any multipliers.
#[derive(Debug, Default)]
struct Count {
    number: Option<u64>,
    times: Vec<u64>,
    invalid: bool,
}

impl Count {
    fn digits(&mut self, digits: &str) {
        match digits.parse::<u64>() {
            Ok(n) => self.number(n),
            Err(_) => self.invalid = true,
        }
    }

    fn word(&mut self, word: CountWord) {
        match word {
            CountWord::Number(n) => self.number(n),
            CountWord::Article => {}
            CountWord::Times(n) => self.times.push(n),
        }
    }

    /// "2 hawaiian 2" is fine; "2 hawaiian 3" is not.
    fn number(&mut self, n: u64) {
        match self.number {
            Some(m) if m != n => self.invalid = true,
            _ => self.number = Some(n),
        }
    }

    /// `None` for zero, conflicting numbers, or more than `u32` holds.
    fn finish(self) -> Option<u32> {
        if self.invalid {
            return None;
        }
        let total = self
            .times
            .iter()
            .try_fold(self.number.unwrap_or(1), |acc, &t| acc.checked_mul(t))?;
        u32::try_from(total).ok().filter(|&q| q > 0)
    }
}
