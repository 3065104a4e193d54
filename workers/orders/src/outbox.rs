//! Publishing events from the outbox: at least once, `Nats-Msg-Id` = event
//! id so JetStream drops a duplicate inside its window.
//!
//! The worker that commits a batch publishes its events at once. The relay
//! publishes whatever is left behind (a crash between commit and publish, a
//! NATS hiccup), locking rows with `SKIP LOCKED` so replicas share the work.

use std::time::Duration;

use async_nats::jetstream;
use chatorder_bus::batch::Outgoing;
use diesel::prelude::*;
use diesel_async::{AsyncConnection as _, RunQueryDsl};
use tokio_util::sync::CancellationToken;

use crate::metrics as m;
use chatorder_db::models::OutboxRow;
use chatorder_db::pool::{Conn, DbPool};
use chatorder_db::read;
use chatorder_db::schema::outbox;
use chatorder_db::text_sql::Statements;

/// Publishes rows and waits for JetStream to store them. Returns the event
/// ids that were stored; the rest stay in the outbox for the relay. Many
/// rows (a full batch of commands, the relay catching up) go in atomic
/// batches, one fsync each ([`chatorder_bus::batch`]).
pub async fn publish(
    js: &jetstream::Context,
    rows: &[OutboxRow],
    batch_from: usize,
) -> Vec<String> {
    let messages: Vec<Outgoing> = rows
        .iter()
        .map(|row| Outgoing {
            subject: row.subject.clone(),
            msg_id: row.event_id.clone(),
            payload: row.payload.clone().into(),
        })
        .collect();
    let stored: Vec<String> = chatorder_bus::batch::publish_all(js, &messages, batch_from)
        .await
        .into_iter()
        .zip(rows)
        .filter(|(ok, _)| *ok)
        .map(|(_, row)| row.event_id.clone())
        .collect();
    let failed = rows.len() - stored.len();
    if failed > 0 {
        tracing::warn!(
            events = failed,
            "events not acknowledged; the relay will retry"
        );
        m::publish_errors(failed);
    }
    stored
}

/// Removes published events from the outbox (one round trip for up to
/// thousands: the statement goes as text, see [`Statements`]).
///
/// By the event-id index, forced: for a few hundred ids in a table that a
/// flood has filled with rows deleted but not yet purged, MariaDB would
/// otherwise estimate a scan of the whole table cheaper, and under load
/// that scan was most of the delete's cost.
pub async fn delete(conn: &mut Conn, event_ids: &[String]) -> anyhow::Result<()> {
    let mut sql = Statements::default();
    delete_statements(&mut sql, event_ids);
    sql.run(conn).await?;
    Ok(())
}

/// Adds the statements that remove `event_ids` from the outbox to `sql`
/// (none: nothing), as [`delete`] runs them.
pub fn delete_statements(sql: &mut Statements, event_ids: &[String]) {
    sql.delete_in(
        "DELETE outbox FROM outbox FORCE INDEX (outbox_event) WHERE event_id",
        event_ids,
    );
}

/// One relay pass: publishes up to `limit` rows older than `grace`.
/// Returns how many were published.
pub async fn relay_once(
    conn: &mut Conn,
    js: &jetstream::Context,
    grace: Duration,
    limit: i64,
    batch_from: usize,
) -> anyhow::Result<usize> {
    let cutoff = chrono::Utc::now().naive_utc() - chrono::Duration::from_std(grace)?;
    conn.transaction(async |conn| {
        let rows: Vec<OutboxRow> = outbox::table
            .filter(outbox::created_at.le(cutoff))
            .order(outbox::id)
            .limit(limit)
            .for_update()
            .skip_locked()
            .select(OutboxRow::as_select())
            .load(conn)
            .await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let stored = publish(js, &rows, batch_from).await;
        delete(conn, &stored).await?;
        m::published("relay", stored.len());
        Ok(stored.len())
    })
    .await
}

/// Relays the outbox and refreshes the backlog and pending gauges until
/// cancelled.
pub async fn relay_loop(
    pool: DbPool,
    js: jetstream::Context,
    poll: Duration,
    grace: Duration,
    batch_from: usize,
    cancel: CancellationToken,
) {
    let mut tick = tokio::time::interval(poll);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            _ = tick.tick() => {}
        }
        let mut conn = match pool.get().await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "outbox relay cannot reach MySQL; will retry");
                continue;
            }
        };
        loop {
            match relay_once(&mut conn, &js, grace, 500, batch_from).await {
                Ok(500) => continue,
                Ok(n) => {
                    if n > 0 {
                        tracing::info!(events = n, "outbox relay published events left behind");
                    }
                    break;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "outbox relay pass failed; will retry");
                    break;
                }
            }
        }
        let backlog: Result<i64, _> = outbox::table.count().get_result(&mut conn).await;
        if let Ok(n) = backlog {
            m::outbox_backlog(u64::try_from(n).unwrap_or(0));
        }
        if let Ok(n) = read::pending_count(&mut conn).await {
            m::pending(n);
        }
    }
}
