//! Reads from MySQL: orders with their lines, the catalog, the pending queue.
//! Every function takes `&mut Conn` so it composes inside a transaction.

use std::collections::HashMap;

use chatorder_shared::domain::{OrderNumber, OrderStatus, Sku};
use chatorder_shared::events::{CatalogItem, OrderSnapshot};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::models::{CatalogRow, LineRow, OrderRow};
use crate::pool::Conn;
use crate::schema::{catalog_items, order_lines, order_messages, order_status_history, orders};

/// Attaches lines to order rows, keeping the rows' order.
async fn with_lines(conn: &mut Conn, rows: Vec<OrderRow>) -> anyhow::Result<Vec<OrderSnapshot>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let lines: Vec<LineRow> = order_lines::table
        .filter(order_lines::order_id.eq_any(&ids))
        .order((order_lines::order_id, order_lines::line_no))
        .select(LineRow::as_select())
        .load(conn)
        .await?;
    let mut by_order: HashMap<String, Vec<LineRow>> = HashMap::new();
    for l in lines {
        by_order.entry(l.order_id.clone()).or_default().push(l);
    }
    rows.into_iter()
        .map(|r| {
            let lines = by_order.remove(&r.id).unwrap_or_default();
            r.into_snapshot(lines).map_err(anyhow::Error::from)
        })
        .collect()
}

fn as_db_numbers(numbers: &[OrderNumber]) -> Vec<i64> {
    numbers
        .iter()
        .filter_map(|n| i64::try_from(n.0).ok())
        .collect()
}

/// Orders by number; with `lock`, locked for update (inside a transaction).
pub async fn orders_by_number(
    conn: &mut Conn,
    numbers: &[OrderNumber],
    lock: bool,
) -> anyhow::Result<Vec<OrderSnapshot>> {
    if numbers.is_empty() {
        return Ok(Vec::new());
    }
    let query = orders::table
        .filter(orders::number.eq_any(as_db_numbers(numbers)))
        .order(orders::number)
        .select(OrderRow::as_select());
    let rows = if lock {
        query.for_update().load(conn).await?
    } else {
        query.load(conn).await?
    };
    with_lines(conn, rows).await
}

/// One order by number.
pub async fn order(conn: &mut Conn, number: OrderNumber) -> anyhow::Result<Option<OrderSnapshot>> {
    Ok(orders_by_number(conn, &[number], false)
        .await?
        .into_iter()
        .next())
}

/// The pending queue, oldest first, and its full length.
pub async fn pending(
    conn: &mut Conn,
    limit: u32,
    offset: u32,
) -> anyhow::Result<(Vec<OrderSnapshot>, u64)> {
    let status = OrderStatus::Pending.as_str();
    let total: i64 = orders::table
        .filter(orders::status.eq(status))
        .count()
        .get_result(conn)
        .await?;
    let rows = orders::table
        .filter(orders::status.eq(status))
        .order((orders::placed_at, orders::number))
        .limit(i64::from(limit))
        .offset(i64::from(offset))
        .select(OrderRow::as_select())
        .load(conn)
        .await?;
    Ok((
        with_lines(conn, rows).await?,
        u64::try_from(total).unwrap_or(0),
    ))
}

/// Numbers and placing times of every pending order (to rebuild the cache).
pub async fn pending_index(conn: &mut Conn) -> anyhow::Result<Vec<(OrderNumber, i64)>> {
    let rows: Vec<(i64, chrono::NaiveDateTime)> = orders::table
        .filter(orders::status.eq(OrderStatus::Pending.as_str()))
        .select((orders::number, orders::placed_at))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(n, at)| {
            (
                OrderNumber(u64::try_from(n).unwrap_or_default()),
                at.and_utc().timestamp_millis(),
            )
        })
        .collect())
}

/// How many orders are pending.
pub async fn pending_count(conn: &mut Conn) -> anyhow::Result<u64> {
    let n: i64 = orders::table
        .filter(orders::status.eq(OrderStatus::Pending.as_str()))
        .count()
        .get_result(conn)
        .await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// A customer's most recent orders, newest first.
pub async fn customer_orders(
    conn: &mut Conn,
    customer_key: &str,
    limit: u32,
) -> anyhow::Result<Vec<OrderSnapshot>> {
    let rows = orders::table
        .filter(orders::customer_id.eq(customer_key))
        .order(orders::number.desc())
        .limit(i64::from(limit))
        .select(OrderRow::as_select())
        .load(conn)
        .await?;
    with_lines(conn, rows).await
}

/// Which orders [`order_page`] returns.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter<'a> {
    /// One customer's orders only.
    pub customer_key: Option<&'a str>,
    /// Any of these statuses (all when empty).
    pub statuses: &'a [OrderStatus],
    pub placed_from: Option<chrono::DateTime<chrono::Utc>>,
    pub placed_before: Option<chrono::DateTime<chrono::Utc>>,
    /// Numbered below this (the cursor).
    pub before: Option<OrderNumber>,
}

