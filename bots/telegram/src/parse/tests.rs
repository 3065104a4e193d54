//! Tests for the order parser, against the real pizza catalog and a small coffee shop.

use std::sync::LazyLock;

use chatorder_shared::domain::{Currency, Sku};
use chatorder_shared::events::CatalogItem;
use proptest::prelude::*;

use super::words::{edit_distance, stem};
use super::*;
use crate::texts::{English, Spanish, Texts};

static PIZZA: LazyLock<Matcher> = LazyLock::new(|| Matcher::new(&pizza_catalog()));
static COFFEE: LazyLock<Matcher> = LazyLock::new(|| Matcher::new(&coffee_catalog()));

/// `config/catalog.toml`, read the way the shop would serve it.
fn pizza_catalog() -> Vec<CatalogItem> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/catalog.toml");
    let text = std::fs::read_to_string(path).expect("read config/catalog.toml");
    let doc: toml::Table = text.parse().expect("catalog.toml is TOML");
    let currency = Currency::parse(doc["currency"].as_str().expect("currency")).expect("code");
    let items = doc["items"].as_array().expect("[[items]]");
    items
        .iter()
        .map(|t| CatalogItem {
            sku: Sku::parse(t["sku"].as_str().expect("sku")).expect("valid sku"),
            name: t["name"].as_str().expect("name").to_owned(),
            size: t.get("size").and_then(|s| s.as_str()).map(str::to_owned),
            category: t["category"].as_str().expect("category").to_owned(),
            price_minor: t["price_minor"].as_integer().expect("price"),
            currency,
            available: t["available"].as_bool().expect("available"),
        })
        .collect()
}

fn coffee_item(
    sku: &str,
    name: &str,
    size: Option<&str>,
    price: i64,
    available: bool,
) -> CatalogItem {
    CatalogItem {
        sku: Sku::parse(sku).expect("valid sku"),
        name: name.to_owned(),
        size: size.map(str::to_owned),
        category: "cafe".to_owned(),
        price_minor: price,
        currency: Currency::parse("EUR").expect("code"),
        available,
    }
}

/// A café: sized drinks, unsized pastries, one sold-out muffin, one sold-out size.
fn coffee_catalog() -> Vec<CatalogItem> {
    vec![
        coffee_item("espresso", "Espresso", None, 220, true),
        coffee_item("latte_s", "Latte", Some("S"), 320, true),
        coffee_item("latte_m", "Latte", Some("M"), 370, true),
        coffee_item("latte_l", "Latte", Some("L"), 420, true),
        coffee_item("cappuccino_m", "Cappuccino", Some("M"), 350, true),
        coffee_item("cappuccino_l", "Cappuccino", Some("L"), 400, true),
        coffee_item("flat_white", "Flat White", None, 380, true),
        coffee_item("croissant", "Croissant", None, 250, true),
        coffee_item("almond_croissant", "Almond Croissant", None, 320, true),
        coffee_item("choc_muffin", "Chocolate Muffin", None, 300, true),
        coffee_item("blueberry_muffin", "Blueberry Muffin", None, 300, false),
        coffee_item("iced_tea_m", "Iced Tea", Some("M"), 300, true),
        coffee_item("iced_tea_l", "Iced Tea", Some("L"), 350, false),
    ]
}

fn sku(s: &str) -> Sku {
    Sku::parse(s).expect("valid sku")
}

/// `(sku, qty)` of every line.
fn lines(p: &Parsed) -> Vec<(String, u32)> {
    p.lines
        .iter()
        .map(|l| (l.sku.as_str().to_owned(), l.qty))
        .collect()
}

fn option_skus(q: &Question) -> Vec<&str> {
    q.options.iter().map(|(s, _)| s.as_str()).collect()
}

/// Exactly one question and nothing else.
fn only_question(p: &Parsed) -> &Question {
    assert!(p.lines.is_empty(), "unexpected lines: {p:#?}");
    assert!(p.unavailable.is_empty(), "unexpected unavailable: {p:#?}");
    assert!(
        p.not_understood.is_empty(),
        "unexpected not understood: {p:#?}"
    );
    assert_eq!(p.questions.len(), 1, "{p:#?}");
    &p.questions[0]
}

