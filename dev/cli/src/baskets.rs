//! How simulated customers (the demo, the chaos run) say a basket, the way
//! a person types it: "2 medium classic deluxe and 1 large thai chicken".

use chatorder_shared::events::CatalogItem;

/// The basket in words; `None` if an item is not on the menu.
pub fn phrase<'a>(
    lines: impl IntoIterator<Item = (&'a str, u32)>,
    item: impl Fn(&str) -> Option<&'a CatalogItem>,
) -> Option<String> {
    let mut parts = Vec::new();
    for (sku, qty) in lines {
        let item = item(sku)?;
        let name = item
            .name
            .trim_start_matches("The ")
            .trim_end_matches(" Pizza")
            .to_lowercase();
        let size = match item.size.as_deref() {
            Some("S") => "small ",
            Some("M") => "medium ",
            Some("L") => "large ",
            Some("XL") => "extra large ",
            Some("XXL") => "xxl ",
            _ => "",
        };
        parts.push(format!("{qty} {size}{name}"));
    }
    Some(parts.join(" and "))
}
