//! Applies a batch of commands in one MySQL transaction: every effect, its
//! `processed_commands` row and its outbox events commit together, so a
//! command is applied at most once in effect however often it is delivered.
//!
//! Load what the batch needs (locking the orders it touches), run the pure
//! rules in memory in arrival order, then write everything with multi-row
//! statements. Batching is what makes thousands of orders per second fit in
//! a few round trips.

use std::collections::{HashMap, HashSet};

use crate::numbers::Numbers;
use chatorder_db::models::now_micros;
use chatorder_db::numbers;
use chatorder_db::text_sql::Statements;
use chatorder_shared::commands::{Command, IncomingCommand, PlaceOrder, ShopChange};
use chatorder_shared::config::Settings;
use chatorder_shared::domain::{Actor, OrderNumber, Platform, Role, Sku};
use chatorder_shared::events::{CatalogItem, Event, OrderSnapshot, Rejection, ShopPause};
use chatorder_shared::promo::{Promo, PromoCode, PromoTerms};
use chatorder_shared::refusal::Refusal;
use chatorder_shared::subjects::Subjects;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection as _, RunQueryDsl};
use uuid::Uuid;

use crate::rules::{self, Ctx, Effect, View};
use chatorder_db::models::{
    CatalogRow, NewCustomer, NewMessage, NewProcessed, NewStatusChange, OrderRow, OutboxRow,
    line_rows,
};
use chatorder_db::pool::Conn;
use chatorder_db::read;
use chatorder_db::schema::{catalog_items, customers, order_lines, orders, processed_commands};

/// Where the numbers the rules see for a batch's new orders start. The real
/// numbers are taken once the rules know how many orders the batch places
/// ([`Numbers`], [`number_new_orders`]). No real order number comes near it.
const PROVISIONAL: u64 = 1 << 62;

/// What happened to one command of a batch.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Applied,
    Rejected(Refusal),
    /// Already processed earlier: acknowledged without effect.
    Duplicate,
}

impl Outcome {
    pub fn label(&self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::Rejected(_) => "rejected",
            Self::Duplicate => "duplicate",
        }
    }
}

/// What a committed batch did.
#[derive(Debug, Default)]
pub struct Applied {
    /// One per input command, in input order.
    pub outcomes: Vec<Outcome>,
    /// Events committed to the outbox, to publish now.
    pub outbox: Vec<OutboxRow>,
    /// The latest snapshot of every order the batch changed.
    pub orders: Vec<OrderSnapshot>,
    /// Customers whose order lists changed.
    pub customers: Vec<String>,
    pub catalog_changed: bool,
}

/// What the rules see: the batch's orders and items, updated as it goes.
#[derive(Default)]
struct BatchView {
    orders: HashMap<OrderNumber, OrderSnapshot>,
    items: HashMap<Sku, CatalogItem>,
    /// Loaded when the batch places orders or pauses/resumes.
    pause: Option<ShopPause>,
    /// The promo codes the batch names, locked; their counts grow as it goes.
    promos: HashMap<PromoCode, Promo>,
    /// (code, customer key) pairs that used their code, before or in the batch.
    promo_used: HashSet<(String, String)>,
}

impl View for BatchView {
    fn order(&self, number: OrderNumber) -> Option<&OrderSnapshot> {
        self.orders.get(&number)
    }
    fn item(&self, sku: &Sku) -> Option<&CatalogItem> {
        self.items.get(sku)
    }
    fn pause(&self) -> Option<&ShopPause> {
        self.pause.as_ref()
    }
    fn promo(&self, code: &PromoCode) -> Option<&Promo> {
        self.promos.get(code)
    }
    fn promo_used(&self, code: &PromoCode, customer: &str) -> bool {
        self.promo_used
            .contains(&(code.as_str().to_owned(), customer.to_owned()))
    }
}

/// Everything the batch will write, gathered before any write happens.
#[derive(Default)]
struct Writes {
    new_orders: Vec<OrderNumber>,
    changed_orders: Vec<OrderNumber>,
    relined: HashSet<OrderNumber>,
    customers: Vec<NewCustomer>,
    /// Registrations update the name (and phone) of an existing customer.
    registrations: Vec<NewCustomer>,
    status_changes: Vec<NewStatusChange>,
    messages: Vec<NewMessage>,
    catalog: Vec<CatalogItem>,
    /// The batch's last pause or resume: (pause, by, command id).
    shop: Option<(Option<ShopPause>, String, String)>,
    /// Promo codes created (terms, by, command id) and switched off.
    promos_created: Vec<(PromoTerms, String, String)>,
    promos_disabled: Vec<PromoCode>,
    /// Orders placed with a code.
    promo_uses: Vec<chatorder_db::promo::Use>,
    processed: Vec<NewProcessed>,
    /// Events, serialised once the new orders have their numbers.
    events: Vec<Pending>,
}

