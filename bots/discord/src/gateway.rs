//! The owner bot's way to the workers: owner commands over JetStream,
//! queries over request/reply, and the bot's own durable memory (which
//! board message shows which order; which posts were made) in JetStream
//! key-value buckets, so a restart never posts twice. The bot never opens
//! MySQL.

use std::time::Duration;

use anyhow::Context as _;
use async_nats::client::RequestErrorKind;
use async_nats::jetstream::{self, kv, message::PublishMessage};
use chatorder_shared::domain::{Actor, Role};
use chatorder_shared::envelope::Envelope;
use chatorder_shared::owners::OwnerReport;
use chatorder_shared::queries::QueryReply;
use chatorder_shared::subjects::{CommandKind, DemandQuery, QueryKind, Subjects};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::texts;

const QUERY_TIMEOUT: Duration = Duration::from_secs(5);
/// The demand worker may compute a summary from MySQL on request.
const DEMAND_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Clone)]
pub struct Gateway {
    pub client: async_nats::Client,
    pub js: jetstream::Context,
    pub subjects: Subjects,
    /// `order.<number>` → the board message of that order.
    pub board: kv::Store,
    /// `event.<id>` / `post.<id>`: what was already posted.
    pub seen: kv::Store,
}

/// Finds or creates a key-value bucket. The backing stream is made by hand
/// (what `create_key_value` would make): the KV create request of
/// async-nats 0.51 is not understood by NATS 2.9 servers.
async fn bucket(
    js: &jetstream::Context,
    name: String,
    max_age: Duration,
    replicas: usize,
) -> anyhow::Result<kv::Store> {
    if let Ok(store) = js.get_key_value(&name).await {
        return Ok(store);
    }
    js.get_or_create_stream(jetstream::stream::Config {
        name: format!("KV_{name}"),
        subjects: vec![format!("$KV.{name}.>")],
        max_messages_per_subject: 1,
        max_age,
        storage: jetstream::stream::StorageType::File,
        num_replicas: replicas.max(1),
        allow_rollup: true,
        deny_delete: true,
        allow_direct: true,
        discard: jetstream::stream::DiscardPolicy::New,
        duplicate_window: Duration::from_secs(120),
        ..Default::default()
    })
    .await
    .with_context(|| format!("creating the key-value bucket {name}"))?;
    js.get_key_value(&name)
        .await
        .with_context(|| format!("opening the key-value bucket {name}"))
}

impl Gateway {
    pub async fn new(
        client: async_nats::Client,
        subjects: Subjects,
        replicas: usize,
    ) -> anyhow::Result<Self> {
        let js = jetstream::new(client.clone());
        let board = bucket(
            &js,
            subjects.stream("DISCORD_BOARD"),
            Duration::from_secs(60 * 86_400),
            replicas,
        )
        .await?;
        let seen = bucket(
            &js,
            subjects.stream("DISCORD_SEEN"),
            Duration::from_secs(14 * 86_400),
            replicas,
        )
        .await?;
        Ok(Self {
            client,
            js,
            subjects,
            board,
            seen,
        })
    }

    /// Publishes an owner command with envelope id `id` and waits until
    /// JetStream stored it. The resulting event carries `id` as its `cause`.
    pub async fn send_with_id<T: Serialize>(
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
            .message_id(env.id.to_string());
        self.js
            .send_publish(self.subjects.command(Role::Owner, kind), msg)
            .await?
            .await?;
        Ok(())
    }

    /// Asks the order workers; `Err` carries a sentence for the owner.
    pub async fn query<Q: Serialize, T: DeserializeOwned>(
        &self,
        kind: QueryKind,
        q: &Q,
    ) -> Result<T, String> {
        self.request(
            self.subjects.owner_query(kind),
            q,
            QUERY_TIMEOUT,
            kind.label(),
        )
        .await
        .map_err(|e| match e {
            Asked::NoOne | Asked::Late => texts::workers_unreachable(),
            Asked::Refused(why) => why,
        })
    }

    /// Asks the demand worker for a summary or forecast.
    pub async fn demand<Q: Serialize>(
        &self,
        kind: DemandQuery,
        q: &Q,
    ) -> Result<OwnerReport, String> {
        self.request(
            self.subjects.demand_query(kind),
            q,
            DEMAND_TIMEOUT,
            kind.label(),
        )
        .await
        .map_err(|e| match e {
            Asked::NoOne => texts::demand_not_running(kind),
            Asked::Late => texts::demand_late(),
            Asked::Refused(why) => why,
        })
    }

    async fn request<Q: Serialize, T: DeserializeOwned>(
        &self,
        subject: String,
        q: &Q,
        timeout: Duration,
        label: &str,
    ) -> Result<T, Asked> {
        let body = serde_json::to_vec(q).map_err(|e| Asked::Refused(e.to_string()))?;
        let reply = tokio::time::timeout(timeout, self.client.request(subject, body.into()))
            .await
            .map_err(|_| Asked::Late)?
            .map_err(|e| {
                tracing::warn!(error = %e, query = label, "query failed");
                if e.kind() == RequestErrorKind::NoResponders {
                    Asked::NoOne
                } else {
                    Asked::Late
                }
            })?;
        serde_json::from_slice::<QueryReply<T>>(&reply.payload)
            .map_err(|e| {
                tracing::warn!(error = %e, query = label, "unreadable query reply");
                Asked::Late
            })?
            .into_result()
            .map_err(Asked::Refused)
    }
}

enum Asked {
    NoOne,
    Late,
    Refused(String),
}
