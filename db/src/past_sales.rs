//! Importing past sales (`chatorder import-history`): order lines in the
//! format of the team's data (`id,date,time,name,size,type,price`, plain or
//! gzip) become completed orders, so a new shop starts with its history and
//! the demand model has something to learn from.
//!
//! Idempotent: an imported order's id is derived from its source id, and
//! orders already present are skipped, so importing twice adds nothing.

use std::collections::{HashMap, HashSet};
use std::io::Read as _;
use std::path::Path;

use anyhow::Context as _;
use chatorder_shared::domain::{Currency, InvalidValue, OrderStatus, Platform, Sku};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeZone as _};
use diesel::prelude::*;
use diesel_async::{AsyncConnection as _, RunQueryDsl};
use uuid::Uuid;

use crate::catalog::{PriceError, parse_price};
use crate::models::{LineRow, NewCustomer, NewStatusChange, OrderRow};
use crate::pool::Conn;
use crate::schema::{catalog_items, customers, order_lines, order_status_history, orders};

/// Namespace for ids of imported orders (UUID v5 of the source order id).
const NAMESPACE: Uuid = Uuid::from_u128(0x6368_6174_6f72_6465_7268_6973_746f_7279);
/// The customer every imported order belongs to.
pub const HISTORY_CUSTOMER: &str = "system:history";
const CHUNK: usize = 1000;

/// One past order read from the file.
#[derive(Debug, Clone, PartialEq)]
pub struct PastOrder {
    pub source_id: String,
    pub placed_at: chrono::DateTime<chrono::Utc>,
    /// (sku, qty, unit price in minor units)
    pub lines: Vec<(String, u32, i64)>,
}

/// What an import did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Imported {
    pub orders_read: usize,
    pub lines_read: usize,
    pub orders_added: usize,
    pub orders_already_there: usize,
}

/// Reads a history file; times are local to `tz`.
pub fn read(path: &Path, tz: chrono_tz::Tz) -> anyhow::Result<Vec<PastOrder>> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut text = String::new();
    if path.extension().is_some_and(|e| e == "gz") {
        flate2::read::GzDecoder::new(file)
            .read_to_string(&mut text)
            .with_context(|| format!("{} is not valid gzip text", path.display()))?;
    } else {
        std::io::BufReader::new(file).read_to_string(&mut text)?;
    }
    parse(&text, tz).with_context(|| format!("reading {}", path.display()))
}

/// One line of a history file. Extra columns (`type`) are ignored; fields
/// may be quoted (`"Pizza, large"`), as a spreadsheet's export has them.
#[derive(Debug, serde::Deserialize)]
struct Record {
    id: String,
    date: String,
    time: String,
    name: String,
    size: String,
    price: String,
}

/// The header a history file needs.
const COLUMNS: &str = "id,date,time,name,size,type,price";

/// Parses history text; every bad line is an error that names it.
pub fn parse(text: &str, tz: chrono_tz::Tz) -> anyhow::Result<Vec<PastOrder>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .context("the file has no header line")?
        .clone();
    if header.iter().all(str::is_empty) {
        anyhow::bail!("the file is empty");
    }
    for need in ["id", "date", "time", "name", "size", "price"] {
        if !header.iter().any(|h| h == need) {
            anyhow::bail!("the header has no `{need}` column (expected {COLUMNS})");
        }
    }
    let mut orders: Vec<PastOrder> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let row = e.position().map_or(0, csv::Position::line);
            anyhow::anyhow!("line {row}: {e}")
        })?;
        let row = record.position().map_or(0, csv::Position::line);
        if record.iter().all(str::is_empty) {
            continue;
        }
        let r: Record = record
            .deserialize(Some(&header))
            .map_err(|e| anyhow::anyhow!("line {row}: {e}"))?;
        let (placed_at, sku, price) =
            read_record(&r, tz).map_err(|e| anyhow::anyhow!("line {row}: {e}"))?;
        let i = *index.entry(r.id.clone()).or_insert_with(|| {
            orders.push(PastOrder {
                source_id: r.id.clone(),
                placed_at,
                lines: Vec::new(),
            });
            orders.len() - 1
        });
        let order = &mut orders[i];
        match order
            .lines
            .iter_mut()
            .find(|(s, _, p)| *s == sku && *p == price)
        {
            Some(l) => l.1 += 1,
            None => order.lines.push((sku, 1, price)),
        }
    }
    Ok(orders)
}