/// Only lines, nothing to ask or say back.
fn only_lines(p: &Parsed) -> Vec<(String, u32)> {
    assert!(p.questions.is_empty(), "unexpected questions: {p:#?}");
    assert!(p.unavailable.is_empty(), "unexpected unavailable: {p:#?}");
    assert!(
        p.not_understood.is_empty(),
        "unexpected not understood: {p:#?}"
    );
    lines(p)
}

fn owned(v: &[(&str, u32)]) -> Vec<(String, u32)> {
    v.iter().map(|(s, q)| ((*s).to_owned(), *q)).collect()
}

// --- the brief's examples -----------------------------------------------------

// Spanish: number words, plurals, sizes of both genders after the noun.

/// A shop whose menu is written in Spanish-ish names.
fn spanish_catalog() -> Vec<CatalogItem> {
    let item = |sku: &str, name: &str, size: Option<&str>, price: i64| CatalogItem {
        category: "pizzas".to_owned(),
        ..coffee_item(sku, name, size, price, true)
    };
    vec![
        item("marg_s", "Pizza Margherita", Some("S"), 800),
        item("marg_m", "Pizza Margherita", Some("M"), 1000),
        item("marg_l", "Pizza Margherita", Some("L"), 1200),
        item("jyq_m", "Pizza de Jamón y Queso", Some("M"), 1100),
        item("jyq_l", "Pizza de Jamón y Queso", Some("L"), 1300),
        item("coca", "Coca-Cola", None, 250),
        item("agua", "Agua Mineral", None, 150),
    ]
}

static SPANISH: LazyLock<Matcher> = LazyLock::new(|| Matcher::new(&spanish_catalog()));

#[test]
fn dos_pizzas_margarita_grandes_y_una_coca() {
    let p = SPANISH.parse("dos pizzas margarita grandes y una coca");
    assert_eq!(only_lines(&p), owned(&[("marg_l", 2), ("coca", 1)]));
    assert_eq!(p.lines[0].fragment, "dos pizzas margarita grandes");
    assert_eq!(p.lines[1].fragment, "una coca");
}

#[test]
fn spanish_sizes_in_both_genders_and_plurals() {
    for (text, want) in [
        ("una margherita pequeña", ("marg_s", 1)),
        ("tres margheritas pequeñas", ("marg_s", 3)),
        ("una margherita mediana", ("marg_m", 1)),
        ("cuatro margheritas medianas", ("marg_m", 4)),
        ("una margherita grande", ("marg_l", 1)),
        ("diez margheritas grandes por favor", ("marg_l", 10)),
        ("quiero una margherita chica", ("marg_s", 1)),
        ("doce margheritas grandes", ("marg_l", 12)),
        ("una docena de margheritas pequeñas", ("marg_s", 12)),
    ] {
        assert_eq!(only_lines(&SPANISH.parse(text)), owned(&[want]), "{text}");
    }
}

#[test]
fn spanish_names_with_de_and_y_stay_whole() {
    // "y" inside a name does not split it; outside it does.
    let p = SPANISH.parse("una pizza de jamón y queso grande y dos aguas");
    assert_eq!(only_lines(&p), owned(&[("jyq_l", 1), ("agua", 2)]));
    // "con" starts a new item only when one follows.
    let p = SPANISH.parse("una margherita mediana con una coca");
    assert_eq!(only_lines(&p), owned(&[("marg_m", 1), ("coca", 1)]));
    let p = SPANISH.parse("una margherita mediana con extra de albahaca");
    assert_eq!(lines(&p), owned(&[("marg_m", 1)]));
    assert!(
        !p.not_understood.is_empty(),
        "the extra is said back: {p:?}"
    );
}

#[test]
fn spanish_and_english_mix_in_one_message() {
    let p = SPANISH.parse("two large margheritas y una coca");
    assert_eq!(only_lines(&p), owned(&[("marg_l", 2), ("coca", 1)]));
    let p =
        PIZZA.parse("hola, quiero dos pizzas hawaianas grandes y una pepperoni pequeña por favor");
    assert_eq!(
        only_lines(&p),
        owned(&[("hawaiian_l", 2), ("pepperoni_s", 1)])
    );
    let p = PIZZA.parse("two large margheritas please");
    assert!(
        p.lines.is_empty(),
        "no margherita in the pizza catalog: {p:?}"
    );
}

