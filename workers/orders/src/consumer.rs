//! The command consumer: one durable pull consumer on `ORDERS_CMD`, shared by
//! every replica. It takes what is waiting (up to `worker.batch_max`), applies
//! it in one transaction, publishes the events, then acknowledges.
//!
//! While commands queue up (as many again waited behind the last batch), up to
//! `worker.batches_in_flight` batches are applied at once, each in its own
//! transaction on its own connection, exactly as that many replicas would:
//! orders they share are locked in MySQL, so the second waits for the
//! first, and MariaDB flushes their commits together. Otherwise batches go
//! one at a time, each taking everything that came meanwhile, which costs
//! the least per command.
//!
//! The steps after the commit (publish the events, acknowledge the commands,
//! clear the published outbox rows, refresh the cache) run in a task of
//! their own while the next batches are applied, for every committed batch
//! waiting at once (one publish, one outbox delete). Events leave in the
//! order their batches' commits returned (a batch that changes an order
//! another batch changed waited for that one's commit), and a batch's
//! commands are acknowledged only once its events are out.
//!
//! The outbox rows of batches applied one at a time are removed by the
//! next such batch, in its own transaction and round trip, instead of by a
//! DELETE of their own (a connection checkout, a round trip and a commit,
//! with its fsync, per batch: what costs most per order at low rates). When
//! no batch comes within [`TIDY_WAIT`] (or [`TIDY_MAX`] ids wait), the
//! finishing task removes them itself; batches side by side remove theirs
//! at once, as does a worker that stops.
//!
//! Each step returns an outcome and this loop only maps it to ack, nak with
//! delay, or dead letter:
//! - a message that cannot be decoded goes to the dead-letter subject at once
//!   with the reason (retrying cannot fix it), and is acknowledged;
//! - a passing failure (MySQL away, a deadlock) is handed back with a delay;
//!   after `worker.max_deliver` deliveries the command is dead-lettered with
//!   the last error, so nothing is lost and nothing blocks the queue.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use async_nats::jetstream::{self, AckKind, consumer::pull, message::PublishMessage};
use chatorder_shared::commands::{IncomingCommand, decode_command};
use chatorder_shared::config::Settings;
use chatorder_shared::subjects::Subjects;
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

use crate::apply::{self, Outcome};
use crate::cache::Cache;
use crate::metrics as m;
use crate::outbox;
use chatorder_db::pool::DbPool;

/// Name of the durable consumer all order-worker replicas share.
pub const DURABLE: &str = "orders-worker";

pub struct Consumer {
    pub settings: Arc<Settings>,
    pub subjects: Subjects,
    pub pool: DbPool,
    pub cache: Arc<Cache>,
    pub js: jetstream::Context,
    pub owners: crate::owners::Owners,
    pub numbers: crate::numbers::Numbers,
    /// Events published whose outbox rows the next batch applied alone
    /// removes (see the module's doc).
    pub published: std::sync::Mutex<Vec<String>>,
}

/// Creates the durable consumer, or updates it if its settings changed.
pub async fn ensure_consumer(
    js: &jetstream::Context,
    subjects: &Subjects,
    settings: &Settings,
) -> anyhow::Result<jetstream::consumer::Consumer<pull::Config>> {
    chatorder_bus::durable(
        js,
        &subjects.commands_stream(),
        pull::Config {
            durable_name: Some(DURABLE.to_owned()),
            description: Some("Order workers: apply commands".into()),
            ack_policy: jetstream::consumer::AckPolicy::Explicit,
            ack_wait: Duration::from_secs(settings.worker.ack_wait_seconds),
            // Unlimited here: the worker itself dead-letters a command that
            // failed `worker.max_deliver` times. A JetStream limit would
            // silently stop redelivering a message whose last delivery
            // expired unacknowledged (a crash, or a batch held through a
            // MySQL outage), and it would never be applied nor dead-lettered.
            max_deliver: -1,
            filter_subject: subjects.commands_wildcard(),
            max_ack_pending: 20_000,
            ..Default::default()
        },
    )
    .await
}

/// Committed batches waiting for their events to be published, at least.
const FINISHING: usize = 2;

/// How long published events' outbox rows wait for the next batch to
/// remove them before the finishing task does (a third of the relay's
/// grace at most, so that the relay does not publish them again).
const TIDY_WAIT: Duration = Duration::from_millis(100);