/// An event for the outbox, and the command it answers.
struct Pending {
    event: Event,
    actor: Actor,
    cause: Uuid,
}

fn outbox_row(
    subjects: &Subjects,
    event: Event,
    actor: &Actor,
    cause: Uuid,
    at: DateTime<Utc>,
) -> OutboxRow {
    let subject = subjects.event(event.kind());
    let mut envelope = event.into_envelope(actor.clone());
    envelope.cause = Some(cause);
    OutboxRow {
        event_id: envelope.id.to_string(),
        subject,
        payload: envelope.to_json(),
        created_at: at.naive_utc(),
    }
}

/// Where a batch's new orders take their numbers.
#[derive(Clone, Copy)]
pub enum NumberSource<'n> {
    /// From the counter row inside the batch's transaction, which then holds
    /// its lock to the commit: no fsync of its own, for a batch applied
    /// alone.
    InTransaction,
    /// Reserved outside it (`numbers.rs`), for batches side by side.
    Reserved(&'n Numbers),
}

/// How a batch tells the commands it applied before.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Dedupe {
    /// Read `processed_commands` for the batch's command ids first.
    #[default]
    Read,
    /// Assume none was applied, and let the write tell: every command's
    /// `processed_commands` row goes in with its effects under the command
    /// id as primary key, so one applied before fails the insert, nothing
    /// is written, and the batch is applied again with [`Dedupe::Read`].
    /// For batches of first deliveries, where a command applied before is
    /// rare (a publisher's retry after JetStream's duplicate window); it
    /// saves the read, a round trip and an index lookup per command.
    OnConflict,
}

/// How a batch is applied.
#[derive(Clone, Copy)]
pub struct How<'a> {
    /// Where its new orders' numbers come from.
    pub numbers: NumberSource<'a>,
    /// How it tells the commands applied before.
    pub dedupe: Dedupe,
    /// Events published before (by earlier batches) whose outbox rows it
    /// removes in its own transaction: no round trip, transaction or
    /// commit of their own (see `consumer.rs`).
    pub tidy: &'a [String],
}

/// Applies `batch` in one transaction. On error nothing was written (the
/// outbox rows in `how.tidy` are still there), and numbers reserved for it
/// are given back unless the commit itself failed (it may have committed).
pub async fn apply_batch(
    conn: &mut Conn,
    batch: &[IncomingCommand],
    settings: &Settings,
    subjects: &Subjects,
    live_owners: &HashSet<String>,
    how: How<'_>,
) -> anyhow::Result<Applied> {
    let mut dedupe = how.dedupe;
    loop {
        let mut taken = Taken::default();
        let result = conn
            .transaction(async |conn| {
                apply_in_tx(
                    conn,
                    batch,
                    settings,
                    subjects,
                    live_owners,
                    How { dedupe, ..how },
                    &mut taken,
                )
                .await
            })
            .await;
        if let (Err(_), NumberSource::Reserved(n)) = (&result, how.numbers)
            && !taken.committing
        {
            n.give_back(taken.numbers);
        }
        match result {
            Err(e) if dedupe == Dedupe::OnConflict && is_unique_violation(&e) => {
                crate::metrics::reapplied("applied_before");
                tracing::debug!(error = %format!("{e:#}"), "a command of the batch was applied before; applying the batch again, reading which");
                dedupe = Dedupe::Read;
            }
            result => return result,
        }
    }
}

/// Whether MySQL refused a write for a duplicate key.
fn is_unique_violation(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<diesel::result::Error>(),
            Some(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    })
}

/// The numbers a try of a batch took, and whether it got as far as its
/// commit.
#[derive(Default)]
struct Taken {
    numbers: Vec<OrderNumber>,
    committing: bool,
}

