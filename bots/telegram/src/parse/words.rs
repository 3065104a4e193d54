//! Words: canonical forms (plurals forgotten, synonyms mapped), typo
//! correction by edit distance, and the [`Lexicon`] of every word the matcher
//! knows, built from the built-in English and the catalog.

use std::collections::{HashMap, HashSet};

use chatorder_shared::events::CatalogItem;

use super::english::{self, CountWord, SYNONYMS};
use super::spanish;
use super::tokens::{Kind, tokenize};

/// The words the matcher knows and what they do.
#[derive(Debug, Clone, Default)]
pub(super) struct Lexicon {
    synonyms: HashMap<String, String>,
    pub(super) name_words: HashSet<String>,
    /// Words in most item names ("pizza"): they never pick an item.
    pub(super) generic: HashSet<String>,
    pub(super) fillers: HashSet<String>,
    pub(super) counts: HashMap<String, CountWord>,
    pub(super) size_words: HashSet<String>,
    /// Longest phrase first, so "extra large" wins over "large".
    pub(super) sizes: Vec<SizePhrase>,
    /// Size key → how the catalog writes it ("l" → "L").
    pub(super) size_labels: HashMap<String, String>,
    /// Every word a typo may be corrected to.
    spellings: Vec<Spelling>,
}

#[derive(Debug, Clone)]
pub(super) struct SizePhrase {
    pub(super) words: Vec<String>,
    pub(super) key: String,
}

#[derive(Debug, Clone)]
struct Spelling {
    surface: Vec<char>,
    canon_chars: Vec<char>,
    canon: String,
}

impl Lexicon {
    pub(super) fn with_builtins() -> Self {
        let mut lex = Self::default();
        // Synonyms first: every other table is stored in canonical form.
        lex.synonyms = SYNONYMS
            .iter()
            .map(|(from, to)| (stem(from), stem(to)))
            .collect();
        // Every language at once: a customer may mix them ("2 pizzas large").
        lex.fillers = fillers().map(|w| lex.canon(w)).collect();
        for numbers in [english::NUMBER_WORDS, spanish::NUMBER_WORDS] {
            for (n, word) in (1u64..).zip(numbers) {
                lex.counts.insert(lex.canon(word), CountWord::Number(n));
            }
        }
        for (word, count) in other_counts() {
            lex.counts.insert(lex.canon(word), *count);
        }
        for (phrase, key) in size_phrases() {
            lex.add_size_phrase(phrase, key);
        }
        lex
    }

    /// The canonical form two spellings of one word share.
    pub(super) fn canon(&self, surface: &str) -> String {
        let stemmed = stem(surface);
        self.synonyms.get(&stemmed).cloned().unwrap_or(stemmed)
    }

    fn canon_words(&self, text: &str) -> Vec<String> {
        tokenize(text)
            .into_iter()
            .filter(|t| t.kind != Kind::Sep)
            .map(|t| self.canon(&t.surface))
            .collect()
    }

    pub(super) fn name_words_of(&self, name: &str) -> Vec<String> {
        self.canon_words(name)
            .into_iter()
            .filter(|w| !is_name_stopword(w))
            .collect()
    }

    fn add_size_phrase(&mut self, phrase: &str, key: &str) {
        let words = self.canon_words(phrase);
        if words.is_empty() || self.sizes.iter().any(|p| p.words == words) {
            return;
        }
        self.size_words.extend(words.iter().cloned());
        self.sizes.push(SizePhrase {
            words,
            key: key.to_owned(),
        });
        self.sizes.sort_by_key(|p| std::cmp::Reverse(p.words.len()));
    }

    /// "L", "large" and "Large" all become "l"; unknown sizes ("12oz") key as themselves.
    pub(super) fn size_key(&self, raw: &str) -> String {
        let words = self.canon_words(raw);
        self.sizes
            .iter()
            .find(|p| p.words == words)
            .map_or_else(|| words.join(" "), |p| p.key.clone())
    }

    /// Lets customers use a catalog's own size words ("12oz", "venti").
    pub(super) fn add_catalog_sizes(&mut self, items: &[CatalogItem], keys: &[Option<String>]) {
        for (item, key) in items.iter().zip(keys) {
            if let (Some(raw), Some(key)) = (&item.size, key) {
                self.add_size_phrase(raw, key);
                self.size_labels
                    .entry(key.clone())
                    .or_insert_with(|| raw.clone());
            }
        }
    }

