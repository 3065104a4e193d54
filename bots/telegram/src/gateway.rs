//! The bot's way to the order workers, on the shared bus: customer commands
//! over JetStream, queries over request/reply. The bot never opens MySQL.

use std::time::Duration;

use async_nats::jetstream;
use chatorder_bus::{Commands, Queries, QueryError, SendError};
use chatorder_shared::domain::{Actor, Role};
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
    commands: Commands,
    queries: Queries,
}

impl Gateway {
    pub fn new(client: async_nats::Client, subjects: Subjects) -> Self {
        let js = jetstream::new(client.clone());
        Self {
            commands: Commands::new(js.clone(), subjects.clone(), Role::Customer),
            queries: Queries::new(client.clone()),
            client,
            js,
            subjects,
        }
    }

    /// Publishes a customer command and waits until JetStream stored it.
    /// `id` is the envelope id and `Nats-Msg-Id`: sending it twice stores it once.
    pub async fn send<T: Serialize>(
        &self,
        kind: CommandKind,
        actor: &Actor,
        id: Uuid,
        data: T,
    ) -> Result<(), SendError> {
        self.commands.send(kind, actor, id, data).await
    }

    /// Asks the order workers; `Err` carries a sentence for the customer.
    pub async fn query<Q: Serialize, T: DeserializeOwned>(
        &self,
        kind: QueryKind,
        q: &Q,
    ) -> Result<T, String> {
        self.queries
            .ask(self.subjects.query(kind), q, QUERY_TIMEOUT)
            .await
            .map_err(|e| match e {
                QueryError::Refused(why) => why,
                _ => crate::texts::shop_unreachable(),
            })
    }
}