#[test]
fn spanish_questions_are_worded_in_spanish() {
    let p = SPANISH.parse("dos margheritas");
    let q = only_question(&p);
    assert_eq!(q.qty, 2);
    assert_eq!(
        Spanish.prompt(&q.prompt),
        "¿Qué tamaño de Pizza Margherita?"
    );
    assert_eq!(
        Spanish.choice(&q.options[0].1),
        "Pizza Margherita (S) — 8,00 €"
    );
    assert_eq!(
        English.choice(&q.options[0].1),
        "Pizza Margherita (S) — €8.00"
    );
    let p = SPANISH.parse("una pizza de jamón y queso pequeña");
    let q = only_question(&p);
    assert_eq!(
        Spanish.prompt(&q.prompt),
        "Pizza de Jamón y Queso no viene en S; viene en M, L. ¿Cuál prefieres?"
    );
}

#[test]
fn two_large_hawaiian_and_a_small_veggie() {
    // "veggie" alone is The Vegetables + Vegetables Pizza: its whole name is
    // vegetables, while "The Italian Vegetables Pizza" would need "italian" too.
    let p = PIZZA.parse("2 large hawaiian and a small veggie please");
    assert_eq!(
        only_lines(&p),
        owned(&[("hawaiian_l", 2), ("veggie_veg_s", 1)])
    );
    assert_eq!(p.lines[0].fragment, "2 large hawaiian");
    assert_eq!(p.lines[1].fragment, "a small veggie please");
}

#[test]
fn italian_veggie_is_the_italian_one() {
    let p = PIZZA.parse("a medium italian veggie");
    assert_eq!(only_lines(&p), owned(&[("ital_veggie_m", 1)]));
}

#[test]
fn number_words_and_two_word_names() {
    let p = PIZZA.parse("two large thai chicken");
    assert_eq!(only_lines(&p), owned(&[("thai_ckn_l", 2)]));
}

#[test]
fn a_size_the_item_lacks_asks_with_the_sizes_it_has() {
    // The Big Meat Pizza comes only in S: say so and offer S, do not substitute silently.
    let p = PIZZA.parse("a medium big meat");
    let q = only_question(&p);
    assert_eq!(q.kind, QuestionKind::Size);
    assert_eq!(q.qty, 1);
    assert_eq!(option_skus(q), ["big_meat_s"]);
    assert_eq!(
        English.prompt(&q.prompt),
        "The Big Meat Pizza doesn't come in M; it comes in S. Which would you like?"
    );
    assert_eq!(
        English.choice(&q.options[0].1),
        "The Big Meat Pizza (S) — $12.00"
    );
}

#[test]
fn big_is_a_name_word_in_big_meat_and_a_size_elsewhere() {
    assert_eq!(
        only_lines(&PIZZA.parse("big meat")),
        owned(&[("big_meat_s", 1)])
    );
    assert_eq!(
        only_lines(&PIZZA.parse("big thai chicken")),
        owned(&[("thai_ckn_l", 1)])
    );
    // "big" alone names no item.
    assert_eq!(PIZZA.parse("a big").not_understood, ["a big"]);
}

#[test]
fn times_prefix_and_trailing_size_letter() {
    let p = PIZZA.parse("3x pepperoni m");
    assert_eq!(only_lines(&p), owned(&[("pepperoni_m", 3)]));
}

#[test]
fn name_with_commas_and_and_is_not_split() {
    let p = PIZZA.parse("1 Pepperoni, Mushroom, and Peppers L");
    assert_eq!(only_lines(&p), owned(&[("pep_msh_pep_l", 1)]));
    assert_eq!(p.lines[0].fragment, "1 Pepperoni, Mushroom, and Peppers L");
}

#[test]
fn names_with_and_or_plus_inside_next_to_other_items() {
    let p = PIZZA
        .parse("2 small hawaiian, 1 large spinach and feta and a medium vegetables + vegetables");
    assert_eq!(
        only_lines(&p),
        owned(&[("hawaiian_s", 2), ("spinach_fet_l", 1), ("veggie_veg_m", 1)])
    );
    let p = PIZZA.parse("large prosciutto & arugula + small pepperoni");
    assert_eq!(
        only_lines(&p),
        owned(&[("prsc_argla_l", 1), ("pepperoni_s", 1)])
    );
}