/// Published events whose rows are removed at once rather than left to the
/// next batch: one `DELETE` of at most this many ids keeps the batch cheap.
const TIDY_MAX: usize = 500;

/// Commands waiting behind a batch that make the next one start beside it.
const BACKLOG_MIN: u64 = 32;

/// Whether at least as many commands again (and [`BACKLOG_MIN`]) waited in
/// the stream behind the batch when its last one was delivered.
fn queued_behind(batch: &[jetstream::Message]) -> bool {
    let behind = batch
        .last()
        .and_then(|m| m.info().ok())
        .map_or(0, |i| i.pending);
    behind >= (batch.len() as u64).max(BACKLOG_MIN)
}

/// Times a batch that lost a deadlock is applied again, whole, before its
/// commands are tried one by one.
const CONFLICT_RETRIES: u32 = 3;

/// Whether a failed batch lost a lock conflict with another transaction
/// (MySQL error 1213, a deadlock, or 1205, a lock wait timeout): nothing was
/// wrong with its commands.
fn is_lock_conflict(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<diesel::result::Error>(),
            Some(diesel::result::Error::DatabaseError(_, info))
                if info.message().contains("Deadlock found")
                    || info.message().contains("Lock wait timeout")
        )
    })
}

/// A batch's task that panicked: its commands were not acknowledged, so
/// JetStream delivers them again after `ack_wait`.
fn log_panic(done: Result<(), tokio::task::JoinError>) {
    if let Err(e) = done {
        tracing::error!(error = %e, "a batch's task failed; its commands come back after ack_wait");
    }
}

/// A committed batch, to be published, acknowledged and tidied.
struct Committed {
    items: Vec<Item>,
    applied: apply::Applied,
    started: Instant,
    /// Applied with no other batch of this worker beside it.
    alone: bool,
}

/// A message on its way through one batch.
struct Item {
    msg: jetstream::Message,
    delivered: i64,
    cmd: IncomingCommand,
}

impl Consumer {
    /// Runs until `cancel`; the batches in hand are finished and
    /// acknowledged first, and anything prefetched is handed straight back.
    pub async fn run(self, cancel: CancellationToken) -> anyhow::Result<()> {
        let consumer = ensure_consumer(&self.js, &self.subjects, &self.settings).await?;
        let batch_max = self.settings.worker.batch_max;
        let in_flight = self.settings.worker.batches_in_flight.max(1);
        let mut messages = chatorder_bus::pull(&consumer, batch_max.max(64) * (in_flight + 1))
            .await
            .context("pulling from the orders-worker consumer")?;
        tracing::info!(stream = %self.subjects.commands_stream(), in_flight, "order worker consuming commands");
        let this = Arc::new(self);
        let (to_finish, mut committed) =
            tokio::sync::mpsc::channel::<Committed>(FINISHING.max(in_flight));
        let finisher = {
            let this = this.clone();
            let wait = TIDY_WAIT
                .min(Duration::from_millis(this.settings.worker.outbox_grace_ms) / 3)
                .max(Duration::from_millis(1));
            tokio::spawn(async move {
                loop {
                    let next = if this.published_len() > 0 {
                        match tokio::time::timeout(wait, committed.recv()).await {
                            Ok(next) => next,
                            Err(_) => {
                                // No batch came to remove them.
                                this.tidy(Vec::new()).await;
                                continue;
                            }
                        }
                    } else {
                        committed.recv().await
                    };
                    let Some(first) = next else { break };
                    let mut done = vec![first];
                    while let Ok(c) = committed.try_recv() {
                        done.push(c);
                    }
                    this.finish(done).await;
                }
                this.tidy(Vec::new()).await;
            })
        };
        // A permit per batch being applied: the next batch is pulled only
        // when one is free, so nothing waits in this process unapplied.
        let slots = Arc::new(tokio::sync::Semaphore::new(in_flight));
        let mut applying = tokio::task::JoinSet::new();
        let mut result = Ok(());
        let all = u32::try_from(in_flight).unwrap_or(1);
        let mut backlog = false;
        loop {
            // Side by side only while commands queue up (as many again
            // waited behind the last batch); otherwise one at a time, each
            // taking everything that came meanwhile, which costs less per
            // command.
            let alone = !backlog;
            if alone && slots.acquire_many(all).await.is_err() {
                break;
            }
            let Ok(slot) = slots.clone().acquire_owned().await else {
                break;
            };
            let batch = match chatorder_bus::next_batch(&mut messages, batch_max, &cancel).await {
                Ok(Some(batch)) => batch,
                Ok(None) => break,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            };
            backlog = queued_behind(&batch);
            let (this, to_finish, cancel) = (this.clone(), to_finish.clone(), cancel.clone());
            applying.spawn(async move {
                let done = this.handle(batch, alone, &cancel).await;
                drop(slot);
                for c in done {
                    if let Err(back) = to_finish.send(c).await {
                        // The finishing task is gone (it panicked): finish here.
                        this.finish(vec![back.0]).await;
                    }
                }
            });
            // Reap the batches already done, so the set does not grow.
            while let Some(done) = applying.try_join_next() {
                log_panic(done);
            }
        }
        // The batches in hand are applied, published and acknowledged
        // before the worker stops.
        while let Some(done) = applying.join_next().await {
            log_panic(done);
        }
        drop(to_finish);
        let _ = finisher.await;
        // `next_batch` handed back what was prefetched, so another replica
        // takes it now.
        tracing::info!("order worker stopped consuming");
        result
    }

