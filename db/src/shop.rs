//! The owners' pause of new orders: one `shop_pause` row while paused. Read
//! by every order-worker replica inside its batch's transaction (and by the
//! demand worker), so a pause holds everywhere and survives restarts.

use chatorder_shared::events::ShopPause;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::pool::Conn;
use crate::schema::shop_pause;

/// The only row's key.
const ROW: i8 = 1;

/// The pause on record, even one whose time is up (the caller asks
/// [`ShopPause::holds_at`]).
pub async fn pause(conn: &mut Conn) -> anyhow::Result<Option<ShopPause>> {
    let row: Option<(
        chrono::NaiveDateTime,
        Option<chrono::NaiveDateTime>,
        Option<String>,
    )> = shop_pause::table
        .find(ROW)
        .select((shop_pause::since, shop_pause::ends_at, shop_pause::reason))
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|(since, until, reason)| ShopPause {
        since: since.and_utc(),
        until: until.map(|u| u.and_utc()),
        reason,
    }))
}

/// Records `pause` (replacing any), or clears it with `None`.
pub async fn set_pause(
    conn: &mut Conn,
    pause: Option<&ShopPause>,
    by: &str,
    command_id: &str,
) -> anyhow::Result<()> {
    let Some(p) = pause else {
        diesel::delete(shop_pause::table.find(ROW))
            .execute(conn)
            .await?;
        return Ok(());
    };
    let values = (
        shop_pause::id.eq(ROW),
        shop_pause::since.eq(p.since.naive_utc()),
        shop_pause::ends_at.eq(p.until.map(|u| u.naive_utc())),
        shop_pause::reason.eq(p.reason.as_deref()),
        shop_pause::paused_by.eq(by),
        shop_pause::command_id.eq(command_id),
    );
    diesel::replace_into(shop_pause::table)
        .values(values)
        .execute(conn)
        .await?;
    Ok(())
}