#[test]
fn typo_is_forgiven() {
    let p = PIZZA.parse("a large hawaiin");
    assert_eq!(only_lines(&p), owned(&[("hawaiian_l", 1)]));
    let p = PIZZA.parse("medum peperoni");
    assert_eq!(only_lines(&p), owned(&[("pepperoni_m", 1)]));
    let p = PIZZA.parse("small thia chicken");
    assert_eq!(only_lines(&p), owned(&[("thai_ckn_s", 1)]));
}

#[test]
fn a_typo_fix_alone_does_not_pick_part_of_a_name() {
    // "meal" is one letter from "meat", but "a meal" is not The Big Meat Pizza.
    assert_eq!(PIZZA.parse("a meal").not_understood, ["a meal"]);
    // A typo completing a name, or next to an exact word, is fine.
    assert_eq!(
        only_lines(&PIZZA.parse("big meet")),
        owned(&[("big_meat_s", 1)])
    );
    assert_eq!(
        only_lines(&PIZZA.parse("mexican l")),
        owned(&[("mexicana_l", 1)])
    );
}

#[test]
fn known_words_are_not_typo_corrected() {
    // "green" is a word of The Green Garden Pizza; it must not become "greek".
    let parsed = PIZZA.parse("green");
    let q = only_question(&parsed);
    assert_eq!(
        option_skus(q),
        ["green_garden_s", "green_garden_m", "green_garden_l"]
    );
    assert_eq!(q.kind, QuestionKind::Size);
    assert_eq!(
        only_lines(&PIZZA.parse("greek xl")),
        owned(&[("the_greek_xl", 1)])
    );
}

#[test]
fn plural_without_size_asks_size_and_keeps_quantity() {
    let p = PIZZA.parse("I'd like 2 hawaiians please, thanks!");
    let q = only_question(&p);
    assert_eq!(q.kind, QuestionKind::Size);
    assert_eq!(q.qty, 2);
    assert_eq!(
        English.prompt(&q.prompt),
        "Which size of The Hawaiian Pizza?"
    );
    assert_eq!(option_skus(q), ["hawaiian_s", "hawaiian_m", "hawaiian_l"]);
    assert_eq!(
        English.choice(&q.options[2].1),
        "The Hawaiian Pizza (L) — $16.50"
    );
}

#[test]
fn pizza_word_is_filler_in_a_pizza_shop() {
    let p = PIZZA.parse("Can I get two large Hawaiian pizzas");
    assert_eq!(only_lines(&p), owned(&[("hawaiian_l", 2)]));
    // On its own it names nothing.
    assert_eq!(PIZZA.parse("a pizza").not_understood, ["a pizza"]);
}

#[test]
fn a_dozen_lattes() {
    let parsed = COFFEE.parse("a dozen lattes");
    let q = only_question(&parsed);
    assert_eq!(q.qty, 12);
    assert_eq!(option_skus(q), ["latte_s", "latte_m", "latte_l"]);
    assert_eq!(English.choice(&q.options[0].1), "Latte (S) — €3.20");
}

#[test]
fn latte_and_croissant() {
    // Croissant has no size: a line. Latte has three: a question.
    let p = COFFEE.parse("latte and croissant");
    assert_eq!(lines(&p), owned(&[("croissant", 1)]));
    assert_eq!(p.questions.len(), 1);
    assert_eq!(
        English.prompt(&p.questions[0].prompt),
        "Which size of Latte?"
    );
    assert!(p.unavailable.is_empty() && p.not_understood.is_empty());
}

#[test]
fn full_name_beats_a_longer_name_containing_it() {
    // "croissant" is all of Croissant but only half of Almond Croissant.
    assert_eq!(
        only_lines(&COFFEE.parse("croissant")),
        owned(&[("croissant", 1)])
    );
    assert_eq!(
        only_lines(&COFFEE.parse("2 almond croissants")),
        owned(&[("almond_croissant", 2)])
    );
    // Same with "pepperoni" vs The Pepperoni, Mushroom, and Peppers Pizza.
    assert_eq!(
        only_lines(&PIZZA.parse("small pepperoni")),
        owned(&[("pepperoni_s", 1)])
    );
    assert_eq!(
        only_lines(&PIZZA.parse("small pepperoni mushroom")),
        owned(&[("pep_msh_pep_s", 1)])
    );
}

#[test]
fn size_is_ignored_for_items_without_sizes() {
    assert_eq!(
        only_lines(&COFFEE.parse("a large flat white")),
        owned(&[("flat_white", 1)])
    );
}

