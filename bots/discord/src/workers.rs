//! The owner bot's way to the workers, on the shared bus: owner commands
//! over JetStream, queries over request/reply, and the bot's own durable
//! memory (which board message shows which order; which posts were made)
//! in JetStream key-value buckets, so a restart never posts twice. The bot
//! never opens MySQL.

use std::time::Duration;

use async_nats::jetstream::{self, kv};
use chatorder_bus::{Commands, Queries, QueryError, SendError};
use chatorder_shared::domain::{Actor, Role};
use chatorder_shared::owners::OwnerReport;
use chatorder_shared::subjects::{CommandKind, DemandQuery, QueryKind, Subjects};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::texts;

const QUERY_TIMEOUT: Duration = Duration::from_secs(5);
/// The demand worker may compute a summary from MySQL on request.
const DEMAND_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Clone)]
pub struct Workers {
    pub client: async_nats::Client,
    pub js: jetstream::Context,
    pub subjects: Subjects,
    /// `order.<number>` → the board message of that order.
    pub board: kv::Store,
    /// `event.<id>` / `post.<id>`: what was already posted.
    pub seen: kv::Store,
    commands: Commands,
    queries: Queries,
}

impl Workers {
    pub async fn new(
        client: async_nats::Client,
        subjects: Subjects,
        replicas: usize,
    ) -> anyhow::Result<Self> {
        let js = jetstream::new(client.clone());
        let board = chatorder_bus::kv::bucket(
            &js,
            subjects.stream("DISCORD_BOARD"),
            Duration::from_secs(60 * 86_400),
            replicas,
        )
        .await?;
        let seen = chatorder_bus::kv::bucket(
            &js,
            subjects.stream("DISCORD_SEEN"),
            Duration::from_secs(14 * 86_400),
            replicas,
        )
        .await?;
        Ok(Self {
            commands: Commands::new(js.clone(), subjects.clone(), Role::Owner),
            queries: Queries::new(client.clone()),
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
    ) -> Result<(), SendError> {
        self.commands.send(kind, actor, id, data).await
    }

    /// Asks the order workers; `Err` carries a sentence for the owner.
    pub async fn query<Q: Serialize, T: DeserializeOwned>(
        &self,
        kind: QueryKind,
        q: &Q,
    ) -> Result<T, String> {
        self.queries
            .ask(self.subjects.owner_query(kind), q, QUERY_TIMEOUT)
            .await
            .map_err(|e| match e {
                QueryError::Refused(why) => why,
                _ => texts::workers_unreachable(),
            })
    }

    /// Asks the demand worker for a summary or forecast.
    pub async fn demand<Q: Serialize>(
        &self,
        kind: DemandQuery,
        q: &Q,
    ) -> Result<OwnerReport, String> {
        self.queries
            .ask(self.subjects.demand_query(kind), q, DEMAND_TIMEOUT)
            .await
            .map_err(|e| match e {
                QueryError::NoResponders { .. } => texts::demand_not_running(kind),
                QueryError::Refused(why) => why,
                _ => texts::demand_late(),
            })
    }
}
