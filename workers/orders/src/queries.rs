//! Answers read queries over core NATS request/reply, as a queue group shared
//! by every replica: Redis first, MySQL behind it.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use chatorder_shared::config::Settings;
use chatorder_shared::domain::{Actor, OrderNumber, OrderStatus, Role};
use chatorder_shared::events::{CatalogItem, OrderSnapshot};
use chatorder_shared::queries::{
    Catalog, CustomerOrders, GetMessages, GetOrder, ListCatalog, ListOrders, ListPromos,
    MAX_QUERY_LIMIT, MessageEntry, MessageList, OrderList, OrderPage, PendingOrders, PromoList,
    PromoQuote, QueryRefusal, QueryReply, QuotePromo, StatusChange,
};
use chatorder_shared::subjects::{QueryKind, Subjects};
use futures::StreamExt as _;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

use crate::cache::Cache;
use crate::metrics as m;
use chatorder_db::pool::DbPool;
use chatorder_db::read;

/// Queue group every replica joins.
pub const QUEUE_GROUP: &str = "orders-workers";

/// Most queries answered at once per replica.
const MAX_IN_FLIGHT: usize = 64;

#[derive(Clone)]
pub struct QueryService {
    pub settings: Arc<Settings>,
    pub subjects: Subjects,
    pub pool: DbPool,
    pub cache: Arc<Cache>,
    pub client: async_nats::Client,
    pub owners: crate::owners::Owners,
}