#[test]
fn ambiguous_partial_name_asks_which_item() {
    let parsed = PIZZA.parse("a chicken");
    let q = only_question(&parsed);
    assert_eq!(q.kind, QuestionKind::Item { size_known: false });
    assert_eq!(
        English.prompt(&q.prompt),
        "Which one did you mean by \"a chicken\"?"
    );
    assert_eq!(
        option_skus(q),
        [
            "bbq_ckn_s",
            "cali_ckn_s",
            "ckn_alfredo_s",
            "ckn_pesto_s",
            "southw_ckn_s",
            "thai_ckn_s"
        ]
    );
    assert_eq!(
        English.choice(&q.options[0].1),
        "The Barbecue Chicken Pizza (S, M, L)"
    );

    // With a size, each option is the exact item in that size.
    let parsed = PIZZA.parse("2 large spinach");
    let q = only_question(&parsed);
    assert_eq!(q.kind, QuestionKind::Item { size_known: true });
    assert_eq!(q.qty, 2);
    assert_eq!(
        option_skus(q),
        ["spin_pesto_l", "spinach_fet_l", "spinach_supr_l"]
    );
}

#[test]
fn answering_an_item_question_then_a_size_question() {
    let parsed = PIZZA.parse("2 chicken");
    let q = only_question(&parsed);
    let thai = PIZZA.answer(q, &sku("thai_ckn_s"));
    let size_q = only_question(&thai);
    assert_eq!(size_q.kind, QuestionKind::Size);
    assert_eq!(size_q.qty, 2);
    assert_eq!(
        English.prompt(&size_q.prompt),
        "Which size of The Thai Chicken Pizza?"
    );
    let done = PIZZA.answer(size_q, &sku("thai_ckn_l"));
    assert_eq!(only_lines(&done), owned(&[("thai_ckn_l", 2)]));
    assert_eq!(done.lines[0].fragment, "2 chicken");
    // A SKU that was not offered is not taken.
    let wrong = PIZZA.answer(size_q, &sku("hawaiian_l"));
    assert!(wrong.lines.is_empty());
    assert_eq!(wrong.not_understood, ["hawaiian_l"]);
}

#[test]
fn answering_with_an_unsized_item_gives_a_line() {
    let parsed = COFFEE.parse("muffin");
    let q = only_question(&parsed);
    // The blueberry muffin is sold out, so only the chocolate one is offered.
    assert_eq!(option_skus(q), ["choc_muffin"]);
    let done = COFFEE.answer(q, &sku("choc_muffin"));
    assert_eq!(only_lines(&done), owned(&[("choc_muffin", 1)]));
}

#[test]
fn bbq_means_barbecue() {
    assert_eq!(
        only_lines(&PIZZA.parse("medium bbq chicken")),
        owned(&[("bbq_ckn_m", 1)])
    );
}

#[test]
fn numbers_inside_names() {
    // "five" belongs to the name, the count comes from "2".
    assert_eq!(
        only_lines(&PIZZA.parse("2 five cheese")),
        owned(&[("five_cheese_l", 2)])
    );
    assert_eq!(
        only_lines(&PIZZA.parse("four cheese large x2")),
        owned(&[("four_cheese_l", 2)])
    );
    // "three" is no cheese pizza: a count, and two items fit "cheese".
    let parsed = PIZZA.parse("three cheese");
    let q = only_question(&parsed);
    assert_eq!(q.qty, 3);
    assert_eq!(option_skus(q), ["five_cheese_l", "four_cheese_m"]);
}

#[test]
fn sizes_in_many_spellings() {
    for (text, want) in [
        ("xl greek", "the_greek_xl"),
        ("x-large greek", "the_greek_xl"),
        ("extra large greek", "the_greek_xl"),
        ("greek xxl", "the_greek_xxl"),
        ("double extra large greek", "the_greek_xxl"),
        ("greek, regular", "the_greek_m"),
        ("lrg greek", "the_greek_l"),
        ("Greek (S)", "the_greek_s"),
    ] {
        assert_eq!(
            only_lines(&PIZZA.parse(text)),
            owned(&[(want, 1)]),
            "{text}"
        );
    }
    // "2 x large": two of the large one.
    assert_eq!(
        only_lines(&PIZZA.parse("2 x large greek")),
        owned(&[("the_greek_l", 2)])
    );
}

