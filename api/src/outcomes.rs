//! How a command the API sent turned out: the worker's event whose `cause`
//! is the command's id, delivered to whoever waits for it.
//!
//! The API listens to `orders.evt.>` on core NATS (every event the worker
//! publishes to JetStream passes there too) and hands each event to the
//! requests waiting for its cause. A request registers before it publishes,
//! so it cannot miss a fast answer; several requests may wait for the same
//! cause (the same `Idempotency-Key` sent five times at once). Nothing here
//! is durable: a request that misses its event (the API restarted, NATS
//! reconnected) falls back to asking the worker.
//!
//! Every event also goes to a broadcast feed, which the event streams
//! (`GET /events`) read.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chatorder_shared::envelope::Envelope;
use chatorder_shared::events::{Event, decode_event};
use futures::StreamExt as _;
use tokio::sync::{broadcast, oneshot};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

type Waiters = HashMap<Uuid, Vec<(u64, oneshot::Sender<Arc<Envelope<Event>>>)>>;

/// Events a slow event stream may fall behind by before it is told so.
const FEED_DEPTH: usize = 1024;

/// The table of requests waiting for events, by cause, and the feed.
pub struct Outcomes {
    waiters: Mutex<Waiters>,
    next: std::sync::atomic::AtomicU64,
    feed: broadcast::Sender<Arc<Envelope<Event>>>,
}

impl Default for Outcomes {
    fn default() -> Self {
        Self {
            waiters: Mutex::default(),
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
        self.lock().entry(cause).or_default().push((ticket, tx));
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
        let Some(waiting) = self.lock().remove(&cause) else {
            return;
        };
        for (_, tx) in waiting {
            let _ = tx.send(event.clone());
        }
    }

    /// How many causes are waited for (for tests: nothing leaks).
    pub fn waiting(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Waiters> {
        self.waiters.lock().unwrap_or_else(PoisonError::into_inner)
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
        let mut waiters = self.outcomes.lock();
        if let Some(list) = waiters.get_mut(&self.cause) {
            list.retain(|(t, _)| *t != self.ticket);
            if list.is_empty() {
                waiters.remove(&self.cause);
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
