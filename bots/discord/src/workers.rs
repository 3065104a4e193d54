//! The owner bot's way to the workers, on the shared bus: owner commands
//! over JetStream, queries over request/reply, and the bot's own durable
//! memory (which board message shows which order; which posts were made)
//! in JetStream key-value buckets, so a restart never posts twice. The bot
//! never opens MySQL.

use std::time::Duration;

use async_nats::jetstream::{self, kv};
use chatorder_bus::{Commands, Queries, QueryError};
use chatorder_shared::domain::Role;
use chatorder_shared::owners::OwnerReport;
use chatorder_shared::queries::QueryRefusal;
use chatorder_shared::subjects::{DemandQuery, QueryKind, Subjects};
use serde::Serialize;
use serde::de::DeserializeOwned;

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
    /// Owner commands ([`Commands::send`]); the event a command causes
    /// carries its envelope id as `cause`.
    pub commands: Commands,
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

    /// Asks the order workers, on the owners' subjects.
    pub async fn query<Q: Serialize, T: DeserializeOwned>(
        &self,
        kind: QueryKind,
        q: &Q,
    ) -> Result<T, Unanswered> {
        let subject = self.subjects.owner_query(kind);
        Ok(self.queries.ask(subject, q, QUERY_TIMEOUT).await?)
    }

    /// Asks the demand worker for a summary or forecast.
    pub async fn demand<Q: Serialize>(
        &self,
        kind: DemandQuery,
        q: &Q,
    ) -> Result<OwnerReport, Unanswered> {
        self.queries
            .ask(self.subjects.demand_query(kind), q, DEMAND_TIMEOUT)
            .await
            .map_err(|e| match e {
                QueryError::NoResponders { .. } => Unanswered::DemandNotRunning(kind),
                QueryError::Refused(why) => Unanswered::DemandRefused(kind, why),
                other => Unanswered::DemandLate(other),
            })
    }
}

/// Why a question to the workers has no answer to show. Its message is the
/// sentence for the owner.
#[derive(Debug, thiserror::Error)]
pub enum Unanswered {
    /// The order workers answered and refused.
    #[error("{}", texts::query_refused(.0))]
    Refused(QueryRefusal),
    /// No order worker answered in time, or the answer could not be read.
    #[error("{}", texts::workers_unreachable())]
    Unreachable(#[source] QueryError),
    /// The demand worker answered and refused.
    #[error("{}", texts::demand_refused(*.0, .1))]
    DemandRefused(DemandQuery, QueryRefusal),
    /// No demand worker serves the subject.
    #[error("{}", texts::demand_not_running(*.0))]
    DemandNotRunning(DemandQuery),
    /// The demand worker did not answer in time.
    #[error("{}", texts::demand_late())]
    DemandLate(#[source] QueryError),
}

/// How the order workers' answer went wrong ([`Workers::query`]).
impl From<QueryError> for Unanswered {
    fn from(e: QueryError) -> Self {
        match e {
            QueryError::Refused(why) => Self::Refused(why),
            other => Self::Unreachable(other),
        }
    }
}
