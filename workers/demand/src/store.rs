//! The demand worker's MySQL: what sold (read from the order tables), which
//! model serves, the forecasts and how they did. Queries take `&mut Conn` so
//! they compose in one transaction.

use chatorder_db::pool::Conn;
use chatorder_db::schema::{demand_forecasts, forecast_accuracy, model_runs, order_lines, orders};
use chatorder_shared::domain::OrderStatus;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Datetime, Double, Nullable, Varchar};
use diesel_async::RunQueryDsl;

use crate::core::forecast::DayForecast;

/// The statuses that count as sold, for the aggregate queries below (our
/// own constants from [`OrderStatus`], never input).
fn sold_sql() -> String {
    OrderStatus::sold()
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Units sold since `since` (UTC): `(sku, at, qty)`, oldest first. `at`
/// is when the units were wanted: a scheduled order's time, else when it
/// was placed (a closed shop's orders for its opening are made then).
pub async fn sold_since(
    conn: &mut Conn,
    since: DateTime<Utc>,
) -> anyhow::Result<Vec<(String, DateTime<Utc>, u32)>> {
    let rows: Vec<(String, NaiveDateTime, Option<NaiveDateTime>, i32)> = order_lines::table
        .inner_join(orders::table)
        .filter(orders::status.eq_any(OrderStatus::sold()))
        .filter(orders::placed_at.ge(since.naive_utc()))
        .order(orders::placed_at)
        .select((
            order_lines::sku,
            orders::placed_at,
            orders::scheduled_for,
            order_lines::quantity,
        ))
        .load(conn)
        .await?;
    let mut sold: Vec<_> = rows
        .into_iter()
        .map(|(sku, placed, scheduled, qty)| {
            let at = scheduled.unwrap_or(placed).and_utc();
            (sku, at, u32::try_from(qty).unwrap_or(0))
        })
        .collect();
    sold.sort_by_key(|(_, at, _)| *at);
    Ok(sold)
}

/// One training run, as recorded.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = model_runs, check_for_backend(diesel::mysql::Mysql))]
pub struct ModelRun {
    pub id: i64,
    pub trained_at: NaiveDateTime,
    pub data_from: NaiveDate,
    pub data_to: NaiveDate,
    pub feature_version: String,
    pub model_path: String,
    pub train_seconds: f64,
    pub model_wape: f64,
    pub seasonal_naive_wape: f64,
    pub mean_28d_wape: f64,
    pub serving: String,
    pub note: String,
}

/// A run as written (its id comes from MySQL).
#[derive(Insertable)]
#[diesel(table_name = model_runs)]
struct NewRun<'a> {
    trained_at: NaiveDateTime,
    data_from: NaiveDate,
    data_to: NaiveDate,
    feature_version: &'a str,
    model_path: &'a str,
    train_seconds: f64,
    model_wape: f64,
    seasonal_naive_wape: f64,
    mean_28d_wape: f64,
    serving: &'a str,
    note: &'a str,
}

/// Records a run; returns its id.
pub async fn record_run(conn: &mut Conn, run: &ModelRun) -> anyhow::Result<i64> {
    diesel::insert_into(model_runs::table)
        .values(NewRun {
            trained_at: run.trained_at,
            data_from: run.data_from,
            data_to: run.data_to,
            feature_version: &run.feature_version,
            model_path: &run.model_path,
            train_seconds: run.train_seconds,
            model_wape: run.model_wape,
            seasonal_naive_wape: run.seasonal_naive_wape,
            mean_28d_wape: run.mean_28d_wape,
            serving: &run.serving,
            note: &run.note,
        })
        .execute(conn)
        .await?;
    let id: i64 = diesel::select(last_insert_id()).get_result(conn).await?;
    Ok(id)
}

diesel::define_sql_function! {
    /// MySQL's id of the row this connection inserted last.
    #[sql_name = "LAST_INSERT_ID"]
    fn last_insert_id() -> BigInt;
}