#[test]
fn quantity_forms() {
    for (text, qty) in [
        ("2x small hawaiian", 2),
        ("small hawaiian x2", 2),
        ("2 x small hawaiian", 2),
        ("a couple of small hawaiians", 2),
        ("a dozen small hawaiian", 12),
        ("two dozen small hawaiian", 24),
        ("an small hawaiian", 1),
        ("twenty small hawaiian", 20),
        ("60 small hawaiian", 60),
        ("4294967295 small hawaiian", u32::MAX),
    ] {
        assert_eq!(
            only_lines(&PIZZA.parse(text)),
            owned(&[("hawaiian_s", qty)]),
            "{text}"
        );
    }
    for text in [
        "4294967296 small hawaiian",
        "99999999999999999999999 small hawaiian",
        "0 small hawaiian",
        "2 small hawaiian 3",
    ] {
        let p = PIZZA.parse(text);
        assert!(p.lines.is_empty(), "{text}: {p:#?}");
        assert_eq!(p.not_understood, [text], "{text}");
    }
}

#[test]
fn items_without_a_separator_between_them() {
    let p = PIZZA.parse("2 large hawaiian 1 small pepperoni");
    assert_eq!(
        only_lines(&p),
        owned(&[("hawaiian_l", 2), ("pepperoni_s", 1)])
    );
    let p = PIZZA.parse("large thai chicken medium bbq chicken");
    assert_eq!(
        only_lines(&p),
        owned(&[("thai_ckn_l", 1), ("bbq_ckn_m", 1)])
    );
    let p = PIZZA.parse("small hawaiian x2 large pepperoni");
    assert_eq!(
        only_lines(&p),
        owned(&[("hawaiian_s", 2), ("pepperoni_l", 1)])
    );
}

#[test]
fn newlines_semicolons_plus_also() {
    let p = PIZZA.parse(
        "small hawaiian\nmedium pepperoni; large greek plus small mexicana. also a large sicilian",
    );
    assert_eq!(
        only_lines(&p),
        owned(&[
            ("hawaiian_s", 1),
            ("pepperoni_m", 1),
            ("the_greek_l", 1),
            ("mexicana_s", 1),
            ("sicilian_l", 1),
        ])
    );
}

#[test]
fn with_splits_only_before_an_item() {
    // A topping is not an item: the pizza is understood, the rest said back.
    let p = PIZZA.parse("2 small hawaiian with extra cheese");
    assert_eq!(lines(&p), owned(&[("hawaiian_s", 2)]));
    assert_eq!(p.not_understood, ["extra cheese"]);
    assert!(p.questions.is_empty());
    // An item after "with" is a second line.
    let p = COFFEE.parse("a flat white with a croissant");
    assert_eq!(
        only_lines(&p),
        owned(&[("flat_white", 1), ("croissant", 1)])
    );
}

#[test]
fn same_item_twice_gives_two_lines() {
    let p = PIZZA.parse("small hawaiian and another small hawaiian");
    assert_eq!(
        only_lines(&p),
        owned(&[("hawaiian_s", 1), ("hawaiian_s", 1)])
    );
}

#[test]
fn sold_out_items_are_reported() {
    let p = COFFEE.parse("2 blueberry muffins and an espresso");
    assert_eq!(lines(&p), owned(&[("espresso", 1)]));
    assert_eq!(
        p.unavailable,
        [(
            "2 blueberry muffins".to_owned(),
            "Blueberry Muffin".to_owned()
        )]
    );
    // A sold-out size is reported with its size …
    let p = COFFEE.parse("large iced tea");
    assert_eq!(
        p.unavailable,
        [("large iced tea".to_owned(), "Iced Tea (L)".to_owned())]
    );
    // … and without a size only the sizes still on offer are asked about.
    let parsed = COFFEE.parse("iced tea");
    let q = only_question(&parsed);
    assert_eq!(option_skus(q), ["iced_tea_m"]);
}

#[test]
fn sold_out_in_the_pizza_catalog() {
    let mut items = pizza_catalog();
    for item in items.iter_mut().filter(|i| i.name == "The Hawaiian Pizza") {
        item.available = false;
    }
    let m = Matcher::new(&items);
    let p = m.parse("a large hawaiian and a hawaiian");
    assert_eq!(
        p.unavailable,
        [
            (
                "a large hawaiian".to_owned(),
                "The Hawaiian Pizza (L)".to_owned()
            ),
            ("a hawaiian".to_owned(), "The Hawaiian Pizza".to_owned()),
        ]
    );
    assert!(p.lines.is_empty() && p.questions.is_empty());
}

