//! Matching owner commands to their verdicts: the event each one caused,
//! applied or `command.rejected`. Every event names the command that caused
//! it (`cause`); the bot listens to all events on plain NATS (each replica
//! hears everything) and wakes whoever waits for that id.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chatorder_shared::envelope::Envelope;
use chatorder_shared::events::{Event, decode_event};
use futures::StreamExt as _;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

type Waiters = Mutex<HashMap<Uuid, oneshot::Sender<Envelope<Event>>>>;

#[derive(Default)]
pub struct Verdicts {
    waiters: Waiters,
}

/// A registered wait; dropping it forgets the command.
pub struct Waiting<'a> {
    verdicts: &'a Verdicts,
    id: Uuid,
    rx: oneshot::Receiver<Envelope<Event>>,
}

impl Verdicts {
    /// Registers interest in the command `id` (call before sending it).
    pub fn expect(&self, id: Uuid) -> Waiting<'_> {
        let (tx, rx) = oneshot::channel();
        self.lock().insert(id, tx);
        Waiting {
            verdicts: self,
            id,
            rx,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, oneshot::Sender<Envelope<Event>>>> {
        self.waiters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn deliver(&self, env: Envelope<Event>) {
        let Some(cause) = env.cause else { return };
        if let Some(tx) = self.lock().remove(&cause) {
            let _ = tx.send(env);
        }
    }

    /// Listens to every event until cancelled.
    pub async fn run(
        self: Arc<Self>,
        client: async_nats::Client,
        subject: String,
        cancel: CancellationToken,
    ) -> anyhow::Result<()> {
        let mut sub = client.subscribe(subject).await?;
        loop {
            let msg = tokio::select! {
                () = cancel.cancelled() => return Ok(()),
                msg = sub.next() => msg,
            };
            let Some(msg) = msg else {
                anyhow::bail!("the event subscription ended")
            };
            if let Ok(env) = decode_event(&msg.payload) {
                self.deliver(env);
            }
        }
    }
}

impl Waiting<'_> {
    /// The event the command caused, or `None` after `timeout`.
    pub async fn wait(mut self, timeout: Duration) -> Option<Envelope<Event>> {
        tokio::time::timeout(timeout, &mut self.rx).await.ok()?.ok()
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.verdicts.lock().remove(&self.id);
    }
}
