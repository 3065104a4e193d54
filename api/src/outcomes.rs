//! How a command the API sent turned out: the worker's event whose `cause`
//! is the command's id, delivered to whoever waits for it.
//!
//! The API listens to `orders.evt.>` on core NATS (every event the worker
//! publishes to JetStream passes there too) and hands each event to the
//! requests waiting for its cause. A request registers before it publishes,
//! so it cannot miss a fast answer; several requests may wait for the same
//! cause (the same `Idempotency-Key` sent five times at once). The last
//! [`RECENT`] outcomes are kept for [`RECENT_FOR`]: a repeat that registers
//! after its command's event went by (JetStream drops the repeated command,
//! so no second event comes) is answered from them. Nothing here is
//! durable: a request that misses its event (the API restarted, NATS
//! reconnected) answers 202, and the client GETs the order.
//!
//! Every event also goes to a broadcast feed, which the event streams
//! (`GET /events`) read.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chatorder_shared::envelope::Envelope;
use chatorder_shared::events::{Event, decode_event};
use futures::StreamExt as _;
use tokio::sync::{broadcast, oneshot};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

type Sender = oneshot::Sender<Arc<Envelope<Event>>>;

/// Requests waiting by cause, and the latest outcomes by cause.
#[derive(Default)]
struct Table {
    waiters: HashMap<Uuid, Vec<(u64, Sender)>>,
    recent: HashMap<Uuid, (Arc<Envelope<Event>>, Instant)>,
    order: VecDeque<Uuid>,
}

/// Outcomes remembered for late repeats, at most.
pub const RECENT: usize = 10_000;
/// And for at most (longer than any command wait).
pub const RECENT_FOR: Duration = Duration::from_secs(120);

impl Table {
    fn remember(&mut self, cause: Uuid, event: Arc<Envelope<Event>>) {
        let now = Instant::now();
        if self.recent.insert(cause, (event, now)).is_none() {
            self.order.push_back(cause);
        }
        while self.order.len() > RECENT
            || self
                .order
                .front()
                .and_then(|c| self.recent.get(c))
                .is_some_and(|(_, at)| now.duration_since(*at) > RECENT_FOR)
        {
            if let Some(old) = self.order.pop_front() {
                self.recent.remove(&old);
            }
        }
    }
}

/// Events a slow event stream may fall behind by before it is told so.
const FEED_DEPTH: usize = 1024;

/// The table of requests waiting for events, by cause, and the feed.
pub struct Outcomes {
    table: Mutex<Table>,
    next: std::sync::atomic::AtomicU64,
    feed: broadcast::Sender<Arc<Envelope<Event>>>,
}

impl Default for Outcomes {
    fn default() -> Self {
        Self {
            table: Mutex::default(),
            next: std::sync::atomic::AtomicU64::default(),
            feed: broadcast::channel(FEED_DEPTH).0,
        }
    }
}

impl Outcomes {
    /// Subscribes to every event on `subject` (the events wildcard) and
    /// dispatches them until `cancel`.
    pub async fn listen(
        client: &async_nats::Client,
        subject: String,
        cancel: CancellationToken,
    ) -> anyhow::Result<Arc<Self>> {
        let mut events = client.subscribe(subject).await?;
        let outcomes = Arc::new(Self::default());
        let me = outcomes.clone();
        tokio::spawn(async move {
            loop {
                let msg = tokio::select! {
                    () = cancel.cancelled() => return,
                    msg = events.next() => msg,
                };
                let Some(msg) = msg else { return };
                match decode_event(&msg.payload) {
                    Ok(event) => me.deliver(event),
                    // Another version's event: not ours to judge; the
                    // waiting request falls back to asking the worker.
                    Err(e) => tracing::debug!(error = %e, "an event the API cannot read"),
                }
            }
        });
        Ok(outcomes)
    }

    /// Registers interest in the event caused by command `cause`. Call it
    /// before publishing the command.
    pub fn expect(self: &Arc<Self>, cause: Uuid) -> Pending {
        let (tx, rx) = oneshot::channel();
        let ticket = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        {
            let mut table = self.lock();
            match table.recent.get(&cause) {
                // Its event went by already (a late repeat).
                Some((event, at)) if at.elapsed() <= RECENT_FOR => {
                    let _ = tx.send(event.clone());
                }
                _ => table.waiters.entry(cause).or_default().push((ticket, tx)),
            }
        }
        Pending {
            outcomes: self.clone(),
            cause,
            ticket,
            rx: Some(rx),
        }
    }

    /// Every event from now on (for an event stream).
    pub fn feed(&self) -> broadcast::Receiver<Arc<Envelope<Event>>> {
        self.feed.subscribe()
    }

