//! Redis as a cache of order snapshots, the pending queue, customers' order
//! lists and the catalog.
//!
//! Redis is never the truth. Every call has a short timeout; after a failure
//! the cache is skipped for a moment (reads go to MySQL, slower) and
//! `chatorder_cache_up` drops to 0. Writes that could not reach Redis are
//! remembered and the affected keys are deleted once it answers again, so a
//! Redis that comes back never serves what it missed. Snapshots carry the
//! order version and a script refuses to overwrite a newer one with an older
//! one.

use std::collections::HashSet;
use std::sync::Mutex as SyncMutex;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use chatorder_shared::config::RedisSettings;
use chatorder_shared::domain::{OrderNumber, OrderStatus};
use chatorder_shared::events::{CatalogItem, OrderSnapshot};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use secrecy::ExposeSecret as _;
use tokio::sync::Mutex;

use crate::metrics as m;

/// Sets each snapshot only if it is newer, and keeps the pending set in
/// step. `KEYS[1]` is the pending set, `KEYS[1 + i]` order i's key;
/// `ARGV[1]` the snapshots' time to live, then five arguments per order:
/// version, JSON, number, `1` if pending, score (placed at, ms). One call
/// for many orders: a script call costs Redis more than the few commands
/// it runs, so one per order was most of the cache's cost under load.
/// Returns how many snapshots were set.
const SET_ORDERS: &str = r"
local set = 0
for i = 2, #KEYS do
  local a = 1 + (i - 2) * 5
  local cur = redis.call('HGET', KEYS[i], 'v')
  if not cur or tonumber(cur) < tonumber(ARGV[a + 1]) then
    redis.call('HSET', KEYS[i], 'v', ARGV[a + 1], 'json', ARGV[a + 2])
    redis.call('EXPIRE', KEYS[i], ARGV[1])
    if ARGV[a + 4] == '1' then
      redis.call('ZADD', KEYS[1], ARGV[a + 5], ARGV[a + 3])
    else
      redis.call('ZREM', KEYS[1], ARGV[a + 3])
    end
    set = set + 1
  end
end
return set
";

/// Most orders one [`SET_ORDERS`] call takes: a script holds Redis while it
/// runs (about 10 µs an order), so a long list goes in several calls.
const SET_ORDERS_CHUNK: usize = 100;

/// How long the cache is skipped after a failure.
const BACKOFF_MS: i64 = 1000;

/// What a failed write left behind, to delete when Redis answers again.
#[derive(Default)]
struct Dirty {
    any: bool,
    orders: HashSet<u64>,
    customers: HashSet<String>,
}

pub struct Cache {
    client: Option<redis::Client>,
    conn: Mutex<Option<ConnectionManager>>,
    prefix: String,
    timeout: Duration,
    snapshot_ttl: u64,
    list_ttl: u64,
    skip_until_ms: AtomicI64,
    up: AtomicBool,
    dirty: SyncMutex<Dirty>,
    set_orders_sha: String,
}