/// The newest run, if any.
pub async fn latest_run(conn: &mut Conn) -> anyhow::Result<Option<ModelRun>> {
    Ok(model_runs::table
        .order(model_runs::id.desc())
        .select(ModelRun::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Where the model of run `id` was saved, if the run exists.
pub async fn run_model_path(conn: &mut Conn, id: i64) -> anyhow::Result<Option<String>> {
    Ok(model_runs::table
        .filter(model_runs::id.eq(id))
        .select(model_runs::model_path)
        .first(conn)
        .await
        .optional()?)
}

/// One forecast hour as written.
#[derive(Insertable)]
#[diesel(table_name = demand_forecasts)]
struct NewForecastHour<'a> {
    day: NaiveDate,
    sku: &'a str,
    hour: i8,
    mean: f64,
    p10: f64,
    p90: f64,
    predictor: &'a str,
    model_run_id: Option<i64>,
    created_at: NaiveDateTime,
}

/// Stores a day's forecast (replacing an earlier one for that day).
pub async fn save_forecast(
    conn: &mut Conn,
    f: &DayForecast,
    run_id: Option<i64>,
) -> anyhow::Result<usize> {
    diesel::delete(demand_forecasts::table.filter(demand_forecasts::day.eq(f.date)))
        .execute(conn)
        .await?;
    let now = Utc::now().naive_utc();
    let mut rows = Vec::new();
    for item in &f.items {
        for h in &item.hours {
            rows.push(NewForecastHour {
                day: f.date,
                sku: &item.sku,
                hour: i8::try_from(h.hour).unwrap_or(0),
                mean: finite(h.units.mean),
                p10: f64::from(h.units.p10),
                p90: f64::from(h.units.p90),
                predictor: f.predictor.name(),
                model_run_id: run_id,
                created_at: now,
            });
        }
    }
    for chunk in rows.chunks(500) {
        diesel::insert_into(demand_forecasts::table)
            .values(chunk)
            .execute(conn)
            .await?;
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
    /// The model run that made the forecast (none for a baseline before any run).
    #[diesel(sql_type = Nullable<BigInt>)]
    pub model_run_id: Option<i64>,
}

pub async fn stored_forecast(
    conn: &mut Conn,
    day: NaiveDate,
) -> anyhow::Result<Vec<StoredItemDay>> {
    Ok(diesel::sql_query(
        "SELECT sku, SUM(mean) AS mean, MAX(predictor) AS predictor, \
         CAST(SUM(actual) AS SIGNED) AS actual, MAX(model_run_id) AS model_run_id \
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
    use demand_forecasts as f;
    diesel::update(f::table.filter(f::day.eq(day)))
        .set(f::actual.eq(Some(0)))
        .execute(conn)
        .await?;
    for (sku, hour, units) in actual {
        diesel::update(
            f::table
                .filter(f::day.eq(day))
                .filter(f::sku.eq(sku))
                .filter(f::hour.eq(i8::try_from(*hour).unwrap_or(0))),
        )
        .set(f::actual.eq(Some(i32::try_from(*units).unwrap_or(i32::MAX))))
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
    let predictor = <[StoredItemDay]>::first(&items).map_or("", |i| i.predictor.as_str());
    {
        use forecast_accuracy as a;
        diesel::replace_into(a::table)
            .values((
                a::day.eq(day),
                a::predictor.eq(predictor),
                a::forecast_units.eq(forecast_units),
                a::actual_units.eq(actual_units as i64),
                a::item_day_wape.eq(wape),
                a::computed_at.eq(Utc::now().naive_utc()),
            ))
            .execute(conn)
            .await?;
    }
    Ok(Some(wape))
}

/// When each order placed between `from` and `to` (UTC) that counts as
/// sold was placed.
pub async fn sold_orders_placed(
    conn: &mut Conn,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> anyhow::Result<Vec<DateTime<Utc>>> {
    let rows: Vec<NaiveDateTime> = orders::table
        .filter(orders::status.eq_any(OrderStatus::sold()))
        .filter(orders::placed_at.ge(from.naive_utc()))
        .filter(orders::placed_at.lt(to.naive_utc()))
        .select(orders::placed_at)
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|at| at.and_utc()).collect())
}

/// How the forecasts of the settled days from `from` to before `to` did,
/// oldest first.
pub async fn accuracy_between(
    conn: &mut Conn,
    from: NaiveDate,
    to: NaiveDate,
) -> anyhow::Result<Vec<chatorder_shared::owners::AccuracyDay>> {
    use forecast_accuracy as a;
    let rows: Vec<(NaiveDate, String, f64, i64, f64)> = a::table
        .filter(a::day.ge(from))
        .filter(a::day.lt(to))
        .order(a::day)
        .select((
            a::day,
            a::predictor,
            a::forecast_units,
            a::actual_units,
            a::item_day_wape,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(day, predictor, forecast_units, actual_units, item_day_wape)| {
                chatorder_shared::owners::AccuracyDay {
                    day,
                    predictor,
                    forecast_units,
                    actual_units,
                    item_day_wape,
                }
            },
        )
        .collect())
}

/// A day's trading figures for the owners' summary.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DayStats {
    pub orders: i64,
    /// After promo discounts: what customers paid.
    pub revenue_minor: i64,
    /// What promo codes took off the sold orders, and on how many.
    pub discount_minor: i64,
    pub discounted_orders: i64,
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
    let sold = sold_sql();
    #[derive(diesel::QueryableByName)]
    struct Counts {
        #[diesel(sql_type = BigInt)]
        orders: i64,
        #[diesel(sql_type = BigInt)]
        revenue: i64,
        #[diesel(sql_type = BigInt)]
        discount: i64,
        #[diesel(sql_type = BigInt)]
        discounted: i64,
        #[diesel(sql_type = BigInt)]
        cancelled: i64,
        #[diesel(sql_type = BigInt)]
        rejected: i64,
    }
    let (f, t) = (from.naive_utc(), to.naive_utc());
    let c: Counts = diesel::sql_query(format!(
        "SELECT COUNT(*) AS orders, \
         CAST(COALESCE(SUM(CASE WHEN status IN ({sold}) THEN total_minor END), 0) AS SIGNED) AS revenue, \
         CAST(COALESCE(SUM(CASE WHEN status IN ({sold}) THEN discount_minor END), 0) AS SIGNED) AS discount, \
         CAST(COALESCE(SUM(status IN ({sold}) AND discount_minor > 0), 0) AS SIGNED) AS discounted, \
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
         WHERE o.placed_at >= ? AND o.placed_at < ? AND o.status IN ({sold}) \
         GROUP BY l.name ORDER BY units DESC, l.name LIMIT 5"
    ))
    .bind::<Datetime, _>(f)
    .bind::<Datetime, _>(t)
    .load(conn)
    .await?;
    Ok(DayStats {
        orders: c.orders,
        revenue_minor: c.revenue,
        discount_minor: c.discount,
        discounted_orders: c.discounted,
        cancelled: c.cancelled,
        rejected: c.rejected,
        avg_accept_seconds: accept.seconds,
        avg_complete_seconds: complete.seconds,
        top_items: top.into_iter().map(|t| (t.name, t.units)).collect(),
    })
}

/// A pending order that has waited: its number, when it was placed, and
/// the time it was ordered for (a scheduled order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiting {
    pub number: i64,
    pub placed_at: DateTime<Utc>,
    pub scheduled_for: Option<DateTime<Utc>>,
}

/// Pending orders placed before `older_than`, oldest first (50 at most).
pub async fn waiting_orders(
    conn: &mut Conn,
    older_than: DateTime<Utc>,
) -> anyhow::Result<Vec<Waiting>> {
    #[derive(diesel::QueryableByName)]
    struct W {
        #[diesel(sql_type = BigInt)]
        number: i64,
        #[diesel(sql_type = Datetime)]
        placed_at: NaiveDateTime,
        #[diesel(sql_type = diesel::sql_types::Nullable<Datetime>)]
        scheduled_for: Option<NaiveDateTime>,
    }
    let rows: Vec<W> = diesel::sql_query(
        "SELECT number, placed_at, scheduled_for FROM orders WHERE status = 'pending' AND placed_at < ? ORDER BY placed_at LIMIT 50",
    )
    .bind::<Datetime, _>(older_than.naive_utc())
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|w| Waiting {
            number: w.number,
            placed_at: w.placed_at.and_utc(),
            scheduled_for: w.scheduled_for.map(|t| t.and_utc()),
        })
        .collect())
}

/// Average units per order over orders placed since `since` (1 if none).
pub async fn units_per_order(conn: &mut Conn, since: DateTime<Utc>) -> anyhow::Result<f64> {
    let sold = sold_sql();
    #[derive(diesel::QueryableByName)]
    struct U {
        #[diesel(sql_type = Nullable<Double>)]
        u: Option<f64>,
    }
    let u: U = diesel::sql_query(format!(
        "SELECT CAST(SUM(l.quantity) / COUNT(DISTINCT o.id) AS DOUBLE) AS u FROM order_lines l \
         JOIN orders o ON o.id = l.order_id WHERE o.placed_at >= ? AND o.status IN ({sold})"
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
    let items = chatorder_db::read::catalog(conn).await?;
    Ok(items
        .into_iter()
        .map(|i| (i.sku.to_string(), i.display_name()))
        .collect())
}