/// Why one line of a history file could not be read; the reader adds the
/// line number.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BadLine {
    #[error("`{0}` is not a date such as 2015-01-31")]
    Date(String),
    #[error("`{0}` is not a time such as 18:30:00")]
    Time(String),
    /// A local time skipped by a daylight-saving change.
    #[error("{local} does not exist in {tz}")]
    NoSuchTime {
        local: NaiveDateTime,
        tz: chrono_tz::Tz,
    },
    #[error(transparent)]
    Sku(#[from] InvalidValue),
    #[error(transparent)]
    Price(#[from] PriceError),
}

/// When, what and at which price one line sold.
fn read_record(
    r: &Record,
    tz: chrono_tz::Tz,
) -> Result<(chrono::DateTime<chrono::Utc>, String, i64), BadLine> {
    let date = NaiveDate::parse_from_str(&r.date, "%Y-%m-%d")
        .map_err(|_| BadLine::Date(r.date.clone()))?;
    let time = NaiveTime::parse_from_str(&r.time, "%H:%M:%S")
        .map_err(|_| BadLine::Time(r.time.clone()))?;
    let local = NaiveDateTime::new(date, time);
    let placed_at = tz
        .from_local_datetime(&local)
        .earliest()
        .ok_or(BadLine::NoSuchTime { local, tz })?
        .with_timezone(&chrono::Utc);
    let sku = format!("{}_{}", r.name, r.size.to_ascii_lowercase());
    Sku::parse(&sku)?;
    let price = parse_price(&r.price)?;
    Ok((placed_at, sku, price))
}

/// Stores past orders as completed orders, skipping those already there.
pub async fn import(
    conn: &mut Conn,
    orders_in: &[PastOrder],
    currency: Currency,
) -> anyhow::Result<Imported> {
    let mut result = Imported {
        orders_read: orders_in.len(),
        lines_read: orders_in
            .iter()
            .flat_map(|o| &o.lines)
            .map(|l| l.1 as usize)
            .sum(),
        ..Imported::default()
    };
    let names: HashMap<String, (String, Option<String>)> = catalog_items::table
        .select((catalog_items::sku, catalog_items::name, catalog_items::size))
        .load::<(String, String, Option<String>)>(conn)
        .await?
        .into_iter()
        .map(|(sku, name, size)| (sku, (name, size)))
        .collect();
    diesel::insert_or_ignore_into(customers::table)
        .values(NewCustomer {
            id: HISTORY_CUSTOMER.into(),
            platform: Platform::System.as_str().into(),
            external_id: "history".into(),
            display_name: Some("Imported history".into()),
            phone: None,
            created_at: chrono::Utc::now().naive_utc(),
        })
        .execute(conn)
        .await?;
    for chunk in orders_in.chunks(CHUNK) {
        let (added, skipped) = conn
            .transaction(async |conn| import_chunk(conn, chunk, &names, currency).await)
            .await?;
        result.orders_added += added;
        result.orders_already_there += skipped;
    }
    Ok(result)
}

async fn import_chunk(
    conn: &mut Conn,
    chunk: &[PastOrder],
    names: &HashMap<String, (String, Option<String>)>,
    currency: Currency,
) -> anyhow::Result<(usize, usize)> {
    let ids: Vec<String> = chunk
        .iter()
        .map(|o| order_id(&o.source_id).to_string())
        .collect();
    let present: HashSet<String> = orders::table
        .filter(orders::id.eq_any(&ids))
        .select(orders::id)
        .load::<String>(conn)
        .await?
        .into_iter()
        .collect();
    let fresh: Vec<(&PastOrder, &String)> = chunk
        .iter()
        .zip(&ids)
        .filter(|(_, id)| !present.contains(*id))
        .collect();
    if fresh.is_empty() {
        return Ok((0, chunk.len()));
    }
    let first = crate::numbers::take_numbers(conn, fresh.len()).await?;
    let mut rows = Vec::with_capacity(fresh.len());
    let mut lines = Vec::new();
    let mut status_changes = Vec::with_capacity(fresh.len());
    for (number, (order, id)) in (first..).zip(&fresh) {
        let at = order.placed_at.naive_utc();
        let mut total = 0i64;
        for (i, (sku, qty, price)) in order.lines.iter().enumerate() {
            let line_total = price.saturating_mul(i64::from(*qty));
            total = total.saturating_add(line_total);
            let name = match names.get(sku) {
                Some((name, Some(size))) => format!("{name} ({size})"),
                Some((name, None)) => name.clone(),
                None => sku.clone(),
            };
            lines.push(LineRow {
                order_id: (*id).clone(),
                line_no: i16::try_from(i + 1).unwrap_or(i16::MAX),
                sku: sku.clone(),
                name,
                quantity: i32::try_from(*qty).unwrap_or(i32::MAX),
                unit_price_minor: *price,
                line_total_minor: line_total,
            });
        }
        rows.push(OrderRow {
            id: (*id).clone(),
            number,
            customer_id: HISTORY_CUSTOMER.into(),
            customer_name: Some("Imported history".into()),
            status: OrderStatus::Completed.as_str().into(),
            version: 1,
            fulfilment: "pickup".into(),
            address: None,
            note: None,
            total_minor: total,
            currency: currency.as_str().into(),
            placed_at: at,
            updated_at: at,
            promo_code: None,
            discount_minor: 0,
            telegram_payment_charge_id: None,
            provider_payment_charge_id: None,
            scheduled_for: None,
        });
        status_changes.push(NewStatusChange {
            order_id: (*id).clone(),
            from_status: None,
            to_status: OrderStatus::Completed.as_str().into(),
            actor_role: "owner".into(),
            actor_id: "system:import".into(),
            reason: Some(format!(
                "imported from history (source order {})",
                order.source_id
            )),
            command_id: (*id).clone(),
            at,
        });
    }
    diesel::insert_into(orders::table)
        .values(&rows)
        .execute(conn)
        .await?;
    for part in lines.chunks(2000) {
        diesel::insert_into(order_lines::table)
            .values(part)
            .execute(conn)
            .await?;
    }
    diesel::insert_into(order_status_history::table)
        .values(&status_changes)
        .execute(conn)
        .await?;
    Ok((fresh.len(), chunk.len() - fresh.len()))
}

/// The id an imported order gets: the same for the same source id, always.
pub fn order_id(source_id: &str) -> Uuid {
    Uuid::new_v5(&NAMESPACE, source_id.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_group_into_orders_with_local_times_in_utc() {
        let text = "id,date,time,name,size,type,price\n\
                    A,2015-07-01,12:00:00,hawaiian,M,classic,13.25\n\
                    A,2015-07-01,12:00:00,hawaiian,M,classic,13.25\n\
                    A,2015-07-01,12:00:00,thai_ckn,L,chicken,20.75\n\
                    B,2015-01-02,09:30:00,big_meat,S,classic,12\n";
        let orders = parse(text, chrono_tz::Europe::London).expect("parses");
        assert_eq!(orders.len(), 2);
        assert_eq!(
            orders[0].lines,
            vec![
                ("hawaiian_m".into(), 2, 1325),
                ("thai_ckn_l".into(), 1, 2075)
            ]
        );
        // London is UTC+1 in July, UTC in January.
        assert_eq!(
            orders[0].placed_at.to_rfc3339(),
            "2015-07-01T11:00:00+00:00"
        );
        assert_eq!(
            orders[1].placed_at.to_rfc3339(),
            "2015-01-02T09:30:00+00:00"
        );
        assert_eq!(order_id("A"), order_id("A"));
        assert_ne!(order_id("A"), order_id("B"));
    }

    #[test]
    fn quoted_fields_with_commas_stay_one_field() {
        // A spreadsheet's export quotes what holds a comma; splitting on
        // every comma would shift the price into the wrong column.
        let text = "id,date,time,name,size,type,price\n\
                    \"A-1\",2015-07-01,12:00:00,hawaiian,M,\"classic, thin crust\",\"13.25\"\n\
                    \"A-1\",2015-07-01,12:00:00,hawaiian,M,\"classic, \"\"best\"\"\",13.25\n";
        let orders = parse(text, chrono_tz::UTC).expect("parses");
        assert_eq!(orders.len(), 1);
        assert_eq!(orders[0].source_id, "A-1");
        assert_eq!(orders[0].lines, vec![("hawaiian_m".into(), 2, 1325)]);
    }

    #[test]
    fn bad_lines_are_named() {
        let e = parse(
            "id,date,time,name,size,type,price\nA,2015-13-01,12:00:00,x,M,c,1\n",
            chrono_tz::UTC,
        )
        .expect_err("bad date");
        assert!(format!("{e:#}").contains("line 2"), "{e:#}");
        let e = parse("id,when\n", chrono_tz::UTC).expect_err("bad header");
        assert!(format!("{e:#}").contains("no `date` column"), "{e:#}");
    }
}
