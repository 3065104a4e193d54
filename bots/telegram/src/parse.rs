//! Free-text order parser: turns "2 large hawaiian and a small veggie" into cart lines.
//!
//! Everything about items is derived from the catalog given to [`Matcher::new`];
//! no item name is built in. What is built in is a little English: size words,
//! number words, filler words ("please", "i'd like") and a tiny synonym table
//! (bbq ↔ barbecue, veg/veggie ↔ vegetable).
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

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use chatorder_shared::domain::{Money, Sku};
use chatorder_shared::events::CatalogItem;

/// Longer messages are refused without parsing: this bounds the work per message.
pub const MAX_MESSAGE_CHARS: usize = 2_000;

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
    /// A sentence to show: "Which size of The Hawaiian Pizza?"
    pub prompt: String,
    /// `(sku, label)`, label like "The Hawaiian Pizza (L) — USD 20.75".
    pub options: Vec<(Sku, String)>,
    pub kind: QuestionKind,
}

/// What choosing an option means; [`Matcher::answer`] acts on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionKind {
    /// The item is known; each option is one of its sizes.
    Size,
    /// Several items fit. With `size_known` each option is an exact item;
    /// without it an option stands for a whole item, and picking one that
    /// comes in several sizes leads to a [`QuestionKind::Size`] question.
    Item { size_known: bool },
}

/// Reads order messages against one catalog. Build once per catalog.
#[derive(Debug, Clone)]
pub struct Matcher {
    items: Vec<CatalogItem>,
    /// Each item's size as a comparable key ("l", "xl", …).
    size_keys: Vec<Option<String>>,
    by_sku: HashMap<Sku, usize>,
    groups: Vec<Group>,
    /// Item index → group index.
    group_of: Vec<usize>,
    lexicon: Lexicon,
}

/// All sizes of one item: the catalog entries sharing a name.
#[derive(Debug, Clone)]
struct Group {
    name: String,
    /// Canonical words of the name in order, without "the", "and", … and
    /// without words most names share ("pizza").
    core: Vec<String>,
    /// `core` without repeats ("vegetables + vegetables" → one word).
    distinct: Vec<String>,
    /// Item indices, smallest size first.
    items: Vec<usize>,
}

/// The words the matcher knows and what they do.
#[derive(Debug, Clone, Default)]
struct Lexicon {
    synonyms: HashMap<String, String>,
    name_words: HashSet<String>,
    /// Words in most item names ("pizza"): they never pick an item.
    generic: HashSet<String>,
    fillers: HashSet<String>,
    counts: HashMap<String, CountWord>,
    size_words: HashSet<String>,
    /// Longest phrase first, so "extra large" wins over "large".
    sizes: Vec<SizePhrase>,
    /// Size key → how the catalog writes it ("l" → "L").
    size_labels: HashMap<String, String>,
    /// Every word a typo may be corrected to.
    spellings: Vec<Spelling>,
}

#[derive(Debug, Clone)]
struct SizePhrase {
    words: Vec<String>,
    key: String,
}