/// A page of orders newest first (by number, which grows with placing).
pub async fn order_page(
    conn: &mut Conn,
    filter: &OrderFilter<'_>,
    limit: u32,
) -> anyhow::Result<Vec<OrderSnapshot>> {
    let mut query = orders::table
        .order(orders::number.desc())
        .limit(i64::from(limit))
        .select(OrderRow::as_select())
        .into_boxed();
    if let Some(key) = filter.customer_key {
        query = query.filter(orders::customer_id.eq(key));
    }
    if !filter.statuses.is_empty() {
        let statuses: Vec<&str> = filter.statuses.iter().map(|s| s.as_str()).collect();
        query = query.filter(orders::status.eq_any(statuses));
    }
    if let Some(from) = filter.placed_from {
        query = query.filter(orders::placed_at.ge(from.naive_utc()));
    }
    if let Some(until) = filter.placed_before {
        query = query.filter(orders::placed_at.lt(until.naive_utc()));
    }
    if let Some(before) = filter.before {
        query = query.filter(orders::number.lt(i64::try_from(before.0).unwrap_or(i64::MAX)));
    }
    let rows = query.load(conn).await?;
    with_lines(conn, rows).await
}

/// The messages about one order, oldest first: who wrote (`customer` or
/// `owner`), the text, when.
pub async fn order_messages(
    conn: &mut Conn,
    order_id: uuid::Uuid,
) -> anyhow::Result<Vec<(String, String, chrono::DateTime<chrono::Utc>)>> {
    let rows: Vec<(String, String, chrono::NaiveDateTime)> = order_messages::table
        .filter(order_messages::order_id.eq(order_id.to_string()))
        .order(order_messages::id)
        .select((
            order_messages::from_role,
            order_messages::body,
            order_messages::at,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(from, body, at)| (from, body, at.and_utc()))
        .collect())
}

/// One row of an order's status history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRow {
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor_role: String,
    pub actor_id: String,
    pub reason: Option<String>,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// An order's status changes, oldest first.
pub async fn order_history(
    conn: &mut Conn,
    order_id: uuid::Uuid,
) -> anyhow::Result<Vec<HistoryRow>> {
    type Row = (
        Option<String>,
        String,
        String,
        String,
        Option<String>,
        chrono::NaiveDateTime,
    );
    let rows: Vec<Row> = order_status_history::table
        .filter(order_status_history::order_id.eq(order_id.to_string()))
        .order(order_status_history::id)
        .select((
            order_status_history::from_status,
            order_status_history::to_status,
            order_status_history::actor_role,
            order_status_history::actor_id,
            order_status_history::reason,
            order_status_history::at,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(from_status, to_status, actor_role, actor_id, reason, at)| HistoryRow {
                from_status,
                to_status,
                actor_role,
                actor_id,
                reason,
                at: at.and_utc(),
            },
        )
        .collect())
}

/// Catalog items by sku; locked for update when asked (catalog changes).
pub async fn catalog_items(
    conn: &mut Conn,
    skus: &[&Sku],
    lock: bool,
) -> anyhow::Result<Vec<CatalogItem>> {
    if skus.is_empty() {
        return Ok(Vec::new());
    }
    let skus = padded(skus.iter().map(|s| s.as_str()).collect());
    let query = catalog_items::table
        .filter(catalog_items::sku.eq_any(&skus))
        .select(CatalogRow::as_select());
    let rows = if lock {
        Prepared(query.for_update()).load(conn).await?
    } else {
        Prepared(query).load(conn).await?
    };
    rows.into_iter()
        .map(|r| r.into_item().map_err(anyhow::Error::from))
        .collect()
}

/// `keys` with its last repeated up to a length of 8, 16, 32, … so that
/// an `IN` list of them comes in few shapes, each prepared once per
/// connection ([`Prepared`]). A key twice in an `IN` list matches once.
fn padded(mut keys: Vec<&str>) -> Vec<&str> {
    if let Some(&last) = keys.last() {
        keys.resize(keys.len().next_power_of_two().max(8), last);
    }
    keys
}

/// A query Diesel may prepare once per connection and then reuse, keyed by
/// its SQL text. Diesel does not cache a query with an `IN` list of values,
/// since its text changes with their number; one of [`padded`] length has
/// a few texts only.
#[derive(Debug, Clone, Copy)]
struct Prepared<Q>(Q);

impl<Q> diesel::query_builder::QueryId for Prepared<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: diesel::query_builder::QueryFragment<diesel::mysql::Mysql>>
    diesel::query_builder::QueryFragment<diesel::mysql::Mysql> for Prepared<Q>
{
    fn walk_ast<'b>(
        &'b self,
        pass: diesel::query_builder::AstPass<'_, 'b, diesel::mysql::Mysql>,
    ) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _: &diesel::mysql::Mysql) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<Q: diesel::query_builder::Query> diesel::query_builder::Query for Prepared<Q> {
    type SqlType = Q::SqlType;
}

/// The whole catalog, by category then name.
pub async fn catalog(conn: &mut Conn) -> anyhow::Result<Vec<CatalogItem>> {
    let rows = catalog_items::table
        .order((
            catalog_items::category,
            catalog_items::name,
            catalog_items::sku,
        ))
        .select(CatalogRow::as_select())
        .load(conn)
        .await?;
    rows.into_iter()
        .map(|r| r.into_item().map_err(anyhow::Error::from))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn in_lists_are_padded_to_few_lengths_with_the_last_key() {
        assert!(super::padded(vec![]).is_empty());
        assert_eq!(super::padded(vec!["a"]), vec!["a"; 8]);
        let nine = super::padded(vec!["a", "b", "c", "d", "e", "f", "g", "h", "i"]);
        assert_eq!(nine.len(), 16);
        assert_eq!(&nine[..9], &["a", "b", "c", "d", "e", "f", "g", "h", "i"]);
        assert!(nine[9..].iter().all(|k| *k == "i"));
        assert_eq!(super::padded(vec!["x"; 64]).len(), 64);
    }
}