#[test]
fn nonsense_is_said_back() {
    let p = PIZZA.parse("asdf qwerty");
    assert_eq!(p.not_understood, ["asdf qwerty"]);
    assert!(p.lines.is_empty() && p.questions.is_empty());
    let p = PIZZA.parse("small hawaiian, the moon on a stick");
    assert_eq!(lines(&p), owned(&[("hawaiian_s", 1)]));
    assert_eq!(p.not_understood, ["the moon on a stick"]);
    // A pizza word means nothing in a café.
    let p = COFFEE.parse("2 pizzas");
    assert_eq!(p.not_understood, ["2 pizzas"]);
    let p = COFFEE.parse("croissant pizza");
    assert_eq!(lines(&p), owned(&[("croissant", 1)]));
    assert_eq!(p.not_understood, ["pizza"]);
}

#[test]
fn accents_and_case() {
    assert_eq!(only_lines(&COFFEE.parse("A CROISSANT?")).len(), 1);
    assert_eq!(
        only_lines(&PIZZA.parse("Small HAWAÏAN")),
        owned(&[("hawaiian_s", 1)])
    );
    assert_eq!(
        only_lines(&COFFEE.parse("lattè m")),
        owned(&[("latte_m", 1)])
    );
}

#[test]
fn empty_politeness_and_punctuation() {
    assert!(PIZZA.parse("").is_empty());
    assert!(PIZZA.parse("   \n\t ").is_empty());
    assert!(PIZZA.parse("thanks!").is_empty());
    assert!(PIZZA.parse("please, and thank you").is_empty());
    assert_eq!(PIZZA.parse("?!?!...").not_understood, ["?!?!..."]);
    assert_eq!(PIZZA.parse("🍕🍕🍕").not_understood, ["🍕🍕🍕"]);
}

#[test]
fn very_long_messages_are_refused_without_parsing() {
    let long = "2 large hawaiian and ".repeat(500);
    let p = PIZZA.parse(&long);
    assert!(p.lines.is_empty());
    assert_eq!(p.not_understood.len(), 1);
    assert!(p.not_understood[0].contains("2000 characters"), "{p:?}");
    // Just under the limit is read in full.
    let ok = "small hawaiian, ".repeat(124);
    assert!(ok.chars().count() <= MAX_MESSAGE_CHARS);
    assert_eq!(PIZZA.parse(&ok).lines.len(), 124);
}

#[test]
fn works_without_any_catalog() {
    let m = Matcher::new(&[]);
    assert_eq!(
        m.parse("2 large hawaiian").not_understood,
        ["2 large hawaiian"]
    );
}

#[test]
fn edit_distance_counts_swaps_as_one() {
    let d = |a: &str, b: &str| {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        edit_distance(&a, &b, 5)
    };
    assert_eq!(d("thai", "thia"), 1);
    assert_eq!(d("hawaiin", "hawaiian"), 1);
    assert_eq!(d("", "abc"), 3);
    assert_eq!(d("kitten", "sitting"), 3);
}

#[test]
fn stems_meet_across_plurals() {
    for (a, b) in [
        ("lattes", "latte"),
        ("berries", "berry"),
        ("sandwiches", "sandwich"),
        ("tomatoes", "tomato"),
        ("hawaiians", "hawaiian"),
        ("glasses", "glass"),
        ("margheritas", "margherita"),
    ] {
        assert_eq!(stem(a), stem(b), "{a} / {b}");
    }
    assert_eq!(stem("hummus"), "hummus");
}

// --- never panics -------------------------------------------------------------

/// Every answer refers to real items and sensible quantities.
fn assert_sane(m: &Matcher, p: &Parsed) {
    for line in &p.lines {
        assert!(m.item(&line.sku).is_some_and(|i| i.available), "{line:?}");
        assert!(line.qty > 0);
    }
    for q in &p.questions {
        assert!(!q.options.is_empty(), "{q:?}");
        assert!(q.qty > 0);
        assert!(q.options.iter().all(|(s, _)| m.item(s).is_some()));
    }
}