/// An answer and where it came from, or why there is none (the bots word it).
type Answer<T> = Result<(T, &'static str), QueryRefusal>;

impl QueryService {
    /// Serves until cancelled; requests in progress are finished.
    pub async fn run(self, cancel: CancellationToken) -> anyhow::Result<()> {
        // Exactly the order worker's queries: `demand.query.*` belongs to
        // the demand worker.
        let mut subs = Vec::new();
        for base in ["orders.query.*", "orders.query.owner.*", "catalog.query.*"] {
            let subject = format!("{}{base}", self.subjects.prefix());
            subs.push(
                self.client
                    .queue_subscribe(subject.clone(), QUEUE_GROUP.to_owned())
                    .await
                    .with_context(|| format!("subscribing to {subject}"))?,
            );
        }
        tracing::info!(prefix = %self.subjects.prefix(), "order worker answering orders.query.* and catalog.query.*");
        let mut sub = futures::stream::select_all(subs);
        let limit = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
        loop {
            let msg = tokio::select! {
                () = cancel.cancelled() => break,
                msg = sub.next() => msg,
            };
            let Some(msg) = msg else { break };
            let Ok(permit) = limit.clone().acquire_owned().await else {
                break;
            };
            let this = self.clone();
            tokio::spawn(async move {
                this.answer(msg).await;
                drop(permit);
            });
        }
        for s in sub.iter_mut() {
            let _ = s.unsubscribe().await;
        }
        // Wait for answers in progress.
        let _ = limit.acquire_many(MAX_IN_FLIGHT as u32).await;
        Ok(())
    }

    async fn answer(&self, msg: async_nats::Message) {
        let Some(reply) = msg.reply.clone() else {
            return;
        };
        let started = Instant::now();
        let Some((role, kind)) = self.subjects.parse_query(&msg.subject) else {
            let body = reply_json::<()>(Err(QueryRefusal::UnknownQuery {
                subject: msg.subject.to_string(),
            }));
            let _ = self.client.publish(reply, body.into()).await;
            return;
        };
        let span = tracing::info_span!("query", query = kind.label());
        let (body, source, outcome) = async {
            match kind {
                QueryKind::Get => self.run_one(&msg.payload, |q| self.get(q, role)).await,
                QueryKind::Pending => self.run_one(&msg.payload, |q| self.pending(q, role)).await,
                QueryKind::Customer => self.run_one(&msg.payload, |q| self.customer(q, role)).await,
                QueryKind::Catalog => self.run_one(&msg.payload, |q| self.catalog(q)).await,
                QueryKind::List => self.run_one(&msg.payload, |q| self.list(q, role)).await,
                QueryKind::Messages => self.run_one(&msg.payload, |q| self.messages(q, role)).await,
                QueryKind::Promos => self.run_one(&msg.payload, |q| self.promos(q, role)).await,
                QueryKind::Quote => self.run_one(&msg.payload, |q| self.quote(q, role)).await,
            }
        }
        .instrument(span)
        .await;
        m::query(
            kind.label(),
            source,
            outcome,
            started.elapsed().as_secs_f64(),
        );
        if let Err(e) = self.client.publish(reply, body.into()).await {
            tracing::warn!(error = %e, "could not send a query reply");
        }
    }

    async fn run_one<'a, Q, T, F, Fut>(
        &'a self,
        payload: &[u8],
        f: F,
    ) -> (Vec<u8>, &'static str, &'static str)
    where
        Q: DeserializeOwned,
        T: Serialize,
        F: FnOnce(Q) -> Fut,
        Fut: Future<Output = Answer<T>> + 'a,
    {
        let max_bytes = chatorder_shared::envelope::MAX_COMMAND_BYTES;
        if payload.len() > max_bytes {
            return (
                reply_json::<()>(Err(QueryRefusal::TooLarge { max_bytes })),
                "none",
                "bad_request",
            );
        }
        let query: Q = match serde_json::from_slice(payload) {
            Ok(q) => q,
            Err(e) => {
                return (
                    reply_json::<()>(Err(QueryRefusal::BadRequest {
                        detail: e.to_string(),
                    })),
                    "none",
                    "bad_request",
                );
            }
        };
        match f(query).await {
            Ok((value, source)) => (reply_json(Ok(value)), source, "ok"),
            Err(e) => (reply_json::<()>(Err(e)), "none", "refused"),
        }
    }

    async fn check_owner(&self, actor: &Actor) -> Result<(), QueryRefusal> {
        // Looking needs the read scope; only commands need the owner's.
        match self
            .owners
            .check(actor, chatorder_shared::api_keys::Scope::Read)
            .await
        {
            Ok(true) => Ok(()),
            Ok(false) => Err(QueryRefusal::NotOwner),
            Err(e) => {
                tracing::error!(error = %e, "cannot check an API key");
                Err(QueryRefusal::Unavailable)
            }
        }
    }

    async fn db(&self) -> Result<deadpool_conn::Conn, QueryRefusal> {
        self.pool.get().await.map_err(|e| {
            tracing::error!(error = %e, "query cannot reach MySQL");
            QueryRefusal::Unavailable
        })
    }

    /// The role a query's subject grants must be the role its actor
    /// claims: owners ask on `orders.query.owner.*`, which only the owner
    /// bot may publish to (docs/security.md).
    fn check_subject_role(actor: &Actor, subject_role: Role) -> Result<(), QueryRefusal> {
        if actor.role == subject_role {
            Ok(())
        } else {
            Err(QueryRefusal::NotOwner)
        }
    }

    /// The promo codes with their uses, for owners.
    async fn promos(&self, q: ListPromos, subject_role: Role) -> Answer<PromoList> {
        if q.actor.role != Role::Owner {
            return Err(QueryRefusal::NotOwner);
        }
        Self::check_subject_role(&q.actor, subject_role)?;
        self.check_owner(&q.actor).await?;
        let mut conn = self.db().await?;
        let promos = chatorder_db::promo::all(&mut conn)
            .await
            .map_err(db_error)?;
        Ok((PromoList { promos }, "database"))
    }

    async fn get(&self, q: GetOrder, subject_role: Role) -> Answer<OrderSnapshot> {
        Self::check_subject_role(&q.actor, subject_role)?;
        if q.actor.role == Role::Owner {
            self.check_owner(&q.actor).await?;
        }
        let not_found = || QueryRefusal::NotFound { number: q.number };
        let (order, source) = match self.cache.get_orders(&[q.number]).await {
            Ok(mut hits) if hits.first().is_some_and(Option::is_some) => {
                (hits.swap_remove(0), "cache")
            }
            cached => {
                let mut conn = self.db().await?;
                let order = read::order(&mut conn, q.number).await.map_err(db_error)?;
                if cached.is_ok()
                    && let Some(o) = &order
                {
                    self.cache.put_orders(std::slice::from_ref(o)).await;
                }
                (order, "database")
            }
        };
        let order = order.ok_or_else(not_found)?;
        if q.actor.role == Role::Customer && order.customer.key != q.actor.key() {
            return Err(not_found());
        }
        Ok((order, source))
    }

    async fn pending(&self, q: PendingOrders, subject_role: Role) -> Answer<OrderPage> {
        Self::check_subject_role(&q.actor, subject_role)?;
        self.check_owner(&q.actor).await?;
        let limit = q.limit.clamp(1, MAX_QUERY_LIMIT);
        if let Ok(Some((numbers, total))) = self.cache.pending_page(limit, q.offset).await
            && let Ok(hits) = self.cache.get_orders(&numbers).await
        {
            let missing: Vec<OrderNumber> = numbers
                .iter()
                .zip(&hits)
                .filter(|(_, h)| h.is_none())
                .map(|(n, _)| *n)
                .collect();
            let mut orders: Vec<OrderSnapshot> = hits.into_iter().flatten().collect();
            let mut source = "cache";
            if !missing.is_empty() {
                let mut conn = self.db().await?;
                let loaded = read::orders_by_number(&mut conn, &missing, false)
                    .await
                    .map_err(db_error)?;
                self.cache.put_orders(&loaded).await;
                orders.extend(loaded);
                source = "cache+database";
            }
            // A stale member of the set is dropped, never shown.
            let stale: Vec<OrderNumber> = orders
                .iter()
                .filter(|o| o.status != OrderStatus::Pending)
                .map(|o| o.number)
                .collect();
            if stale.is_empty() {
                orders.sort_by_key(|o| (o.placed_at, o.number));
                return Ok((OrderPage { orders, total }, source));
            }
            self.cache.forget_pending(&stale).await;
        }
        let mut conn = self.db().await?;
        let (orders, total) = read::pending(&mut conn, limit, q.offset)
            .await
            .map_err(db_error)?;
        let index = read::pending_index(&mut conn).await.map_err(db_error)?;
        self.cache.warm_pending(&index).await;
        Ok((OrderPage { orders, total }, "database"))
    }

    async fn customer(&self, q: CustomerOrders, subject_role: Role) -> Answer<OrderPage> {
        if q.actor.role != Role::Customer || subject_role != Role::Customer {
            return Err(QueryRefusal::CustomersOnly);
        }
        let limit = q.limit.clamp(1, MAX_QUERY_LIMIT);
        let key = q.actor.key();
        // The cache holds the newest MAX_QUERY_LIMIT orders, enough for any page.
        let cached = self.cache.get_customer_orders(&key).await;
        if let Ok(Some(orders)) = cached {
            let orders: Vec<_> = orders.into_iter().take(limit as usize).collect();
            let total = orders.len() as u64;
            return Ok((OrderPage { orders, total }, "cache"));
        }
        let mut conn = self.db().await?;
        let orders = read::customer_orders(&mut conn, &key, MAX_QUERY_LIMIT)
            .await
            .map_err(db_error)?;
        if cached.is_ok() {
            self.cache.put_customer_orders(&key, &orders).await;
        }
        let orders: Vec<_> = orders.into_iter().take(limit as usize).collect();
        let total = orders.len() as u64;
        Ok((OrderPage { orders, total }, "database"))
    }

    /// Orders newest first, a page at a time: a customer's own, or any for
    /// an owner. One more than asked is read to know whether a page follows.
    async fn list(&self, q: ListOrders, subject_role: Role) -> Answer<OrderList> {
        Self::check_subject_role(&q.actor, subject_role)?;
        let key = q.actor.key();
        let customer_key = match q.actor.role {
            Role::Owner => {
                self.check_owner(&q.actor).await?;
                None
            }
            Role::Customer => Some(key.as_str()),
        };
        let limit = q.limit.clamp(1, MAX_QUERY_LIMIT);
        let filter = read::OrderFilter {
            customer_key,
            statuses: &q.statuses,
            placed_from: q.placed_from,
            placed_before: q.placed_before,
            before: q.before,
        };
        let mut conn = self.db().await?;
        let mut orders = read::order_page(&mut conn, &filter, limit + 1)
            .await
            .map_err(db_error)?;
        let next_before = if orders.len() > limit as usize {
            orders.truncate(limit as usize);
            orders.last().map(|o| o.number)
        } else {
            None
        };
        Ok((
            OrderList {
                orders,
                next_before,
            },
            "database",
        ))
    }

    /// The messages about one order and its history, with the same access
    /// as [`Self::get`]:
    /// a customer asking about someone else's order hears "not found".
    async fn messages(&self, q: GetMessages, subject_role: Role) -> Answer<MessageList> {
        let get = GetOrder {
            actor: q.actor,
            number: q.number,
        };
        let (order, _) = self.get(get, subject_role).await?;
        let mut conn = self.db().await?;
        let rows = read::order_messages(&mut conn, order.id)
            .await
            .map_err(db_error)?;
        let messages = rows
            .into_iter()
            .filter_map(|(from, text, at)| {
                let from = match from.as_str() {
                    "customer" => Role::Customer,
                    "owner" => Role::Owner,
                    other => {
                        tracing::warn!(from = other, "a message from an unknown role is skipped");
                        return None;
                    }
                };
                Some(MessageEntry { from, text, at })
            })
            .collect();
        let history = read::order_history(&mut conn, order.id)
            .await
            .map_err(db_error)?
            .into_iter()
            .filter_map(|row| status_change(row, subject_role == Role::Owner))
            .collect();
        Ok((
            MessageList {
                number: order.number,
                messages,
                history,
            },
            "database",
        ))
    }

    /// What a customer's promo code takes off their lines now, by the same
    /// check the order worker runs when the order comes (which decides).
    async fn quote(&self, q: QuotePromo, subject_role: Role) -> Answer<PromoQuote> {
        if q.actor.role != Role::Customer || subject_role != Role::Customer {
            return Err(QueryRefusal::CustomersOnly);
        }
        let (catalog, _) = self.catalog(ListCatalog {}).await?;
        let currency = self.settings.shop.currency;
        // An item missing here makes a subtotal the bot does not expect:
        // it tells the customer a price changed.
        let subtotal_minor = q
            .lines
            .iter()
            .filter_map(|l| {
                let item = catalog.items.iter().find(|i| i.sku == l.sku)?;
                item.price_minor.checked_mul(i64::from(l.qty))
            })
            .try_fold(0i64, i64::checked_add)
            .ok_or_else(|| QueryRefusal::BadRequest {
                detail: "the lines' total is too large".into(),
            })?;
        let key = q.actor.key();
        let mut conn = self.db().await?;
        let promo = chatorder_db::promo::by_code(&mut conn, &[&q.promo], false)
            .await
            .map_err(db_error)?
            .into_iter()
            .next();
        let used = chatorder_db::promo::used_by(&mut conn, &[(&q.promo, key.as_str())])
            .await
            .map_err(db_error)?;
        let used_before = used.contains(&(q.promo.as_str().to_owned(), key.clone()));
        let checked = chatorder_shared::promo::check(
            promo.as_ref(),
            chatorder_shared::domain::Money::new(subtotal_minor, currency),
            chrono::Utc::now(),
            self.settings.shop.time_zone,
            used_before,
        );
        let (discount_minor, problem) = match checked {
            Ok(d) => (d, None),
            Err(why) => (0, Some(why)),
        };
        Ok((
            PromoQuote {
                subtotal_minor,
                discount_minor,
                problem,
            },
            "database",
        ))
    }

    async fn catalog(&self, _q: ListCatalog) -> Answer<Catalog> {
        let cached = self.cache.get_catalog().await;
        if let Ok(Some(items)) = cached {
            return Ok((Catalog { items }, "cache"));
        }
        let mut conn = self.db().await?;
        let items: Vec<CatalogItem> = read::catalog(&mut conn).await.map_err(db_error)?;
        if cached.is_ok() {
            self.cache.put_catalog(&items).await;
        }
        Ok((Catalog { items }, "database"))
    }
}