#[derive(Debug, Clone)]
struct Spelling {
    surface: Vec<char>,
    canon_chars: Vec<char>,
    canon: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CountWord {
    Number(u64),
    /// "a", "an": one, unless a real number is also said.
    Article,
    /// "dozen", "couple": multiplies.
    Times(u64),
}

// ---------------------------------------------------------------------------
// Built-in English.

/// Size phrases and the size key they mean. Catalog sizes are keyed the same way.
const SIZE_PHRASES: &[(&str, &str)] = &[
    ("small", "s"),
    ("s", "s"),
    ("sm", "s"),
    ("sml", "s"),
    ("medium", "m"),
    ("med", "m"),
    ("regular", "m"),
    ("reg", "m"),
    ("m", "m"),
    ("large", "l"),
    ("big", "l"),
    ("lg", "l"),
    ("lrg", "l"),
    ("l", "l"),
    ("extra large", "xl"),
    ("x large", "xl"),
    ("xlarge", "xl"),
    ("xl", "xl"),
    ("double extra large", "xxl"),
    ("extra extra large", "xxl"),
    ("xx large", "xxl"),
    ("xxlarge", "xxl"),
    ("xxl", "xxl"),
    ("huge", "xxl"),
];

const SIZE_ORDER: &[&str] = &["s", "m", "l", "xl", "xxl"];

const NUMBER_WORDS: &[&str] = &[
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
];

const OTHER_COUNT_WORDS: &[(&str, CountWord)] = &[
    ("a", CountWord::Article),
    ("an", CountWord::Article),
    ("another", CountWord::Article),
    ("couple", CountWord::Times(2)),
    ("pair", CountWord::Times(2)),
    ("dozen", CountWord::Times(12)),
];

/// Politeness and glue that carry no order information.
const FILLERS: &[&str] = &[
    "please", "pls", "plz", "thanks", "thank", "thx", "ty", "cheers", "i", "id", "im", "ill",
    "ive", "we", "wed", "us", "me", "my", "our", "you", "your", "like", "love", "want", "wanna",
    "would", "could", "can", "may", "get", "got", "give", "gimme", "have", "take", "order", "need",
    "some", "just", "for", "of", "to", "the", "in", "on", "or", "each", "size", "sized", "hi",
    "hello", "hey", "ok", "okay", "um", "uh", "so", "then", "too", "be", "is", "it", "that",
    "this", "let", "lets", "x", "and", "plus", "also", "with", "n",
];

/// Words that never count as part of an item name.
const NAME_STOPWORDS: &[&str] = &["the", "a", "an", "of", "and", "with", "plus", "n", "or"];

/// Words (besides separator symbols) allowed between the words of a name: "veg + veg".
const NAME_GAP_WORDS: &[&str] = &["and", "plus", "with", "also", "the", "of", "n"];
const MAX_NAME_GAP: usize = 3;

/// Words that always end a fragment (outside a name).
const SPLIT_WORDS: &[&str] = &["and", "plus", "also"];

/// Synonyms, mapped onto the word the catalog is likely to use.
const SYNONYMS: &[(&str, &str)] = &[
    ("bbq", "barbecue"),
    ("barbeque", "barbecue"),
    ("veg", "vegetable"),
    ("veggie", "vegetable"),
    ("veggy", "vegetable"),
];

// ---------------------------------------------------------------------------
// Building.

impl Matcher {
    /// Indexes `items`; unavailable items are kept so they can be reported as sold out.
    pub fn new(items: &[CatalogItem]) -> Self {
        let items = items.to_vec();
        let mut lexicon = Lexicon::with_builtins();
        let size_keys: Vec<Option<String>> = items
            .iter()
            .map(|item| item.size.as_deref().map(|s| lexicon.size_key(s)))
            .collect();
        lexicon.add_catalog_sizes(&items, &size_keys);

        let (groups, group_of) = build_groups(&items, &size_keys, &mut lexicon);
        lexicon.build_spellings(&groups);

        let by_sku = items
            .iter()
            .enumerate()
            .map(|(i, item)| (item.sku.clone(), i))
            .collect();
        Self {
            items,
            size_keys,
            by_sku,
            groups,
            group_of,
            lexicon,
        }
    }

    /// The catalog item with this SKU.
    pub fn item(&self, sku: &Sku) -> Option<&CatalogItem> {
        self.by_sku.get(sku).and_then(|&i| self.items.get(i))
    }
}

/// Groups items by name and derives each name's matching words.
fn build_groups(
    items: &[CatalogItem],
    size_keys: &[Option<String>],
    lexicon: &mut Lexicon,
) -> (Vec<Group>, Vec<usize>) {
    let mut groups: Vec<Group> = Vec::new();
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    let mut group_of = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let g = *by_name.entry(item.name.as_str()).or_insert_with(|| {
            groups.push(Group {
                name: item.name.clone(),
                core: Vec::new(),
                distinct: Vec::new(),
                items: Vec::new(),
            });
            groups.len() - 1
        });
        if let Some(group) = groups.get_mut(g) {
            group.items.push(i);
        }
        group_of.push(g);
    }