async fn apply_in_tx(
    conn: &mut Conn,
    batch: &[IncomingCommand],
    settings: &Settings,
    subjects: &Subjects,
    live_owners: &HashSet<String>,
    how: How<'_>,
    taken: &mut Taken,
) -> anyhow::Result<Applied> {
    let now = now_micros();

    // 1. Which commands were already applied (earlier, or twice in this batch)?
    let ids: Vec<String> = batch.iter().map(|c| c.envelope.id.to_string()).collect();
    let done: HashSet<String> = match how.dedupe {
        Dedupe::Read => processed_commands::table
            .filter(processed_commands::command_id.eq_any(&ids))
            .select(processed_commands::command_id)
            .load::<String>(conn)
            .await?
            .into_iter()
            .collect(),
        Dedupe::OnConflict => HashSet::new(),
    };
    let mut seen = HashSet::new();
    let fresh: Vec<bool> = ids
        .iter()
        .map(|id| !done.contains(id) && seen.insert(id.as_str()))
        .collect();
    let live = || {
        batch
            .iter()
            .zip(&fresh)
            .filter(|(_, f)| **f)
            .map(|(c, _)| c)
    };

    // 2. Load (and lock) what the rules need.
    let mut view = BatchView::default();
    let numbers: Vec<OrderNumber> = {
        let mut n: Vec<_> = live().filter_map(|c| c.envelope.data.number()).collect();
        n.sort_unstable();
        n.dedup();
        n
    };
    for o in read::orders_by_number(conn, &numbers, true).await? {
        view.orders.insert(o.number, o);
    }
    let mut skus: Vec<&Sku> = Vec::new();
    let mut has_catalog = false;
    for c in live() {
        match &c.envelope.data {
            Command::Place(p) => skus.extend(p.lines.iter().map(|l| &l.sku)),
            Command::Update(u) => skus.extend(u.lines.iter().map(|l| &l.sku)),
            Command::Catalog(change) => {
                has_catalog = true;
                skus.push(change.sku());
            }
            _ => {}
        }
    }
    skus.sort_unstable();
    skus.dedup();
    for item in read::catalog_items(conn, &skus, has_catalog).await? {
        view.items.insert(item.sku.clone(), item);
    }

    // The owners' pause, when the batch places orders or changes it. Read
    // without a lock: an order racing a pause on another replica may still
    // be taken, as if it had come a moment earlier.
    if live().any(|c| matches!(c.envelope.data, Command::Place(_) | Command::Shop(_))) {
        view.pause = chatorder_db::shop::pause(conn).await?;
    }
    let schedule = settings.shop.schedule();

    // The promo codes the batch's new orders name, the codes of the orders
    // it changes, and the codes owners create or switch off: locked, in
    // one order, after the orders (the same order in every replica). A
    // replica placing an order with a code waits here for another holding
    // it and then sees its committed count: the last use goes to one order.
    let mut codes: Vec<&PromoCode> = Vec::new();
    let mut users: Vec<(&PromoCode, String)> = Vec::new();
    for c in live() {
        match &c.envelope.data {
            Command::Place(PlaceOrder {
                promo: Some(code), ..
            }) => {
                codes.push(code);
                users.push((code, c.envelope.actor.key()));
            }
            Command::Update(u) => {
                if let Some(p) = view.orders.get(&u.number).and_then(|o| o.promo.as_ref()) {
                    codes.push(&p.code);
                }
            }
            Command::Shop(ShopChange::PromoCreate { promo }) => codes.push(&promo.code),
            Command::Shop(ShopChange::PromoDisable { code }) => codes.push(code),
            _ => {}
        }
    }
    let codes: Vec<PromoCode> = codes.into_iter().cloned().collect();
    let code_refs: Vec<&PromoCode> = codes.iter().collect();
    for p in chatorder_db::promo::by_code(conn, &code_refs, true).await? {
        view.promos.insert(p.terms.code.clone(), p);
    }
    let pairs: Vec<(&PromoCode, &str)> = users.iter().map(|(c, k)| (*c, k.as_str())).collect();
    view.promo_used = chatorder_db::promo::used_by(conn, &pairs).await?;

    // 3. New orders get provisional numbers; the real ones come last.
    let mut next_number = PROVISIONAL;

    // 4. The rules, in arrival order, in memory.
    let currency = settings.shop.currency;
    let mut w = Writes::default();
    let mut outcomes = Vec::with_capacity(batch.len());
    for (cmd, is_fresh) in batch.iter().zip(&fresh) {
        if !is_fresh {
            outcomes.push(Outcome::Duplicate);
            continue;
        }
        let env = &cmd.envelope;
        let new_order = matches!(env.data, Command::Place(_)).then(|| {
            let n = OrderNumber(next_number);
            next_number += 1;
            // The order id is the place command's id: deterministic, and the
            // bot knows it the moment it publishes.
            (env.id, n)
        });
        let ctx = Ctx {
            actor: &env.actor,
            role: cmd.role,
            is_owner: cmd.role == Role::Owner
                && crate::owners::is_owner(settings, &env.actor, live_owners),
            now,
            currency,
            schedule: &schedule,
            new_order,
        };
        let command_id = env.id.to_string();
        match rules::decide(&view, &env.data, &ctx) {
            Ok(effect) => {
                record(&mut w, &mut view, &effect, cmd, now);
                let order_id = effect.order().map(|o| o.id.to_string());
                w.processed.push(NewProcessed {
                    command_id,
                    command_type: env.kind.clone(),
                    outcome: "applied".into(),
                    order_id,
                    processed_at: now.naive_utc(),
                });
                if let Some(event) = effect.into_event() {
                    w.events.push(Pending {
                        event,
                        actor: env.actor.clone(),
                        cause: env.id,
                    });
                }
                outcomes.push(Outcome::Applied);
            }
            Err(rejected) => {
                let event = Event::Rejected(Rejection {
                    command_id: env.id,
                    command_type: env.kind.clone(),
                    number: env.data.number(),
                    refusal: rejected.clone(),
                    to: env.actor.clone(),
                    // A paid order refused: owners must refund it.
                    payment: match &env.data {
                        Command::Place(place) => place.payment.clone(),
                        _ => None,
                    },
                });
                w.processed.push(NewProcessed {
                    command_id,
                    command_type: env.kind.clone(),
                    outcome: "rejected".into(),
                    order_id: None,
                    processed_at: now.naive_utc(),
                });
                w.events.push(Pending {
                    event,
                    actor: env.actor.clone(),
                    cause: env.id,
                });
                outcomes.push(Outcome::Rejected(rejected));
            }
        }
    }

    // 5. The new orders' real numbers, then every write, in as few round
    // trips as the batch allows.
    if !w.new_orders.is_empty() {
        let count = w.new_orders.len();
        taken.numbers = match how.numbers {
            NumberSource::Reserved(numbers) => numbers.take(count).await?,
            NumberSource::InTransaction => {
                let first = u64::try_from(numbers::take_numbers(conn, count).await?)?;
                (first..first + count as u64).map(OrderNumber).collect()
            }
        };
        number_new_orders(&mut w, &mut view, &taken.numbers)?;
    }
    let outbox: Vec<OutboxRow> = w
        .events
        .drain(..)
        .map(|p| outbox_row(subjects, p.event, &p.actor, p.cause, now))
        .collect();
    write_changes(conn, &w, &view, now).await?;
    let mut sql = Statements::default();
    // First, so that this transaction holds no new row while its DELETE
    // may wait for another's uncommitted outbox rows (a scan, when InnoDB's
    // statistics say the table is tiny): that one has written all its rows
    // and only commits, so the wait cannot close a circle.
    crate::outbox::delete_statements(&mut sql, how.tidy);
    common_rows(&mut sql, &w, &view)?;
    let new_rows = w
        .new_orders
        .iter()
        .map(|n| final_of(&view, n).map(OrderRow::from_snapshot))
        .collect::<anyhow::Result<Vec<_>>>()?;
    sql.rows(&new_rows);
    sql.rows(&outbox);
    sql.run(conn).await?;
    taken.committing = true;

    let mut customers: Vec<String> = w
        .new_orders
        .iter()
        .chain(&w.changed_orders)
        .filter_map(|n| view.orders.get(n).map(|o| o.customer.key.clone()))
        .collect();
    customers.sort_unstable();
    customers.dedup();
    let orders = w
        .new_orders
        .iter()
        .chain(&w.changed_orders)
        .filter_map(|n| view.orders.get(n).cloned())
        .collect();
    Ok(Applied {
        outcomes,
        outbox,
        orders,
        customers,
        catalog_changed: !w.catalog.is_empty(),
    })
}

