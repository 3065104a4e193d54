//! Order numbers (`#1042`) from one counter row in MySQL.

use diesel::{ExpressionMethods as _, QueryDsl as _};
use diesel_async::RunQueryDsl as _;

use crate::pool::Conn;
use crate::schema::order_numbers;

/// Takes `count` consecutive order numbers from the counter row (inside the
/// caller's transaction, which holds the row lock until it commits) and
/// returns the first.
pub async fn take_numbers(conn: &mut Conn, count: usize) -> anyhow::Result<i64> {
    let k = i64::try_from(count)?;
    diesel::update(order_numbers::table.filter(order_numbers::id.eq(1)))
        .set(order_numbers::next_number.eq(order_numbers::next_number + k))
        .execute(conn)
        .await?;
    let after: i64 = order_numbers::table
        .filter(order_numbers::id.eq(1))
        .select(order_numbers::next_number)
        .first(conn)
        .await?;
    Ok(after - k)
}

/// Takes `count` consecutive numbers in one statement of their own and
/// returns the first: call it outside any transaction (autocommit), so the
/// counter's row is locked only while that statement runs.
pub async fn reserve(conn: &mut Conn, count: usize) -> anyhow::Result<i64> {
    let k = i64::try_from(count)?;
    // `next_number = LAST_INSERT_ID(next_number + k)`: the connection
    // remembers the new value for the SELECT below. Both are Diesel queries
    // of a fixed shape, prepared once per connection and then reused.
    diesel::update(order_numbers::table.filter(order_numbers::id.eq(1)))
        .set(
            order_numbers::next_number
                .eq(remember_as_last_insert_id(order_numbers::next_number + k)),
        )
        .execute(conn)
        .await?;
    let after: i64 = diesel::select(last_insert_id()).get_result(conn).await?;
    Ok(after - k)
}

diesel::define_sql_function! {
    /// The value this connection last gave `LAST_INSERT_ID(…)`.
    #[sql_name = "LAST_INSERT_ID"]
    fn last_insert_id() -> BigInt;
}

diesel::define_sql_function! {
    /// `LAST_INSERT_ID(x)`: `x`, which the connection also remembers as its
    /// last insert id.
    #[sql_name = "LAST_INSERT_ID"]
    fn remember_as_last_insert_id(x: diesel::sql_types::BigInt) -> diesel::sql_types::BigInt;
}
