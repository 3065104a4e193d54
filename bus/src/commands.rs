//! Publishing commands to the order workers over JetStream.

use async_nats::jetstream::{self, message::PublishMessage};
use chatorder_shared::domain::{Actor, Role};
use chatorder_shared::envelope::Envelope;
use chatorder_shared::subjects::{CommandKind, Subjects};
use serde::Serialize;
use uuid::Uuid;

/// Why a command was not stored. The caller tells its person to try again.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    #[error("JetStream did not store the command: {0}")]
    NotStored(#[from] jetstream::context::PublishError),
}

/// Publishes the commands of one role (the subject carries the role; the
/// NATS user of each edge may publish only its own).
#[derive(Clone)]
pub struct Commands {
    js: jetstream::Context,
    subjects: Subjects,
    role: Role,
}

impl Commands {
    pub fn new(js: jetstream::Context, subjects: Subjects, role: Role) -> Self {
        Self { js, subjects, role }
    }

    /// Publishes `data` as a command envelope with id `id` and waits until
    /// JetStream stored it. `id` is also the `Nats-Msg-Id`: sending the same
    /// id twice (a retry, a second tap) stores it once.
    pub async fn send<T: Serialize>(
        &self,
        kind: CommandKind,
        actor: &Actor,
        id: Uuid,
        data: T,
    ) -> Result<(), SendError> {
        let mut env = Envelope::new(kind.envelope_type(), actor.clone(), data);
        env.id = id;
        let msg = PublishMessage::build()
            .payload(env.to_json().into())
            .message_id(id.to_string());
        self.js
            .send_publish(self.subjects.command(self.role, kind), msg)
            .await?
            .await?;
        Ok(())
    }
}