/// Notes what an effect changes and updates the in-memory view.
fn record(
    w: &mut Writes,
    view: &mut BatchView,
    effect: &Effect,
    cmd: &IncomingCommand,
    now: DateTime<Utc>,
) {
    let env = &cmd.envelope;
    let actor_id = env.actor.key();
    let status_change =
        |order: &OrderSnapshot, from: Option<&str>, reason: Option<String>| NewStatusChange {
            order_id: order.id.to_string(),
            from_status: from.map(str::to_owned),
            to_status: order.status.as_str().to_owned(),
            actor_role: cmd.role.as_str().to_owned(),
            actor_id: actor_id.clone(),
            reason,
            command_id: env.id.to_string(),
            at: now.naive_utc(),
        };
    match effect {
        Effect::Placed(order) => {
            let phone = match &env.data {
                Command::Place(p) => p.phone.clone(),
                _ => None,
            };
            w.customers.push(NewCustomer {
                id: order.customer.key.clone(),
                platform: order.customer.platform.as_str().to_owned(),
                external_id: order.customer.id.clone(),
                display_name: order.customer.name.clone(),
                phone,
                created_at: now.naive_utc(),
            });
            w.status_changes.push(status_change(order, None, None));
            w.new_orders.push(order.number);
            record_promo_use(w, view, order);
            view.orders.insert(order.number, order.clone());
        }
        Effect::LinesChanged(order) => {
            w.relined.insert(order.number);
            mark_changed(w, order.number);
            view.orders.insert(order.number, order.clone());
        }
        Effect::StatusChanged {
            order,
            from,
            reason,
            ..
        } => {
            w.status_changes
                .push(status_change(order, Some(from.as_str()), reason.clone()));
            mark_changed(w, order.number);
            view.orders.insert(order.number, order.clone());
        }
        Effect::Message { order, text, from } => w.messages.push(NewMessage {
            order_id: order.id.to_string(),
            from_role: from.as_str().to_owned(),
            from_id: actor_id.clone(),
            body: text.clone(),
            command_id: env.id.to_string(),
            at: now.naive_utc(),
        }),
        Effect::Registered { customer, phone } => w.registrations.push(NewCustomer {
            id: customer.key.clone(),
            platform: customer.platform.as_str().to_owned(),
            external_id: customer.id.clone(),
            display_name: customer.name.clone(),
            phone: phone.clone(),
            created_at: now.naive_utc(),
        }),
        Effect::Catalog { item, .. } => {
            w.catalog.push(item.clone());
            view.items.insert(item.sku.clone(), item.clone());
        }
        Effect::Shop { pause } => {
            w.shop = Some((pause.clone(), actor_id.clone(), env.id.to_string()));
            view.pause.clone_from(pause);
        }
        Effect::Promo { promo, created } => {
            if *created {
                w.promos_created
                    .push((promo.terms.clone(), actor_id.clone(), env.id.to_string()));
            } else if !w.promos_disabled.contains(&promo.terms.code) {
                w.promos_disabled.push(promo.terms.code.clone());
            }
            view.promos.insert(promo.terms.code.clone(), promo.clone());
        }
    }
}

