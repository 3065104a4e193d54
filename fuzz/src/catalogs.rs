//! Catalogs the targets read orders against: the starter menu the shop ships
//! (`config/catalog.toml`, read at build time) with a few extra items, and a
//! small café with unsized and sold-out items.

use chatorder_shared::domain::{Currency, Sku};
use chatorder_shared::events::CatalogItem;

/// `config/catalog.toml` as the shop serves it.
const STARTER: &str = include_str!("../../config/catalog.toml");

fn item(
    sku: &str,
    name: &str,
    size: Option<&str>,
    category: &str,
    price: i64,
    currency: &str,
    available: bool,
) -> CatalogItem {
    CatalogItem {
        sku: Sku::parse(sku).expect("valid sku"),
        name: name.to_owned(),
        size: size.map(str::to_owned),
        category: category.to_owned(),
        price_minor: price,
        currency: Currency::parse(currency).expect("currency code"),
        available,
    }
}

/// The starter pizza menu, exactly as `config/catalog.toml` has it.
pub fn starter() -> Vec<CatalogItem> {
    let doc: toml::Table = STARTER.parse().expect("config/catalog.toml is TOML");
    let currency = doc
        .get("currency")
        .and_then(|c| c.as_str())
        .expect("catalog currency");
    let items = doc
        .get("items")
        .and_then(|i| i.as_array())
        .expect("[[items]]");
    items
        .iter()
        .map(|t| {
            let s = |k: &str| t.get(k).and_then(|v| v.as_str());
            item(
                s("sku").expect("sku"),
                s("name").expect("name"),
                s("size"),
                s("category").expect("category"),
                t.get("price_minor")
                    .and_then(|p| p.as_integer())
                    .expect("price_minor"),
                currency,
                t.get("available").and_then(|a| a.as_bool()).unwrap_or(true),
            )
        })
        .collect()
}

/// The starter menu plus what it lacks for the fuzzer: a margherita, an
/// unsized drink, a sold-out item and an item with one sold-out size.
pub fn pizzeria() -> Vec<CatalogItem> {
    let mut items = starter();
    let currency = items
        .first()
        .map_or_else(|| "USD".to_owned(), |i| i.currency.as_str().to_owned());
    let c = currency.as_str();
    items.extend([
        item(
            "margherita_s",
            "The Margherita Pizza",
            Some("S"),
            "classic",
            1000,
            c,
            true,
        ),
        item(
            "margherita_m",
            "The Margherita Pizza",
            Some("M"),
            "classic",
            1300,
            c,
            true,
        ),
        item(
            "margherita_l",
            "The Margherita Pizza",
            Some("L"),
            "classic",
            1600,
            c,
            true,
        ),
        item("coke", "Coke", None, "drinks", 250, c, true),
        item("garlic_bread", "Garlic Bread", None, "sides", 450, c, false),
        item("iced_tea_m", "Iced Tea", Some("M"), "drinks", 300, c, true),
        item("iced_tea_l", "Iced Tea", Some("L"), "drinks", 350, c, false),
    ]);
    items
}

/// A café: sized drinks, unsized pastries, one sold-out muffin, one sold-out size.
pub fn cafe() -> Vec<CatalogItem> {
    let e = "EUR";
    vec![
        item("espresso", "Espresso", None, "cafe", 220, e, true),
        item("latte_s", "Latte", Some("S"), "cafe", 320, e, true),
        item("latte_m", "Latte", Some("M"), "cafe", 370, e, true),
        item("latte_l", "Latte", Some("L"), "cafe", 420, e, true),
        item(
            "cappuccino_m",
            "Cappuccino",
            Some("M"),
            "cafe",
            350,
            e,
            true,
        ),
        item(
            "cappuccino_l",
            "Cappuccino",
            Some("L"),
            "cafe",
            400,
            e,
            true,
        ),
        item("flat_white", "Flat White", None, "cafe", 380, e, true),
        item("croissant", "Croissant", None, "bakery", 250, e, true),
        item(
            "almond_croissant",
            "Almond Croissant",
            None,
            "bakery",
            320,
            e,
            true,
        ),
        item(
            "choc_muffin",
            "Chocolate Muffin",
            None,
            "bakery",
            300,
            e,
            true,
        ),
        item(
            "blueberry_muffin",
            "Blueberry Muffin",
            None,
            "bakery",
            300,
            e,
            false,
        ),
        item("iced_tea_m", "Iced Tea", Some("M"), "cafe", 300, e, true),
        item("iced_tea_l", "Iced Tea", Some("L"), "cafe", 350, e, false),
    ]
}