    /// Applies a batch; returns what was committed, to be finished.
    async fn handle(
        &self,
        batch: Vec<jetstream::Message>,
        alone: bool,
        cancel: &CancellationToken,
    ) -> Vec<Committed> {
        let started = Instant::now();
        let mut items = Vec::with_capacity(batch.len());
        for msg in batch {
            let delivered = msg.info().map(|i| i.delivered).unwrap_or(1);
            if delivered > 1 {
                m::redelivered();
            }
            match decode_command(&self.subjects, &msg.subject, &msg.payload) {
                Ok(cmd) => items.push(Item {
                    msg,
                    delivered,
                    cmd,
                }),
                Err(e) => {
                    m::dead_letter(e.label());
                    m::command("undecodable", "dead_lettered");
                    self.dead_letter(&msg, delivered, &e.to_string()).await;
                }
            }
        }
        if items.is_empty() {
            return Vec::new();
        }
        let span = tracing::info_span!("batch", size = items.len());
        self.apply(items, alone, started, cancel)
            .instrument(span)
            .await
    }

    /// Applies items in one transaction, or one by one if the batch fails.
    /// While MySQL itself is unreachable the batch is held (kept in progress
    /// with JetStream), not retried: an outage must not use up the
    /// commands' delivery attempts and send them to the dead letters.
    async fn apply(
        &self,
        items: Vec<Item>,
        alone: bool,
        started: Instant,
        cancel: &CancellationToken,
    ) -> Vec<Committed> {
        let mut result = self.commit(&items, alone).await;
        let mut conflicts = 0;
        loop {
            match &result {
                Ok(_) => break,
                // Two batches in flight locked the same rows in turn:
                // MySQL rolled one back, and it is simply applied again.
                Err(e) if conflicts < CONFLICT_RETRIES && is_lock_conflict(e) => {
                    conflicts += 1;
                    m::reapplied("lock_conflict");
                    tracing::debug!(error = %format!("{e:#}"), "batch lost a lock conflict; applying it again");
                }
                Err(_) if self.mysql_up().await => break,
                Err(_) => {
                    if !self.hold_until_mysql(&items, cancel).await {
                        return Vec::new();
                    }
                }
            }
            result = self.commit(&items, alone).await;
        }
        match result {
            Ok(applied) => vec![Committed {
                items,
                applied,
                started,
                alone,
            }],
            Err(e) if items.len() == 1 => {
                self.retry_later(&items[0], &e).await;
                Vec::new()
            }
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), size = items.len(), "batch failed; applying its commands one by one");
                let mut committed = Vec::new();
                for item in items {
                    let one = vec![item];
                    match self.commit(&one, alone).await {
                        Ok(applied) => committed.push(Committed {
                            items: one,
                            applied,
                            started: Instant::now(),
                            alone,
                        }),
                        Err(e) => self.retry_later(&one[0], &e).await,
                    }
                }
                committed
            }
        }
    }

    /// Whether MySQL hands out a working connection (the pool checks it).
    async fn mysql_up(&self) -> bool {
        matches!(
            tokio::time::timeout(Duration::from_secs(3), self.pool.get()).await,
            Ok(Ok(_))
        )
    }

    /// Keeps `items` in progress until MySQL answers again. Returns false if
    /// cancelled meanwhile, after handing the items back to JetStream.
    async fn hold_until_mysql(&self, items: &[Item], cancel: &CancellationToken) -> bool {
        tracing::warn!(
            commands = items.len(),
            "MySQL is unreachable: holding the commands in hand until it is back"
        );
        m::set_mysql_up(false);
        let every = (Duration::from_secs(self.settings.worker.ack_wait_seconds) / 3)
            .clamp(Duration::from_millis(200), Duration::from_secs(5));
        loop {
            for item in items {
                let _ = item.msg.ack_with(AckKind::Progress).await;
            }
            tokio::select! {
                () = cancel.cancelled() => {
                    for item in items {
                        let _ = item.msg.ack_with(AckKind::Nak(None)).await;
                    }
                    return false;
                }
                () = tokio::time::sleep(every) => {}
            }
            if self.mysql_up().await {
                tracing::info!("MySQL is back: applying the commands held");
                m::set_mysql_up(true);
                return true;
            }
        }
    }

    /// Applies `items` in one transaction. A batch `alone` (none other of
    /// this worker in flight beside it) takes its order numbers inside its
    /// transaction, one fsync fewer; batches side by side take theirs
    /// outside it, so that they do not wait for each other's writes.
    async fn commit(&self, items: &[Item], alone: bool) -> anyhow::Result<apply::Applied> {
        let cmds: Vec<IncomingCommand> = items.iter().map(|i| i.cmd.clone()).collect();
        let mut conn = self
            .pool
            .get()
            .await
            .context("getting a MySQL connection")?;
        let live_owners = self
            .owners
            .live_owners(
                cmds.iter().map(|c| &c.envelope.actor),
                chatorder_shared::api_keys::Scope::Owner,
            )
            .await?;
        // Batches side by side leave them: their transactions would wait
        // for each other's.
        let tidy = if alone {
            self.take_published()
        } else {
            Vec::new()
        };
        let how = apply::How {
            numbers: if alone {
                apply::NumberSource::InTransaction
            } else {
                apply::NumberSource::Reserved(&self.numbers)
            },
            // A command delivered before may have been applied by a worker
            // that died before acknowledging it: read. A batch of first
            // deliveries lets the write tell (see `Dedupe::OnConflict`).
            dedupe: if items.iter().all(|i| i.delivered <= 1) {
                apply::Dedupe::OnConflict
            } else {
                apply::Dedupe::Read
            },
            tidy: &tidy,
        };
        let result = apply::apply_batch(
            &mut conn,
            &cmds,
            &self.settings,
            &self.subjects,
            &live_owners,
            how,
        )
        .await;
        if result.is_err() {
            // Rolled back (or, if the commit failed, perhaps not: removing
            // them again removes nothing).
            self.put_published(tidy);
        }
        result
    }

    fn published_len(&self) -> usize {
        self.published
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }

    fn take_published(&self) -> Vec<String> {
        std::mem::take(
            &mut *self
                .published
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    fn put_published(&self, mut ids: Vec<String>) {
        self.published
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .append(&mut ids);
    }

    /// Removes `stored` and every published event still waiting for a
    /// batch from the outbox now. A failure leaves them to the relay, which
    /// publishes them again (JetStream drops the copies) and removes them.
    async fn tidy(&self, mut stored: Vec<String>) {
        stored.append(&mut self.take_published());
        if stored.is_empty() {
            return;
        }
        match self.pool.get().await {
            Ok(mut conn) => {
                if let Err(e) = outbox::delete(&mut conn, &stored).await {
                    tracing::warn!(error = %e, "could not clear published events; the relay will republish them (deduplicated)");
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not clear published events"),
        }
    }

    /// After commit: publish, acknowledge, tidy the outbox, refresh the
    /// cache. Every committed batch waiting is finished together: one
    /// publish, one delete and one cache update for all of them.
    async fn finish(&self, mut done: Vec<Committed>) {
        let mut rows = Vec::new();
        let mut orders = Vec::new();
        let mut customers = Vec::new();
        let mut catalog_changed = false;
        for c in &mut done {
            rows.append(&mut c.applied.outbox);
            orders.append(&mut c.applied.orders);
            customers.append(&mut c.applied.customers);
            catalog_changed |= c.applied.catalog_changed;
        }
        customers.sort_unstable();
        customers.dedup();
        let stored = outbox::publish(&self.js, &rows, self.settings.nats.atomic_batch_from).await;
        m::published("inline", stored.len());
        let now = chrono::Utc::now();
        for c in &done {
            for (item, outcome) in c.items.iter().zip(&c.applied.outcomes) {
                let env = &item.cmd.envelope;
                m::command(item.cmd.envelope.data.kind().token(), outcome.label());
                m::command_age((now - env.at).num_microseconds().unwrap_or(0).max(0) as f64 / 1e6);
                match outcome {
                    Outcome::Rejected(r) => {
                        tracing::info!(cmd.id = %env.id, cmd.type = %env.kind, code = r.code(), "command rejected")
                    }
                    Outcome::Duplicate => {
                        tracing::debug!(cmd.id = %env.id, "duplicate command acknowledged")
                    }
                    Outcome::Applied => {
                        tracing::debug!(cmd.id = %env.id, cmd.type = %env.kind, "command applied")
                    }
                }
                if let Err(e) = item.msg.ack().await {
                    // The effect is committed; a redelivery is seen as a duplicate.
                    tracing::warn!(cmd.id = %env.id, error = %e, "ack failed; the command will come back as a duplicate");
                }
            }
        }
        let tidy = async {
            // Batches applied one at a time leave theirs to the next one,
            // up to a point.
            if done.iter().all(|c| c.alone) {
                self.put_published(stored);
                if self.published_len() < TIDY_MAX {
                    return;
                }
                self.tidy(Vec::new()).await;
            } else {
                self.tidy(stored).await;
            }
        };
        let cache = self
            .cache
            .orders_changed(&orders, &customers, catalog_changed);
        tokio::join!(tidy, cache);
        for c in &done {
            m::batch(c.items.len(), c.started.elapsed().as_secs_f64());
        }
    }

    /// Hands a command back for a later try, or dead-letters it when it has
    /// failed too often.
    async fn retry_later(&self, item: &Item, error: &anyhow::Error) {
        let env = &item.cmd.envelope;
        if item.delivered >= self.settings.worker.max_deliver {
            m::dead_letter("retries_exhausted");
            m::command(env.data.kind().token(), "dead_lettered");
            let reason = format!("failed {} times; last error: {error:#}", item.delivered);
            tracing::error!(cmd.id = %env.id, reason, "command dead-lettered");
            self.dead_letter(&item.msg, item.delivered, &reason).await;
            return;
        }
        m::retried(1);
        let factor = u32::try_from(item.delivered.clamp(1, 15)).unwrap_or(1);
        let delay = (Duration::from_millis(self.settings.worker.retry_delay_ms) * factor)
            .min(Duration::from_secs(30));
        tracing::warn!(cmd.id = %env.id, delivered = item.delivered, ?delay, error = %format!("{error:#}"), "command failed; will retry");
        if let Err(e) = item.msg.ack_with(AckKind::Nak(Some(delay))).await {
            tracing::warn!(error = %e, "nak failed; JetStream redelivers after ack_wait");
        }
    }

    /// Stores the message on the dead-letter subject with the reason, then
    /// acknowledges it. If the dead letter cannot be stored, the message is
    /// handed back instead: nothing is dropped.
    async fn dead_letter(&self, msg: &jetstream::Message, delivered: i64, reason: &str) {
        let seq = msg.info().map(|i| i.stream_sequence).unwrap_or(0);
        let clean: String = reason
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(500)
            .collect();
        let subject = self.subjects.dead_letter(&msg.subject);
        let publish = PublishMessage::build()
            .payload(msg.payload.clone())
            .message_id(format!("dlq-{}-{seq}", self.subjects.commands_stream()))
            .header("Chatorder-Dead-Reason", clean.as_str())
            .header("Chatorder-Original-Subject", msg.subject.as_str())
            .header("Chatorder-Deliveries", delivered.to_string().as_str());
        let stored = match self.js.send_publish(subject, publish).await {
            Ok(ack) => ack.await.is_ok(),
            Err(_) => false,
        };
        if stored {
            tracing::warn!(subject = %msg.subject, reason = %clean, "command dead-lettered");
            let _ = msg.ack().await;
        } else {
            tracing::error!(subject = %msg.subject, "could not store a dead letter; handing the command back");
            let _ = msg
                .ack_with(AckKind::Nak(Some(Duration::from_secs(5))))
                .await;
        }
    }
}