/// A new order that used a code: counted in the view at once, so the next
/// order of the batch sees one use fewer left.
fn record_promo_use(w: &mut Writes, view: &mut BatchView, order: &OrderSnapshot) {
    let Some(applied) = &order.promo else { return };
    let once = match view.promos.get_mut(&applied.code) {
        Some(p) => {
            p.uses = p.uses.saturating_add(1);
            p.terms.once_per_customer
        }
        None => false,
    };
    view.promo_used
        .insert((applied.code.as_str().to_owned(), order.customer.key.clone()));
    w.promo_uses.push(chatorder_db::promo::Use {
        order_id: order.id.to_string(),
        code: applied.code.clone(),
        customer_id: order.customer.key.clone(),
        once_per_customer: once,
        discount_minor: applied.discount_minor,
    });
}

fn mark_changed(w: &mut Writes, number: OrderNumber) {
    // An order placed in this same batch is simply inserted in its final state.
    if !w.new_orders.contains(&number) && !w.changed_orders.contains(&number) {
        w.changed_orders.push(number);
    }
}

/// The rows nearly every batch writes, as SQL text for one round trip:
/// customers, the new orders' lines, status changes, messages and
/// processed commands.
fn common_rows(sql: &mut Statements, w: &Writes, view: &BatchView) -> anyhow::Result<()> {
    // In key order, once each: batches in flight side by side lock the
    // customers they share in the same order, so they cannot deadlock.
    let mut new_customers: Vec<&NewCustomer> = w.customers.iter().collect();
    new_customers.sort_by(|a, b| a.id.cmp(&b.id));
    new_customers.dedup_by(|a, b| a.id == b.id);
    sql.rows(new_customers);
    // The new orders' lines; the orders themselves once numbered.
    let mut lines = Vec::new();
    for n in &w.new_orders {
        lines.extend(line_rows(final_of(view, n)?));
    }
    sql.rows(&lines);
    sql.rows(&w.status_changes);
    sql.rows(&w.messages);
    sql.rows(&w.processed);
    Ok(())
}

