//! The starter catalog: `config/catalog.toml`, derived from the menu in the
//! order data, and its importer into MySQL.

use std::path::Path;

use anyhow::Context as _;
use chatorder_shared::domain::{Currency, Sku};
use chatorder_shared::events::CatalogItem;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::{Deserialize, Serialize};

use crate::db::Conn;
use crate::schema::catalog_items;

/// The file format of `config/catalog.toml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogFile {
    pub currency: String,
    #[serde(rename = "items")]
    pub items: Vec<SeedItem>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedItem {
    pub sku: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    pub category: String,
    pub price_minor: i64,
    #[serde(default = "yes")]
    pub available: bool,
}

fn yes() -> bool {
    true
}

/// Parses `12.75` (or `12`, `12.5`) as minor units.
pub fn parse_price(raw: &str) -> Result<i64, String> {
    let raw = raw.trim();
    let (whole, frac) = raw.split_once('.').unwrap_or((raw, ""));
    if whole.is_empty()
        || frac.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(format!("`{raw}` is not a price such as 12.75"));
    }
    let whole: i64 = whole.parse().map_err(|_| format!("`{raw}` is too large"))?;
    let frac: i64 = format!("{frac:0<2}").parse().unwrap_or(0);
    whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(frac))
        .ok_or_else(|| format!("`{raw}` is too large"))
}

/// Splits one CSV line, honouring double quotes (`"a, b"` and `""`).
pub fn split_csv_line(line: &str) -> Vec<String> {
    let mut cols = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cols.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    cols.push(cur);
    cols
}

/// Builds catalog items from `menu.csv` (`name,display_name,type,sizes_and_prices`
/// with `S:12.0 M:16.0`): one item per pizza and size.
pub fn from_menu_csv(text: &str) -> anyhow::Result<Vec<SeedItem>> {
    let mut items = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let cols = split_csv_line(line);
        let [code, display, category, sizes] = &cols[..] else {
            anyhow::bail!(
                "menu line {}: expected 4 columns, found {}",
                i + 1,
                cols.len()
            );
        };
        for part in sizes.split_whitespace() {
            let (size, price) = part
                .split_once(':')
                .with_context(|| format!("menu line {}: `{part}` is not SIZE:PRICE", i + 1))?;
            let sku = format!("{code}_{}", size.to_ascii_lowercase());
            Sku::parse(&sku).map_err(|e| anyhow::anyhow!("menu line {}: {e}", i + 1))?;
            items.push(SeedItem {
                sku,
                name: display.trim().to_owned(),
                size: Some(size.to_owned()),
                category: category.trim().to_owned(),
                price_minor: parse_price(price)
                    .map_err(|e| anyhow::anyhow!("menu line {}: {e}", i + 1))?,
                available: true,
            });
        }
    }
    Ok(items)
}

/// Reads a catalog file into checked items.
pub fn load(path: &Path, shop_currency: Currency) -> anyhow::Result<Vec<CatalogItem>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading catalog file {}", path.display()))?;
    let file: CatalogFile = toml::from_str(&text)
        .with_context(|| format!("catalog file {} is not valid", path.display()))?;
    let currency =
        Currency::parse(&file.currency).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    if currency != shop_currency {
        anyhow::bail!(
            "catalog file {} is priced in {currency} but shop.currency is {shop_currency}",
            path.display()
        );
    }
    file.items
        .into_iter()
        .map(|i| {
            let sku = Sku::parse(&i.sku).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            if i.price_minor < 0 {
                anyhow::bail!("{}: item {sku} has a negative price", path.display());
            }
            Ok(CatalogItem {
                sku,
                name: i.name,
                size: i.size,
                category: i.category,
                price_minor: i.price_minor,
                currency,
                available: i.available,
            })
        })
        .collect()
}

/// Upserts every item of a catalog file. Returns how many.
pub async fn import(conn: &mut Conn, path: &Path, currency: Currency) -> anyhow::Result<usize> {
    let items = load(path, currency)?;
    crate::apply::upsert_catalog(conn, &items).await?;
    Ok(items.len())
}

/// Imports the seed file only if the catalog is empty (a new shop).
pub async fn seed_if_empty(
    conn: &mut Conn,
    path: &Path,
    currency: Currency,
) -> anyhow::Result<Option<usize>> {
    let n: i64 = catalog_items::table.count().get_result(conn).await?;
    if n > 0 {
        return Ok(None);
    }
    Ok(Some(import(conn, path, currency).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_parse_to_minor_units() {
        assert_eq!(parse_price("12.75"), Ok(1275));
        assert_eq!(parse_price("12.5"), Ok(1250));
        assert_eq!(parse_price("12"), Ok(1200));
        assert!(parse_price("12.755").is_err());
        assert!(parse_price("-1").is_err());
        assert!(parse_price("abc").is_err());
    }

    #[test]
    fn menu_lines_become_one_item_per_size() {
        let menu = "name,display_name,type,sizes_and_prices\nbbq_ckn,The Barbecue Chicken Pizza,chicken,S:12.75 M:16.75 L:20.75\n";
        let items = from_menu_csv(menu).expect("parses");
        assert_eq!(items.len(), 3);
        assert_eq!(items[2].sku, "bbq_ckn_l");
        assert_eq!(items[2].price_minor, 2075);
        assert_eq!(items[2].size.as_deref(), Some("L"));
        let quoted = "h\npep,\"The Pepperoni, Mushroom, and Peppers Pizza\",classic,S:11.0\n";
        let items = from_menu_csv(quoted).expect("quoted names parse");
        assert_eq!(items[0].name, "The Pepperoni, Mushroom, and Peppers Pizza");
    }

    #[test]
    fn the_shipped_catalog_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/catalog.toml");
        let items = load(&path, Currency::parse("USD").expect("usd")).expect("loads");
        assert!(items.len() >= 32, "{} items", items.len());
    }
}
