//! The demand worker's MySQL: what sold (read from the order tables), which
//! model serves, the forecasts and how they did. Queries take `&mut Conn` so
//! they compose in one transaction.

use chatorder_orders::db::Conn;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::sql_types::{BigInt, Date, Datetime, Double, Integer, Nullable, Text, Varchar};
use diesel_async::RunQueryDsl as _;

use crate::forecast::DayForecast;

/// Statuses whose orders count as demand: everything the shop took on.
const SOLD: &str = "'pending','accepted','preparing','ready','out_for_delivery','completed'";

#[derive(diesel::QueryableByName)]
struct SoldRow {
    #[diesel(sql_type = Varchar)]
    sku: String,
    #[diesel(sql_type = Datetime)]
    placed_at: NaiveDateTime,
    #[diesel(sql_type = Integer)]
    quantity: i32,
}

/// Units sold since `since` (UTC): `(sku, placed_at, qty)`.
pub async fn sold_since(
    conn: &mut Conn,
    since: DateTime<Utc>,
) -> anyhow::Result<Vec<(String, DateTime<Utc>, u32)>> {
    let rows: Vec<SoldRow> = diesel::sql_query(format!(
        "SELECT l.sku, o.placed_at, l.quantity FROM order_lines l \
         JOIN orders o ON o.id = l.order_id \
         WHERE o.status IN ({SOLD}) AND o.placed_at >= ? ORDER BY o.placed_at"
    ))
    .bind::<Datetime, _>(since.naive_utc())
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.sku,
                r.placed_at.and_utc(),
                u32::try_from(r.quantity).unwrap_or(0),
            )
        })
        .collect())
}

/// One training run, as recorded.
#[derive(Debug, Clone, PartialEq, diesel::QueryableByName)]
pub struct ModelRun {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Datetime)]
    pub trained_at: NaiveDateTime,
    #[diesel(sql_type = Date)]
    pub data_from: NaiveDate,
    #[diesel(sql_type = Date)]
    pub data_to: NaiveDate,
    #[diesel(sql_type = Varchar)]
    pub feature_version: String,
    #[diesel(sql_type = Varchar)]
    pub model_path: String,
    #[diesel(sql_type = Double)]
    pub train_seconds: f64,
    #[diesel(sql_type = Double)]
    pub model_wape: f64,
    #[diesel(sql_type = Double)]
    pub seasonal_naive_wape: f64,
    #[diesel(sql_type = Double)]
    pub mean_28d_wape: f64,
    #[diesel(sql_type = Varchar)]
    pub serving: String,
    #[diesel(sql_type = Text)]
    pub note: String,
}

