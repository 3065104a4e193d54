//! Order numbers for the new orders of batches applied side by side, taken
//! from the counter row outside their transactions.
//!
//! Taken inside a batch's transaction, the counter's row stays locked from
//! the update to the commit, and batches applied side by side wait for each
//! other's writes (timed: the statements from the update to the commit
//! took about 16 ms of each batch's 50 at 7,500 orders/s, so the lock was
//! nearly always held). Here a batch takes its numbers once its rules have
//! run and it knows how many orders it places, on a connection of its own,
//! in one autocommitted statement: the lock lasts that statement. A batch
//! applied alone still takes its numbers inside its transaction
//! ([`crate::apply::NumberSource`]): it waits for no one, and it saves the
//! autocommit's fsync.
//!
//! A batch whose transaction fails before its commit gives its numbers back,
//! and the next batches use them first, so numbers have no gap unless a
//! worker dies (or loses MySQL in the middle of its commit) between taking
//! numbers and committing. Batches side by side may commit their numbers
//! out of order: #1200 can be announced a moment before #1100.

use std::collections::BTreeSet;

use chatorder_db::pool::Conn;
use chatorder_shared::domain::OrderNumber;
use secrecy::SecretString;

/// Hands out order numbers to one worker's batches.
pub struct Numbers {
    url: SecretString,
    /// The connection numbers are reserved on (none until first needed, or
    /// after it failed).
    conn: tokio::sync::Mutex<Option<Conn>>,
    /// Numbers given back by batches that failed, used first.
    spare: std::sync::Mutex<BTreeSet<u64>>,
}

impl Numbers {
    pub fn new(url: SecretString) -> Self {
        Self {
            url,
            conn: tokio::sync::Mutex::new(None),
            spare: std::sync::Mutex::new(BTreeSet::new()),
        }
    }

    /// `count` numbers, the smallest spare ones first, in increasing order.
    pub async fn take(&self, count: usize) -> anyhow::Result<Vec<OrderNumber>> {
        let mut out: Vec<u64> = {
            let mut spare = self.spare.lock().unwrap_or_else(|p| p.into_inner());
            let mut out = Vec::with_capacity(count);
            while out.len() < count {
                match spare.pop_first() {
                    Some(n) => out.push(n),
                    None => break,
                }
            }
            out
        };
        let more = count - out.len();
        if more > 0 {
            match self.reserve(more).await {
                Ok(first) => out.extend(first..first + more as u64),
                Err(e) => {
                    self.give_back(out.into_iter().map(OrderNumber));
                    return Err(e);
                }
            }
        }
        Ok(out.into_iter().map(OrderNumber).collect())
    }

    /// Numbers a batch took but did not commit, for the next batches.
    pub fn give_back(&self, numbers: impl IntoIterator<Item = OrderNumber>) {
        let mut spare = self.spare.lock().unwrap_or_else(|p| p.into_inner());
        spare.extend(numbers.into_iter().map(|n| n.0));
    }

    async fn reserve(&self, count: usize) -> anyhow::Result<u64> {
        let mut conn = self.conn.lock().await;
        if conn.is_none() {
            *conn = Some(chatorder_db::pool::connect(&self.url).await?);
        }
        let Some(c) = conn.as_mut() else {
            unreachable!("connected above")
        };
        match chatorder_db::numbers::reserve(c, count).await {
            Ok(first) => Ok(u64::try_from(first)?),
            Err(e) => {
                // Opened again next time: it may be the connection that broke.
                *conn = None;
                Err(e.context("taking order numbers"))
            }
        }
    }
}
