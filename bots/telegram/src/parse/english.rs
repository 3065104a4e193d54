//! The little English built into the parser: size words, number words,
//! fillers, the words allowed inside a name and a tiny synonym table. No item
//! name is here; those come from the catalog.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CountWord {
    Number(u64),
    /// "a", "an": one, unless a real number is also said.
    Article,
    /// "dozen", "couple": multiplies.
    Times(u64),
}

/// Size phrases and the size key they mean. Catalog sizes are keyed the same way.
pub(super) const SIZE_PHRASES: &[(&str, &str)] = &[
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

pub(super) const SIZE_ORDER: &[&str] = &["s", "m", "l", "xl", "xxl"];

pub(super) const NUMBER_WORDS: &[&str] = &[
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

pub(super) const OTHER_COUNT_WORDS: &[(&str, CountWord)] = &[
    ("a", CountWord::Article),
    ("an", CountWord::Article),
    ("another", CountWord::Article),
    ("couple", CountWord::Times(2)),
    ("pair", CountWord::Times(2)),
    ("dozen", CountWord::Times(12)),
];

/// Politeness and glue that carry no order information.
pub(super) const FILLERS: &[&str] = &[
    "please", "pls", "plz", "thanks", "thank", "thx", "ty", "cheers", "i", "id", "im", "ill",
    "ive", "we", "wed", "us", "me", "my", "our", "you", "your", "like", "love", "want", "wanna",
    "would", "could", "can", "may", "get", "got", "give", "gimme", "have", "take", "order", "need",
    "some", "just", "for", "of", "to", "the", "in", "on", "or", "each", "size", "sized", "hi",
    "hello", "hey", "ok", "okay", "um", "uh", "so", "then", "too", "be", "is", "it", "that",
    "this", "let", "lets", "x", "and", "plus", "also", "with", "n",
];

/// Words that never count as part of an item name.
pub(super) const NAME_STOPWORDS: &[&str] =
    &["the", "a", "an", "of", "and", "with", "plus", "n", "or"];

/// Words (besides separator symbols) allowed between the words of a name: "veg + veg".
pub(super) const NAME_GAP_WORDS: &[&str] = &["and", "plus", "with", "also", "the", "of", "n"];
pub(super) const MAX_NAME_GAP: usize = 3;

/// Words that always end a fragment (outside a name).
pub(super) const SPLIT_WORDS: &[&str] = &["and", "plus", "also"];

/// Synonyms, mapped onto the word the catalog is likely to use.
pub(super) const SYNONYMS: &[(&str, &str)] = &[
    ("bbq", "barbecue"),
    ("barbeque", "barbecue"),
    ("veg", "vegetable"),
    ("veggie", "vegetable"),
    ("veggy", "vegetable"),
];
