//! The bot's way to the order workers: commands over JetStream, queries over
//! request/reply. The bot never opens MySQL.

use std::time::Duration;

use async_nats::jetstream::{self, message::PublishMessage};
use chatorder_shared::domain::{Actor, Role};
use chatorder_shared::envelope::Envelope;
use chatorder_shared::queries::QueryReply;
use chatorder_shared::subjects::{CommandKind, QueryKind, Subjects};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

const QUERY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub struct Gateway {
    pub client: async_nats::Client,
    pub js: jetstream::Context,
    pub subjects: Subjects,
}

impl Gateway {
    /// Publishes a customer command and waits until JetStream stored it.
    /// `id` is the envelope id and `Nats-Msg-Id`: sending it twice stores it once.
    pub async fn send<T: Serialize>(
        &self,
        kind: CommandKind,
        actor: &Actor,
        id: Uuid,
        data: T,
    ) -> anyhow::Result<()> {
        let mut env = Envelope::new(kind.envelope_type(), actor.clone(), data);
        env.id = id;
        let msg = PublishMessage::build()
            .payload(env.to_json().into())
            .message_id(id.to_string());
        self.js
            .send_publish(self.subjects.command(Role::Customer, kind), msg)
            .await?
            .await?;
        Ok(())
    }

    /// Asks the order workers; `Err` carries a sentence for the customer.
    pub async fn query<Q: Serialize, T: DeserializeOwned>(
        &self,
        kind: QueryKind,
        q: &Q,
    ) -> Result<T, String> {
        let body = serde_json::to_vec(q).map_err(|e| e.to_string())?;
        let reply = tokio::time::timeout(
            QUERY_TIMEOUT,
            self.client.request(self.subjects.query(kind), body.into()),
        )
        .await
        .map_err(|_| crate::texts::shop_unreachable())?
        .map_err(|e| {
            tracing::warn!(error = %e, query = kind.label(), "query failed");
            crate::texts::shop_unreachable()
        })?;
        serde_json::from_slice::<QueryReply<T>>(&reply.payload)
            .map_err(|e| {
                tracing::warn!(error = %e, "unreadable query reply");
                crate::texts::shop_unreachable()
            })?
            .into_result()
    }
}