    pub(super) fn build_spellings<'a>(&mut self, names: impl IntoIterator<Item = &'a str>) {
        // (surface, canonical) pairs; names first, so on a tie a name is the likelier meaning.
        let mut words: Vec<(String, String)> = Vec::new();
        for name in names {
            for t in tokenize(name) {
                let canon = self.canon(&t.surface);
                if t.kind == Kind::Word && self.name_words.contains(&canon) {
                    words.push((t.surface, canon));
                }
            }
        }
        let builtins = fillers()
            .chain(english::NUMBER_WORDS.iter().copied())
            .chain(spanish::NUMBER_WORDS.iter().copied())
            .chain(other_counts().map(|(w, _)| *w))
            .chain(size_phrases().map(|(p, _)| *p));
        for phrase in builtins {
            for word in phrase.split(' ') {
                words.push((word.to_owned(), self.canon(word)));
            }
        }
        words.extend(self.generic.iter().map(|w| (w.clone(), w.clone())));
        let mut seen = HashSet::new();
        self.spellings = words
            .into_iter()
            .filter(|(surface, _)| seen.insert(surface.clone()))
            .map(|(surface, canon)| Spelling {
                surface: surface.chars().collect(),
                canon_chars: canon.chars().collect(),
                canon,
            })
            .collect();
    }

    pub(super) fn is_known(&self, canon: &str) -> bool {
        self.name_words.contains(canon)
            || self.fillers.contains(canon)
            || self.counts.contains_key(canon)
            || self.size_words.contains(canon)
            || self.generic.contains(canon)
    }

    /// The known words nearest to an unknown one, if within the typo budget:
    /// none for ≤3 letters, 1 edit for 4–7, 2 for 8 or more.
    pub(super) fn correct(&self, surface: &str, canon: &str) -> Vec<String> {
        let len = surface.chars().count();
        let limit = match len {
            0..=3 => return Vec::new(),
            4..=7 => 1,
            8..=40 => 2,
            // No known word is this long; skip the work.
            _ => return Vec::new(),
        };
        let surface: Vec<char> = surface.chars().collect();
        let canon: Vec<char> = canon.chars().collect();
        let mut best = limit + 1;
        let mut found: Vec<String> = Vec::new();
        for s in &self.spellings {
            let d = edit_distance(&surface, &s.surface, limit).min(edit_distance(
                &canon,
                &s.canon_chars,
                limit,
            ));
            if d < best {
                best = d;
                found.clear();
            }
            if d == best && d <= limit && !found.contains(&s.canon) {
                found.push(s.canon.clone());
            }
        }
        found
    }
}

fn fillers() -> impl Iterator<Item = &'static str> {
    english::FILLERS.iter().chain(spanish::FILLERS).copied()
}

fn other_counts() -> impl Iterator<Item = &'static (&'static str, CountWord)> {
    english::OTHER_COUNT_WORDS
        .iter()
        .chain(spanish::OTHER_COUNT_WORDS)
}

fn size_phrases() -> impl Iterator<Item = &'static (&'static str, &'static str)> {
    english::SIZE_PHRASES.iter().chain(spanish::SIZE_PHRASES)
}

fn is_name_stopword(word: &str) -> bool {
    english::NAME_STOPWORDS.contains(&word) || spanish::NAME_STOPWORDS.contains(&word)
}

/// A word that always ends a fragment outside a name ("and", "y").
pub(super) fn is_split_word(surface: &str) -> bool {
    english::SPLIT_WORDS.contains(&surface) || spanish::SPLIT_WORDS.contains(&surface)
}

/// A word that ends a fragment when an item follows ("with", "con").
pub(super) fn is_with_word(surface: &str) -> bool {
    surface == "with" || spanish::WITH_WORDS.contains(&surface)
}

/// A word allowed between the words of a name ("and", "de").
pub(super) fn is_name_gap_word(surface: &str) -> bool {
    english::NAME_GAP_WORDS.contains(&surface) || spanish::NAME_GAP_WORDS.contains(&surface)
}

/// Forgets plural and spelling endings so "lattes"/"latte", "berries"/"berry",
/// "sandwiches"/"sandwich" meet. Only ever compared with other stems.
pub(super) fn stem(word: &str) -> String {
    if word.chars().count() <= 3 || !word.chars().all(char::is_alphabetic) {
        return word.to_owned();
    }
    let mut s = word;
    if !(s.ends_with("ss") || s.ends_with("us") || s.ends_with("is")) {
        s = s.strip_suffix('s').unwrap_or(s);
    }
    if s.chars().count() > 3 {
        s = s.strip_suffix('e').unwrap_or(s);
    }
    if s.chars().count() > 3
        && let Some(base) = s.strip_suffix('y')
        && base.chars().last().is_some_and(|c| !"aeiou".contains(c))
    {
        return format!("{base}i");
    }
    s.to_owned()
}

/// Optimal string alignment distance (a swap of two letters is one typo),
/// returning `limit + 1` early when the lengths alone exceed the limit.
pub(super) fn edit_distance(a: &[char], b: &[char], limit: usize) -> usize {
    if a.len().abs_diff(b.len()) > limit {
        return limit + 1;
    }
    let width = b.len() + 1;
    let mut before: Vec<usize> = vec![0; width];
    let mut prev: Vec<usize> = (0..width).collect();
    let mut cur: Vec<usize> = vec![0; width];
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            let mut d = (prev[j + 1] + 1).min(cur[j] + 1).min(prev[j] + cost);
            if i > 0 && j > 0 && a[i - 1] == cb && ca == b[j - 1] {
                d = d.min(before[j - 1] + 1);
            }
            cur[j + 1] = d;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}