mod deadpool_conn {
    pub type Conn = diesel_async::pooled_connection::deadpool::Object<chatorder_db::pool::Conn>;
}

fn db_error(e: anyhow::Error) -> QueryRefusal {
    tracing::error!(error = %format!("{e:#}"), "query failed in MySQL");
    QueryRefusal::Unavailable
}

fn reply_json<T: Serialize>(r: Result<T, QueryRefusal>) -> Vec<u8> {
    serde_json::to_vec(&QueryReply::from(r)).unwrap_or_default()
}

/// A history row as the asker sees it: the actor's id only for an owner.
fn status_change(row: read::HistoryRow, for_owner: bool) -> Option<StatusChange> {
    let unknown = |what: &str, value: &str| {
        tracing::warn!(
            what,
            value,
            "a history row this worker cannot read is skipped"
        );
    };
    let Some(to) = OrderStatus::parse(&row.to_status) else {
        unknown("status", &row.to_status);
        return None;
    };
    let by = match row.actor_role.as_str() {
        "customer" => Role::Customer,
        "owner" => Role::Owner,
        other => {
            unknown("role", other);
            return None;
        }
    };
    let (via, id) = row
        .actor_id
        .split_once(':')
        .unwrap_or(("unknown", row.actor_id.as_str()));
    Some(StatusChange {
        from: row.from_status.as_deref().and_then(OrderStatus::parse),
        to,
        by,
        via: via.to_owned(),
        by_id: for_owner.then(|| id.to_owned()),
        reason: row.reason,
        at: row.at,
    })
}