type Res<T> = Result<T, ()>;

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Cache {
    /// Never fails: a bad URL or an absent Redis only means cache misses.
    pub fn new(settings: &RedisSettings) -> Self {
        let client = match redis::Client::open(settings.url.expose_secret()) {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::error!(error = %e, "redis.url is not usable; running without the cache");
                None
            }
        };
        Self {
            client,
            conn: Mutex::new(None),
            prefix: settings.prefix.clone(),
            timeout: Duration::from_millis(settings.timeout_ms.max(1)),
            snapshot_ttl: settings.snapshot_ttl_seconds.max(1),
            list_ttl: settings.list_ttl_seconds.max(1),
            skip_until_ms: AtomicI64::new(0),
            up: AtomicBool::new(true),
            dirty: SyncMutex::new(Dirty::default()),
            set_orders_sha: redis::Script::new(SET_ORDERS).get_hash().to_owned(),
        }
    }

    fn key(&self, rest: &str) -> String {
        format!("{}{rest}", self.prefix)
    }
    fn order_key(&self, n: OrderNumber) -> String {
        self.key(&format!("order:{}", n.0))
    }
    fn pending_key(&self) -> String {
        self.key("pending")
    }
    fn pending_warm_key(&self) -> String {
        self.key("pending:warm")
    }
    fn customer_key(&self, customer: &str) -> String {
        self.key(&format!("customer:{customer}:orders"))
    }
    fn catalog_key(&self) -> String {
        self.key("catalog")
    }

    /// A connection, or `Err` while Redis is known to be away.
    async fn conn(&self) -> Res<ConnectionManager> {
        if now_ms() < self.skip_until_ms.load(Ordering::Relaxed) {
            return Err(());
        }
        let client = self.client.as_ref().ok_or(())?;
        let mut guard = self.conn.lock().await;
        if let Some(c) = guard.as_ref() {
            return Ok(c.clone());
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        match tokio::time::timeout(
            self.timeout * 2,
            ConnectionManager::new_with_config(client.clone(), config),
        )
        .await
        {
            Ok(Ok(c)) => {
                *guard = Some(c.clone());
                Ok(c)
            }
            Ok(Err(e)) => {
                self.failed(&e.to_string());
                Err(())
            }
            Err(_) => {
                self.failed("connecting timed out");
                Err(())
            }
        }
    }

    fn failed(&self, why: &str) {
        self.skip_until_ms
            .store(now_ms() + BACKOFF_MS, Ordering::Relaxed);
        m::set_cache_up(false);
        if self.up.swap(false, Ordering::Relaxed) {
            tracing::warn!(
                error = why,
                "Redis is unreachable; serving from MySQL until it answers"
            );
        }
    }

    fn recovered(&self) {
        m::set_cache_up(true);
        if !self.up.swap(true, Ordering::Relaxed) {
            tracing::info!("Redis answers again; cache back in use");
        }
    }

    /// Runs one Redis call (or pipeline) with the timeout and bookkeeping.
    async fn run<T: redis::FromRedisValue>(&self, op: &'static str, cmd: Call<'_>) -> Res<T> {
        let mut conn = self.conn().await.inspect_err(|()| m::cache(op, "error"))?;
        self.repair(&mut conn).await?;
        let fut = async {
            match cmd {
                Call::Cmd(c) => c.query_async::<T>(&mut conn).await,
                Call::Pipe(p) => p.query_async::<T>(&mut conn).await,
            }
        };
        match tokio::time::timeout(self.timeout, fut).await {
            Ok(Ok(v)) => {
                self.recovered();
                Ok(v)
            }
            Ok(Err(e)) => {
                m::cache(op, "error");
                self.failed(&e.to_string());
                Err(())
            }
            Err(_) => {
                m::cache(op, "error");
                self.failed("timed out");
                Err(())
            }
        }
    }

    /// Deletes what failed writes may have left stale.
    async fn repair(&self, conn: &mut ConnectionManager) -> Res<()> {
        let (orders, customers) = {
            let Ok(mut d) = self.dirty.lock() else {
                return Ok(());
            };
            if !d.any {
                return Ok(());
            }
            d.any = false;
            (
                std::mem::take(&mut d.orders),
                std::mem::take(&mut d.customers),
            )
        };
        let mut pipe = redis::pipe();
        pipe.del(self.pending_warm_key()).ignore();
        pipe.del(self.pending_key()).ignore();
        pipe.del(self.catalog_key()).ignore();
        for n in &orders {
            pipe.del(self.order_key(OrderNumber(*n))).ignore();
        }
        for c in &customers {
            pipe.del(self.customer_key(c)).ignore();
        }
        match tokio::time::timeout(self.timeout, pipe.query_async::<()>(conn)).await {
            Ok(Ok(())) => {
                tracing::info!(orders = orders.len(), "cache repaired after Redis was away");
                Ok(())
            }
            _ => {
                self.mark_dirty(
                    orders.iter().map(|n| OrderNumber(*n)),
                    customers.iter().cloned(),
                );
                self.failed("repair failed");
                Err(())
            }
        }
    }

    fn mark_dirty(
        &self,
        orders: impl IntoIterator<Item = OrderNumber>,
        customers: impl IntoIterator<Item = String>,
    ) {
        if let Ok(mut d) = self.dirty.lock() {
            d.any = true;
            d.orders.extend(orders.into_iter().map(|n| n.0));
            d.customers.extend(customers);
        }
    }

    /// After a commit: newer snapshots in, pending set in step, customers'
    /// lists and (if changed) the catalog invalidated. One round trip.
    pub async fn orders_changed(
        &self,
        orders: &[OrderSnapshot],
        customers: &[String],
        catalog: bool,
    ) {
        if orders.is_empty() && customers.is_empty() && !catalog {
            return;
        }
        let mut pipe = redis::pipe();
        self.push_set_orders(&mut pipe, orders);
        let mut stale: Vec<String> = customers.iter().map(|c| self.customer_key(c)).collect();
        if catalog {
            stale.push(self.catalog_key());
        }
        if !stale.is_empty() {
            pipe.del(stale).ignore();
        }
        if self.run::<()>("write", Call::Pipe(&pipe)).await.is_err() {
            self.mark_dirty(orders.iter().map(|o| o.number), customers.iter().cloned());
        }
    }

    /// Adds the snapshots to `pipe`: the script (loaded if Redis has lost
    /// it), then one call of it per [`SET_ORDERS_CHUNK`] orders.
    fn push_set_orders(&self, pipe: &mut redis::Pipeline, orders: &[OrderSnapshot]) {
        if orders.is_empty() {
            return;
        }
        pipe.cmd("SCRIPT").arg("LOAD").arg(SET_ORDERS).ignore();
        for chunk in orders.chunks(SET_ORDERS_CHUNK) {
            let call = pipe
                .cmd("EVALSHA")
                .arg(&self.set_orders_sha)
                .arg(chunk.len() + 1)
                .arg(self.pending_key());
            for o in chunk {
                call.arg(self.order_key(o.number));
            }
            call.arg(self.snapshot_ttl);
            for o in chunk {
                call.arg(o.version)
                    .arg(serde_json::to_string(o).unwrap_or_default())
                    .arg(o.number.0)
                    .arg(if o.status == OrderStatus::Pending {
                        "1"
                    } else {
                        "0"
                    })
                    .arg(o.placed_at.timestamp_millis());
            }
            call.ignore();
        }
    }

    /// Read-through fill after a miss; never overwrites a newer snapshot.
    pub async fn put_orders(&self, orders: &[OrderSnapshot]) {
        if orders.is_empty() {
            return;
        }
        let mut pipe = redis::pipe();
        self.push_set_orders(&mut pipe, orders);
        let _ = self.run::<()>("fill", Call::Pipe(&pipe)).await;
    }

    /// Snapshots by number: `Err` if Redis is away, `None` per miss.
    pub async fn get_orders(&self, numbers: &[OrderNumber]) -> Res<Vec<Option<OrderSnapshot>>> {
        if numbers.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        for n in numbers {
            pipe.hget(self.order_key(*n), "json");
        }
        let raw: Vec<Option<String>> = self.run("get", Call::Pipe(&pipe)).await?;
        Ok(raw
            .into_iter()
            .map(|r| {
                let hit = r.and_then(|j| serde_json::from_str::<OrderSnapshot>(&j).ok());
                m::cache("get", if hit.is_some() { "hit" } else { "miss" });
                hit
            })
            .collect())
    }

    /// A page of the pending queue (numbers, oldest first) and its length,
    /// or `None` if the pending set has not been built since Redis started.
    pub async fn pending_page(
        &self,
        limit: u32,
        offset: u32,
    ) -> Res<Option<(Vec<OrderNumber>, u64)>> {
        let mut pipe = redis::pipe();
        pipe.exists(self.pending_warm_key());
        pipe.zcard(self.pending_key());
        let stop = i64::from(offset) + i64::from(limit) - 1;
        pipe.zrange(
            self.pending_key(),
            isize::try_from(offset).unwrap_or(0),
            isize::try_from(stop).unwrap_or(0),
        );
        let (warm, total, members): (bool, u64, Vec<u64>) =
            self.run("pending", Call::Pipe(&pipe)).await?;
        m::cache("pending", if warm { "hit" } else { "miss" });
        Ok(warm.then(|| (members.into_iter().map(OrderNumber).collect(), total)))
    }

    /// Fills the pending set from MySQL's list of pending orders.
    pub async fn warm_pending(&self, index: &[(OrderNumber, i64)]) {
        let mut pipe = redis::pipe();
        for chunk in index.chunks(500) {
            let items: Vec<(i64, u64)> = chunk.iter().map(|(n, at)| (*at, n.0)).collect();
            pipe.zadd_multiple(self.pending_key(), &items).ignore();
        }
        pipe.set(self.pending_warm_key(), 1).ignore();
        let _ = self.run::<()>("warm", Call::Pipe(&pipe)).await;
    }

    /// Drops numbers the pending set holds but that are no longer pending.
    pub async fn forget_pending(&self, numbers: &[OrderNumber]) {
        if numbers.is_empty() {
            return;
        }
        let mut cmd = redis::cmd("ZREM");
        cmd.arg(self.pending_key());
        for n in numbers {
            cmd.arg(n.0);
        }
        let _ = self.run::<()>("write", Call::Cmd(&cmd)).await;
    }

    pub async fn get_customer_orders(&self, customer: &str) -> Res<Option<Vec<OrderSnapshot>>> {
        let mut cmd = redis::cmd("GET");
        cmd.arg(self.customer_key(customer));
        let raw: Option<String> = self.run("customer", Call::Cmd(&cmd)).await?;
        let hit = raw.and_then(|j| serde_json::from_str(&j).ok());
        m::cache("customer", if hit.is_some() { "hit" } else { "miss" });
        Ok(hit)
    }

    pub async fn put_customer_orders(&self, customer: &str, orders: &[OrderSnapshot]) {
        let json = serde_json::to_string(orders).unwrap_or_default();
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.customer_key(customer))
            .arg(json)
            .arg("EX")
            .arg(self.list_ttl);
        let _ = self.run::<()>("fill", Call::Cmd(&cmd)).await;
    }

    pub async fn get_catalog(&self) -> Res<Option<Vec<CatalogItem>>> {
        let mut cmd = redis::cmd("GET");
        cmd.arg(self.catalog_key());
        let raw: Option<String> = self.run("catalog", Call::Cmd(&cmd)).await?;
        let hit = raw.and_then(|j| serde_json::from_str(&j).ok());
        m::cache("catalog", if hit.is_some() { "hit" } else { "miss" });
        Ok(hit)
    }

    pub async fn put_catalog(&self, items: &[CatalogItem]) {
        let json = serde_json::to_string(items).unwrap_or_default();
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.catalog_key())
            .arg(json)
            .arg("EX")
            .arg(self.list_ttl);
        let _ = self.run::<()>("fill", Call::Cmd(&cmd)).await;
    }
}

enum Call<'a> {
    Cmd(&'a redis::Cmd),
    Pipe(&'a redis::Pipeline),
}