    let words: Vec<Vec<String>> = groups
        .iter()
        .map(|g| lexicon.name_words_of(&g.name))
        .collect();
    lexicon.generic = generic_words(&words);
    for (group, words) in groups.iter_mut().zip(words) {
        let core: Vec<String> = words
            .iter()
            .filter(|w| !lexicon.generic.contains(*w))
            .cloned()
            .collect();
        // A name made only of common words still has to be matchable.
        group.core = if core.is_empty() { words } else { core };
        group.distinct = Vec::new();
        for w in &group.core {
            if !group.distinct.contains(w) {
                group.distinct.push(w.clone());
            }
        }
        lexicon.name_words.extend(group.distinct.iter().cloned());
        group
            .items
            .sort_by_key(|&i| size_rank(size_keys.get(i).and_then(Option::as_deref)));
    }
    (groups, group_of)
}

/// Words in more than half of the names (and at least three): "pizza" in a pizza shop.
fn generic_words(names: &[Vec<String>]) -> HashSet<String> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for words in names {
        let unique: HashSet<&str> = words.iter().map(String::as_str).collect();
        for w in unique {
            *counts.entry(w).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .filter(|&(_, n)| n >= 3 && n * 2 > names.len())
        .map(|(w, _)| w.to_owned())
        .collect()
}

/// Smallest first; sizes the table does not know keep catalog order after them.
fn size_rank(key: Option<&str>) -> usize {
    match key {
        None => 0,
        Some(k) => SIZE_ORDER
            .iter()
            .position(|s| *s == k)
            .map_or(SIZE_ORDER.len() + 1, |p| p + 1),
    }
}

impl Lexicon {
    fn with_builtins() -> Self {
        let mut lex = Self::default();
        // Synonyms first: every other table is stored in canonical form.
        lex.synonyms = SYNONYMS
            .iter()
            .map(|(from, to)| (stem(from), stem(to)))
            .collect();
        lex.fillers = FILLERS.iter().map(|w| lex.canon(w)).collect();
        for (n, word) in (1u64..).zip(NUMBER_WORDS) {
            lex.counts.insert(lex.canon(word), CountWord::Number(n));
        }
        for (word, count) in OTHER_COUNT_WORDS {
            lex.counts.insert(lex.canon(word), *count);
        }
        for (phrase, key) in SIZE_PHRASES {
            lex.add_size_phrase(phrase, key);
        }
        lex
    }

    /// The canonical form two spellings of one word share.
    fn canon(&self, surface: &str) -> String {
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

    fn name_words_of(&self, name: &str) -> Vec<String> {
        self.canon_words(name)
            .into_iter()
            .filter(|w| !NAME_STOPWORDS.contains(&w.as_str()))
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
    fn size_key(&self, raw: &str) -> String {
        let words = self.canon_words(raw);
        self.sizes
            .iter()
            .find(|p| p.words == words)
            .map_or_else(|| words.join(" "), |p| p.key.clone())
    }

    /// Lets customers use a catalog's own size words ("12oz", "venti").
    fn add_catalog_sizes(&mut self, items: &[CatalogItem], keys: &[Option<String>]) {
        for (item, key) in items.iter().zip(keys) {
            if let (Some(raw), Some(key)) = (&item.size, key) {
                self.add_size_phrase(raw, key);
                self.size_labels
                    .entry(key.clone())
                    .or_insert_with(|| raw.clone());
            }
        }
    }

    fn build_spellings(&mut self, groups: &[Group]) {
        // (surface, canonical) pairs; names first, so on a tie a name is the likelier meaning.
        let mut words: Vec<(String, String)> = Vec::new();
        for g in groups {
            for t in tokenize(&g.name) {
                let canon = self.canon(&t.surface);
                if t.kind == Kind::Word && self.name_words.contains(&canon) {
                    words.push((t.surface, canon));
                }
            }
        }
        let builtins = FILLERS
            .iter()
            .chain(NUMBER_WORDS)
            .chain(OTHER_COUNT_WORDS.iter().map(|(w, _)| w))
            .chain(SIZE_PHRASES.iter().map(|(p, _)| p));
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

    fn is_known(&self, canon: &str) -> bool {
        self.name_words.contains(canon)
            || self.fillers.contains(canon)
            || self.counts.contains_key(canon)
            || self.size_words.contains(canon)
            || self.generic.contains(canon)
    }

    /// The known words nearest to an unknown one, if within the typo budget:
    /// none for ≤3 letters, 1 edit for 4–7, 2 for 8 or more.
    fn correct(&self, surface: &str, canon: &str) -> Vec<String> {
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

/// Forgets plural and spelling endings so "lattes"/"latte", "berries"/"berry",
/// "sandwiches"/"sandwich" meet. Only ever compared with other stems.
fn stem(word: &str) -> String {
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
fn edit_distance(a: &[char], b: &[char], limit: usize) -> usize {
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

// ---------------------------------------------------------------------------
// Tokens.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Word,
    Number,
    Sep,
}

#[derive(Debug, Clone)]
struct RawToken {
    kind: Kind,
    /// Byte range in the message.
    start: usize,
    end: usize,
    /// Lower-case, accents folded.
    surface: String,
    /// Joined to the previous word by a hyphen: "x-large".
    hyphen_before: bool,
}

/// A token with what the lexicon knows about it.
#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
    surface: String,
    hyphen_before: bool,
    canon: String,
    /// Canonical name words this token can stand for (several after an unsure typo fix).
    names: Vec<String>,
    count: Option<CountWord>,
    /// Also a size, count or filler word: can join a name but never picks one alone.
    weak: bool,
    /// Says nothing about the order ("please", "the", "pizza" in a pizza shop).
    ignorable: bool,
    /// `names` come from a typo correction, not from the word as written.
    corrected: bool,
}

impl Token {
    fn strong(&self) -> bool {
        !self.names.is_empty() && !self.weak
    }

    /// A number that may begin a new item: "2", "two", "a".
    fn is_count_start(&self) -> bool {
        self.kind == Kind::Number
            || matches!(self.count, Some(CountWord::Number(_) | CountWord::Article))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CharClass {
    Letter,
    Digit,
    Sep,
    Apostrophe,
    Hyphen,
    Space,
}

fn char_class(c: char) -> CharClass {
    match c {
        '0'..='9' => CharClass::Digit,
        ',' | ';' | '&' | '+' | '.' | '!' | '?' | '/' | '|' | '\n' | '\r' => CharClass::Sep,
        '\'' | '’' | '‘' | '`' => CharClass::Apostrophe,
        '-' | '‐' | '‑' => CharClass::Hyphen,
        c if c.is_alphabetic() => CharClass::Letter,
        _ => CharClass::Space,
    }
}

/// Splits a message into words, digit runs and separators, keeping byte
/// offsets so fragments can be quoted back exactly as written.
fn tokenize(text: &str) -> Vec<RawToken> {
    let mut tokens = Vec::new();
    let mut word: Option<RawToken> = None;
    let mut hyphen = false;
    for (at, c) in text.char_indices() {
        let end = at + c.len_utf8();
        let class = char_class(c);
        let kind = match class {
            CharClass::Letter => Kind::Word,
            CharClass::Digit => Kind::Number,
            CharClass::Apostrophe => {
                // "i'd" → "id": the apostrophe joins, it does not split.
                if let Some(w) = word.as_mut() {
                    w.end = end;
                }
                continue;
            }
            CharClass::Hyphen => {
                hyphen = word.is_some();
                tokens.extend(word.take());
                continue;
            }
            CharClass::Sep | CharClass::Space => {
                tokens.extend(word.take());
                hyphen = false;
                if class == CharClass::Sep {
                    tokens.push(RawToken {
                        kind: Kind::Sep,
                        start: at,
                        end,
                        surface: c.to_string(),
                        hyphen_before: false,
                    });
                }
                continue;
            }
        };
        if word.as_ref().is_some_and(|w| w.kind != kind) {
            tokens.extend(word.take());
        }
        let w = word.get_or_insert_with(|| RawToken {
            kind,
            start: at,
            end,
            surface: String::new(),
            hyphen_before: std::mem::take(&mut hyphen),
        });
        w.end = end;
        for lower in c.to_lowercase() {
            fold_accent(lower, &mut w.surface);
        }
    }
    tokens.extend(word);
    tokens
}

/// "Hawaïan" and "hawaian" must read the same; letters outside Latin stay as they are.
fn fold_accent(c: char, out: &mut String) {
    let folded = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => "a",
        'ç' | 'ć' | 'č' => "c",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'ī' => "i",
        'ñ' | 'ń' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => "o",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' => "u",
        'ý' | 'ÿ' => "y",
        'š' | 'ś' => "s",
        'ž' | 'ź' | 'ż' => "z",
        'ł' => "l",
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        _ => {
            out.push(c);
            return;
        }
    };
    out.push_str(folded);
}

// ---------------------------------------------------------------------------
// Parsing.

/// One message's tokens and what is known about them.
struct Reading {
    tokens: Vec<Token>,
    /// For each token, the full item name occurrence it is part of, if any.
    span_of: Vec<Option<usize>>,
    /// `strong_before[i]`: strong tokens in `tokens[..i]`.
    strong_before: Vec<usize>,
}

impl Reading {
    fn has_strong(&self, range: Range<usize>) -> bool {
        let at = |i: usize| self.strong_before.get(i).copied().unwrap_or(0);
        range.start < range.end && at(range.end) > at(range.start)
    }

    fn same_span(&self, a: usize, b: usize) -> bool {
        let of = |i: usize| self.span_of.get(i).copied().flatten();
        of(a).is_some() && of(a) == of(b)
    }
}

/// Which item(s) a fragment names.
enum Pick {
    One(usize),
    Many(Vec<usize>),
}

/// How well one item's name explains a fragment.
struct Candidate {
    group: usize,
    /// Matched tokens that are not also size/count/filler words.
    strong: usize,
    /// All matched tokens.
    total: usize,
    /// Every word of the name was said.
    full: bool,
}

/// Quantity, size and unexplained words of a fragment.
struct Modifiers {
    qty: Option<u32>,
    size: Option<String>,
    unknown_runs: Vec<Vec<usize>>,
}

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

    fn read(&self, text: &str) -> Reading {
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

    /// Token ranges, one per ordered thing.
    fn fragments(&self, reading: &Reading) -> Vec<Range<usize>> {
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
            Kind::Word if SPLIT_WORDS.contains(&t.surface.as_str()) => true,
            Kind::Word if t.surface == "with" => {
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

    /// Turns one fragment into a line, a question, a sold-out notice or a "not understood".
    fn interpret(&self, text: &str, reading: &Reading, range: Range<usize>, out: &mut Parsed) {
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

    /// The item(s) whose names best explain the words: most strong words,
    /// then most words; a name said in full beats one said in part.
    fn pick(&self, tokens: &[Token], words: &[usize]) -> Option<Pick> {
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

    fn candidates(&self, tokens: &[Token], words: &[usize]) -> Vec<Candidate> {
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

    /// One item chosen: pick its size, or ask.
    fn resolve(&self, g: usize, size: Option<&str>, qty: u32, fragment: &str, out: &mut Parsed) {
        let Some(group) = self.groups.get(g) else {
            return;
        };
        let named =
            size.and_then(|key| group.items.iter().copied().find(|&i| self.size_is(i, key)));
        if let Some(i) = named {
            self.line_or_unavailable(i, qty, fragment, out);
            return;
        }
        // A single item is taken when no size was said, or when it has no
        // sizes at all ("large croissant"); a size it lacks is asked about.
        if let [i] = group.items.as_slice()
            && (size.is_none() || self.size_keys.get(*i).is_some_and(Option::is_none))
        {
            self.line_or_unavailable(*i, qty, fragment, out);
            return;
        }
        let options: Vec<(Sku, String)> = group
            .items
            .iter()
            .filter_map(|&i| self.items.get(i))
            .filter(|item| item.available)
            .map(option)
            .collect();
        if options.is_empty() {
            out.unavailable
                .push((fragment.to_owned(), group.name.clone()));
            return;
        }
        let prompt = match size {
            Some(key) => format!(
                "{} doesn't come in {}; it comes in {}. Which would you like?",
                group.name,
                self.size_label(key),
                self.sizes_of(group).join(", ")
            ),
            None => format!("Which size of {}?", group.name),
        };
        out.questions.push(Question {
            fragment: fragment.to_owned(),
            qty,
            prompt,
            options,
            kind: QuestionKind::Size,
        });
    }

    /// Several items fit equally well: ask which one.
    fn ask_which(
        &self,
        groups: &[usize],
        size: Option<&str>,
        qty: u32,
        fragment: &str,
        out: &mut Parsed,
    ) {
        let prompt = format!("Which one did you mean by \"{fragment}\"?");
        if let Some(key) = size {
            let exact: Vec<(Sku, String)> = groups
                .iter()
                .filter_map(|&g| self.groups.get(g))
                .flat_map(|group| group.items.iter().copied())
                .filter(|&i| self.size_is(i, key))
                .filter_map(|i| self.items.get(i))
                .filter(|item| item.available)
                .map(option)
                .collect();
            if !exact.is_empty() {
                out.questions.push(Question {
                    fragment: fragment.to_owned(),
                    qty,
                    prompt,
                    options: exact,
                    kind: QuestionKind::Item { size_known: true },
                });
                return;
            }
        }
        let options: Vec<(Sku, String)> = groups
            .iter()
            .filter_map(|&g| self.groups.get(g))
            .filter_map(|group| self.whole_item_option(group))
            .collect();
        if options.is_empty() {
            for group in groups.iter().filter_map(|&g| self.groups.get(g)) {
                out.unavailable
                    .push((fragment.to_owned(), group.name.clone()));
            }
            return;
        }
        out.questions.push(Question {
            fragment: fragment.to_owned(),
            qty,
            prompt,
            options,
            kind: QuestionKind::Item { size_known: false },
        });
    }

    /// An option standing for a whole item: its exact SKU when it has one
    /// size, else its first available SKU labelled with the sizes on offer.
    fn whole_item_option(&self, group: &Group) -> Option<(Sku, String)> {
        let item = group
            .items
            .iter()
            .filter_map(|&i| self.items.get(i))
            .find(|item| item.available)?;
        if group.items.len() == 1 {
            return Some(option(item));
        }
        let label = format!("{} ({})", group.name, self.sizes_of(group).join(", "));
        Some((item.sku.clone(), label))
    }

    fn line_or_unavailable(&self, i: usize, qty: u32, fragment: &str, out: &mut Parsed) {
        let Some(item) = self.items.get(i) else {
            return;
        };
        if item.available {
            out.lines.push(ParsedLine {
                sku: item.sku.clone(),
                qty,
                fragment: fragment.to_owned(),
            });
        } else {
            out.unavailable
                .push((fragment.to_owned(), item.display_name()));
        }
    }

    fn size_is(&self, i: usize, key: &str) -> bool {
        self.size_keys
            .get(i)
            .is_some_and(|k| k.as_deref() == Some(key))
    }

    fn is_available(&self, i: usize) -> bool {
        self.items.get(i).is_some_and(|item| item.available)
    }

    /// The sizes on offer, as the catalog writes them.
    fn sizes_of(&self, group: &Group) -> Vec<String> {
        group
            .items
            .iter()
            .filter(|&&i| self.is_available(i))
            .filter_map(|&i| self.items.get(i)?.size.clone())
            .collect()
    }

    fn size_label(&self, key: &str) -> String {
        self.lexicon
            .size_labels
            .get(key)
            .cloned()
            .unwrap_or_else(|| key.to_uppercase())
    }
}

/// A choice as shown to the customer: "The Hawaiian Pizza (L) — USD 20.75".
fn option(item: &CatalogItem) -> (Sku, String) {
    let price = Money::new(item.price_minor, item.currency);
    (
        item.sku.clone(),
        format!("{} — {price}", item.display_name()),
    )
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
            let is_gap = t.kind == Kind::Sep || NAME_GAP_WORDS.contains(&t.surface.as_str());
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

fn is_split_point(t: &Token) -> bool {
    t.kind == Kind::Sep || SPLIT_WORDS.contains(&t.surface.as_str()) || t.surface == "with"
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

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