fn final_of<'v>(view: &'v BatchView, n: &OrderNumber) -> anyhow::Result<&'v OrderSnapshot> {
    view.orders
        .get(n)
        .ok_or_else(|| anyhow::anyhow!("order {n} vanished from the batch"))
}

/// The writes of changes to what exists (registrations, orders changed,
/// the catalog, the pause, promo codes), through Diesel: next to placing
/// orders they are rare, and a batch with none makes no round trip here.
async fn write_changes(
    conn: &mut Conn,
    w: &Writes,
    view: &BatchView,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    for r in &w.registrations {
        diesel::insert_or_ignore_into(customers::table)
            .values(r)
            .execute(conn)
            .await?;
        diesel::update(customers::table.filter(customers::id.eq(&r.id)))
            .set(customers::display_name.eq(&r.display_name))
            .execute(conn)
            .await?;
        if let Some(phone) = &r.phone {
            diesel::update(customers::table.filter(customers::id.eq(&r.id)))
                .set(customers::phone.eq(phone))
                .execute(conn)
                .await?;
        }
    }
    for n in &w.changed_orders {
        let o = final_of(view, n)?;
        let row = OrderRow::from_snapshot(o);
        diesel::update(orders::table.filter(orders::id.eq(&row.id)))
            .set(&row)
            .execute(conn)
            .await?;
        if w.relined.contains(n) {
            diesel::delete(order_lines::table.filter(order_lines::order_id.eq(&row.id)))
                .execute(conn)
                .await?;
            diesel::insert_into(order_lines::table)
                .values(line_rows(o))
                .execute(conn)
                .await?;
        }
    }
    for item in &w.catalog {
        diesel::replace_into(catalog_items::table)
            .values(CatalogRow::from_item(item, now))
            .execute(conn)
            .await?;
    }
    if let Some((pause, by, command_id)) = &w.shop {
        chatorder_db::shop::set_pause(conn, pause.as_ref(), by, command_id).await?;
    }
    for (terms, by, command_id) in &w.promos_created {
        chatorder_db::promo::create(conn, terms, by, command_id, now).await?;
    }
    for code in &w.promos_disabled {
        chatorder_db::promo::disable(conn, code).await?;
    }
    chatorder_db::promo::record_uses(conn, &w.promo_uses, now).await?;
    Ok(())
}

/// Gives the batch's new orders their real numbers (`taken`, one each, in
/// increasing order), in the order they were placed, in the orders and the
/// events. Only placed orders take one: a refused place leaves no gap.
fn number_new_orders(
    w: &mut Writes,
    view: &mut BatchView,
    taken: &[OrderNumber],
) -> anyhow::Result<()> {
    anyhow::ensure!(
        taken.len() == w.new_orders.len(),
        "{} numbers for {} new orders",
        taken.len(),
        w.new_orders.len()
    );
    let real: HashMap<OrderNumber, OrderNumber> = w
        .new_orders
        .iter()
        .copied()
        .zip(taken.iter().copied())
        .collect();
    let renumber = |n: &mut OrderNumber| {
        if let Some(r) = real.get(n) {
            *n = *r;
        }
    };
    for n in &mut w.new_orders {
        let mut order = view
            .orders
            .remove(n)
            .ok_or_else(|| anyhow::anyhow!("order {n} vanished from the batch"))?;
        renumber(&mut order.number);
        *n = order.number;
        view.orders.insert(order.number, order);
    }
    for p in &mut w.events {
        match &mut p.event {
            Event::Placed { order }
            | Event::Updated { order }
            | Event::Cancelled { order, .. }
            | Event::StatusChanged { order, .. } => renumber(&mut order.number),
            Event::Message(m) => renumber(&mut m.number),
            Event::Rejected(r) => {
                if let Some(n) = &mut r.number {
                    renumber(n);
                }
            }
            Event::CatalogChanged { .. }
            | Event::ShopChanged { .. }
            | Event::PromoChanged { .. } => {}
        }
    }
    Ok(())
}

/// A customer key for tools (bench, demo) that place orders as the system.
pub fn system_actor(id: &str) -> Actor {
    Actor {
        role: Role::Customer,
        platform: Platform::System,
        id: id.to_owned(),
        name: None,
        roles: vec![],
    }
}

#[cfg(test)]
#[path = "lifecycle_props.rs"]
mod lifecycle_props;
