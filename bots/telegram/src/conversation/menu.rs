//! Browsing the menu with buttons: categories, the items of one, the sizes
//! of one item (each size's button adds one). Buttons name categories and
//! items by their index in the shop's sorted lists.

use chatorder_shared::events::CatalogItem;

use super::replies::Reply;
use super::shop::Shop;
use crate::buttons::Button;
use crate::texts::Texts;

/// A category's button: its items, or the menu again when the list changed.
pub(super) fn open_category(shop: &Shop<'_>, t: &dyn Texts, i: usize) -> Reply {
    match shop.categories().get(i) {
        Some(cat) => category(shop, t, cat).edit(),
        None => stale(shop, t),
    }
}

/// An item's button: its sizes, or the menu again when the list changed.
pub(super) fn open_item(shop: &Shop<'_>, t: &dyn Texts, i: usize) -> Reply {
    match shop.names().get(i) {
        Some(name) => sizes(shop, t, name).edit(),
        None => stale(shop, t),
    }
}

/// The menu changed since the buttons were drawn: say so and draw it anew.
fn stale(shop: &Shop<'_>, t: &dyn Texts) -> Reply {
    Reply {
        text: t.menu_stale(),
        ..menu(shop, t)
    }
}

pub(super) fn menu(shop: &Shop<'_>, t: &dyn Texts) -> Reply {
    let cats = shop.categories();
    if cats.is_empty() {
        return Reply::text(t.menu_empty());
    }
    let rows = cats
        .iter()
        .enumerate()
        .map(|(i, c)| vec![(capitalise(c), Button::Category(i).data())])
        .collect();
    Reply::with(t.menu_categories(), rows)
}

fn category(shop: &Shop<'_>, t: &dyn Texts, cat: &str) -> Reply {
    let names = shop.names();
    let mut rows: Vec<Vec<(String, String)>> = names
        .iter()
        .enumerate()
        .filter(|(_, n)| {
            shop.catalog
                .iter()
                .any(|i| i.available && i.category == cat && i.name == **n)
        })
        .map(|(i, n)| vec![((*n).to_owned(), Button::Name(i).data())])
        .collect();
    rows.push(vec![(t.btn_back(), Button::Menu.data())]);
    Reply::with(t.menu_items(&capitalise(cat)), rows)
}

/// A size's button in the menu: one of it.
fn add_one(item: &CatalogItem) -> Button {
    Button::Add {
        sku: item.sku.clone(),
        qty: 1,
    }
}

fn sizes(shop: &Shop<'_>, t: &dyn Texts, name: &str) -> Reply {
    let mut rows: Vec<Vec<(String, String)>> = shop
        .catalog
        .iter()
        .filter(|i| i.available && i.name == name)
        .filter(|i| add_one(i).fits())
        .map(|i| {
            let label = format!(
                "{} – {}",
                i.size.clone().unwrap_or_else(|| t.menu_add()),
                t.money(i.price_minor, shop.currency)
            );
            vec![(label, add_one(i).data())]
        })
        .collect();
    rows.push(vec![(t.btn_back(), Button::Menu.data())]);
    Reply::with(t.menu_sizes(name), rows)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