    /// Hands `event` to the feed and to everyone waiting for its cause.
    pub fn deliver(&self, event: Envelope<Event>) {
        let event = Arc::new(event);
        // No stream open is fine.
        let _ = self.feed.send(event.clone());
        let Some(cause) = event.cause else { return };
        let waiting = {
            let mut table = self.lock();
            table.remember(cause, event.clone());
            table.waiters.remove(&cause)
        };
        for (_, tx) in waiting.into_iter().flatten() {
            let _ = tx.send(event.clone());
        }
    }

    /// How many causes are waited for (for tests: nothing leaks).
    pub fn waiting(&self) -> usize {
        self.lock().waiters.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One request's wait. Dropping it withdraws the interest.
pub struct Pending {
    outcomes: Arc<Outcomes>,
    cause: Uuid,
    ticket: u64,
    rx: Option<oneshot::Receiver<Arc<Envelope<Event>>>>,
}

impl Pending {
    /// The event, or `None` if none came within `timeout`.
    pub async fn wait(mut self, timeout: Duration) -> Option<Arc<Envelope<Event>>> {
        let rx = self.rx.take()?;
        tokio::time::timeout(timeout, rx).await.ok()?.ok()
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        let mut table = self.outcomes.lock();
        if let Some(list) = table.waiters.get_mut(&self.cause) {
            list.retain(|(t, _)| *t != self.ticket);
            if list.is_empty() {
                table.waiters.remove(&self.cause);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chatorder_shared::domain::{Actor, Platform, Role};
    use chatorder_shared::events::Rejection;
    use chatorder_shared::refusal::Refusal;

    use super::*;

    fn rejected(cause: Uuid) -> Envelope<Event> {
        let actor = Actor {
            role: Role::Customer,
            platform: Platform::System,
            id: "x".into(),
            name: None,
            roles: vec![],
        };
        let mut env = Envelope::new(
            "command.rejected",
            actor.clone(),
            Event::Rejected(Rejection {
                command_id: cause,
                command_type: "order.place".into(),
                number: None,
                refusal: Refusal::AddressRequired,
                to: actor,
                payment: None,
            }),
        );
        env.cause = Some(cause);
        env
    }

    #[tokio::test]
    async fn every_waiter_for_a_cause_gets_its_event_and_nothing_is_left_behind() {
        let outcomes = Arc::new(Outcomes::default());
        let cause = Uuid::now_v7();
        let waits: Vec<_> = (0..5).map(|_| outcomes.expect(cause)).collect();
        let other = outcomes.expect(Uuid::now_v7());
        outcomes.deliver(rejected(cause));
        for w in waits {
            let got = w.wait(Duration::from_secs(1)).await.expect("delivered");
            assert_eq!(got.cause, Some(cause));
        }
        assert!(other.wait(Duration::from_millis(10)).await.is_none());
        assert_eq!(outcomes.waiting(), 0, "timed-out and served waits are gone");
    }

    #[tokio::test]
    async fn a_repeat_that_comes_after_its_event_gets_it_at_once() {
        let outcomes = Arc::new(Outcomes::default());
        let cause = Uuid::now_v7();
        let first = outcomes.expect(cause);
        outcomes.deliver(rejected(cause));
        assert!(first.wait(Duration::from_secs(1)).await.is_some());
        // The repeated command is dropped by JetStream: no second event.
        let late = outcomes.expect(cause);
        let got = late.wait(Duration::from_millis(10)).await;
        assert_eq!(got.and_then(|e| e.cause), Some(cause));
        assert_eq!(outcomes.waiting(), 0);
        assert!(
            outcomes
                .expect(Uuid::now_v7())
                .wait(Duration::from_millis(10))
                .await
                .is_none(),
            "another cause is not answered by it"
        );
    }

    #[test]
    fn old_outcomes_are_forgotten() {
        let outcomes = Outcomes::default();
        for _ in 0..RECENT + 5 {
            outcomes.deliver(rejected(Uuid::now_v7()));
        }
        let table = outcomes.lock();
        assert_eq!(table.recent.len(), RECENT);
        assert_eq!(table.order.len(), RECENT);
    }

    #[tokio::test]
    async fn a_dropped_wait_withdraws_only_itself() {
        let outcomes = Arc::new(Outcomes::default());
        let cause = Uuid::now_v7();
        let kept = outcomes.expect(cause);
        drop(outcomes.expect(cause));
        assert_eq!(outcomes.waiting(), 1);
        outcomes.deliver(rejected(cause));
        assert!(kept.wait(Duration::from_secs(1)).await.is_some());
    }
}
