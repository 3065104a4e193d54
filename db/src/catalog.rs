//! The starter catalog: `config/catalog.toml`, derived from the menu in the
//! order data, and its importer into MySQL.

use std::path::Path;

use anyhow::Context as _;
use chatorder_shared::commands::CatalogItemInput;
use chatorder_shared::domain::{Currency, Sku};
use chatorder_shared::events::CatalogItem;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::{Deserialize, Serialize};

use crate::models::CatalogRow;
use crate::pool::Conn;
use crate::schema::catalog_items;

/// The file format of `config/catalog.toml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogFile {
    pub currency: String,
    #[serde(rename = "items")]
    pub items: Vec<CatalogItemInput>,
}

/// A price in a menu or history file that is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PriceError {
    #[error("`{0}` is not a price such as 12.75")]
    NotAPrice(String),
    #[error("`{0}` is too large for a price")]
    TooLarge(String),
}

/// Parses `12.75` (or `12`, `12.5`) as minor units.
pub fn parse_price(raw: &str) -> Result<i64, PriceError> {
    let raw = raw.trim();
    let (whole, frac) = raw.split_once('.').unwrap_or((raw, ""));
    if whole.is_empty()
        || frac.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(PriceError::NotAPrice(raw.to_owned()));
    }
    let too_large = || PriceError::TooLarge(raw.to_owned());
    let whole: i64 = whole.parse().map_err(|_| too_large())?;
    let frac: i64 = format!("{frac:0<2}").parse().unwrap_or(0);
    whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(frac))
        .ok_or_else(too_large)
}

/// One line of `menu.csv`.
#[derive(Debug, Deserialize)]
struct MenuRecord {
    name: String,
    display_name: String,
    #[serde(rename = "type")]
    category: String,
    sizes_and_prices: String,
}

/// Builds catalog items from `menu.csv` (`name,display_name,type,sizes_and_prices`
/// with `S:12.0 M:16.0`): one item per pizza and size.
pub fn from_menu_csv(text: &str) -> anyhow::Result<Vec<CatalogItemInput>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut items = Vec::new();
    for record in reader.deserialize::<MenuRecord>() {
        let menu = record.map_err(|e| {
            let row = e.position().map_or(0, csv::Position::line);
            anyhow::anyhow!(
                "menu line {row}: {e} (expected name,display_name,type,sizes_and_prices)"
            )
        })?;
        let code = &menu.name;
        for part in menu.sizes_and_prices.split_whitespace() {
            let (size, price) = part
                .split_once(':')
                .with_context(|| format!("menu item `{code}`: `{part}` is not SIZE:PRICE"))?;
            let sku = format!("{}_{}", menu.name, size.to_ascii_lowercase());
            let sku = Sku::parse(&sku).map_err(|e| anyhow::anyhow!("menu item `{code}`: {e}"))?;
            items.push(CatalogItemInput {
                sku,
                name: menu.display_name.clone(),
                size: Some(size.to_owned()),
                category: menu.category.clone(),
                price_minor: parse_price(price)
                    .map_err(|e| anyhow::anyhow!("menu item `{code}`: {e}"))?,
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
            let sku = i.sku;
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
    upsert(conn, &items).await?;
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

/// Upserts catalog items (the seed importer), outside the command path.
pub async fn upsert(conn: &mut Conn, items: &[CatalogItem]) -> anyhow::Result<usize> {
    let now = crate::models::now_micros();
    let rows: Vec<CatalogRow> = items
        .iter()
        .map(|i| CatalogRow::from_item(i, now))
        .collect();
    if rows.is_empty() {
        return Ok(0);
    }
    Ok(diesel::replace_into(catalog_items::table)
        .values(&rows)
        .execute(conn)
        .await?)
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
        assert_eq!(items[2].sku.as_str(), "bbq_ckn_l");
        assert_eq!(items[2].price_minor, 2075);
        assert_eq!(items[2].size.as_deref(), Some("L"));
        let quoted = "name,display_name,type,sizes_and_prices\npep,\"The Pepperoni, Mushroom, and Peppers Pizza\",classic,S:11.0\n";
        let items = from_menu_csv(quoted).expect("quoted names parse");
        assert_eq!(items[0].name, "The Pepperoni, Mushroom, and Peppers Pizza");
    }

    #[test]
    fn the_shipped_catalog_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/catalog.toml");
        let items = load(&path, Currency::parse("USD").expect("usd")).expect("loads");
        assert!(items.len() >= 32, "{} items", items.len());
    }
}
