//! Promo codes (`promo_codes`) and the orders that used them
//! (`promo_uses`). The order worker reads the codes a batch names with a
//! row lock, inside the batch's transaction: a replica placing an order
//! with a code waits for any other replica holding it, then sees its
//! committed count, so the last use goes to exactly one order. Uses are
//! counted with `uses = uses + n` in the same transaction as the orders.

use std::collections::HashSet;

use chatorder_shared::promo::{Discount, Promo, PromoCode, PromoTerms};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Unsigned, Varchar};
use diesel_async::RunQueryDsl;

use crate::models::BadRow;
use crate::pool::Conn;
use crate::schema::{promo_codes, promo_uses};

type Row = (
    String,
    String,
    i64,
    Option<i64>,
    Option<chrono::NaiveDate>,
    Option<chrono::NaiveDate>,
    Option<u32>,
    u32,
    bool,
    bool,
);

fn columns() -> (
    promo_codes::code,
    promo_codes::kind,
    promo_codes::value,
    promo_codes::min_total_minor,
    promo_codes::valid_from,
    promo_codes::valid_until,
    promo_codes::max_uses,
    promo_codes::uses,
    promo_codes::once_per_customer,
    promo_codes::enabled,
) {
    (
        promo_codes::code,
        promo_codes::kind,
        promo_codes::value,
        promo_codes::min_total_minor,
        promo_codes::valid_from,
        promo_codes::valid_until,
        promo_codes::max_uses,
        promo_codes::uses,
        promo_codes::once_per_customer,
        promo_codes::enabled,
    )
}

fn from_row(r: Row) -> Result<Promo, BadRow> {
    let bad = |what: String| BadRow {
        table: "promo_codes",
        key: r.0.clone(),
        what,
    };
    let code = PromoCode::parse(&r.0).map_err(|e| bad(e.to_string()))?;
    let discount = Discount::from_parts(&r.1, r.2)
        .ok_or_else(|| bad(format!("discount `{}` {}", r.1, r.2)))?;
    Ok(Promo {
        terms: PromoTerms {
            code,
            discount,
            min_total_minor: r.3,
            from: r.4,
            until: r.5,
            max_uses: r.6,
            once_per_customer: r.8,
        },
        enabled: r.9,
        uses: r.7,
    })
}

/// The codes named, locked for update when `lock` (inside a transaction).
/// Codes that do not exist are simply absent.
pub async fn by_code(
    conn: &mut Conn,
    codes: &[&PromoCode],
    lock: bool,
) -> anyhow::Result<Vec<Promo>> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    let mut names: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
    // One lock order for every replica: no deadlock between two batches.
    names.sort_unstable();
    names.dedup();
    let query = promo_codes::table
        .filter(promo_codes::code.eq_any(names))
        .order(promo_codes::code)
        .select(columns());
    let rows: Vec<Row> = if lock {
        query.for_update().load(conn).await?
    } else {
        query.load(conn).await?
    };
    Ok(rows.into_iter().map(from_row).collect::<Result<_, _>>()?)
}

/// Every code, newest first (the owners' `/promo list`).
pub async fn all(conn: &mut Conn) -> anyhow::Result<Vec<Promo>> {
    let rows: Vec<Row> = promo_codes::table
        .order(promo_codes::created_at.desc())
        .select(columns())
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(from_row).collect::<Result<_, _>>()?)
}

/// Which of `pairs` (code, customer key) have used their code before.
pub async fn used_by(
    conn: &mut Conn,
    pairs: &[(&PromoCode, &str)],
) -> anyhow::Result<HashSet<(String, String)>> {
    if pairs.is_empty() {
        return Ok(HashSet::new());
    }
    let codes: Vec<&str> = pairs.iter().map(|(c, _)| c.as_str()).collect();
    let customers: Vec<&str> = pairs.iter().map(|(_, k)| *k).collect();
    let found: Vec<(String, String)> = promo_uses::table
        .filter(promo_uses::code.eq_any(codes))
        .filter(promo_uses::customer_id.eq_any(customers))
        .select((promo_uses::code, promo_uses::customer_id))
        .distinct()
        .load(conn)
        .await?;
    Ok(found.into_iter().collect())
}

/// A new code; the caller made sure it does not exist (a racing create
/// fails on the primary key and is retried, then refused).
pub async fn create(
    conn: &mut Conn,
    terms: &PromoTerms,
    by: &str,
    command_id: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    diesel::insert_into(promo_codes::table)
        .values((
            promo_codes::code.eq(terms.code.as_str()),
            promo_codes::kind.eq(terms.discount.kind()),
            promo_codes::value.eq(terms.discount.value()),
            promo_codes::min_total_minor.eq(terms.min_total_minor),
            promo_codes::valid_from.eq(terms.from),
            promo_codes::valid_until.eq(terms.until),
            promo_codes::max_uses.eq(terms.max_uses),
            promo_codes::uses.eq(0u32),
            promo_codes::once_per_customer.eq(terms.once_per_customer),
            promo_codes::enabled.eq(true),
            promo_codes::created_by.eq(by),
            promo_codes::created_at.eq(at.naive_utc()),
            promo_codes::command_id.eq(command_id),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Switches a code off.
pub async fn disable(conn: &mut Conn, code: &PromoCode) -> anyhow::Result<()> {
    diesel::update(promo_codes::table.find(code.as_str()))
        .set(promo_codes::enabled.eq(false))
        .execute(conn)
        .await?;
    Ok(())
}

/// One order's use of a code.
#[derive(Debug, Clone)]
pub struct Use {
    pub order_id: String,
    pub code: PromoCode,
    pub customer_id: String,
    pub once_per_customer: bool,
    pub discount_minor: i64,
}

/// Records the batch's uses and counts them on their codes. The count can
/// only pass `max_uses` if the caller's rules were wrong: the update is
/// conditional and a shortfall fails the transaction.
pub async fn record_uses(conn: &mut Conn, uses: &[Use], at: DateTime<Utc>) -> anyhow::Result<()> {
    if uses.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = uses
        .iter()
        .map(|u| {
            (
                promo_uses::order_id.eq(&u.order_id),
                promo_uses::code.eq(u.code.as_str()),
                promo_uses::customer_id.eq(&u.customer_id),
                promo_uses::once_key.eq(u.once_per_customer.then_some(u.customer_id.as_str())),
                promo_uses::discount_minor.eq(u.discount_minor),
                promo_uses::used_at.eq(at.naive_utc()),
            )
        })
        .collect();
    diesel::insert_into(promo_uses::table)
        .values(rows)
        .execute(conn)
        .await?;
    let mut counts: std::collections::BTreeMap<&str, u32> = std::collections::BTreeMap::new();
    for u in uses {
        *counts.entry(u.code.as_str()).or_default() += 1;
    }
    for (code, n) in counts {
        let changed = diesel::sql_query(
            "UPDATE promo_codes SET uses = uses + ? \
             WHERE code = ? AND (max_uses IS NULL OR uses + ? <= max_uses)",
        )
        .bind::<Unsigned<Integer>, _>(n)
        .bind::<Varchar, _>(code)
        .bind::<Unsigned<Integer>, _>(n)
        .execute(conn)
        .await?;
        anyhow::ensure!(
            changed == 1,
            "promo code {code}: {n} more uses would pass its limit; the batch is retried"
        );
    }
    Ok(())
}