const WORDS: &[&str] = &[
    "2",
    "x",
    "x2",
    "a",
    "dozen",
    "couple",
    "of",
    "and",
    "with",
    "plus",
    "+",
    "&",
    ",",
    ";",
    "\n",
    "large",
    "small",
    "big",
    "x-large",
    "xl",
    "hawaiian",
    "hawaiin",
    "thai",
    "chicken",
    "meat",
    "pepperoni",
    "mushroom",
    "peppers",
    "vegetables",
    "veggie",
    "five",
    "cheese",
    "pizza",
    "latte",
    "croissant",
    "please",
    "the",
    "🍕",
    "é",
    "'",
    "-",
    "0",
    "99999999999999",
    "spinach",
    "feta",
];

proptest! {
    #[test]
    fn never_panics_on_any_text(text in any::<String>()) {
        assert_sane(&PIZZA, &PIZZA.parse(&text));
        assert_sane(&COFFEE, &COFFEE.parse(&text));
    }

    #[test]
    fn never_panics_on_menu_like_text(words in prop::collection::vec(prop::sample::select(WORDS), 0..40)) {
        let text = words.join(" ");
        let pizza = PIZZA.parse(&text);
        assert_sane(&PIZZA, &pizza);
        assert_sane(&COFFEE, &COFFEE.parse(&text));
        for q in &pizza.questions {
            for (sku, _) in &q.options {
                assert_sane(&PIZZA, &PIZZA.answer(q, sku));
            }
        }
        let glued = words.concat();
        assert_sane(&PIZZA, &PIZZA.parse(&glued));
    }
}

#[test]
fn never_panics_on_big_odd_inputs() {
    let inputs = [
        "🍕".repeat(3_000),
        "a".repeat(10_000),
        "and ".repeat(499),
        "with ".repeat(399),
        "x".repeat(1_999),
        "9".repeat(1_999),
        ",".repeat(1_999),
        "pepperoni, mushroom, and ".repeat(70),
        "vegetables + ".repeat(150),
        "\u{0301}\u{200d}\u{feff}ǅ ß İ".repeat(100),
    ];
    for text in &inputs {
        assert_sane(&PIZZA, &PIZZA.parse(text));
    }
}

// --- the table: phrases and the cart each must produce --------------------------

/// Phrases a customer might type, and exactly the cart lines they must give.
const CART_TABLE: &[(&str, &[(&str, u32)])] = &[
    ("2 large hawaiian", &[("hawaiian_l", 2)]),
    ("two large thai chicken", &[("thai_ckn_l", 2)]),
    ("TWO LARGE THAI CHICKEN!!", &[("thai_ckn_l", 2)]),
    ("3x pepperoni m", &[("pepperoni_m", 3)]),
    ("a small big meat", &[("big_meat_s", 1)]),
    ("1 large hawaiin", &[("hawaiian_l", 1)]),
    ("2 large hawaiians", &[("hawaiian_l", 2)]),
    ("a couple of medium mexicana", &[("mexicana_m", 2)]),
    (
        "1 Pepperoni, Mushroom, and Peppers L",
        &[("pep_msh_pep_l", 1)],
    ),
    (
        "2 large hawaiian and a small veggie please",
        &[("hawaiian_l", 2), ("veggie_veg_s", 1)],
    ),
    (
        "large bbq chicken; large five cheese",
        &[("bbq_ckn_l", 1), ("five_cheese_l", 1)],
    ),
];

/// Phrases that must add nothing and be said back.
const REFUSED: &[&str] = &[
    "a blue whale",
    "1'; DROP TABLE orders; --",
    "<b>bold</b>",
    "🍕🍕🍕",
    "مرحبا",
];

#[test]
fn the_phrase_table() {
    for (phrase, expected) in CART_TABLE {
        let p = PIZZA.parse(phrase);
        if p.questions.is_empty() && p.unavailable.is_empty() && p.not_understood.is_empty() {
            assert_eq!(lines(&p), owned(expected), "phrase `{phrase}`");
        } else {
            panic!("phrase `{phrase}` did not give a plain cart: {p:#?}");
        }
    }
    for phrase in REFUSED {
        let p = PIZZA.parse(phrase);
        assert!(p.lines.is_empty(), "`{phrase}` added {:?}", lines(&p));
        assert!(
            !p.not_understood.is_empty() || p.is_empty(),
            "`{phrase}` was not said back: {p:#?}"
        );
    }
}
