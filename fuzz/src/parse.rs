//! `parse_order_text`: the Telegram bot's free-text order parser
//! (`chatorder_telegram::parse::Matcher`) against the pizzeria and the café.
//!
//! Invariants, for any text:
//! - it never panics, and reading is deterministic: two matchers built from the
//!   same catalog (so with different hash seeds) read the same message the same way;
//! - every line names an item that exists and is available, with a quantity ≥ 1;
//! - every question offers at least one option, all existing, available and
//!   distinct, with a quantity ≥ 1; answering with an offered option is always
//!   understood and gives a line with the question's quantity, a size question
//!   or a sold-out notice; a choice that was not offered is never added;
//! - every sold-out notice names a catalog item that is not available;
//! - everything quoted back (fragments, "not understood" parts) is text the
//!   customer actually wrote;
//! - blank messages give nothing; over-long ones are refused without being read.

use std::sync::LazyLock;

use chatorder_shared::domain::Sku;
use chatorder_shared::events::CatalogItem;
use chatorder_telegram::parse::{MAX_MESSAGE_CHARS, Matcher, Parsed, Question, QuestionKind};
use chatorder_telegram::texts::{self, Lang};

use crate::catalogs;

struct Fixture {
    items: Vec<CatalogItem>,
    matcher: Matcher,
    /// Built separately: its hash maps have other random seeds.
    twin: Matcher,
}

impl Fixture {
    fn new(items: Vec<CatalogItem>) -> Self {
        Self {
            matcher: Matcher::new(&items),
            twin: Matcher::new(&items),
            items,
        }
    }

    fn item(&self, sku: &Sku) -> &CatalogItem {
        let found = self.items.iter().find(|i| &i.sku == sku);
        let by_matcher = self.matcher.item(sku);
        assert_eq!(
            found, by_matcher,
            "Matcher::item disagrees with the catalog"
        );
        found.unwrap_or_else(|| panic!("parser returned `{sku}`, which is not in the catalog"))
    }
}

static PIZZERIA: LazyLock<Fixture> = LazyLock::new(|| Fixture::new(catalogs::pizzeria()));
static CAFE: LazyLock<Fixture> = LazyLock::new(|| Fixture::new(catalogs::cafe()));

/// The fuzz target: any bytes, read as (lossy) UTF-8 text.
pub fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    check_text(&text);
}

/// Every invariant above, for one message, against both catalogs.
pub fn check_text(text: &str) {
    for fixture in [&*PIZZERIA, &*CAFE] {
        check_one(fixture, text);
    }
}

fn check_one(f: &Fixture, text: &str) {
    let parsed = f.matcher.parse(text);
    assert_eq!(
        parsed,
        f.twin.parse(text),
        "the same catalog read {text:?} two ways"
    );
    check_parsed(f, text, &parsed);

    let trimmed = text.trim();
    if trimmed.is_empty() {
        assert!(parsed.is_empty(), "a blank message produced {parsed:?}");
    }
    if trimmed.chars().count() > MAX_MESSAGE_CHARS {
        assert!(
            parsed.lines.is_empty() && parsed.questions.is_empty() && parsed.unavailable.is_empty(),
            "an over-long message was read"
        );
        assert_eq!(parsed.not_understood.len(), 1);
    }

    for q in &parsed.questions {
        for (sku, _) in &q.options {
            let answer = f.matcher.answer(q, sku);
            check_parsed(f, text, &answer);
            check_answer(f, q, sku, &answer);
        }
        // A choice the question did not offer (a forged button) adds nothing.
        if let Some(other) = f
            .items
            .iter()
            .find(|i| !q.options.iter().any(|(s, _)| s == &i.sku))
        {
            let forged = f.matcher.answer(q, &other.sku);
            assert!(
                forged.lines.is_empty() && forged.questions.is_empty(),
                "a choice that was not offered was taken: {forged:?}"
            );
        }
    }
}

fn check_parsed(f: &Fixture, text: &str, p: &Parsed) {
    let quoted = |what: &str, s: &str| {
        assert!(!s.is_empty(), "empty {what} quoted back");
        assert!(
            text.contains(s),
            "{what} {s:?} is not part of the message {text:?}"
        );
    };
    for line in &p.lines {
        let item = f.item(&line.sku);
        assert!(item.available, "sold-out `{}` added to a cart", line.sku);
        assert!(line.qty >= 1, "a line of {} × {}", line.qty, line.sku);
        quoted("fragment", &line.fragment);
    }
    for q in &p.questions {
        assert!(q.qty >= 1, "a question about {} items", q.qty);
        assert!(!q.options.is_empty(), "a question without options: {q:?}");
        for lang in Lang::ALL {
            let prompt = texts::of(lang).prompt(&q.prompt);
            assert!(!prompt.is_empty(), "a question without a prompt");
        }
        quoted("question fragment", &q.fragment);
        for (i, (sku, label)) in q.options.iter().enumerate() {
            let item = f.item(sku);
            assert!(item.available, "sold-out `{sku}` offered as an option");
            for lang in Lang::ALL {
                let label = texts::of(lang).choice(label);
                assert!(!label.is_empty(), "an option without a label");
            }
            assert!(
                !q.options[..i].iter().any(|(s, _)| s == sku),
                "`{sku}` offered twice in {q:?}"
            );
        }
    }
    for (fragment, name) in &p.unavailable {
        quoted("sold-out fragment", fragment);
        assert!(
            f.items
                .iter()
                .any(|i| !i.available && (&i.name == name || &i.display_name() == name)),
            "{name:?} reported sold out, but no such item is"
        );
    }
    for part in &p.not_understood {
        if part.starts_with("your message: it is longer than") {
            continue;
        }
        quoted("not-understood part", part);
    }
}

fn check_answer(f: &Fixture, q: &Question, choice: &Sku, a: &Parsed) {
    assert!(
        a.not_understood.is_empty(),
        "an offered option was not understood: {a:?}"
    );
    let outcomes = a.lines.len() + a.questions.len() + usize::from(!a.unavailable.is_empty());
    assert_eq!(outcomes, 1, "answering {q:?} with `{choice}` gave {a:?}");
    for line in &a.lines {
        assert_eq!(line.qty, q.qty, "the answer changed the quantity");
        let chosen = f.item(choice);
        let got = f.item(&line.sku);
        assert_eq!(got.name, chosen.name, "the answer added another item");
        if q.kind != (QuestionKind::Item { size_known: false }) {
            assert_eq!(&line.sku, choice, "the answer added another size");
        }
    }
    for next in &a.questions {
        assert_eq!(
            next.kind,
            QuestionKind::Size,
            "an answer can only lead to a size question"
        );
        assert_eq!(next.qty, q.qty);
    }
}