/// Records a run; returns its id.
pub async fn record_run(conn: &mut Conn, run: &ModelRun) -> anyhow::Result<i64> {
    diesel::sql_query(
        "INSERT INTO model_runs (trained_at, data_from, data_to, feature_version, model_path, \
         train_seconds, model_wape, seasonal_naive_wape, mean_28d_wape, serving, note) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind::<Datetime, _>(run.trained_at)
    .bind::<Date, _>(run.data_from)
    .bind::<Date, _>(run.data_to)
    .bind::<Varchar, _>(&run.feature_version)
    .bind::<Varchar, _>(&run.model_path)
    .bind::<Double, _>(run.train_seconds)
    .bind::<Double, _>(run.model_wape)
    .bind::<Double, _>(run.seasonal_naive_wape)
    .bind::<Double, _>(run.mean_28d_wape)
    .bind::<Varchar, _>(&run.serving)
    .bind::<Text, _>(&run.note)
    .execute(conn)
    .await?;
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let id: Id = diesel::sql_query("SELECT LAST_INSERT_ID() AS id")
        .get_result(conn)
        .await?;
    Ok(id.id)
}

/// The newest run, if any.
pub async fn latest_run(conn: &mut Conn) -> anyhow::Result<Option<ModelRun>> {
    let mut rows: Vec<ModelRun> =
        diesel::sql_query("SELECT * FROM model_runs ORDER BY id DESC LIMIT 1")
            .load(conn)
            .await?;
    Ok(rows.pop())
}

/// Stores a day's forecast (replacing an earlier one for that day).
pub async fn save_forecast(
    conn: &mut Conn,
    f: &DayForecast,
    run_id: Option<i64>,
) -> anyhow::Result<usize> {
    diesel::sql_query("DELETE FROM demand_forecasts WHERE day = ?")
        .bind::<Date, _>(f.date)
        .execute(conn)
        .await?;
    let now = Utc::now().naive_utc();
    let mut rows = Vec::new();
    for item in &f.items {
        for h in &item.hours {
            rows.push((item.sku.clone(), h.hour, h.units));
        }
    }
    for chunk in rows.chunks(500) {
        let mut sql = String::from(
            "INSERT INTO demand_forecasts (day, sku, hour, mean, p10, p90, predictor, model_run_id, created_at) VALUES ",
        );
        let mut first = true;
        for (sku, hour, est) in chunk {
            if !first {
                sql.push(',');
            }
            first = false;
            // Values are ours (dates, numbers, catalog codes checked by
            // `Sku::parse`), but are still escaped rather than trusted.
            sql.push_str(&format!(
                "('{}', '{}', {}, {}, {}, {}, '{}', {}, '{}')",
                f.date,
                sku.replace('\'', "''").replace('\\', "\\\\"),
                hour,
                finite(est.mean),
                f64::from(est.p10),
                f64::from(est.p90),
                f.predictor.replace('\'', "''"),
                run_id.map_or("NULL".to_owned(), |id| id.to_string()),
                now.format("%Y-%m-%d %H:%M:%S%.6f"),
            ));
        }
        diesel::sql_query(sql).execute(conn).await?;
    }
    Ok(rows.len())
}

fn finite(x: f64) -> f64 {
    if x.is_finite() { x } else { 0.0 }
}

/// A stored forecast per item for a day: expected units summed over hours,
/// and what sold (once the day is settled).
#[derive(Debug, Clone, PartialEq, diesel::QueryableByName)]
pub struct StoredItemDay {
    #[diesel(sql_type = Varchar)]
    pub sku: String,
    #[diesel(sql_type = Double)]
    pub mean: f64,
    #[diesel(sql_type = Varchar)]
    pub predictor: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub actual: Option<i64>,
}

pub async fn stored_forecast(
    conn: &mut Conn,
    day: NaiveDate,
) -> anyhow::Result<Vec<StoredItemDay>> {
    Ok(diesel::sql_query(
        "SELECT sku, SUM(mean) AS mean, MAX(predictor) AS predictor, \
         CAST(SUM(actual) AS SIGNED) AS actual \
         FROM demand_forecasts WHERE day = ? GROUP BY sku ORDER BY mean DESC",
    )
    .bind::<Date, _>(day)
    .load(conn)
    .await?)
}

/// Fills in what actually sold for each forecast hour of `day`, and records
/// the day's accuracy. Returns the item-day WAPE, if there was a forecast.
pub async fn settle_day(
    conn: &mut Conn,
    day: NaiveDate,
    actual: &[(String, usize, u32)],
) -> anyhow::Result<Option<f64>> {
    diesel::sql_query("UPDATE demand_forecasts SET actual = 0 WHERE day = ?")
        .bind::<Date, _>(day)
        .execute(conn)
        .await?;
    for (sku, hour, units) in actual {
        diesel::sql_query(
            "UPDATE demand_forecasts SET actual = ? WHERE day = ? AND sku = ? AND hour = ?",
        )
        .bind::<Integer, _>(i32::try_from(*units).unwrap_or(i32::MAX))
        .bind::<Date, _>(day)
        .bind::<Varchar, _>(sku)
        .bind::<Integer, _>(i32::try_from(*hour).unwrap_or(0))
        .execute(conn)
        .await?;
    }
    let items = stored_forecast(conn, day).await?;
    if items.is_empty() {
        return Ok(None);
    }
    let forecast_units: f64 = items.iter().map(|i| i.mean).sum();
    // Units sold of items that had no forecast row count as errors too.
    let mut sold_by_item: std::collections::HashMap<&str, f64> = std::collections::HashMap::new();
    for (sku, _, units) in actual {
        *sold_by_item.entry(sku.as_str()).or_default() += f64::from(*units);
    }
    let actual_units: f64 = sold_by_item.values().sum();
    let mut abs_err = 0.0;
    for i in &items {
        abs_err += (i.mean - sold_by_item.remove(i.sku.as_str()).unwrap_or(0.0)).abs();
    }
    abs_err += sold_by_item.values().sum::<f64>();
    let wape = if actual_units > 0.0 {
        abs_err / actual_units
    } else {
        0.0
    };
    diesel::sql_query(
        "REPLACE INTO forecast_accuracy (day, predictor, forecast_units, actual_units, item_day_wape, computed_at) \
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind::<Date, _>(day)
    .bind::<Varchar, _>(
        <[StoredItemDay]>::first(&items)
            .map(|i| i.predictor.clone())
            .unwrap_or_default(),
    )
    .bind::<Double, _>(forecast_units)
    .bind::<BigInt, _>(actual_units as i64)
    .bind::<Double, _>(wape)
    .bind::<Datetime, _>(Utc::now().naive_utc())
    .execute(conn)
    .await?;
    Ok(Some(wape))
}

/// A day's trading figures for the owners' summary.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DayStats {
    pub orders: i64,
    pub revenue_minor: i64,
    pub cancelled: i64,
    pub rejected: i64,
    pub avg_accept_seconds: Option<f64>,
    pub avg_complete_seconds: Option<f64>,
    /// `(name, units)`, best sellers first.
    pub top_items: Vec<(String, i64)>,
}

/// Figures for orders placed between `from` and `to` (UTC).
pub async fn day_stats(
    conn: &mut Conn,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> anyhow::Result<DayStats> {
    #[derive(diesel::QueryableByName)]
    struct Counts {
        #[diesel(sql_type = BigInt)]
        orders: i64,
        #[diesel(sql_type = BigInt)]
        revenue: i64,
        #[diesel(sql_type = BigInt)]
        cancelled: i64,
        #[diesel(sql_type = BigInt)]
        rejected: i64,
    }
    let (f, t) = (from.naive_utc(), to.naive_utc());
    let c: Counts = diesel::sql_query(format!(
        "SELECT COUNT(*) AS orders, \
         CAST(COALESCE(SUM(CASE WHEN status IN ({SOLD}) THEN total_minor END), 0) AS SIGNED) AS revenue, \
         CAST(COALESCE(SUM(status = 'cancelled'), 0) AS SIGNED) AS cancelled, \
         CAST(COALESCE(SUM(status = 'rejected'), 0) AS SIGNED) AS rejected \
         FROM orders WHERE placed_at >= ? AND placed_at < ?"
    ))
    .bind::<Datetime, _>(f)
    .bind::<Datetime, _>(t)
    .get_result(conn)
    .await?;
    #[derive(diesel::QueryableByName)]
    struct Avg {
        #[diesel(sql_type = Nullable<Double>)]
        seconds: Option<f64>,
    }
    let avg_to = |status: &'static str| {
        format!(
            "SELECT CAST(AVG(TIMESTAMPDIFF(MICROSECOND, o.placed_at, h.at)) / 1000000 AS DOUBLE) AS seconds \
             FROM orders o JOIN order_status_history h ON h.order_id = o.id AND h.to_status = '{status}' \
             WHERE o.placed_at >= ? AND o.placed_at < ? AND h.from_status IS NOT NULL"
        )
    };
    let accept: Avg = diesel::sql_query(avg_to("accepted"))
        .bind::<Datetime, _>(f)
        .bind::<Datetime, _>(t)
        .get_result(conn)
        .await?;
    let complete: Avg = diesel::sql_query(avg_to("completed"))
        .bind::<Datetime, _>(f)
        .bind::<Datetime, _>(t)
        .get_result(conn)
        .await?;
    #[derive(diesel::QueryableByName)]
    struct Top {
        #[diesel(sql_type = Varchar)]
        name: String,
        #[diesel(sql_type = BigInt)]
        units: i64,
    }
    let top: Vec<Top> = diesel::sql_query(format!(
        "SELECT l.name, CAST(SUM(l.quantity) AS SIGNED) AS units FROM order_lines l \
         JOIN orders o ON o.id = l.order_id \
         WHERE o.placed_at >= ? AND o.placed_at < ? AND o.status IN ({SOLD}) \
         GROUP BY l.name ORDER BY units DESC, l.name LIMIT 5"
    ))
    .bind::<Datetime, _>(f)
    .bind::<Datetime, _>(t)
    .load(conn)
    .await?;
    Ok(DayStats {
        orders: c.orders,
        revenue_minor: c.revenue,
        cancelled: c.cancelled,
        rejected: c.rejected,
        avg_accept_seconds: accept.seconds,
        avg_complete_seconds: complete.seconds,
        top_items: top.into_iter().map(|t| (t.name, t.units)).collect(),
    })
}

/// Pending orders older than `older_than`: `(number, placed_at)`.
pub async fn waiting_orders(
    conn: &mut Conn,
    older_than: DateTime<Utc>,
) -> anyhow::Result<Vec<(i64, DateTime<Utc>)>> {
    #[derive(diesel::QueryableByName)]
    struct W {
        #[diesel(sql_type = BigInt)]
        number: i64,
        #[diesel(sql_type = Datetime)]
        placed_at: NaiveDateTime,
    }
    let rows: Vec<W> = diesel::sql_query(
        "SELECT number, placed_at FROM orders WHERE status = 'pending' AND placed_at < ? ORDER BY placed_at LIMIT 50",
    )
    .bind::<Datetime, _>(older_than.naive_utc())
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|w| (w.number, w.placed_at.and_utc()))
        .collect())
}

/// Average units per order over orders placed since `since` (1 if none).
pub async fn units_per_order(conn: &mut Conn, since: DateTime<Utc>) -> anyhow::Result<f64> {
    #[derive(diesel::QueryableByName)]
    struct U {
        #[diesel(sql_type = Nullable<Double>)]
        u: Option<f64>,
    }
    let u: U = diesel::sql_query(format!(
        "SELECT CAST(SUM(l.quantity) / COUNT(DISTINCT o.id) AS DOUBLE) AS u FROM order_lines l \
         JOIN orders o ON o.id = l.order_id WHERE o.placed_at >= ? AND o.status IN ({SOLD})"
    ))
    .bind::<Datetime, _>(since.naive_utc())
    .get_result(conn)
    .await?;
    Ok(u.u.filter(|u| u.is_finite() && *u > 0.0).unwrap_or(1.0))
}

/// Display names of catalog items by sku.
pub async fn item_names(
    conn: &mut Conn,
) -> anyhow::Result<std::collections::HashMap<String, String>> {
    let items = chatorder_orders::read::catalog(conn).await?;
    Ok(items
        .into_iter()
        .map(|i| (i.sku.to_string(), i.display_name()))
        .collect())
}
